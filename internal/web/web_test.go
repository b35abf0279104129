package web_test

import (
	"context"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

type site struct {
	app *app.App
	url string
}

func newSite(t *testing.T) *site { t.Helper(); return newSiteAt(t, time.Now) }

// newSiteAt runs the site on the clock now.
func newSiteAt(t *testing.T, now func() time.Time) *site {
	t.Helper()
	return newSiteOn(t, storetest.SQLiteDSN(t), now)
}

// newSiteOn runs the site on the database dsn.
func newSiteOn(t *testing.T, dsn string, now func() time.Time) *site {
	t.Helper()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: "fbk_test_bootstrap_admin_token_0123456789", Now: now})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	ctx := context.Background()
	for _, u := range []auth.UserInput{{Username: "alice", Role: auth.Responder}, {Username: "vera", Role: auth.Viewer}} {
		if _, err := a.Services.Auth.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
		if err := a.Services.Auth.SetPassword(ctx, u.Username, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	return &site{app: a, url: a.URL()}
}

// browser is a plain HTTP client with cookies that does not follow
// redirects, so tests see them.
func (s *site) browser(t *testing.T) *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *site) signIn(t *testing.T, user string) *http.Client {
	t.Helper()
	c := s.browser(t)
	resp := s.post(t, c, "/signin", url.Values{"username": {user}, "password": {"correct horse battery"}, "next": {"/incidents"}})
	if resp.status != http.StatusSeeOther || resp.location != "/incidents" {
		t.Fatalf("sign in as %s: %d %s\n%s", user, resp.status, resp.location, resp.body)
	}
	return c
}

type resp struct {
	status   int
	location string
	body     string
}

func do(t *testing.T, c *http.Client, req *http.Request) resp {
	t.Helper()
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{status: r.StatusCode, location: r.Header.Get("Location"), body: string(b)}
}

func (s *site) get(t *testing.T, c *http.Client, path string) resp {
	t.Helper()
	req, _ := http.NewRequest("GET", s.url+path, nil)
	return do(t, c, req)
}

func (s *site) post(t *testing.T, c *http.Client, path string, form url.Values, hdr ...string) resp {
	t.Helper()
	req, _ := http.NewRequest("POST", s.url+path, strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	return do(t, c, req)
}

func TestSignedOutSeesOnlySignIn(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.browser(t)
	for _, p := range []string{"/incidents", "/incidents/new", "/incidents/INC-1", "/incidents/INC-1/postmortem", "/admin/users", "/admin/tokens", "/account"} {
		r := s.get(t, c, p)
		if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/signin?next=") {
			t.Errorf("GET %s signed out: %d %q", p, r.status, r.location)
		}
	}
	for _, p := range []string{"/incidents", "/incidents/INC-1/transition", "/admin/users", "/admin/tokens", "/account/password"} {
		if r := s.post(t, c, p, url.Values{"title": {"x"}}); r.status != http.StatusUnauthorized {
			t.Errorf("POST %s signed out: %d", p, r.status)
		}
	}
	if r := s.get(t, c, "/events"); r.status != http.StatusUnauthorized {
		t.Errorf("events signed out: %d", r.status)
	}
	if r := s.get(t, c, "/signin"); r.status != 200 || !strings.Contains(r.body, `name="password"`) {
		t.Errorf("sign-in page: %d", r.status)
	}
}

func TestSignIn(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.browser(t)
	r := s.post(t, c, "/signin", url.Values{"username": {"alice"}, "password": {"wrong password!"}})
	if r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Wrong username or password.") || !strings.Contains(r.body, `value="alice"`) {
		t.Fatalf("bad password: %d", r.status)
	}
	// Redirects after sign-in stay on this site.
	r = s.post(t, c, "/signin", url.Values{"username": {"alice"}, "password": {"correct horse battery"}, "next": {"//evil.example/"}})
	if r.status != http.StatusSeeOther || r.location != "/incidents" {
		t.Fatalf("open redirect: %d %q", r.status, r.location)
	}
	if r := s.get(t, c, "/incidents"); r.status != 200 {
		t.Fatalf("after sign-in: %d", r.status)
	}
	if r := s.post(t, c, "/signout", nil); r.status != http.StatusSeeOther {
		t.Fatalf("sign out: %d", r.status)
	}
	if r := s.get(t, c, "/incidents"); r.status != http.StatusSeeOther {
		t.Fatalf("after sign-out: %d", r.status)
	}
	// Five wrong guesses lock the account for a while, even for the right password.
	for range 5 {
		s.post(t, c, "/signin", url.Values{"username": {"vera"}, "password": {"nope nope nope"}})
	}
	if r := s.post(t, c, "/signin", url.Values{"username": {"vera"}, "password": {"correct horse battery"}}); r.status != http.StatusTooManyRequests || !strings.Contains(r.body, "Too many failed attempts") {
		t.Fatalf("after 5 failures: %d", r.status)
	}
}

