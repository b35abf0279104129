package intake

import (
	"bufio"
	"bytes"
	"encoding/base64"
	"errors"
	"fmt"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net/mail"
	"net/textproto"
	"path"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
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
	Raw           []byte // the message as received
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
func ParseEmail(raw []byte, lim EmailLimits) (Email, error) {
	lim = lim.withDefaults()
	if len(bytes.TrimSpace(raw)) == 0 {
		return Email{}, invalid("", "the message is empty")
	}
	if len(raw) > lim.MaxSize {
		return Email{}, invalid(SizeField, "message exceeds %d bytes", lim.MaxSize)
	}
	m, err := mail.ReadMessage(bytes.NewReader(raw))
	if err != nil {
		return Email{}, invalid("", "not an email message: %s", strings.TrimPrefix(err.Error(), "mail: "))
	}
	e := Email{Raw: raw, MessageID: oneLine(m.Header.Get("Message-Id"), 998), Subject: decodeHeader(m.Header.Get("Subject"), 998)}
	if from := m.Header.Get("From"); from != "" {
		if a, err := mail.ParseAddress(from); err == nil {
			e.FromName, e.FromAddress = oneLine(a.Name, 200), oneLine(a.Address, 254)
		} else {
			e.FromName = decodeHeader(from, 200)
		}
	}
	if d, err := m.Header.Date(); err == nil {
		e.Date = d
	}
	w := &walker{lim: lim}
	if err := w.part(textproto.MIMEHeader(m.Header), m.Body, 0); err != nil {
		return Email{}, err
	}
	text := strings.Join(w.plain, "\n\n")
	if strings.TrimSpace(text) == "" && w.html != "" {
		text = stripHTML(w.html)
	}
	text = strings.TrimSpace(text)
	if len(text) > lim.MaxText {
		text, e.TextTruncated = truncateUTF8(text, lim.MaxText), true
	}
	e.Text, e.Attachments = text, w.files
	return e, nil
}

type walker struct {
	lim   EmailLimits
	parts int
	plain []string
	html  string
	files []EmailAttachment
}

// part handles one MIME part (the message itself is the first): a
// multipart is walked, an inline text part is body text, anything else is
// an attachment.
func (w *walker) part(h textproto.MIMEHeader, body io.Reader, depth int) error {
	w.parts++
	if w.parts > w.lim.MaxParts {
		return invalid("", "more than %d MIME parts", w.lim.MaxParts)
	}
	ctype, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || h.Get("Content-Type") == "" {
		ctype, params = "text/plain", map[string]string{"charset": "us-ascii"} // RFC 2045 §5.2
	}
	if strings.HasPrefix(ctype, "multipart/") {
		if depth >= w.lim.MaxDepth {
			return invalid("", "MIME parts nested deeper than %d", w.lim.MaxDepth)
		}
		if params["boundary"] == "" {
			return invalid("", "a %s part without a boundary", ctype)
		}
		mr := multipart.NewReader(body, params["boundary"])
		for {
			p, err := mr.NextRawPart()
			if errors.Is(err, io.EOF) {
				return nil
			}
			if err != nil {
				return invalid("", "malformed %s: %s", ctype, err)
			}
			if err := w.part(p.Header, p, depth+1); err != nil {
				return err
			}
		}
	}
	data, err := w.decode(h, body)
	if err != nil {
		return err
	}
	disp, dparams, _ := mime.ParseMediaType(h.Get("Content-Disposition"))
	name := firstNonEmpty(dparams["filename"], params["name"])
	if disp != "attachment" && name == "" {
		switch ctype {
		case "text/plain":
			w.plain = append(w.plain, toUTF8(data, params["charset"]))
			return nil
		case "text/html":
			if w.html == "" {
				w.html = toUTF8(data, params["charset"])
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
	w.files = append(w.files, EmailAttachment{Name: fileName(name, len(w.files)+1), ContentType: ctype, Data: data})
	return nil
}

// decode reads a leaf part's body, undoing its transfer encoding, up to
// MaxPart bytes.
func (w *walker) decode(h textproto.MIMEHeader, body io.Reader) ([]byte, error) {
	cte := strings.ToLower(strings.TrimSpace(h.Get("Content-Transfer-Encoding")))
	r := body
	switch cte {
	case "base64":
		r = base64.NewDecoder(base64.StdEncoding, &noSpace{r: bufio.NewReader(body)})
	case "quoted-printable":
		r = quotedprintable.NewReader(body)
	case "", "7bit", "8bit", "binary":
	default:
		return nil, invalid("", "unknown Content-Transfer-Encoding %q", oneLine(cte, 64))
	}
	data, err := io.ReadAll(io.LimitReader(r, int64(w.lim.MaxPart)+1))
	if err != nil {
		return nil, invalid("", "a %s part cannot be decoded: %s", firstNonEmpty(cte, "7bit"), err)
	}
	if len(data) > w.lim.MaxPart {
		return nil, invalid(SizeField, "a MIME part exceeds %d bytes", w.lim.MaxPart)
	}
	return data, nil
}

// noSpace drops the white space some senders put inside base64 (the
// decoder itself drops only line breaks).
type noSpace struct{ r *bufio.Reader }

func (n *noSpace) Read(p []byte) (int, error) {
	i := 0
	for i < len(p) {
		c, err := n.r.ReadByte()
		if err != nil {
			if i > 0 {
				return i, nil
			}
			return 0, err
		}
		if c == ' ' || c == '\t' || c == '\r' || c == '\n' {
			continue
		}
		p[i] = c
		i++
	}
	return i, nil
}

var wordDecoder = &mime.WordDecoder{CharsetReader: func(charset string, input io.Reader) (io.Reader, error) {
	b, err := io.ReadAll(io.LimitReader(input, 64<<10))
	if err != nil {
		return nil, err
	}
	return strings.NewReader(toUTF8(b, charset)), nil
}}

// decodeHeader decodes RFC 2047 words and keeps the value on one line of
// at most max bytes of valid UTF-8.
func decodeHeader(s string, max int) string {
	if d, err := wordDecoder.DecodeHeader(s); err == nil {
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

// toUTF8 converts text in a charset to UTF-8: UTF-8 and US-ASCII as they
// are, ISO-8859-1 and Windows-1252 byte by byte (1252's extra characters
// approximated as Latin-1), and anything else with invalid bytes replaced.
func toUTF8(b []byte, charset string) string {
	switch strings.ToLower(strings.TrimSpace(charset)) {
	case "iso-8859-1", "latin1", "windows-1252", "cp1252":
		r := make([]rune, len(b))
		for i, c := range b {
			r[i] = rune(c)
		}
		return string(r)
	}
	return strings.ToValidUTF8(string(b), "\uFFFD")
}

// fileName makes an attachment's name safe to show and to save: decoded,
// without directories or control characters, at most 200 bytes.
func fileName(name string, n int) string {
	name = decodeHeader(name, 400)
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.TrimSpace(name)
	if name == "." || name == "/" || name == ".." || name == "" {
		return fmt.Sprintf("attachment-%d", n)
	}
	return truncateUTF8(name, 200)
}

// stripHTML reduces HTML to its text: tags dropped (script and style with
// their content), block ends as line breaks, entities decoded.
func stripHTML(s string) string {
	var b strings.Builder
	for len(s) > 0 {
		i := strings.IndexByte(s, '<')
		if i < 0 {
			b.WriteString(s)
			break
		}
		b.WriteString(s[:i])
		s = s[i:]
		end := strings.IndexByte(s, '>')
		if end < 0 {
			break // an unterminated tag: drop the rest
		}
		closing := strings.HasPrefix(s[1:end], "/")
		tag := strings.ToLower(strings.TrimLeft(s[1:end], "/"))
		if f := strings.FieldsFunc(tag, func(r rune) bool { return r == ' ' || r == '/' || r == '\t' || r == '\n' || r == '\r' }); len(f) > 0 {
			tag = f[0]
		}
		s = s[end+1:]
		switch tag {
		case "script", "style", "head", "title":
			if !closing {
				if j := strings.Index(lowerASCII(s), "</"+tag); j >= 0 {
					s = s[j:]
				} else {
					s = ""
				}
			}
		case "br", "p", "div", "li", "tr", "h1", "h2", "h3", "h4", "h5", "h6", "blockquote", "table", "pre":
			b.WriteByte('\n')
		}
	}
	lines := strings.Split(html.UnescapeString(b.String()), "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}

// lowerASCII lower-cases ASCII letters only, so byte offsets are kept.
func lowerASCII(s string) string {
	b := []byte(s)
	for i, c := range b {
		if c >= 'A' && c <= 'Z' {
			b[i] = c + 'a' - 'A'
		}
	}
	return string(b)
}
