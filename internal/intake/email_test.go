package intake

import (
	"bytes"
	"encoding/base64"
	"mime"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// crlf turns a readable message with \n line ends into the wire form.
func crlf(s string) string { return strings.ReplaceAll(s, "\n", "\r\n") }

var pdf = []byte("%PDF-1.4\n\x00\x01\x02\xff binary evidence")

var emailCases = []struct {
	name    string
	raw     string
	lim     EmailLimits
	want    Email // Raw is not compared
	wantErr string
}{
	{
		name: "plain",
		raw: crlf(`From: Eve Researcher <eve@example.org>
To: security@example.com
Subject: Admin panel open
Date: Thu, 26 Nov 2026 22:52:14 +0000
Message-ID: <1@example.org>

The /admin page needs no login.
`),
		want: Email{MessageID: "<1@example.org>", Subject: "Admin panel open", FromName: "Eve Researcher", FromAddress: "eve@example.org",
			Date: time.Date(2026, 11, 26, 22, 52, 14, 0, time.UTC), Text: "The /admin page needs no login."},
	},
	{
		name: "multipart/alternative prefers text/plain",
		raw: crlf(`From: alerts@monitor.example
Subject: Disk full on db-1
Content-Type: multipart/alternative; boundary="b1"

--b1
Content-Type: text/plain; charset=utf-8

Disk /var is 99% full.
--b1
Content-Type: text/html; charset=utf-8

<p>Disk <b>/var</b> is 99% full.</p>
--b1--
`),
		want: Email{Subject: "Disk full on db-1", FromAddress: "alerts@monitor.example", Text: "Disk /var is 99% full."},
	},
	{
		name: "html only, stripped",
		raw: crlf(`From: x@example.org
Subject: html
Content-Type: text/html; charset=utf-8

<html><head><title>t</title><style>p{color:red}</style></head><body><p>Hello &amp; welcome</p><script>alert(1)</script><div>Line&nbsp;two<br>three</div></body></html>
`),
		want: Email{Subject: "html", FromAddress: "x@example.org", Text: "Hello & welcome\n\nLine two\nthree"},
	},
	{
		name: "nested multipart/mixed with base64 and quoted-printable parts",
		raw: crlf(`From: =?UTF-8?Q?Zo=C3=AB?= <zoe@example.org>
Subject: =?UTF-8?B?TGVhayBpbiDDvGJlciBwb3J0YWw=?=
MIME-Version: 1.0
Content-Type: multipart/mixed; boundary="outer"

preamble
--outer
Content-Type: multipart/alternative; boundary="inner"

--inner
Content-Type: text/plain; charset=utf-8
Content-Transfer-Encoding: quoted-printable

Caf=C3=A9 logs attached; a long line that was soft =
broken.
--inner
Content-Type: text/html; charset=utf-8

<p>ignored</p>
--inner--
--outer
Content-Type: application/pdf; name="ignored.pdf"
Content-Disposition: attachment; filename="=?UTF-8?B?YmVyaWNodC3DvC5wZGY=?="
Content-Transfer-Encoding: base64

` + wrap(base64.StdEncoding.EncodeToString(pdf)) + `
--outer
Content-Type: text/plain; charset=iso-8859-1
Content-Disposition: attachment; filename*=UTF-8''notes%20%C3%A9.txt
Content-Transfer-Encoding: quoted-printable

caf=E9
--outer--
epilogue
`),
		want: Email{Subject: "Leak in über portal", FromName: "Zoë", FromAddress: "zoe@example.org",
			Text: "Café logs attached; a long line that was soft broken.",
			Attachments: []EmailAttachment{
				{Name: "bericht-ü.pdf", ContentType: "application/pdf", Data: pdf},
				{Name: "notes é.txt", ContentType: "text/plain", Data: []byte("caf\xe9")},
			}},
	},
	{
		name: "missing subject, no From, forwarded message and unsafe names",
		raw: crlf(`Content-Type: multipart/mixed; boundary=x

--x
Content-Type: text/plain

see attached
--x
Content-Type: message/rfc822

Subject: phish

click here
--x
Content-Type: application/octet-stream
Content-Disposition: attachment; filename="../../etc/passwd"

root
--x--
`),
		want: Email{Text: "see attached", Attachments: []EmailAttachment{
			{Name: "forwarded.eml", ContentType: "message/rfc822", Data: []byte("Subject: phish\r\n\r\nclick here")},
			{Name: "passwd", ContentType: "application/octet-stream", Data: []byte("root")},
		}},
	},
	{
		name: "long body is cut at a character boundary",
		raw:  crlf("Subject: long\n\n" + strings.Repeat("é", 10)),
		lim:  EmailLimits{MaxText: 5},
		want: Email{Subject: "long", Text: "éé", TextTruncated: true},
	},
	{
		name: "oversize part",
		raw: crlf(`Subject: big
Content-Type: multipart/mixed; boundary=x

--x
Content-Type: application/octet-stream
Content-Disposition: attachment; filename=big.bin
Content-Transfer-Encoding: base64

` + base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{1}, 101)) + `
--x--
`),
		lim:     EmailLimits{MaxPart: 100},
		wantErr: "size: a MIME part exceeds 100 bytes",
	},
	{
		name:    "oversize message",
		raw:     crlf("Subject: x\n\n" + strings.Repeat("a", 200)),
		lim:     EmailLimits{MaxSize: 100},
		wantErr: "size: message exceeds 100 bytes",
	},
	{
		name:    "nested too deep",
		raw:     crlf("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Type: multipart/mixed; boundary=b\n\n--b\n\nx\n--b--\n--a--\n"),
		lim:     EmailLimits{MaxDepth: 1},
		wantErr: "MIME parts nested deeper than 1",
	},
	{
		name:    "too many attachments",
		raw:     crlf("Content-Type: multipart/mixed; boundary=a\n\n--a\nContent-Disposition: attachment\n\nx\n--a\nContent-Disposition: attachment\n\ny\n--a--\n"),
		lim:     EmailLimits{MaxAttachments: 1},
		wantErr: "more than 1 attachments",
	},
	{
		name:    "bad base64",
		raw:     crlf("Content-Transfer-Encoding: base64\n\n!!!!\n"),
		wantErr: "a base64 part cannot be decoded: illegal base64 data at input byte 0",
	},
	{
		name:    "multipart without boundary",
		raw:     crlf("Content-Type: multipart/mixed\n\nx\n"),
		wantErr: "a multipart/mixed part without a boundary",
	},
	{
		name:    "empty",
		raw:     "\r\n",
		wantErr: "the message is empty",
	},
	{
		name:    "not a message",
		raw:     "no header here",
		wantErr: "not an email message: malformed MIME header line: no header here",
	},
}

