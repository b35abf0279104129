package notify

import (
	"bytes"
	"context"
	"crypto/sha256"
	"crypto/tls"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"net"
	"net/mail"
	"strconv"
	"strings"
	"time"

	gomail "github.com/wneessen/go-mail"
)

// TLSMode is how an SMTP submission uses STARTTLS.
type TLSMode string

const (
	TLSRequired      TLSMode = "required"      // STARTTLS or fail (the default)
	TLSOpportunistic TLSMode = "opportunistic" // STARTTLS when offered
	TLSNone          TLSMode = "none"          // plain text; for loopback relays and tests
)

// Email submits pages to an SMTP relay (go-mail): a plain-text body with
// an HTML alternative, a Message-ID derived from Message.ID so a retried
// page is recognisably the same mail, and Auto-Submitted: auto-generated
// so out-of-office replies are not sent back.
type Email struct {
	Host     string  // the relay
	Port     int     // 587 when zero
	From     string  // the envelope and header sender
	TLS      TLSMode // TLSRequired when empty
	Username string  // AUTH PLAIN when set; refused without TLS except on localhost
	Password string
	// HELO is the name given to the relay; go-mail's default when empty.
	HELO string
	// TLSConfig for STARTTLS; ServerName defaults to Host.
	TLSConfig *tls.Config
	// Timeout bounds one attempt, dial to QUIT; DefaultTimeout when zero.
	Timeout time.Duration
}

var _ Notifier = (*Email)(nil)

// Validate checks the relay settings.
func (e *Email) Validate() error {
	if e.Host == "" {
		return fmt.Errorf("email: an SMTP host is required")
	}
	if a, err := mail.ParseAddress(e.From); err != nil || a.Address == "" || HeaderText(e.From) != nil || HeaderText(a.Name) != nil {
		return fmt.Errorf("email: the From address %q is not an email address", e.From)
	}
	switch e.TLS {
	case "", TLSRequired, TLSOpportunistic, TLSNone:
	default:
		return fmt.Errorf("email: TLS mode %q is not one of required, opportunistic, none", e.TLS)
	}
	if e.Password != "" && e.Username == "" {
		return fmt.Errorf("email: a password needs a user name")
	}
	return nil
}

// Notify sends m to t.Address.
func (e *Email) Notify(ctx context.Context, t Target, m Message) (Result, error) {
	a := newAttempt(KindEmail, t)
	a.secrets = append(a.secrets, e.Password)
	if t.Kind != KindEmail {
		return a.fail(0, "", false, nil, "not an email target")
	}
	if err := t.Validate(); err != nil {
		return a.fail(0, "", false, err, err.Error())
	}
	if err := e.Validate(); err != nil {
		return a.fail(0, "", false, err, err.Error())
	}
	msg, err := e.message(t.Address, m)
	if err != nil {
		return a.fail(0, "", false, err, err.Error())
	}
	c, err := e.client()
	if err != nil {
		return a.fail(0, "", false, err, err.Error())
	}
	ctx, cancel := withTimeout(ctx, e.Timeout)
	defer cancel()
	if err := c.DialAndSendWithContext(ctx, msg); err != nil {
		return a.failSMTP(ctx, err)
	}
	return a.result(250, "accepted"), nil
}

func (e *Email) client() (*gomail.Client, error) {
	port := e.Port
	if port == 0 {
		port = 587
	}
	policy := gomail.TLSMandatory
	switch e.TLS {
	case TLSOpportunistic:
		policy = gomail.TLSOpportunistic
	case TLSNone:
		policy = gomail.NoTLS
	}
	tlsConf := &tls.Config{ServerName: e.Host, MinVersion: tls.VersionTLS12}
	if e.TLSConfig != nil {
		tlsConf = e.TLSConfig.Clone()
		if tlsConf.ServerName == "" {
			tlsConf.ServerName = e.Host
		}
	}
	timeout := e.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	opts := []gomail.Option{
		gomail.WithPort(port),
		gomail.WithTLSPolicy(policy),
		gomail.WithTLSConfig(tlsConf),
		gomail.WithTimeout(timeout),
	}
	if e.HELO != "" {
		opts = append(opts, gomail.WithHELO(e.HELO))
	}
	if e.Username != "" {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthPlain), gomail.WithUsername(e.Username), gomail.WithPassword(e.Password))
	} else {
		opts = append(opts, gomail.WithSMTPAuth(gomail.SMTPAuthNoAuth))
	}
	return gomail.NewClient(e.Host, opts...)
}

// message builds the MIME message.
func (e *Email) message(to string, m Message) (*gomail.Msg, error) {
	msg := gomail.NewMsg()
	if err := msg.From(e.From); err != nil {
		return nil, fmt.Errorf("email: From: %w", err)
	}
	if err := msg.To(to); err != nil {
		return nil, fmt.Errorf("email: To: %w", err)
	}
	subject := m.Title
	if m.Severity != "" {
		subject = "[" + m.Severity + "] " + subject
	}
	msg.Subject(subject)
	domain := "firebreak.invalid"
	if a, err := mail.ParseAddress(e.From); err == nil {
		if _, d, ok := strings.Cut(a.Address, "@"); ok && d != "" {
			domain = d
		}
	}
	if m.ID != "" {
		msg.SetMessageIDWithValue(MessageID(m.ID, domain))
		msg.SetGenHeader("X-Firebreak-Message-Id", m.ID)
	} else {
		msg.SetMessageID()
	}
	if m.Time.IsZero() {
		msg.SetDate()
	} else {
		msg.SetDateWithValue(m.Time)
	}
	msg.SetGenHeader("Auto-Submitted", "auto-generated")
	msg.SetGenHeader("X-Auto-Response-Suppress", "All")
	for _, k := range sortedKeys(m.Headers) {
		msg.SetGenHeader(gomail.Header(k), m.Headers[k])
	}
	msg.SetBodyString(gomail.TypeTextPlain, emailText(m))
	var html bytes.Buffer
	if err := emailHTML.Execute(&html, m); err != nil {
		return nil, fmt.Errorf("email: HTML body: %w", err)
	}
	msg.AddAlternativeString(gomail.TypeTextHTML, html.String())
	return msg, nil
}

