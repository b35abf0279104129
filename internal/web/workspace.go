package web

import (
	"net/http"
	"net/url"
	"slices"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The incident page is a workspace of sections, each its own URL (so the
// back button and links work without script): Overview, Tasks, Timeline,
// Communications, Paging and Post-mortem. Every section shows the same
// header (who holds what, the next step and what blocks it, the clocks)
// and tab bar; a form posted from a section comes back to it.

// Section names, as the tab bar, the "return" form field and the
// templates know them.
const (
	secOverview   = "overview"
	secTasks      = "tasks"
	secTimeline   = "timeline"
	secComms      = "comms"
	secPaging     = "paging"
	secPostmortem = "postmortem"
	secEvidence   = "evidence"
)

// sections are the tabs in order; Path is what follows /incidents/{ref}.
var sections = []struct{ Name, Label, Path string }{
	{secOverview, "Overview", ""},
	{secTasks, "Tasks", "/tasks"},
	{secTimeline, "Timeline", "/timeline"},
	{secComms, "Communications", "/comms"},
	{secPaging, "Paging", "/paging"},
	{secAssets, "Assets", "/assets"},
	{secEvidence, "Evidence", "/evidence"},
	{secIndicators, "Indicators", "/indicators"},
	{secActions, "Action items", "/actions"},
	{secPostmortem, "Post-mortem", "/postmortem"},
}

// anchorSections says which section holds the panel a change was made in,
// for forms that do not say where they came from.
var anchorSections = map[string]string{
	"top": secOverview, "roles": secOverview, "details": secOverview, "actions": secOverview,
	"timeline": secTimeline, "paging": secPaging,
	"duties": secComms, "comms": secComms, "statuspage": secComms,
}

// sectionURL is the path of an incident's section; an unknown section is
// the overview.
func sectionURL(ref, section string) string {
	p := "/incidents/" + url.PathEscape(ref)
	for _, s := range sections {
		if s.Name == section {
			return p + s.Path
		}
	}
	return p
}

// returnSection is the section a form came from: its "return" field when
// that names a known section (only a name, never a URL, so it cannot
// redirect anywhere else), else the section holding the form's panel.
func returnSection(r *http.Request, anchor string) string {
	if v := r.PostFormValue("return"); v != "" {
		for _, s := range sections {
			if s.Name == v {
				return v
			}
		}
	}
	if s, ok := anchorSections[anchor]; ok {
		return s
	}
	return secOverview
}

// backURL is where a change made from r goes on success: its section, the
// flash, and the panel's anchor.
func backURL(r *http.Request, ref, anchor, flash string) string {
	u := sectionURL(ref, returnSection(r, anchor))
	if flash != "" {
		u += "?flash=" + url.QueryEscape(flash)
	}
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

type tab struct {
	Name, Label, URL string
	Current          bool
}

// incidentHead is the header every section shows.
type incidentHead struct {
	Inc     incident.Incident
	Section string
	CanAct  bool
	Tabs    []tab
	// Next is the next forward move (allowed, or blocked and why); nil
	// when there is none (closed, dismissed, merged).
	Next *incident.Move
	// Deadline is the nearest open legal deadline among the duties.
	Deadline *dutyItem
	// NextTaskDue and NextTaskTitle are the response plan's next task due;
	// the plan's section fills them, nil leaves the clock out.
	NextTaskDue   *time.Time
	NextTaskTitle string
}

// headFor builds the header from what the section already loaded.
func headFor(inc incident.Incident, section string, canAct bool, moves []incident.Move, dp *dutiesPanel) incidentHead {
	h := incidentHead{Inc: inc, Section: section, CanAct: canAct}
	h.NextTaskDue, h.NextTaskTitle = nextTaskDue(&inc)
	for _, s := range sections {
		h.Tabs = append(h.Tabs, tab{Name: s.Name, Label: s.Label, URL: sectionURL(inc.Ref, s.Name), Current: s.Name == section})
	}
	for _, m := range moves {
		if !m.Backward && m.To != incident.Dismissed {
			h.Next = &m
			break
		}
	}
	if dp != nil {
		for i, it := range dp.Items {
			if it.Done || it.Off || it.Possible || it.DueAt == nil {
				continue
			}
			if h.Deadline == nil || it.DueAt.Before(*h.Deadline.DueAt) {
				h.Deadline = &dp.Items[i]
			}
		}
	}
	return h
}

// registerWorkspace adds the sections' pages (the overview and the
// post-mortem are registered with the incident's other routes).
func (s *Server) registerWorkspace(page func(string, http.HandlerFunc, auth.Role)) {
	page("GET /incidents/{ref}/tasks", s.incidentTasksPage, auth.Viewer)
	page("GET /incidents/{ref}/timeline", s.incidentTimelinePage, auth.Viewer)
	page("GET /incidents/{ref}/comms", s.incidentCommsPage, auth.Viewer)
	page("GET /incidents/{ref}/paging", s.incidentPagingPage, auth.Viewer)
	s.registerEvidence(page)
	s.registerActions(page)
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	s.showSection(w, r, secOverview)
}

func (s *Server) incidentTasksPage(w http.ResponseWriter, r *http.Request) {
	s.showSection(w, r, secTasks)
}

func (s *Server) incidentTimelinePage(w http.ResponseWriter, r *http.Request) {
	s.showSection(w, r, secTimeline)
}

func (s *Server) incidentCommsPage(w http.ResponseWriter, r *http.Request) {
	s.showSection(w, r, secComms)
}

func (s *Server) incidentPagingPage(w http.ResponseWriter, r *http.Request) {
	s.showSection(w, r, secPaging)
}

func (s *Server) showSection(w http.ResponseWriter, r *http.Request, section string) {
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	d.setSection(section)
	s.render(w, r, http.StatusOK, "incident", d)
}

// Recent is the overview's latest few timeline entries, newest first.
func (d incidentData) Recent() []timelineItem {
	const n = 5
	items := d.Timeline
	if d.Order == "asc" {
		items = slices.Clone(items)
		slices.Reverse(items)
	}
	return items[:min(n, len(items))]
}

// setSection shows d as section, with its header and tabs.
func (d *incidentData) setSection(section string) {
	// The post-mortem is its own page (postmortem.go): a change sent from
	// its header that fails is shown on the overview.
	if section == secPostmortem || !slices.ContainsFunc(sections, func(s struct{ Name, Label, Path string }) bool { return s.Name == section }) {
		section = secOverview
	}
	d.Section = section
	d.Head = headFor(d.Inc, section, d.CanAct, d.Moves, d.Duties)
	d.Title = d.Inc.Ref + " · " + d.Inc.Title
	for _, s := range sections {
		if s.Name == section && section != secOverview {
			d.Title = s.Label + " · " + d.Title
		}
	}
}
