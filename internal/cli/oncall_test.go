package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// hookReceiver is a webhook contact that keeps the titles of correctly
// signed messages.
type hookReceiver struct {
	*httptest.Server
	secret string
	mu     sync.Mutex
	titles []string
}

func newHookReceiver(t *testing.T) *hookReceiver {
	t.Helper()
	r := &hookReceiver{secret: "cli-test-signing-key-0123456789"}
	r.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		if notify.VerifySignature([]byte(r.secret), req.Header.Get(notify.HeaderTimestamp), req.Header.Get(notify.HeaderSignature),
			body, time.Now(), notify.DefaultTolerance) != nil {
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		json.Unmarshal(body, &p)
		r.mu.Lock()
		r.titles = append(r.titles, p.Title)
		r.mu.Unlock()
	}))
	t.Cleanup(r.Close)
	return r
}

func (r *hookReceiver) code(t *testing.T) string {
	t.Helper()
	r.mu.Lock()
	defer r.mu.Unlock()
	for i := len(r.titles) - 1; i >= 0; i-- {
		if m := regexp.MustCompile(`verification code (\d{6})`).FindStringSubmatch(r.titles[i]); m != nil {
			return m[1]
		}
	}
	t.Fatalf("no verification code received: %q", r.titles)
	return ""
}

func TestOnCallFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	ctx := context.Background()
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.ok(t, "users", "create", "bob", "--role", "responder")

	// An admin configures on-call through the API (the typed client).
	admin := client.New(h.env["FIREBREAK_URL"], adminToken)
	start := time.Date(2026, 1, 5, 9, 0, 0, 0, time.FixedZone("CET", 3600))
	if _, err := admin.PutSchedule(ctx, oncall.Schedule{Name: "primary", TimeZone: "Europe/Berlin", Layers: []oncall.Layer{
		{Name: "weekly", Users: []string{"alice", "bob"}, Start: start, Rotation: oncall.Rotation{Kind: oncall.Weekly}}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutPolicy(ctx, oncall.Policy{Name: "web", Description: "Web on-call", Steps: []oncall.Step{
		{Targets: []oncall.Target{{Kind: oncall.TargetSchedule, Name: "primary"}}, Delay: 5},
		{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "bob"}}, Delay: 10}}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutTeam(ctx, roster.Team{Name: "sre", Members: []string{"alice", "bob"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := admin.PutService(ctx, roster.Service{Name: "checkout", Team: "sre", Policy: "web"}); err != nil {
		t.Fatal(err)
	}
	_, err := admin.PutPolicy(ctx, oncall.Policy{Name: "broken"})
	var ce *client.Error
	if !errors.As(err, &ce) || ce.Status != 422 || !strings.Contains(strings.Join(ce.Fields(), " "), "steps") {
		t.Fatalf("policy without steps: %v", err)
	}

	for _, tt := range []struct {
		args []string
		want []string
	}{
		{[]string{"oncall", "schedules"}, []string{"NAME", "primary", "Europe/Berlin", "weekly (weekly: alice, bob)"}},
		{[]string{"oncall", "policies"}, []string{"web", "1. schedule:primary (5m) → 2. user:bob (10m)", "Web on-call"}},
		{[]string{"oncall", "teams"}, []string{"sre", "alice, bob"}},
		{[]string{"oncall", "services"}, []string{"checkout", "sre", "web"}},
		{[]string{"oncall", "--at", "2026-01-06T12:00:00Z"}, []string{"SCHEDULE", "ON CALL", "UNTIL", "primary", "alice", "2026-01-12 08:00:00Z"}},
		{[]string{"oncall", "shifts", "primary", "--from", "2026-01-05T08:00:00Z", "--days", "14"},
			[]string{"2026-01-05 08:00:00Z  2026-01-12 08:00:00Z  alice  weekly", "2026-01-12 08:00:00Z  2026-01-19 08:00:00Z  bob    weekly"}},
	} {
		out := h.ok(t, tt.args...)
		for _, w := range tt.want {
			if !strings.Contains(out, w) {
				t.Errorf("firebreak %s lacks %q:\n%s", strings.Join(tt.args, " "), w, out)
			}
		}
	}
	if out := h.ok(t, "oncall"); !strings.Contains(out, "primary") {
		t.Errorf("oncall now: %s", out)
	}
	h.fails(t, "--days must be between 1 and 90", "oncall", "shifts", "primary", "--days", "100")
	h.fails(t, "404", "oncall", "shifts", "nope")
	h.fails(t, "RFC 3339", "oncall", "--at", "soon")

	// Overrides.
	out := h.ok(t, "oncall", "override", "primary", "--user", "bob", "--from", "2026-01-06T10:00:00Z", "--to", "2026-01-06T14:00:00Z")
	if !strings.Contains(out, "bob is on call in primary from 2026-01-06 10:00:00Z until 2026-01-06 14:00:00Z (override 0)") {
		t.Fatalf("override: %s", out)
	}
	if out := h.ok(t, "oncall", "--at", "2026-01-06T12:00:00Z"); !strings.Contains(out, "bob") {
		t.Fatalf("on call during the override: %s", out)
	}
	h.fails(t, "user: unknown user \"ghost\"", "oncall", "override", "primary", "--user", "ghost", "--from", "2026-02-01T00:00:00Z", "--for", "1h")
	h.fails(t, "give one of --to", "oncall", "override", "primary", "--user", "bob")
	if out := h.ok(t, "oncall", "override", "primary", "--remove", "0"); !strings.Contains(out, "Removed override 0 of primary; 0 left") {
		t.Fatalf("remove override: %s", out)
	}
	if out := h.ok(t, "oncall", "calendar", "primary"); !regexp.MustCompile(`^http://\S+/calendars/schedules/primary/admin\.[0-9a-f]+\.ics\n$`).MatchString(out) {
		t.Fatalf("calendar: %q", out)
	}
	if out := h.ok(t, "oncall", "calendar"); !strings.Contains(out, "/calendars/users/admin/") {
		t.Fatalf("own calendar: %q", out)
	}

	// alice adds and verifies a webhook contact, and a rule.
	out = h.ok(t, "token", "create", "--user", "alice", "--name", "laptop", "--db", h.dsn, "-o", "json")
	var tok struct{ Secret string }
	if err := json.Unmarshal([]byte(out), &tok); err != nil {
		t.Fatal(err)
	}
	h.env["FIREBREAK_TOKEN"] = tok.Secret
	rcv := newHookReceiver(t)
	keyFile := filepath.Join(h.env["HOME"], "key.txt")
	if err := os.WriteFile(keyFile, []byte(rcv.secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := h.ok(t, "contacts"); !strings.Contains(out, "alice has no contact methods") {
		t.Fatalf("no contacts: %s", out)
	}
	h.fails(t, "secret", "contacts", "add", "webhook", rcv.URL+"/page")
	out = h.ok(t, "contacts", "add", "webhook", rcv.URL+"/page/token-in-path", "--secret-file", keyFile, "--name", "phone", "-o", "json")
	var ct contacts.Contact
	if err := json.Unmarshal([]byte(out), &ct); err != nil || ct.ID == "" || ct.Verified || strings.Contains(out, rcv.secret) || strings.Contains(out, "token-in-path") {
		t.Fatalf("contacts add: %s %v", out, err)
	}
	h.fails(t, "code", "contacts", "verify", ct.ID, "999999x")
	if out := h.ok(t, "contacts", "verify", ct.ID, rcv.code(t)); !strings.Contains(out, "Verified "+ct.ID) {
		t.Fatalf("verify: %s", out)
	}
	out = h.ok(t, "contacts", "list")
	for _, w := range []string{"ID", "VERIFIED", ct.ID, "phone", "webhook", "http://127.0.0.1:"} {
		if !strings.Contains(out, w) {
			t.Errorf("contacts list lacks %q:\n%s", w, out)
		}
	}
	if out := h.ok(t, "contacts", "test", ct.ID); !strings.Contains(out, "Delivered to webhook") || !strings.Contains(out, ": 200") {
		t.Fatalf("contacts test: %s", out)
	}
	h.fails(t, "403", "contacts", "--user", "bob")
	h.fails(t, "whole number of minutes", "rules", "add", ct.ID, "--after", "90s")
	h.ok(t, "rules", "add", ct.ID)
	if out := h.ok(t, "rules"); !strings.Contains(out, "0 min") || !strings.Contains(out, "phone (webhook") {
		t.Fatalf("rules: %s", out)
	}

	// Paging alice about an incident, and her acknowledgement.
	h.env["FIREBREAK_TOKEN"] = adminToken
	if out := h.ok(t, "contacts", "--user", "alice"); !strings.Contains(out, ct.ID) {
		t.Fatalf("admin's view of alice's contacts: %s", out)
	}
	h.ok(t, "declare", "Checkout down")
	h.fails(t, "say whom to page", "page", "INC-1")
	h.fails(t, "not both", "page", "INC-1", "--triage", "x", "--user", "alice")
	h.fails(t, "targets[0].name", "page", "INC-1", "--user", "ghost")
	out = h.ok(t, "page", "INC-1", "--user", "alice", "--message", "Join the bridge", "-o", "json")
	var esc escalation.Escalation
	if err := json.Unmarshal([]byte(out), &esc); err != nil || esc.ID == "" || esc.Subject.Ref != "INC-1" || esc.Message != "Join the bridge" {
		t.Fatalf("page: %s %v", out, err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		var views struct{ Items []escalation.EscalationView }
		json.Unmarshal([]byte(h.ok(t, "escalations", "--incident", "INC-1", "-o", "json")), &views)
		if len(views.Items) == 1 && len(views.Items[0].Deliveries) == 1 && views.Items[0].Deliveries[0].State == escalation.DeliverySent {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no delivery: %+v", views)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if out := h.ok(t, "escalations", "--open"); !strings.Contains(out, esc.ID) || !strings.Contains(out, "INC-1 Checkout down") {
		t.Fatalf("escalations --open: %s", out)
	}
	out = h.ok(t, "escalations", esc.ID)
	for _, w := range []string{"INC-1 Checkout down", "Join the bridge", "Deliveries:", "alice", "webhook", "sent", "Record:", "started", "paged"} {
		if !strings.Contains(out, w) {
			t.Errorf("escalations ID lacks %q:\n%s", w, out)
		}
	}
	if out := h.ok(t, "escalate", esc.ID); !strings.Contains(out, "Escalated "+esc.ID) {
		t.Fatalf("escalate: %s", out)
	}
	h.env["FIREBREAK_TOKEN"] = tok.Secret
	if out := h.ok(t, "ack", esc.ID); !strings.Contains(out, "acknowledged by alice") {
		t.Fatalf("ack: %s", out)
	}
	h.fails(t, "already acknowledged by alice", "ack", esc.ID)
	if out := h.ok(t, "escalations", "--open"); !strings.Contains(out, "No escalations.") {
		t.Fatalf("open after ack: %s", out)
	}

	// Paging about a queue entry.
	h.ok(t, "report", "Odd logins")
	ids := queueIDs(t, h)
	var entry string
	for _, id := range ids {
		entry = id
	}
	if out := h.ok(t, "page", "--triage", entry, "--schedule", "primary"); !strings.Contains(out, "Paged schedule:primary about queue entry "+entry) {
		t.Fatalf("page a queue entry: %s", out)
	}
	if out := h.ok(t, "escalations", "--triage", entry); !strings.Contains(out, "Odd logins") {
		t.Fatalf("escalations --triage: %s", out)
	}

	// Cleaning up.
	out = h.ok(t, "rules", "-o", "json")
	var rules struct{ Items []contacts.Rule }
	json.Unmarshal([]byte(out), &rules)
	h.ok(t, "rules", "rm", rules.Items[0].ID)
	h.ok(t, "contacts", "rm", ct.ID)
	if out := h.ok(t, "contacts"); !strings.Contains(out, "no contact methods") {
		t.Fatalf("after rm: %s", out)
	}
}
