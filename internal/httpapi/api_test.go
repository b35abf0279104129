package httpapi_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

const adminToken = "fbk_test_bootstrap_admin_token_0123456789"

type setup struct {
	url    string
	app    *app.App
	admin  *client.Client
	tokens map[string]string // username → token
	// http, when set, is the client call uses (the contract test's
	// validating one); else http.DefaultClient.
	http *http.Client
}

func newSetup(t *testing.T) *setup { t.Helper(); return newSetupWith(t, nil) }

// newSetupWith is newSetup with the configuration changed by edit.
func newSetupWith(t *testing.T, edit func(*app.Config)) *setup {
	t.Helper()
	cfg := app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), BootstrapToken: adminToken, Version: "test",
		Outbound: outbound.LoopbackPolicy()}
	if edit != nil {
		edit(&cfg)
	}
	a, err := app.New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	s := &setup{url: a.URL(), app: a, admin: client.New(a.URL(), adminToken), tokens: map[string]string{"admin": adminToken}}
	for _, u := range []struct{ name, role string }{{"vera", "viewer"}, {"rita", "responder"}, {"rob", "responder"}} {
		if _, err := s.admin.CreateUser(context.Background(), httpapi.UserBody{Username: u.name, Role: u.role}); err != nil {
			t.Fatal(err)
		}
		tok, err := s.admin.CreateToken(context.Background(), u.name, "test")
		if err != nil {
			t.Fatal(err)
		}
		s.tokens[u.name] = tok.Secret
	}
	return s
}

type answer struct {
	status int
	header http.Header
	body   map[string]any
	raw    string
}

func (s *setup) call(t *testing.T, user, method, path, body string, hdr ...string) answer {
	t.Helper()
	req, err := http.NewRequest(method, s.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+s.tokens[user])
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	hc := s.http
	if hc == nil {
		hc = http.DefaultClient
	}
	resp, err := hc.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	a := answer{status: resp.StatusCode, header: resp.Header, raw: string(data)}
	json.Unmarshal(data, &a.body)
	return a
}

func (a answer) locations() []string {
	var out []string
	errs, _ := a.body["errors"].([]any)
	for _, e := range errs {
		if m, ok := e.(map[string]any); ok {
			out = append(out, fmt.Sprint(m["location"]))
		}
	}
	return out
}

func (s *setup) count(t *testing.T) int {
	t.Helper()
	a := s.call(t, "admin", "GET", "/api/v1/incidents?limit=200", "")
	items, _ := a.body["items"].([]any)
	return len(items)
}

