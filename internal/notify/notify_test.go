package notify

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/outbound"
)

// Secrets planted in every HTTP target; none may appear in an error or result.
const (
	hookToken = "T0KEN-s3cr3t-path-abcdef123456"
	hmacKey   = "hmac-key-super-secret-0123456789"
	botToken  = "xoxb-111-222-supersecrettoken"
)

func testMessage() Message {
	return Message{
		ID:       "pg_01HX7Q",
		Kind:     "Page",
		Title:    "Checkout errors <5xx> & timeouts",
		Body:     "Error rate 12% on checkout.\nSecond line.",
		Severity: "SEV1",
		URL:      "https://firebreak.example/incidents/INC-7",
		AckURL:   "https://firebreak.example/ack/pg_01HX7Q?sig=abc&exp=1700000000",
		Fields:   map[string]string{"service": "checkout", "region": "eu-west-1"},
		Time:     time.Date(2026, 11, 27, 3, 12, 0, 0, time.UTC),
	}
}

// loopHTTP lets the HTTP channels reach this test's loopback receivers;
// the zero HTTPConfig refuses them.
var loopHTTP = HTTPConfig{Outbound: outbound.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("127.0.0.0/8"), netip.MustParsePrefix("::1/128")}}}

// replyCanary is written in every receiver's reply: a reply's body is
// never shown, so it must appear in no result and no error.
const replyCanary = "reply-canary-5e1f"

// httpChannel is one HTTP channel set up against a loopback base URL.
type httpChannel struct {
	name   string
	setup  func(base string) (Notifier, Target)
	okBody string
}

var httpChannels = []httpChannel{
	{name: "webhook", setup: func(base string) (Notifier, Target) {
		return &Webhook{HTTPConfig: loopHTTP}, Target{Kind: KindWebhook, Address: base + "/hooks/" + hookToken, Secret: hmacKey}
	}},
	{name: "slack webhook", okBody: "ok", setup: func(base string) (Notifier, Target) {
		return &Slack{HTTPConfig: loopHTTP}, Target{Kind: KindSlack, Address: base + "/services/T000/B000/" + hookToken}
	}},
	{name: "slack bot", okBody: `{"ok":true,"channel":"C1","ts":"1.2","note":"` + replyCanary + `"}`, setup: func(base string) (Notifier, Target) {
		return &Slack{HTTPConfig: loopHTTP, APIBaseURL: base + "/api"}, Target{Kind: KindSlack, Secret: botToken, Channel: "#oncall"}
	}},
	{name: "teams", setup: func(base string) (Notifier, Target) {
		return &Teams{HTTPConfig: loopHTTP}, Target{Kind: KindTeams, Address: base + "/workflows/" + hookToken + "/triggers/manual/paths/invoke?sig=" + hookToken}
	}},
}

func assertNoSecret(t *testing.T, what, s string) {
	t.Helper()
	for _, sec := range []string{hookToken, hmacKey, botToken, "s3cr3t", "supersecret", replyCanary} {
		if strings.Contains(s, sec) {
			t.Errorf("%s leaks a secret (%q): %s", what, sec, s)
		}
	}
}