// MessageID is the Message-ID (without angle brackets) for a page: the
// same page ID always gives the same Message-ID. IDs made only of safe
// characters are kept readable; others are hashed.
func MessageID(id, domain string) string {
	safe := id != "" && len(id) <= 64 && strings.IndexFunc(id, func(r rune) bool {
		return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '-' || r == '.' || r == '_')
	}) < 0 && !strings.HasPrefix(id, ".") && !strings.HasSuffix(id, ".") && !strings.Contains(id, "..")
	if !safe {
		sum := sha256.Sum256([]byte(id))
		id = hex.EncodeToString(sum[:16])
	}
	return "page." + id + "@" + domain
}

func emailText(m Message) string {
	var b strings.Builder
	b.WriteString(m.Title)
	b.WriteString("\n")
	if m.Severity != "" {
		fmt.Fprintf(&b, "Severity: %s\n", m.Severity)
	}
	if !m.Time.IsZero() {
		fmt.Fprintf(&b, "Time: %s\n", m.Time.UTC().Format(time.RFC3339))
	}
	if m.Body != "" {
		b.WriteString("\n")
		b.WriteString(m.Body)
		b.WriteString("\n")
	}
	if len(m.Fields) > 0 {
		b.WriteString("\n")
		for _, k := range sortedKeys(m.Fields) {
			fmt.Fprintf(&b, "%s: %s\n", k, m.Fields[k])
		}
	}
	if m.AckURL != "" || m.URL != "" {
		b.WriteString("\n")
	}
	if m.AckURL != "" {
		fmt.Fprintf(&b, "Acknowledge: %s\n", m.AckURL)
	}
	if m.URL != "" {
		fmt.Fprintf(&b, "Open: %s\n", m.URL)
	}
	return b.String()
}

var emailHTML = template.Must(template.New("page").Funcs(template.FuncMap{
	"sorted": sortedKeys,
	"utc":    func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
}).Parse(`<!doctype html>
<html><body style="font-family:sans-serif">
<h2>{{if .Severity}}[{{.Severity}}] {{end}}{{.Title}}</h2>
{{if not .Time.IsZero}}<p style="color:#555">{{utc .Time}}</p>{{end}}
{{if .Body}}<pre style="white-space:pre-wrap;font-family:inherit">{{.Body}}</pre>{{end}}
{{if .Fields}}<table>{{range $k := sorted .Fields}}<tr><th align="left">{{$k}}</th><td>{{index $.Fields $k}}</td></tr>{{end}}</table>{{end}}
<p>{{if .AckURL}}<a href="{{.AckURL}}">Acknowledge</a>{{end}}{{if and .AckURL .URL}} · {{end}}{{if .URL}}<a href="{{.URL}}">Open</a>{{end}}</p>
</body></html>
`))

// failSMTP classifies an SMTP failure: a 4xx reply or a transport failure
// is retryable, a 5xx reply (unknown user, refused sender, failed AUTH)
// is not.
func (a *attempt) failSMTP(ctx context.Context, err error) (Result, error) {
	var se *gomail.SendError
	if errors.As(err, &se) {
		code := se.ErrorCode()
		retry := se.IsTemp() || code >= 400 && code < 500
		if code >= 500 {
			retry = false
		}
		if code == 0 && !se.IsTemp() {
			// a go-mail failure without a reply: the connection broke.
			var ne net.Error
			retry = errors.As(err, &ne) || ctx.Err() != nil
		}
		return a.fail(code, err.Error(), retry, err, err.Error())
	}
	if ctx.Err() != nil {
		return a.failTransport(ctx, ctx.Err())
	}
	var ne net.Error
	if errors.As(err, &ne) {
		return a.failTransport(ctx, err)
	}
	if code := replyCode(err); code != 0 {
		return a.fail(code, err.Error(), code >= 400 && code < 500, err, err.Error())
	}
	// STARTTLS refused, TLS handshake failure, AUTH not offered: a
	// configuration problem that retrying will not fix.
	return a.fail(0, "", false, err, err.Error())
}

// replyCode finds an SMTP reply code in an error's text ("535 5.7.8 …").
func replyCode(err error) int {
	for e := err; e != nil; e = errors.Unwrap(e) {
		if c, ok := e.(interface{ ErrorCode() int }); ok && c.ErrorCode() != 0 {
			return c.ErrorCode()
		}
	}
	for f := range strings.FieldsSeq(err.Error()) {
		if len(f) == 3 && f[0] >= '2' && f[0] <= '5' {
			if n, err := strconv.Atoi(f); err == nil {
				return n
			}
		}
	}
	return 0
}
