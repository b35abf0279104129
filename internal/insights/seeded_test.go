package insights_test

import (
	"context"
	"fmt"
	"math"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/insights"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// restricted are the seed numbers (0-based) of the restricted incidents;
// 5 and 17 are the only incidents of type "insider".
var restricted = []int{5, 17, 33, 41}

// seed declares 50 incidents a day apart from 2026-11-02 09:00 UTC, each
// walked through its phases at known times (see the comment of each step),
// with post-mortems published late, on time or never. The expected
// figures in TestSeededFigures were worked out by hand (by an independent
// script) from the same rules.
func seed(t *testing.T, s *storetest.Setup) {
	t.Helper()
	ctx := context.Background()
	alice := incident.Viewer{User: "alice"}
	base := time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC)
	set := func(at time.Time) { s.Clock.Advance(at.Sub(s.Clock.Now())) }
	must := func(_ incident.Incident, err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for i := range 50 {
		d := base.AddDate(0, 0, i)
		set(d)
		typ := "malware"
		if i%2 == 1 {
			typ = "phishing"
		}
		if i == 5 || i == 17 {
			typ = "insider"
		}
		// Detected (i%5+1)×10 minutes before the declaration.
		detected := d.Add(-time.Duration(i%5+1) * 10 * time.Minute)
		inc, err := s.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: fmt.Sprintf("seed %d", i), Type: typ,
			Severity: fmt.Sprintf("SEV%d", i%4+1), Restricted: slices.Contains(restricted, i), DetectedAt: &detected})
		if err != nil {
			t.Fatal(err)
		}
		c := incident.Command{Actor: alice, Ref: inc.Ref}
		must(s.Incidents.Assign(ctx, c, incident.IRLead, "alice"))
		must(s.Incidents.Assign(ctx, c, incident.IncidentCommander, "alice"))
		set(d.Add(5 * time.Minute))
		must(s.Incidents.Transition(ctx, c, incident.Active, ""))
		if i%7 == 6 {
			continue // never contained
		}
		// Contained (i%3+1) h after the declaration, eradicated 2 h
		// later, recovered (i%2+1) h after that.
		contained := d.Add(time.Duration(i%3+1) * time.Hour)
		set(contained)
		must(s.Incidents.Transition(ctx, c, incident.Contained, ""))
		if i == 3 {
			// Reinfected and contained again: the first containment counts.
			set(contained.Add(30 * time.Minute))
			must(s.Incidents.Transition(ctx, c, incident.Active, "reinfected"))
			set(contained.Add(time.Hour))
			must(s.Incidents.Transition(ctx, c, incident.Contained, ""))
		}
		must(s.Incidents.Update(ctx, c, incident.UpdateInput{RootCause: new("seeded")}))
		set(contained.Add(2 * time.Hour))
		must(s.Incidents.Transition(ctx, c, incident.Eradicated, ""))
		recovered := contained.Add(2*time.Hour + time.Duration(i%2+1)*time.Hour)
		set(recovered)
		must(s.Incidents.Transition(ctx, c, incident.Recovered, ""))
		// Post-mortems: late (9 days on), never, or on time (3 days on).
		switch i % 4 {
		case 0:
			set(recovered.AddDate(0, 0, 9))
		case 1:
			continue
		default:
			set(recovered.AddDate(0, 0, 3))
		}
		// alice is IR Lead and commander: the only possible reviewer.
		must(s.Incidents.SavePostmortem(ctx, c, incident.PostmortemInput{Doc: incident.PostmortemDoc{Summary: "what happened"}}))
		must(s.Incidents.RequestPostmortemReview(ctx, c, nil))
		must(s.Incidents.ReviewPostmortem(ctx, c, incident.Approve, ""))
		must(s.Incidents.PublishPostmortem(ctx, c))
	}
	set(time.Date(2027, 3, 1, 12, 0, 0, 0, time.UTC))
}

type want struct {
	by, period, group          string
	n                          int
	declN                      int
	declMean, declP50, declP90 float64
	contN                      int
	contMean, contP50, contP90 float64
	eradN                      int
	eradMean, eradP50, eradP90 float64
	recN                       int
	recMean, recP50, recP90    float64
	pmDue, pmOnTime            int
}

