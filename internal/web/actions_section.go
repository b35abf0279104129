package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The incident's Action items section (/incidents/{ref}/actions): the
// follow-ups that came from it, a form to add one and, per item, an edit
// form and its state buttons — plain HTML forms, no script. Every change
// goes through the actions service (an event on the incident's chain);
// an edit names the version it was made over, so a stale page is refused
// rather than overwriting someone's change. A refused form is shown again
// with the problem next to its field and what was typed.

const secActions = "actions"

func (s *Server) registerActionsSection(page func(string, http.HandlerFunc, auth.Role)) {
	page("GET /incidents/{ref}/actions", s.actionsSectionPage, auth.Viewer)
	page("POST /incidents/{ref}/actions", s.addActionItem, auth.Responder)
	page("POST /incidents/{ref}/actions/{id}", s.editActionItem, auth.Responder)
	page("POST /incidents/{ref}/actions/{id}/state", s.moveActionItem, auth.Responder)
}

type actionsSectionData struct {
	base
	Inc   incident.Incident
	Head  incidentHead
	Items []actionItemView
	New   actionFieldsView
	// Form is a refused form: which one ("new" or an item's ID), what
	// was typed and what was wrong with which field.
	Form actionForm
}

// actionItemView is one item and, for a responder, its edit form.
type actionItemView struct {
	actionRow
	Edit actionFieldsView
}

// actionFieldsView is one item form's fields: what they hold (the item's
// values, or what was typed into a refused form), their problems and the
// choices offered.
type actionFieldsView struct {
	ID         string // "new" or the item's
	Values     map[string]string
	Errs       map[string]string
	Users      []auth.User
	Teams      []string
	Priorities []actions.Priority
	Kinds      []actions.Kind
	Today      string
	// UnknownOwner is a typed owner that is no user: offered again so the
	// refused form shows what was sent.
	UnknownOwner string
}

// Err is the problem with field, "" for none.
func (v actionFieldsView) Err(field string) string { return v.Errs[field] }

// Val is what field holds.
func (v actionFieldsView) Val(field string) string { return v.Values[field] }

// fieldsView fills a form's fields from cur, or from f when f is that
// form's refused one.
func (d *actionsSectionData) fieldsView(id string, cur map[string]string, users []auth.User, teams []string, today string) actionFieldsView {
	v := actionFieldsView{ID: id, Values: cur, Errs: map[string]string{}, Users: users, Teams: teams,
		Priorities: actions.Priorities, Kinds: actions.Kinds, Today: today}
	if d.Form.ID == id {
		v.Values, v.Errs = d.Form.Values, d.Form.Errs
		if o := v.Values["owner"]; o != "" && !slices.ContainsFunc(users, func(u auth.User) bool { return u.Username == o }) {
			v.UnknownOwner = o
		}
	}
	return v
}

// actionValues are an item's fields as the edit form names them.
func actionValues(a actions.Action) map[string]string {
	return map[string]string{"title": a.Title, "description": a.Description, "owner": a.Owner, "team": a.Team, "due": a.Due,
		"priority": string(a.Priority), "kind": string(a.Kind), "tracker_url": a.Tracker.URL, "tracker_key": a.Tracker.Key}
}

type actionForm struct {
	ID     string
	Values map[string]string
	Errs   map[string]string
}

// Err is the problem with id's field, when id's form was refused.
func (f actionForm) Err(id, field string) string {
	if f.ID != id {
		return ""
	}
	return f.Errs[field]
}

// actionFields are the item's fields as the forms name them.
var actionFields = []string{"title", "description", "owner", "team", "due", "priority", "kind", "tracker_url", "tracker_key"}

func actionsSectionURL(ref, anchor string) string {
	u := "/incidents/" + url.PathEscape(ref) + "/actions"
	if anchor != "" {
		u += "#" + anchor
	}
	return u
}

func (s *Server) actionsSectionPage(w http.ResponseWriter, r *http.Request) {
	s.renderActionsSection(w, r, http.StatusOK, nil, actionForm{})
}