func TestCrossSitePostIsRejected(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.signIn(t, "alice")
	for _, hdr := range [][]string{{"Sec-Fetch-Site", "cross-site"}, {"Origin", "http://evil.example"}} {
		r := s.post(t, c, "/incidents", url.Values{"title": {"forged"}}, hdr...)
		if r.status != http.StatusForbidden {
			t.Fatalf("cross-site post with %s: %d", hdr[0], r.status)
		}
	}
	p, _ := s.app.Services.Incidents.List(context.Background(), incident.Filter{Viewer: incident.Viewer{SeeAll: true}})
	if len(p.Items) != 0 {
		t.Fatalf("a forged post declared %d incidents", len(p.Items))
	}
	if r := s.post(t, c, "/incidents", url.Values{"title": {"real"}}, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusSeeOther {
		t.Fatalf("same-origin post: %d %s", r.status, r.body)
	}
}

func TestViewerHasNoActions(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	s.post(t, alice, "/incidents", url.Values{"title": {"Disk full"}, "severity": {"SEV3"}})
	vera := s.signIn(t, "vera")
	r := s.get(t, vera, "/incidents/INC-1")
	if r.status != 200 || strings.Contains(r.body, "/transition") || strings.Contains(r.body, "Add to timeline") || strings.Contains(r.body, "Declare incident") {
		t.Fatalf("viewer page shows actions (%d)", r.status)
	}
	for _, p := range []string{"/incidents/INC-1/transition", "/incidents/INC-1/entries", "/incidents/INC-1/roles", "/incidents", "/admin/users"} {
		if r := s.post(t, vera, p, url.Values{"to": {"active"}, "body": {"x"}, "kind": {"note"}, "title": {"x"}}); r.status != http.StatusForbidden {
			t.Errorf("viewer POST %s: %d", p, r.status)
		}
	}
	if r := s.get(t, alice, "/admin/users"); r.status != http.StatusForbidden {
		t.Errorf("responder on admin page: %d", r.status)
	}
}

func TestWholeIncidentWithoutScript(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	c := s.signIn(t, "alice")
	r := s.post(t, c, "/incidents", url.Values{"title": {"Leaked key"}, "severity": {"SEV1"}, "type": {"security.credential-compromise"}, "detected_at": {"2026-11-27T03:00"}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/incidents/INC-1") {
		t.Fatalf("declare: %d %s %s", r.status, r.location, r.body)
	}
	page := s.get(t, c, "/incidents/INC-1")
	if !strings.Contains(page.body, "Blocked:") || !strings.Contains(page.body, "needs an IR Lead") {
		t.Fatal("the blocked move and its rule are not shown")
	}
	step := func(path string, form url.Values, wantStatus int, want string) {
		t.Helper()
		r := s.post(t, c, "/incidents/INC-1"+path, form)
		if r.status != wantStatus {
			t.Fatalf("POST %s %v: %d\n%s", path, form, r.status, r.body)
		}
		if want != "" && !strings.Contains(r.body, want) {
			t.Fatalf("POST %s: answer lacks %q", path, want)
		}
	}
	v := func() string {
		inc, _ := s.app.Services.Incidents.Get(context.Background(), incident.Viewer{SeeAll: true}, "INC-1")
		return strconvI(inc.Version)
	}
	step("/transition", url.Values{"to": {"active"}, "version": {v()}}, 422, "needs an IR Lead")
	step("/roles", url.Values{"role": {"ir_lead"}, "user": {"alice"}}, 303, "")
	step("/transition", url.Values{"to": {"active"}, "version": {v()}}, 303, "")
	step("/transition", url.Values{"to": {"contained"}, "version": {v()}}, 422, "needs an Incident Commander")
	step("/roles", url.Values{"role": {"incident_commander"}, "user": {"alice"}}, 303, "")
	step("/transition", url.Values{"to": {"contained"}, "version": {v()}}, 303, "")
	// A stale edit keeps what was typed.
	step("/details", url.Values{"title": {"Leaked key"}, "root_cause": {"my careful analysis"}, "version": {"1"}}, 409, "my careful analysis")
	step("/details", url.Values{"title": {"Leaked key"}, "root_cause": {"CI token in a public repo"}, "affected": {"ci\nbuild"}, "version": {v()}}, 303, "")
	step("/transition", url.Values{"to": {"eradicated"}, "version": {v()}}, 303, "")
	step("/transition", url.Values{"to": {"recovered"}, "version": {v()}}, 303, "")
	step("/entries", url.Values{"kind": {"evidence"}, "body": {"first attacker login"}, "occurred_at": {"2026-11-27T03:12"}, "tz_offset": {"-60"}}, 303, "")
	step("/transition", url.Values{"to": {"closed"}, "version": {v()}}, 422, "needs a published post-mortem")
	r = s.post(t, c, "/incidents/INC-1/postmortem/review", url.Values{"version": {v()}})
	if r.status != 422 || !strings.Contains(r.body, "write a summary") {
		t.Fatalf("review without a summary: %d", r.status)
	}
	// alice is IR Lead and commander: the only possible reviewer, she may
	// approve what she wrote.
	for _, p := range []struct {
		path string
		form url.Values
	}{
		{"/incidents/INC-1/postmortem", url.Values{"save": {"1"}, "summary": {"# Review"}}},
		{"/incidents/INC-1/postmortem/review", url.Values{}},
		{"/incidents/INC-1/postmortem/reviews", url.Values{"verdict": {"approve"}}},
		{"/incidents/INC-1/postmortem/publish", url.Values{}},
	} {
		p.form.Set("version", v())
		if r = s.post(t, c, p.path, p.form); r.status != 303 {
			t.Fatalf("%s: %d %s", p.path, r.status, r.body)
		}
	}
	waiveOpenDuties(t, s.app.Services.Duties, "INC-1")
	step("/transition", url.Values{"to": {"closed"}, "version": {v()}}, 303, "")
	page = s.get(t, c, "/incidents/INC-1/timeline")
	for _, want := range []string{"Closed", "happened", "2026-11-27T02:12:00Z", "first attacker login", "recovered → closed"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("incident page lacks %q", want)
		}
	}
	inc, _ := s.app.Services.Incidents.Get(context.Background(), incident.Viewer{SeeAll: true}, "INC-1")
	if inc.State != incident.Closed || inc.Postmortem.Status != incident.PostmortemPublished || len(inc.Affected) != 2 {
		t.Fatalf("final state %s, post-mortem %s, affected %v", inc.State, inc.Postmortem.Status, inc.Affected)
	}
}

func strconvI(v int64) string { return strconv.FormatInt(v, 10) }

// TestLiveEventsRespectRestriction reads the event stream as a person would
// and checks a change arrives, and a restricted incident's change does not
// reach someone who may not see it.
func TestLiveEventsRespectRestriction(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	vera := s.signIn(t, "vera")
	req, _ := http.NewRequest("GET", s.url+"/events", nil)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	r, err := vera.Do(req.WithContext(ctx))
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	if ct := r.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Fatalf("content type %q", ct)
	}
	lines := make(chan string, 100)
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			if n > 0 {
				lines <- string(buf[:n])
			}
			if err != nil {
				close(lines)
				return
			}
		}
	}()
	next := func() string {
		for l := range lines {
			if strings.Contains(l, "event: change") {
				return l
			}
		}
		return ""
	}
	svc := s.app.Services.Incidents
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "secret", Restricted: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "open"}); err != nil {
		t.Fatal(err)
	}
	got := next()
	if !strings.Contains(got, `"ref":"INC-2"`) || strings.Contains(got, "INC-1") {
		t.Fatalf("first change vera heard: %q", got)
	}
}

// TestNewAlertsRefreshQueuePages: a webhook delivery tells open pages.
func TestNewAlertsRefreshQueuePages(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	_, secret, err := s.app.Services.Triage.CreateIntegration(ctx, "admin", triage.IntegrationInput{Kind: alert.SourceGeneric, Name: "ci"})
	if err != nil {
		t.Fatal(err)
	}
	vera := s.signIn(t, "vera")
	req, _ := http.NewRequestWithContext(ctx, "GET", s.url+"/events", nil)
	r, err := vera.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	got := make(chan string, 1)
	go func() {
		var all strings.Builder
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			all.Write(buf[:n])
			if strings.Contains(all.String(), "triage.alerts") {
				got <- all.String()
				return
			}
			if err != nil {
				got <- all.String()
				return
			}
		}
	}()
	resp, err := http.Post(s.url+"/hooks/generic/"+secret, "application/json", strings.NewReader(`{"summary":"disk full on db-1","labels":{"host":"db-1"}}`))
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("webhook: %v %v", resp, err)
	}
	resp.Body.Close()
	select {
	case stream := <-got:
		if !strings.Contains(stream, `"type":"triage.alerts"`) {
			t.Fatalf("stream: %q", stream)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("no live event after a webhook delivery")
	}
}
