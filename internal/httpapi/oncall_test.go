package httpapi_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/notify"
)

const schedulePrimary = `{"time_zone":"Europe/Berlin","layers":[{"name":"weekly","users":["rita","rob"],
	"start":"2026-01-05T09:00:00+01:00","rotation":{"kind":"weekly"}}]}`

func (a answer) items() []map[string]any {
	var out []map[string]any
	its, _ := a.body["items"].([]any)
	for _, it := range its {
		m, _ := it.(map[string]any)
		out = append(out, m)
	}
	return out
}

func (s *setup) must(t *testing.T, status int, user, method, path, body string, hdr ...string) answer {
	t.Helper()
	a := s.call(t, user, method, path, body, hdr...)
	if a.status != status {
		t.Fatalf("%s %s %s: %d, want %d: %s", user, method, path, a.status, status, a.raw)
	}
	return a
}

// refused checks a 4xx whose problem names field, and returns it.
func (s *setup) refused(t *testing.T, status int, field, user, method, path, body string) answer {
	t.Helper()
	a := s.must(t, status, user, method, path, body)
	if field != "" && !contains(a.locations(), field) {
		t.Fatalf("%s %s: problem names %v, want %q: %s", method, path, a.locations(), field, a.raw)
	}
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("%s %s: Content-Type %q", method, path, ct)
	}
	return a
}

