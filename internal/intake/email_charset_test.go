package intake

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/unicode"
)

// charsetCases are texts that only survive when their charset is read
// right; each is encoded with x/text, not by hand.
var charsetCases = []struct {
	charset, subject, text string
	enc                    encoding.Encoding
}{
	{"KOI8-R", "Сбой базы данных", "Сервер базы данных недоступен с 03:00.\nПроверьте журнал \"ошибок\".", charmap.KOI8R},
	{"ISO-8859-15", "Rechnung 100 € für Œuvre", "Betrag: 100 €; Œuvre, œil, Šárka, Žofie, Ÿ.", charmap.ISO8859_15},
	{"ISO-2022-JP", "データベース障害", "データベースが停止しました。\n至急確認してください。", japanese.ISO2022JP},
	{"windows-1252", "Price “€5” – now", "Costs €5 – “quoted” text… and ‘more’ ™.", charmap.Windows1252},
	{"UTF-8", "Zoë 🚨 障害 сбой", "Zoë sends 🚨: 障害 and сбой, €.", unicode.UTF8},
	{"ISO-8859-1", "Café crème à Zürich", "Café crème à Zürich, ½ ¿Qué?", charmap.ISO8859_1},
}

func encode(t testing.TB, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

func quotedPrintable(t testing.TB, b []byte) string {
	t.Helper()
	var buf bytes.Buffer
	w := quotedprintable.NewWriter(&buf)
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(buf.String(), "\r\n", "\n") // crlf() makes the wire form
}

// charsetMessage is one message whose subject, sender name and body are in
// cs, the body in the transfer encoding cte and the header words in
// encoding word ('B' or 'Q').
func charsetMessage(t testing.TB, cs string, enc encoding.Encoding, subject, text, cte string, word mime.WordEncoder) string {
	t.Helper()
	body := encode(t, enc, strings.ReplaceAll(text, "\n", "\r\n"))
	var encoded string
	switch cte {
	case "quoted-printable":
		encoded = quotedPrintable(t, body)
	case "base64":
		encoded = wrap(base64.StdEncoding.EncodeToString(body))
	case "8bit", "7bit": // the charset's bytes as they are, with the line ends crlf() makes
		encoded = string(encode(t, enc, text))
	}
	// The From name is in the same encoding as the subject: Go's Q
	// encoder is not safe in a phrase (RFC 2047 §5(3)), and the parser
	// copes with its output.
	return crlf(fmt.Sprintf(`From: %s <sender@example.org>
To: security@localhost
Subject: %s
MIME-Version: 1.0
Content-Type: text/plain; charset=%s
Content-Transfer-Encoding: %s

%s
`, word.Encode(cs, string(encode(t, enc, senderName(cs)))), word.Encode(cs, string(encode(t, enc, subject))), cs, cte, encoded))
}

// senderName is a display name the charset can hold.
func senderName(cs string) string {
	switch cs {
	case "KOI8-R":
		return "Иван Петров"
	case "ISO-2022-JP":
		return "山田 太郎"
	case "ISO-8859-15":
		return "Œdipe Šimek"
	}
	return "Zoë Ångström"
}

func TestParseEmailCharsets(t *testing.T) {
	t.Parallel()
	for _, c := range charsetCases {
		ctes := []string{"quoted-printable", "base64", "8bit"}
		if c.enc == japanese.ISO2022JP {
			ctes[2] = "7bit" // as Japanese mail is usually sent
		}
		for _, cte := range ctes {
			for _, word := range []mime.WordEncoder{mime.BEncoding, mime.QEncoding} {
				t.Run(fmt.Sprintf("%s/%s/%c", c.charset, cte, word), func(t *testing.T) {
					t.Parallel()
					raw := charsetMessage(t, c.charset, c.enc, c.subject, c.text, cte, word)
					e, err := ParseEmail([]byte(raw), EmailLimits{})
					if err != nil {
						t.Fatal(err)
					}
					if e.Subject != c.subject || e.FromName != senderName(c.charset) || e.FromAddress != "sender@example.org" ||
						e.Text != c.text || len(e.Notes) != 0 {
						t.Errorf("got subject %q from %q <%s> text %q notes %q\nwant %q from %q text %q\n%s",
							e.Subject, e.FromName, e.FromAddress, e.Text, e.Notes, c.subject, senderName(c.charset), c.text, raw)
					}
				})
			}
		}
	}
}

func TestParseEmailHTMLInACharset(t *testing.T) {
	t.Parallel()
	page := `<html><head><title>Отчёт</title><style>p{color:red}</style><script>var x = "скрыто";</script></head>
<body><h1>Сбой   базы</h1><p>Сервер &laquo;db-1&raquo; недоступен &mdash; см. <a href="https://grafana.example/d/db">панель</a>
и <a href="mailto:dba@example.org">dba@example.org</a>.</p><ul><li>первый</li><li>второй</li></ul>
<table><tr><td>CPU</td><td>99%</td></tr></table><!-- комментарий --></body></html>`
	want := "Сбой базы\n\nСервер «db-1» недоступен — см. панель (https://grafana.example/d/db) и dba@example.org.\n\nпервый\nвторой\n\nCPU 99%"
	raw := crlf(`From: alerts@monitor.example
Subject: =?koi8-r?B?` + base64.StdEncoding.EncodeToString(encode(t, charmap.KOI8R, "Сбой")) + `?=
Content-Type: multipart/alternative; boundary="alt"

--alt
Content-Type: text/html; charset="koi8-r"
Content-Transfer-Encoding: quoted-printable

` + quotedPrintable(t, encode(t, charmap.KOI8R, page)) + `
--alt--
`)
	e, err := ParseEmail([]byte(raw), EmailLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Subject != "Сбой" || e.Text != want {
		t.Fatalf("subject %q text\n%q\nwant\n%q", e.Subject, e.Text, want)
	}

	// Without a charset parameter the document's <meta charset> decides.
	meta := `<html><head><meta charset="iso-8859-15"></head><body><p>100 € für Œuvre</p></body></html>`
	raw = crlf("Subject: meta\nContent-Type: text/html\nContent-Transfer-Encoding: base64\n\n" +
		wrap(base64.StdEncoding.EncodeToString(encode(t, charmap.ISO8859_15, meta))) + "\n")
	if e, err = ParseEmail([]byte(raw), EmailLimits{}); err != nil || e.Text != "100 € für Œuvre" {
		t.Fatalf("meta charset: %q, %v", e.Text, err)
	}
}

func TestParseEmailUnknownCharsetIsKeptAndNoted(t *testing.T) {
	t.Parallel()
	raw := crlf("From: =?x-martian?Q?Zo=C3=AB?= <zoe@example.org>\nSubject: =?x-martian?Q?caf=C3=A9_=FF?=\n" +
		"Content-Type: text/plain; charset=x-martian\nContent-Transfer-Encoding: quoted-printable\n\nd=C3=A9j=C3=A0 vu =FF\n")
	e, err := ParseEmail([]byte(raw), EmailLimits{})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{
		`a header is in the unknown charset "x-martian": shown as UTF-8, other bytes as ` + "\uFFFD",
		`a text/plain part is in the unknown charset "x-martian": shown as UTF-8, other bytes as ` + "\uFFFD",
	}
	if e.Subject != "café \uFFFD" || e.FromName != "Zoë" || e.FromAddress != "zoe@example.org" || e.Text != "déjà vu \uFFFD" ||
		strings.Join(e.Notes, "|") != strings.Join(want, "|") {
		t.Fatalf("got %q %q <%s> %q notes %q", e.Subject, e.FromName, e.FromAddress, e.Text, e.Notes)
	}
}

func TestParseEmailAttachmentsKeepTheirBytes(t *testing.T) {
	t.Parallel()
	koi := encode(t, charmap.KOI8R, "журнал ошибок")
	raw := crlf(`Subject: logs
Content-Type: multipart/mixed; boundary=m

--m
Content-Type: text/plain; charset=utf-8

see attached
--m
Content-Type: text/plain; charset=koi8-r
Content-Disposition: attachment; filename*0*=UTF-8''%D0%B6%D1%83%D1%80; filename*1*=%D0%BD%D0%B0%D0%BB.txt
Content-Transfer-Encoding: base64

` + base64.StdEncoding.EncodeToString(koi) + `
--m
Content-Type: application/octet-stream; name="=?ISO-2022-JP?B?` + base64.StdEncoding.EncodeToString(encode(t, japanese.ISO2022JP, "報告.bin")) + `?="
Content-Transfer-Encoding: quoted-printable

=00=01=FF
--m--
`)
	e, err := ParseEmail([]byte(raw), EmailLimits{})
	if err != nil {
		t.Fatal(err)
	}
	if e.Text != "see attached" || len(e.Attachments) != 2 {
		t.Fatalf("got %+v", e)
	}
	if a := e.Attachments[0]; a.Name != "журнал.txt" || a.ContentType != "text/plain" || !bytes.Equal(a.Data, koi) {
		t.Errorf("RFC 2231 attachment %q %q %q", a.Name, a.ContentType, a.Data)
	}
	if a := e.Attachments[1]; a.Name != "報告.bin" || !bytes.Equal(a.Data, []byte{0, 1, 0xff}) {
		t.Errorf("RFC 2047 attachment %q %q", a.Name, a.Data)
	}
}

func TestParseEmailFromInAnUnsafePhrase(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ from, name, addr string }{
		{"=?utf-8?q?Zo=C3=AB_(SRE)_Smith?= <zoe@example.org>", "Zoë Smith", "zoe@example.org"},
		{"=?ISO-2022-JP?q?=1B$B;3ED=1B(B?= <yamada@example.jp>", "山田", "yamada@example.jp"},
		// An address inside an encoded word is text, not an address.
		{"=?utf-8?q?(x)_=3Cceo=40example.org=3E?=", "(x) <ceo@example.org>", ""},
	} {
		e, err := ParseEmail([]byte(crlf("From: "+tc.from+"\nSubject: s\n\nbody\n")), EmailLimits{})
		if err != nil || e.FromName != tc.name || e.FromAddress != tc.addr {
			t.Errorf("From: %s: got %q <%s>, %v; want %q <%s>", tc.from, e.FromName, e.FromAddress, err, tc.name, tc.addr)
		}
	}
}

func TestHTMLText(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, in, want string }{
		{"entities and nbsp", "<p>a &amp; b&nbsp;c &#8364; &euro;</p>", "a & b c € €"},
		{"unclosed tags and implied body", "<div>one<p>two<br>three", "one\ntwo\nthree"},
		{"head without end tag", "<head><title>secret</title><style>x{}</style><body>shown", "shown"},
		{"script text is never shown", "<p>a</p><script>document.write('<p>b</p>')</script><noscript>c</noscript>", "a\nc"},
		{"unclosed script hides the rest", "a<script>b", "a"},
		{"nested hidden elements", "<svg><svg>x</svg>y</svg>z", "z"},
		{"link text equal to its address", `<a href="https://x.example/">https://x.example/</a>`, "https://x.example/"},
		{"link without text", `<a href="https://x.example/a"><img src="cid:1"></a>`, "https://x.example/a"},
		{"javascript link keeps only text", `<a href="javascript:alert(1)">click</a>`, "click"},
		{"pre and blockquote", "<blockquote>quoted</blockquote><pre>  code\n  more</pre>", "quoted\n\ncode\nmore"},
		{"source line breaks are spaces", "<p>one\ntwo\r\n\tthree</p>", "one two three"},
		{"table cells", "<table><tr><th>k</th><th>v</th></tr><tr><td>a</td><td>1</td></tr></table>", "k v\na 1"},
		{"deep nesting", strings.Repeat("<span>", 100000) + "deep", "deep"},
		{"empty", "", ""},
	} {
		if got := htmlText(tc.in); got != tc.want {
			t.Errorf("%s: got %q, want %q", tc.name, got, tc.want)
		}
	}
}
