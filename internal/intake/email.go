package intake

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/mail"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/emersion/go-message"
	"github.com/emersion/go-message/charset"
	"github.com/emersion/go-message/textproto"
	htmlcharset "golang.org/x/net/html/charset"
)

// Email is one parsed RFC 5322 message: what a person or a monitoring
// system sent to one of Firebreak's mailboxes.
type Email struct {
	MessageID   string
	Subject     string // decoded (RFC 2047), on one line; "" when absent
	FromName    string // the From display name, decoded
	FromAddress string // the From address; "" when From is absent or not an address
	Date        time.Time
	// Text is the body: the text/plain parts, else the first text/html
	// part stripped of its tags; at most MaxText bytes of valid UTF-8.
	Text          string
	TextTruncated bool
	Attachments   []EmailAttachment
	// Notes say what could not be read exactly, for a person: a charset
	// nobody knows is read as UTF-8 with the bad bytes replaced, and said
	// so here, rather than refusing the whole message.
	Notes []string
	Raw   []byte // the message as received
}

// EmailAttachment is one attached file, decoded.
type EmailAttachment struct {
	Name        string // decoded (RFC 2047 or RFC 2231), without directories
	ContentType string
	Data        []byte
}

// EmailLimits bound what one message may hold. A zero field takes its
// default from DefaultEmailLimits.
type EmailLimits struct {
	MaxSize        int // bytes of the raw message
	MaxPart        int // decoded bytes of one part
	MaxParts       int // MIME parts in all
	MaxAttachments int
	MaxDepth       int // nesting of multiparts
	MaxText        int // bytes of Text; more is cut and TextTruncated set
}

// DefaultEmailLimits are the limits when none are given.
var DefaultEmailLimits = EmailLimits{MaxSize: 64 << 20, MaxPart: 25 << 20, MaxParts: 100, MaxAttachments: 20, MaxDepth: 8, MaxText: 64 << 10}

func (l EmailLimits) withDefaults() EmailLimits {
	d := DefaultEmailLimits
	for _, p := range []struct{ v, d *int }{{&l.MaxSize, &d.MaxSize}, {&l.MaxPart, &d.MaxPart}, {&l.MaxParts, &d.MaxParts},
		{&l.MaxAttachments, &d.MaxAttachments}, {&l.MaxDepth, &d.MaxDepth}, {&l.MaxText, &d.MaxText}} {
		if *p.v <= 0 {
			*p.v = *p.d
		}
	}
	return l
}

// SizeField is the Field of the errors ParseEmail returns when a limit on
// bytes is exceeded, so the SMTP edge can answer 552 rather than 554.
const SizeField = "size"

