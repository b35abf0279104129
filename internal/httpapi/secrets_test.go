package httpapi_test

import (
	"bytes"
	"context"
	"database/sql"
	"fmt"
	"log/slog"
	"net/http"
	"slices"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// syncBuffer is a bytes.Buffer safe for the logger and the test at once.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// A revoked bootstrap token must neither stop the next start nor work
// again: the server starts, says why it ignores the variable, and the
// token stays refused.
func TestRevokedBootstrapTokenIsIgnoredWithAWarning(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			dsn := storetest.SQLiteDSN(t)
			if b.Name == "postgres" {
				dsn = storetest.PostgresDSN(t)
			}
			start := func(out, logs *syncBuffer) *setup {
				t.Helper()
				a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken, Version: "test",
					Out: out, Logger: slog.New(slog.NewTextHandler(logs, nil))})
				if err != nil {
					t.Fatalf("start with a revoked bootstrap token: %v", err)
				}
				if err := a.Start(context.Background()); err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { a.Stop(context.Background()) })
				return &setup{url: a.URL(), app: a, tokens: map[string]string{"admin": adminToken}}
			}
			s := start(&syncBuffer{}, &syncBuffer{})
			me := s.call(t, "admin", "GET", "/api/v1/me", "")
			id, _ := me.body["token_id"].(string)
			if me.status != 200 || id == "" {
				t.Fatalf("me: %d %s", me.status, me.raw)
			}
			if a := s.call(t, "admin", "DELETE", "/api/v1/tokens/"+id, ""); a.status != 204 {
				t.Fatalf("revoke the bootstrap token: %d %s", a.status, a.raw)
			}
			if err := s.app.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}

			out, logs := &syncBuffer{}, &syncBuffer{}
			s = start(out, logs)
			want := "the bootstrap token (FIREBREAK_BOOTSTRAP_ADMIN_TOKEN, token " + id + ") was revoked at "
			for name, text := range map[string]string{"printed": out.String(), "logged": logs.String()} {
				if !strings.Contains(text, want) || !strings.Contains(text, "it is ignored — unset FIREBREAK_BOOTSTRAP_ADMIN_TOKEN") {
					t.Errorf("%s at start, want the warning %q…:\n%s", name, want, text)
				}
			}
			if !strings.Contains(logs.String(), "level=WARN") {
				t.Errorf("the warning is not logged at WARN:\n%s", logs)
			}
			if a := s.call(t, "admin", "GET", "/api/v1/me", ""); a.status != 401 {
				t.Fatalf("the revoked bootstrap token works again after a restart: %d %s", a.status, a.raw)
			}
			// A third start says the same and still works.
			if err := s.app.Stop(context.Background()); err != nil {
				t.Fatal(err)
			}
			out = &syncBuffer{}
			start(out, &syncBuffer{})
			if !strings.Contains(out.String(), want) {
				t.Fatalf("third start: %s", out)
			}
		})
	}
}

// Deactivating a user revokes their tokens; reactivating them brings back
// the account, not the old tokens.
func TestTokensStayRevokedAfterReactivation(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	old := s.tokens["rita"]
	second := s.call(t, "admin", "POST", "/api/v1/tokens", `{"user":"rita","name":"ci"}`)
	if second.status != 201 {
		t.Fatalf("second token: %d %s", second.status, second.raw)
	}
	s.tokens["rita-ci"] = second.body["secret"].(string)
	for _, u := range []string{"rita", "rita-ci"} {
		if a := s.call(t, u, "GET", "/api/v1/me", ""); a.status != 200 {
			t.Fatalf("%s before: %d %s", u, a.status, a.raw)
		}
	}
	if a := s.call(t, "admin", "PATCH", "/api/v1/users/rita", `{"active":false}`); a.status != 200 {
		t.Fatalf("deactivate: %d %s", a.status, a.raw)
	}
	for _, u := range []string{"rita", "rita-ci"} {
		if a := s.call(t, u, "GET", "/api/v1/me", ""); a.status != 401 {
			t.Fatalf("%s while deactivated: %d %s", u, a.status, a.raw)
		}
	}
	list := s.call(t, "admin", "GET", "/api/v1/tokens?user=rita", "")
	if !strings.Contains(list.raw, `"revoked_at"`) || strings.Count(list.raw, `"revoked_at"`) != 2 {
		t.Fatalf("the tokens of a deactivated user are not marked revoked: %s", list.raw)
	}
	if a := s.call(t, "admin", "PATCH", "/api/v1/users/rita", `{"active":true}`); a.status != 200 {
		t.Fatalf("reactivate: %d %s", a.status, a.raw)
	}
	for _, u := range []string{"rita", "rita-ci"} {
		if a := s.call(t, u, "GET", "/api/v1/me", ""); a.status != 401 {
			t.Fatalf("%s's old token came back with the reactivation: %d %s", u, a.status, a.raw)
		}
	}
	fresh := s.call(t, "admin", "POST", "/api/v1/tokens", `{"user":"rita","name":"after"}`)
	if fresh.status != 201 {
		t.Fatalf("new token after reactivation: %d %s", fresh.status, fresh.raw)
	}
	s.tokens["rita"] = fresh.body["secret"].(string)
	if a := s.call(t, "rita", "GET", "/api/v1/me", ""); a.status != 200 || s.tokens["rita"] == old {
		t.Fatalf("the new token: %d %s", a.status, a.raw)
	}
}

