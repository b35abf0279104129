package web

import (
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestPhasesMarkTheStateTheIncidentIsIn is issue 15's phase bar: "now" is
// the state the incident is in (contained is not "Contain • now"), and the
// post-mortem's due date shows once it has recovered.
func TestPhasesMarkTheStateTheIncidentIsIn(t *testing.T) {
	t0 := time.Date(2026, 12, 1, 9, 0, 0, 0, time.UTC)
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	due := at(200)
	reached := map[incident.State]time.Time{incident.Triage: at(0), incident.Active: at(1), incident.Contained: at(3), incident.Eradicated: at(6), incident.Recovered: at(10), incident.Closed: at(100)}
	order := []incident.State{incident.Triage, incident.Active, incident.Contained, incident.Eradicated, incident.Recovered, incident.Closed}
	for i, st := range order {
		inc := incident.Incident{State: st, Phases: map[incident.State]time.Time{}}
		for _, s := range order[:i+1] {
			inc.Phases[s] = reached[s]
		}
		if i >= 4 {
			inc.PostmortemDue = &due
		}
		got := phases(&inc, reached[st].Add(30*time.Minute))
		if len(got) != 6 {
			t.Fatalf("%s: %d steps", st, len(got))
		}
		for j, p := range got {
			want := map[bool]string{true: "done", false: "pending"}[j < i]
			if j == i {
				want = "current"
			}
			if p.Status != want || p.State != order[j] {
				t.Errorf("in %s, step %d (%s) is %s, want %s", st, j, p.Name, p.Status, want)
			}
			if (p.Due != nil) != (p.State == incident.Recovered && i >= 4) {
				t.Errorf("in %s, step %s shows the post-mortem due: %v", st, p.Name, p.Due)
			}
		}
		if i < 5 && got[i].Duration != "30m" {
			t.Errorf("in %s, the current step has lasted %q, want 30m", st, got[i].Duration)
		}
	}
	// Contained: the current step is Contained, its work eradicating.
	inc := incident.Incident{State: incident.Contained, Phases: map[incident.State]time.Time{incident.Triage: at(0), incident.Active: at(1), incident.Contained: at(3)}}
	got := phases(&inc, at(4))
	if got[2].Name != "Contained" || got[2].Work != "eradicate" || got[2].Status != "current" || got[1].Duration != "2h 0m" {
		t.Errorf("contained: %+v", got[:3])
	}
	// Dismissed from triage: the step it went through is done, none now.
	inc = incident.Incident{State: incident.Dismissed, Phases: map[incident.State]time.Time{incident.Triage: at(0)}}
	for j, p := range phases(&inc, at(1)) {
		if want := map[bool]string{true: "done", false: "pending"}[j == 0]; p.Status != want {
			t.Errorf("dismissed: step %s is %s, want %s", p.Name, p.Status, want)
		}
	}
}

// TestReturnSectionIsOnlyASection: the return field names a section, and
// anything else falls back to the form's own panel's section.
func TestReturnSectionIsOnlyASection(t *testing.T) {
	for _, c := range []struct{ ret, anchor, want string }{
		{"timeline", "top", "/incidents/INC-1/timeline?flash=ok#top"},
		{"comms", "paging", "/incidents/INC-1/comms?flash=ok#paging"},
		{"postmortem", "top", "/incidents/INC-1/postmortem?flash=ok#top"},
		{"tasks", "top", "/incidents/INC-1/tasks?flash=ok#top"},
		{"", "duties", "/incidents/INC-1/comms?flash=ok#duties"},
		{"", "roles", "/incidents/INC-1?flash=ok#roles"},
		{"https://evil.example", "timeline", "/incidents/INC-1/timeline?flash=ok#timeline"},
		{"/admin", "", "/incidents/INC-1?flash=ok"},
		{"Timeline", "top", "/incidents/INC-1?flash=ok#top"},
	} {
		r := httptest.NewRequest("POST", "/incidents/INC-1/x", strings.NewReader(url.Values{"return": {c.ret}}.Encode()))
		r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if got := backURL(r, "INC-1", c.anchor, "ok"); got != c.want {
			t.Errorf("return %q from #%s: %q, want %q", c.ret, c.anchor, got, c.want)
		}
	}
}