// wants are the figures as worked out by hand: by, period, group,
// incidents; then n, mean, p50, p90 (seconds) of the time to declare, to
// contain, to eradicate and to recover; then post-mortems due and on time.
// MTTA equals the time to declare here: these incidents were declared by
// hand, and declaring is the acknowledgement.
var wants = []want{
	{"severity", "2026-11", "SEV1", 8, 8, 1875.0, 1800, 3000, 7, 6171.428571428572, 7200, 10800, 7, 13371.42857142857, 14400, 18000, 7, 16971.428571428572, 18000, 21600, 5, 0},
	{"severity", "2026-11", "SEV2", 7, 7, 1542.857142857143, 1200, 3000, 6, 7200.0, 7200, 10800, 6, 14400.0, 14400, 18000, 6, 21600.0, 21600, 25200, 5, 0},
	{"severity", "2026-11", "SEV3", 7, 7, 1714.2857142857142, 1800, 3000, 6, 8400.0, 7200, 10800, 6, 15600.0, 14400, 18000, 6, 19200.0, 18000, 21600, 4, 4},
	{"severity", "2026-11", "SEV4", 7, 7, 1885.7142857142858, 1800, 3000, 6, 7200.0, 7200, 10800, 6, 14400.0, 14400, 18000, 6, 21600.0, 21600, 25200, 5, 5},
	{"severity", "2026-11", "all", 29, 29, 1758.6206896551723, 1800, 3000, 25, 7200.0, 7200, 10800, 25, 14400.0, 14400, 18000, 25, 19728.0, 18000, 25200, 19, 9},
	{"severity", "2026-12", "SEV1", 5, 5, 1800.0, 1800, 3000, 4, 8100.0, 7200, 10800, 4, 15300.0, 14400, 18000, 4, 18900.0, 18000, 21600, 6, 0},
	{"severity", "2026-12", "SEV2", 6, 6, 2000.0, 1800, 3000, 5, 6480.0, 7200, 10800, 5, 13680.0, 14400, 18000, 5, 20880.0, 21600, 25200, 6, 0},
	{"severity", "2026-12", "SEV3", 5, 5, 1800.0, 1800, 3000, 4, 6300.0, 3600, 10800, 4, 13500.0, 10800, 18000, 4, 17100.0, 14400, 21600, 6, 6},
	{"severity", "2026-12", "SEV4", 5, 5, 1800.0, 1800, 3000, 5, 7920.0, 7200, 10800, 5, 15120.0, 14400, 18000, 5, 22320.0, 21600, 25200, 6, 6},
	{"severity", "2026-12", "all", 21, 21, 1857.142857142857, 1800, 3000, 18, 7200.0, 7200, 10800, 18, 14400.0, 14400, 18000, 18, 20000.0, 21600, 25200, 24, 12},
	{"type", "2026-11", "all", 29, 29, 1758.6206896551723, 1800, 3000, 25, 7200.0, 7200, 10800, 25, 14400.0, 14400, 18000, 25, 19728.0, 18000, 25200, 19, 9},
	{"type", "2026-11", "insider", 2, 2, 1200.0, 600, 1800, 2, 10800.0, 10800, 10800, 2, 18000.0, 18000, 18000, 2, 25200.0, 25200, 25200, 2, 0},
	{"type", "2026-11", "malware", 15, 15, 1800.0, 1800, 3000, 13, 7200.0, 7200, 10800, 13, 14400.0, 14400, 18000, 13, 18000.0, 18000, 21600, 9, 4},
	{"type", "2026-11", "phishing", 12, 12, 1800.0, 1800, 3000, 10, 6480.0, 7200, 10800, 10, 13680.0, 14400, 18000, 10, 20880.0, 21600, 25200, 8, 5},
	{"type", "2026-12", "all", 21, 21, 1857.142857142857, 1800, 3000, 18, 7200.0, 7200, 10800, 18, 14400.0, 14400, 18000, 18, 20000.0, 21600, 25200, 24, 12},
	{"type", "2026-12", "malware", 10, 10, 1800.0, 1800, 3000, 8, 7200.0, 7200, 10800, 8, 14400.0, 14400, 18000, 8, 18000.0, 18000, 21600, 12, 6},
	{"type", "2026-12", "phishing", 11, 11, 1909.090909090909, 1800, 3000, 10, 7200.0, 7200, 10800, 10, 14400.0, 14400, 18000, 10, 21600.0, 21600, 25200, 12, 6},
}

