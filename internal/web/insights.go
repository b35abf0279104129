package web

import (
	"bytes"
	"html/template"
	"net/http"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/insights"
)

// /insights: the program's figures per period and group, as charts drawn
// on the server (SVG) with the same numbers in tables beside them, and a
// CSV export. Viewers, responders and admins read it as they read
// incidents; restricted incidents are counted, never listed, and small
// cells holding one are withheld (package insights).

type insightsForm struct {
	Period, By, From, To string
}

type insightsData struct {
	base
	Form    insightsForm
	Report  insights.Report
	Charts  []insightsChart
	Rows    []insightsRow
	Totals  []insightsRow
	People  []insights.PersonRow
	CSV     string
	FormErr string
	Periods []string
	Dims    []string
}

type insightsChart struct {
	ID, Title string
	SVG       template.HTML
}

// insightsRow is a row as the table shows it: every figure as text.
type insightsRow struct {
	Period, Group, Incidents                   string
	MTTA, Declare, Contain, Eradicate, Recover [3]string // mean, p50, p90
	Postmortems, Actions, Duties               string
	Refs                                       []string
	Withheld                                   bool
}

func (s *Server) registerInsights(page func(string, http.HandlerFunc, auth.Role)) {
	if s.insights == nil {
		return
	}
	page("GET /insights", s.insightsPage, auth.Viewer)
	page("GET /insights.csv", s.insightsCSV, auth.Viewer)
}

func insightsFormOf(r *http.Request) insightsForm {
	q := r.URL.Query()
	return insightsForm{Period: q.Get("period"), By: q.Get("by"), From: q.Get("from"), To: q.Get("to")}
}

func (f insightsForm) request() insights.Request {
	return insights.Request{Period: insights.Period(f.Period), By: insights.Dimension(f.By), From: f.From, To: f.To}
}

func (s *Server) insightsPage(w http.ResponseWriter, r *http.Request) {
	d := insightsData{base: s.base(r, "Insights", "insights"), Form: insightsFormOf(r),
		Periods: []string{"week", "month", "quarter"}, Dims: []string{"severity", "type", "team", "none"}}
	q, err := s.insights.Query(d.Form.request())
	if err != nil {
		d.FormErr = message(err)
		if code := codeOf(err); code != 0 {
			s.render(w, r, code, "insights", d)
			return
		}
		s.fail(w, r, err)
		return
	}
	rep, err := s.insights.Report(r.Context(), viewerOf(userFrom(r)), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// The form shows what was computed, defaults filled in.
	d.Form = insightsForm{Period: string(q.Period), By: string(q.By), From: q.From.Format(time.DateOnly), To: q.To.AddDate(0, 0, -1).Format(time.DateOnly)}
	d.Report, d.People = rep, rep.People
	d.CSV = "/insights.csv?period=" + urlQuery(d.Form.Period) + "&by=" + urlQuery(d.Form.By) + "&from=" + urlQuery(d.Form.From) + "&to=" + urlQuery(d.Form.To)
	for _, c := range insights.Charts(rep) {
		// The SVG is built by package insights with every text escaped.
		d.Charts = append(d.Charts, insightsChart{ID: c.ID, Title: c.Title, SVG: template.HTML(c.SVG())}) //nolint:gosec // escaped by insights.Chart
	}
	for _, row := range rep.Rows {
		d.Rows = append(d.Rows, viewRow(row))
	}
	if rep.By != insights.ByNone {
		for _, row := range rep.Totals {
			d.Totals = append(d.Totals, viewRow(row))
		}
	}
	s.render(w, r, http.StatusOK, "insights", d)
}

func (s *Server) insightsCSV(w http.ResponseWriter, r *http.Request) {
	q, err := s.insights.Query(insightsFormOf(r).request())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	rep, err := s.insights.Report(r.Context(), viewerOf(userFrom(r)), q)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var b bytes.Buffer
	if err := insights.WriteCSV(&b, rep); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/csv; charset=utf-8")
	w.Header().Set("Content-Disposition", `attachment; filename="insights-`+string(rep.Period)+`-`+string(rep.By)+`.csv"`)
	w.Write(b.Bytes())
}

func viewRow(r insights.Row) insightsRow {
	v := insightsRow{Period: r.Period, Group: r.Group, Incidents: countText(r.Incidents, r.Suppressed), Refs: r.Refs, Withheld: r.Suppressed}
	v.MTTA, v.Declare, v.Contain, v.Eradicate, v.Recover = summaryText(r.MTTA), summaryText(r.ToDeclare), summaryText(r.ToContain), summaryText(r.ToEradicate), summaryText(r.ToRecover)
	v.Postmortems, v.Duties = rateText(r.Postmortems), rateText(r.Duties)
	if r.Actions != nil {
		v.Actions = rateText(*r.Actions)
	}
	return v
}

// summaryText is a duration's mean, p50 and p90 for people.
func summaryText(s insights.Summary) [3]string {
	switch {
	case s.Suppressed:
		return [3]string{insights.SuppressedText, insights.SuppressedText, insights.SuppressedText}
	case s.Mean == nil:
		return [3]string{"–", "–", "–"}
	}
	return [3]string{insights.FormatSeconds(*s.Mean), insights.FormatSeconds(*s.P50), insights.FormatSeconds(*s.P90)}
}

func countText(n *int, suppressed bool) string {
	switch {
	case suppressed:
		return insights.SuppressedText
	case n == nil:
		return "–"
	}
	return strconv.Itoa(*n)
}

func rateText(r insights.Rate) string {
	switch {
	case r.Suppressed:
		return insights.SuppressedText
	case r.Percent == nil:
		return "–"
	}
	return strconv.FormatFloat(*r.Percent, 'f', -1, 64) + "% (" + strconv.Itoa(*r.OnTime) + " of " + strconv.Itoa(*r.Due) + ")"
}