// openRO opens the test's SQLite database read-only, to look at what the
// server stored.
func openRO(t *testing.T, dsn string) *sql.DB {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dsn+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// newSetupDSN is newSetup on a SQLite file the test names, so that it can
// read what the server stored, with a clock when now is not nil.
func newSetupDSN(t *testing.T, dsn string, now func() time.Time) *setup {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken, Version: "test", Now: now})
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

// idemRows is everything the idempotency table holds, one line a row.
func idemRows(t *testing.T, db *sql.DB) []string {
	t.Helper()
	rows, err := db.Query(`SELECT username, key, method, path, request_hash, status, content_type, CAST(body AS TEXT) FROM idempotency_keys ORDER BY key`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var user, key, method, path, hash, ct, body string
		var status int
		if err := rows.Scan(&user, &key, &method, &path, &hash, &status, &ct, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %s %s %s %s %d %s %s", user, key, method, path, hash, status, ct, body))
	}
	if err := rows.Err(); err != nil {
		t.Fatal(err)
	}
	return out
}

// get fetches a URL without signing in, as a calendar app does.
func get(t *testing.T, url string) int {
	t.Helper()
	resp, err := http.Get(url)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

// secretRoutes are the POST operations whose answers carry a secret
// shown once, with how to call them, where the secrets are in the answer,
// and what the answer created.
var secretRoutes = []struct {
	op, user, path, body, created string
	secrets                       []string // fields of the answer holding secrets
	id                            func(a answer) string
}{
	{"create-token", "admin", "/api/v1/tokens", `{"user":"rita","name":"laptop"}`, "token", []string{"secret"},
		func(a answer) string { return fmt.Sprint(a.body["id"]) }},
	{"create-integration", "admin", "/api/v1/integrations", `{"kind":"generic","name":"mon"}`, "integration", []string{"token", "webhook_url"},
		func(a answer) string { return fmt.Sprint(a.body["id"]) }},
	{"rotate-user-calendars", "rita", "/api/v1/users/rita/calendar/rotate", ``, "new calendar feed URL of user", []string{"url"},
		func(a answer) string { return "rita" }},
}

// An answer that carries a secret is never kept for replays: the table
// holds a marker, and a repeat of the key learns what was created and that
// its secret was shown once, without creating it again.
func TestIdempotencyNeverKeepsASecret(t *testing.T) {
	t.Parallel()
	dsn := storetest.SQLiteDSN(t)
	s := newSetupDSN(t, dsn, nil)
	db := openRO(t, dsn)
	for _, r := range secretRoutes {
		t.Run(r.op, func(t *testing.T) {
			key := "key-" + r.op
			first := s.call(t, r.user, "POST", r.path, r.body, "Idempotency-Key", key)
			if first.status/100 != 2 {
				t.Fatalf("first: %d %s", first.status, first.raw)
			}
			var secrets []string
			for _, f := range r.secrets {
				v, _ := first.body[f].(string)
				if len(v) < 20 {
					t.Fatalf("no secret in %s: %s", f, first.raw)
				}
				secrets = append(secrets, v)
				if i := strings.LastIndexAny(v, "/."); strings.Contains(v, "://") && i > 0 {
					secrets = append(secrets, v[strings.LastIndex(v, "/")+1:]) // the token part of a URL
				}
			}
			rows := idemRows(t, db)
			var marker bool
			for _, row := range rows {
				for _, sec := range secrets {
					if strings.Contains(row, sec) {
						t.Fatalf("the idempotency table holds the secret %q:\n%s", sec, row)
					}
				}
				marker = marker || strings.Contains(row, " "+key+" POST "+r.path+" ") && strings.Contains(row, " 409 application/problem+json ")
			}
			if !marker {
				t.Fatalf("no 409 marker remembered for %s:\n%s", key, strings.Join(rows, "\n"))
			}

			again := s.call(t, r.user, "POST", r.path, r.body, "Idempotency-Key", key)
			detail, _ := again.body["detail"].(string)
			if again.status != 409 || !strings.HasPrefix(again.header.Get("Content-Type"), "application/problem+json") ||
				again.header.Get("Idempotent-Replayed") != "true" || !strings.Contains(detail, "its secret was shown once") ||
				again.body["created"] != r.created || again.body["id"] != r.id(first) {
				t.Fatalf("repeat: %d %v %s", again.status, again.header, again.raw)
			}
			if want := r.created + " " + r.id(first); !strings.Contains(detail, want) {
				t.Fatalf("the problem does not name %q: %s", want, detail)
			}
			for _, sec := range secrets {
				if strings.Contains(again.raw, sec) {
					t.Fatalf("the repeat shows the secret: %s", again.raw)
				}
			}
		})
	}
	// Nothing was created twice, and the rotated URL is still the one in
	// force: the repeat did not rotate again.
	if toks, err := s.admin.Tokens(context.Background(), "rita"); err != nil || len(toks) != 2 {
		t.Errorf("rita has %d tokens (%v), want the setup's and one more", len(toks), err)
	}
	if its := s.call(t, "admin", "GET", "/api/v1/integrations", ""); strings.Count(its.raw, `"name":"mon"`) != 1 {
		t.Errorf("integrations: %s", its.raw)
	}
	u := s.call(t, "rita", "GET", "/api/v1/users/rita/calendar", "")
	if got := get(t, fmt.Sprint(u.body["url"])); got != 200 {
		t.Errorf("the rotated URL: %d", got)
	}
}

// Every POST whose answer has a field that holds a secret (named secret,
// token or password, or documented as shown once or "as secret as" a
// token) is in
// secretRoutes, so a route added later cannot leave its secret in the
// idempotency table unnoticed.
func TestEveryAnswerWithASecretIsListed(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	doc := s.call(t, "", "GET", "/api/v1/openapi.json", "")
	comps, _ := doc.body["components"].(map[string]any)
	schemas, _ := comps["schemas"].(map[string]any)
	secret := func(name string, prop map[string]any) bool {
		d, _ := prop["description"].(string)
		d = strings.ToLower(d)
		return slices.Contains([]string{"secret", "token", "password"}, name) || strings.Contains(d, "shown once") || strings.Contains(d, "as secret as")
	}
	var holds func(v any, depth int) []string
	holds = func(v any, depth int) []string {
		m, _ := v.(map[string]any)
		if m == nil || depth > 8 {
			return nil
		}
		if ref, ok := m["$ref"].(string); ok {
			return holds(schemas[strings.TrimPrefix(ref, "#/components/schemas/")], depth+1)
		}
		var out []string
		props, _ := m["properties"].(map[string]any)
		for name, sub := range props {
			if p, _ := sub.(map[string]any); p != nil && secret(name, p) {
				out = append(out, name)
			}
			out = append(out, holds(sub, depth+1)...)
		}
		for _, k := range []string{"items", "additionalProperties"} {
			out = append(out, holds(m[k], depth+1)...)
		}
		for _, k := range []string{"allOf", "oneOf", "anyOf"} {
			list, _ := m[k].([]any)
			for _, sub := range list {
				out = append(out, holds(sub, depth+1)...)
			}
		}
		return out
	}
	var found []string
	paths, _ := doc.body["paths"].(map[string]any)
	for _, raw := range paths {
		post, _ := raw.(map[string]any)["post"].(map[string]any)
		if post == nil {
			continue
		}
		id, _ := post["operationId"].(string)
		resps, _ := post["responses"].(map[string]any)
		for code, resp := range resps {
			content, _ := resp.(map[string]any)["content"].(map[string]any)
			for _, media := range content {
				if strings.HasPrefix(code, "2") && len(holds(media.(map[string]any)["schema"], 0)) > 0 && !slices.Contains(found, id) {
					found = append(found, id)
				}
			}
		}
	}
	var listed []string
	for _, r := range secretRoutes {
		listed = append(listed, r.op)
	}
	sort.Strings(found)
	sort.Strings(listed)
	if !slices.Equal(found, listed) {
		t.Fatalf("POST operations answering with a secret: %v; secretRoutes covers %v", found, listed)
	}
}

// A repeated key is answered from memory only when the caller may still
// do the operation: a lost role or a revoked token is refused, and the
// refusal is not remembered in place of the answer.
func TestIdempotentReplayIsAuthorizedAgain(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 201, "admin", "POST", "/api/v1/users", `{"username":"ada","role":"admin"}`)
	tok := s.must(t, 201, "admin", "POST", "/api/v1/tokens", `{"user":"ada","name":"test"}`)
	s.tokens["ada"] = tok.body["secret"].(string)

	first := s.must(t, 201, "ada", "POST", "/api/v1/users", `{"username":"zed"}`, "Idempotency-Key", "u-1")
	if again := s.must(t, 201, "ada", "POST", "/api/v1/users", `{"username":"zed"}`, "Idempotency-Key", "u-1"); again.header.Get("Idempotent-Replayed") != "true" || again.raw != first.raw {
		t.Fatalf("replay while allowed: %v %s", again.header, again.raw)
	}
	// An operation open to the user named in the path or an admin.
	s.must(t, 200, "ada", "POST", "/api/v1/users/rita/calendar/rotate", ``, "Idempotency-Key", "cal-1")

	s.must(t, 200, "admin", "PATCH", "/api/v1/users/ada", `{"role":"responder"}`)
	if a := s.call(t, "ada", "POST", "/api/v1/users", `{"username":"zed"}`, "Idempotency-Key", "u-1"); a.status != 403 || strings.Contains(a.raw, `"zed"`) {
		t.Fatalf("replay after losing the admin role: %d %s", a.status, a.raw)
	}
	if a := s.call(t, "ada", "POST", "/api/v1/users/rita/calendar/rotate", ``, "Idempotency-Key", "cal-1"); a.status != 403 {
		t.Fatalf("replay of another user's operation after losing the admin role: %d %s", a.status, a.raw)
	}
	// The answer is still remembered: with the role back, the repeat gets
	// it, and zed was created once.
	s.must(t, 200, "admin", "PATCH", "/api/v1/users/ada", `{"role":"admin"}`)
	if a := s.must(t, 201, "ada", "POST", "/api/v1/users", `{"username":"zed"}`, "Idempotency-Key", "u-1"); a.header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("replay with the role back: %v %s", a.header, a.raw)
	}

	// A revoked token replays nothing.
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"replayed"}`, "Idempotency-Key", "i-1")
	me := s.must(t, 200, "rita", "GET", "/api/v1/me", "")
	s.must(t, 204, "admin", "DELETE", "/api/v1/tokens/"+me.body["token_id"].(string), "")
	if a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"replayed"}`, "Idempotency-Key", "i-1"); a.status != 401 || strings.Contains(a.raw, "INC-") {
		t.Fatalf("replay with a revoked token: %d %s", a.status, a.raw)
	}

	// A first request refused for want of a role is not remembered: once
	// the caller has the role, the same key does the work.
	s.must(t, 403, "vera", "POST", "/api/v1/incidents", `{"title":"by vera"}`, "Idempotency-Key", "v-1")
	s.must(t, 200, "admin", "PATCH", "/api/v1/users/vera", `{"role":"responder"}`)
	if a := s.must(t, 201, "vera", "POST", "/api/v1/incidents", `{"title":"by vera"}`, "Idempotency-Key", "v-1"); a.header.Get("Idempotent-Replayed") != "" {
		t.Fatalf("a remembered refusal was replayed: %v %s", a.header, a.raw)
	}
}