func TestBadInputIsAClearProblemAndStoresNothing(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"existing"}`)
	tests := []struct {
		name, method, path, body string
		status                   int
		location                 string
	}{
		{"malformed JSON", "POST", "/api/v1/incidents", `{"title": `, 400, "body"},
		{"not an object", "POST", "/api/v1/incidents", `[1,2]`, 422, "body"},
		{"unknown field", "POST", "/api/v1/incidents", `{"title":"x","bogus":1}`, 422, "body.bogus"},
		{"missing title", "POST", "/api/v1/incidents", `{"summary":"x"}`, 422, "body"}, // huma: "expected required property title to be present"
		{"blank title", "POST", "/api/v1/incidents", `{"title":"   "}`, 422, "title"},
		{"100 kB title", "POST", "/api/v1/incidents", `{"title":"` + strings.Repeat("a", 100_000) + `"}`, 422, "body.title"},
		{"unknown severity", "POST", "/api/v1/incidents", `{"title":"x","severity":"SEV9"}`, 422, "severity"},
		{"unknown source", "POST", "/api/v1/incidents", `{"title":"x","source":"rumour"}`, 422, "body.source"},
		{"bad label name", "POST", "/api/v1/incidents", `{"title":"x","labels":{"a b":"c"}}`, 422, "labels"},
		{"bad time", "POST", "/api/v1/incidents", `{"title":"x","detected_at":"yesterday"}`, 422, "body.detected_at"},
		{"future detection", "POST", "/api/v1/incidents", `{"title":"x","detected_at":"2999-01-01T00:00:00Z"}`, 422, "detected_at"},
		{"unknown state", "POST", "/api/v1/incidents/INC-1/transition", `{"to":"exploded"}`, 422, "body.to"},
		{"merged via transition", "POST", "/api/v1/incidents/INC-1/transition", `{"to":"merged"}`, 422, "body.to"},
		{"bad ref", "GET", "/api/v1/incidents/INC-999", ``, 404, "ref"},
		{"garbage ref", "POST", "/api/v1/incidents/nope/transition", `{"to":"active"}`, 404, "ref"},
		{"unknown role", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"king","user":"rita"}`, 422, "body.role"},
		{"unknown user", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"ir_lead","user":"nobody"}`, 422, "user"},
		{"unknown entry kind", "POST", "/api/v1/incidents/INC-1/timeline", `{"kind":"gossip","body":"x"}`, 422, "body.kind"},
		{"bad cursor", "GET", "/api/v1/incidents?cursor=zzz", ``, 422, "cursor"},
		{"bad state filter", "GET", "/api/v1/incidents?state=bogus", ``, 422, "state"},
		{"bad If-Match", "PATCH", "/api/v1/incidents/INC-1", `{"title":"y"}`, 422, "If-Match"},
		{"unknown cause category", "PUT", "/api/v1/incidents/INC-1/postmortem", `{"root_causes":[{"category":"gremlins","text":"x"}]}`, 422, "body.root_causes[0].category"},
		{"publish a draft", "POST", "/api/v1/incidents/INC-1/postmortem/publish", ``, 422, "status"},
		{"review without text", "POST", "/api/v1/incidents/INC-1/postmortem/review", `{}`, 422, "summary"},
		{"unknown verdict", "POST", "/api/v1/incidents/INC-1/postmortem/reviews", `{"verdict":"maybe"}`, 422, "body.verdict"},
		{"unknown API route", "GET", "/api/v1/nothing", ``, 404, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var hdr []string
			if tt.name == "bad If-Match" {
				hdr = []string{"If-Match", "yesterday"}
			}
			a := s.call(t, "rita", tt.method, tt.path, tt.body, hdr...)
			if a.status != tt.status {
				t.Fatalf("status %d, want %d: %s", a.status, tt.status, a.raw)
			}
			if ct := a.header.Get("Content-Type"); ct != "application/problem+json" {
				t.Fatalf("Content-Type %q: %s", ct, a.raw)
			}
			if tt.location != "" && !contains(a.locations(), tt.location) {
				t.Fatalf("problem names %v, want %q: %s", a.locations(), tt.location, a.raw)
			}
			if len(a.raw) > 4096 {
				t.Fatalf("problem is %d bytes: it echoes too much", len(a.raw))
			}
		})
	}
	if n := s.count(t); n != 1 {
		t.Fatalf("%d incidents stored, want 1: bad input stored something", n)
	}
	a := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1/timeline", "")
	if items, _ := a.body["items"].([]any); len(items) != 1 {
		t.Fatalf("timeline of INC-1 has %d events after rejected changes, want 1", len(items))
	}
}

func contains(vs []string, v string) bool {
	for _, x := range vs {
		if x == v {
			return true
		}
	}
	return false
}

// TestEveryRouteIsDeniedByDefault walks the OpenAPI document: every
// operation answers 401 without a token, and those that change things
// answer 403 to a viewer.
func TestEveryRouteIsDeniedByDefault(t *testing.T) {
	t.Parallel()
	s := newSetupWith(t, func(c *app.Config) { c.Pprof = true }) // the optional routes too
	s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"existing"}`)
	doc := s.call(t, "", "GET", "/api/v1/openapi.json", "")
	if doc.status != 200 || doc.body["openapi"] != "3.1.0" {
		t.Fatalf("openapi.json: %d %v", doc.status, doc.body["openapi"])
	}
	paths := doc.body["paths"].(map[string]any)
	n := 0
	for path, ops := range paths {
		if strings.HasPrefix(path, "/hooks/") {
			continue // webhooks take an integration's secret, not a token (hooks tests)
		}
		for method, raw := range ops.(map[string]any) {
			o := raw.(map[string]any)
			p := strings.NewReplacer("{ref}", "INC-1", "{role}", "ir_lead", "{user}", "rita", "{username}", "rita", "{id}", "x").Replace(path)
			m := strings.ToUpper(method)
			n++
			if a := s.call(t, "", m, p, `{}`); a.status != 401 {
				t.Errorf("%s %s without a token: %d, want 401", m, path, a.status)
			}
			if a := s.call(t, "", m, p, `{}`, "Authorization", "Bearer fbk_wrong"); a.status != 401 {
				t.Errorf("%s %s with a bad token: %d, want 401", m, path, a.status)
			}
			// Anyone signed in may report, and plan duties (evaluate stores nothing).
			if m != "GET" && path != "/api/v1/reports" && path != "/api/v1/obligations/evaluate" {
				if a := s.call(t, "vera", m, p, `{}`); a.status != 403 {
					t.Errorf("%s %s as a viewer: %d, want 403", m, path, a.status)
				}
			}
			if strings.Contains(fmt.Sprint(o["tags"]), "Users") && m != "GET" {
				if a := s.call(t, "rita", m, p, `{}`); a.status != 403 {
					t.Errorf("%s %s as a responder: %d, want 403", m, path, a.status)
				}
			}
		}
	}
	if n < 15 {
		t.Fatalf("only %d operations in the document", n)
	}
	if a := s.call(t, "rita", "GET", "/api/v1/tokens?user=rita", ""); a.status != 403 {
		t.Fatalf("a responder listed tokens: %d", a.status)
	}
	for _, p := range []string{"/healthz", "/readyz", "/metrics"} {
		if a := s.call(t, "", "GET", p, ""); a.status != 200 {
			t.Fatalf("%s: %d", p, a.status)
		}
	}
}

