package web_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// restrictedQueue is a site whose queue holds entries linked to restricted
// incidents, and one public entry, with API tokens for everyone.
type restrictedQueue struct {
	*site
	tokens map[string]string
	// report was declared as a restricted incident, alerts attached to
	// an incident restricted afterwards, joined attached to an existing
	// restricted incident; public is linked to nothing.
	report, alerts, joined, public string
	escalation                     string // a page about alerts, sent before it was linked
	secrets                        []string
}

func newRestrictedQueue(t *testing.T) *restrictedQueue {
	t.Helper()
	s := newSite(t)
	ctx := context.Background()
	as := s.app.Services.Auth
	for _, u := range []auth.UserInput{{Username: "bob", Role: auth.Responder}, {Username: "root", Role: auth.Admin}} {
		if _, err := as.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := as.SetPassword(ctx, u.Username, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	q := &restrictedQueue{site: s, tokens: map[string]string{}}
	for _, u := range []string{"alice", "bob", "vera", "root"} {
		_, secret, err := as.IssueToken(ctx, u, "test")
		if err != nil {
			t.Fatal(err)
		}
		q.tokens[u] = secret
	}
	tr := s.app.Services.Triage
	admin := incident.Viewer{User: "root", SeeAll: true}
	find := func(summary string) string {
		t.Helper()
		all, err := tr.Queue(ctx, admin, true, 100)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range all {
			if e.Group.Summary == summary {
				return e.Group.ID
			}
		}
		t.Fatalf("%q is not in the queue", summary)
		return ""
	}

	// An outsider's report, with a file.
	_, err := tr.Report(ctx, triage.ReportInput{Name: "Eve Outsider", Contact: "eve@example.org", Title: "Leaked customer list on a paste site",
		Description: "The dump at paste.example/x9 holds names and card digits.",
		File:        &triage.File{Name: "customers-sample.csv", ContentType: "text/csv", Data: []byte("name,card\nAda,4242\n")}})
	if err != nil {
		t.Fatal(err)
	}
	q.report = find("Leaked customer list on a paste site")

	// Three alert groups from a generic integration.
	_, secret, err := tr.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceGeneric, Name: "siem"})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range []struct{ name, summary string }{
		{"Exfil", "Outbound transfer to 203.0.113.9 from db-7"},
		{"Beacon", "Beaconing to c2.example from build-3"},
		{"Disk", "Disk 91% full on logs-1"},
	} {
		body := `{"summary":"` + a.summary + `","labels":{"alertname":"` + a.name + `"}}`
		if st, b := q.hook(t, secret, body); st != http.StatusOK {
			t.Fatalf("webhook: %d %s", st, b)
		}
	}
	q.alerts, q.joined, q.public = find("Outbound transfer to 203.0.113.9 from db-7"), find("Beaconing to c2.example from build-3"), find("Disk 91% full on logs-1")

	// A page about the alerts while they wait.
	st, b := q.api(t, "alice", "POST", "/api/v1/triage/"+q.alerts+"/page", `{"targets":[{"kind":"user","name":"alice"}],"message":"look at db-7"}`)
	if st != http.StatusCreated {
		t.Fatalf("page about the alerts: %d %s", st, b)
	}
	var esc struct{ ID string }
	if err := json.Unmarshal([]byte(b), &esc); err != nil || esc.ID == "" {
		t.Fatalf("escalation: %v %s", err, b)
	}
	q.escalation = esc.ID

	// alice declares the report as a restricted incident (INC-1) in the
	// console; attaches the alerts to an open incident (INC-2), restricted
	// afterwards; and root attaches the beacon to an existing restricted
	// incident (INC-3) through the API.
	alice := s.signIn(t, "alice")
	if r := s.post(t, alice, "/triage/"+q.report+"/declare", url.Values{"title": {"Customer data on a paste site"}, "restricted": {"on"}}); r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/incidents/INC-1") {
		t.Fatalf("declare restricted: %d %s", r.status, r.location)
	}
	svc := s.app.Services.Incidents
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "Database exfiltration"}); err != nil {
		t.Fatal(err)
	}
	if st, b := q.api(t, "alice", "POST", "/api/v1/triage/"+q.alerts+"/attach", `{"incident":"INC-2"}`); st != http.StatusOK {
		t.Fatalf("attach: %d %s", st, b)
	}
	restricted := true
	if _, err := svc.Update(ctx, incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: "INC-2"}, incident.UpdateInput{Restricted: &restricted}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "Build farm compromise", Restricted: true}); err != nil {
		t.Fatal(err)
	}
	if st, b := q.api(t, "root", "POST", "/api/v1/triage/"+q.joined+"/attach", `{"incident":"INC-3"}`); st != http.StatusOK {
		t.Fatalf("attach to a restricted incident: %d %s", st, b)
	}
	var ids []string
	for _, ref := range []string{"INC-1", "INC-2", "INC-3"} {
		inc, err := svc.Get(ctx, admin, ref)
		if err != nil {
			t.Fatal(err)
		}
		ids = append(ids, inc.ID)
	}
	q.secrets = append([]string{q.report, q.alerts, q.joined, q.escalation, "INC-1", "INC-2", "INC-3",
		"Leaked customer list", "paste.example/x9", "Eve Outsider", "eve@example.org", "customers-sample.csv",
		"203.0.113.9", "c2.example", "look at db-7"}, ids...)
	return q
}