// renderActionsSection shows the section; failed, when set, is why f was
// refused.
func (s *Server) renderActionsSection(w http.ResponseWriter, r *http.Request, status int, failed error, f actionForm) {
	if s.actions == nil {
		s.errorPage(w, r, http.StatusNotFound, "Action items are not kept on this server.")
		return
	}
	u := userFrom(r)
	v := viewerOf(u)
	// ForIncident answers not found for a restricted incident the viewer
	// may not see, as every other section does.
	inc, items, err := s.actions.ForIncident(r.Context(), v, r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	moves, err := s.incidents.Moves(r.Context(), v, &inc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := actionsSectionData{base: s.base(r, "Action items · "+inc.Ref+" · "+inc.Title, "incidents"), Inc: inc, Form: f}
	d.Head = headFor(inc, secActions, d.CanAct, moves, s.dutiesPanelFor(r.Context(), inc, u, nil))
	now := s.now()
	today := now.In(s.actions.Zone()).Format(time.DateOnly)
	var users []auth.User
	var teams []string
	if d.CanAct {
		all, err := s.auth.Users(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return
		}
		users = slices.DeleteFunc(all, func(u auth.User) bool { return !u.Active })
		if teams, err = s.actions.TeamNames(r.Context()); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	for _, a := range items {
		d.Items = append(d.Items, actionItemView{actionRow: actionRow{Action: a, Late: a.Overdue(now)},
			Edit: d.fieldsView(a.ID, actionValues(a), users, teams, today)})
	}
	d.New = d.fieldsView("new", map[string]string{"owner": u.Username, "priority": string(actions.P3), "kind": string(actions.Prevent)}, users, teams, today)
	d.Live = "incident:" + inc.Ref
	if failed != nil {
		d.Error = "Not saved: " + message(failed)
		if status == http.StatusConflict {
			d.Stale = actionsSectionURL(inc.Ref, f.ID)
		}
	}
	s.render(w, r, status, "actions_section", d)
}

// actionRefused shows the section again with the problem, or the error
// page for one that is not the form's (not found, not allowed).
func (s *Server) actionRefused(w http.ResponseWriter, r *http.Request, err error, f actionForm) {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Rule:
		f.Errs = formErrs(err)
		s.renderActionsSection(w, r, http.StatusUnprocessableEntity, err, f)
	case errs.Conflict, errs.Precondition:
		f.Errs = formErrs(err)
		s.renderActionsSection(w, r, http.StatusConflict, err, f)
	default:
		s.fail(w, r, err)
	}
}

// formErrs is fieldErrs with the service's tracker fields named as the
// form names them.
func formErrs(err error) map[string]string {
	out := fieldErrs(err)
	for from, to := range map[string]string{"tracker.url": "tracker_url", "tracker.key": "tracker_key"} {
		if m, ok := out[from]; ok {
			out[to] = m
			delete(out, from)
		}
	}
	return out
}

// readActionForm reads the item fields posted.
func readActionForm(r *http.Request, id string) actionForm {
	f := actionForm{ID: id, Values: map[string]string{}}
	for _, k := range actionFields {
		f.Values[k] = r.PostFormValue(k)
	}
	return f
}

func (s *Server) addActionItem(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := readActionForm(r, "new")
	v := f.Values
	in := actions.Input{Title: v["title"], Description: v["description"], Owner: v["owner"], Team: v["team"], Due: v["due"],
		Priority: actions.Priority(v["priority"]), Kind: actions.Kind(v["kind"]),
		Tracker: actions.Tracker{URL: v["tracker_url"], Key: v["tracker_key"]}}
	a, err := s.actions.Create(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), in)
	if err != nil {
		s.actionRefused(w, r, err, f)
		return
	}
	http.Redirect(w, r, actionsSectionURL(a.Incident, a.ID), http.StatusSeeOther)
}

// version is the item version the form was shown with; a form without
// one is refused, so no console edit lands over a change it never saw.
func formVersion(r *http.Request) (int64, error) {
	n, err := strconv.ParseInt(r.PostFormValue("version"), 10, 64)
	if err != nil || n < 1 {
		return 0, invalid("version", "the form carries no version; reload the page")
	}
	return n, nil
}

func (s *Server) editActionItem(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f := readActionForm(r, id)
	ver, err := formVersion(r)
	if err != nil {
		s.actionRefused(w, r, err, f)
		return
	}
	v := f.Values
	pri, kind := actions.Priority(v["priority"]), actions.Kind(v["kind"])
	p := actions.Patch{Title: strPtr(v["title"]), Description: strPtr(v["description"]), Owner: strPtr(v["owner"]), Team: strPtr(v["team"]),
		Due: strPtr(v["due"]), Priority: &pri, Kind: &kind, Tracker: &actions.Tracker{URL: v["tracker_url"], Key: v["tracker_key"]},
		IfVersion: ver}
	s.changeActionItem(w, r, f, p)
}

// actionMoves are the state buttons and the state each moves to.
var actionMoves = map[string]actions.State{
	"start": actions.InProgress, "done": actions.Done, "wont_do": actions.WontDo, "reopen": actions.Open,
}

func (s *Server) moveActionItem(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	f := actionForm{ID: id, Values: map[string]string{"reason": r.PostFormValue("reason")}}
	to, ok := actionMoves[r.PostFormValue("move")]
	if !ok {
		s.actionRefused(w, r, invalid("move", "%q is not a change of state", r.PostFormValue("move")), f)
		return
	}
	ver, err := formVersion(r)
	if err != nil {
		s.actionRefused(w, r, err, f)
		return
	}
	p := actions.Patch{State: &to, IfVersion: ver}
	if to == actions.WontDo {
		// The service requires the reason; an empty one is refused there
		// and shown next to the field.
		p.Reason = strPtr(f.Values["reason"])
	}
	s.changeActionItem(w, r, f, p)
}

// changeActionItem applies p to the item the form names, after checking
// it belongs to the incident in the URL (so a form cannot reach another
// incident's item through this one's page).
func (s *Server) changeActionItem(w http.ResponseWriter, r *http.Request, f actionForm, p actions.Patch) {
	v := viewerOf(userFrom(r))
	cur, err := s.actions.Get(r.Context(), v, f.ID)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if !strings.EqualFold(cur.Incident, r.PathValue("ref")) {
		s.fail(w, r, errs.E(errs.NotFound, "id", "no action item %s on %s", cur.ID, r.PathValue("ref")))
		return
	}
	f.ID = cur.ID
	a, err := s.actions.Update(r.Context(), v, cur.ID, p)
	if err != nil {
		s.actionRefused(w, r, err, f)
		return
	}
	http.Redirect(w, r, actionsSectionURL(a.Incident, a.ID), http.StatusSeeOther)
}

func strPtr(s string) *string { return &s }
