package notices_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// inbox is a loopback webhook receiver that checks every signature and
// keeps the messages per URL path.
type inbox struct {
	srv *httptest.Server
	mu  sync.Mutex
	got map[string][]notify.WebhookPayload
}

const hookKey = "0123456789abcdef-notices"

func newInbox(t *testing.T, now func() time.Time) *inbox {
	in := &inbox{got: map[string][]notify.WebhookPayload{}}
	in.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature([]byte(hookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, now(), 0); err != nil {
			t.Errorf("webhook to %s: bad signature: %v", r.URL.Path, err)
			http.Error(w, "bad signature", http.StatusUnauthorized)
			return
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("webhook body: %v", err)
		}
		in.mu.Lock()
		in.got[strings.TrimPrefix(r.URL.Path, "/")] = append(in.got[strings.TrimPrefix(r.URL.Path, "/")], p)
		in.mu.Unlock()
	}))
	t.Cleanup(in.srv.Close)
	return in
}

// take returns and forgets the messages sent to path.
func (in *inbox) take(path string) []notify.WebhookPayload {
	in.mu.Lock()
	defer in.mu.Unlock()
	m := in.got[path]
	delete(in.got, path)
	return m
}

type world struct {
	app   *app.App
	svc   *notices.Service
	clock *storetest.Clock
	inbox *inbox
	ctx   context.Context
}

var start = time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC) // a Wednesday

func newWorld(t *testing.T, b storetest.Backend, cfg notices.Config) *world {
	t.Helper()
	ctx := context.Background()
	clock := storetest.NewClock(start)
	w := &world{clock: clock, ctx: ctx}
	w.inbox = newInbox(t, clock.Now)
	dsn := storetest.SQLiteDSN(t)
	if b.Name == "postgres" {
		dsn = storetest.PostgresDSN(t)
	}
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Version: "test", Now: clock.Now, PublicURL: "http://firebreak.test", Notices: cfg,
		Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	w.app, w.svc = a, a.Services.Notices
	for _, s := range []interface{ SetBaseURL(string) }{w.app.Services.Roster, w.app.Services.Contacts, w.app.Services.Escalations} {
		s.SetBaseURL("http://firebreak.test")
	}
	w.svc.SetBaseURL("http://firebreak.test")
	for _, u := range []string{"alice", "bob", "carol"} {
		if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder}); err != nil {
			t.Fatal(err)
		}
	}
	return w
}

var codeRE = regexp.MustCompile(`code (\d{6})`)

// reachable gives user a verified webhook contact at /user.
func (w *world) reachable(t *testing.T, user string) {
	t.Helper()
	me := contacts.Actor{User: user}
	c, err := w.app.Services.Contacts.AddContact(w.ctx, me, user, contacts.ContactInput{Name: "hook",
		Target: notify.Target{Kind: notify.KindWebhook, Address: w.inbox.srv.URL + "/" + user, Secret: hookKey}})
	if err != nil {
		t.Fatal(err)
	}
	msgs := w.inbox.take(user)
	if len(msgs) != 1 {
		t.Fatalf("%s: want one verification message, got %d", user, len(msgs))
	}
	m := codeRE.FindStringSubmatch(msgs[0].Title)
	if m == nil {
		t.Fatalf("no code in %q", msgs[0].Title)
	}
	if _, err := w.app.Services.Contacts.VerifyContact(w.ctx, me, c.ID, m[1]); err != nil {
		t.Fatal(err)
	}
}

// run runs every job due now, as the engine's loop would.
func (w *world) run(t *testing.T) {
	t.Helper()
	for range 20 {
		n, err := w.app.Engine.RunDue(w.ctx)
		if err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			return
		}
	}
	t.Fatal("jobs keep coming")
}

func (w *world) advanceTo(t *testing.T, d time.Duration) {
	t.Helper()
	if now := w.clock.Now(); start.Add(d).After(now) {
		w.clock.Advance(start.Add(d).Sub(now))
	}
	w.run(t)
}

func (w *world) declare(t *testing.T, in incident.DeclareInput) incident.Incident {
	t.Helper()
	inc, err := w.app.Services.Incidents.Declare(w.ctx, "alice", in)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func viewer(user string) incident.Viewer { return incident.Viewer{User: user} }

func cmd(user, ref string) incident.Command { return incident.Command{Actor: viewer(user), Ref: ref} }

func wantCode(t *testing.T, err error, code errs.Code, contains string) {
	t.Helper()
	if errs.CodeOf(err) != code || !strings.Contains(errText(err), contains) {
		t.Fatalf("got %v (code %s), want code %s containing %q", err, errs.CodeOf(err), code, contains)
	}
}

func errText(err error) string {
	if err == nil {
		return ""
	}
	return err.Error()
}

func eventTypes(t *testing.T, w *world, ref string) []string {
	t.Helper()
	_, evs, err := w.app.Services.Incidents.Timeline(w.ctx, incident.Viewer{SeeAll: true}, ref)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range evs {
		out = append(out, e.Type)
	}
	return out
}

func count(list []string, v string) int {
	n := 0
	for _, x := range list {
		if x == v {
			n++
		}
	}
	return n
}

// markerRE is a part still to be written.
var markerRE = regexp.MustCompile(`\[\[[^\n]*?\]\]`)

// fill writes every part a template left to a person.
func fill(text string) string { return markerRE.ReplaceAllString(text, "written") }
