package insights

import (
	"bytes"
	"encoding/csv"
	"encoding/xml"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

func at(s string) time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return t
}

func ptr[T any](v T) *T { return &v }

func TestBuckets(t *testing.T) {
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Skip("no time zone database")
	}
	tests := []struct {
		p        Period
		from, to time.Time
		loc      *time.Location
		labels   []string
		first    string
	}{
		{Week, at("2026-11-25T10:00:00Z"), at("2026-12-08T00:00:00Z"), time.UTC, []string{"2026-W48", "2026-W49", "2026-W50"}, "2026-11-23T00:00:00Z"},
		{Month, at("2026-11-30T23:30:00Z"), at("2026-12-31T23:00:00Z"), berlin, []string{"2026-12"}, "2026-12-01T00:00:00+01:00"},
		{Month, at("2026-11-30T22:30:00Z"), at("2027-01-01T00:00:00Z"), time.UTC, []string{"2026-11", "2026-12"}, "2026-11-01T00:00:00Z"},
		{Quarter, at("2026-02-10T00:00:00Z"), at("2026-07-01T00:00:00Z"), time.UTC, []string{"2026-Q1", "2026-Q2"}, "2026-01-01T00:00:00Z"},
	}
	for _, tt := range tests {
		bs, err := Buckets(tt.p, tt.from, tt.to, tt.loc)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, b := range bs {
			got = append(got, b.Label)
		}
		if strings.Join(got, ",") != strings.Join(tt.labels, ",") || bs[0].Start.Format(time.RFC3339) != tt.first {
			t.Errorf("%s %s..%s: %v from %s, want %v from %s", tt.p, tt.from, tt.to, got, bs[0].Start.Format(time.RFC3339), tt.labels, tt.first)
		}
	}
	if _, err := Buckets(Week, at("2000-01-01T00:00:00Z"), at("2026-01-01T00:00:00Z"), time.UTC); err == nil || !strings.Contains(err.Error(), "more than 120 weeks") {
		t.Errorf("decades by week: %v", err)
	}
}

func TestHoursOut(t *testing.T) {
	h := DefaultHours(time.UTC)
	us, _ := calendar.Lookup("US")
	for _, tt := range []struct {
		t    string
		days calendar.Calendar
		out  bool
	}{
		{"2026-11-25T08:59:59Z", nil, true},  // Wednesday, before 09:00
		{"2026-11-25T09:00:00Z", nil, false}, // the working day starts
		{"2026-11-25T17:59:00Z", nil, false},
		{"2026-11-25T18:00:00Z", nil, true}, // it ends
		{"2026-11-28T12:00:00Z", nil, true}, // Saturday
		{"2026-11-26T12:00:00Z", nil, false},
		{"2026-11-26T12:00:00Z", us, true}, // Thanksgiving on the US calendar
	} {
		h.Days = tt.days
		if got := h.Out(at(tt.t)); got != tt.out {
			t.Errorf("%s: out %v, want %v", tt.t, got, tt.out)
		}
	}
}

func TestBuildSignalsAndAcks(t *testing.T) {
	declared := at("2026-11-25T10:00:00Z")
	inc := incident.Incident{ID: "i1", Ref: "INC-1", Severity: "SEV2", DeclaredAt: declared, DetectedAt: at("2026-11-25T09:40:00Z"),
		Labels: map[string]string{"team": "labelled"}, Restricted: true, DeclaredBy: "alice",
		PostmortemDue: ptr(at("2026-12-02T10:00:00Z")), Postmortem: incident.Postmortem{PublishedAt: ptr(at("2026-12-01T10:00:00Z"))}}
	src := Source{Incident: inc,
		Signals: []Signal{{FirstSeen: at("2026-11-25T09:30:00Z"), AckedAt: ptr(at("2026-11-25T09:45:00Z")), Team: "db"}, {FirstSeen: at("2026-11-25T09:50:00Z"), Team: "web"}},
		Acks:    []time.Time{at("2026-11-25T09:42:00Z")},
		Transitions: []Transition{{incident.Active, at("2026-11-25T10:05:00Z")}, {incident.Contained, at("2026-11-25T11:00:00Z")},
			{incident.Active, at("2026-11-25T11:30:00Z")}, {incident.Contained, at("2026-11-25T12:00:00Z")}}}
	duties := []comms.Item{
		{DueAt: ptr(at("2026-11-28T10:00:00Z")), Applicability: comms.Applies, Record: &comms.Record{Kind: comms.RecordSubmitted, At: at("2026-11-27T10:00:00Z")}},
		{DueAt: ptr(at("2026-11-28T10:00:00Z")), Applicability: comms.Applies, Record: &comms.Record{Kind: comms.RecordWaived}},
		{DueAt: ptr(at("2026-11-28T10:00:00Z")), Applicability: comms.Possible},
		{Applicability: comms.Applies},
	}
	r := Build(incident.Viewer{User: "bob"}, src, duties, nil)
	if r.Visible {
		t.Error("bob sees a restricted incident he has no part in")
	}
	if !r.FirstSignal.Equal(at("2026-11-25T09:30:00Z")) || !r.Acknowledged.Equal(at("2026-11-25T09:42:00Z")) || r.Team != "db" {
		t.Errorf("signal %s ack %s team %s", r.FirstSignal, r.Acknowledged, r.Team)
	}
	if r.Contained == nil || !r.Contained.Equal(at("2026-11-25T11:00:00Z")) || r.Recovered != nil {
		t.Errorf("contained %v recovered %v: the first containment counts", r.Contained, r.Recovered)
	}
	if len(r.Duties) != 1 || r.Duties[0].Done == nil {
		t.Errorf("duties %+v: only the applicable, dated, not waived one", r.Duties)
	}
	if r2 := Build(incident.Viewer{User: "alice"}, Source{Incident: incident.Incident{DeclaredAt: declared, Labels: map[string]string{"team": "labelled"}}}, nil, nil); !r2.Acknowledged.Equal(declared) || !r2.FirstSignal.Equal(declared) || r2.Team != "labelled" {
		t.Errorf("declared by hand: %+v", r2)
	}
}

