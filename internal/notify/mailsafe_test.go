package notify

import (
	"bytes"
	"context"
	"mime"
	"net/mail"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestAttachmentType(t *testing.T) {
	t.Parallel()
	good := []struct{ in, want string }{
		{"application/pdf", "application/pdf"},
		{"Application/PDF", "application/pdf"},
		{"text/plain; charset=UTF-8", "text/plain; charset=UTF-8"},
		{`text/csv;charset="utf-8"`, "text/csv; charset=utf-8"},
		{"image/png", "image/png"},
	}
	for _, c := range good {
		got, err := AttachmentType(c.in)
		if err != nil || got != c.want {
			t.Errorf("AttachmentType(%q) = %q, %v; want %q", c.in, got, err, c.want)
		}
	}
	bad := []struct{ in, want string }{
		{"text/plain\r\nBcc: victim@example.com", "control character (U+000D at byte 10)"},
		{"text/plain\nBcc: victim@example.com", "control character (U+000A"},
		{"application/pdf\x00", "control character (U+0000"},
		{"text/plain\u2028Bcc: x", "control character (U+2028"},
		{"text/plain; charset=\"utf-8\r\n\"", "control character"},
		{"text/html", "text/html is not accepted"},
		{"application/octet-stream", "is not accepted"},
		{"application/x-msdownload", "is not accepted"},
		{"pdf", "pdf is not accepted"},
		{"", "is not a media type"},
		{"application/pdf; name=evil.pdf", `parameter "name" is not accepted`},
		{"image/png; charset=utf-8", `parameter "charset" is not accepted`},
		{"text/plain; charset=\"utf 8\"", "is not a charset name"},
		{"text/plain; boundary=x; charset=utf-8", "is not accepted"},
	}
	for _, c := range bad {
		got, err := AttachmentType(c.in)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("AttachmentType(%q) = %q, %v; want an error containing %q", c.in, got, err, c.want)
		}
	}
}

func TestHeaderText(t *testing.T) {
	t.Parallel()
	for _, s := range []string{"Security notice", "Ümlaut – and “quotes”", "tab\tinside", ""} {
		if s == "tab\tinside" {
			continue // a tab is a control character too: checked below
		}
		if err := HeaderText(s); err != nil {
			t.Errorf("HeaderText(%q) = %v", s, err)
		}
	}
	for _, s := range []string{"a\rb", "a\nb", "a\x00b", "a\tb", "a\x7fb", "a\u0085b", "a\u2029b", "a\xffb"} {
		if HeaderText(s) == nil {
			t.Errorf("HeaderText(%q) accepted it", s)
		}
	}
	if HeaderText("keeps \uFFFD, the replacement character") != nil {
		t.Error("refused a literal U+FFFD")
	}
}

// A media type from outside either comes back as one canonical media type
// on the list, parsed again to the same thing, or is refused; it never
// carries a line break into a header.
func FuzzAttachmentType(f *testing.F) {
	for _, s := range []string{"application/pdf", "text/plain; charset=utf-8", "text/plain\r\nBcc: v@example.com", `text/csv; charset="a\"b"`, "image/png;;", "TEXT/PLAIN ; CHARSET = x"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, in string) {
		out, err := AttachmentType(in)
		if err != nil {
			return
		}
		if strings.ContainsAny(out, "\r\n\x00") || HeaderText(out) != nil {
			t.Fatalf("%q gave %q", in, out)
		}
		mt, params, err := mime.ParseMediaType(out)
		if err != nil || !slices.Contains(AttachmentTypes, mt) {
			t.Fatalf("%q gave %q, which parses as %q %v", in, out, mt, err)
		}
		again, err := AttachmentType(out)
		if err != nil || again != out {
			t.Fatalf("%q gave %q, then %q %v", in, out, again, err)
		}
		for k := range params {
			if k != "charset" {
				t.Fatalf("%q kept parameter %q", in, k)
			}
		}
	})
}

// Whatever a caller checked, the message is checked again as it is made:
// a value that would add a header is refused (for good, not retried) and
// nothing reaches the relay.
func TestSendDocumentRefusesHeaderInjection(t *testing.T) {
	t.Parallel()
	srv := startSMTP(t, nil)
	e := emailFor(srv)
	file := func(name, ct string) []File { return []File{{Name: name, ContentType: ct, Data: []byte("data")}} }
	cases := []struct {
		name string
		to   string
		doc  Document
		want string
	}{
		{"content type", "ops@customer.example", Document{ID: "1", Subject: "S", Text: "t", Attachments: file("a.txt", "text/plain\r\nBcc: victim@example.com")}, "content type contains a control character"},
		{"media type not accepted", "ops@customer.example", Document{ID: "1", Subject: "S", Text: "t", Attachments: file("a.html", "text/html")}, "text/html is not accepted"},
		{"file name", "ops@customer.example", Document{ID: "1", Subject: "S", Text: "t", Attachments: file("a.txt\r\nBcc: victim@example.com", "text/plain")}, "attachment name"},
		{"subject", "ops@customer.example", Document{ID: "1", Subject: "Notice\r\nBcc: victim@example.com", Text: "t"}, "subject contains a control character"},
		{"subject with NUL", "ops@customer.example", Document{ID: "1", Subject: "Notice\x00", Text: "t"}, "subject contains a control character"},
		{"recipient", "ops@customer.example\r\nBcc: victim@example.com", Document{ID: "1", Subject: "S", Text: "t"}, "not an email address"},
	}
	for _, c := range cases {
		_, err := e.SendDocument(context.Background(), c.to, c.doc)
		if err == nil || !strings.Contains(err.Error(), c.want) || Retryable(err) {
			t.Errorf("%s: got %v (retryable %v), want a permanent error containing %q", c.name, err, Retryable(err), c.want)
		}
	}
	if got := srv.received(); len(got) != 0 {
		t.Fatalf("the relay received %d messages", len(got))
	}
	// A good document carries exactly the expected headers, and its file
	// exactly the expected part headers with the type re-serialised.
	_, err := e.SendDocument(context.Background(), "ops@customer.example", Document{ID: "2", Subject: "Security notice", Text: "Text.\n",
		Time: time.Date(2026, 11, 27, 10, 0, 0, 0, time.UTC), Attachments: file("data.csv", `TEXT/CSV; charset="utf-8"`)})
	if err != nil {
		t.Fatal(err)
	}
	got := srv.received()
	if len(got) != 1 || len(got[0].to) != 1 || got[0].to[0] != "ops@customer.example" {
		t.Fatalf("received %+v", got)
	}
	m, err := mail.ReadMessage(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatal(err)
	}
	var keys []string
	for k := range m.Header {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	want := []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To", "User-Agent", "X-Mailer"}
	if !slices.Equal(keys, want) {
		t.Errorf("headers %v, want %v", keys, want)
	}
	if !bytes.Contains(got[0].data, []byte("Content-Type: text/csv; charset=utf-8; name=\"data.csv\"\r\n")) {
		t.Errorf("the file's type was not re-serialised:\n%s", got[0].data)
	}
}
