package web_test

import (
	"context"
	"html"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-ical"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// outbox stands in for every outbound channel: it keeps each message and
// answers 200.
type outbox struct {
	mu   sync.Mutex
	sent []sentMessage
}

type sentMessage struct {
	to  notify.Target
	msg notify.Message
}

func (o *outbox) Notify(_ context.Context, t notify.Target, m notify.Message) (notify.Result, error) {
	o.mu.Lock()
	defer o.mu.Unlock()
	o.sent = append(o.sent, sentMessage{t, m})
	return notify.Result{Channel: t.Kind, Target: t.Address, StatusCode: 200, Latency: 3 * time.Millisecond}, nil
}

// wait returns the first message, after skip matching ones, that matches,
// waiting up to five seconds for the job engine to send it.
func (o *outbox) wait(t *testing.T, what string, match func(sentMessage) bool) sentMessage {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		o.mu.Lock()
		for i := len(o.sent) - 1; i >= 0; i-- {
			if match(o.sent[i]) {
				m := o.sent[i]
				o.mu.Unlock()
				return m
			}
		}
		o.mu.Unlock()
		time.Sleep(10 * time.Millisecond)
	}
	t.Fatalf("no message %s was sent", what)
	return sentMessage{}
}

var codeRE = regexp.MustCompile(`verification code (\d{6})`)

// code is the latest verification code sent to address.
func (o *outbox) code(t *testing.T, address string) string {
	t.Helper()
	m := o.wait(t, "with a code to "+address, func(m sentMessage) bool {
		return m.to.Address == address && codeRE.MatchString(m.msg.Title)
	})
	return codeRE.FindStringSubmatch(m.msg.Title)[1]
}

// clock is time.Now moved by an offset the test sets.
type clock struct {
	mu  sync.Mutex
	off time.Duration
}

func (c *clock) now() time.Time { c.mu.Lock(); defer c.mu.Unlock(); return time.Now().Add(c.off) }

func (c *clock) advance(d time.Duration) { c.mu.Lock(); c.off += d; c.mu.Unlock() }

type pagingSite struct {
	*site
	out   *outbox
	clock *clock
	svc   *app.Services
}

// newPagingSite runs the site with an outbox for a notifier and a clock
// the test can move, with users admin, alice and bob (responders) and vera
// (viewer), a schedule "primary" in Europe/Berlin where alice is on call
// now and bob next, and a policy "default" paging it.
func newPagingSite(t *testing.T) *pagingSite {
	t.Helper()
	out, c := &outbox{}, &clock{}
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t),
		BootstrapToken: "fbk_test_bootstrap_admin_token_0123456789", Now: c.now, Notifier: out})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	ctx := context.Background()
	for _, u := range []auth.UserInput{{Username: "alice", Role: auth.Responder}, {Username: "bob", Role: auth.Responder}, {Username: "vera", Role: auth.Viewer}} {
		if _, err := a.Services.Auth.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"admin", "alice", "bob", "vera"} {
		if err := a.Services.Auth.SetPassword(ctx, u, "correct horse battery"); err != nil {
			t.Fatal(err)
		}
	}
	p := a.Services
	if err := p.Roster.Put(ctx, "admin", primary(time.Now())); err != nil {
		t.Fatal(err)
	}
	pol := oncall.Policy{Name: "default", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetSchedule, Name: "primary"}}, Delay: 15}}}
	if err := p.Roster.Put(ctx, "admin", pol); err != nil {
		t.Fatal(err)
	}
	return &pagingSite{site: &site{app: a, url: a.URL()}, out: out, clock: c, svc: p}
}

// primary hands off daily at the hour before now: alice until then, bob
// the next day, and so on.
func primary(now time.Time) oncall.Schedule {
	return oncall.Schedule{Name: "primary", TimeZone: "Europe/Berlin", Layers: []oncall.Layer{{Name: "daily", Users: []string{"alice", "bob"},
		Start: now.Add(-time.Hour).Truncate(time.Minute), Rotation: oncall.Rotation{Kind: oncall.Daily}}}}
}

