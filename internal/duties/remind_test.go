package duties_test

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

func (w *world) assign(t *testing.T, ref string, role incident.Role, user string) {
	t.Helper()
	if _, err := w.inc.Assign(w.ctx, incident.Command{Actor: alice, Ref: ref}, role, user); err != nil {
		t.Fatal(err)
	}
}

func (w *world) facts(t *testing.T, ref string, aware time.Time) {
	t.Helper()
	in := duties.FactsInput{Anchors: map[string]string{"aware": aware.Format(time.RFC3339)}, PersonalData: true}
	if _, err := w.duties.PutFacts(w.ctx, alice, ref, in, nil); err != nil {
		t.Fatal(err)
	}
}

func (w *world) want(t *testing.T, user string, n int, contains string) {
	t.Helper()
	got := w.inbox.take(user)
	if len(got) != n {
		t.Fatalf("%s got %d reminders at %s, want %d: %q", user, len(got), w.clock.Now().Format(time.RFC3339), n, got)
	}
	for _, g := range got {
		if !strings.Contains(g, contains) {
			t.Fatalf("%s got %q, want it to say %q", user, g, contains)
		}
	}
}

func TestRemindersAtTheirMomentsAndRescheduledWhenFactsChange(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.profile(t, nis2Profile)
	inc := w.declare(t, false)
	w.assign(t, inc.Ref, incident.IRLead, "carol")
	w.assign(t, inc.Ref, incident.CommsLead, "bob")
	w.assign(t, inc.Ref, incident.IncidentCommander, "alice")
	t0 := w.clock.Now() // Friday 27 November 2026, 09:00 UTC
	w.facts(t, inc.Ref, t0)
	w.run(t)

	// The NIS2 early warning is due in 24 h: half-time at 12 h reminds the
	// comms lead and the commander, not the IR lead.
	w.advanceTo(t, t0.Add(12*time.Hour-time.Second))
	w.want(t, "bob", 0, "")
	w.advanceTo(t, t0.Add(12*time.Hour))
	w.want(t, "bob", 1, inc.Ref+": eu-nis2-art23-significant-incident early_warning due in 12 h 0 min")
	w.want(t, "alice", 1, "early_warning due in 12 h 0 min")
	w.want(t, "carol", 0, "")

	// Awareness was an hour later after all: the plan moves with it (a
	// new half-time at 22:00), and the old 4-hours-before reminder (05:00)
	// does nothing.
	w.facts(t, inc.Ref, t0.Add(time.Hour))
	w.advanceTo(t, t0.Add(13*time.Hour))
	w.want(t, "bob", 1, "early_warning due in 12 h 0 min")
	w.want(t, "alice", 1, "early_warning due in 12 h 0 min")
	w.advanceTo(t, t0.Add(20*time.Hour+30*time.Minute))
	w.want(t, "bob", 0, "")
	w.advanceTo(t, t0.Add(21*time.Hour))
	w.want(t, "bob", 1, "early_warning due in 4 h 0 min")
	w.want(t, "alice", 1, "early_warning due in 4 h 0 min")

	// Submitted before it is due: no 1-hour or overdue reminder of it.
	if err := w.duties.RecordSubmission(w.ctx, alice, inc.Ref, nis2, "early_warning", t0.Add(21*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	w.advanceTo(t, t0.Add(26*time.Hour))
	w.want(t, "bob", 0, "")

	// The 72 h duties (GDPR and the NIS2 notification, both due Monday
	// 10:00) remind at half-time, 24 h, 4 h, 1 h before and when overdue.
	for _, step := range []struct {
		at   time.Duration
		text string
	}{
		{37 * time.Hour, "due in 1 d 12 h"},
		{49 * time.Hour, "due in 1 d 0 h"},
		{69 * time.Hour, "due in 4 h 0 min"},
		{72 * time.Hour, "due in 1 h 0 min"},
		{73 * time.Hour, "overdue by under a minute"},
	} {
		w.advanceTo(t, t0.Add(step.at))
		w.want(t, "bob", 2, step.text)
		w.want(t, "alice", 2, step.text)
	}
	w.advanceTo(t, t0.Add(40*24*time.Hour))
	w.want(t, "bob", 0, "")

	rs, err := w.duties.Reminders(w.ctx, alice, inc.Ref, 100)
	if err != nil {
		t.Fatal(err)
	}
	if len(rs) != 2*(3+5*2) {
		t.Fatalf("%d reminders recorded, want %d", len(rs), 2*(3+5*2))
	}
	for _, r := range rs {
		if r.State != duties.ReminderSent || r.Attempts != 1 || r.SentAt == nil || r.Channel != "webhook" {
			t.Fatalf("reminder %+v", r)
		}
	}
}

func TestReminderRetriesOnlyWhatFailed(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.profile(t, duties.Profile{EntityTypes: []string{"essential_entity"}, Reminders: &duties.Reminders{Before: []string{"2h"}}})
	inc := w.declare(t, false)
	w.assign(t, inc.Ref, incident.CommsLead, "bob")
	w.assign(t, inc.Ref, incident.IncidentCommander, "alice")
	t0 := w.clock.Now()
	w.facts(t, inc.Ref, t0)
	w.inbox.mu.Lock()
	w.inbox.failing["alice"] = 1
	w.inbox.mu.Unlock()
	// Only "2 h before" is configured: nothing at half-time.
	w.advanceTo(t, t0.Add(12*time.Hour))
	w.want(t, "bob", 0, "")
	w.advanceTo(t, t0.Add(22*time.Hour))
	w.want(t, "bob", 1, "early_warning due in 2 h 0 min")
	w.want(t, "alice", 0, "")
	// The engine retries a minute later: alice gets it, bob not twice.
	w.advanceTo(t, t0.Add(22*time.Hour+time.Minute))
	w.want(t, "alice", 1, "early_warning due in 1 h 59 min")
	w.want(t, "bob", 0, "")
	rs, _ := w.duties.Reminders(w.ctx, alice, inc.Ref, 10)
	if len(rs) != 2 {
		t.Fatalf("%d reminders recorded, want bob's and alice's: %+v", len(rs), rs)
	}
	for _, r := range rs {
		if r.User == "alice" && (r.Attempts != 2 || r.State != duties.ReminderSent) {
			t.Fatalf("alice's reminder: %+v", r)
		}
	}
}

// A reminder that waits for its retry is not sent once its duty is met
// (which plans the reminders again).
func TestReminderRetryDroppedWhenTheDutyIsMet(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.profile(t, duties.Profile{EntityTypes: []string{"essential_entity"}, Reminders: &duties.Reminders{Before: []string{"2h"}}})
	inc := w.declare(t, false)
	w.assign(t, inc.Ref, incident.CommsLead, "bob")
	w.assign(t, inc.Ref, incident.IncidentCommander, "alice")
	t0 := w.clock.Now()
	w.facts(t, inc.Ref, t0)
	w.inbox.mu.Lock()
	w.inbox.failing["alice"] = 1
	w.inbox.mu.Unlock()
	w.advanceTo(t, t0.Add(22*time.Hour))
	w.want(t, "bob", 1, "early_warning due in 2 h 0 min")
	w.want(t, "alice", 0, "")
	if err := w.duties.RecordSubmission(w.ctx, alice, inc.Ref, nis2, "early_warning", t0.Add(22*time.Hour), ""); err != nil {
		t.Fatal(err)
	}
	w.advanceTo(t, t0.Add(22*time.Hour+time.Minute))
	w.want(t, "alice", 0, "")
	rs, _ := w.duties.Reminders(w.ctx, alice, inc.Ref, 10)
	var states []string
	for _, r := range rs {
		states = append(states, r.User+" "+r.State+" "+r.LastError)
	}
	slices.Sort(states)
	if want := []string{"alice skipped the reminders were planned again since", "bob sent "}; !slices.Equal(states, want) {
		t.Fatalf("reminders %q, want %q", states, want)
	}
}

func TestRemindersFallBackToTheIRLead(t *testing.T) {
	t.Parallel()
	w := setup(t)
	w.profile(t, duties.Profile{EntityTypes: []string{"essential_entity"}, Reminders: &duties.Reminders{Overdue: true}})
	inc := w.declare(t, false)
	w.assign(t, inc.Ref, incident.IRLead, "carol")
	other := w.declare(t, false)
	w.assign(t, other.Ref, incident.IRLead, "nobody")
	t0 := w.clock.Now()
	w.facts(t, inc.Ref, t0)
	w.facts(t, other.Ref, t0)
	w.advanceTo(t, t0.Add(24*time.Hour))
	w.want(t, "carol", 1, "early_warning overdue")
	rs, _ := w.duties.Reminders(w.ctx, alice, other.Ref, 10)
	if len(rs) != 1 || rs[0].State != duties.ReminderNoContact || rs[0].User != "nobody" {
		t.Fatalf("a reminder to someone without a contact: %+v", rs)
	}
}

func TestProfileChangePlansRemindersAgain(t *testing.T) {
	t.Parallel()
	w := setup(t)
	inc := w.declare(t, false)
	w.assign(t, inc.Ref, incident.CommsLead, "bob")
	t0 := w.clock.Now()
	w.facts(t, inc.Ref, t0) // no profile yet: no duties, no reminders
	w.advanceTo(t, t0.Add(time.Hour))
	w.profile(t, duties.Profile{EntityTypes: []string{"essential_entity"}})
	w.advanceTo(t, t0.Add(12*time.Hour))
	w.want(t, "bob", 1, "early_warning due in 12 h 0 min")
}

func TestCountdown(t *testing.T) {
	t.Parallel()
	for d, want := range map[time.Duration]string{
		23*time.Hour + 10*time.Minute + 59*time.Second: "23 h 10 min",
		50 * time.Hour:    "2 d 2 h",
		45 * time.Minute:  "45 min",
		-90 * time.Minute: "1 h 30 min",
		20 * time.Second:  "under a minute",
	} {
		if got := duties.Countdown(d); got != want {
			t.Errorf("Countdown(%v) = %q, want %q", d, got, want)
		}
	}
}