func TestRestrictedIncidentsDoNotLeak(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"secret","restricted":true}`)
	s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"public"}`)
	for _, p := range []string{"/api/v1/incidents/INC-1", "/api/v1/incidents/INC-1/timeline", "/api/v1/incidents/INC-1/postmortem"} {
		if a := s.call(t, "rob", "GET", p, ""); a.status != 404 {
			t.Errorf("rob GET %s: %d, want 404", p, a.status)
		}
		if a := s.call(t, "rita", "GET", p, ""); a.status != 200 {
			t.Errorf("declarer GET %s: %d", p, a.status)
		}
	}
	if a := s.call(t, "rob", "POST", "/api/v1/incidents/INC-1/timeline", `{"kind":"note","body":"x"}`); a.status != 404 {
		t.Errorf("rob wrote to a restricted incident: %d", a.status)
	}
	for _, q := range []string{"", "?q=secret", "?q=INC-1", "?state=triage"} {
		a := s.call(t, "rob", "GET", "/api/v1/incidents"+q, "")
		if strings.Contains(a.raw, "secret") {
			t.Errorf("list%s leaks the restricted incident to rob", q)
		}
	}
	if a := s.call(t, "admin", "GET", "/api/v1/incidents?q=secret", ""); !strings.Contains(a.raw, "secret") {
		t.Errorf("admin cannot find the restricted incident")
	}
}