// wrap breaks base64 into 76-character lines, as mail clients do.
func wrap(s string) string {
	var b strings.Builder
	for len(s) > 76 {
		b.WriteString(s[:76] + "\n")
		s = s[76:]
	}
	b.WriteString(s)
	return b.String()
}

func TestParseEmail(t *testing.T) {
	t.Parallel()
	for _, tc := range emailCases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := ParseEmail([]byte(tc.raw), tc.lim)
			if tc.wantErr != "" {
				if err == nil || err.Error() != tc.wantErr || errs.CodeOf(err) != errs.Invalid {
					t.Fatalf("error %v, want %q (Invalid)", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if string(got.Raw) != tc.raw {
				t.Errorf("Raw is not the message as given")
			}
			got.Raw = nil
			if got.MessageID != tc.want.MessageID || got.Subject != tc.want.Subject || got.FromName != tc.want.FromName ||
				got.FromAddress != tc.want.FromAddress || !got.Date.Equal(tc.want.Date) || got.Text != tc.want.Text || got.TextTruncated != tc.want.TextTruncated {
				t.Errorf("got  %+v\nwant %+v", got, tc.want)
			}
			if len(got.Attachments) != len(tc.want.Attachments) {
				t.Fatalf("%d attachments, want %d: %+v", len(got.Attachments), len(tc.want.Attachments), got.Attachments)
			}
			for i, a := range got.Attachments {
				w := tc.want.Attachments[i]
				if a.Name != w.Name || a.ContentType != w.ContentType || !bytes.Equal(a.Data, w.Data) {
					t.Errorf("attachment %d: got %q %q %q, want %q %q %q", i, a.Name, a.ContentType, a.Data, w.Name, w.ContentType, w.Data)
				}
			}
		})
	}
}