// ParseEmail parses a raw message. A message that is not RFC 5322 and
// MIME, or exceeds a limit, is an *errs.Error with code Invalid (Field
// SizeField for the byte limits) and nothing else is returned: evidence is
// kept whole or refused, never silently cut. Only the body text is cut,
// since the raw message is kept too.
//
// go-message walks the MIME tree and undoes transfer encodings; its
// charset package (golang.org/x/text) converts bodies and RFC 2047 words
// in any charset it knows to UTF-8. Attachments keep their decoded bytes
// unconverted: they are evidence.
func ParseEmail(raw []byte, lim EmailLimits) (Email, error) {
	lim = lim.withDefaults()
	if len(bytes.TrimSpace(raw)) == 0 {
		return Email{}, invalid("", "the message is empty")
	}
	if len(raw) > lim.MaxSize {
		return Email{}, invalid(SizeField, "message exceeds %d bytes", lim.MaxSize)
	}
	br := bufio.NewReader(bytes.NewReader(raw))
	th, err := textproto.ReadHeader(br)
	if err != nil && !(errors.Is(err, io.EOF) && th.Len() > 0) { // a header without a body is a message
		return Email{}, invalid("", "not an email message: %s", oneLine(strings.TrimPrefix(err.Error(), "message: "), 200))
	}
	h := message.Header{Header: th}
	w := &walker{lim: lim}
	w.words = &mime.WordDecoder{CharsetReader: w.charsetReader}
	e := Email{Raw: raw, MessageID: oneLine(h.Get("Message-Id"), 998), Subject: w.header(h.Get("Subject"), 998)}
	if from := h.Get("From"); from != "" {
		ap := mail.AddressParser{WordDecoder: w.words}
		a, err := ap.Parse(from)
		if err != nil || strings.Contains(a.Name, "=?") {
			// Some senders (Go's mime.QEncoding among them) put characters a
			// phrase may not hold in an encoded word, which then fails to
			// parse or to decode; decoded first, the address often parses.
			// Only an address that was there in plain text counts: one
			// spelt inside an encoded word is not one.
			if d, derr := ap.Parse(w.header(from, 998)); derr == nil && strings.Contains(from, "<"+d.Address+">") {
				a, err = d, nil
			}
		}
		if err == nil {
			e.FromName, e.FromAddress = oneLine(a.Name, 200), oneLine(a.Address, 254)
		} else {
			e.FromName = w.header(from, 200)
		}
	}
	if d, err := mail.ParseDate(h.Get("Date")); err == nil {
		e.Date = d
	}
	if err := w.part(h, br, 0); err != nil {
		return Email{}, err
	}
	text := strings.ReplaceAll(strings.Join(w.plain, "\n\n"), "\r\n", "\n")
	if strings.TrimSpace(text) == "" && w.html != "" {
		text = htmlText(w.html)
	}
	text = strings.TrimSpace(text)
	if len(text) > lim.MaxText {
		text, e.TextTruncated = truncateUTF8(text, lim.MaxText), true
	}
	e.Text, e.Attachments, e.Notes = text, w.files, w.notes
	return e, nil
}

type walker struct {
	lim   EmailLimits
	words *mime.WordDecoder
	parts int
	plain []string
	html  string
	files []EmailAttachment
	notes []string
}

// maxNotes bounds Notes: one per unknown charset is plenty to tell.
const maxNotes = 5

func (w *walker) note(format string, args ...any) {
	n := fmt.Sprintf(format, args...)
	for _, o := range w.notes {
		if o == n {
			return
		}
	}
	if len(w.notes) < maxNotes {
		w.notes = append(w.notes, n)
	}
}

// part handles one MIME part (the message itself is the first): a
// multipart is walked, an inline text part is body text, anything else is
// an attachment.
func (w *walker) part(h message.Header, body io.Reader, depth int) error {
	w.parts++
	if w.parts > w.lim.MaxParts {
		return invalid("", "more than %d MIME parts", w.lim.MaxParts)
	}
	ctype, params, err := h.ContentType()
	if err != nil {
		ctype, params = "text/plain", map[string]string{"charset": "us-ascii"} // RFC 2045 §5.2
	}
	ctype = strings.ToLower(ctype)
	if strings.HasPrefix(ctype, "multipart/") {
		if depth >= w.lim.MaxDepth {
			return invalid("", "MIME parts nested deeper than %d", w.lim.MaxDepth)
		}
		if params["boundary"] == "" {
			return invalid("", "a %s part without a boundary", ctype)
		}
		mr := textproto.NewMultipartReader(body, params["boundary"])
		for {
			p, err := mr.NextPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return invalid("", "malformed %s: %s", ctype, strings.TrimPrefix(err.Error(), "multipart: "))
			}
			if err := w.part(message.Header{Header: p.Header}, p, depth+1); err != nil {
				return err
			}
		}
	}
	data, err := w.decode(h, body)
	if err != nil {
		return err
	}
	disp, dparams, _ := h.ContentDisposition()
	name := firstNonEmpty(dparams["filename"], params["name"])
	if !strings.EqualFold(disp, "attachment") && name == "" {
		switch ctype {
		case "text/plain":
			w.plain = append(w.plain, w.toUTF8(data, params["charset"], ctype))
			return nil
		case "text/html":
			if w.html == "" {
				cs := params["charset"]
				if cs == "" { // the document's own <meta charset>, else UTF-8 or windows-1252 as browsers do
					_, cs, _ = htmlcharset.DetermineEncoding(data, "text/html")
				}
				w.html = w.toUTF8(data, cs, ctype)
			}
			return nil
		}
	}
	if len(w.files) == w.lim.MaxAttachments {
		return invalid("", "more than %d attachments", w.lim.MaxAttachments)
	}
	if ctype == "message/rfc822" && name == "" {
		name = "forwarded.eml"
	}
	w.files = append(w.files, EmailAttachment{Name: w.fileName(name, len(w.files)+1), ContentType: ctype, Data: data})
	return nil
}

