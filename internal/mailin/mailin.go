// Package mailin is Firebreak's inbound SMTP listener: mail to a configured
// mailbox (security@, alerts@) becomes an external report or an alert.
// It is plain SMTP without AUTH, like an MX: it belongs on a private
// address behind the organisation's mail relay, which does the TLS, the
// spam filtering and the retries.
//
// A message is accepted (250) only once it is committed; a store failure
// is a temporary 451, so the relay retries; a message that is too large or
// not valid MIME is a permanent 552 or 554 with the reason.
package mailin

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/intake"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Receiver files a parsed message; *triage.Service implements it.
type Receiver interface {
	ReceiveEmail(ctx context.Context, to string, kind triage.MailKind, msg intake.Email) (string, error)
}

var _ Receiver = (*triage.Service)(nil)

// Config is the listener's configuration.
type Config struct {
	Addr      string // host:port; port 0 picks a free one
	Domain    string // the name in the greeting; "firebreak" when empty
	Mailboxes triage.Mailboxes
	// MaxBytes bounds a message (10 MiB when zero): the SIZE advertised,
	// and a 552 beyond it.
	MaxBytes      int64
	MaxRecipients int           // per message; 10 when zero
	ReadTimeout   time.Duration // per command or data read; 1 minute when zero
	WriteTimeout  time.Duration // per reply; 1 minute when zero
	// FileTimeout bounds filing one message; 30 s when zero.
	FileTimeout time.Duration
	Logger      *slog.Logger
	Now         func() time.Time
	// Registry receives firebreak_smtp_messages_total; none when nil.
	Registry prometheus.Registerer
}

// DefaultMaxBytes is the message size limit when none is set.
const DefaultMaxBytes = 10 << 20

// Server is a running listener.
type Server struct {
	cfg      Config
	recv     Receiver
	srv      *smtp.Server
	messages *prometheus.CounterVec
	ln       net.Listener
	done     chan struct{}
	stopOnce sync.Once
	stopErr  error
}

// New checks the configuration and builds the listener; Start listens.
func New(cfg Config, recv Receiver) (*Server, error) {
	if len(cfg.Mailboxes.Reports)+len(cfg.Mailboxes.Alerts) == 0 {
		return nil, errs.E(errs.Invalid, "mailbox", "the SMTP listener needs at least one mailbox (--smtp-report-to or --smtp-alert-to)")
	}
	if err := cfg.Mailboxes.Validate(); err != nil {
		return nil, err
	}
	if cfg.MaxBytes <= 0 {
		cfg.MaxBytes = DefaultMaxBytes
	}
	if cfg.MaxRecipients <= 0 {
		cfg.MaxRecipients = 10
	}
	if cfg.ReadTimeout <= 0 {
		cfg.ReadTimeout = time.Minute
	}
	if cfg.WriteTimeout <= 0 {
		cfg.WriteTimeout = time.Minute
	}
	if cfg.FileTimeout <= 0 {
		cfg.FileTimeout = 30 * time.Second
	}
	if cfg.Domain == "" {
		cfg.Domain = "firebreak"
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	s := &Server{cfg: cfg, recv: recv, done: make(chan struct{}), messages: newMessages(cfg.Registry)}
	s.srv = smtp.NewServer(backend{s})
	s.srv.Domain = cfg.Domain
	s.srv.MaxMessageBytes = cfg.MaxBytes
	s.srv.MaxRecipients = cfg.MaxRecipients
	s.srv.ReadTimeout = cfg.ReadTimeout
	s.srv.WriteTimeout = cfg.WriteTimeout
	s.srv.ErrorLog = slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn)
	return s, nil
}

// Start listens and serves in the background.
func (s *Server) Start(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", s.cfg.Addr)
	if err != nil {
		return fmt.Errorf("smtp: listen on %s: %w", s.cfg.Addr, err)
	}
	s.ln = ln
	go func() {
		defer close(s.done)
		if err := s.srv.Serve(ln); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			s.cfg.Logger.Error("smtp listener stopped", "err", err)
		}
	}()
	s.cfg.Logger.Info("smtp listening", "addr", ln.Addr().String(), "reports", s.cfg.Mailboxes.Reports, "alerts", s.cfg.Mailboxes.Alerts, "max_bytes", s.cfg.MaxBytes)
	return nil
}

// Addr is the address the listener is on; nil before Start.
func (s *Server) Addr() net.Addr {
	if s.ln == nil {
		return nil
	}
	return s.ln.Addr()
}

// Stop lets sessions in progress finish until ctx ends, then closes them;
// calling it again does nothing.
func (s *Server) Stop(ctx context.Context) error {
	s.stopOnce.Do(func() {
		if s.ln == nil {
			return
		}
		if err := s.srv.Shutdown(ctx); err != nil && !errors.Is(err, smtp.ErrServerClosed) {
			_ = s.srv.Close() // the shutdown failure is the one to report
			s.stopErr = fmt.Errorf("smtp: shutdown: %w", err)
		}
		<-s.done
	})
	return s.stopErr
}

type backend struct{ s *Server }

func (b backend) NewSession(c *smtp.Conn) (smtp.Session, error) {
	return &session{s: b.s, peer: c.Conn().RemoteAddr().String(), helo: c.Hostname()}, nil
}

// session is one SMTP connection; from and rcpts are the current message's.
type session struct {
	s     *Server
	peer  string
	helo  string
	from  string
	rcpts []rcpt
}

