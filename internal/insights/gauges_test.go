package insights

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

type fakeStore struct {
	srcs  []Source
	pages []PageSource
}

func (f fakeStore) InsightsSources(_ context.Context, from, to time.Time) ([]Source, error) {
	var out []Source
	for _, s := range f.srcs {
		if !s.Incident.DeclaredAt.Before(from) && s.Incident.DeclaredAt.Before(to) {
			out = append(out, s)
		}
	}
	return out, nil
}

func (f fakeStore) InsightsPages(context.Context, time.Time, time.Time) ([]PageSource, error) {
	return f.pages, nil
}

// TestGauges: the gauges hold the trailing 90 days as someone who sees no
// restricted incident: SEV1's single restricted incident is left out,
// while the totals count it.
func TestGauges(t *testing.T) {
	now := at("2026-12-01T12:00:00Z")
	src := func(id, sev string, restricted bool, declared string, ttd time.Duration) Source {
		d := at(declared)
		return Source{Incident: incident.Incident{ID: id, Ref: "INC-" + id, Severity: sev, Restricted: restricted, DeclaredAt: d, DetectedAt: d.Add(-ttd)}}
	}
	fs := fakeStore{srcs: []Source{
		src("1", "SEV2", false, "2026-11-02T10:00:00Z", 10*time.Minute),
		src("2", "SEV2", false, "2026-11-03T10:00:00Z", 20*time.Minute),
		src("3", "SEV2", false, "2026-11-04T10:00:00Z", 30*time.Minute),
		src("4", "SEV1", true, "2026-11-05T10:00:00Z", 40*time.Minute),
		src("5", "SEV2", false, "2026-06-01T10:00:00Z", time.Hour), // before the window
	}, pages: []PageSource{{User: "dave", At: at("2026-11-07T03:00:00Z"), IncidentID: "1"}}}
	svc := New(Deps{Store: fs, Now: func() time.Time { return now }, Order: []string{"SEV1", "SEV2"}})
	g := NewGauges(svc, time.Hour)
	reg := prometheus.NewRegistry()
	reg.MustRegister(g)
	if mfs, err := reg.Gather(); err != nil || len(mfs) != 0 {
		t.Fatalf("before the first computation: %d families, %v", len(mfs), err)
	}
	if err := g.Refresh(context.Background()); err != nil {
		t.Fatal(err)
	}
	mfs, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]float64{}
	for _, mf := range mfs {
		for _, m := range mf.GetMetric() {
			var labels []string
			for _, l := range m.GetLabel() {
				labels = append(labels, l.GetName()+"="+l.GetValue())
			}
			got[mf.GetName()+"{"+strings.Join(labels, ",")+"}"] = m.GetGauge().GetValue()
		}
	}
	want := map[string]float64{
		"firebreak_insights_incidents{severity=SEV2}":                 3,
		"firebreak_insights_incidents{severity=all}":                  4,
		"firebreak_insights_mtta_seconds{quantile=0.5,severity=SEV2}": 1200,
		"firebreak_insights_mtta_seconds{quantile=0.9,severity=SEV2}": 1800,
		"firebreak_insights_mtta_seconds{quantile=0.5,severity=all}":  1200,
		"firebreak_insights_mtta_seconds{quantile=0.9,severity=all}":  2400,
		"firebreak_insights_pages{user=dave}":                         1,
		"firebreak_insights_out_of_hours_pages{user=dave}":            1,
		"firebreak_insights_computed_timestamp_seconds{}":             float64(now.Unix()),
	}
	for k, v := range want {
		if g, ok := got[k]; !ok || g != v {
			t.Errorf("%s = %v (present %v), want %v", k, g, ok, v)
		}
	}
	for k := range got {
		if strings.Contains(k, "SEV1") {
			t.Errorf("%s: the restricted incident's cell of one is exported", k)
		}
	}
}
