package web

import (
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
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
	Paging   *pagingPanel
	Duties   *dutiesPanel // notification duties (duties.go)
	// StatusPage is the incident's status page panel (status_panel.go).
	StatusPage *statusPanel
	// StatusOpen: the incident has a public incident on the status page
	// that is not resolved yet (closing offers to resolve it).
	StatusOpen bool
	// Notices is the updates and notices panel (notices.go).
	Notices *noticesPanel
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
	PageTarget, PageMessage                                       string
}

type timelineItem struct {
	incident.Event
	Text string
	Kind incident.EntryKind
}

// phase is one step of the policy's phase bar.
type phase struct {
	Name     string
	States   string
	Status   string // done, current, pending
	Started  *time.Time
	Duration string
}

// policyPhases groups the lifecycle into the policy's four phases.
var policyPhases = []struct {
	name   string
	states []incident.State
}{
	{"Assess", []incident.State{incident.Triage}},
	{"Contain", []incident.State{incident.Active, incident.Contained}},
	{"Eradicate & recover", []incident.State{incident.Eradicated, incident.Recovered}},
	{"Post-mortem", []incident.State{incident.Closed}},
}

func phases(inc *incident.Incident, now time.Time) []phase {
	cur := -1
	for i, p := range policyPhases {
		if slices.Contains(p.states, inc.State) && inc.State != incident.Closed {
			cur = i
		}
	}
	out := make([]phase, len(policyPhases))
	starts := make([]*time.Time, len(policyPhases)+1)
	for i, p := range policyPhases {
		var names []string
		for _, st := range p.states {
			names = append(names, string(st))
			if at, ok := inc.Phases[st]; ok && (starts[i] == nil || at.Before(*starts[i])) {
				at := at
				starts[i] = &at
			}
		}
		out[i] = phase{Name: p.name, States: strings.Join(names, ", "), Started: starts[i], Status: "pending"}
		switch {
		case cur < 0 && starts[i] != nil, i < cur:
			out[i].Status = "done"
		case i == cur:
			out[i].Status = "current"
		}
	}
	for i := range out {
		if out[i].Started == nil || out[i].Status == "pending" {
			continue
		}
		end := now
		if i == len(out)-1 && out[i].Status == "current" {
			out[i].Duration = ""
			continue
		}
		if i+1 < len(out) && starts[i+1] != nil && out[i].Status == "done" {
			end = *starts[i+1]
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
	if d.CanAct {
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
		if d.Users, err = s.auth.Users(r.Context()); err != nil {
			s.fail(w, r, err)
			return incidentData{}, false
		}
		d.Users = slices.DeleteFunc(d.Users, func(u auth.User) bool { return !u.Active })
	}
	for _, e := range events {
		k := incident.EntryKindOf(e)
		if d.Kind != "" && string(k) != d.Kind {
			continue
		}
		text := incident.Describe(e, notices.DescribeEvent, duties.DescribeEvent)
		if k != "" {
			text = strings.TrimPrefix(text, string(k)+": ") // the kind is shown as a badge
		}
		d.Timeline = append(d.Timeline, timelineItem{Event: e, Text: text, Kind: k})
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
	}
	d.Orig = detailsOf(inc)
	d.Duties = s.dutiesPanelFor(r.Context(), inc, u, nil)
	d.Paging = s.pagingPanelFor(r.Context(), escalation.SubjectIncident, inc.ID, "/incidents/"+inc.Ref, d.CanAct, pageForm{form.PageTarget, form.PageMessage})
	d.Notices = s.noticesPanelFor(r.Context(), inc, userFrom(r), d.CanAct, noticesForm{})
	d.StatusPage = s.statusPanelFor(r.Context(), inc, userFrom(r), publishForm{}, updateForm{})
	d.StatusOpen = d.StatusPage != nil && d.StatusPage.Public != nil && !d.StatusPage.Public.Status.Done()
	return d, true
}

func labelsText(l map[string]string) string {
	var lines []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		lines = append(lines, k+"="+l[k])
	}
	return strings.Join(lines, "\n")
}

func (s *Server) incidentPage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "incident", d)
}

// changed finishes a change: back to the page on success, or the page again
// with the error and everything typed when it failed.
func (s *Server) changed(w http.ResponseWriter, r *http.Request, err error, form incidentForm, anchor, flash string) {
	if err == nil {
		http.Redirect(w, r, "/incidents/"+url.PathEscape(r.PathValue("ref"))+"?flash="+url.QueryEscape(flash)+"#"+anchor, http.StatusSeeOther)
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
	d.Error = message(err)
	status := codeOf(err)
	if status == http.StatusConflict {
		d.Stale = "/incidents/" + d.Inc.Ref
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
	f := incidentForm{EntryKind: r.PostFormValue("kind"), EntryBody: r.PostFormValue("body"), EntryAt: r.PostFormValue("occurred_at")}
	at, err := parseLocalTime(f.EntryAt, r.PostFormValue("tz_offset"))
	if err != nil {
		s.changed(w, r, invalid("occurred_at", "%s", err.Error()), f, "timeline", "")
		return
	}
	_, err = s.incidents.AddEntry(r.Context(), incident.Command{Actor: viewerOf(userFrom(r)), Ref: r.PathValue("ref")}, incident.EntryKind(f.EntryKind), f.EntryBody, at)
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
