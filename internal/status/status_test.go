package status

import (
	"strings"
	"testing"
	"time"
	_ "time/tzdata" // the history test reads Europe/Berlin

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func comps(states ...State) []Component {
	var out []Component
	for i, s := range states {
		out = append(out, Component{ID: string(rune('a' + i)), Name: string(rune('A' + i)), State: s})
	}
	return out
}

func TestRollup(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	active := func(impact Impact) []Incident {
		return []Incident{{Kind: KindIncident, Impact: impact, Status: Investigating}}
	}
	tests := []struct {
		name       string
		comps      []Component
		incs       []Incident
		ind, descr string
	}{
		{"no components", nil, nil, "none", AllOperational},
		{"all operational", comps(Operational, Operational), nil, "none", AllOperational},
		{"one of one major", comps(MajorOutage), nil, "critical", MajorSystemOutage},
		{"all major", comps(MajorOutage, MajorOutage), nil, "critical", MajorSystemOutage},
		{"some major", comps(MajorOutage, Operational), nil, "major", PartialSysOutage},
		{"all partial", comps(PartialOutage, PartialOutage), nil, "major", PartialSysOutage},
		{"some partial", comps(PartialOutage, Degraded), nil, "minor", MinorServiceOutage},
		{"all degraded", comps(Degraded, Degraded), nil, "minor", DegradedSystem},
		{"some degraded", comps(Degraded, Maintenance), nil, "minor", PartiallyDegraded},
		{"maintenance", comps(Maintenance, Operational), nil, "maintenance", UnderMaintenance},
		{"major beats partial", comps(MajorOutage, PartialOutage, Operational), nil, "major", PartialSysOutage},
		{"incident raises", comps(Operational), active(ImpactMajor), "major", PartialSysOutage},
		{"critical incident", nil, active(ImpactCritical), "critical", MajorSystemOutage},
		{"minor incident", comps(Operational), active(ImpactMinor), "minor", MinorServiceOutage},
		{"incident of no impact", comps(Operational), active(ImpactNone), "none", AllOperational},
		{"milder incident leaves components", comps(MajorOutage), active(ImpactMinor), "critical", MajorSystemOutage},
		{"resolved incident", comps(Operational), []Incident{{Kind: KindIncident, Impact: ImpactCritical, Status: Resolved}}, "none", AllOperational},
		{"hidden incident", comps(Operational), []Incident{{Kind: KindIncident, Impact: ImpactCritical, Status: Investigating, Hidden: true}}, "none", AllOperational},
		{"maintenance in progress", comps(Operational), []Incident{{Kind: KindMaintenance, Impact: ImpactMaintenance, Status: InProgress}}, "maintenance", UnderMaintenance},
		{"maintenance scheduled", comps(Operational), []Incident{{Kind: KindMaintenance, Impact: ImpactMaintenance, Status: Scheduled}}, "none", AllOperational},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Rollup(tt.comps, tt.incs, now)
			if got.Indicator != tt.ind || got.Description != tt.descr {
				t.Fatalf("got %s %q, want %s %q", got.Indicator, got.Description, tt.ind, tt.descr)
			}
		})
	}
}