type rcpt struct {
	addr string
	kind triage.MailKind
}

func (ss *session) Reset()        { ss.from, ss.rcpts = "", nil }
func (ss *session) Logout() error { return nil }

func (ss *session) Mail(from string, _ *smtp.MailOptions) error {
	ss.from = from
	return nil
}

func (ss *session) Rcpt(to string, _ *smtp.RcptOptions) error {
	kind, ok := ss.s.cfg.Mailboxes.Kind(to)
	if !ok {
		ss.s.cfg.Logger.Info("smtp: unknown recipient refused", "peer", ss.peer, "to", to)
		ss.s.count(refused)
		return &smtp.SMTPError{Code: 550, EnhancedCode: smtp.EnhancedCode{5, 1, 1}, Message: fmt.Sprintf("<%s>: no such mailbox here", to)}
	}
	to = strings.ToLower(to)
	if !slices.ContainsFunc(ss.rcpts, func(r rcpt) bool { return r.addr == to }) {
		ss.rcpts = append(ss.rcpts, rcpt{addr: to, kind: kind})
	}
	return nil
}

// Data files the message and counts what it answered.
func (ss *session) Data(r io.Reader) error {
	err := ss.data(r)
	var reply *smtp.SMTPError
	switch {
	case errors.As(err, &reply) && reply.Code == 250:
		ss.s.count(accepted)
	case errors.As(err, &reply) && reply.Code >= 500:
		ss.s.count(refused)
	case err == nil: // go-smtp's own 250
		ss.s.count(accepted)
	default: // a 451, or the connection failed mid-message
		ss.s.count(failed)
	}
	return err
}

// data reads the message, parses it and files it once per kind of
// recipient (a message to security@ and alerts@ is a report and an
// alert), and answers 250 with the references only once all are committed.
func (ss *session) data(r io.Reader) error {
	cfg := ss.s.cfg
	now := cfg.Now()
	body, err := io.ReadAll(r)
	if errors.Is(err, smtp.ErrDataTooLarge) {
		cfg.Logger.Info("smtp: message refused", "peer", ss.peer, "from", ss.from, "reason", "too large")
		return tooLarge(cfg.MaxBytes)
	}
	if errors.Is(err, smtp.ErrTooLongLine) {
		cfg.Logger.Info("smtp: message refused", "peer", ss.peer, "from", ss.from, "reason", "line too long")
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0},
			Message: fmt.Sprintf("a line of the message exceeds %d bytes (RFC 5322: 998)", ss.s.srv.MaxLineLength)}
	}
	if err != nil {
		return err
	}
	raw := append([]byte(ss.received(now)), body...)
	msg, err := intake.ParseEmail(raw, intake.EmailLimits{MaxSize: int(cfg.MaxBytes) + 4096})
	if err != nil {
		cfg.Logger.Info("smtp: message refused", "peer", ss.peer, "from", ss.from, "reason", err.Error())
		e, _ := errs.As(err)
		if e != nil && e.Field == intake.SizeField {
			return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: e.Message}
		}
		return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message not accepted: " + oneLine(err.Error())}
	}
	ctx, cancel := context.WithTimeout(context.Background(), cfg.FileTimeout)
	defer cancel()
	var refs []string
	filed := map[triage.MailKind]bool{}
	for _, rc := range ss.rcpts {
		if filed[rc.kind] {
			continue
		}
		ref, err := ss.s.recv.ReceiveEmail(ctx, rc.addr, rc.kind, msg)
		if err != nil {
			cfg.Logger.Error("smtp: filing a message failed", "peer", ss.peer, "from", ss.from, "to", rc.addr, "err", err)
			if errs.CodeOf(err) == errs.Invalid {
				return &smtp.SMTPError{Code: 554, EnhancedCode: smtp.EnhancedCode{5, 6, 0}, Message: "message not accepted: " + oneLine(err.Error())}
			}
			return &smtp.SMTPError{Code: 451, EnhancedCode: smtp.EnhancedCode{4, 3, 0}, Message: "temporary failure filing the message; try again later"}
		}
		filed[rc.kind] = true
		refs = append(refs, ref)
		cfg.Logger.Info("smtp: message filed", "peer", ss.peer, "from", ss.from, "to", rc.addr, "as", string(rc.kind),
			"ref", ref, "bytes", len(body), "attachments", len(msg.Attachments))
	}
	// go-smtp answers 250 "OK: queued" to a nil error; an SMTPError with
	// code 250 is its way to say something more useful.
	return &smtp.SMTPError{Code: 250, EnhancedCode: smtp.EnhancedCode{2, 0, 0}, Message: "OK: filed as " + strings.Join(refs, ", ")}
}

func tooLarge(n int64) error {
	return &smtp.SMTPError{Code: 552, EnhancedCode: smtp.EnhancedCode{5, 3, 4}, Message: fmt.Sprintf("message exceeds %d bytes", n)}
}

// received is the trace header an MTA prepends (RFC 5321 §4.4), so the
// stored message says where it came from.
func (ss *session) received(now time.Time) string {
	return fmt.Sprintf("Received: from %s (%s)\r\n\tby %s (Firebreak) with ESMTP\r\n\tfor <%s>; %s\r\n",
		oneLine(ss.helo), oneLine(ss.peer), ss.s.cfg.Domain, ss.rcpts[0].addr, now.Format(time.RFC1123Z))
}

// oneLine keeps a reply or header value on one printable line.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if len(s) > 400 {
		s = s[:400]
	}
	return s
}
