package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// listRow is an incident with its response work counted.
type listRow struct {
	incident.Incident
	Done, Total, Overdue int
	// PostmortemOverdue: recovered, the post-mortem past due and not
	// published.
	PostmortemOverdue bool
	// Match is where a search found it; nil when not searched.
	Match *incident.Match
}

type listData struct {
	base
	Items    []listRow
	Counts   map[incident.State]int
	Open     int
	States   []incident.State
	Levels   []incident.Level
	State    string
	Severity string
	Type     string
	Q        string
	// OverdueTasks keeps incidents with an open task past due; Sort
	// "task_due" puts the one whose next task is due soonest first.
	OverdueTasks bool
	// Postmortem is "overdue" to keep incidents whose post-mortem is late.
	Postmortem string
	Sort       string
	NextCursor string
	NextURL    string
	Now        any
}

var openStates = []incident.State{incident.Triage, incident.Active, incident.Contained, incident.Eradicated, incident.Recovered}

func (s *Server) listPage(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	d := listData{base: s.base(r, "Incidents", "incidents"), States: incident.States, Levels: s.incidents.Policy().Levels,
		State: q.Get("state"), Severity: q.Get("severity"), Type: q.Get("type"), Q: q.Get("q"),
		OverdueTasks: q.Get("overdue_tasks") != "", Sort: q.Get("sort")}
	if q.Get("postmortem") == "overdue" {
		d.Postmortem = "overdue"
	}
	if d.Sort != incident.SortTaskDue {
		d.Sort = ""
	}
	d.Live = "list"
	if d.State == "" {
		d.State = "open"
	}
	v := viewerOf(userFrom(r))
	f := incident.Filter{Type: d.Type, Text: d.Q, Limit: 50, Cursor: q.Get("cursor"), Viewer: v, OverdueTasks: d.OverdueTasks, PostmortemOverdue: d.Postmortem == "overdue", Sort: d.Sort}
	if f.PostmortemOverdue && d.State == "open" {
		// Only recovered incidents wait for a post-mortem; the default
		// "open" would read as if other states were searched too.
		d.State = string(incident.Recovered)
	}
	switch d.State {
	case "open":
		f.States = openStates
	case "all":
	default:
		f.States = []incident.State{incident.State(d.State)}
	}
	if d.Severity != "" {
		f.Severities = []string{d.Severity}
	}
	page, err := s.incidents.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.NextCursor = page.NextCursor
	now := s.now()
	for _, inc := range page.Items {
		row := listRow{Incident: inc}
		if m, ok := page.Matches[inc.ID]; ok {
			row.Match = &m
		}
		if due, ok := inc.PostmortemOpenDue(); ok && now.After(due) {
			row.PostmortemOverdue = true
		}
		for _, p := range inc.Progress(now) {
			row.Done, row.Total, row.Overdue = row.Done+p.Done, row.Total+p.Total, row.Overdue+p.Overdue
		}
		d.Items = append(d.Items, row)
	}
	if d.NextCursor != "" {
		nq := url.Values{}
		for k, vs := range q {
			nq[k] = vs
		}
		nq.Set("cursor", d.NextCursor)
		d.NextURL = "/incidents?" + nq.Encode()
	}
	if d.Counts, err = s.counts.CountByState(r.Context(), v); err != nil {
		s.fail(w, r, err)
		return
	}
	for _, st := range openStates {
		d.Open += d.Counts[st]
	}
	s.render(w, r, http.StatusOK, "list", d)
}

type declareData struct {
	base
	Levels []incident.Level
	Form   declareForm
}

type declareForm struct {
	Title, Severity, Type, Summary, DetectedAt, TZOffset string
	Restricted                                           bool
}

func (s *Server) declarePage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "declare", declareData{base: s.base(r, "Declare an incident", "declare"), Levels: s.incidents.Policy().Levels})
}

func (s *Server) declare(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := declareForm{Title: r.PostFormValue("title"), Severity: r.PostFormValue("severity"), Type: strings.TrimSpace(r.PostFormValue("type")),
		Summary: r.PostFormValue("summary"), DetectedAt: r.PostFormValue("detected_at"), TZOffset: r.PostFormValue("tz_offset"),
		Restricted: r.PostFormValue("restricted") == "on"}
	d := declareData{base: s.base(r, "Declare an incident", "declare"), Levels: s.incidents.Policy().Levels, Form: f}
	detected, err := parseLocalTime(f.DetectedAt, f.TZOffset)
	if err != nil {
		d.Error = "Detected at: " + err.Error()
		s.render(w, r, http.StatusUnprocessableEntity, "declare", d)
		return
	}
	inc, err := s.incidents.Declare(r.Context(), userFrom(r).Username, incident.DeclareInput{
		Title: f.Title, Summary: f.Summary, Type: f.Type, Severity: f.Severity, Source: incident.SourceInternal,
		Restricted: f.Restricted, DetectedAt: detected})
	if err != nil {
		d.Error = message(err)
		s.render(w, r, http.StatusUnprocessableEntity, "declare", d)
		return
	}
	s.settlePaging(r, inc.ID)
	http.Redirect(w, r, "/incidents/"+inc.Ref+"?flash="+url.QueryEscape("Declared "+inc.Ref+"."), http.StatusSeeOther)
}

// parseForm reads a bounded form; on failure it answers 400 itself.
func parseForm(w http.ResponseWriter, r *http.Request) bool {
	r.Body = http.MaxBytesReader(w, r.Body, 1<<20)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad request: the form could not be read (too large?).", http.StatusBadRequest)
		return false
	}
	return true
}
