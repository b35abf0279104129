package app_test

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// seedPostmortem walks an incident through a response on the setup's
// clock, each step at a known minute after t0 (the setup's start), and
// returns its ref. The figures below are worked out by hand from these
// minutes.
func seedPostmortem(t *testing.T, s *setup) string {
	t.Helper()
	ctx := context.Background()
	svc := s.app.Services
	for _, u := range []string{"alice", "bob"} {
		if _, err := svc.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder}); err != nil {
			t.Fatal(err)
		}
	}
	t0 := s.clock.Now()
	to := func(min int) {
		t.Helper()
		s.clock.Advance(t0.Add(time.Duration(min) * time.Minute).Sub(s.clock.Now()))
	}
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	alice := incident.Viewer{User: "alice"}
	inc, err := svc.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Deploy key leaked", Type: "security.credential-compromise", Severity: "SEV3"})
	must(err)
	ref := inc.Ref
	cmd := incident.Command{Actor: alice, Ref: ref}
	to(1)
	_, err = svc.Incidents.LinkSignal(ctx, incident.Command{Actor: incident.Viewer{User: postmortem.SystemActor, SeeAll: true}, Ref: ref},
		incident.SignalData{GroupID: "grp-1", Source: "alertmanager", Summary: "key used from a new ASN", Alerts: 1, FirstSeen: t0.Add(-15 * time.Minute), How: "attached"})
	must(err)
	to(2)
	_, err = svc.Incidents.Assign(ctx, cmd, incident.IRLead, "alice")
	must(err)
	to(3)
	page, err := svc.Escalations.PageIncident(ctx, incident.Viewer{User: "alice", SeeAll: true}, ref, escalation.PageInput{
		Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "bob"}}, Message: "take a look"})
	must(err)
	to(7)
	_, err = svc.Escalations.Acknowledge(ctx, "bob", page.ID)
	must(err)
	// the acknowledgement puts bob on the incident, by a job
	waitUntil(t, "bob on the incident", 10*time.Second, func() bool {
		got, err := svc.Incidents.Get(ctx, alice, ref)
		return err == nil && got.Participant("bob")
	})
	to(10)
	_, err = svc.Incidents.Transition(ctx, cmd, incident.Active, "")
	must(err)
	_, err = svc.Assets.AddAsset(ctx, alice, ref, assets.AssetInput{Kind: "host", Identifier: "ci-1", State: "confirmed"})
	must(err)
	_, err = svc.Assets.AddAsset(ctx, alice, ref, assets.AssetInput{Kind: "host", Identifier: "ci-2"}) // suspected: not counted
	must(err)
	cred, err := svc.Assets.AddCredential(ctx, alice, ref, assets.CredentialInput{Kind: "ssh_key", Name: "deploy key", State: "confirmed"})
	must(err)
	for _, v := range []indicators.Input{{Type: "ipv4", Value: "203.0.113.7"}, {Type: "ipv4", Value: "203.0.113.8"}, {Type: "domain", Value: "evil.example"}} {
		_, err = svc.Indicators.Add(ctx, alice, ref, v)
		must(err)
	}
	n := 1200
	_, err = svc.Duties.PutFacts(ctx, alice, ref, duties.FactsInput{PersonalData: true, AffectedIndividuals: &n, DataTypes: []string{"credentials"}}, nil)
	must(err)
	to(40)
	_, err = svc.Incidents.Transition(ctx, cmd, incident.Contained, "")
	must(err)
	_, err = svc.Assets.MoveCredential(ctx, alice, ref, cred.ID, assets.MoveInput{To: "revoked", How: "removed from the repo's deploy keys"})
	must(err)
	rc := "the key was in a public repository"
	_, err = svc.Incidents.Update(ctx, cmd, incident.UpdateInput{RootCause: &rc})
	must(err)
	to(100)
	_, err = svc.Incidents.Transition(ctx, cmd, incident.Eradicated, "")
	must(err)
	_, err = svc.Assets.MoveAsset(ctx, alice, ref, "host", "ci-1", assets.MoveInput{To: "restored", How: "rebuilt from the image"})
	must(err)
	to(180)
	_, err = svc.Incidents.Transition(ctx, cmd, incident.Recovered, "")
	must(err)
	return ref
}