func TestIdempotencyKey(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	first := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"once"}`, "Idempotency-Key", "k-1")
	again := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"once"}`, "Idempotency-Key", "k-1")
	if first.status != 201 || again.status != 201 || first.body["ref"] != again.body["ref"] || again.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay: %d %v / %d %v", first.status, first.body["ref"], again.status, again.body["ref"])
	}
	if a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"different"}`, "Idempotency-Key", "k-1"); a.status != 422 {
		t.Fatalf("same key, different body: %d", a.status)
	}
	if a := s.call(t, "rob", "POST", "/api/v1/incidents", `{"title":"once"}`, "Idempotency-Key", "k-1"); a.status != 201 || a.body["ref"] == first.body["ref"] {
		t.Fatalf("another user's same key: %d %v", a.status, a.body["ref"])
	}
	// Concurrent retries of one request declare one incident.
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"storm"}`, "Idempotency-Key", "k-storm")
		})
	}
	wg.Wait()
	a := s.call(t, "rita", "GET", "/api/v1/incidents?q=storm", "")
	if items, _ := a.body["items"].([]any); len(items) != 1 {
		t.Fatalf("%d incidents from one idempotent request", len(items))
	}
	if a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"x"}`, "Idempotency-Key", strings.Repeat("k", 300)); a.status != 400 {
		t.Fatalf("overlong key: %d", a.status)
	}
}

func TestStaleIfMatchFailsThePrecondition(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"v"}`)
	etag := a.header.Get("ETag")
	if etag != `"1"` {
		t.Fatalf("ETag %q", etag)
	}
	if b := s.call(t, "rita", "PATCH", "/api/v1/incidents/INC-1", `{"title":"v2"}`, "If-Match", etag); b.status != 200 {
		t.Fatalf("patch with current version: %d %s", b.status, b.raw)
	}
	b := s.call(t, "rob", "PATCH", "/api/v1/incidents/INC-1", `{"title":"v3"}`, "If-Match", etag)
	if b.status != 412 || !contains(b.locations(), "version") {
		t.Fatalf("patch with stale version: %d %s", b.status, b.raw)
	}
}

func TestMetricsCountRequests(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.call(t, "rita", "GET", "/api/v1/incidents", "")
	// The counter is bumped just after the answer is written, so the
	// scrape may come first: look a bounded number of times.
	want := `firebreak_http_requests_total{code="200",method="GET",route="/api/v1/incidents"}`
	for i := 0; ; i++ {
		a := s.call(t, "", "GET", "/metrics", "")
		if strings.Contains(a.raw, want) {
			return
		}
		if i == 50 {
			t.Fatalf("metrics lack %s:\n%s", want, a.raw[:min(len(a.raw), 2000)])
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestAdminSetsPasswords(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	as := s.app.Services.Auth
	const pw = "rita's new password"
	if err := s.admin.SetPassword(ctx, "rita", pw); err != nil {
		t.Fatal(err)
	}
	_, secret, err := as.SignIn(ctx, "rita", pw, "")
	if err != nil {
		t.Fatalf("rita cannot sign in with the password the admin set: %v", err)
	}
	if a := s.call(t, "admin", "PUT", "/api/v1/users/rita/password", `{"password":"rita's third password"}`); a.status != 204 {
		t.Fatalf("admin reset: %d %s", a.status, a.raw)
	}
	if _, _, err := as.SessionFor(ctx, secret); err == nil {
		t.Fatal("rita's session outlived the reset")
	}
	tests := []struct {
		name, user, path, body string
		status                 int
		location               string
	}{
		{"responder", "rita", "/api/v1/users/rob/password", `{"password":"a long enough password"}`, 403, ""},
		{"responder, own", "rita", "/api/v1/users/rita/password", `{"password":"a long enough password"}`, 403, ""},
		{"viewer", "vera", "/api/v1/users/rob/password", `{"password":"a long enough password"}`, 403, ""},
		{"no token", "", "/api/v1/users/rob/password", `{"password":"a long enough password"}`, 401, ""},
		{"short", "admin", "/api/v1/users/rob/password", `{"password":"hunter2"}`, 422, "password"},
		{"missing", "admin", "/api/v1/users/rob/password", `{}`, 422, "body"},
		{"unknown field", "admin", "/api/v1/users/rob/password", `{"password":"a long enough password","old":"x"}`, 422, "body.old"},
		{"unknown user", "admin", "/api/v1/users/nobody/password", `{"password":"a long enough password"}`, 404, "username"},
	}
	for _, tt := range tests {
		a := s.call(t, tt.user, "PUT", tt.path, tt.body)
		if a.status != tt.status || (tt.location != "" && !contains(a.locations(), tt.location)) {
			t.Errorf("%s: %d %s, want %d at %q", tt.name, a.status, a.raw, tt.status, tt.location)
		}
		if strings.Contains(a.raw, "hunter2") {
			t.Errorf("%s: the answer repeats the password: %s", tt.name, a.raw)
		}
	}
	if _, _, err := as.SignIn(ctx, "rob", "a long enough password", ""); err == nil {
		t.Fatal("a refused reset changed rob's password")
	}
}
