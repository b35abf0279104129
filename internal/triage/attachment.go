package triage

import (
	"context"
	"fmt"
	"regexp"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

var shaPattern = regexp.MustCompile(`^[0-9a-f]{64}$`)

// EntryAttachments lists the files a report came with, as its entry's
// annotations name them (attachment, attachment_2, …), in order.
func EntryAttachments(e Entry) []Attachment {
	var out []Attachment
	for n := 1; ; n++ {
		key := "attachment"
		if n > 1 {
			key = fmt.Sprintf("attachment_%d", n)
		}
		sha, ok := e.Annotations[key+"_sha256"]
		if !ok {
			return out
		}
		var size int64
		_, _ = fmt.Sscan(e.Annotations[key+"_size"], &size) // a missing or bad size annotation reads as 0 (unknown)
		out = append(out, Attachment{SHA256: sha, Name: e.Annotations[key], ContentType: "application/octet-stream", Size: size})
	}
}

// EntryAttachment returns a file the report of entry id came with, to v
// who may see the entry, and records the access before it answers: on the
// entry's record and, when the entry is linked to an incident, on the
// incident's timeline. An entry v may not see answers as a missing one
// does; so does a file the entry does not name. The file is always given
// as application/octet-stream, named as the entry names it.
func (s *Service) EntryAttachment(ctx context.Context, v incident.Viewer, id, sha string) (Attachment, []byte, error) {
	// A missing entry, an entry v may not see and a file the entry does
	// not name all answer the same.
	missing := errs.E(errs.NotFound, "sha256", "queue entry %s has no attachment %s", id, sha)
	e, err := s.store.Entry(ctx, v, id)
	if errs.CodeOf(err) == errs.NotFound {
		return Attachment{}, nil, missing
	}
	if err != nil {
		return Attachment{}, nil, err
	}
	var found *Attachment
	for _, a := range EntryAttachments(e) {
		if shaPattern.MatchString(sha) && a.SHA256 == sha {
			found = &a
			break
		}
	}
	if found == nil {
		return Attachment{}, nil, missing
	}
	stored, data, err := s.files.Attachment(ctx, sha)
	if err != nil {
		return Attachment{}, nil, err
	}
	a := *found
	a.Size = stored.Size
	now := incident.Now(s.now())
	what := fmt.Sprintf("%s (%d bytes, sha256 %s)", a.Name, a.Size, a.SHA256)
	if _, err := s.store.UpdateEntry(ctx, v, id, LogEntry{Action: "attachment", Actor: v.User, At: now, Data: what},
		func(*Entry) error { return nil }); err != nil {
		return Attachment{}, nil, fmt.Errorf("record the attachment access: %w", err)
	}
	if e.Group.IncidentID != "" {
		err := s.incidents.RecordAttachmentAccess(ctx, incident.Command{Actor: v, Ref: e.Group.IncidentID},
			incident.AttachmentAccessData{Entry: id, Name: a.Name, SHA256: a.SHA256, Size: a.Size})
		if err != nil {
			return Attachment{}, nil, fmt.Errorf("record the attachment access on the incident: %w", err)
		}
	}
	return a, data, nil
}

// Disposition is the Content-Disposition of a download of a file named
// name (RFC 6266): an ASCII fallback name, and the exact name in UTF-8 as
// filename* (RFC 5987) when it is not plain ASCII.
func Disposition(name string) string {
	var ascii, ext strings.Builder
	plain := true
	for _, r := range name {
		switch {
		case r < 0x20 || r == 0x7f || r == '"' || r == '\\' || r == '/' || r == ';':
			ascii.WriteByte('_')
			plain = false
		case r >= 0x80:
			ascii.WriteByte('_')
			plain = false
		default:
			ascii.WriteRune(r)
		}
	}
	for _, b := range []byte(name) {
		if b < 0x80 && (b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || strings.IndexByte("!#$&+-.^_`|~", b) >= 0) {
			ext.WriteByte(b)
		} else {
			fmt.Fprintf(&ext, "%%%02X", b)
		}
	}
	out := `attachment; filename="` + ascii.String() + `"`
	if !plain {
		out += "; filename*=UTF-8''" + ext.String()
	}
	return out
}
