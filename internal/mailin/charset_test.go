package mailin_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"mime"
	"mime/quotedprintable"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

func encodeIn(t *testing.T, enc encoding.Encoding, s string) []byte {
	t.Helper()
	b, err := enc.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatalf("encode %q: %v", s, err)
	}
	return b
}

// charsetMail is a message whose sender name, subject and body are in cs,
// encoded with x/text; the body in quoted-printable or base64.
func charsetMail(t *testing.T, cs string, enc encoding.Encoding, name, subject, body, cte string) string {
	t.Helper()
	raw := encodeIn(t, enc, strings.ReplaceAll(body, "\n", "\r\n"))
	var encoded string
	if cte == "base64" {
		encoded = wrap(base64.StdEncoding.EncodeToString(raw))
	} else {
		var b bytes.Buffer
		w := quotedprintable.NewWriter(&b)
		if _, err := w.Write(raw); err != nil {
			t.Fatal(err)
		}
		if err := w.Close(); err != nil {
			t.Fatal(err)
		}
		encoded = strings.ReplaceAll(b.String(), "\r\n", "\n")
	}
	return strings.ReplaceAll("From: "+mime.BEncoding.Encode(cs, string(encodeIn(t, enc, name)))+" <reporter@example.org>\n"+
		"To: security@localhost\nSubject: "+mime.QEncoding.Encode(cs, string(encodeIn(t, enc, subject)))+"\n"+
		"MIME-Version: 1.0\nContent-Type: text/plain; charset="+cs+"\nContent-Transfer-Encoding: "+cte+"\n\n"+encoded+"\n", "\n", "\r\n")
}

// TestCharsetsArriveIntact sends mail in the charsets that used to arrive
// garbled through a real SMTP exchange and reads the filed reports back.
func TestCharsetsArriveIntact(t *testing.T) {
	t.Parallel()
	a := setup(t)
	cases := []struct {
		cs, name, subject, body, cte string
		enc                          encoding.Encoding
	}{
		{"KOI8-R", "Иван Петров", "Утечка данных клиентов", "Список клиентов лежит на публичном сайте.\nСрочно проверьте доступ.", "quoted-printable", charmap.KOI8R},
		{"ISO-8859-15", "Œdipe Šimek", "Facture de 500 € - Œuvre", "Le montant de 500 € a été payé deux fois.\nŒuvre, cœur, Šárka, Ÿ.", "quoted-printable", charmap.ISO8859_15},
		{"ISO-2022-JP", "山田 太郎", "個人情報の漏洩について", "顧客リストが公開サイトに掲載されています。\n至急ご確認ください。", "base64", japanese.ISO2022JP},
	}
	ctx := context.Background()
	admin := incident.Viewer{User: "admin", SeeAll: true}
	for _, c := range cases {
		if err := send(t, a.SMTPAddr(), "security@localhost", charsetMail(t, c.cs, c.enc, c.name, c.subject, c.body, c.cte)); err != nil {
			t.Fatalf("%s: %v", c.cs, err)
		}
	}
	got := map[string]triage.Entry{}
	for _, e := range reports(t, a) {
		got[e.Group.Summary] = e
	}
	for _, c := range cases {
		e, ok := got[c.subject]
		if !ok {
			t.Errorf("%s: no report titled %q among %d", c.cs, c.subject, len(got))
			continue
		}
		if e.Annotations["reporter_name"] != c.name || e.Annotations["contact"] != "reporter@example.org" {
			t.Errorf("%s: reporter %q <%s>", c.cs, e.Annotations["reporter_name"], e.Annotations["contact"])
		}
		d, err := a.Services.Triage.Get(ctx, admin, e.Group.ID)
		if err != nil || len(d.Alerts) != 1 || d.Alerts[0].Alert.Details != c.body {
			t.Errorf("%s: description %q, want %q (%v)", c.cs, details(d), c.body, err)
		}
	}
}

// TestUnknownCharsetIsFiledWithANote: a charset nobody knows is no reason
// to bounce evidence; the text is kept as UTF-8 and the report says so.
func TestUnknownCharsetIsFiledWithANote(t *testing.T) {
	t.Parallel()
	a := setup(t)
	msg := "From: reporter@example.org\r\nTo: security@localhost\r\nSubject: =?x-martian?Q?Zo=C3=AB?=\r\n" +
		"Content-Type: text/plain; charset=x-martian\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =FF\r\n"
	if err := send(t, a.SMTPAddr(), "security@localhost", msg); err != nil {
		t.Fatal(err)
	}
	got := reports(t, a)
	if len(got) != 1 || got[0].Group.Summary != "Zoë" {
		t.Fatalf("reports %+v", got)
	}
	d, err := a.Services.Triage.Get(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, got[0].Group.ID)
	want := "café \uFFFD\n\n[a header is in the unknown charset \"x-martian\": shown as UTF-8, other bytes as \uFFFD]" +
		"\n\n[a text/plain part is in the unknown charset \"x-martian\": shown as UTF-8, other bytes as \uFFFD]"
	if err != nil || details(d) != want {
		t.Fatalf("description %q, want %q (%v)", details(d), want, err)
	}
}

func details(d triage.Detail) string {
	if len(d.Alerts) == 0 {
		return ""
	}
	return d.Alerts[0].Alert.Details
}
