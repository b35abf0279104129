package main

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
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

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

const e2eHookKey = "e2e-webhook-signing-key-0123456789"

// pageInbox is a loopback webhook receiver that verifies each signature
// and records when each user's pages arrive (the path names the user).
type pageInbox struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]arrival
}

type arrival struct {
	at time.Time
	p  notify.WebhookPayload
}

func newPageInbox(t *testing.T) *pageInbox {
	in := &pageInbox{got: map[string][]arrival{}}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		at := time.Now()
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature([]byte(e2eHookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, at, 0); err != nil {
			t.Errorf("page to %s: %v", r.URL.Path, err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		json.Unmarshal(body, &p)
		user := strings.TrimPrefix(r.URL.Path, "/")
		in.mu.Lock()
		in.got[user] = append(in.got[user], arrival{at, p})
		in.mu.Unlock()
	}))
	t.Cleanup(in.srv.Close)
	return in
}

func (in *pageInbox) pages(user string) []arrival {
	in.mu.Lock()
	defer in.mu.Unlock()
	return append([]arrival(nil), in.got[user]...)
}

// waitPages waits until user has n pages, up to limit.
func (in *pageInbox) waitPages(t *testing.T, user string, n int, limit time.Duration) []arrival {
	t.Helper()
	deadline := time.Now().Add(limit)
	for {
		if p := in.pages(user); len(p) >= n {
			return p
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s got %d pages within %s, want %d", user, len(in.pages(user)), limit, n)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

var e2eCode = regexp.MustCompile(`code (\d{6})`)

// preparePaging sets up, in-process and before the server runs, users
// with verified webhook contacts, a schedule, a two-step policy and two
// services with generic integrations; it returns the integrations' secrets.
func preparePaging(t *testing.T, dsn string, in *pageInbox) map[string]string {
	t.Helper()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken, Version: "e2e",
		Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	pg := a.Services
	for _, u := range []string{"alice", "carol"} {
		if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder}); err != nil {
			t.Fatal(err)
		}
		me := contacts.Actor{User: u}
		c, err := pg.Contacts.AddContact(ctx, me, u, contacts.ContactInput{Name: "hook",
			Target: notify.Target{Kind: notify.KindWebhook, Address: in.srv.URL + "/" + u, Secret: e2eHookKey}})
		if err != nil {
			t.Fatal(err)
		}
		got := in.pages(u)
		m := e2eCode.FindStringSubmatch(got[len(got)-1].p.Title)
		if m == nil {
			t.Fatalf("no verification code for %s", u)
		}
		if _, err := pg.Contacts.VerifyContact(ctx, me, c.ID, m[1]); err != nil {
			t.Fatal(err)
		}
	}
	sch := oncall.Schedule{Name: "primary", TimeZone: "UTC", Layers: []oncall.Layer{{Name: "all", Users: []string{"alice"},
		Start: time.Now().Add(-24 * time.Hour), Rotation: oncall.Rotation{Kind: oncall.Weekly}}}}
	pol := oncall.Policy{Name: "ladder", Steps: []oncall.Step{
		{Targets: []oncall.Target{{Kind: oncall.TargetSchedule, Name: "primary"}}, Delay: 1},
		{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "carol"}}, Delay: 1},
	}}
	if err := pg.Roster.Change(ctx, "admin", []any{sch, pol, roster.Service{Name: "checkout", Policy: "ladder"}, roster.Service{Name: "search", Policy: "ladder"}}, nil); err != nil {
		t.Fatal(err)
	}
	secrets := map[string]string{}
	for _, svc := range []string{"checkout", "search"} {
		_, secret, err := a.Services.Triage.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceGeneric, Name: svc + "-alerts", Service: svc})
		if err != nil {
			t.Fatal(err)
		}
		secrets[svc] = secret
	}
	return secrets
}

func fireGeneric(t *testing.T, base, secret, key string) {
	t.Helper()
	body := fmt.Sprintf(`{"dedup_key": %q, "action": "trigger", "summary": "%s is failing", "severity": "critical"}`, key, key)
	resp, err := http.Post(base+"/hooks/generic/"+secret, "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("alert: %d %s", resp.StatusCode, b)
	}
}