// Expired keys are deleted by a durable job at the top of every hour, on
// the server's clock.
func TestExpiredIdempotencyKeysAreSweptHourly(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 30, 0, 0, time.UTC))
	dsn := storetest.SQLiteDSN(t)
	s := newSetupDSN(t, dsn, clock.Now)
	db := openRO(t, dsn)
	sweeps := func() []string {
		t.Helper()
		rows, err := db.Query(`SELECT id FROM jobs WHERE kind = 'idempotency.sweep' AND state = 'pending' ORDER BY id`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var id string
			rows.Scan(&id)
			out = append(out, id)
		}
		return out
	}
	keys := func() []string {
		t.Helper()
		var out []string
		for _, row := range idemRows(t, db) {
			out = append(out, strings.Fields(row)[1])
		}
		return out
	}
	waitFor := func(what string, ok func() bool) {
		t.Helper()
		for deadline := time.Now().Add(15 * time.Second); !ok(); time.Sleep(20 * time.Millisecond) {
			if time.Now().After(deadline) {
				t.Fatalf("timed out waiting for %s (sweeps %v, keys %v)", what, sweeps(), keys())
			}
		}
	}
	if got := sweeps(); !slices.Equal(got, []string{"idempotency.sweep@2026-11-25T10:00:00Z"}) {
		t.Fatalf("sweeps scheduled at start: %v", got)
	}
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"old"}`, "Idempotency-Key", "old")

	// 10:30: the 10:00 sweep runs and schedules 11:00; a key an hour old stays.
	clock.Advance(time.Hour)
	waitFor("the 10:00 sweep", func() bool { return slices.Equal(sweeps(), []string{"idempotency.sweep@2026-11-25T11:00:00Z"}) })
	if got := keys(); !slices.Equal(got, []string{"old"}) {
		t.Fatalf("keys after the first sweep: %v", got)
	}
	clock.Advance(15 * time.Minute)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"new"}`, "Idempotency-Key", "new")

	// The next day at 10:30 the late 11:00 sweep deletes what is 24 hours
	// old and keeps the rest.
	clock.Advance(24*time.Hour - 15*time.Minute)
	waitFor("the old key to be swept", func() bool { return !slices.Contains(keys(), "old") })
	if got := keys(); !slices.Equal(got, []string{"new"}) {
		t.Fatalf("keys after the sweep: %v", got)
	}
	waitFor("the next sweep", func() bool { return slices.Equal(sweeps(), []string{"idempotency.sweep@2026-11-26T11:00:00Z"}) })
}