func TestSeededFigures(t *testing.T) {
	storetest.ForEachBackend(t, func(t *testing.T, b storetest.Backend) {
		s := storetest.NewSetup(t, b)
		seed(t, s)
		svc := insights.New(insights.Deps{Store: s.DB, Now: s.Clock.Now, Order: []string{"SEV1", "SEV2", "SEV3", "SEV4"}})
		for _, by := range []insights.Dimension{insights.BySeverity, insights.ByType} {
			q, err := svc.Query(insights.Request{Period: insights.Month, By: by, From: "2026-11-01", To: "2026-12-31"})
			if err != nil {
				t.Fatal(err)
			}
			admin, err := svc.Report(context.Background(), incident.Viewer{User: "root", SeeAll: true}, q)
			if err != nil {
				t.Fatal(err)
			}
			bob, err := svc.Report(context.Background(), incident.Viewer{User: "bob"}, q)
			if err != nil {
				t.Fatal(err)
			}
			checkFigures(t, by, admin, bob)
		}
	})
}

func rowOf(rep insights.Report, period, group string) (insights.Row, bool) {
	for _, r := range append(append([]insights.Row{}, rep.Rows...), rep.Totals...) {
		if r.Period == period && r.Group == group {
			return r, true
		}
	}
	return insights.Row{}, false
}

func checkFigures(t *testing.T, by insights.Dimension, admin, bob insights.Report) {
	t.Helper()
	n := 0
	for _, w := range wants {
		if w.by != string(by) {
			continue
		}
		n++
		name := fmt.Sprintf("%s %s %s", w.by, w.period, w.group)
		r, ok := rowOf(admin, w.period, w.group)
		if !ok {
			t.Errorf("%s: no row", name)
			continue
		}
		if r.Incidents == nil || *r.Incidents != w.n {
			t.Errorf("%s: incidents %v, want %d", name, r.Incidents, w.n)
		}
		summary(t, name+" mtta", r.MTTA, w.declN, w.declMean, w.declP50, w.declP90)
		summary(t, name+" declare", r.ToDeclare, w.declN, w.declMean, w.declP50, w.declP90)
		summary(t, name+" contain", r.ToContain, w.contN, w.contMean, w.contP50, w.contP90)
		summary(t, name+" eradicate", r.ToEradicate, w.eradN, w.eradMean, w.eradP50, w.eradP90)
		summary(t, name+" recover", r.ToRecover, w.recN, w.recMean, w.recP50, w.recP90)
		if pm := r.Postmortems; pm.Due == nil || *pm.Due != w.pmDue || *pm.OnTime != w.pmOnTime {
			t.Errorf("%s: post-mortems %v/%v, want %d/%d", name, pm.OnTime, pm.Due, w.pmOnTime, w.pmDue)
		}
		// Bob may not see the restricted incidents: they stay in his
		// counts, never in his drill-downs, and a cell of fewer than 3
		// that holds one is withheld from him.
		br, ok := rowOf(bob, w.period, w.group)
		if !ok {
			t.Errorf("%s: no row for bob", name)
			continue
		}
		if w.group == "insider" {
			if !br.Suppressed || br.Incidents != nil || !br.MTTA.Suppressed || br.MTTA.Mean != nil || !br.Postmortems.Suppressed || len(br.Refs) != 0 {
				t.Errorf("%s: bob sees a withheld cell: %+v", name, br)
			}
			continue
		}
		if br.Incidents == nil || *br.Incidents != w.n {
			t.Errorf("%s: bob's count %v, want %d (restricted ones included)", name, br.Incidents, w.n)
		}
		hidden := 0
		for _, ref := range r.Refs {
			if slices.ContainsFunc(restricted, func(i int) bool { return ref == incident.RefOf(int64(i+1)) }) {
				hidden++
				if slices.Contains(br.Refs, ref) {
					t.Errorf("%s: bob's drill-down lists restricted %s", name, ref)
				}
			}
		}
		if len(r.Refs) != w.n || len(br.Refs) != w.n-hidden {
			t.Errorf("%s: drill-down %d for admin, %d for bob; want %d and %d", name, len(r.Refs), len(br.Refs), w.n, w.n-hidden)
		}
	}
	if n == 0 {
		t.Fatalf("no expectations for %s", by)
	}
}

func summary(t *testing.T, name string, s insights.Summary, n int, mean, p50, p90 float64) {
	t.Helper()
	if s.N == nil || *s.N != n {
		t.Errorf("%s: n %v, want %d", name, s.N, n)
		return
	}
	if n == 0 {
		return
	}
	if math.Abs(*s.Mean-mean) > 1e-6 || *s.P50 != p50 || *s.P90 != p90 {
		t.Errorf("%s: mean %v p50 %v p90 %v, want %v %v %v", name, *s.Mean, *s.P50, *s.P90, mean, p50, p90)
	}
}
