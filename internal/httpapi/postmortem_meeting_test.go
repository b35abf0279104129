package httpapi_test

import (
	"bytes"
	"slices"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestPostmortemMeetingAPI schedules a recovered incident's review
// meeting through the API: every refusal names its field and records
// nothing; the meeting shows on the post-mortem; rescheduling bumps the
// SEQUENCE of the .ics and keeps its UID; a restricted incident's meeting
// is not found for those who may not see it.
func TestPostmortemMeetingAPI(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) // a Wednesday
	s := newSetupWith(t, func(c *app.Config) { c.Now = clock.Now })
	s.steps(t, "rita",
		[4]string{"POST", "/api/v1/incidents", `{"title":"Leaked deploy key","severity":"SEV3"}`, "201"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"ir_lead","user":"rita"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"responder","user":"rob"}`, "200"},
	)
	const path = "/api/v1/incidents/INC-1/postmortem/meeting"
	s.refused(t, 404, "", "rita", "GET", path, "")
	// Not recovered: no post-mortem to review yet.
	s.refused(t, 422, "state", "rita", "POST", path, `{"start":"2026-11-26T14:00:00Z","duration_minutes":60}`)
	s.steps(t, "rita",
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"active"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"contained"}`, "200"},
		[4]string{"PATCH", "/api/v1/incidents/INC-1", `{"root_cause":"a CI log printed the key"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"eradicated"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"recovered"}`, "200"},
	)
	version := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1", "").header.Get("ETag")
	for _, tt := range []struct{ field, body string }{
		{"start", `{"start":"2026-11-25T08:00:00Z","duration_minutes":60}`},
		{"start", `{"start":"2026-12-09T08:00:00Z","duration_minutes":60}`},
		{"duration_minutes", `{"start":"2026-11-26T14:00:00Z","duration_minutes":10}`},
		{"duration_minutes", `{"start":"2026-11-26T14:00:00Z","duration_minutes":481}`},
		{"participants[1]", `{"start":"2026-11-26T14:00:00Z","duration_minutes":60,"participants":["rob","nobody-such-user"]}`},
	} {
		a := s.call(t, "rita", "POST", path, tt.body)
		if a.status != 422 || !slices.ContainsFunc(a.locations(), func(l string) bool { return strings.TrimPrefix(l, "body.") == tt.field }) {
			t.Errorf("%s: %d %v, want 422 naming %s: %s", tt.body, a.status, a.locations(), tt.field, a.raw)
		}
	}
	if got := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1", "").header.Get("ETag"); got != version {
		t.Fatalf("a refused meeting changed the incident: %s → %s", version, got)
	}
	s.refused(t, 403, "", "vera", "POST", path, `{"start":"2026-11-26T14:00:00Z","duration_minutes":60}`)

	a := s.must(t, 200, "rita", "POST", path, `{"start":"2026-11-26T14:00:00Z","duration_minutes":60,"location":"Room 4"}`)
	if a.body["sequence"] != float64(0) || a.body["end"] != "2026-11-26T15:00:00Z" || a.body["scheduled_by"] != "rita" || a.body["ics_path"] != path+".ics" {
		t.Fatalf("scheduled: %s", a.raw)
	}
	if p, _ := a.body["participants"].([]any); len(p) != 2 || p[0] != "rita" || p[1] != "rob" {
		t.Errorf("default participants %v, want the role holders", p)
	}
	pm := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1/postmortem", "")
	if m, _ := pm.body["meeting"].(map[string]any); m == nil || m["location"] != "Room 4" {
		t.Errorf("the post-mortem shows no meeting: %s", pm.raw)
	}
	tasks := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1", "")
	if !strings.Contains(tasks.raw, `"key":"postmortem-review"`) || !regexpTask(tasks.raw) {
		t.Errorf("the review task is not started: %s", tasks.raw)
	}

	ics := func() (uid, seq string) {
		t.Helper()
		a := s.must(t, 200, "vera", "GET", path+".ics", "")
		if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/calendar") || !strings.Contains(ct, "method=REQUEST") {
			t.Errorf("Content-Type %q", ct)
		}
		cal, err := ical.NewDecoder(bytes.NewReader([]byte(a.raw))).Decode()
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, a.raw)
		}
		ev := cal.Events()[0]
		uid, _ = ev.Props.Text(ical.PropUID)
		if s, _ := ev.Props.Text(ical.PropSummary); s != "Post-mortem review: INC-1 Leaked deploy key" {
			t.Errorf("SUMMARY %q", s)
		}
		return uid, ev.Props.Get(ical.PropSequence).Value
	}
	uid0, seq0 := ics()
	s.must(t, 200, "rob", "POST", path, `{"start":"2026-11-27T10:00:00Z","duration_minutes":30,"participants":["rob","rita"]}`)
	uid1, seq1 := ics()
	if seq0 != "0" || seq1 != "1" || uid0 != uid1 || uid0 == "" {
		t.Errorf("reschedule: UID %q→%q, SEQUENCE %s→%s", uid0, uid1, seq0, seq1)
	}
	got := s.must(t, 200, "rita", "GET", path, "")
	if got.body["sequence"] != float64(1) || got.body["scheduled_by"] != "rob" || got.body["start"] != "2026-11-27T10:00:00Z" {
		t.Errorf("rescheduled: %s", got.raw)
	}

	// A restricted incident's meeting: for those who see it only.
	s.steps(t, "rita",
		[4]string{"PATCH", "/api/v1/incidents/INC-1", `{"restricted":true}`, "200"},
	)
	s.refused(t, 404, "", "vera", "GET", path, "")
	s.refused(t, 404, "", "vera", "GET", path+".ics", "")
	s.must(t, 200, "rob", "GET", path+".ics", "")
}

// regexpTask reports whether the review task in an incident's JSON is in
// progress.
func regexpTask(raw string) bool {
	i := strings.Index(raw, `"key":"postmortem-review"`)
	if i < 0 {
		return false
	}
	end := strings.Index(raw[i:], "}")
	return strings.Contains(raw[i:i+end], `"state":"in_progress"`)
}
