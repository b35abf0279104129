package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/outbound"
)

// maxReply bounds how much of a reply is read for its summary.
const maxReply = 4 << 10

// HTTPConfig is shared by the HTTP channels. Every request goes through
// the outbound guard (package outbound): a channel cannot be built to send
// anywhere the policy refuses, and the zero HTTPConfig refuses every
// loopback, private, link-local and metadata address.
type HTTPConfig struct {
	// Timeout bounds one attempt, connection to reply; DefaultTimeout when zero.
	Timeout time.Duration
	// Outbound is the policy every request is sent under: which otherwise
	// refused addresses (outbound.allow) may be reached.
	Outbound outbound.Policy
	// UserAgent defaults to "Firebreak".
	UserAgent string
	// client is NewHTTPConfig's, shared by every delivery; without one
	// each attempt gets its own, under Outbound.
	client *http.Client
}

// NewHTTPConfig is the configuration of channels that share one guarded
// client under p, so connections to a receiver are reused between pages.
func NewHTTPConfig(p outbound.Policy, userAgent string) HTTPConfig {
	return HTTPConfig{Outbound: p, UserAgent: userAgent, client: NewHTTPClientWith(p)}
}

func (c HTTPConfig) userAgent() string {
	if c.UserAgent == "" {
		return "Firebreak"
	}
	return c.UserAgent
}

// NewHTTPClient is NewHTTPClientWith under the default outbound policy:
// no private, loopback, link-local or metadata address is reached.
func NewHTTPClient() *http.Client { return NewHTTPClientWith(outbound.Policy{}) }

// NewHTTPClientWith is outbound's guarded client under p that also never
// follows a redirect to another host (the redirect's 3xx is returned
// instead and counts as a permanent failure), and at most three on the
// same host, each checked again.
func NewHTTPClientWith(p outbound.Policy) *http.Client {
	c := outbound.Client(p)
	c.CheckRedirect = func(req *http.Request, via []*http.Request) error {
		if len(via) >= 3 || req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
			return http.ErrUseLastResponse
		}
		return p.CheckRedirect(req, via)
	}
	return c
}

// CheckTarget refuses, before anything is sent, a URL target the outbound
// policy refuses for what is written in it (10.0.0.1, 169.254.169.254,
// localhost…), with an error naming address. A name is checked again,
// after DNS, when it is connected to.
func (c HTTPConfig) CheckTarget(t Target) error {
	if t.Address == "" || t.Kind == KindEmail {
		return nil
	}
	if err := c.Outbound.CheckURL(t.Address); err != nil {
		var refused *outbound.RefusedError
		if errors.As(err, &refused) {
			return errs.E(errs.Invalid, "address", "%s", refused.Error())
		}
		return errs.E(errs.Invalid, "address", "%s", err.Error())
	}
	return nil
}

// reply is an HTTP answer: its status and the start of its body.
type reply struct {
	status int
	body   []byte
}

// post sends body as JSON to rawURL under the configured timeout. A
// transport failure comes back as a classified failure from a.
func (c HTTPConfig) post(ctx context.Context, a *attempt, rawURL string, header http.Header, body []byte) (reply, error) {
	ctx, cancel := withTimeout(ctx, c.Timeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, rawURL, bytes.NewReader(body))
	if err != nil {
		_, err = a.fail(0, "", false, err, "cannot build the request (check the URL)")
		return reply{}, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", c.userAgent())
	for k, v := range header {
		req.Header[k] = v
	}
	if err := c.Outbound.CheckURL(rawURL); err != nil {
		_, err = a.fail(0, "", false, err, err.Error())
		return reply{}, err
	}
	client := c.client
	if client == nil {
		// Pages are rare: a client per attempt, its connections closed after.
		client = NewHTTPClientWith(c.Outbound)
		defer client.CloseIdleConnections()
	}
	resp, err := client.Do(req)
	if err != nil {
		_, err = a.failTransport(ctx, err)
		return reply{}, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxReply))
	if err != nil && !errors.Is(err, io.EOF) {
		// The status arrived; a body cut short still tells us the outcome.
		b = nil
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 64<<10))
	return reply{status: resp.StatusCode, body: b}, nil
}

// classify turns a reply into a Result, or a failure by status. The
// reply's body is never shown: whoever runs the receiver chose it, and
// echoing it would let anyone who can add a contact read what an address
// answers. Results and errors keep the status, its reason and the latency.
func (a *attempt) classify(r reply) (Result, error) {
	msg := StatusLine(r.status)
	if r.status >= 200 && r.status < 300 {
		return a.result(r.status, msg), nil
	}
	return a.fail(r.status, msg, RetryableStatus(r.status), nil, http.StatusText(r.status))
}

// StatusLine is "HTTP 500 Internal Server Error".
func StatusLine(code int) string {
	s := "HTTP " + strconv.Itoa(code)
	if t := http.StatusText(code); t != "" {
		s += " " + t
	}
	return s
}