// TestPostmortemFigures: the figures of a seeded response, read through
// the app's services on both backends, equal the ones worked out by hand.
func TestPostmortemFigures(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			s := newSetup(t, b)
			t0 := s.clock.Now()
			ref := seedPostmortem(t, s)
			r, err := s.app.Services.Postmortem.Draft(context.Background(), incident.Viewer{User: "alice"}, ref)
			if err != nil {
				t.Fatal(err)
			}
			f := r.Figures
			min := func(m int) time.Time { return t0.Add(time.Duration(m) * time.Minute) }
			d := func(m int) string { return postmortem.DurationOf(time.Duration(m) * time.Minute).String() }
			check := func(name string, got, want any) {
				t.Helper()
				if got != want {
					t.Errorf("%s: %v, want %v", name, got, want)
				}
			}
			check("first signal", f.FirstSignalAt.Equal(min(-15)), true)
			check("detection lag", f.DetectionLag.String(), d(15))
			check("acknowledged by", f.AcknowledgedBy, "bob")
			check("acknowledged at", f.AcknowledgedAt.Equal(min(7)), true)
			check("time to acknowledge", f.TimeToAck.String(), d(22)) // from the first signal
			want := map[incident.State]string{incident.Triage: d(10), incident.Active: d(30), incident.Contained: d(60), incident.Eradicated: d(80)}
			check("phases", len(f.Phases), 5)
			for _, p := range f.Phases {
				if p.State == incident.Recovered {
					check("recovered is current", p.Duration == nil, true)
					continue
				}
				check(string(p.State), p.Duration.String(), want[p.State])
			}
			check("time to recover", f.TimeToRecover.String(), d(180))
			check("people", len(f.People), 2)
			check("alice", f.People[0].User+" "+string(f.People[0].Roles[0]), "alice ir_lead")
			check("bob", f.People[1].User, "bob") // acknowledged the page: it is not an event of the incident's
			check("affected", *f.AffectedIndividuals, 1200)
			check("data types", len(f.DataTypes) == 1 && f.DataTypes[0] == "credentials", true)
			check("assets affected", f.AssetsAffected, 1)
			check("assets restored", f.AssetsRestored, 1)
			check("credentials", f.Credentials, 1)
			check("credentials revoked", f.CredentialsReset, 1)
			check("indicators", f.IndicatorsTotal, 3)
			check("ipv4", f.Indicators["ipv4"], 2)
			check("duties", len(f.Duties), 0)                          // no organisation profile: no duty applies (the pure tests cover duties)
			check("people", f.People[0].Events+f.People[1].Events, 18) // with the review task recovering adds
			// The timeline in world time: the signal at its first sighting,
			// before the declaration; bob's acknowledgement put him on it.
			var got []string
			for _, it := range r.Doc.Timeline {
				got = append(got, it.At.Sub(t0).String()+" "+it.Text)
			}
			wantTimeline := []string{
				`-15m0s attached from alertmanager: "key used from a new ASN", 1 alert(s), first seen 2026-11-25 08:45:00Z`,
				`0s declared INC-1 "Deploy key leaked" as SEV3 (by alice)`,
				"2m0s alice is IR Lead (by alice)",
				"7m0s bob is Responder (by bob)",
				"10m0s triage → active (by alice)",
				"40m0s active → contained (by alice)",
				"40m0s credential C1 moved from confirmed to revoked: removed from the repo's deploy keys (by alice)",
				`40m0s root cause set to "the key was in a public repository" (by alice)`,
				"1h40m0s contained → eradicated (by alice)",
				"1h40m0s asset host ci-1 moved from confirmed to restored: rebuilt from the image (by alice)",
				"3h0m0s eradicated → recovered (by alice)",
			}
			if !slices.Equal(got, wantTimeline) {
				t.Errorf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantTimeline, "\n"))
			}
			if !strings.Contains(r.Doc.Summary, "How was the attacker's access removed?") || len(r.Prompts.From) != 2 {
				t.Errorf("the security template: %q %v", r.Doc.Summary, r.Prompts.From)
			}
			// The saved post-mortem exports with the figures of now and
			// the incident's action items.
			if _, err := s.app.Services.Actions.Create(context.Background(), incident.Viewer{User: "alice"}, ref, actions.Input{Title: "Scan repositories for keys",
				Owner: "bob", Due: "2026-12-20", Tracker: actions.Tracker{URL: "https://tracker.example/SEC-1"}}); err != nil {
				t.Fatal(err)
			}
			doc, err := s.app.Services.Postmortem.Document(context.Background(), incident.Viewer{User: "alice"}, ref)
			if err != nil {
				t.Fatal(err)
			}
			if doc.Status != "draft" || doc.Revision != 0 || doc.Figures.TimeToRecover.String() != d(180) || doc.Incident.Ref != ref ||
				!strings.Contains(postmortem.Markdown(doc), "| Time to recover (declared → recovered) | 3h |") ||
				len(doc.ActionItems) != 1 || doc.ActionItems[0].ID != "ACT-1" || doc.ActionItems[0].Owner != "bob" || doc.ActionItems[0].URL != "https://tracker.example/SEC-1" {
				t.Errorf("document %+v", doc)
			}
			// Restricted, it is not found for someone not on it.
			yes := true
			if _, err := s.app.Services.Incidents.Update(context.Background(), incident.Command{Actor: incident.Viewer{User: "alice"}, Ref: ref}, incident.UpdateInput{Restricted: &yes}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.app.Services.Postmortem.Draft(context.Background(), incident.Viewer{User: "carol"}, ref); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("a restricted incident's draft for carol: %v", err)
			}
			if _, err := s.app.Services.Postmortem.Document(context.Background(), incident.Viewer{User: "carol"}, ref); errs.CodeOf(err) != errs.NotFound {
				t.Fatalf("a restricted incident's post-mortem for carol: %v", err)
			}
		})
	}
}