func TestOnCallConfiguration(t *testing.T) {
	t.Parallel()
	s := newSetup(t)

	// Reads are for viewers, writes for admins.
	for _, tt := range []struct {
		user, method, path, body string
		status                   int
	}{
		{"vera", "PUT", "/api/v1/teams/sre", `{}`, 403},
		{"rita", "PUT", "/api/v1/policies/p", `{"steps":[]}`, 403},
		{"vera", "DELETE", "/api/v1/schedules/x", ``, 403},
		{"rita", "PUT", "/api/v1/incident-rules/SEV1", `{"policy":"p"}`, 403},
		{"", "GET", "/api/v1/teams", ``, 401},
		{"vera", "GET", "/api/v1/schedules", ``, 200},
		{"vera", "GET", "/api/v1/oncall", ``, 200},
		{"vera", "GET", "/api/v1/teams/nope", ``, 404},
		{"admin", "DELETE", "/api/v1/teams/nope", ``, 404},
	} {
		if a := s.call(t, tt.user, tt.method, tt.path, tt.body); a.status != tt.status {
			t.Errorf("%s %s %s: %d, want %d: %s", tt.user, tt.method, tt.path, a.status, tt.status, a.raw)
		}
	}

	// Create, replace, read.
	s.must(t, 201, "admin", "PUT", "/api/v1/teams/sre", `{"description":"Site reliability","members":["rita"]}`)
	a := s.must(t, 200, "admin", "PUT", "/api/v1/teams/sre", `{"name":"sre","members":["rita","rob"]}`)
	if a.body["name"] != "sre" || len(a.body["members"].([]any)) != 2 {
		t.Fatalf("replaced team: %s", a.raw)
	}
	if its := s.must(t, 200, "vera", "GET", "/api/v1/teams", "").items(); len(its) != 1 || its[0]["name"] != "sre" {
		t.Fatalf("teams: %v", its)
	}
	s.must(t, 201, "admin", "PUT", "/api/v1/schedules/primary", schedulePrimary)
	s.must(t, 201, "admin", "PUT", "/api/v1/policies/first", `{"steps":[{"targets":[{"kind":"schedule","name":"primary"}],"delay_minutes":5}]}`)
	s.must(t, 201, "admin", "PUT", "/api/v1/policies/second", `{"repeat":1,"steps":[{"targets":[{"kind":"policy","name":"first"}],"delay_minutes":10},
		{"targets":[{"kind":"user","name":"rob"}],"delay_minutes":10}]}`)
	s.must(t, 201, "admin", "PUT", "/api/v1/services/checkout", `{"team":"sre","policy":"second"}`)
	s.must(t, 201, "admin", "PUT", "/api/v1/incident-rules/SEV1", `{"policy":"first"}`)
	if a := s.must(t, 200, "vera", "GET", "/api/v1/incident-rules/SEV1", ""); a.body["severity"] != "SEV1" || a.body["policy"] != "first" {
		t.Fatalf("incident rule: %s", a.raw)
	}

	// Bad input is refused naming the field, relative to the body when it is
	// the object's own, and changes nothing.
	for _, tt := range []struct {
		name, path, body, field string
	}{
		{"malformed", "/api/v1/teams/x", `{"members":`, "body"},
		{"unknown field", "/api/v1/teams/x", `{"leader":"rita"}`, "body.leader"},
		{"name differs", "/api/v1/teams/sre", `{"name":"ops"}`, "name"},
		{"bad name", "/api/v1/teams/Bad%20Name", `{}`, "name"},
		{"unknown member", "/api/v1/teams/sre", `{"members":["rita","nobody"]}`, "members[1]"},
		{"unknown user in a schedule", "/api/v1/schedules/primary",
			strings.Replace(schedulePrimary, `"rob"`, `"ghost"`, 1), "layers[0].users[1]"},
		{"unknown time zone", "/api/v1/schedules/primary", strings.Replace(schedulePrimary, "Europe/Berlin", "Mars/Olympus", 1), "time_zone"},
		{"bad rotation", "/api/v1/schedules/primary", strings.Replace(schedulePrimary, `"weekly"}`, `"hourly"}`, 1), "layers[0].rotation.kind"},
		{"policy with no steps", "/api/v1/policies/first", `{"steps":[]}`, "steps"},
		{"zero delay", "/api/v1/policies/first", `{"steps":[{"targets":[{"kind":"user","name":"rita"}],"delay_minutes":0}]}`, "steps[0].delay_minutes"},
		{"unknown target", "/api/v1/policies/first", `{"steps":[{"targets":[{"kind":"schedule","name":"nope"}],"delay_minutes":5}]}`, "steps[0].targets[0].name"},
		{"policy loop", "/api/v1/policies/first", `{"steps":[{"targets":[{"kind":"policy","name":"second"}],"delay_minutes":5}]}`, "steps[0].targets[0].name"},
		{"unknown team", "/api/v1/services/checkout", `{"team":"nope"}`, "team"},
		{"unknown policy", "/api/v1/services/checkout", `{"policy":"nope"}`, "policy"},
		{"unknown severity", "/api/v1/incident-rules/SEV9", `{"policy":"first"}`, "severity"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			before := s.call(t, "admin", "GET", tt.path, "").raw
			a := s.call(t, "admin", "PUT", tt.path, tt.body)
			if a.status != 400 && a.status != 422 {
				t.Fatalf("%d: %s", a.status, a.raw)
			}
			if !contains(a.locations(), tt.field) {
				t.Fatalf("problem names %v, want %q: %s", a.locations(), tt.field, a.raw)
			}
			if after := s.call(t, "admin", "GET", tt.path, "").raw; after != before {
				t.Fatalf("changed:\n%s\n%s", before, after)
			}
		})
	}
	if a := s.call(t, "admin", "PUT", "/api/v1/policies/first", `{"steps":[{"targets":[{"kind":"policy","name":"second"}],"delay_minutes":5}]}`); !strings.Contains(a.raw, "loops back") {
		t.Errorf("loop: %s", a.raw)
	}

	// A deletion that would leave a reference dangling names the referrer.
	a = s.refused(t, 422, "policies.first.steps[0].targets[0].name", "admin", "DELETE", "/api/v1/schedules/primary", "")
	if !strings.Contains(a.raw, `unknown schedule \"primary\"`) {
		t.Errorf("delete referred schedule: %s", a.raw)
	}
	s.must(t, 200, "vera", "GET", "/api/v1/schedules/primary", "")
	s.must(t, 201, "admin", "PUT", "/api/v1/teams/spare", `{}`)
	s.must(t, 204, "admin", "DELETE", "/api/v1/teams/spare", "")
	s.must(t, 404, "vera", "GET", "/api/v1/teams/spare", "")

	// Who is on call: rita the first week (from Monday 09:00 Berlin), rob the next.
	if its := s.must(t, 200, "vera", "GET", "/api/v1/oncall?at=2026-01-06T12:00:00Z", "").items(); len(its) != 1 ||
		its[0]["schedule"] != "primary" || fmt.Sprint(its[0]["users"]) != "[rita]" || its[0]["until"] != "2026-01-12T09:00:00+01:00" {
		t.Fatalf("on call: %v", its)
	}
	if a := s.must(t, 200, "vera", "GET", "/api/v1/schedules/primary/oncall?at=2026-01-13T12:00:00Z", ""); fmt.Sprint(a.body["users"]) != "[rob]" {
		t.Fatalf("schedule on call: %s", a.raw)
	}
	s.refused(t, 422, "query.at", "vera", "GET", "/api/v1/oncall?at=tomorrow", "")
	s.refused(t, 404, "name", "vera", "GET", "/api/v1/schedules/nope/oncall", "")

	a = s.must(t, 200, "vera", "GET", "/api/v1/schedules/primary/shifts?from=2026-01-05T08:00:00Z&to=2026-01-19T08:00:00Z", "")
	if its := a.items(); len(its) != 2 || its[0]["user"] != "rita" || its[1]["user"] != "rob" || its[1]["start"] != "2026-01-12T09:00:00+01:00" {
		t.Fatalf("shifts: %s", a.raw)
	}
	s.refused(t, 422, "to", "vera", "GET", "/api/v1/schedules/primary/shifts?from=2026-01-05T08:00:00Z&to=2026-06-05T08:00:00Z", "")
	s.refused(t, 422, "to", "vera", "GET", "/api/v1/schedules/primary/shifts?from=2026-01-05T08:00:00Z&to=2026-01-01T08:00:00Z", "")
	if its := s.must(t, 200, "vera", "GET", "/api/v1/schedules/primary/shifts", "").items(); len(its) == 0 {
		t.Fatal("shifts from now: none")
	}
	a = s.must(t, 200, "vera", "GET", "/api/v1/users/rob/shifts?from=2026-01-05T08:00:00Z&to=2026-01-19T08:00:00Z", "")
	if its := a.items(); len(its) != 1 || its[0]["schedule"] != "primary" || its[0]["user"] != "rob" {
		t.Fatalf("rob's shifts: %s", a.raw)
	}
	s.refused(t, 404, "", "vera", "GET", "/api/v1/users/nobody/shifts", "")

	// Overrides: responders put someone on call for a while.
	ov := `{"user":"rob","from":"2026-01-06T10:00:00Z","to":"2026-01-06T14:00:00Z"}`
	s.must(t, 403, "vera", "POST", "/api/v1/schedules/primary/overrides", ov)
	a = s.must(t, 201, "rita", "POST", "/api/v1/schedules/primary/overrides", ov)
	if ovs, _ := a.body["overrides"].([]any); len(ovs) != 1 {
		t.Fatalf("override: %s", a.raw)
	}
	if its := s.must(t, 200, "vera", "GET", "/api/v1/oncall?at=2026-01-06T12:00:00Z", "").items(); fmt.Sprint(its[0]["users"]) != "[rob]" {
		t.Fatalf("on call during the override: %v", its)
	}
	s.refused(t, 422, "user", "rita", "POST", "/api/v1/schedules/primary/overrides", `{"user":"ghost","from":"2026-02-01T10:00:00Z","to":"2026-02-01T14:00:00Z"}`)
	s.refused(t, 422, "from", "rita", "POST", "/api/v1/schedules/primary/overrides", `{"user":"rita","from":"2026-01-06T12:00:00Z","to":"2026-01-06T16:00:00Z"}`)
	s.refused(t, 422, "from", "rita", "POST", "/api/v1/schedules/primary/overrides", `{"user":"rita","from":"2026-02-06T12:00:00Z","to":"2026-02-06T11:00:00Z"}`)
	s.refused(t, 404, "override", "rita", "DELETE", "/api/v1/schedules/primary/overrides/3", "")
	a = s.must(t, 200, "rita", "DELETE", "/api/v1/schedules/primary/overrides/0", "")
	if _, ok := a.body["overrides"]; ok {
		t.Fatalf("after removing the override: %s", a.raw)
	}

	// Calendar feeds.
	a = s.must(t, 200, "vera", "GET", "/api/v1/schedules/primary/calendar", "")
	if u, _ := a.body["url"].(string); !regexp.MustCompile(`^` + regexp.QuoteMeta(s.url) + `/calendars/schedules/primary/vera\.[0-9a-f]{40}\.ics$`).MatchString(u) {
		t.Fatalf("schedule calendar: %s", a.raw)
	}
	s.must(t, 404, "vera", "GET", "/api/v1/schedules/nope/calendar", "")
	s.must(t, 403, "vera", "GET", "/api/v1/users/rita/calendar", "")
	a = s.must(t, 200, "rita", "GET", "/api/v1/users/rita/calendar", "")
	if u, _ := a.body["url"].(string); !strings.Contains(u, "/calendars/users/rita/") {
		t.Fatalf("user calendar: %s", a.raw)
	}
	s.must(t, 200, "admin", "GET", "/api/v1/users/rita/calendar", "")

	// The documented OpenAPI has the routes.
	a = s.must(t, 200, "", "GET", "/api/v1/openapi.json", "")
	for _, p := range []string{"/api/v1/policies/{name}", "/api/v1/oncall", "/api/v1/users/{username}/contacts", "/api/v1/escalations/{id}/ack"} {
		if !strings.Contains(a.raw, `"`+p+`"`) {
			t.Errorf("openapi lacks %s", p)
		}
	}
}

