package postmortem

import (
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

func TestDraft(t *testing.T) {
	t.Parallel()
	inc, events, r := fullIncident()
	var s stream = slices.Clone(events)
	// A decision written down later about something that happened early
	// sits at its world time; a required task done shows, another not.
	late := s.add(incident.EvEntryAdded, "bob", 6*time.Hour, incident.EntryData{Kind: incident.KindDecision, Body: "block the sender domain"})
	late.OccurredAt = pat(15 * time.Minute)
	done := incident.TaskDone
	s.add(incident.EvTaskUpdated, "carol", 6*time.Hour+time.Minute, incident.TaskUpdatedData{Key: "a", State: &done})
	s.add(incident.EvTaskUpdated, "carol", 6*time.Hour+2*time.Minute, incident.TaskUpdatedData{Key: "b", State: &done})
	inc.Tasks[0].Required, inc.Tasks[0].Title = true, "Reset the finance team's passwords"
	// a describer of another package captions its events
	s.add("asset.moved", "carol", 6*time.Hour+3*time.Minute, map[string]string{"to": "restored"})
	describe := func(e incident.Event) (string, bool) { return "asset moved (described)", e.Type == "asset.moved" }

	fig := Compute(inc, s, r)
	d := Draft(fig, inc, s, Builtin().For(inc.Type), describe)

	var seqs []int64
	for _, it := range d.Timeline {
		seqs = append(seqs, it.Seq)
		if it.RecordedAt == nil || it.At.IsZero() {
			t.Fatalf("timeline item without its times: %+v", it)
		}
	}
	if want := []int64{1, 2, 4, 5, 6, 15, 7, 8, 10, 11, 12, 13, 14, 16, 18}; !slices.Equal(seqs, want) {
		t.Fatalf("timeline seqs %v, want %v", seqs, want)
	}
	byseq := map[int64]incident.TimelineItem{}
	for _, it := range d.Timeline {
		byseq[it.Seq] = it
	}
	for seq, want := range map[int64]string{
		1:  `declared INC-7 "Phishing of finance" (by alice)`,
		2:  `attached from alertmanager: "odd logins", 2 alert(s), first seen 2026-03-02 08:40:00Z`,
		7:  "IR Lead handed over from alice to carol (alice stays as responder) (by alice)",
		15: "decision: block the sender domain (by bob)",
		16: "task a: done (by carol)",
		18: "asset moved (described) (by carol)",
	} {
		if got := byseq[seq].Text; got != want {
			t.Errorf("seq %d: %q, want %q", seq, got, want)
		}
	}
	if got := byseq[15]; !got.At.Equal(at(15*time.Minute)) || !got.RecordedAt.Equal(at(6*time.Hour)) {
		t.Errorf("the late decision: at %v recorded %v", got.At, got.RecordedAt)
	}

	wantImpact := `- Declared 2026-03-02 09:00 UTC (detected 2026-03-02 08:40 UTC).
- First signal 2026-03-02 08:30 UTC; detection lag (first signal to declaration) 30m.
- Time to acknowledge: 20m (first page acknowledged by dave at 2026-03-02 08:50 UTC).
- Time in each phase: triage 10m; active 1h 20m (entered 2 times); contained 1h 30m (entered 2 times); eradicated 2h; recovered since 2026-03-02 14:00 UTC.
- Time to recover (declaration to recovered): 5h.
- People involved: 3 — alice (IR Lead, Responder), bob (Incident Commander), carol (IR Lead).
- People affected: 1200 (EU 400, US-CA 800); personal data involved; data types: credentials, payment_card.
- Notification duties: 4 — 1 met on time, 1 late, 1 waived, 1 open (gdpr-art33 initial 8h late).
- Assets affected: 3, restored 2, accepted unrestored 1; credentials compromised: 3, revoked or rotated 2.
- Indicators of compromise: 3 (domain 1, ipv4 2).
- Response tasks: 2 done, 1 skipped, 1 open.
`
	if d.Impact != wantImpact {
		t.Errorf("impact:\n%s\nwant:\n%s", d.Impact, wantImpact)
	}
	wantSummary := "A SEV2 incident of type security.phishing: **Phishing of finance** (INC-7).\n\n" +
		"### How did the attacker get in?\n\n### How was the attacker's access removed?\n\n### What did the attacker see, take or change?\n"
	if d.Summary != wantSummary {
		t.Errorf("summary:\n%q\nwant:\n%q", d.Summary, wantSummary)
	}
	if len(d.RootCauses) != 0 || len(d.Contributing) != 0 || d.RootCauses == nil || d.Whys == nil {
		t.Errorf("causes are for people to name: %+v %+v %+v", d.RootCauses, d.Contributing, d.Whys)
	}
	if d.WentWell != "- *What helped: detection, tools, people, procedures?*\n" || !strings.Contains(d.Hard, "lose time") || !strings.Contains(d.Lessons, "caught sooner") {
		t.Errorf("reflection prompts: %q %q %q", d.WentWell, d.Hard, d.Lessons)
	}
	// the events are left as they were
	if len(s) != 18 || s[14].OccurredAt == nil {
		t.Fatal("the events changed")
	}
}

func TestDraftSummary(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name string
		inc  incident.Incident
		p    Prompts
		want string
	}{
		{"bare", incident.Incident{Ref: "INC-1", Title: "Slow"}, Builtin().For(""), "An incident: **Slow** (INC-1).\n"},
		{"markdown in a title stays text", incident.Incident{Ref: "INC-2", Title: "*bold* <script>x</script> [a](b)", Severity: "SEV1", Significant: true},
			Prompts{}, `A SEV1 incident: **\*bold\* \<script>x\</script> \[a\](b)** (INC-2), significant.` + "\n"},
		{"what the response recorded", incident.Incident{Ref: "INC-3", Title: "Leak", Type: "privacy", Summary: "A bucket was public.",
			RootCause: "a template made buckets public", Resolution: "bucket made private"}, Prompts{Questions: []string{"Who was told?"}},
			"An incident of type privacy: **Leak** (INC-3).\n\nA bucket was public.\n\nRoot cause as recorded during the response: a template made buckets public\n\nResolution: bucket made private\n\n### Who was told?\n"},
	} {
		if got := summary(c.inc, c.p); got != c.want {
			t.Errorf("%s:\n%q\nwant\n%q", c.name, got, c.want)
		}
	}
}
