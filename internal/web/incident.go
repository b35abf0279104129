package web

import (
	"fmt"
	"maps"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	assetrec "github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

type incidentData struct {
	base
	Inc      incident.Incident
	Moves    []incident.Move
	Forward  []incident.Move
	Backward []incident.Move
	Phases   []phase
	Levels   []incident.Level
	Users    []auth.User
	Roles    []incident.Role
	Kinds    []incident.EntryKind
	Timeline []timelineItem
	Order    string
	Kind     string
	Form     incidentForm
	Tab      string
	// Section is the workspace section shown (workspace.go); Head is its
	// header.
	Section string
	Head    incidentHead
	Paging  *pagingPanel
	Duties  *dutiesPanel // notification duties (duties.go)
	// StatusPage is the incident's status page panel (status_panel.go).
	StatusPage *statusPanel
	// StatusOpen: the incident has a public incident on the status page
	// that is not resolved yet (closing offers to resolve it).
	StatusOpen bool
	// Notices is the updates and notices panel (notices.go).
	Notices *noticesPanel
	// Tasks are the response work (tasks.go); Assess the assessment of
	// impact (assess.go).
	Tasks  *tasksPanel
	Assess *assessPanel
	// AssetsPanel is the Assets section: assets, credentials, fixes
	// (assets.go).
	AssetsPanel *assetsPanel
	// IndicatorsPanel is the Indicators section (indicators.go).
	IndicatorsPanel *iocsPanel
	// Records are the incident's records an entry may reference, and
	// Links each record's timeline lines (record_links.go).
	Records []incident.RecordRef
	Links   *recordLinks
	// Related is the overview's past incidents in common (related.go).
	Related *relatedPanel
	// Orig is what the Details form's fields were rendered from (the stored
	// values); the form sends it back so the server applies only the fields
	// the person changed (details.go).
	Orig detailValues
	// Conflicts says, per Details field, who changed it while the person
	// was editing it, and both values.
	Conflicts map[string]string
}

// incidentForm carries what a person typed back into the page when a
// change fails, so nothing is lost.
type incidentForm struct {
	Title, Summary, Type, RootCause, Resolution, Affected, Labels string
	EntryKind, EntryBody, EntryAt, Reason, To                     string
	EntryRefs                                                     string // chosen records, one a line
	PageTarget, PageMessage                                       string
}

type timelineItem struct {
	incident.Event
	Text string
	Kind incident.EntryKind
	// Links are the records the line is about (record_links.go).
	Links []recordLink
}

// HasRef says whether the entry form had ref chosen.
func (f incidentForm) HasRef(ref string) bool {
	return slices.Contains(strings.Split(f.EntryRefs, "\n"), ref)
}

// phase is one step of the phase bar: a state of the lifecycle and the
// work done while in it.
type phase struct {
	Name     string // the state: Triage, Active, …
	Work     string // what is done while in it: assess, contain, …
	State    incident.State
	Status   string // done, current, pending
	Started  *time.Time
	Duration string
	// Due is the post-mortem's due date, on the Recovered step once the
	// incident has recovered.
	Due *time.Time
}

// lifecycle is the phase bar: one step per state, so "now" marks the
// state the incident is in (contained is its own step, not part of
// containing).
var lifecycle = []lifeStep{
	{incident.Triage, "assess"},
	{incident.Active, "contain"},
	{incident.Contained, "eradicate"},
	{incident.Eradicated, "recover"},
	{incident.Recovered, "post-mortem"},
	{incident.Closed, ""},
}

type lifeStep struct {
	state incident.State
	work  string
}

func phases(inc *incident.Incident, now time.Time) []phase {
	cur := slices.IndexFunc(lifecycle, func(p lifeStep) bool { return p.state == inc.State })
	out := make([]phase, len(lifecycle))
	for i, p := range lifecycle {
		out[i] = phase{Name: stateNames[p.state], Work: p.work, State: p.state, Status: "pending"}
		if at, ok := inc.Phases[p.state]; ok {
			out[i].Started = &at
		}
		switch {
		case i == cur:
			out[i].Status = "current"
		case cur >= 0 && i < cur, cur < 0 && out[i].Started != nil:
			// Dismissed or merged: the steps it went through are done.
			out[i].Status = "done"
		}
		if p.state == incident.Recovered && (cur < 0 || i <= cur) {
			out[i].Due = inc.PostmortemDue
		}
	}
	for i := range out {
		if out[i].Started == nil || out[i].Status == "pending" || out[i].State == incident.Closed {
			continue
		}
		end := now
		if out[i].Status == "done" {
			// Until the next step it reached (after a move back, the
			// later steps may have started before this one).
			for j := i + 1; j < len(out); j++ {
				if st := out[j].Started; st != nil && !st.Before(*out[i].Started) {
					end = *st
					break
				}
			}
		}
		out[i].Duration = span(end.Sub(*out[i].Started))
	}
	return out
}

// span formats a duration the way responders say it: 3d 4h, 2h 5m, 45s.
func span(d time.Duration) string {
	if d < 0 {
		d = 0
	}
	switch {
	case d < time.Minute:
		return fmt.Sprintf("%ds", int(d.Seconds()))
	case d < time.Hour:
		return fmt.Sprintf("%dm", int(d.Minutes()))
	case d < 24*time.Hour:
		return fmt.Sprintf("%dh %dm", int(d.Hours()), int(d.Minutes())%60)
	default:
		return fmt.Sprintf("%dd %dh", int(d.Hours())/24, int(d.Hours())%24)
	}
}

func (s *Server) loadIncident(w http.ResponseWriter, r *http.Request, form incidentForm) (incidentData, bool) {
	u := userFrom(r)
	inc, events, err := s.incidents.Timeline(r.Context(), viewerOf(u), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return incidentData{}, false
	}
	now := s.now()
	d := incidentData{base: s.base(r, inc.Ref+" · "+inc.Title, "incidents"), Inc: inc, Levels: s.incidents.Policy().Levels,
		Roles: incident.Roles, Kinds: incident.EntryKinds, Phases: phases(&inc, now), Form: form,
		Order: r.URL.Query().Get("order"), Kind: r.URL.Query().Get("kind")}
	d.Live = "incident:" + inc.Ref
	// Everyone who may see the incident sees its next step and what
	// blocks it in the header; only responders get the forms.
	if d.Moves, err = s.incidents.Moves(r.Context(), viewerOf(u), &inc); err != nil {
		s.fail(w, r, err)
		return incidentData{}, false
	}
	for _, m := range d.Moves {
		if m.Backward {
			d.Backward = append(d.Backward, m)
		} else {
			d.Forward = append(d.Forward, m)
		}
	}
	if d.CanAct {
		if d.Users, err = s.auth.Users(r.Context()); err != nil {
			s.fail(w, r, err)
			return incidentData{}, false
		}
		d.Users = slices.DeleteFunc(d.Users, func(u auth.User) bool { return !u.Active })
	}
	if d.Records, err = s.incidents.Records(r.Context(), inc); err != nil {
		s.fail(w, r, err)
		return incidentData{}, false
	}
	d.Links = newRecordLinks(inc.Ref, d.CanAct, d.Records)
	for _, e := range events {
		k := incident.EntryKindOf(e)
		links := d.Links.add(e) // every line, so each record links to all its lines
		if d.Kind != "" && string(k) != d.Kind {
			continue
		}
		text := incident.Describe(e, notices.DescribeEvent, duties.DescribeEvent, evidence.DescribeEvent,
			assetrec.DescribeEvent, indicators.DescribeEvent, actions.DescribeEvent)
		if k != "" {
			text = strings.TrimPrefix(text, string(k)+": ") // the kind is shown as a badge
		}
		d.Timeline = append(d.Timeline, timelineItem{Event: e, Text: text, Kind: k, Links: links})
	}
	if d.Order != "asc" {
		d.Order = "desc"
		slices.Reverse(d.Timeline)
	}
	// A failed page keeps what was typed in its own form only.
	blank := form
	blank.PageTarget, blank.PageMessage = "", ""
	if blank == (incidentForm{}) {
		d.Form = incidentForm{Title: inc.Title, Summary: inc.Summary, Type: inc.Type, RootCause: inc.RootCause, Resolution: inc.Resolution,
			Affected: strings.Join(inc.Affected, "\n"), Labels: labelsText(inc.Labels), EntryKind: string(incident.KindNote),
			PageTarget: form.PageTarget, PageMessage: form.PageMessage}
		// A record's "write about it" link chooses it on the entry form.
		d.Form.EntryRefs = strings.Join(r.URL.Query()["ref"], "\n")
	}
	d.Orig = detailsOf(inc)
	d.Duties = s.dutiesPanelFor(r.Context(), inc, u, nil)
	d.Paging = s.pagingPanelFor(r.Context(), escalation.SubjectIncident, inc.ID, "/incidents/"+inc.Ref, d.CanAct, pageForm{form.PageTarget, form.PageMessage})
	d.Notices = s.noticesPanelFor(r.Context(), inc, userFrom(r), d.CanAct, noticesForm{})
	d.StatusPage = s.statusPanelFor(r.Context(), inc, userFrom(r), publishForm{}, updateForm{})
	d.StatusOpen = d.StatusPage != nil && d.StatusPage.Public != nil && !d.StatusPage.Public.Status.Done()
	d.Tasks = s.tasksPanelFor(r.Context(), inc, d.CanAct, d.Users)
	d.Assess = s.assessPanelFor(inc, d.CanAct, nil)
	d.setSection(returnSection(r, ""))
	if d.Section == secOverview {
		d.Related = s.relatedPanelFor(r.Context(), viewerOf(u), inc)
	}
	return d, true
}

func labelsText(l map[string]string) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		lines = append(lines, k+"="+l[k])
	}
	return strings.Join(lines, "\n")
}