// receiver is a webhook contact: it checks each message's signature and
// keeps the payloads.
type receiver struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	got    []notify.WebhookPayload
	bad    []string
}

func newReceiver(t *testing.T) *receiver {
	t.Helper()
	r := &receiver{secret: "a-signing-key-of-32-bytes-length"}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		r.mu.Lock()
		defer r.mu.Unlock()
		if err := notify.VerifySignature([]byte(r.secret), req.Header.Get(notify.HeaderTimestamp), req.Header.Get(notify.HeaderSignature),
			body, time.Now(), notify.DefaultTolerance); err != nil {
			r.bad = append(r.bad, err.Error())
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			r.bad = append(r.bad, err.Error())
		}
		r.got = append(r.got, p)
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *receiver) messages() []notify.WebhookPayload {
	r.mu.Lock()
	defer r.mu.Unlock()
	return slices.Clone(r.got)
}

var codeRE = regexp.MustCompile(`verification code (\d{6})`)

func (r *receiver) lastCode(t *testing.T) string {
	t.Helper()
	ms := r.messages()
	if len(ms) == 0 {
		t.Fatal("the receiver got nothing")
	}
	m := codeRE.FindStringSubmatch(ms[len(ms)-1].Title)
	if m == nil {
		t.Fatalf("no code in %q", ms[len(ms)-1].Title)
	}
	return m[1]
}

