package httpapi_test

import (
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/app"
)

// TestAuthorizationMatrix is generated from the OpenAPI document: every
// operation must declare the least role it is open to (x-firebreak-role),
// and is then called with no token, as a viewer, a responder and an admin,
// and — when it names an incident — as a viewer and a responder who are not
// participants of a restricted incident. A route added without a role
// fails here; so does one that answers other than its declaration says.
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	// With every optional route on (serve --pprof), so they are covered too.
	s := newSetupWith(t, func(c *app.Config) { c.Pprof = true })
	// INC-1 is restricted: rita declared it, so she takes part; vera
	// (viewer) and rob (responder) do not.
	if a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"restricted matrix","restricted":true}`); a.status != 201 {
		t.Fatalf("declare: %d %s", a.status, a.raw)
	}
	doc := s.call(t, "", "GET", "/api/v1/openapi.json", "")
	paths, _ := doc.body["paths"].(map[string]any)
	if len(paths) == 0 {
		t.Fatalf("no paths in the document: %d", doc.status)
	}
	type operation struct{ method, path, url, role, owner string }
	var ops []operation
	for path, raw := range paths {
		if strings.HasPrefix(path, "/hooks/") {
			continue // webhooks take an integration's secret, not a role (hooks tests)
		}
		for method, o := range raw.(map[string]any) {
			m := strings.ToUpper(method)
			role, _ := o.(map[string]any)["x-firebreak-role"].(string)
			if role == "" {
				t.Errorf("%s %s declares no role (x-firebreak-role): every operation must", m, path)
				continue
			}
			if !slices.Contains([]string{"viewer", "responder", "admin"}, role) {
				t.Errorf("%s %s declares unknown role %q", m, path, role)
				continue
			}
			owner, _ := o.(map[string]any)["x-firebreak-owner"].(string)
			ops = append(ops, operation{m, path, fillPath(path), role, owner})
		}
	}
	sort.Slice(ops, func(i, j int) bool { return ops[i].path+ops[i].method < ops[j].path+ops[j].method })
	if len(ops) < 100 {
		t.Fatalf("only %d operations in the document", len(ops))
	}
	// Writes open to viewers are few and named here, so a write opened to
	// everyone by mistake fails.
	viewerWrites := []string{"POST /api/v1/reports", "POST /api/v1/obligations/evaluate"}
	rank := map[string]int{"viewer": 0, "responder": 1, "admin": 2}
	body := func(o operation) string {
		if o.method == "GET" || o.method == "DELETE" {
			return ""
		}
		return "{}"
	}
	// Denials first: they change nothing, so the calls that are let
	// through afterwards cannot disturb them.
	for _, o := range ops {
		name := o.method + " " + o.path
		// A viewer manages their own contacts and rules (owner routes).
		if o.role == "viewer" && o.method != "GET" && o.owner == "" && !slices.Contains(viewerWrites, name) {
			t.Errorf("%s is a write open to viewers; name it in viewerWrites if that is meant", name)
		}
		a := s.call(t, "", o.method, o.url, body(o))
		if a.status != 401 || a.header.Get("WWW-Authenticate") == "" {
			t.Errorf("%s without a token: %d (WWW-Authenticate %q), want 401 with the header", name, a.status, a.header.Get("WWW-Authenticate"))
		}
		for _, u := range []struct{ name, role string }{{"vera", "viewer"}, {"rob", "responder"}} {
			a := s.call(t, u.name, o.method, o.url, body(o))
			switch {
			case rank[u.role] < rank[o.role]:
				if a.status != 403 {
					t.Errorf("%s as a %s: %d %s, want 403 (needs %s)", name, u.role, a.status, a.raw, o.role)
				}
			case o.owner != "":
				// Another person's: only they and administrators.
				if a.status != 403 {
					t.Errorf("%s for another user as a %s: %d %s, want 403", name, u.role, a.status, a.raw)
				}
				if own := s.call(t, u.name, o.method, ownPath(o.path, o.owner, u.name), body(o)); own.status == 401 || own.status == 403 {
					t.Errorf("%s for themselves as a %s: %d %s, want it let through", name, u.role, own.status, own.raw)
				}
			case strings.Contains(o.path, "{ref}"):
				// Not a participant of INC-1: it does not exist for them,
				// answered exactly as an incident that does not exist (a
				// body refused before the incident is looked up is refused
				// the same for both).
				missing := s.call(t, u.name, o.method, strings.Replace(o.url, "INC-1", "INC-999", 1), body(o))
				if a.status < 400 || a.status == 403 || a.status != missing.status {
					t.Errorf("%s as a non-participant %s: %d %s (missing incident: %d), want the missing incident's 4xx", name, u.role, a.status, a.raw, missing.status)
				} else if strings.ReplaceAll(a.raw, "INC-1", "INC-999") != missing.raw {
					t.Errorf("%s as a non-participant %s tells a restricted incident from a missing one:\n%s\n%s", name, u.role, a.raw, missing.raw)
				}
			default:
				if a.status == 401 || a.status == 403 {
					t.Errorf("%s as a %s: %d %s, want it let through", name, u.role, a.status, a.raw)
				}
			}
		}
	}
	// Let through: the participant and the admin pass the gate (what they
	// then get depends on the placeholder values, never 401 or 403).
	for _, o := range ops {
		name := o.method + " " + o.path
		users := []string{"admin"}
		if rank[o.role] <= rank["responder"] {
			users = append(users, "rita")
		}
		for _, u := range users {
			url := o.url
			if o.owner != "" {
				url = ownPath(o.path, o.owner, u)
			}
			if a := s.call(t, u, o.method, url, body(o)); a.status == 401 || a.status == 403 {
				t.Errorf("%s as %s: %d %s, want it let through", name, u, a.status, a.raw)
			}
		}
	}
}

// ownPath fills the owner parameter with user and the rest as fillPath.
func ownPath(path, owner, user string) string {
	return fillPath(strings.ReplaceAll(path, "{"+owner+"}", user))
}

var otherParam = regexp.MustCompile(`\{([a-z0-9_]+)\}`)

// fillPath gives every path parameter a value: the restricted incident for
// {ref}, and values that exist nowhere for the rest, so a call that passes
// the gate changes nothing.
func fillPath(p string) string {
	r := strings.NewReplacer(
		"{ref}", "INC-1",
		"{id}", "00000000-0000-7000-8000-000000000000",
		"{username}", "nobody", "{user}", "nobody",
		"{name}", "no-such-name", "{role}", "scribe",
		"{phase}", "no-such-phase", "{index}", "0",
	)
	// Any other parameter gets a value no object has.
	return otherParam.ReplaceAllString(r.Replace(p), "no-such-$1")
}
