package triage

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"net/mail"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Attachment is an evidence file's record; its bytes are stored by hash.
type Attachment struct {
	SHA256      string `json:"sha256"`
	Name        string `json:"name"`
	ContentType string `json:"content_type"`
	Size        int64  `json:"size"`
}

// Attachments stores evidence files. The store implements it.
type Attachments interface {
	PutAttachment(ctx context.Context, a Attachment, data []byte, at time.Time) error
	Attachment(ctx context.Context, sha string) (Attachment, []byte, error)
}

// MaxAttachment bounds one report's attachment.
const MaxAttachment = 5 << 20

// ReportInput is a report from a person: a colleague (Reporter is their
// username) or an outsider through the public form (Reporter is empty).
type ReportInput struct {
	Reporter    string
	Name        string // an outsider's name, if they give one
	Contact     string // an outsider's email, if they give one
	Title       string
	Description string
	File        *File
	// Files are more attachments (an email's); File, if set, comes first.
	Files []File
	// Annotations add context to the entry (how it arrived); they never
	// replace the ones Report sets.
	Annotations map[string]string
}

// MaxFiles bounds the attachments of one report.
const MaxFiles = 20

// File is an uploaded attachment.
type File struct {
	Name        string
	ContentType string
	Data        []byte
}

// Report files a report into the triage queue and returns the reference
// the reporter can quote. An attachment is stored first, by its SHA-256, so
// a report never names evidence that is not there.
func (s *Service) Report(ctx context.Context, in ReportInput) (string, error) {
	return s.report(ctx, in, MaxAttachment)
}

// report files a report whose attachments may each be up to maxFile bytes.
func (s *Service) report(ctx context.Context, in ReportInput, maxFile int) (string, error) {
	in.Title, in.Contact, in.Name = strings.TrimSpace(in.Title), strings.TrimSpace(in.Contact), strings.TrimSpace(in.Name)
	var details []errs.Detail
	bad := func(f, m string) { details = append(details, errs.Detail{Field: f, Message: m}) }
	switch {
	case in.Title == "":
		bad("title", "is required: say in a line what you saw")
	case len(in.Title) > 200 || !utf8.ValidString(in.Title):
		bad("title", "at most 200 characters")
	}
	if len(in.Description) > 20000 || !utf8.ValidString(in.Description) {
		bad("description", "at most 20,000 characters")
	}
	if len(in.Name) > 200 {
		bad("name", "at most 200 characters")
	}
	if in.Contact != "" {
		if a, err := mail.ParseAddress(in.Contact); err != nil || a.Address != in.Contact || len(in.Contact) > 254 {
			bad("contact", "is not an email address such as you@example.com")
		}
	}
	files := in.Files
	if in.File != nil {
		files = append([]File{*in.File}, files...)
	}
	if len(files) > MaxFiles {
		bad("attachment", fmt.Sprintf("at most %d attachments", MaxFiles))
	}
	for _, f := range files {
		if len(f.Data) > maxFile {
			bad("attachment", fmt.Sprintf("is larger than %d MiB", maxFile>>20))
			break
		}
	}
	if len(details) > 0 {
		return "", &errs.Error{Code: errs.Invalid, Field: details[0].Field, Message: details[0].Message, Details: details}
	}
	now := incident.Now(s.now())
	ref := newReference()
	kind := "external"
	if in.Reporter != "" {
		kind = "internal"
	}
	ann := map[string]string{}
	for k, v := range in.Annotations {
		ann[k] = v
	}
	ann["report_kind"] = kind
	for k, v := range map[string]string{"reporter": in.Reporter, "reporter_name": in.Name, "contact": in.Contact} {
		if v != "" {
			ann[k] = v
		}
	}
	n := 0
	for _, f := range files {
		if len(f.Data) == 0 {
			continue
		}
		a, err := s.putFile(ctx, f, now)
		if err != nil {
			return "", err
		}
		// The first is "attachment", the next "attachment_2", and so on.
		n++
		key := "attachment"
		if n > 1 {
			key = fmt.Sprintf("attachment_%d", n)
		}
		ann[key], ann[key+"_sha256"], ann[key+"_size"] = a.Name, a.SHA256, fmt.Sprint(a.Size)
	}
	a := alert.Alert{Source: alert.SourceReport, Integration: kind + " report", Status: alert.StatusFiring, Summary: in.Title,
		Details: in.Description, Labels: map[string]string{"report": ref, "report_kind": kind}, Annotations: ann,
		StartsAt: now, ReceivedAt: now}
	route := &alert.Route{Service: s.reports, GroupBy: []string{"report"}}
	pipeline := alert.NewPipeline(route)
	_, err := s.store.Ingest(ctx,
		func(st alert.State) ([]alert.Outcome, error) { return pipeline.Process(ctx, st, now, []alert.Alert{a}) },
		func(g alert.Group, o alert.Outcome) Entry {
			return Entry{Group: g, Status: New, Source: alert.SourceReport, Integration: kind + " report", Rank: 3,
				Annotations: ann, UpdatedAt: now}
		}, nil)
	if err != nil {
		return "", fmt.Errorf("file report: %w", err)
	}
	s.signalled(Signal{Action: "report", Actor: kind + " report", Public: true})
	return ref, nil
}

// putFile stores one evidence file by its SHA-256.
func (s *Service) putFile(ctx context.Context, f File, now time.Time) (Attachment, error) {
	sum := sha256.Sum256(f.Data)
	a := Attachment{SHA256: hex.EncodeToString(sum[:]), Name: safeName(f.Name), ContentType: f.ContentType, Size: int64(len(f.Data))}
	if a.ContentType == "" {
		a.ContentType = "application/octet-stream"
	}
	if err := s.files.PutAttachment(ctx, a, f.Data, now); err != nil {
		return Attachment{}, err
	}
	return a, nil
}

// newReference is a short, unguessable, easy-to-read reference.
func newReference() string {
	const alphabet = "ABCDEFGHJKMNPQRSTVWXYZ23456789" // no 0/O, 1/I/L, U
	b := make([]byte, 10)
	rand.Read(b)
	for i := range b {
		b[i] = alphabet[int(b[i])%len(alphabet)]
	}
	return "RPT-" + string(b[:5]) + "-" + string(b[5:])
}

// safeName keeps a file name printable and short.
func safeName(n string) string {
	n = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f || r == '/' || r == '\\' {
			return '_'
		}
		return r
	}, n)
	if n == "" {
		n = "attachment"
	}
	if len(n) > 200 {
		n = n[:200]
	}
	return n
}

// Attachment returns a stored evidence file.
func (s *Service) Attachment(ctx context.Context, sha string) (Attachment, []byte, error) {
	return s.files.Attachment(ctx, sha)
}