// TestKillDuringEscalation: two escalations are under way (alice was paged
// by step 1 of each) when the server is killed with SIGKILL. After a
// restart, step 2 of both pages carol when it is due — not before, and
// within a second — and no step is skipped: every page is there, a
// duplicate being the only acceptable difference.
func TestKillDuringEscalation(t *testing.T) {
	if testing.Short() {
		t.Skip("takes over a minute of real time; skipped with -short")
	}
	in := newPageInbox(t)
	dir := t.TempDir()
	secrets := preparePaging(t, filepath.Join(dir, "firebreak.db"), in)
	// The pages go to a receiver on this host, which the policy must allow.
	policy := filepath.Join(t.TempDir(), "policy.yaml")
	if err := os.WriteFile(policy, []byte("outbound:\n  allow: [127.0.0.0/8]\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	s := startServer(t, "--data-dir", dir, "--policy", policy)

	fired := time.Now()
	fireGeneric(t, s.URL, secrets["checkout"], "checkout-5xx")
	fireGeneric(t, s.URL, secrets["search"], "search-latency")
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		db, err := sql.Open("sqlite", filepath.Join(dir, "firebreak.db"))
		if err != nil {
			t.Log(err)
			return
		}
		defer db.Close()
		for _, q := range []string{`SELECT id, state, doc FROM escalations`, `SELECT id, kind, state, last_error FROM outbox_deliveries`, `SELECT id, kind, state, run_at, last_error FROM jobs`, `SELECT id, status, doc FROM alert_groups`} {
			rows, err := db.Query(q)
			if err != nil {
				t.Log(err)
				continue
			}
			cols, _ := rows.Columns()
			for rows.Next() {
				vals := make([]any, len(cols))
				ptrs := make([]any, len(cols))
				for i := range vals {
					ptrs[i] = &vals[i]
				}
				rows.Scan(ptrs...)
				t.Logf("%s: %v", q, vals)
			}
			rows.Close()
		}
	})
	first := in.waitPages(t, "alice", 3, 10*time.Second) // the verification code and 2 pages
	for _, a := range first[1:] {
		t.Logf("step 1 page arrived %s after the alert", a.at.Sub(fired).Round(time.Millisecond))
	}
	due := first[1].at.Add(time.Minute) // step 1 ran just before its page arrived

	if err := s.cmd.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	<-s.done
	// The process is gone (the positive signal): carol has only her
	// verification code, and step 2 is owed to her by the restart alone.
	if n := len(in.pages("carol")); n != 1 {
		t.Fatalf("carol was paged before step 2 was due: %d", n)
	}
	restarted := startServer(t, "--data-dir", dir, "--policy", policy)
	defer restarted.stop(t)

	got := in.waitPages(t, "carol", 3, time.Until(due)+30*time.Second)
	for _, a := range got[1:] {
		late := a.at.Sub(due)
		t.Logf("step 2 page %q arrived %s after it was due", a.p.Title, late.Round(time.Millisecond))
		if late < -500*time.Millisecond {
			t.Fatalf("step 2 fired %s early", -late)
		}
		if late > time.Second {
			t.Fatalf("step 2 fired %s late (due within 1 s)", late)
		}
		if a.p.AckURL == "" {
			t.Fatal("page without an acknowledgement link")
		}
	}
	titles := map[string]bool{}
	for _, a := range got[1:] {
		titles[a.p.Title] = true
	}
	if len(titles) != 2 {
		t.Fatalf("step 2 should page about both alerts, got %v", titles)
	}
	// Acknowledge one by its link: GET shows a page and changes nothing,
	// POST acknowledges.
	ack := got[1].p.AckURL
	ack = restarted.URL + ack[strings.Index(ack, "/ack/"):]
	resp, err := http.Post(ack, "application/x-www-form-urlencoded", nil)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("ack link POST: %d", resp.StatusCode)
	}
}