func (q *restrictedQueue) hook(t *testing.T, secret, body string) (int, string) {
	t.Helper()
	r, err := http.Post(q.url+"/hooks/generic/"+secret, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return r.StatusCode, string(b)
}

// api calls the REST API as user.
func (q *restrictedQueue) api(t *testing.T, user, method, path, body string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, q.url+path, strings.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+q.tokens[user])
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	r := do(t, http.DefaultClient, req)
	return r.status, r.body
}

// leaks returns the secrets body shows.
func (q *restrictedQueue) leaks(body string) []string {
	var out []string
	for _, s := range q.secrets {
		if strings.Contains(body, s) {
			out = append(out, s)
		}
	}
	return out
}

// TestTriageRestrictedEntriesDoNotLeak: a queue entry declared as, or
// attached to, a restricted incident takes the incident's visibility in the
// API and the console: for a non-participant (a responder or a viewer) it
// is not in any list, every read and action by its ID is the missing
// entry's 404, its escalations are hidden, and no live update tells of it;
// participants and admins see it all.
func TestTriageRestrictedEntriesDoNotLeak(t *testing.T) {
	t.Parallel()
	q := newRestrictedQueue(t)
	hidden := []string{q.report, q.alerts, q.joined}
	// same reports whether a 404 for id reads exactly as one for an ID
	// that was never there.
	same := func(user, method, path, body, id string) bool {
		t.Helper()
		st, got := q.api(t, user, method, strings.ReplaceAll(path, "{id}", id), body)
		mst, missing := q.api(t, user, method, strings.ReplaceAll(path, "{id}", "nosuchentry"), body)
		return st == http.StatusNotFound && mst == st && strings.ReplaceAll(got, id, "ID") == strings.ReplaceAll(missing, "nosuchentry", "ID")
	}

	t.Run("api", func(t *testing.T) {
		for _, user := range []string{"bob", "vera"} {
			for _, path := range []string{"/api/v1/triage", "/api/v1/triage?all=true", "/api/v1/triage?all=true&limit=1", "/api/v1/triage?all=false"} {
				st, b := q.api(t, user, "GET", path, "")
				if st != http.StatusOK || !strings.Contains(b, q.public) && !strings.Contains(path, "limit=1") {
					t.Errorf("%s GET %s: %d, without the public entry: %s", user, path, st, b)
				}
				if l := q.leaks(b); len(l) > 0 {
					t.Errorf("%s GET %s shows %v", user, path, l)
				}
			}
			// The limit counts what the viewer may see: the public entry
			// is the oldest, and still the one entry of a page of one.
			if _, b := q.api(t, user, "GET", "/api/v1/triage?all=true&limit=1", ""); !strings.Contains(b, q.public) {
				t.Errorf("%s: a page of one lacks the one entry they may see: %s", user, b)
			}
			for _, id := range hidden {
				if !same(user, "GET", "/api/v1/triage/{id}", "", id) {
					t.Errorf("%s GET /api/v1/triage/%s is not the missing entry's 404", user, id)
				}
			}
			st, b := q.api(t, user, "GET", "/api/v1/escalations", "")
			if l := q.leaks(b); len(l) > 0 || (user == "bob" && st != http.StatusOK) {
				t.Errorf("%s GET /api/v1/escalations: %d, shows %v", user, st, l)
			}
		}
		for _, id := range hidden {
			for _, a := range []struct{ method, path, body string }{
				{"POST", "/api/v1/triage/{id}/acknowledge", ""},
				{"POST", "/api/v1/triage/{id}/snooze", `{"until":"` + time.Now().Add(time.Hour).UTC().Format(time.RFC3339) + `"}`},
				{"POST", "/api/v1/triage/{id}/dismiss", `{"reason":"false positive"}`},
				{"POST", "/api/v1/triage/{id}/declare", `{"title":"again"}`},
				{"POST", "/api/v1/triage/{id}/attach", `{"incident":"INC-2"}`},
				{"GET", "/api/v1/triage/{id}/escalations", ""},
				{"POST", "/api/v1/triage/{id}/page", `{"targets":[{"kind":"user","name":"bob"}]}`},
			} {
				if !same("bob", a.method, a.path, a.body, id) {
					st, b := q.api(t, "bob", a.method, strings.ReplaceAll(a.path, "{id}", id), a.body)
					t.Errorf("bob %s %s on %s: %d %s, not the missing entry's 404", a.method, a.path, id, st, b)
				}
			}
		}
		for _, a := range []struct{ method, path string }{
			{"GET", "/api/v1/escalations/" + q.escalation},
			{"POST", "/api/v1/escalations/" + q.escalation + "/ack"},
			{"POST", "/api/v1/escalations/" + q.escalation + "/escalate"},
		} {
			// The answer names the escalation asked for, and nothing else.
			if st, b := q.api(t, "bob", a.method, a.path, ""); st != http.StatusNotFound || len(q.leaks(strings.ReplaceAll(b, q.escalation, ""))) > 0 {
				t.Errorf("bob %s %s: %d %s", a.method, a.path, st, b)
			}
		}

		// Participants and admins see everything, the report's content
		// included.
		for _, user := range []string{"alice", "root"} {
			_, b := q.api(t, user, "GET", "/api/v1/triage?all=true", "")
			for _, id := range append(hidden, q.public) {
				if !strings.Contains(b, id) {
					t.Errorf("%s's queue lacks %s", user, id)
				}
			}
			st, b := q.api(t, user, "GET", "/api/v1/triage/"+q.report, "")
			for _, want := range []string{"Leaked customer list", "paste.example/x9", "Eve Outsider", "eve@example.org", "customers-sample.csv", "INC-1"} {
				if st != http.StatusOK || !strings.Contains(b, want) {
					t.Errorf("%s GET the report: %d, lacks %q", user, st, want)
				}
			}
			if st, b := q.api(t, user, "GET", "/api/v1/triage/"+q.alerts+"/escalations", ""); st != http.StatusOK || !strings.Contains(b, q.escalation) {
				t.Errorf("%s GET the alerts' escalations: %d %s", user, st, b)
			}
			if _, b := q.api(t, user, "GET", "/api/v1/escalations", ""); !strings.Contains(b, q.escalation) {
				t.Errorf("%s's escalations lack %s", user, q.escalation)
			}
		}
	})

	t.Run("console", func(t *testing.T) {
		missing := func(c *http.Client, path string) string {
			r := q.get(t, c, strings.ReplaceAll(path, "{id}", "nosuchentry"))
			return strings.ReplaceAll(r.body, "nosuchentry", "ID")
		}
		for _, user := range []string{"bob", "vera"} {
			c := q.signIn(t, user)
			for _, path := range []string{"/triage", "/triage?all=1"} {
				r := q.get(t, c, path)
				if r.status != http.StatusOK || path == "/triage?all=1" && !strings.Contains(r.body, q.public) {
					t.Errorf("%s %s: %d, without the public entry", user, path, r.status)
				}
				if l := q.leaks(r.body); len(l) > 0 {
					t.Errorf("%s %s shows %v", user, path, l)
				}
			}
			for _, id := range hidden {
				r := q.get(t, c, "/triage/"+id)
				if r.status != http.StatusNotFound || strings.ReplaceAll(r.body, id, "ID") != missing(c, "/triage/{id}") || len(q.leaks(strings.ReplaceAll(r.body, id, ""))) > 0 {
					t.Errorf("%s /triage/%s: %d, not the missing entry's page", user, id, r.status)
				}
			}
		}
		bob := q.signIn(t, "bob")
		for _, id := range hidden {
			for _, a := range []struct {
				path string
				form url.Values
			}{
				{"/triage/{id}/acknowledge", nil},
				{"/triage/{id}/snooze", url.Values{"for": {"1h"}}},
				{"/triage/{id}/dismiss", url.Values{"as": {"false_positive"}, "reason": {"noise"}}},
				{"/triage/{id}/declare", url.Values{"title": {"again"}}},
				{"/triage/{id}/attach", url.Values{"ref": {"INC-2"}}},
				{"/triage/{id}/page", url.Values{"target": {"user:bob"}}},
				{"/triage/{id}/escalations/" + q.escalation + "/acknowledge", nil},
				{"/triage/{id}/escalations/" + q.escalation + "/escalate", nil},
			} {
				r := q.post(t, bob, strings.ReplaceAll(a.path, "{id}", id), a.form)
				m := q.post(t, bob, strings.ReplaceAll(a.path, "{id}", "nosuchentry"), a.form)
				if r.status != http.StatusNotFound || m.status != r.status || strings.ReplaceAll(r.body, id, "ID") != strings.ReplaceAll(m.body, "nosuchentry", "ID") {
					t.Errorf("bob POST %s on %s: %d (missing: %d)", a.path, id, r.status, m.status)
				}
			}
		}
		for _, user := range []string{"alice", "root"} {
			c := q.signIn(t, user)
			all := q.get(t, c, "/triage?all=1")
			for _, id := range append(hidden, q.public) {
				if !strings.Contains(all.body, id) {
					t.Errorf("%s's /triage?all=1 lacks %s", user, id)
				}
			}
			r := q.get(t, c, "/triage/"+q.report)
			for _, want := range []string{"Leaked customer list", "paste.example/x9", "Eve Outsider", "eve@example.org", "customers-sample.csv", "INC-1"} {
				if r.status != http.StatusOK || !strings.Contains(r.body, want) {
					t.Errorf("%s /triage/%s: %d, lacks %q", user, q.report, r.status, want)
				}
			}
			if r := q.get(t, c, "/triage/"+q.alerts); !strings.Contains(r.body, "look at db-7") {
				t.Errorf("%s: the alerts' page lacks its paging panel", user)
			}
		}
		// A role on the incident makes bob a participant.
		if _, err := q.app.Services.Incidents.Assign(context.Background(), incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: "INC-1"}, incident.Responder, "bob"); err != nil {
			t.Fatal(err)
		}
		if r := q.get(t, bob, "/triage/"+q.report); r.status != http.StatusOK || !strings.Contains(r.body, "Eve Outsider") {
			t.Errorf("participant bob /triage/%s: %d", q.report, r.status)
		}
	})
}