// changed finishes a change: back to the section it came from on success,
// or that section again with the error and everything typed when it failed.
func (s *Server) changed(w http.ResponseWriter, r *http.Request, err error, form incidentForm, anchor, flash string) {
	if err == nil {
		http.Redirect(w, r, backURL(r, r.PathValue("ref"), anchor, flash), http.StatusSeeOther)
		return
	}
	if code := codeOf(err); code == 0 {
		s.fail(w, r, err)
		return
	}
	d, ok := s.loadIncident(w, r, form)
	if !ok {
		return
	}
	d.setSection(returnSection(r, anchor))
	d.Error = message(err)
	status := codeOf(err)
	if status == http.StatusConflict {
		d.Stale = sectionURL(d.Inc.Ref, d.Section)
	}
	s.render(w, r, status, "incident", d)
}

func (s *Server) command(r *http.Request) incidentCommand {
	c := incidentCommand{Actor: viewerOf(userFrom(r)), Ref: r.PathValue("ref")}
	if v, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64); err == nil {
		c.ExpectedVersion = &v
	}
	return c
}

type incidentCommand = incident.Command

func (s *Server) transition(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	to := r.PostFormValue("to")
	form := incidentForm{Reason: r.PostFormValue("reason"), To: to}
	inc, err := s.incidents.Transition(r.Context(), s.command(r), incident.State(to), form.Reason)
	flash := "Moved to " + to + "."
	// Closing resolves the public incident on the status page when the
	// close form's box is ticked (as it is by default).
	if err == nil && inc.State == incident.Closed && r.PostFormValue("resolve_status_page") == "yes" && s.status != nil {
		_, posted, serr := s.status.svc.ResolveOnClose(r.Context(), statusActorOf(userFrom(r)), inc.ID, "")
		switch {
		case serr != nil:
			s.log.WarnContext(r.Context(), "resolve the status page on close", "incident", inc.Ref, "err", serr)
			flash += " The status page was not updated: " + message(serr) + " Post the final update in the Status page panel."
		case posted:
			flash += " The status page says it is resolved."
		}
	}
	s.changed(w, r, err, form, "top", flash)
}