func TestHistory(t *testing.T) {
	t.Parallel()
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	// Now is 10:00 in Berlin on 3 Nov; the last 10 days run 25 Oct – 3 Nov,
	// the first of them 25 hours long (summer time ends that Sunday).
	now := time.Date(2026, 11, 3, 10, 0, 0, 0, berlin)
	c := Component{ID: "api", State: Operational, CreatedAt: time.Date(2026, 10, 27, 15, 0, 0, 0, berlin)}
	at := func(day, hour int) time.Time {
		m := time.October
		if day < 20 {
			m = time.November
		}
		return time.Date(2026, m, day, hour, 0, 0, 0, berlin)
	}
	changes := []Change{
		{ComponentID: "api", Old: Operational, New: MajorOutage, At: at(29, 23)}, // late on the 29th…
		{ComponentID: "api", Old: MajorOutage, New: Degraded, At: at(30, 1)},     // …into the 30th
		{ComponentID: "api", Old: Degraded, New: Operational, At: at(30, 3)},
		{ComponentID: "api", Old: Operational, New: Maintenance, At: at(2, 22)},
		{ComponentID: "api", Old: Maintenance, New: Operational, At: at(2, 23)},
	}
	c.State = Operational
	days := History(c, changes, now, 10, berlin)
	var got []string
	for _, d := range days {
		s := d.Date.Format("Jan 2") + "=" + string(d.Worst)
		if d.NoData {
			s = d.Date.Format("Jan 2") + "=-"
		}
		if d.Date.Hour() != 0 {
			t.Errorf("%s starts at %s, not midnight", d.Date.Format("Jan 2"), d.Date.Format("15:04"))
		}
		got = append(got, s)
	}
	want := []string{"Oct 25=-", "Oct 26=-", "Oct 27=operational", "Oct 28=operational", "Oct 29=major_outage",
		"Oct 30=major_outage", "Oct 31=operational", "Nov 1=operational", "Nov 2=under_maintenance", "Nov 3=operational"}
	if strings.Join(got, " ") != strings.Join(want, " ") {
		t.Fatalf("history\n got %v\nwant %v", got, want)
	}
	// The state at the start is the first change's old one.
	c2 := Component{ID: "db", State: Operational, CreatedAt: at(1, 0).AddDate(0, -6, 0)}
	days = History(c2, []Change{{ComponentID: "db", Old: PartialOutage, New: Operational, At: at(31, 12)}}, now, 10, berlin)
	if days[0].Worst != PartialOutage || days[6].Worst != PartialOutage || days[7].Worst != Operational {
		t.Fatalf("days %+v", days)
	}
}

func TestPublishValidation(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cs := []Component{{ID: "api", Name: "API", State: Operational}, {ID: "web", Name: "Website", State: Operational}}
	later := now.Add(time.Hour)
	tests := []struct {
		name string
		in   PublishInput
		want string // every problem, "field: message; …"
	}{
		{"empty", PublishInput{}, "title: title is required; impact: impact is required: one of none, minor, major, critical; body: body is required"},
		{"bad values", PublishInput{Title: "T", Impact: "huge", Status: "fixed", Body: "b"},
			`impact: unknown impact "huge"; one of none, minor, major, critical; status: unknown status "fixed" for an incident; one of investigating, identified, monitoring, resolved`},
		{"unknown component", PublishInput{Title: "T", Impact: ImpactMinor, Body: "b", Components: []string{"api", "db"}},
			`components[1]: no component "db"`},
		{"state of an unaffected component", PublishInput{Title: "T", Impact: ImpactMinor, Body: "b", Components: []string{"api"},
			States: map[string]State{"web": MajorOutage, "api": "down"}},
			`component_states.api: unknown state "down"; one of operational, under_maintenance, degraded_performance, partial_outage, major_outage; component_states.web: Website is not an affected component of this incident`},
		{"maintenance without times", PublishInput{Kind: KindMaintenance, Title: "Upgrade", Body: "b"},
			"scheduled_for: a maintenance needs scheduled_for, when it starts"},
		{"maintenance ends first", PublishInput{Kind: KindMaintenance, Title: "Upgrade", Body: "b", ScheduledFor: &later, ScheduledUntil: &now},
			"scheduled_until: scheduled_until must be after scheduled_for"},
		{"long title", PublishInput{Title: strings.Repeat("x", MaxTitle+1), Impact: ImpactNone, Body: "b"},
			"title: title is longer than 200 characters"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, _, err := NewIncident(tt.in, cs, "p1", "u1", "alice", now)
			e, ok := errs.As(err)
			if !ok || e.Code != errs.Invalid {
				t.Fatalf("got %v, want an invalid error", err)
			}
			var got []string
			for _, d := range e.Details {
				got = append(got, d.Field+": "+d.Message)
			}
			if g := strings.Join(got, "; "); g != tt.want {
				t.Fatalf("got  %s\nwant %s", g, tt.want)
			}
		})
	}
}

