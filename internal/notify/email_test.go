package notify

import (
	"bytes"
	"context"
	"errors"
	"html"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/mail"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-sasl"
	"github.com/emersion/go-smtp"
)

// smtpServer is an in-process SMTP server on 127.0.0.1 that keeps what it
// receives. rcptErr, when set, refuses every recipient with it.
type smtpServer struct {
	addr     string
	port     int
	user     string
	password string
	rcptErr  error

	mu   sync.Mutex
	mail []received
}

type received struct {
	from string
	to   []string
	data []byte
	auth string
}

func startSMTP(t *testing.T, setup func(*smtpServer)) *smtpServer {
	t.Helper()
	s := &smtpServer{}
	if setup != nil {
		setup(s)
	}
	srv := smtp.NewServer(s)
	srv.Domain = "mx.test"
	srv.AllowInsecureAuth = true
	srv.ReadTimeout, srv.WriteTimeout = 5*time.Second, 5*time.Second
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	s.addr = ln.Addr().String()
	s.port = ln.Addr().(*net.TCPAddr).Port
	return s
}

func (s *smtpServer) NewSession(*smtp.Conn) (smtp.Session, error) { return &smtpSession{s: s}, nil }

func (s *smtpServer) received() []received {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]received(nil), s.mail...)
}

type smtpSession struct {
	s   *smtpServer
	cur received
}

func (ss *smtpSession) AuthMechanisms() []string {
	if ss.s.user == "" {
		return nil
	}
	return []string{sasl.Plain}
}

func (ss *smtpSession) Auth(string) (sasl.Server, error) {
	return sasl.NewPlainServer(func(_, user, pass string) error {
		if user != ss.s.user || pass != ss.s.password {
			return &smtp.SMTPError{Code: 535, EnhancedCode: smtp.EnhancedCode{5, 7, 8}, Message: "authentication failed"}
		}
		ss.cur.auth = user
		return nil
	}), nil
}

func (ss *smtpSession) Mail(from string, _ *smtp.MailOptions) error {
	if ss.s.user != "" && ss.cur.auth == "" {
		return smtp.ErrAuthRequired
	}
	ss.cur.from = from
	return nil
}

func (ss *smtpSession) Rcpt(to string, _ *smtp.RcptOptions) error {
	if ss.s.rcptErr != nil {
		return ss.s.rcptErr
	}
	ss.cur.to = append(ss.cur.to, to)
	return nil
}

func (ss *smtpSession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	ss.cur.data = b
	ss.s.mu.Lock()
	ss.s.mail = append(ss.s.mail, ss.cur)
	ss.s.mu.Unlock()
	return nil
}

func (ss *smtpSession) Reset()        { ss.cur = received{auth: ss.cur.auth} }
func (ss *smtpSession) Logout() error { return nil }

func emailFor(s *smtpServer) *Email {
	return &Email{Host: "127.0.0.1", Port: s.port, From: "Firebreak <pager@firebreak.example>", TLS: TLSNone, Timeout: 5 * time.Second}
}

// decodePart returns a MIME part's body, undoing its transfer encoding.
func decodePart(t *testing.T, p *multipart.Part) string {
	t.Helper()
	var r io.Reader = p
	if strings.EqualFold(p.Header.Get("Content-Transfer-Encoding"), "quoted-printable") {
		r = quotedprintable.NewReader(p)
	}
	b, err := io.ReadAll(r)
	if err != nil {
		t.Fatal(err)
	}
	return strings.ReplaceAll(string(b), "\r\n", "\n")
}

func TestEmailOverSMTP(t *testing.T) {
	t.Parallel()
	s := startSMTP(t, nil)
	m := testMessage()
	res, err := emailFor(s).Notify(context.Background(), Target{Kind: KindEmail, Address: "alice@example.com"}, m)
	if err != nil {
		t.Fatalf("Notify: %v", err)
	}
	if res.StatusCode != 250 || res.Target != "alice@example.com" || res.Channel != KindEmail {
		t.Errorf("result = %+v", res)
	}
	got := s.received()
	if len(got) != 1 {
		t.Fatalf("received %d messages", len(got))
	}
	if got[0].from != "pager@firebreak.example" || strings.Join(got[0].to, ",") != "alice@example.com" {
		t.Errorf("envelope from %q to %v", got[0].from, got[0].to)
	}
	msg, err := mail.ReadMessage(bytes.NewReader(got[0].data))
	if err != nil {
		t.Fatalf("not RFC 5322: %v\n%s", err, got[0].data)
	}
	h := msg.Header
	dec := new(mime.WordDecoder)
	subject, _ := dec.DecodeHeader(h.Get("Subject"))
	from, _ := mail.ParseAddress(h.Get("From"))
	to, _ := mail.ParseAddress(h.Get("To"))
	for name, c := range map[string][2]string{
		"From":                   {from.Address, "pager@firebreak.example"},
		"To":                     {to.Address, "alice@example.com"},
		"Subject":                {subject, "[SEV1] " + m.Title},
		"Message-ID":             {h.Get("Message-ID"), "<page.pg_01HX7Q@firebreak.example>"},
		"Auto-Submitted":         {h.Get("Auto-Submitted"), "auto-generated"},
		"X-Firebreak-Message-Id": {h.Get("X-Firebreak-Message-Id"), m.ID},
	} {
		if c[0] != c[1] {
			t.Errorf("%s = %q, want %q", name, c[0], c[1])
		}
	}
	if d, err := h.Date(); err != nil || !d.Equal(m.Time) {
		t.Errorf("Date = %v, %v", d, err)
	}
	mt, params, err := mime.ParseMediaType(h.Get("Content-Type"))
	if err != nil || mt != "multipart/alternative" {
		t.Fatalf("Content-Type = %q", h.Get("Content-Type"))
	}
	mr := multipart.NewReader(msg.Body, params["boundary"])
	parts := map[string]string{}
	for {
		p, err := mr.NextPart()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		ct, _, _ := mime.ParseMediaType(p.Header.Get("Content-Type"))
		parts[ct] = decodePart(t, p)
	}
	text := parts["text/plain"]
	for _, want := range []string{m.Title, "Error rate 12% on checkout.\nSecond line.", "Acknowledge: " + m.AckURL, "Open: " + m.URL, "service: checkout", "Severity: SEV1"} {
		if !strings.Contains(text, want) {
			t.Errorf("text part lacks %q:\n%s", want, text)
		}
	}
	htm := parts["text/html"]
	if !strings.Contains(htm, `href="`+html.EscapeString(m.AckURL)+`"`) || !strings.Contains(htm, "Checkout errors &lt;5xx&gt; &amp; timeouts") {
		t.Errorf("HTML part lacks the escaped title or the ack link:\n%s", htm)
	}
}