// A person's calendar feed URLs (their shifts, and each schedule's as they
// hold it) can be replaced, and stop working while they are deactivated;
// they do not come back with a reactivation.
func TestCalendarFeedsRotateAndDieWithDeactivation(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 201, "admin", "PUT", "/api/v1/schedules/primary", schedulePrimary)
	urls := func(user string) (own, sched string) {
		t.Helper()
		own = fmt.Sprint(s.must(t, 200, user, "GET", "/api/v1/users/"+user+"/calendar", "").body["url"])
		sched = fmt.Sprint(s.must(t, 200, user, "GET", "/api/v1/schedules/primary/calendar", "").body["url"])
		return own, sched
	}
	want := func(status int, urls ...string) {
		t.Helper()
		for _, u := range urls {
			if got := get(t, u); got != status {
				t.Errorf("GET %s: %d, want %d", u, got, status)
			}
		}
	}
	ritaOwn, ritaSched := urls("rita")
	robOwn, robSched := urls("rob")
	if ritaSched == robSched {
		t.Fatalf("rita and rob hold the same schedule URL %s", ritaSched)
	}
	want(200, ritaOwn, ritaSched, robOwn, robSched)

	// rita replaces hers: the old ones stop, the new ones work, rob's stay.
	rotated := s.must(t, 200, "rita", "POST", "/api/v1/users/rita/calendar/rotate", "")
	ritaOwn2, ritaSched2 := urls("rita")
	if rotated.body["url"] != ritaOwn2 || ritaOwn2 == ritaOwn || ritaSched2 == ritaSched {
		t.Fatalf("after rotation: %s; own %s (was %s), schedule %s (was %s)", rotated.raw, ritaOwn2, ritaOwn, ritaSched2, ritaSched)
	}
	want(404, ritaOwn, ritaSched)
	want(200, ritaOwn2, ritaSched2, robOwn, robSched)

	// Only she or an admin may.
	s.must(t, 403, "rob", "POST", "/api/v1/users/rita/calendar/rotate", "")
	s.must(t, 404, "admin", "POST", "/api/v1/users/nobody/calendar/rotate", "")
	s.must(t, 200, "admin", "POST", "/api/v1/users/rita/calendar/rotate", "")
	want(404, ritaOwn2, ritaSched2)
	ritaOwn3, ritaSched3 := urls("rita")
	want(200, ritaOwn3, ritaSched3)

	// Deactivated: every URL she held is dead, rob's are not.
	s.must(t, 200, "admin", "PATCH", "/api/v1/users/rita", `{"active":false}`)
	want(404, ritaOwn3, ritaSched3)
	want(200, robOwn, robSched)
	// Reactivated: the old URLs stay dead; she gets new ones.
	s.must(t, 200, "admin", "PATCH", "/api/v1/users/rita", `{"active":true}`)
	want(404, ritaOwn3, ritaSched3)
	tok := s.must(t, 201, "admin", "POST", "/api/v1/tokens", `{"user":"rita","name":"back"}`)
	s.tokens["rita"] = tok.body["secret"].(string)
	ritaOwn4, ritaSched4 := urls("rita")
	want(200, ritaOwn4, ritaSched4)
}
