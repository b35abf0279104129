package web_test

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The post-mortem page's Review meeting form: a refusal comes back with
// the problem beside its field and what was typed; a good form schedules
// the meeting, which the page shows with its .ics link; the .ics answers
// signed-in users who may see the incident and is not found for others.
func TestPostmortemMeetingForm(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	alice := s.signIn(t, "alice")
	vera := s.signIn(t, "vera")
	ctx := context.Background()
	svc := s.app.Services.Incidents
	inc, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "Repo leak", Severity: "SEV3"})
	if err != nil {
		t.Fatal(err)
	}
	c := incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: inc.Ref}
	rc := "a token in a public repo"
	for _, step := range []func() (incident.Incident, error){
		func() (incident.Incident, error) { return svc.Assign(ctx, c, incident.IRLead, "alice") },
		func() (incident.Incident, error) { return svc.Transition(ctx, c, incident.Active, "") },
		func() (incident.Incident, error) { return svc.Transition(ctx, c, incident.Contained, "") },
		func() (incident.Incident, error) { return svc.Update(ctx, c, incident.UpdateInput{RootCause: &rc}) },
		func() (incident.Incident, error) { return svc.Transition(ctx, c, incident.Eradicated, "") },
		func() (incident.Incident, error) { return svc.Transition(ctx, c, incident.Recovered, "") },
	} {
		if inc, err = step(); err != nil {
			t.Fatal(err)
		}
	}
	page := "/incidents/" + inc.Ref + "/postmortem"
	if r := s.get(t, alice, page); r.status != 200 || !strings.Contains(r.body, "No review meeting yet.") || !strings.Contains(r.body, `id="mt-participants" name="participants" value="alice"`) {
		t.Fatalf("page: %d\n%s", r.status, r.body)
	}
	start := time.Now().UTC().Add(3 * time.Hour).Truncate(time.Minute).Format("2006-01-02T15:04")
	form := func(start, duration, participants string) url.Values {
		return url.Values{"version": {strconv.FormatInt(inc.Version, 10)}, "start": {start}, "duration": {duration}, "participants": {participants}, "location": {"Room 4"}}
	}
	for _, tt := range []struct {
		name, field, want string
		v                 url.Values
	}{
		{"past", "start", "is not in the future", form("2001-01-01T10:00", "60", "alice")},
		{"too long", "duration", "is not between 15 and 480", form(start, "500", "alice")},
		{"unknown", "participants", `no active user &#34;nobody-such-user&#34;`, form(start, "60", "alice, nobody-such-user")},
	} {
		r := s.post(t, alice, page+"/meeting", tt.v)
		if r.status != 422 || !strings.Contains(r.body, `id="mt-`+tt.field+`-err"`) || !strings.Contains(r.body, tt.want) || !strings.Contains(r.body, `value="`+tt.v.Get("participants")+`"`) {
			t.Fatalf("%s: %d\n%s", tt.name, r.status, r.body)
		}
	}
	if r := s.post(t, alice, page+"/meeting", form(start, "45", "")); r.status != 303 {
		t.Fatalf("schedule: %d\n%s", r.status, r.body)
	}
	r := s.get(t, alice, page)
	if !strings.Contains(r.body, `id="meeting-ics" href="/incidents/`+inc.Ref+`/postmortem/meeting.ics"`) || !strings.Contains(r.body, "(45 min) · Room 4") {
		t.Fatalf("scheduled page:\n%s", r.body)
	}
	ics := s.get(t, vera, page+"/meeting.ics")
	if ics.status != 200 || !strings.Contains(ics.body, "METHOD:REQUEST") || !strings.Contains(ics.body, "SUMMARY:Post-mortem review: "+inc.Ref+" Repo leak") {
		t.Fatalf("ics: %d\n%s", ics.status, ics.body)
	}
	restricted := true
	if _, err := svc.Update(ctx, c, incident.UpdateInput{Restricted: &restricted}); err != nil {
		t.Fatal(err)
	}
	if r := s.get(t, vera, page+"/meeting.ics"); r.status != 404 || strings.Contains(r.body, "Repo leak") {
		t.Fatalf("restricted ics for vera: %d\n%s", r.status, r.body)
	}
}
