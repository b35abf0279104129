package browsertest

import (
	"context"
	"encoding/csv"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestBrowserInsights: seven incidents declared at known times in November
// 2026 (one restricted, alone in its severity); the viewer vic opens
// /insights: the SVG charts render (a non-zero box, their bar labels the
// table's numbers), the table holds the hand-computed figures, the
// restricted incident's cell reads <3 and is listed nowhere, and the
// CSV the page links to parses. A screenshot goes to the artifacts.
func TestBrowserInsights(t *testing.T) {
	clock := storetest.NewClock(time.Date(2026, 11, 2, 9, 0, 0, 0, time.UTC))
	c := newConsoleWith(t, func(cfg *app.Config) { cfg.Now = clock.Now })
	ctx := context.Background()
	set := func(at time.Time) { clock.Advance(at.Sub(clock.Now())) }
	// SEV3: declared 10, 20, 30, 40 minutes after detection; contained
	// 1, 2, 3, 4 hours after declaration. SEV4: 5 and 15 minutes, never
	// contained. SEV1: one restricted incident.
	type seedInc struct {
		sev        string
		day        int
		ttd, toCon time.Duration
		restricted bool
	}
	seeds := []seedInc{
		{"SEV3", 2, 10 * time.Minute, time.Hour, false}, {"SEV3", 3, 20 * time.Minute, 2 * time.Hour, false},
		{"SEV3", 4, 30 * time.Minute, 3 * time.Hour, false}, {"SEV3", 5, 40 * time.Minute, 4 * time.Hour, false},
		{"SEV4", 9, 5 * time.Minute, 0, false}, {"SEV4", 10, 15 * time.Minute, 0, false},
		{"SEV1", 11, time.Hour, 0, true},
	}
	var secret string
	for i, s := range seeds {
		d := time.Date(2026, 11, s.day, 10, 0, 0, 0, time.UTC)
		set(d)
		detected := d.Add(-s.ttd)
		inc := c.seed(t, incident.DeclareInput{Title: fmt.Sprintf("insight %d", i), Severity: s.sev, Restricted: s.restricted, DetectedAt: &detected})
		if s.restricted {
			secret = inc.Ref
		}
		if s.toCon == 0 {
			continue
		}
		cmd := as("alice", inc.Ref)
		if _, err := c.app.Services.Incidents.Assign(ctx, cmd, incident.IRLead, "alice"); err != nil {
			t.Fatal(err)
		}
		if _, err := c.app.Services.Incidents.Transition(ctx, cmd, incident.Active, ""); err != nil {
			t.Fatal(err)
		}
		set(d.Add(s.toCon))
		if _, err := c.app.Services.Incidents.Transition(ctx, cmd, incident.Contained, ""); err != nil {
			t.Fatal(err)
		}
	}
	set(time.Date(2026, 12, 15, 12, 0, 0, 0, time.UTC))

	b := c.browser(testContext(t), t, "vic")
	b.signIn("vic")
	if b.count(`header.top nav a[href="/insights"]`) != 1 {
		t.Error("the navigation has no Insights link")
	}
	if st := b.open("/insights?period=month&by=severity&from=2026-11-01&to=2026-11-30"); st != http.StatusOK {
		t.Fatalf("/insights answered %d", st)
	}
	b.shot(shots(t), "insights")

	// The charts render: each SVG has a box, a title and a description.
	type box struct{ W, H float64 }
	for _, id := range []string{"chart-incidents", "chart-mtta", "chart-recover"} {
		bb := run(b, chromedp.Evaluate[box](fmt.Sprintf(`(() => { const r = document.getElementById(%q).getBoundingClientRect(); return {W: r.width, H: r.height}; })()`, id)))
		if bb.W <= 0 || bb.H <= 0 {
			t.Errorf("%s renders with box %+v", id, bb)
		}
		if b.count("svg#"+id+"[role=img] > title") != 1 || b.count("svg#"+id+" > desc") != 1 {
			t.Errorf("%s lacks its title or description", id)
		}
	}
	// The table holds the hand-computed figures; the chart's bar labels
	// say the same.
	cell := func(group, figure string) string {
		return b.text(fmt.Sprintf(`section.insights-table table.insights tr[data-period="2026-11"][data-group=%q] td[data-figure=%q]`, group, figure))
	}
	for _, tt := range []struct{ group, figure, want string }{
		{"SEV3", "incidents", "4"},
		{"SEV3", "mtta-mean", "25m"}, // (10+20+30+40)/4
		{"SEV3", "mtta-p50", "20m"},
		{"SEV3", "mtta-p90", "40m"},
		{"SEV4", "incidents", "2"},
		{"SEV4", "mtta-mean", "10m"},
		{"SEV1", "incidents", "<3"}, // one incident, restricted: withheld from vic
		{"SEV1", "mtta-mean", "<3"},
	} {
		if got := cell(tt.group, tt.figure); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s %s: %q, want %q", tt.group, tt.figure, got, tt.want)
		}
	}
	bars := run(b, chromedp.Evaluate[[]string](`[...document.querySelectorAll("#chart-incidents g.bar > text")].map(t => t.textContent)`))
	if strings.Join(bars, ",") != "4,2" {
		t.Errorf("incident bars say %v, want 4 (SEV3) and 2 (SEV4)", bars)
	}
	if got := b.text(`section.insights-table table.insights tr[data-period="2026-11"][data-group="all"] td[data-figure="incidents"] summary`); got != "7" {
		t.Errorf("the month's total %q, want 7 (the restricted incident counted)", got)
	}
	if n := b.count(`a[href="/incidents/` + secret + `"]`); n != 0 {
		t.Errorf("vic's drill-downs link the restricted %s", secret)
	}

	// The CSV export (the API's twin) parses and withholds the same cell.
	cl := &client.Client{BaseURL: c.url, Token: bootstrapToken, HTTP: http.DefaultClient}
	data, err := cl.InsightsCSV(ctx, client.InsightsQuery{Period: "month", By: "severity", From: "2026-11-01", To: "2026-11-30"})
	if err != nil {
		t.Fatal(err)
	}
	rows, err := csv.NewReader(strings.NewReader(string(data))).ReadAll()
	if err != nil {
		t.Fatalf("the CSV does not parse: %v", err)
	}
	if len(rows) != 5 || rows[1][2] != "SEV1" || rows[1][3] != "1" {
		t.Errorf("admin's CSV: %v", rows)
	}
	// As vic through the console's CSV link.
	href := run(b, chromedp.Evaluate[string](`document.querySelector('a[download]').href`))
	// The session cookie is HttpOnly: fetch through the page.
	text := run(b, chromedp.Evaluate[string](fmt.Sprintf(`fetch(%q).then(r => r.text())`, href), chromedp.EvalAwaitPromise))
	vrows, err := csv.NewReader(strings.NewReader(text)).ReadAll()
	if err != nil {
		t.Fatalf("vic's CSV does not parse: %v\n%s", err, text)
	}
	if vrows[1][2] != "SEV1" || vrows[1][3] != "<3" {
		t.Errorf("vic's CSV shows the withheld cell: %v", vrows[1])
	}
}