// TestHTTPChannelsRetryClassification runs every HTTP channel through the
// statuses the engine must tell apart, against a loopback server that
// echoes the request URL and Authorization header in its error body: the
// errors must classify right and never carry a secret.
func TestHTTPChannelsRetryClassification(t *testing.T) {
	t.Parallel()
	statuses := []struct {
		code  int
		ok    bool
		retry bool
	}{
		{200, true, false}, {202, true, false},
		{400, false, false}, {401, false, false}, {403, false, false}, {404, false, false},
		{408, false, true}, {429, false, true}, {500, false, true}, {502, false, true}, {503, false, true},
	}
	for _, ch := range httpChannels {
		for _, st := range statuses {
			t.Run(fmt.Sprintf("%s/%d", ch.name, st.code), func(t *testing.T) {
				t.Parallel()
				srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
					w.WriteHeader(st.code)
					if st.ok {
						fmt.Fprint(w, ch.okBody)
						if !strings.HasPrefix(ch.okBody, "{") {
							fmt.Fprint(w, " ", replyCanary)
						}
						return
					}
					fmt.Fprintf(w, "rejected %s auth=%q %s", r.URL.String(), r.Header.Get("Authorization"), replyCanary)
				}))
				defer srv.Close()
				n, target := ch.setup(srv.URL)
				res, err := n.Notify(context.Background(), target, testMessage())
				if res.StatusCode != st.code {
					t.Errorf("StatusCode = %d, want %d", res.StatusCode, st.code)
				}
				assertNoSecret(t, "result target", res.Target)
				assertNoSecret(t, "result response", res.Response)
				if st.ok {
					if err != nil {
						t.Fatalf("Notify: %v", err)
					}
					return
				}
				if err == nil {
					t.Fatal("Notify succeeded on an error status")
				}
				assertNoSecret(t, "error", err.Error())
				if got := Retryable(err); got != st.retry {
					t.Errorf("Retryable = %v, want %v (%v)", got, st.retry, err)
				}
				if !strings.Contains(err.Error(), fmt.Sprint(st.code)) {
					t.Errorf("error should name the status: %v", err)
				}
			})
		}
		t.Run(ch.name+"/connection refused", func(t *testing.T) {
			t.Parallel()
			ln, err := net.Listen("tcp", "127.0.0.1:0")
			if err != nil {
				t.Fatal(err)
			}
			base := "http://" + ln.Addr().String()
			ln.Close()
			n, target := ch.setup(base)
			_, err = n.Notify(context.Background(), target, testMessage())
			if err == nil || !Retryable(err) {
				t.Fatalf("want a retryable error, got %v", err)
			}
			assertNoSecret(t, "error", err.Error())
		})
		t.Run(ch.name+"/deadline", func(t *testing.T) {
			t.Parallel()
			release := make(chan struct{})
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				select {
				case <-release:
				case <-r.Context().Done():
				}
			}))
			defer srv.Close()
			defer close(release)
			n, target := ch.setup(srv.URL)
			switch c := n.(type) {
			case *Webhook:
				c.Timeout = 50 * time.Millisecond
			case *Slack:
				c.Timeout = 50 * time.Millisecond
			case *Teams:
				c.Timeout = 50 * time.Millisecond
			}
			_, err := n.Notify(context.Background(), target, testMessage())
			if err == nil || !Retryable(err) || !errors.Is(err, context.DeadlineExceeded) {
				t.Fatalf("want a retryable deadline error, got %v", err)
			}
			assertNoSecret(t, "error", err.Error())
		})
	}
}

func TestNoRedirectToAnotherHost(t *testing.T) {
	t.Parallel()
	other := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		t.Error("the redirect to another host was followed")
	}))
	defer other.Close()
	// 127.0.0.1 and localhost are different hosts to the client.
	otherURL := strings.Replace(other.URL, "127.0.0.1", "localhost", 1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, otherURL+"/steal", http.StatusTemporaryRedirect)
	}))
	defer srv.Close()
	_, err := (&Teams{HTTPConfig: loopHTTP}).Notify(context.Background(), Target{Kind: KindTeams, Address: srv.URL + "/x/" + hookToken}, testMessage())
	if err == nil || Retryable(err) || !strings.Contains(err.Error(), "307") {
		t.Fatalf("want a permanent 307 failure, got %v", err)
	}
}

func TestMuxRoutesByKind(t *testing.T) {
	t.Parallel()
	var got string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { got = r.URL.Path }))
	defer srv.Close()
	m := Mux{KindTeams: &Teams{HTTPConfig: loopHTTP}}
	if _, err := m.Notify(context.Background(), Target{Kind: KindTeams, Address: srv.URL + "/teams"}, testMessage()); err != nil || got != "/teams" {
		t.Fatalf("Notify = %v, path %q", err, got)
	}
	_, err := m.Notify(context.Background(), Target{Kind: KindEmail, Address: "a@example.com"}, testMessage())
	if err == nil || err.Error() != `kind: no channel configured for contact kind "email"` || Retryable(err) {
		t.Fatalf("unexpected %v", err)
	}
}