func FuzzEmail(f *testing.F) {
	for _, tc := range emailCases {
		f.Add([]byte(tc.raw))
	}
	for _, c := range charsetCases {
		f.Add([]byte(charsetMessage(f, c.charset, c.enc, c.subject, c.text, "quoted-printable", mime.QEncoding)))
		f.Add([]byte(charsetMessage(f, c.charset, c.enc, c.subject, c.text, "base64", mime.BEncoding)))
	}
	f.Add([]byte("Subject: =?x-martian?Q?=FF?=\r\nContent-Type: text/html; charset=x-martian\r\n\r\n<p>\xff<a href=https://x>y</a>\r\n"))
	lim := EmailLimits{MaxSize: 1 << 20, MaxPart: 4096, MaxParts: 20, MaxAttachments: 5, MaxDepth: 4, MaxText: 1024}
	f.Fuzz(func(t *testing.T, raw []byte) {
		e, err := ParseEmail(raw, lim)
		if err != nil {
			if errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("error without the Invalid code: %v", err)
			}
			if e.Raw != nil || e.Attachments != nil || e.Text != "" {
				t.Fatalf("refused message with content: %+v", e)
			}
			return
		}
		if !bytes.Equal(e.Raw, raw) {
			t.Fatal("Raw is not the input")
		}
		if len(e.Text) > lim.MaxText || len(e.Attachments) > lim.MaxAttachments || len(e.Subject) > 998 || len(e.FromName) > 200 {
			t.Fatalf("out of bounds: text %d, %d attachments, subject %d", len(e.Text), len(e.Attachments), len(e.Subject))
		}
		if len(e.Notes) > maxNotes {
			t.Fatalf("%d notes", len(e.Notes))
		}
		for _, s := range append([]string{e.Subject, e.FromName, e.FromAddress, e.MessageID, e.Text}, e.Notes...) {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 %q", s)
			}
		}
		for _, s := range []string{e.Subject, e.FromName, e.MessageID} {
			if strings.ContainsAny(s, "\r\n\t\x00") {
				t.Fatalf("header value not on one line: %q", s)
			}
		}
		for _, a := range e.Attachments {
			if a.Name == "" || len(a.Name) > 200 || strings.ContainsAny(a.Name, "/\\\x00\r\n") || !utf8.ValidString(a.Name) ||
				len(a.Data) > lim.MaxPart || a.ContentType == "" {
				t.Fatalf("unsafe attachment %q %q (%d bytes)", a.Name, a.ContentType, len(a.Data))
			}
		}
	})
}

func FuzzHTMLText(f *testing.F) {
	for _, s := range []string{"<p>a &amp; b</p>", "<a href=\"https://x\">y</a>", "<script>x", "<pre>a\n b</pre><svg><svg>", "<td>a<td>b"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got := htmlText(strings.ToValidUTF8(s, "\uFFFD"))
		if !utf8.ValidString(got) || got != strings.TrimSpace(got) || strings.Contains(got, "\n\n\n") || strings.ContainsAny(got, "\r\t") {
			t.Fatalf("htmlText(%q) = %q", s, got)
		}
	})
}
