package notify

import (
	"bytes"
	"context"
	"errors"
	"io"
	"net/http"
	"time"
)

// maxReply bounds how much of a reply is read for its summary.
const maxReply = 4 << 10

// HTTPConfig is shared by the HTTP channels.
type HTTPConfig struct {
	// Timeout bounds one attempt, connection to reply; DefaultTimeout when zero.
	Timeout time.Duration
	// Client sends the requests; when nil, NewHTTPClient's for each attempt.
	// A client given here should refuse cross-host redirects too.
	Client *http.Client
	// UserAgent defaults to "Firebreak".
	UserAgent string
}

func (c HTTPConfig) userAgent() string {
	if c.UserAgent == "" {
		return "Firebreak"
	}
	return c.UserAgent
}

// NewHTTPClient is a client that never follows a redirect to another host
// (the redirect's 3xx is returned instead and counts as a permanent
// failure), and at most three on the same host.
func NewHTTPClient() *http.Client {
	return &http.Client{
		Transport: http.DefaultTransport.(*http.Transport).Clone(),
		CheckRedirect: func(req *http.Request, via []*http.Request) error {
			if len(via) >= 3 || req.URL.Host != via[0].URL.Host || req.URL.Scheme != via[0].URL.Scheme {
				return http.ErrUseLastResponse
			}
			return nil
		},
	}
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
	client := c.Client
	if client == nil {
		// Pages are rare: a client per attempt, its connections closed after.
		client = NewHTTPClient()
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

// classify turns a reply into a Result, or a failure by status.
func (a *attempt) classify(r reply) (Result, error) {
	if r.status >= 200 && r.status < 300 {
		return a.result(r.status, string(r.body)), nil
	}
	msg := http.StatusText(r.status)
	if s := a.scrub(string(r.body)); s != "" {
		msg += ": " + s
	}
	return a.fail(r.status, string(r.body), RetryableStatus(r.status), nil, msg)
}