// decode reads a leaf part's body, undoing its transfer encoding with
// go-message, up to MaxPart bytes. The charset is left alone here (the
// part is presented to go-message as octets): attachments keep their
// bytes, and text is converted once it is known to fit.
func (w *walker) decode(h message.Header, body io.Reader) ([]byte, error) {
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	octets := h.Copy()
	octets.Set("Content-Type", "application/octet-stream")
	ent, err := message.New(octets, body)
	if message.IsUnknownEncoding(err) {
		return nil, invalid("", "unknown Content-Transfer-Encoding %q", oneLine(cte, 64))
	}
	data, err := io.ReadAll(io.LimitReader(ent.Body, int64(w.lim.MaxPart)+1))
	if err != nil {
		return nil, invalid("", "a %s part cannot be decoded: %s", firstNonEmpty(cte, "7bit"), err)
	}
	if len(data) > w.lim.MaxPart {
		return nil, invalid(SizeField, "a MIME part exceeds %d bytes", w.lim.MaxPart)
	}
	return data, nil
}

// toUTF8 converts a text part in a charset to UTF-8 with go-message's
// charset tables. An unknown charset (or bytes its decoder refuses) is not
// a reason to refuse the message: the bytes are kept as UTF-8 with
// invalid sequences replaced, and a note says so.
func (w *walker) toUTF8(b []byte, cs, ctype string) string {
	cs = strings.ToLower(strings.Trim(strings.TrimSpace(cs), `"`))
	switch cs {
	case "", "us-ascii", "ascii", "utf-8", "utf8":
		return strings.ToValidUTF8(string(b), "\uFFFD")
	}
	r, err := charset.Reader(cs, bytes.NewReader(b))
	if err == nil {
		var out []byte
		if out, err = io.ReadAll(r); err == nil {
			return strings.ToValidUTF8(string(out), "\uFFFD")
		}
	}
	w.note("a %s part is in the unknown charset %q: shown as UTF-8, other bytes as \uFFFD", ctype, oneLine(cs, 64))
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// charsetReader is the RFC 2047 decoder's way to any charset go-message
// knows; an unknown one is read as UTF-8 (oneLine replaces what is not)
// and noted, rather than leaving the encoded word as it came.
func (w *walker) charsetReader(cs string, in io.Reader) (io.Reader, error) {
	r, err := charset.Reader(cs, in)
	if err != nil {
		w.note("a header is in the unknown charset %q: shown as UTF-8, other bytes as \uFFFD", oneLine(cs, 64))
		return in, nil
	}
	return r, nil
}

// header decodes RFC 2047 words and keeps the value on one line of at
// most max bytes of valid UTF-8.
func (w *walker) header(s string, max int) string {
	if d, err := w.words.DecodeHeader(s); err == nil {
		s = d
	}
	return oneLine(s, max)
}

// oneLine folds white space and control characters into single spaces.
func oneLine(s string, max int) string {
	s = strings.ToValidUTF8(s, "\uFFFD")
	s = strings.Join(strings.FieldsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }), " ")
	return truncateUTF8(s, max)
}

// truncateUTF8 cuts s to at most max bytes without splitting a character.
func truncateUTF8(s string, max int) string {
	if len(s) <= max {
		return s
	}
	for max > 0 && !utf8.RuneStart(s[max]) {
		max--
	}
	return s[:max]
}

// fileName makes an attachment's name safe to show and to save: decoded
// (go-message has decoded RFC 2231 and RFC 2047 in the parameter; a name
// in the RFC 2047 form without quotes is decoded here), without
// directories or control characters, at most 200 bytes.
func (w *walker) fileName(name string, n int) string {
	name = w.header(name, 400)
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." || name == "" {
		return fmt.Sprintf("attachment-%d", n)
	}
	return truncateUTF8(name, 200)
}