func (s *Server) severity(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	sev := r.PostFormValue("severity")
	_, err := s.incidents.Update(r.Context(), s.command(r), incident.UpdateInput{Severity: &sev})
	s.changed(w, r, err, incidentForm{}, "top", "Severity set to "+sev+".")
}

func (s *Server) assign(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	role, user, note := incident.Role(r.PostFormValue("role")), r.PostFormValue("user"), r.PostFormValue("note")
	c := incident.Command{Actor: viewerOf(userFrom(r)), Ref: r.PathValue("ref")}
	before, err := s.incidents.Get(r.Context(), c.Actor, c.Ref)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	flash := user + " is now " + roleName(role) + "."
	if prev := before.Holders(role); role.Single() && len(prev) > 0 && !slices.Contains(prev, user) {
		flash = roleName(role) + " handed over from " + strings.Join(prev, ", ") + " to " + user + "; " + strings.Join(prev, ", ") + " stays as responder."
	}
	_, err = s.incidents.AssignNote(r.Context(), c, role, user, note)
	s.changed(w, r, err, incidentForm{}, "roles", flash)
}

func (s *Server) unassign(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	role, user := r.PostFormValue("role"), r.PostFormValue("user")
	_, err := s.incidents.Unassign(r.Context(), incident.Command{Actor: viewerOf(userFrom(r)), Ref: r.PathValue("ref")}, incident.Role(role), user)
	s.changed(w, r, err, incidentForm{}, "roles", user+" is no longer "+roleName(incident.Role(role))+".")
}

func (s *Server) addEntry(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	refs := r.PostForm["refs"]
	f := incidentForm{EntryKind: r.PostFormValue("kind"), EntryBody: r.PostFormValue("body"), EntryAt: r.PostFormValue("occurred_at"), EntryRefs: strings.Join(refs, "\n")}
	at, err := parseLocalTime(f.EntryAt, r.PostFormValue("tz_offset"))
	if err != nil {
		s.changed(w, r, invalid("occurred_at", "%s", err.Error()), f, "timeline", "")
		return
	}
	_, err = s.incidents.AddEntryWith(r.Context(), incident.Command{Actor: viewerOf(userFrom(r)), Ref: r.PathValue("ref")},
		incident.EntryInput{Kind: incident.EntryKind(f.EntryKind), Body: f.EntryBody, OccurredAt: at, Refs: refs})
	s.changed(w, r, err, f, "timeline", "Added to the timeline.")
}

// parseLocalTime reads a datetime-local value; offset is the browser's
// getTimezoneOffset() for that moment in minutes (set by the script), and
// without it the time is taken as UTC, as the form says.
func parseLocalTime(v, offset string) (*time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return nil, nil
	}
	if t, err := time.Parse(time.RFC3339, v); err == nil {
		return &t, nil
	}
	var t time.Time
	var err error
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err = time.Parse(layout, v); err == nil {
			break
		}
	}
	if err != nil {
		return nil, fmt.Errorf("%q is not a date and time such as 2026-11-27T03:12", v)
	}
	if offset != "" {
		m, err := strconv.Atoi(offset)
		if err != nil || m < -24*60 || m > 24*60 {
			return nil, fmt.Errorf("the time zone offset %q is not valid", offset)
		}
		t = t.Add(time.Duration(m) * time.Minute)
	}
	return &t, nil
}