// eventually polls check every 20 ms for up to 10 s.
func eventually(t *testing.T, what string, check func() bool) {
	t.Helper()
	for deadline := time.Now().Add(10 * time.Second); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if check() {
			return
		}
	}
	t.Fatalf("timed out waiting for %s", what)
}

func TestContactsRulesAndPaging(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	rcv := newReceiver(t)
	hook := fmt.Sprintf(`{"name":"pager app","kind":"webhook","address":%q,"secret":%q}`, rcv.URL+"/hook/s3cr3t-path", rcv.secret)

	// Adding a contact sends a signed code to it; nothing shows its secrets.
	s.must(t, 403, "vera", "POST", "/api/v1/users/rita/contacts", hook)
	a := s.must(t, 201, "rita", "POST", "/api/v1/users/rita/contacts", hook)
	id, _ := a.body["id"].(string)
	if id == "" || a.body["verified"] != false || a.body["kind"] != "webhook" || a.body["user"] != "rita" || a.body["name"] != "pager app" {
		t.Fatalf("added: %s", a.raw)
	}
	if strings.Contains(a.raw, rcv.secret) || strings.Contains(a.raw, "s3cr3t-path") {
		t.Fatalf("the answer shows a secret: %s", a.raw)
	}
	code := rcv.lastCode(t)
	if len(rcv.bad) > 0 {
		t.Fatalf("bad deliveries: %v", rcv.bad)
	}

	// Problems name the field and store nothing.
	s.refused(t, 422, "secret", "rita", "POST", "/api/v1/users/rita/contacts", fmt.Sprintf(`{"kind":"webhook","address":%q,"secret":"short"}`, rcv.URL))
	s.refused(t, 422, "address", "rita", "POST", "/api/v1/users/rita/contacts", `{"kind":"email","address":"not an address"}`)
	s.refused(t, 422, "address", "rita", "POST", "/api/v1/users/rita/contacts", fmt.Sprintf(`{"kind":"webhook","address":"ftp://x","secret":%q}`, rcv.secret))
	s.refused(t, 422, "body.kind", "rita", "POST", "/api/v1/users/rita/contacts", `{"kind":"pigeon","address":"x"}`)
	dead := httptest.NewServer(http.NotFoundHandler())
	dead.Close()
	a = s.refused(t, 422, "target", "rita", "POST", "/api/v1/users/rita/contacts", fmt.Sprintf(`{"kind":"webhook","address":%q,"secret":%q}`, dead.URL, rcv.secret))
	if strings.Contains(a.raw, rcv.secret) {
		t.Fatalf("the problem shows the secret: %s", a.raw)
	}
	if its := s.must(t, 200, "rita", "GET", "/api/v1/users/rita/contacts", "").items(); len(its) != 1 {
		t.Fatalf("contacts after refusals: %v", its)
	}
	s.must(t, 403, "rob", "GET", "/api/v1/users/rita/contacts", "")
	s.must(t, 200, "admin", "GET", "/api/v1/users/rita/contacts", "")

	// Verifying with the code received.
	base := "/api/v1/users/rita/contacts/" + id
	s.refused(t, 422, "code", "rita", "POST", base+"/verify", `{"code":"000000x"}`)
	s.must(t, 404, "admin", "POST", "/api/v1/users/rob/contacts/"+id+"/verify", `{"code":"`+code+`"}`)
	s.must(t, 403, "rob", "POST", base+"/verify", `{"code":"`+code+`"}`)
	if a := s.must(t, 200, "rita", "POST", base+"/verify", `{"code":"`+code+`"}`); a.body["verified"] != true {
		t.Fatalf("verified: %s", a.raw)
	}
	s.refused(t, 422, "id", "rita", "POST", base+"/resend", "")
	if a := s.must(t, 200, "rita", "POST", base+"/test", ""); a.body["status_code"] != float64(200) || strings.Contains(a.raw, "s3cr3t") {
		t.Fatalf("test page: %s", a.raw)
	}

	// Notification rules.
	s.refused(t, 422, "contact_id", "rita", "POST", "/api/v1/users/rita/rules", `{"contact_id":"nope","delay_minutes":0}`)
	s.refused(t, 422, "delay_minutes", "rita", "POST", "/api/v1/users/rita/rules", `{"contact_id":"`+id+`","delay_minutes":5000}`)
	a = s.must(t, 201, "rita", "POST", "/api/v1/users/rita/rules", `{"contact_id":"`+id+`","delay_minutes":0}`)
	ruleID, _ := a.body["id"].(string)
	if its := s.must(t, 200, "rita", "GET", "/api/v1/users/rita/rules", "").items(); len(its) != 1 || its[0]["contact_id"] != id {
		t.Fatalf("rules: %v", its)
	}

	// Paging rita about an incident reaches her contact; the escalation
	// shows the delivery.
	s.must(t, 201, "rob", "POST", "/api/v1/incidents", `{"title":"Checkout down"}`)
	s.refused(t, 422, "targets[0].name", "rob", "POST", "/api/v1/incidents/INC-1/page", `{"targets":[{"kind":"user","name":"ghost"}]}`)
	s.refused(t, 422, "targets", "rob", "POST", "/api/v1/incidents/INC-1/page", `{"targets":[]}`)
	s.must(t, 403, "vera", "POST", "/api/v1/incidents/INC-1/page", `{"targets":[{"kind":"user","name":"rita"}]}`)
	page := `{"targets":[{"kind":"user","name":"rita"}],"message":"Need a hand with checkout"}`
	a = s.must(t, 201, "rob", "POST", "/api/v1/incidents/INC-1/page", page, "Idempotency-Key", "page-1")
	escID, _ := a.body["id"].(string)
	if a.body["state"] != "open" || a.body["created_by"] != "rob" {
		t.Fatalf("page: %s", a.raw)
	}
	if again := s.must(t, 201, "rob", "POST", "/api/v1/incidents/INC-1/page", page, "Idempotency-Key", "page-1"); again.body["id"] != escID {
		t.Fatalf("the same Idempotency-Key paged twice: %s", again.raw)
	}
	var view answer
	eventually(t, "the page's delivery", func() bool {
		view = s.must(t, 200, "rob", "GET", "/api/v1/incidents/INC-1/escalations", "")
		its := view.items()
		if len(its) != 1 {
			return false
		}
		ds, _ := its[0]["deliveries"].([]any)
		return len(ds) == 1 && ds[0].(map[string]any)["state"] == "sent"
	})
	d := view.items()[0]["deliveries"].([]any)[0].(map[string]any)
	if d["user"] != "rita" || d["contact_id"] != id || d["attempts"] != float64(1) || len(d["history"].([]any)) != 1 || strings.Contains(view.raw, "s3cr3t") {
		t.Fatalf("delivery: %s", view.raw)
	}
	ms := rcv.messages()
	last := ms[len(ms)-1]
	if !strings.Contains(last.Title, "INC-1 Checkout down") || !strings.Contains(last.Body, "Need a hand with checkout") ||
		last.Fields["incident"] != "INC-1" || !strings.Contains(last.AckURL, "/ack/") {
		t.Fatalf("page received: %+v", last)
	}

	// Escalations are for responders; acknowledging stops one.
	s.must(t, 403, "vera", "GET", "/api/v1/escalations", "")
	if its := s.must(t, 200, "rob", "GET", "/api/v1/escalations?open=true", "").items(); len(its) != 1 || its[0]["id"] != escID {
		t.Fatalf("open escalations: %v", its)
	}
	if a := s.must(t, 200, "rob", "GET", "/api/v1/escalations/"+escID, ""); len(a.body["deliveries"].([]any)) != 1 {
		t.Fatalf("escalation: %s", a.raw)
	}
	s.must(t, 200, "rob", "POST", "/api/v1/escalations/"+escID+"/escalate", "")
	a = s.must(t, 200, "rita", "POST", "/api/v1/escalations/"+escID+"/ack", "")
	if a.body["state"] != "acknowledged" || a.body["acked_by"] != "rita" {
		t.Fatalf("ack: %s", a.raw)
	}
	s.refused(t, 422, "state", "rob", "POST", "/api/v1/escalations/"+escID+"/ack", "")
	s.refused(t, 422, "state", "rob", "POST", "/api/v1/escalations/"+escID+"/escalate", "")
	if its := s.must(t, 200, "rob", "GET", "/api/v1/escalations?open=true", "").items(); len(its) != 0 {
		t.Fatalf("open after ack: %v", its)
	}
	s.must(t, 404, "rob", "GET", "/api/v1/escalations/nope", "")

	// A restricted incident's escalations are hidden from those who cannot see it.
	s.must(t, 201, "admin", "POST", "/api/v1/incidents", `{"title":"Insider","restricted":true}`)
	a = s.must(t, 201, "admin", "POST", "/api/v1/incidents/INC-2/page", `{"targets":[{"kind":"user","name":"rob"}]}`)
	secretID, _ := a.body["id"].(string)
	s.must(t, 404, "rob", "POST", "/api/v1/incidents/INC-2/page", `{"targets":[{"kind":"user","name":"rob"}]}`)
	s.must(t, 404, "rob", "GET", "/api/v1/incidents/INC-2/escalations", "")
	s.must(t, 404, "rob", "GET", "/api/v1/escalations/"+secretID, "")
	s.must(t, 404, "rob", "POST", "/api/v1/escalations/"+secretID+"/ack", "")
	for _, it := range s.must(t, 200, "rob", "GET", "/api/v1/escalations", "").items() {
		if it["id"] == secretID {
			t.Fatal("the restricted incident's escalation is listed for rob")
		}
	}
	if its := s.must(t, 200, "admin", "GET", "/api/v1/incidents/INC-2/escalations", "").items(); len(its) != 1 {
		t.Fatalf("admin's view of the restricted incident: %v", its)
	}

	// Paging about a queue entry.
	s.must(t, 201, "vera", "POST", "/api/v1/reports", `{"title":"Strange logins"}`)
	q := s.must(t, 200, "rob", "GET", "/api/v1/triage", "").items()
	if len(q) != 1 {
		t.Fatalf("queue: %v", q)
	}
	entry := q[0]["id"].(string)
	s.refused(t, 422, "targets[0].name", "rob", "POST", "/api/v1/triage/"+entry+"/page", `{"targets":[{"kind":"schedule","name":"nope"}]}`)
	s.must(t, 201, "rob", "POST", "/api/v1/triage/"+entry+"/page", `{"targets":[{"kind":"user","name":"rob"}]}`)
	eventually(t, "the queue entry's page", func() bool {
		its := s.must(t, 200, "rob", "GET", "/api/v1/triage/"+entry+"/escalations", "").items()
		return len(its) == 1
	})
	s.must(t, 404, "rob", "GET", "/api/v1/triage/nope/escalations", "")

	// Removing the rule and the contact.
	s.must(t, 204, "rita", "DELETE", "/api/v1/users/rita/rules/"+ruleID, "")
	s.must(t, 404, "rita", "DELETE", "/api/v1/users/rita/rules/"+ruleID, "")
	s.must(t, 204, "admin", "DELETE", base, "")
	if its := s.must(t, 200, "rita", "GET", "/api/v1/users/rita/contacts", "").items(); len(its) != 0 {
		t.Fatalf("contacts after delete: %v", its)
	}
}
