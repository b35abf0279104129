package notices

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// A notice's files: added and removed while its text is not final, each a
// change that withdraws an approval, and read back for sending.

// AddAttachment stores a file with a notice until its text is final. The
// file's name and media type go into the header of each email: a name
// with a control character, or a media type that is not one of
// notify.AttachmentTypes, is refused. Adding a file is an event and
// withdraws an approval.
func (s *Service) AddAttachment(ctx context.Context, v incident.Viewer, ref, id, name, contentType string, data []byte) (Notice, error) {
	name = strings.TrimSpace(name)
	switch {
	case name == "" || len(name) > 255 || strings.ContainsAny(name, "/\\"):
		return Notice{}, errs.E(errs.Invalid, "name", "a file name of 1–255 bytes without slashes or line breaks")
	case notify.HeaderText(name) != nil:
		return Notice{}, errs.E(errs.Invalid, "name", "a file name of 1–255 bytes without slashes or line breaks: it %s", notify.HeaderText(name).Error())
	case len(data) == 0:
		return Notice{}, errs.E(errs.Invalid, "content", "the file is empty")
	case len(data) > MaxAttachmentBytes:
		return Notice{}, errs.E(errs.Invalid, "content", "a file may be at most %d MiB", MaxAttachmentBytes>>20)
	}
	detected := contentType == ""
	if detected {
		contentType = http.DetectContentType(data)
	}
	contentType, err := notify.AttachmentType(contentType)
	if err != nil {
		if detected {
			return Notice{}, errs.E(errs.Invalid, "content_type", "the file looks like %s, which is not accepted: name its content_type (accepted: %s)",
				strings.Split(http.DetectContentType(data), ";")[0], strings.Join(notify.AttachmentTypes, ", "))
		}
		return Notice{}, errs.E(errs.Invalid, "content_type", "%s", err.Error())
	}
	sum := sha256.Sum256(data)
	a := NoticeAttachment{SHA256: hex.EncodeToString(sum[:]), Name: name, ContentType: contentType, Size: int64(len(data)), AddedBy: v.User}
	if _, err := s.Get(ctx, v, ref, id); err != nil {
		return Notice{}, err
	}
	now := s.Now().UTC()
	if err := s.Store.PutAttachment(ctx, triage.Attachment{SHA256: a.SHA256, Name: a.Name, ContentType: a.ContentType, Size: a.Size}, data, now); err != nil {
		return Notice{}, err
	}
	var out Notice
	_, err = s.change(ctx, v, ref, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		n, err := s.load(ctx, inc, id)
		if err != nil {
			return Effects{}, nil, err
		}
		if err := n.editable(); err != nil {
			return Effects{}, nil, err
		}
		if slices.ContainsFunc(n.Attachments, func(x NoticeAttachment) bool { return x.SHA256 == a.SHA256 }) {
			out = n
			return Effects{}, nil, nil
		}
		if len(n.Attachments) >= maxAttachments {
			return Effects{}, nil, errs.E(errs.Invalid, "content", "a notice may have at most %d attachments", maxAttachments)
		}
		a.AddedAt = now
		n.Attachments = append(n.Attachments, a)
		f := files([]NoticeAttachment{a})[0]
		return s.attachmentsChanged(&n, &out, v.User, now, NoticeEditedData{Added: &f})
	})
	s.derive(&out)
	return out, err
}

// RemoveAttachment takes a file off a notice until its text is final; an
// event, and it withdraws an approval.
func (s *Service) RemoveAttachment(ctx context.Context, v incident.Viewer, ref, id, sha string) (Notice, error) {
	var out Notice
	_, err := s.change(ctx, v, ref, func(inc *incident.Incident, now time.Time) (Effects, []incident.Change, error) {
		n, err := s.load(ctx, inc, id)
		if err != nil {
			return Effects{}, nil, err
		}
		if err := n.editable(); err != nil {
			return Effects{}, nil, err
		}
		i := slices.IndexFunc(n.Attachments, func(a NoticeAttachment) bool { return strings.EqualFold(a.SHA256, sha) })
		if i < 0 {
			return Effects{}, nil, errs.E(errs.NotFound, "sha256", "notice %s has no attachment %s", id, sha)
		}
		f := files(n.Attachments[i : i+1])[0]
		n.Attachments = slices.Delete(n.Attachments, i, i+1)
		return s.attachmentsChanged(&n, &out, v.User, now, NoticeEditedData{Removed: &f})
	})
	s.derive(&out)
	return out, err
}

// attachmentsChanged finishes a change to a notice's files: who did it,
// the event, and the approval it withdraws.
func (s *Service) attachmentsChanged(n *Notice, out *Notice, by string, now time.Time, ed NoticeEditedData) (Effects, []incident.Change, error) {
	n.touched(by, now)
	n.Version++
	ed.Notice, ed.Title, ed.Changed, ed.TextSHA256, ed.ContentSHA256 = n.ID, n.Title, []string{"attachments"}, n.TextSHA256, n.ContentSHA256
	changes := []incident.Change{{Type: incident.EvNoticeEdited, Data: ed}}
	if w := n.withdraw(ed.Changed); w != nil {
		changes = append(changes, *w)
	}
	*out = *n
	return Effects{Notice: n}, changes, nil
}

// AttachmentData returns one of a notice's files.
func (s *Service) AttachmentData(ctx context.Context, v incident.Viewer, ref, id, sha string) (NoticeAttachment, []byte, error) {
	n, err := s.Get(ctx, v, ref, id)
	if err != nil {
		return NoticeAttachment{}, nil, err
	}
	i := slices.IndexFunc(n.Attachments, func(a NoticeAttachment) bool { return a.SHA256 == sha })
	if i < 0 {
		return NoticeAttachment{}, nil, errs.E(errs.NotFound, "sha256", "notice %s has no attachment %s", id, sha)
	}
	_, data, err := s.Store.Attachment(ctx, sha)
	return n.Attachments[i], data, err
}