// confirmedContact gives user a confirmed webhook contact, through the service.
func (s *pagingSite) confirmedContact(t *testing.T, user string) contacts.Contact {
	t.Helper()
	ctx := context.Background()
	addr := "https://hooks.example/" + user + "/0123456789"
	c, err := s.svc.Contacts.AddContact(ctx, contacts.Actor{User: user}, user, contacts.ContactInput{Name: user + " hook",
		Target: notify.Target{Kind: notify.KindWebhook, Address: addr, Secret: "0123456789abcdef0123"}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.svc.Contacts.VerifyContact(ctx, contacts.Actor{User: user}, c.ID, s.out.code(t, addr)); err != nil {
		t.Fatal(err)
	}
	return c
}

// pageAbout pages user about the incident by hand, as bob, and returns the
// escalation and the acknowledgement link's token from the message.
func (s *pagingSite) pageAbout(t *testing.T, ref, user string) (escalation.Escalation, string) {
	t.Helper()
	e, err := s.svc.Escalations.PageIncident(context.Background(), incident.Viewer{User: "bob"}, ref,
		escalation.PageInput{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: user}}, Message: "Please look at the login errors"})
	if err != nil {
		t.Fatal(err)
	}
	m := s.out.wait(t, "paging "+user, func(m sentMessage) bool {
		return m.msg.AckURL != "" && m.msg.Fields["escalation"] == e.ID
	})
	u, err := url.Parse(m.msg.AckURL)
	if err != nil || !strings.HasPrefix(u.Path, "/ack/") {
		t.Fatalf("ack URL %q", m.msg.AckURL)
	}
	return e, strings.TrimPrefix(u.Path, "/ack/")
}