func TestRedactURL(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		"https://hooks.slack.com/services/T0/B0/XYZ": "https://hooks.slack.com/…",
		"https://example.com":                        "https://example.com",
		"https://example.com/":                       "https://example.com",
		"https://user:pw@example.com/?token=1":       "https://example.com/…",
		"not a url":                                  "[redacted URL]",
	} {
		if got := RedactURL(in); got != want {
			t.Errorf("RedactURL(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestHTTPChannelsRefuseInternalAddresses: without an allow-list every
// HTTP channel refuses a loopback receiver — written as an address, as
// localhost, or behind a name that resolves to it — before anything
// reaches it, permanently (a retry would be refused again), saying why.
func TestHTTPChannelsRefuseInternalAddresses(t *testing.T) {
	t.Parallel()
	var hits atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { hits.Add(1) }))
	defer srv.Close()
	_, port, _ := net.SplitHostPort(srv.Listener.Addr().String())
	guard := HTTPConfig{Outbound: outbound.Policy{Resolver: resolveTo{"hooks.test": netip.MustParseAddr("127.0.0.1")}}}
	for _, base := range []string{srv.URL, "http://localhost:" + port, "http://hooks.test:" + port, "http://[::1]:" + port, "http://0.0.0.0:" + port} {
		for _, n := range []Notifier{&Webhook{HTTPConfig: guard}, &Slack{HTTPConfig: guard}, &Teams{HTTPConfig: guard}} {
			var target Target
			switch n.(type) {
			case *Webhook:
				target = Target{Kind: KindWebhook, Address: base + "/hooks/" + hookToken, Secret: hmacKey}
			case *Slack:
				target = Target{Kind: KindSlack, Address: base + "/services/T/B/" + hookToken}
			case *Teams:
				target = Target{Kind: KindTeams, Address: base + "/workflows/" + hookToken}
			}
			res, err := n.Notify(context.Background(), target, testMessage())
			if err == nil || Retryable(err) || !strings.Contains(err.Error(), "refused: ") || !strings.Contains(err.Error(), "(outbound.allow can permit it)") {
				t.Errorf("%s %s: %v; want a permanent refusal", target.Kind, base, err)
				continue
			}
			assertNoSecret(t, "error", err.Error())
			if res.StatusCode != 0 {
				t.Errorf("%s %s: status %d", target.Kind, base, res.StatusCode)
			}
		}
	}
	if n := hits.Load(); n != 0 {
		t.Fatalf("the receiver got %d requests", n)
	}
	// Allow-listed, the same receiver is reached.
	if _, err := (&Teams{HTTPConfig: loopHTTP}).Notify(context.Background(), Target{Kind: KindTeams, Address: srv.URL + "/w"}, testMessage()); err != nil || hits.Load() != 1 {
		t.Fatalf("allow-listed: %v, %d requests", err, hits.Load())
	}
}

// resolveTo maps names to one address each.
type resolveTo map[string]netip.Addr

func (r resolveTo) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := r[host]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

func TestMuxCheckTarget(t *testing.T) {
	t.Parallel()
	m := Mux{KindWebhook: &Webhook{}, KindSlack: &Slack{}, KindTeams: &Teams{}}
	tests := []struct {
		t     Target
		field string
		msg   string
	}{
		{Target{Kind: KindWebhook, Address: "http://169.254.169.254/latest/meta-data/", Secret: hmacKey}, "address", "refused: 169.254.169.254 is a cloud metadata address (outbound.allow can permit it)"},
		{Target{Kind: KindSlack, Address: "http://10.0.0.1/services/x"}, "address", "refused: 10.0.0.1 is a private address (outbound.allow can permit it)"},
		{Target{Kind: KindTeams, Address: "https://[fd00:ec2::254]/"}, "address", "refused: fd00:ec2::254 is a cloud metadata address (outbound.allow can permit it)"},
		{Target{Kind: KindTeams, Address: "http://localhost:8080/"}, "address", "refused: localhost is a loopback name (outbound.allow can permit it)"},
		{Target{Kind: KindWebhook, Address: "ftp://example.com/", Secret: hmacKey}, "address", "a webhook contact needs an http or https URL, not ftp://example.com"},
		{Target{Kind: KindWebhook, Address: "https://hooks.example.com/x", Secret: hmacKey}, "", ""},
		{Target{Kind: KindSlack, Secret: botToken, Channel: "#oncall"}, "", ""},
	}
	for _, tt := range tests {
		err := m.CheckTarget(tt.t)
		if tt.field == "" {
			if err != nil {
				t.Errorf("%s: %v", tt.t.Address, err)
			}
			continue
		}
		e, ok := errs.As(err)
		if !ok || e.Code != errs.Invalid || e.Field != tt.field || e.Message != tt.msg {
			t.Errorf("%s: %v; want %s: %s", tt.t.Address, err, tt.field, tt.msg)
		}
	}
	// Allowed by the policy, a private address passes.
	allowed := Mux{KindWebhook: &Webhook{HTTPConfig: HTTPConfig{Outbound: outbound.Policy{Allow: []netip.Prefix{netip.MustParsePrefix("10.0.0.0/8")}}}}}
	if err := allowed.CheckTarget(Target{Kind: KindWebhook, Address: "http://10.0.0.1/hook", Secret: hmacKey}); err != nil {
		t.Fatal(err)
	}
}