func TestPublishAndUpdate(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 11, 25, 12, 0, 0, 0, time.UTC)
	cs := []Component{{ID: "api", Name: "API", State: Operational}}
	inc, fx, err := NewIncident(PublishInput{Title: " Slow API ", Impact: ImpactMinor, Body: "Looking.", Components: []string{"api", "api"},
		States: map[string]State{"api": Degraded}}, cs, "p1", "u1", "alice", now)
	if err != nil {
		t.Fatal(err)
	}
	if inc.Title != "Slow API" || inc.Status != Investigating || len(inc.Components) != 1 || !fx.Notify ||
		len(fx.Changes) != 1 || fx.Changes[0].New != Degraded || fx.Update.Components[0].Old != Operational {
		t.Fatalf("published %+v with %+v", inc, fx)
	}
	cs[0].State = Degraded
	mon := now.Add(time.Minute)
	if _, err := ApplyUpdate(&inc, UpdateInput{Status: Monitoring, Body: "Fix deployed."}, cs, "u2", "bob", mon); err != nil {
		t.Fatal(err)
	}
	if inc.MonitoringAt == nil || !inc.MonitoringAt.Equal(mon) || inc.ResolvedAt != nil {
		t.Fatalf("monitoring %+v", inc)
	}
	res := mon.Add(time.Minute)
	no := false
	fx, err = ApplyUpdate(&inc, UpdateInput{Status: Resolved, Body: "Fixed.", Notify: &no, States: map[string]State{"api": Operational}}, cs, "u3", "bob", res)
	if err != nil || inc.ResolvedAt == nil || fx.Notify || len(fx.Changes) != 1 || len(inc.Updates) != 3 || inc.Updates[0].ID != "u3" {
		t.Fatalf("resolved %+v %+v %v", inc, fx, err)
	}
	if _, err := ApplyUpdate(&inc, UpdateInput{Status: Investigating, Body: "It is back."}, cs, "u4", "bob", res.Add(time.Minute)); err != nil || inc.ResolvedAt != nil {
		t.Fatalf("reopened %+v %v", inc, err)
	}
	_, err = ApplyUpdate(&inc, UpdateInput{Status: Completed, Body: "x"}, cs, "u5", "bob", res)
	if e, ok := errs.As(err); !ok || e.Field != "status" {
		t.Fatalf("a maintenance status on an incident: %v", err)
	}
}

func TestCheckRestricted(t *testing.T) {
	t.Parallel()
	admin, alice := Actor{User: "root", Admin: true}, Actor{User: "alice"}
	tests := []struct {
		name                           string
		a                              Actor
		restricted, confirmed, confirm bool
		now                            bool
		code                           errs.Code
	}{
		{"open incident", alice, false, false, false, false, ""},
		{"restricted, responder", alice, true, false, true, false, errs.Forbidden},
		{"restricted, responder, confirmed before", alice, true, true, false, false, errs.Forbidden},
		{"restricted, admin without the flag", admin, true, false, false, false, errs.Invalid},
		{"restricted, admin with the flag", admin, true, false, true, true, ""},
		{"restricted, admin, confirmed before", admin, true, true, false, false, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			now, err := CheckRestricted(tt.a, "INC-1", tt.restricted, tt.confirmed, tt.confirm)
			if now != tt.now || (err == nil) != (tt.code == "") || err != nil && errs.CodeOf(err) != tt.code {
				t.Fatalf("got %v, %v", now, err)
			}
		})
	}
}

func TestNormaliseEmail(t *testing.T) {
	t.Parallel()
	for in, want := range map[string]string{
		" Ann@Example.COM ": "ann@example.com", "a.b+status@ex.co": "a.b+status@ex.co",
		"": "", "ann": "", "Ann <ann@example.com>": "", "ann@localhost": "", "ann@ex.com.": "", "a@b@c.com": "",
		strings.Repeat("a", 250) + "@ex.com": "",
	} {
		got, err := NormaliseEmail(in)
		if got != want || (err == nil) != (want != "") {
			t.Errorf("NormaliseEmail(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
}

func TestSortedKeepsGroupsTogether(t *testing.T) {
	t.Parallel()
	cs := []Component{
		{ID: "1", Name: "Website", Position: 1},
		{ID: "2", Name: "EU", Group: "Regions", Position: 2},
		{ID: "3", Name: "API", Position: 3},
		{ID: "4", Name: "US", Group: "Regions", Position: 4},
	}
	var names []string
	for _, c := range Sorted(cs) {
		names = append(names, c.Name)
	}
	if got := strings.Join(names, ","); got != "Website,EU,US,API" {
		t.Fatalf("order %s", got)
	}
	p := Public{Page: Page{ID: "pg"}, Components: cs}
	sp := p.SPComponents()
	if len(sp) != 5 || !sp[1].Group || sp[1].Name != "Regions" || len(sp[1].Components) != 2 || *sp[2].GroupID != sp[1].ID || sp[4].GroupID != nil {
		t.Fatalf("statuspage components %+v", sp)
	}
}
