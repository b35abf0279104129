package app_test

import (
	"bytes"
	"context"
	"encoding/base64"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	netmail "net/mail"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/tasks"
)

// TestPostmortemMeeting schedules a recovered incident's review meeting
// on each backend: the service refuses bad input naming the field and
// records nothing; the invitation goes through the outbox, by a real SMTP
// exchange on loopback to the participant with an email address (the
// text/calendar request), by signed webhook with the .ics link to the one
// without, and is recorded skipped for the one with no contact; moving
// the meeting sends a new invitation with the same UID and SEQUENCE 1.
func TestPostmortemMeeting(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testPostmortemMeeting(t, b)
		})
	}
}

func testPostmortemMeeting(t *testing.T, b storetest.Backend) {
	ctx := context.Background()
	dsn := storetest.SQLiteDSN(t)
	if b.Name == "postgres" {
		dsn = storetest.PostgresDSN(t)
	}
	t0 := time.Date(2026, 11, 30, 9, 0, 0, 0, time.UTC) // a Monday
	clock := storetest.NewClock(t0)
	box := startMailbox(t)
	var mu sync.Mutex
	var hooked []notify.WebhookPayload
	hooks := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature([]byte(pagingHookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, clock.Now(), 0); err != nil {
			t.Errorf("signature: %v", err)
		}
		var p notify.WebhookPayload
		if err := json.Unmarshal(body, &p); err != nil {
			t.Errorf("payload: %v", err)
		}
		mu.Lock()
		hooked = append(hooked, p)
		mu.Unlock()
	}))
	t.Cleanup(hooks.Close)
	allHooked := func() []notify.WebhookPayload {
		mu.Lock()
		defer mu.Unlock()
		return slices.Clone(hooked)
	}
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: dsn, Version: "test", Now: clock.Now, Outbound: outbound.LoopbackPolicy(),
		Email: &notify.Email{Host: "127.0.0.1", Port: box.port, From: "Firebreak <firebreak@firebreak.test>", TLS: notify.TLSNone, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	svc := a.Services
	svc.Tasks.SetBaseURL("http://firebreak.test")
	svc.Postmortem.SetBaseURL("http://firebreak.test")
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
	for _, u := range []auth.UserInput{{Username: "lena", DisplayName: "Lena Ops", Role: auth.Responder}, {Username: "bob", Role: auth.Responder}, {Username: "cara", Role: auth.Responder}} {
		if _, err := svc.Auth.CreateUser(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	// lena is reached by email, bob by webhook, cara not at all.
	mailC, err := svc.Contacts.AddContact(ctx, contacts.Actor{User: "lena"}, "lena", contacts.ContactInput{Name: "mail", Target: notify.Target{Kind: notify.KindEmail, Address: "lena@example.test"}})
	if err != nil {
		t.Fatal(err)
	}
	hookC, err := svc.Contacts.AddContact(ctx, contacts.Actor{User: "bob"}, "bob", contacts.ContactInput{Name: "hook", Target: notify.Target{Kind: notify.KindWebhook, Address: hooks.URL + "/bob", Secret: pagingHookKey}})
	if err != nil {
		t.Fatal(err)
	}
	run()
	waitUntil(t, "the verification codes", 10*time.Second, func() bool { return len(box.messages()) == 1 && len(allHooked()) == 1 })
	for c, text := range map[string]string{mailC.ID: box.messages()[0].data, hookC.ID: allHooked()[0].Title} {
		code := verifyCode.FindStringSubmatch(text)
		if code == nil {
			t.Fatalf("no code in %q", text)
		}
		user := "lena"
		if c == hookC.ID {
			user = "bob"
		}
		if _, err := svc.Contacts.VerifyContact(ctx, contacts.Actor{User: user}, c, code[1]); err != nil {
			t.Fatal(err)
		}
	}

	inc, err := svc.Incidents.Declare(ctx, "lena", incident.DeclareInput{Title: "Deploy key leaked", Severity: "SEV3", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	c := incident.Command{Actor: incident.Viewer{User: "lena"}, Ref: inc.Ref}
	for i, step := range []func() (incident.Incident, error){
		func() (incident.Incident, error) { return svc.Incidents.Assign(ctx, c, incident.IRLead, "lena") },
		func() (incident.Incident, error) { return svc.Incidents.Assign(ctx, c, incident.Responder, "bob") },
		func() (incident.Incident, error) { return svc.Incidents.Assign(ctx, c, incident.Responder, "cara") },
		func() (incident.Incident, error) { return svc.Incidents.Transition(ctx, c, incident.Active, "") },
		func() (incident.Incident, error) { return svc.Incidents.Transition(ctx, c, incident.Contained, "") },
		func() (incident.Incident, error) {
			return svc.Incidents.Update(ctx, c, incident.UpdateInput{RootCause: new("a CI log")})
		},
		func() (incident.Incident, error) { return svc.Incidents.Transition(ctx, c, incident.Eradicated, "") },
		func() (incident.Incident, error) { return svc.Incidents.Transition(ctx, c, incident.Recovered, "") },
	} {
		if inc, err = step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	// Due five business days later, Monday 7 December at 09:00.
	tomorrow := t0.Add(24*time.Hour + 5*time.Hour) // Tuesday 14:00
	for _, tt := range []struct {
		name  string
		in    incident.MeetingInput
		field string
	}{
		{"past start", incident.MeetingInput{Start: t0.Add(-time.Hour), DurationMinutes: 60}, "start"},
		{"after the deadline", incident.MeetingInput{Start: inc.PostmortemDue.Add(time.Minute), DurationMinutes: 60}, "start"},
		{"too short", incident.MeetingInput{Start: tomorrow, DurationMinutes: 14}, "duration_minutes"},
		{"too long", incident.MeetingInput{Start: tomorrow, DurationMinutes: 481}, "duration_minutes"},
		{"unknown participant", incident.MeetingInput{Start: tomorrow, DurationMinutes: 60, Participants: []string{"lena", "nobody-such-user"}}, "participants[1]"},
	} {
		_, err := svc.Incidents.ScheduleMeeting(ctx, c, tt.in)
		if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || e.Field != tt.field {
			t.Errorf("%s: %v, want invalid %s", tt.name, err, tt.field)
		}
	}
	if got, _ := svc.Incidents.Get(ctx, c.Actor, inc.Ref); got.Version != inc.Version {
		t.Fatalf("refusals recorded events: version %d → %d", inc.Version, got.Version)
	}

	invitations := func(want int) []*ical.Event {
		t.Helper()
		run()
		var out []*ical.Event
		for _, m := range box.messages()[1:] {
			if !slices.Equal(m.to, []string{"lena@example.test"}) {
				t.Errorf("mail to %v", m.to)
			}
			out = append(out, invitationOf(t, m.data))
		}
		if len(out) != want {
			t.Fatalf("%d invitations by mail, want %d", len(out), want)
		}
		return out
	}

	if inc, err = svc.Incidents.ScheduleMeeting(ctx, c, incident.MeetingInput{Start: tomorrow, DurationMinutes: 60, Location: "https://meet.example/pm"}); err != nil {
		t.Fatal(err)
	}
	if task, _ := inc.Task(incident.PostmortemReviewTask); task.State != incident.TaskInProgress {
		t.Errorf("review task %s", task.State)
	}
	first := invitations(1)[0]
	uid, _ := first.Props.Text(ical.PropUID)
	if s := first.Props.Get(ical.PropSequence).Value; s != "0" {
		t.Errorf("SEQUENCE %s", s)
	}
	if start, _ := first.DateTimeStart(nil); !start.Equal(tomorrow) {
		t.Errorf("DTSTART %v", start)
	}
	var att []string
	for _, p := range first.Props.Values(ical.PropAttendee) {
		att = append(att, p.Params.Get(ical.ParamCommonName)+" "+p.Value)
	}
	if !slices.Equal(att, []string{"Lena Ops mailto:lena@example.test"}) {
		t.Errorf("ATTENDEEs %q", att)
	}
	if org := first.Props.Get(ical.PropOrganizer); org == nil || org.Value != "mailto:lena@example.test" {
		t.Errorf("ORGANIZER %+v", org)
	}
	// bob hears by webhook, with the link to the .ics.
	toBob := allHooked()[1:]
	if len(toBob) != 1 || !strings.Contains(toBob[0].Body, "http://firebreak.test/incidents/"+inc.Ref+"/postmortem/meeting.ics") ||
		!strings.Contains(toBob[0].Title, "Post-mortem review: "+inc.Ref) {
		t.Fatalf("to bob: %+v", toBob)
	}
	ds, err := a.DB.OutboxDeliveries(ctx, outbox.Query{Kind: tasks.KindMeetingInvite})
	if err != nil {
		t.Fatal(err)
	}
	states := map[outbox.State]int{}
	for _, d := range ds {
		states[d.State]++
		if d.State == outbox.Skipped && !strings.HasPrefix(d.LastError, tasks.NoContact+": cara") {
			t.Errorf("skipped: %q", d.LastError)
		}
	}
	if states[outbox.Sent] != 2 || states[outbox.Skipped] != 1 || len(ds) != 3 {
		t.Errorf("deliveries %v", states)
	}

	// Moved: a new invitation, the same UID, SEQUENCE 1.
	clock.Advance(time.Hour)
	if _, err = svc.Incidents.ScheduleMeeting(ctx, c, incident.MeetingInput{Start: tomorrow.Add(time.Hour), DurationMinutes: 30, Participants: []string{"lena"}}); err != nil {
		t.Fatal(err)
	}
	moved := invitations(2)[1]
	if u, _ := moved.Props.Text(ical.PropUID); u != uid {
		t.Errorf("UID %q, want %q", u, uid)
	}
	stamp, _ := moved.Props.DateTime(ical.PropDateTimeStamp, nil)
	end, _ := moved.DateTimeEnd(nil)
	if s := moved.Props.Get(ical.PropSequence).Value; s != "1" || !stamp.Equal(t0.Add(time.Hour)) || !end.Equal(tomorrow.Add(90*time.Minute)) {
		t.Errorf("moved: SEQUENCE %s, DTSTAMP %v, DTEND %v", s, stamp, end)
	}
}

// invitationOf finds the text/calendar request in a mail and parses it.
func invitationOf(t *testing.T, data string) *ical.Event {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	var found []byte
	var walk func(ct string, r io.Reader)
	walk = func(ct string, r io.Reader) {
		mt, params, err := mime.ParseMediaType(ct)
		if err != nil {
			t.Fatalf("content type %q: %v", ct, err)
		}
		if mt == "text/calendar" && params["method"] == "REQUEST" {
			found, _ = io.ReadAll(r)
			return
		}
		if !strings.HasPrefix(mt, "multipart/") {
			return
		}
		mr := multipart.NewReader(r, params["boundary"])
		for {
			p, err := mr.NextPart()
			if err == io.EOF {
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var body io.Reader = p
			if p.Header.Get("Content-Transfer-Encoding") == "base64" {
				body = base64.NewDecoder(base64.StdEncoding, p)
			}
			walk(p.Header.Get("Content-Type"), body)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body)
	if found == nil {
		t.Fatalf("no text/calendar; method=REQUEST part in\n%s", data)
	}
	cal, err := ical.NewDecoder(bytes.NewReader(found)).Decode()
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, found)
	}
	if m, _ := cal.Props.Text(ical.PropMethod); m != "REQUEST" || len(cal.Events()) != 1 {
		t.Fatalf("METHOD %q, %d events", m, len(cal.Events()))
	}
	return &cal.Events()[0]
}