func TestEmailAuthAndFailures(t *testing.T) {
	t.Parallel()
	const password = "smtp-pa55word-secret"
	target := Target{Kind: KindEmail, Address: "bob@example.com"}

	t.Run("auth", func(t *testing.T) {
		t.Parallel()
		s := startSMTP(t, func(s *smtpServer) { s.user, s.password = "pager", password })
		e := emailFor(s)
		e.Username, e.Password = "pager", password
		if _, err := e.Notify(context.Background(), target, testMessage()); err != nil {
			t.Fatalf("Notify: %v", err)
		}
		if got := s.received(); len(got) != 1 || got[0].auth != "pager" {
			t.Fatalf("received %+v", got)
		}
		e.Password = password + "-wrong"
		_, err := e.Notify(context.Background(), target, testMessage())
		if err == nil || Retryable(err) {
			t.Fatalf("a refused login must fail permanently: %v", err)
		}
		if strings.Contains(err.Error(), password) {
			t.Errorf("error leaks the password: %v", err)
		}
	})
	for _, tc := range []struct {
		name  string
		err   *smtp.SMTPError
		code  int
		retry bool
	}{
		{"mailbox unavailable", &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: "no such user"}, 550, false},
		{"greylisted", &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 7, 1}, Message: "try again later"}, 451, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := startSMTP(t, func(s *smtpServer) { s.rcptErr = tc.err })
			res, err := emailFor(s).Notify(context.Background(), target, testMessage())
			if err == nil || Retryable(err) != tc.retry || res.StatusCode != tc.code {
				t.Fatalf("got %+v, %v (retryable %v), want %d retryable %v", res, err, Retryable(err), tc.code, tc.retry)
			}
		})
	}
	t.Run("connection refused", func(t *testing.T) {
		t.Parallel()
		ln, err := net.Listen("tcp", "127.0.0.1:0")
		if err != nil {
			t.Fatal(err)
		}
		port := ln.Addr().(*net.TCPAddr).Port
		ln.Close()
		e := &Email{Host: "127.0.0.1", Port: port, From: "pager@firebreak.example", TLS: TLSNone, Username: "pager", Password: password}
		_, err = e.Notify(context.Background(), target, testMessage())
		if err == nil || !Retryable(err) || strings.Contains(err.Error(), password) {
			t.Fatalf("want a retryable error without the password, got %v", err)
		}
	})
	t.Run("STARTTLS required but not offered", func(t *testing.T) {
		t.Parallel()
		s := startSMTP(t, nil)
		e := emailFor(s)
		e.TLS = TLSRequired
		_, err := e.Notify(context.Background(), target, testMessage())
		if err == nil || Retryable(err) || !strings.Contains(err.Error(), "STARTTLS") {
			t.Fatalf("want a permanent STARTTLS error, got %v", err)
		}
		if len(s.received()) != 0 {
			t.Fatal("mail was sent in the clear")
		}
	})
	t.Run("opportunistic falls back to plain text", func(t *testing.T) {
		t.Parallel()
		s := startSMTP(t, nil)
		e := emailFor(s)
		e.TLS = TLSOpportunistic
		if _, err := e.Notify(context.Background(), target, testMessage()); err != nil {
			t.Fatalf("Notify: %v", err)
		}
	})
}

func TestMessageIDIsStable(t *testing.T) {
	t.Parallel()
	if a, b := MessageID("pg 1/<x>", "d.example"), MessageID("pg 1/<x>", "d.example"); a != b || strings.ContainsAny(a, " /<>") {
		t.Fatalf("MessageID = %q, %q", a, b)
	}
	if got := MessageID("INC-7.page_2", "d.example"); got != "page.INC-7.page_2@d.example" {
		t.Fatalf("MessageID = %q", got)
	}
}
