package storetest

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// RunPostmortemOverdue checks the list of overdue post-mortems: a
// recovered incident is listed once its post-mortem is past due and until
// it is published; one never recovered is not; a restricted one is listed
// only to those who may see it.
func RunPostmortemOverdue(t *testing.T, b Backend) {
	t.Run("Overdue", func(t *testing.T) { t.Parallel(); testPostmortemOverdue(t, NewSetup(t, b)) })
}

// recoverIncident carries a new SEV3 incident to recovered.
func recoverIncident(t *testing.T, s *Setup, title string, restricted bool) incident.Incident {
	t.Helper()
	inc := declare(t, s, incident.DeclareInput{Title: title, Severity: "SEV3", Restricted: restricted})
	c := cmd(inc.Ref)
	steps := []func() (incident.Incident, error){
		func() (incident.Incident, error) { return s.Incidents.Assign(ctx, c, incident.IRLead, "alice") },
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Active, "") },
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Contained, "") },
		func() (incident.Incident, error) {
			return s.Incidents.Update(ctx, c, incident.UpdateInput{RootCause: new("weak password")})
		},
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Eradicated, "") },
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Recovered, "") },
	}
	for i, step := range steps {
		var err error
		if inc, err = step(); err != nil {
			t.Fatalf("%s step %d: %v", title, i, err)
		}
	}
	return inc
}

func testPostmortemOverdue(t *testing.T, s *Setup) {
	list := func(v incident.Viewer) []string {
		t.Helper()
		p, err := s.Incidents.List(ctx, incident.Filter{Viewer: v, PostmortemOverdue: true})
		if err != nil {
			t.Fatal(err)
		}
		return refs(p)
	}
	open := recoverIncident(t, s, "open", false)
	secret := recoverIncident(t, s, "secret", true)
	declare(t, s, incident.DeclareInput{Title: "still active"})
	want(t, "before the due date", list(alice), []string{})
	s.Clock.Advance(open.PostmortemDue.Add(-time.Second).Sub(s.Clock.Now()))
	want(t, "a second before due", list(alice), []string{})
	s.Clock.Advance(secret.PostmortemDue.Add(time.Second).Sub(s.Clock.Now()))
	want(t, "past due, to a participant", list(alice), []string{secret.Ref, open.Ref})
	want(t, "past due, to someone else", list(incident.Viewer{User: "carol"}), []string{open.Ref})
	want(t, "past due, to an admin", list(incident.Viewer{User: "root", SeeAll: true}), []string{secret.Ref, open.Ref})
	// alice, the IR Lead of a SEV3 with no commander, is the only possible
	// reviewer: she approves her own text.
	c := cmd(open.Ref)
	if _, err := s.Incidents.SavePostmortem(ctx, c, incident.PostmortemInput{Doc: incident.PostmortemDoc{Summary: "what happened"}}); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incidents.RequestPostmortemReview(ctx, c, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incidents.ReviewPostmortem(ctx, c, incident.Approve, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incidents.PublishPostmortem(ctx, c); err != nil {
		t.Fatal(err)
	}
	want(t, "after one is published", list(alice), []string{secret.Ref})
	// Reopening to an earlier phase takes it off the list until it is
	// recovered again (which dates a new deadline).
	if _, err := s.Incidents.Transition(ctx, cmd(secret.Ref), incident.Eradicated, "reinfected"); err != nil {
		t.Fatal(err)
	}
	want(t, "after reopening", list(alice), []string{})
}