// TestTriageRestrictedLiveUpdates: changes to entries linked to a restricted
// incident reach the live pages of those who may see the incident, and no
// one else's. Each stream is read up to a public change made afterwards,
// so "nothing arrived" is checked against a positive signal.
func TestTriageRestrictedLiveUpdates(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	if _, err := s.app.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "root", Role: auth.Admin}); err != nil {
		t.Fatal(err)
	}
	if err := s.app.Services.Auth.SetPassword(ctx, "root", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	tr := s.app.Services.Triage
	_, secret, err := tr.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceGeneric, Name: "siem"})
	if err != nil {
		t.Fatal(err)
	}
	hook := func(name, summary string) {
		t.Helper()
		r, err := http.Post(s.url+"/hooks/generic/"+secret, "application/json", strings.NewReader(`{"summary":"`+summary+`","labels":{"alertname":"`+name+`"}}`))
		if err != nil {
			t.Fatal(err)
		}
		r.Body.Close()
		if r.StatusCode != http.StatusOK {
			t.Fatalf("webhook: %d", r.StatusCode)
		}
	}
	hook("Exfil", "Outbound transfer from db-7")
	hook("Disk", "Disk full on logs-1")
	all, err := tr.Queue(ctx, incident.Viewer{User: "root", SeeAll: true}, true, 10)
	if err != nil || len(all) != 2 {
		t.Fatalf("queue: %v, %d entries", err, len(all))
	}
	ids := map[string]string{}
	for _, e := range all {
		ids[e.Group.Summary] = e.Group.ID
	}
	secretID, publicID := ids["Outbound transfer from db-7"], ids["Disk full on logs-1"]

	type stream struct {
		user string
		got  chan string // everything read, once the public change arrived
	}
	listen := func(user string) stream {
		c := s.signIn(t, user)
		req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/events", nil)
		r, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { r.Body.Close() })
		st := stream{user: user, got: make(chan string, 1)}
		hello := make(chan struct{})
		go func() {
			var seen strings.Builder
			buf := make([]byte, 4096)
			said := false
			for {
				n, err := r.Body.Read(buf)
				seen.Write(buf[:n])
				if !said && strings.Contains(seen.String(), "event: hello") {
					said = true
					close(hello)
				}
				if strings.Contains(seen.String(), `"type":"triage.acknowledge"`) || err != nil {
					st.got <- seen.String()
					return
				}
			}
		}()
		select {
		case <-hello:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no hello on the stream", user)
		}
		return st
	}
	streams := []stream{listen("vera"), listen("alice"), listen("root")}

	// alice declares the exfiltration as a restricted incident in the
	// console; a new alert then reaches its group. Then she acknowledges
	// the public entry: the signal every stream waits for.
	alice := s.signIn(t, "alice")
	if r := s.post(t, alice, "/triage/"+secretID+"/declare", url.Values{"title": {"Database exfiltration"}, "restricted": {"on"}}); r.status != http.StatusSeeOther {
		t.Fatalf("declare: %d", r.status)
	}
	hook("Exfil", "Outbound transfer from db-7, again")
	if r := s.post(t, alice, "/triage/"+publicID+"/acknowledge", nil); r.status != http.StatusSeeOther {
		t.Fatalf("acknowledge: %d", r.status)
	}
	for _, st := range streams {
		var seen string
		select {
		case seen = <-st.got:
		case <-time.After(10 * time.Second):
			t.Fatalf("%s: no public change within 10s", st.user)
		}
		if !strings.Contains(seen, `"type":"triage.acknowledge","actor":"alice"`) {
			t.Fatalf("%s's stream ended before the public change: %q", st.user, seen)
		}
		restricted := regexp.MustCompile(`triage\.declare|triage\.alerts|INC-1`)
		if st.user == "vera" {
			if m := restricted.FindString(seen); m != "" {
				t.Errorf("vera heard of the restricted entry (%s): %q", m, seen)
			}
			continue
		}
		for _, want := range []string{`"type":"triage.declare","actor":"alice"`, `"type":"triage.alerts"`, `"ref":"INC-1"`} {
			if !strings.Contains(seen, want) {
				t.Errorf("%s did not hear %s: %q", st.user, want, seen)
			}
		}
	}
}
