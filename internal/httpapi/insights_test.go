package httpapi_test

import (
	"encoding/csv"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/insights"
)

// TestInsightsOverHTTP: a viewer reads the figures; restricted incidents
// are in the counts and never in the drill-down; a bad period or date is
// refused naming the parameter; the CSV parses; the gauges reach
// /metrics.
func TestInsightsOverHTTP(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	for _, body := range []string{`{"title":"a","severity":"SEV3"}`, `{"title":"b","severity":"SEV3"}`, `{"title":"c","severity":"SEV3","restricted":true}`} {
		s.must(t, 201, "rita", "POST", "/api/v1/incidents", body)
	}
	today := time.Now().UTC().Format(time.DateOnly)
	q := "?period=week&by=severity&from=" + today + "&to=" + today
	for user, refs := range map[string][]string{"vera": {"INC-1", "INC-2"}, "rita": {"INC-1", "INC-2", "INC-3"}} {
		a := s.must(t, 200, user, "GET", "/api/v1/insights"+q, "")
		var rep insights.Report
		if err := json.Unmarshal([]byte(a.raw), &rep); err != nil {
			t.Fatal(err)
		}
		if len(rep.Rows) != 1 || rep.Rows[0].Group != "SEV3" || rep.Rows[0].Incidents == nil || *rep.Rows[0].Incidents != 3 {
			t.Fatalf("%s: rows %s", user, a.raw)
		}
		if got := rep.Rows[0].Refs; !slices.Equal(got, refs) {
			t.Errorf("%s's drill-down %v, want %v", user, got, refs)
		}
	}
	s.refused(t, 422, "period", "vera", "GET", "/api/v1/insights?period=fortnight", "")
	s.refused(t, 422, "by", "vera", "GET", "/api/v1/insights?by=colour", "")
	s.refused(t, 422, "from", "vera", "GET", "/api/v1/insights?from=yesterday", "")
	s.refused(t, 422, "to", "vera", "GET", "/api/v1/insights?from=2026-02-01&to=2026-01-01", "")
	s.refused(t, 401, "", "", "GET", "/api/v1/insights", "")

	a := s.must(t, 200, "vera", "GET", "/api/v1/insights.csv"+q, "")
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("Content-Type %q", ct)
	}
	rows, err := csv.NewReader(strings.NewReader(a.raw)).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if len(rows) != 3 || rows[1][2] != "SEV3" || rows[1][3] != "3" || rows[2][2] != "all" {
		t.Errorf("CSV %v", rows)
	}

	// The gauges are computed when the server starts, then every few
	// minutes (not per scrape): wait for the first computation.
	deadline := time.Now().Add(10 * time.Second)
	for !strings.Contains(s.call(t, "", "GET", "/metrics", "").raw, "firebreak_insights_computed_timestamp_seconds") {
		if time.Now().After(deadline) {
			t.Fatal("no insights gauges on /metrics")
		}
		time.Sleep(20 * time.Millisecond)
	}
}