func TestPercentile(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	for _, tt := range []struct{ p, want float64 }{{0.5, 5}, {0.9, 9}, {0.91, 10}, {0.01, 1}} {
		if got := Percentile(v, tt.p); got != tt.want {
			t.Errorf("p%v: %v, want %v", tt.p, got, tt.want)
		}
	}
	if Percentile([]float64{42}, 0.9) != 42 {
		t.Error("one value")
	}
}

// small is two visible incidents and one hidden in one week, and one
// visible alone in the next; and pages.
func small() (Query, []Bucket, []Record, []Page) {
	q := Query{Period: Week, By: BySeverity, From: at("2026-11-23T00:00:00Z"), To: at("2026-12-07T00:00:00Z"), Loc: time.UTC, Order: []string{"SEV1", "SEV2"}, Actions: true}
	bs, _ := Buckets(q.Period, q.From, q.To, q.Loc)
	rec := func(id, sev string, visible bool, declared string, mins int) Record {
		d := at(declared)
		return Record{ID: id, Ref: "INC-" + id, Severity: sev, Visible: visible, Restricted: !visible, Declared: d,
			FirstSignal: d.Add(-time.Duration(mins) * time.Minute), Acknowledged: d}
	}
	recs := []Record{
		rec("1", "SEV2", true, "2026-11-24T10:00:00Z", 10),
		rec("2", "SEV2", true, "2026-11-25T10:00:00Z", 20),
		rec("3", "SEV1", false, "2026-11-25T11:00:00Z", 30),
		rec("4", "SEV2", true, "2026-12-01T10:00:00Z", 40),
	}
	recs[0].PostmortemDue, recs[0].PostmortemPublished = ptr(at("2026-11-26T10:00:00Z")), ptr(at("2026-11-26T09:00:00Z"))
	recs[1].PostmortemDue = ptr(at("2026-11-27T10:00:00Z")) // never published: late
	recs[3].PostmortemDue = ptr(at("2026-12-20T10:00:00Z")) // due later than now, not done: neither
	// Action items: one done on time, one done late, one open and overdue,
	// one due after now and open (neither).
	recs[0].Actions = []Due{{At: at("2026-11-28T00:00:00Z"), Done: ptr(at("2026-11-27T09:00:00Z"))}, {At: at("2026-11-28T00:00:00Z"), Done: ptr(at("2026-11-28T09:00:00Z"))}}
	recs[1].Actions = []Due{{At: at("2026-11-29T00:00:00Z")}, {At: at("2026-12-20T00:00:00Z")}}
	pages := []Page{
		{User: "carol", At: at("2026-11-25T03:00:00Z"), IncidentID: "3", OutOfHours: true},
		{User: "dave", At: at("2026-11-25T10:00:00Z"), IncidentID: "1", Visible: true},
		{User: "dave", At: at("2026-11-25T20:00:00Z"), Visible: true, OutOfHours: true},
	}
	return q, bs, recs, pages
}

