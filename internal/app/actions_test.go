package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestActionItemsRemindHookAndOpenIssues: with an injected clock, an
// action item reminds its owner (a verified webhook on loopback) before
// it is due and when it is overdue, and one done early reminds nobody;
// every create and change reaches the configured signed webhook; and a
// new item opens an issue on a fake GitHub on 127.0.0.1 (allowed
// explicitly by the outbound policy), whose number and URL become the
// item's tracker link — the token sent as a header, never stored.
func TestActionItemsRemindHookAndOpenIssues(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC))
	const hookKey = "action-hook-key-0123456789"
	const token = "ghp_fake_token_for_tests_only"
	type hit struct {
		path string
		p    notify.WebhookPayload
	}
	var mu sync.Mutex
	var hits []hit
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		key := pagingHookKey
		if r.URL.Path == "/actions" {
			key = hookKey
		}
		if err := notify.VerifySignature([]byte(key), r.Header.Get(notify.HeaderTimestamp), r.Header.Get(notify.HeaderSignature), body, clock.Now(), 0); err != nil {
			t.Errorf("%s: signature: %v", r.URL.Path, err)
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("payload: %v", err)
		}
		mu.Lock()
		hits = append(hits, hit{r.URL.Path, p})
		mu.Unlock()
	}))
	t.Cleanup(hooks.Close)
	take := func(path string) []notify.WebhookPayload {
		mu.Lock()
		defer mu.Unlock()
		var out []notify.WebhookPayload
		rest := hits[:0]
		for _, h := range hits {
			if h.path == path {
				out = append(out, h.p)
			} else {
				rest = append(rest, h)
			}
		}
		hits = rest
		return out
	}
	var issues []map[string]any
	github := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.URL.Path != "/repos/acme/security/issues" || r.Header.Get("Authorization") != "Bearer "+token ||
			r.Header.Get("Accept") != "application/vnd.github+json" || r.Header.Get("X-GitHub-Api-Version") == "" {
			t.Errorf("GitHub got %s %s with %v", r.Method, r.URL.Path, r.Header)
			http.Error(w, "bad", http.StatusBadRequest)
			return
		}
		var in map[string]any
		if err := json.NewDecoder(r.Body).Decode(&in); err != nil {
			t.Errorf("issue body: %v", err)
		}
		mu.Lock()
		issues = append(issues, in)
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(http.StatusCreated)
		io.WriteString(w, `{"id":1,"number":42,"html_url":"https://github.example/acme/security/issues/42","title":"x"}`)
	}))
	t.Cleanup(github.Close)
	dsn := storetest.SQLiteDSN(t)
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Version: "test", Now: clock.Now, Outbound: outbound.LoopbackPolicy(),
		Actions: actions.Config{RemindBefore: 48 * time.Hour,
			Webhooks: []actions.Webhook{{Name: "tracker-bridge", URL: hooks.URL + "/actions", Secret: hookKey}},
			GitHub:   &actions.GitHub{Owner: "acme", Repo: "security", Token: token, APIURL: github.URL, Labels: []string{"action-item"}}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	a.Services.Actions.SetBaseURL("http://firebreak.test")
	run := func() {
		t.Helper()
		for range 20 {
			if n, err := a.Engine.RunDue(ctx); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				return
			}
		}
		t.Fatal("jobs still due after 20 rounds")
	}
	for _, u := range []string{"lena", "dana"} {
		if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder}); err != nil {
			t.Fatal(err)
		}
	}
	me := contacts.Actor{User: "dana"}
	c, err := a.Services.Contacts.AddContact(ctx, me, "dana", contacts.ContactInput{Name: "hook", Target: notify.Target{Kind: notify.KindWebhook, Address: hooks.URL + "/dana", Secret: pagingHookKey}})
	if err != nil {
		t.Fatal(err)
	}
	code := verifyCode.FindStringSubmatch(take("/dana")[0].Title)
	if _, err := a.Services.Contacts.VerifyContact(ctx, me, c.ID, code[1]); err != nil {
		t.Fatal(err)
	}
	inc, err := a.Services.Incidents.Declare(ctx, "lena", incident.DeclareInput{Title: "Leaked deploy key"})
	if err != nil {
		t.Fatal(err)
	}
	lena := incident.Viewer{User: "lena"}
	// Due by the end of Saturday the 12th: reminded two days before, at
	// the start of the 11th, overdue from the 13th.
	it, err := a.Services.Actions.Create(ctx, lena, inc.Ref, actions.Input{Title: "Rotate every deploy key", Owner: "dana", Due: "2026-12-12", Priority: actions.P1})
	if err != nil {
		t.Fatal(err)
	}
	// The new item opened issue #42, which is now its tracker link.
	got, err := a.Services.Actions.Get(ctx, lena, it.ID)
	if err != nil || got.Tracker != (actions.Tracker{URL: "https://github.example/acme/security/issues/42", Key: "#42"}) || got.UpdatedBy != "firebreak" {
		t.Fatalf("after the issue: %+v %v", got, err)
	}
	if len(issues) != 1 || issues[0]["title"] != "[ACT-1] Rotate every deploy key" || !strings.Contains(issues[0]["body"].(string), "http://firebreak.test/actions/ACT-1") {
		t.Fatalf("issues: %v", issues)
	}
	// The webhook heard the creation and the link, signed.
	hs := take("/actions")
	if len(hs) != 2 || hs[0].Fields["event"] != "action.created" || hs[0].Fields["action"] != "ACT-1" || hs[0].Fields["owner"] != "dana" ||
		hs[0].Fields["due"] != "2026-12-12" || hs[0].Fields["incident"] != inc.Ref || hs[0].URL != "http://firebreak.test/actions/ACT-1" ||
		hs[1].Fields["event"] != "action.updated" || hs[1].Fields["changed"] != "tracker" || hs[1].Fields["tracker_key"] != "#42" {
		t.Fatalf("webhook: %+v", hs)
	}
	// One done before its reminders reminds nobody.
	early, err := a.Services.Actions.Create(ctx, lena, inc.Ref, actions.Input{Title: "Tell the team", Owner: "dana", Due: "2026-12-08", Kind: actions.Process})
	if err != nil {
		t.Fatal(err)
	}
	done := actions.Done
	if _, err := a.Services.Actions.Update(ctx, incident.Viewer{User: "dana"}, early.ID, actions.Patch{State: &done}); err != nil {
		t.Fatal(err)
	}
	take("/actions")
	// Its reminders (half-way, given under two days, and at the end of
	// the 8th) find it done.
	clock.Advance(39 * time.Hour) // 2026-12-09 00:00
	run()
	if r := take("/dana"); len(r) != 0 {
		t.Fatalf("reminded of a done item or too early: %+v", r)
	}
	clock.Advance(48 * time.Hour) // 2026-12-11 00:00: two days before the end of the 12th
	run()
	r := take("/dana")
	if len(r) != 1 || r[0].Title != `ACT-1: action item "Rotate every deploy key" due in 2 d 0 h` || r[0].Fields["mark"] != "before" {
		t.Fatalf("before: %+v", r)
	}
	clock.Advance(48 * time.Hour) // 2026-12-13 00:00
	run()
	r = take("/dana")
	if len(r) != 1 || !strings.Contains(r[0].Title, "overdue") || r[0].Fields["mark"] != "overdue" {
		t.Fatalf("overdue: %+v", r)
	}
	// The incident closes; the item is still closed after it, heard by
	// the webhook.
	if _, err := a.Services.Incidents.Transition(ctx, incident.Command{Actor: lena, Ref: inc.Ref}, incident.Dismissed, "handled elsewhere"); err != nil {
		t.Fatal(err)
	}
	if _, err := a.Services.Actions.Update(ctx, incident.Viewer{User: "dana"}, it.ID, actions.Patch{State: &done}); err != nil {
		t.Fatal(err)
	}
	if hs := take("/actions"); len(hs) != 1 || hs[0].Fields["state"] != "done" {
		t.Fatalf("after the incident ended: %+v", hs)
	}
	// The token went as a header, and was never written to the database.
	if err := a.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	raw, err := os.ReadFile(dsn)
	if err != nil {
		t.Fatal(err)
	}
	wal, _ := os.ReadFile(dsn + "-wal")
	if strings.Contains(string(raw)+string(wal), token) || strings.Contains(string(raw)+string(wal), hookKey) {
		t.Fatal("a secret of the action item hooks was stored")
	}
}