func (s *pagingSite) escalation(t *testing.T, id string) escalation.Escalation {
	t.Helper()
	e, _, err := s.svc.Escalations.Escalation(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return e
}

func TestAckLink(t *testing.T) {
	t.Parallel()
	s := newPagingSite(t)
	s.confirmedContact(t, "alice")
	if _, err := s.app.Services.Incidents.Declare(context.Background(), "bob", incident.DeclareInput{Title: "Login errors", Severity: "SEV3", Source: incident.SourceInternal}); err != nil {
		t.Fatal(err)
	}
	e, token := s.pageAbout(t, "INC-1", "alice")
	anon := s.browser(t) // nobody signed in: the link is the credential

	// Opening the link (as a mail scanner would) only asks.
	r := s.get(t, anon, "/ack/"+token)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Acknowledge this page?") || !strings.Contains(r.body, `action="/ack/`+token+`"`) {
		t.Fatalf("GET /ack: %d\n%s", r.status, r.body)
	}
	for _, want := range []string{"INC-1", "Login errors", "<b>alice</b> by webhook", "https://hooks.example/…", "Please look at the login errors"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the confirmation page lacks %q", want)
		}
	}
	s.get(t, anon, "/ack/"+token)
	time.Sleep(100 * time.Millisecond)
	if st := s.escalation(t, e.ID).State; st != escalation.Open {
		t.Fatalf("after two GETs the escalation is %s, want open", st)
	}

	// A post from another site is refused by the cross-origin guard.
	if r := s.post(t, anon, "/ack/"+token, nil, "Sec-Fetch-Site", "cross-site"); r.status != http.StatusForbidden {
		t.Errorf("cross-site POST /ack: %d, want 403", r.status)
	}
	if st := s.escalation(t, e.ID).State; st != escalation.Open {
		t.Fatalf("after a cross-site post the escalation is %s", st)
	}

	// The page's own button, without a session.
	r = s.post(t, anon, "/ack/"+token, nil, "Sec-Fetch-Site", "same-origin", "Origin", s.url)
	if r.status != http.StatusOK || !strings.Contains(r.body, "Acknowledged — you are now IR Lead of INC-1.") {
		t.Fatalf("POST /ack: %d\n%s", r.status, r.body)
	}
	if got := s.escalation(t, e.ID); got.State != escalation.Acknowledged || got.AckedBy != "alice" {
		t.Fatalf("after POST the escalation is %s by %q", got.State, got.AckedBy)
	}
	deadline := time.Now().Add(5 * time.Second)
	for {
		inc, err := s.app.Services.Incidents.Get(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, "INC-1")
		if err != nil {
			t.Fatal(err)
		}
		if h := inc.Holders(incident.IRLead); len(h) == 1 && h[0] == "alice" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("alice did not become IR Lead: %v", inc.Roles)
		}
		time.Sleep(20 * time.Millisecond)
	}

	// A replay is refused.
	if r := s.post(t, anon, "/ack/"+token, nil, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusConflict || !strings.Contains(r.body, "Already acknowledged by alice.") {
		t.Errorf("replayed POST /ack: %d\n%s", r.status, r.body)
	}

	// A forged token: another signature, or none.
	forged := token[:len(token)-2] + "xx"
	if strings.HasSuffix(token, "xx") {
		forged = token[:len(token)-2] + "yy"
	}
	for _, tok := range []string{forged, "nonsense", strings.Join(strings.Split(token, ".")[:2], ".") + ".", "a.b.c"} {
		if r := s.get(t, anon, "/ack/"+url.PathEscape(tok)); r.status != http.StatusNotFound || !strings.Contains(r.body, "not valid") {
			t.Errorf("GET /ack/%s: %d", tok, r.status)
		}
		if r := s.post(t, anon, "/ack/"+url.PathEscape(tok), nil, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusNotFound {
			t.Errorf("POST /ack/%s: %d", tok, r.status)
		}
	}

	// An expired link: a day later.
	e2, token2 := s.pageAbout(t, "INC-1", "alice")
	s.clock.advance(escalation.AckLinkTTL + time.Minute)
	if r := s.get(t, anon, "/ack/"+token2); r.status != http.StatusGone || !strings.Contains(r.body, "expired") {
		t.Errorf("GET expired /ack: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, anon, "/ack/"+token2, nil, "Sec-Fetch-Site", "same-origin"); r.status != http.StatusGone {
		t.Errorf("POST expired /ack: %d", r.status)
	}
	if st := s.escalation(t, e2.ID).State; st == escalation.Acknowledged {
		t.Errorf("an expired link acknowledged")
	}
}

func TestCalendarFeeds(t *testing.T) {
	t.Parallel()
	s := newPagingSite(t)
	ctx := context.Background()
	c := s.browser(t)
	feed := func(kind, name string) string {
		u, err := s.svc.Roster.CalendarURL(ctx, kind, name, "alice")
		if err != nil {
			t.Fatal(err)
		}
		return strings.TrimPrefix(u, s.url)
	}
	parse := func(path string) []ical.Event {
		t.Helper()
		req, _ := http.NewRequest("GET", s.url+path, nil)
		resp, err := c.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		if resp.StatusCode != http.StatusOK || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/calendar") {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		cal, err := ical.NewDecoder(resp.Body).Decode()
		if err != nil {
			t.Fatalf("GET %s: not iCalendar: %v", path, err)
		}
		return cal.Events()
	}
	summaries := func(evs []ical.Event) []string {
		var out []string
		for _, e := range evs {
			v, _ := e.Props.Text(ical.PropSummary)
			out = append(out, v)
		}
		return out
	}

	sched := summaries(parse(feed("schedule", "primary")))
	// A week back to 90 days ahead of a daily rotation that started an hour ago.
	if len(sched) < 85 || !strings.HasPrefix(sched[0], "alice on call: primary") || !strings.HasPrefix(sched[1], "bob on call: primary") {
		t.Fatalf("schedule feed has %d events: %.3q", len(sched), sched)
	}
	mine := summaries(parse(feed("user", "alice")))
	if len(mine) < 40 || len(mine) > 50 {
		t.Errorf("alice's feed has %d events, want about 45", len(mine))
	}
	for _, sm := range mine {
		if !strings.HasPrefix(sm, "alice on call: primary") {
			t.Errorf("alice's feed has %q", sm)
		}
	}
	if n := len(parse(feed("user", "vera"))); n != 0 {
		t.Errorf("vera, on call nowhere, has %d events", n)
	}

	// An hour later (the feed window moved), every event keeps its UID and
	// start; DTSTAMP is when each feed was made; alice's feed has the
	// schedule feed's events, UIDs included.
	byUID := func(evs []ical.Event) map[string]string {
		out := map[string]string{}
		for _, e := range evs {
			uid, _ := e.Props.Text(ical.PropUID)
			start, _ := e.DateTimeStart(time.UTC)
			sm, _ := e.Props.Text(ical.PropSummary)
			out[uid] = start.Format(time.RFC3339) + " " + sm
		}
		return out
	}
	stamp := func(evs []ical.Event) time.Time {
		v, _ := evs[0].Props.DateTime(ical.PropDateTimeStamp, time.UTC)
		return v
	}
	before, mineBefore := parse(feed("schedule", "primary")), parse(feed("user", "alice"))
	s.clock.advance(time.Hour)
	after := parse(feed("schedule", "primary"))
	a, b := byUID(before), byUID(after)
	for uid, ev := range a {
		if b[uid] != ev {
			t.Errorf("an hour later, UID %s is %q, was %q", uid, b[uid], ev)
		}
	}
	if len(a) != len(b) {
		t.Errorf("%d events, then %d an hour later", len(a), len(b))
	}
	if d := stamp(after).Sub(stamp(before)); d < time.Hour || d > time.Hour+time.Minute {
		t.Errorf("DTSTAMP moved by %s, want the hour between the two feeds", d)
	}
	for uid, ev := range byUID(mineBefore) {
		if a[uid] != ev {
			t.Errorf("alice's event %s %q is %q in the schedule feed", uid, ev, a[uid])
		}
	}

	good := feed("schedule", "primary")
	aliceTok := strings.TrimSuffix(strings.TrimPrefix(feed("user", "alice"), "/calendars/users/alice/"), ".ics")
	for _, p := range []string{
		strings.Replace(good, ".ics", "0.ics", 1),                 // a wrong token
		"/calendars/schedules/primary/" + aliceTok + ".ics",       // another feed's token
		"/calendars/users/bob/" + aliceTok + ".ics",               // alice's token for bob
		strings.TrimSuffix(good, ".ics"),                          // no .ics
		"/calendars/schedules/primary/.ics",                       // no token
		feed("schedule", "nope"),                                  // the right token of no schedule
		strings.Replace(good, "/primary/", "/Primary/", 1),        // another name
		"/calendars/schedules/primary/" + strings.Repeat("0", 40), // no suffix, wrong
	} {
		if r := s.get(t, c, p); r.status != http.StatusNotFound {
			t.Errorf("GET %s: %d, want 404", p, r.status)
		}
	}
}

func TestScheduleEditAsYAML(t *testing.T) {
	t.Parallel()
	s := newPagingSite(t)
	admin := s.signIn(t, "admin")

	r := s.get(t, admin, "/oncall/schedules/primary")
	if r.status != http.StatusOK || !strings.Contains(r.body, "time_zone: Europe/Berlin") || !strings.Contains(r.body, `name="text"`) {
		t.Fatalf("edit page: %d\n%s", r.status, r.body)
	}
	text := html.UnescapeString(regexp.MustCompile(`(?s)<textarea id="obj-text" name="text"[^>]*>(.*?)</textarea>`).FindStringSubmatch(r.body)[1])

	// An unknown user: the typed text stays, and the problem names its field.
	bad := strings.Replace(text, "- bob", "- zed", 1)
	r = s.post(t, admin, "/oncall/schedules/primary", url.Values{"text": {bad}, "format": {"yaml"}})
	if r.status != http.StatusUnprocessableEntity {
		t.Fatalf("unknown user: %d", r.status)
	}
	for _, want := range []string{html.EscapeString(bad), "<code>layers[0].users[1]</code>: unknown user &#34;zed&#34;", "Not saved: one problem is listed below. Your text is kept."} {
		if !strings.Contains(r.body, want) {
			t.Errorf("the answer lacks %q", want)
		}
	}
	// A key the type does not have: located by line.
	r = s.post(t, admin, "/oncall/schedules/primary", url.Values{"text": {"name: primary\ncolour: blue\n"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "<code>line 2, column 1</code>: unknown field &#34;colour&#34;") ||
		!strings.Contains(r.body, "colour: blue") {
		t.Errorf("unknown field: %d\n%s", r.status, r.body)
	}
	// Several problems at once, from the schedule's own checks.
	r = s.post(t, admin, "/oncall/schedules/primary", url.Values{"text": {`{"name": "primary", "time_zone": "Mars/Olympus", "layers": []}`}})
	for _, want := range []string{"<code>time_zone</code>: unknown time zone &#34;Mars/Olympus&#34;", "<code>layers</code>: at least one layer is required"} {
		if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, want) {
			t.Errorf("JSON with two problems: %d lacks %q", r.status, want)
		}
	}
	if sch, _ := s.svc.Roster.Schedule(context.Background(), "primary"); sch.TimeZone != "Europe/Berlin" || sch.Layers[0].Users[1] != "bob" {
		t.Fatalf("a failed edit changed the schedule: %+v", sch)
	}

	// A good edit saves.
	good := strings.Replace(text, "name: daily", "name: round-the-clock", 1)
	r = s.post(t, admin, "/oncall/schedules/primary", url.Values{"text": {good}})
	if r.status != http.StatusSeeOther || !strings.HasPrefix(r.location, "/oncall/schedules/primary?flash=") {
		t.Fatalf("good edit: %d %s\n%s", r.status, r.location, r.body)
	}
	if sch, _ := s.svc.Roster.Schedule(context.Background(), "primary"); sch.Layers[0].Name != "round-the-clock" {
		t.Fatalf("after saving, layer is %q", sch.Layers[0].Name)
	}

	// Create a team; a second of the same name is refused.
	team := "name: sre\nmembers: [alice, bob]\n"
	if r := s.post(t, admin, "/oncall/teams", url.Values{"text": {team}}); r.status != http.StatusSeeOther || r.location != "/oncall/teams/sre?flash="+url.QueryEscape("Created team sre.") {
		t.Fatalf("create team: %d %s\n%s", r.status, r.location, r.body)
	}
	if r := s.post(t, admin, "/oncall/teams", url.Values{"text": {team}}); r.status != http.StatusConflict || !strings.Contains(r.body, "already exists") {
		t.Errorf("a second team sre: %d", r.status)
	}
	// A policy still used by a service cannot be deleted; unused, it can.
	if r := s.post(t, admin, "/oncall/services", url.Values{"text": {"name: checkout\nteam: sre\npolicy: default\n"}}); r.status != http.StatusSeeOther {
		t.Fatalf("create service: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, admin, "/oncall/policies/default/delete", nil); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "<code>services.checkout.policy</code>: unknown escalation policy &#34;default&#34;") {
		t.Errorf("delete a used policy: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, admin, "/oncall/services/checkout/delete", nil); r.status != http.StatusSeeOther {
		t.Errorf("delete service: %d", r.status)
	}
	if r := s.post(t, admin, "/oncall/policies/default/delete", nil); r.status != http.StatusSeeOther {
		t.Errorf("delete an unused policy: %d\n%s", r.status, r.body)
	}
	if r := s.get(t, admin, "/oncall/policies/default"); r.status != http.StatusNotFound {
		t.Errorf("a deleted policy's page: %d", r.status)
	}
}

func TestOnCallEditingNeedsTheRole(t *testing.T) {
	t.Parallel()
	s := newPagingSite(t)
	vera, alice := s.signIn(t, "vera"), s.signIn(t, "alice")
	before, _ := s.svc.Roster.Schedule(context.Background(), "primary")

	r := s.get(t, vera, "/oncall/schedules/primary")
	if r.status != http.StatusOK || !strings.Contains(r.body, "time_zone: Europe/Berlin") {
		t.Fatalf("viewer's schedule page: %d", r.status)
	}
	for _, no := range []string{`name="text"`, `action="/oncall/schedules/primary/overrides"`, `/delete"`, "<button"} {
		if main := r.body[strings.Index(r.body, "<main"):strings.Index(r.body, "</main>")]; strings.Contains(main, no) {
			t.Errorf("a viewer's schedule page has %s", no)
		}
	}
	for _, c := range []struct {
		who  *http.Client
		name string
		path string
		form url.Values
	}{
		{vera, "vera", "/oncall/schedules/primary", url.Values{"text": {"name: primary\ntime_zone: UTC\n"}}},
		{vera, "vera", "/oncall/schedules", url.Values{"text": {"name: x\n"}}},
		{vera, "vera", "/oncall/schedules/primary/delete", nil},
		{vera, "vera", "/oncall/schedules/primary/overrides", url.Values{"user": {"vera"}, "from": {"2030-01-01T09:00"}, "to": {"2030-01-01T10:00"}}},
		{alice, "alice", "/oncall/schedules/primary", url.Values{"text": {"name: primary\ntime_zone: UTC\n"}}},
		{alice, "alice", "/oncall/policies/default/delete", nil},
	} {
		if r := s.post(t, c.who, c.path, c.form); r.status != http.StatusForbidden {
			t.Errorf("%s POST %s: %d, want 403", c.name, c.path, r.status)
		}
	}
	after, _ := s.svc.Roster.Schedule(context.Background(), "primary")
	if after.TimeZone != before.TimeZone || len(after.Overrides) != 0 {
		t.Fatalf("refused posts changed the schedule: %+v", after)
	}

	// A responder covers for someone, in the browser's zone (New York, 300
	// minutes behind UTC in January), then in the schedule's own zone when
	// no offset came with the form.
	r = s.post(t, alice, "/oncall/schedules/primary/overrides", url.Values{"user": {"bob"}, "from": {"2030-01-07T09:00"}, "to": {"2030-01-07T17:00"},
		"tz_offset_from": {"300"}, "tz_offset_to": {"300"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add override: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, "/oncall/schedules/primary/overrides", url.Values{"user": {"alice"}, "from": {"2030-01-08T09:00"}, "to": {"2030-01-08T17:00"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add override without offsets: %d\n%s", r.status, r.body)
	}
	sch, _ := s.svc.Roster.Schedule(context.Background(), "primary")
	want := []string{"bob 2030-01-07T14:00:00Z 2030-01-07T22:00:00Z", "alice 2030-01-08T08:00:00Z 2030-01-08T16:00:00Z"}
	for i, o := range sch.Overrides {
		if got := o.User + " " + o.From.UTC().Format(time.RFC3339) + " " + o.To.UTC().Format(time.RFC3339); i >= len(want) || got != want[i] {
			t.Errorf("override %d is %s", i, got)
		}
	}
	// Overlapping another override: refused, and what was typed is kept.
	r = s.post(t, alice, "/oncall/schedules/primary/overrides", url.Values{"user": {"alice"}, "from": {"2030-01-07T16:00"}, "to": {"2030-01-07T17:00"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "overlaps overrides[0]") || !strings.Contains(r.body, `value="2030-01-07T16:00"`) {
		t.Errorf("overlapping override: %d", r.status)
	}
	// Removing needs the override the person saw.
	if r := s.post(t, alice, "/oncall/schedules/primary/overrides/remove", url.Values{"index": {"0"}, "user": {"alice"}, "from": {"2030-01-08T08:00:00Z"}}); r.status != http.StatusConflict {
		t.Errorf("remove a moved override: %d", r.status)
	}
	if r := s.post(t, alice, "/oncall/schedules/primary/overrides/remove", url.Values{"index": {"0"}, "user": {"bob"}, "from": {"2030-01-07T14:00:00Z"}}); r.status != http.StatusSeeOther {
		t.Errorf("remove override: %d", r.status)
	}
	if sch, _ := s.svc.Roster.Schedule(context.Background(), "primary"); len(sch.Overrides) != 1 || sch.Overrides[0].User != "alice" {
		t.Errorf("after removing: %+v", sch.Overrides)
	}
}

func TestMyOnCall(t *testing.T) {
	t.Parallel()
	s := newPagingSite(t)
	alice := s.signIn(t, "alice")
	const addr = "https://hooks.example/alice/abcdefgh"

	// A bad address is refused with the field named; what was typed stays.
	r := s.post(t, alice, "/oncall/me/contacts", url.Values{"kind": {"webhook"}, "name": {"pager"}, "address": {"ftp://x"}, "secret": {"0123456789abcdef"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "target.address: a webhook contact needs an http or https URL") || !strings.Contains(r.body, `value="ftp://x"`) {
		t.Fatalf("bad contact: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, "/oncall/me/contacts", url.Values{"kind": {"webhook"}, "name": {"pager"}, "address": {addr}, "secret": {"0123456789abcdef"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("add contact: %d\n%s", r.status, r.body)
	}
	code := s.out.code(t, addr)
	page := s.get(t, alice, "/oncall/me")
	m := regexp.MustCompile(`action="/oncall/me/contacts/([^/]+)/verify"`).FindStringSubmatch(page.body)
	if m == nil || !strings.Contains(page.body, "waiting for its code") || !strings.Contains(page.body, "https://hooks.example/…") || strings.Contains(page.body, "abcdefgh") {
		t.Fatalf("my page before the code:\n%s", page.body)
	}
	id := m[1]
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	if r := s.post(t, alice, "/oncall/me/contacts/"+id+"/verify", url.Values{"code": {wrong}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "code: that is not the code we sent") {
		t.Errorf("wrong code: %d", r.status)
	}
	if r := s.post(t, alice, "/oncall/me/contacts/"+id+"/verify", url.Values{"code": {code}}); r.status != http.StatusSeeOther {
		t.Fatalf("right code: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, alice, "/oncall/me/contacts/"+id+"/test", nil); r.status != http.StatusSeeOther || !strings.Contains(r.location, url.QueryEscape("Test page sent: answered 200")) {
		t.Errorf("test: %d %s", r.status, r.location)
	}
	if r := s.post(t, alice, "/oncall/me/rules", url.Values{"contact_id": {id}, "delay_minutes": {"3"}}); r.status != http.StatusSeeOther {
		t.Errorf("add rule: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, alice, "/oncall/me/rules", url.Values{"contact_id": {id}, "delay_minutes": {"soon"}}); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `value="soon"`) {
		t.Errorf("bad delay: %d", r.status)
	}
	page = s.get(t, alice, "/oncall/me")
	for _, want := range []string{"confirmed", "After <b>3 min</b>", "/calendars/users/alice/", "primary</b></a>"} {
		if !strings.Contains(page.body, want) {
			t.Errorf("my page lacks %q", want)
		}
	}
	// Someone else's contact is not mine to remove.
	bob := s.signIn(t, "bob")
	if r := s.post(t, bob, "/oncall/me/contacts/"+id+"/delete", nil); r.status != http.StatusForbidden {
		t.Errorf("bob deleting alice's contact: %d", r.status)
	}
	if r := s.post(t, alice, "/oncall/me/contacts/"+id+"/delete", nil); r.status != http.StatusSeeOther {
		t.Errorf("delete: %d", r.status)
	}

	// The on-call page: alice on call now, the 14-day timeline, her bars.
	r = s.get(t, alice, "/oncall")
	for _, want := range []string{`<b class="who-on">alice</b> <span class="tag you">you</span>`, `class="tl-bar`, " mine", "/calendars/schedules/primary/"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("/oncall lacks %q", want)
		}
	}
	if n := strings.Count(r.body, `class="tl-day`); n != 14 {
		t.Errorf("/oncall has %d day ticks, want 14", n)
	}
}

func TestPagingPanelChecksTheSubject(t *testing.T) {
	t.Parallel()
	s := newPagingSite(t)
	s.confirmedContact(t, "alice")
	for _, title := range []string{"One", "Two"} {
		if _, err := s.app.Services.Incidents.Declare(context.Background(), "bob", incident.DeclareInput{Title: title, Source: incident.SourceInternal}); err != nil {
			t.Fatal(err)
		}
	}
	e, _ := s.pageAbout(t, "INC-1", "alice")
	alice, vera := s.signIn(t, "alice"), s.signIn(t, "vera")
	r := s.get(t, vera, "/incidents/INC-1/paging")
	if !strings.Contains(r.body, `id="paging"`) || !strings.Contains(r.body, "page by bob") || strings.Contains(r.body, "/escalations/") {
		t.Errorf("a viewer's paging panel: %s", r.body)
	}
	if r := s.post(t, alice, "/incidents/INC-2/escalations/"+e.ID+"/acknowledge", nil); r.status != http.StatusNotFound {
		t.Errorf("acknowledging INC-1's page through INC-2: %d", r.status)
	}
	if r := s.post(t, alice, "/incidents/INC-1/page", url.Values{"target": {"user:zed"}, "message": {"hello"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "unknown user") || !strings.Contains(r.body, ">hello</textarea>") {
		t.Errorf("paging nobody: %d", r.status)
	}
	if r := s.post(t, alice, "/incidents/INC-1/escalations/"+e.ID+"/acknowledge", nil); r.status != http.StatusSeeOther {
		t.Errorf("acknowledge: %d\n%s", r.status, r.body)
	}
	if st := s.escalation(t, e.ID).State; st != escalation.Acknowledged {
		t.Errorf("after acknowledging: %s", st)
	}
}