func TestComputeSuppressesSmallHiddenCells(t *testing.T) {
	q, bs, recs, pages := small()
	rep := Compute(q, bs, recs, pages, at("2026-12-05T00:00:00Z"))
	want := map[string]string{ // period/group → incidents
		"2026-W48/SEV1": "<3", // one incident, hidden
		"2026-W48/SEV2": "2",
		"2026-W48/all":  "3", // three incidents, one hidden: shown
		"2026-W49/SEV2": "1",
		"2026-W49/all":  "1",
	}
	got := map[string]string{}
	for _, r := range append(rep.Rows, rep.Totals...) {
		got[r.Period+"/"+r.Group] = count(r.Incidents, r.Suppressed)
		if r.Period == "2026-W48" && r.Group == "all" {
			if strings.Join(r.Refs, ",") != "INC-1,INC-2" {
				t.Errorf("drill-down %v: the hidden incident is listed", r.Refs)
			}
			if *r.MTTA.N != 3 || *r.MTTA.Mean != 20*60 || *r.MTTA.P50 != 20*60 || *r.MTTA.P90 != 30*60 {
				t.Errorf("mtta %+v", r.MTTA)
			}
			if *r.Postmortems.Due != 2 || *r.Postmortems.OnTime != 1 || *r.Postmortems.Percent != 50 {
				t.Errorf("post-mortems %+v", r.Postmortems)
			}
			if a := r.Actions; a == nil || *a.Due != 3 || *a.OnTime != 1 || *a.Percent != 33.3 {
				t.Errorf("action items %+v", a)
			}
		}
		if r.Period == "2026-W48" && r.Group == "SEV1" && (!r.MTTA.Suppressed || r.MTTA.Mean != nil || len(r.Refs) != 0) {
			t.Errorf("the hidden incident's cell shows %+v", r)
		}
		if r.Period == "2026-W49" && *r.Postmortems.Due != 0 {
			t.Errorf("a post-mortem due after now and not published counted: %+v", r.Postmortems)
		}
	}
	for k, v := range want {
		if got[k] != v {
			t.Errorf("%s: %q, want %q (all %v)", k, got[k], v, got)
		}
	}
	if len(rep.People) != 2 || !rep.People[0].Suppressed || rep.People[0].User != "carol" || *rep.People[1].Pages != 2 || *rep.People[1].OutOfHours != 1 {
		t.Errorf("people %+v", rep.People)
	}
	// An admin sees every cell.
	for i := range recs {
		recs[i].Visible = true
	}
	for i := range pages {
		pages[i].Visible = true
	}
	rep = Compute(q, bs, recs, pages, at("2026-12-05T00:00:00Z"))
	if r := rep.Rows[0]; r.Group != "SEV1" || r.Suppressed || *r.Incidents != 1 || strings.Join(r.Refs, ",") != "INC-3" {
		t.Errorf("admin's first row %+v", r)
	}
}

func TestCSVParsesAndWithholds(t *testing.T) {
	q, bs, recs, pages := small()
	rep := Compute(q, bs, recs, pages, at("2026-12-05T00:00:00Z"))
	var b bytes.Buffer
	if err := WriteCSV(&b, rep); err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(&b).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if len(rows) != 1+len(rep.Rows)+len(rep.Totals) || strings.Join(rows[0], ",") != strings.Join(CSVHeader, ",") {
		t.Fatalf("rows %d, header %v", len(rows), rows[0])
	}
	col := func(name string) int {
		for i, h := range rows[0] {
			if h == name {
				return i
			}
		}
		t.Fatalf("no column %s", name)
		return -1
	}
	first := rows[1]
	if first[col("group")] != "SEV1" || first[col("incidents")] != "<3" || first[col("mtta_mean_seconds")] != "<3" {
		t.Errorf("withheld row %v", first)
	}
	if all := rows[len(rows)-2]; all[col("group")] != "all" || all[col("incidents")] != "3" || all[col("mtta_p90_seconds")] != "1800" || all[col("postmortems_on_time_percent")] != "50" {
		t.Errorf("totals row %v", all)
	}
}

func TestChartSVG(t *testing.T) {
	q, bs, recs, pages := small()
	rep := Compute(q, bs, recs, pages, at("2026-12-05T00:00:00Z"))
	charts := Charts(rep)
	if len(charts) != 3 {
		t.Fatalf("%d charts", len(charts))
	}
	svg := charts[0].SVG()
	if err := xml.Unmarshal([]byte(svg), new(struct{})); err != nil {
		t.Fatalf("not well-formed: %v\n%s", err, svg)
	}
	for _, want := range []string{`role="img"`, `aria-label="Incidents declared"`, `<title id="chart-incidents-title">Incidents declared</title>`, `<desc id="chart-incidents-desc">`,
		`fill="url(#chart-incidents-p1)"`, `>&lt;3</text>`, `>2</text>`, `>SEV2</text>`} {
		if !strings.Contains(svg, want) {
			t.Errorf("the chart lacks %s:\n%s", want, svg)
		}
	}
	// Text from the data is escaped.
	c := Chart{ID: "x", Title: `<script>`, Periods: []string{"p"}, Groups: []string{`"><b>`}, Values: map[[2]string]float64{{"p", `"><b>`}: 1}}
	if s := c.SVG(); strings.Contains(s, "<script>") || strings.Contains(s, `"><b>`) {
		t.Errorf("unescaped: %s", s)
	}
}

func TestFormatSeconds(t *testing.T) {
	for s, want := range map[float64]string{45: "45s", 600: "10m", 3900: "1h 05m", 90000: "1d 1h"} {
		if got := FormatSeconds(s); got != want {
			t.Errorf("%v: %q, want %q", s, got, want)
		}
	}
}
