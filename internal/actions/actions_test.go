package actions

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

func TestDueIsADayInTheZone(t *testing.T) {
	t.Parallel()
	ny, err := time.LoadLocation("America/New_York")
	if err != nil {
		t.Skip("no tzdata:", err)
	}
	// 03:00 UTC on the 25th is still the 24th in New York.
	now := time.Date(2026, 11, 25, 3, 0, 0, 0, time.UTC)
	tests := []struct {
		due     string
		loc     *time.Location
		wantAt  time.Time
		wantErr string
	}{
		{"2026-11-24", ny, time.Date(2026, 11, 25, 5, 0, 0, 0, time.UTC), ""},
		{"2026-11-24", time.UTC, time.Time{}, "2026-11-24 is in the past (today is 2026-11-25 in UTC)"},
		{"2026-11-25", time.UTC, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), ""},
		{"2026-11-23", ny, time.Time{}, "2026-11-23 is in the past (today is 2026-11-24 in America/New_York)"},
		{"2036-11-26", time.UTC, time.Time{}, "must be within ten years"},
		{"tomorrow", time.UTC, time.Time{}, "must be a date as YYYY-MM-DD"},
		{"", time.UTC, time.Time{}, "is required"},
	}
	for _, tt := range tests {
		var c checker
		_, at := c.due(tt.due, now, tt.loc)
		err := c.err()
		if tt.wantErr != "" {
			if e, ok := errs.As(err); !ok || e.Field != "due" || e.Message != tt.wantErr {
				t.Errorf("%s in %s: %v, want %q", tt.due, tt.loc, err, tt.wantErr)
			}
			continue
		}
		if err != nil || !at.Equal(tt.wantAt) {
			t.Errorf("%s in %s: %v %v, want %v", tt.due, tt.loc, at, err, tt.wantAt)
		}
	}
}

func TestMoves(t *testing.T) {
	t.Parallel()
	tests := []struct {
		from, to State
		ok       bool
	}{
		{Open, InProgress, true}, {Open, Done, true}, {Open, WontDo, true},
		{InProgress, Open, true}, {InProgress, Done, true}, {InProgress, WontDo, true},
		{Done, Open, true}, {WontDo, Open, true},
		{Done, InProgress, false}, {Done, WontDo, false}, {WontDo, Done, false}, {Open, Open, false},
	}
	for _, tt := range tests {
		if got := CanMove(tt.from, tt.to); got != tt.ok {
			t.Errorf("%s → %s: %v", tt.from, tt.to, got)
		}
	}
}

func TestParseID(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]int64{"ACT-12": 12, "act-3": 3, " 7 ": 7} {
		if n, err := ParseID(in); err != nil || n != want {
			t.Errorf("%q: %d %v", in, n, err)
		}
	}
	for _, in := range []string{"", "ACT-", "ACT-0", "INC-3", "ACT--1", "ACT-1x"} {
		if _, err := ParseID(in); errs.CodeOf(err) != errs.NotFound {
			t.Errorf("%q: %v", in, err)
		}
	}
}

func event(seq int64, typ string, at time.Time, d Data) incident.Event {
	raw, _ := json.Marshal(d)
	return incident.Event{IncidentID: "i1", Seq: seq, Type: typ, Actor: "ann", RecordedAt: at, Data: raw}
}

func TestApply(t *testing.T) {
	t.Parallel()
	t0 := time.Date(2026, 1, 1, 9, 0, 0, 0, time.UTC)
	d := Data{Action: "ACT-4", Number: 4, Title: "t", Owner: "bob", Due: "2026-01-09", DueAt: t0.Add(200 * time.Hour), Priority: P2, Kind: Detect, State: Open}
	items := map[int64]*Action{}
	if err := Apply(items, "INC-1", event(2, EvCreated, t0, d)); err != nil {
		t.Fatal(err)
	}
	if err := Apply(items, "INC-1", event(3, EvCreated, t0, d)); err == nil {
		t.Fatal("created twice")
	}
	d.State, d.Changed = Done, []string{"state"}
	if err := Apply(items, "INC-1", event(4, EvUpdated, t0.Add(time.Hour), d)); err != nil {
		t.Fatal(err)
	}
	a := items[4]
	if a.Version != 2 || a.ClosedAt == nil || !a.ClosedAt.Equal(t0.Add(time.Hour)) || !a.CreatedAt.Equal(t0) || a.Incident != "INC-1" || !a.ClosedOnTime() {
		t.Fatalf("folded %+v", a)
	}
	if err := Apply(items, "INC-1", event(5, EvUpdated, t0, Data{Action: "ACT-5", Number: 5})); err == nil {
		t.Fatal("updated before created")
	}
	if err := Apply(items, "INC-1", event(6, EvUpdated, t0, Data{Action: "ACT-6", Number: 4})); err == nil {
		t.Fatal("name and number disagree")
	}
	if err := Apply(items, "INC-1", incident.Event{Type: "asset.added", Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
}
