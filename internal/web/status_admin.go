package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// The status page's console for staff (/status/admin): what the public
// sees now, public incidents with a form for each one's next update,
// publishing a standalone incident or a maintenance (responders), and the
// components, the page's settings and the subscribers (administrators).

func (s *Server) registerStatus(mux *http.ServeMux, page func(string, http.HandlerFunc, auth.Role)) {
	if s.status == nil {
		return
	}
	// Open to everyone.
	mux.HandleFunc("GET /status", s.statusHome)
	mux.HandleFunc("GET /status/{$}", func(w http.ResponseWriter, r *http.Request) {
		http.Redirect(w, r, "/status", http.StatusMovedPermanently)
	})
	mux.HandleFunc("GET /status/history", s.statusHistory)
	mux.HandleFunc("GET /status/incidents/{id}", s.statusIncident)
	mux.HandleFunc("GET /status/feed.atom", s.statusFeed)
	mux.HandleFunc("GET /status/api/v2/summary.json", s.statusJSON(func(p status.Public) any { return p.Summary() }))
	mux.HandleFunc("GET /status/api/v2/status.json", s.statusJSON(func(p status.Public) any { return p.Status() }))
	mux.HandleFunc("GET /status/api/v2/components.json", s.statusJSON(func(p status.Public) any { return p.ComponentsDoc() }))
	mux.HandleFunc("GET /status/api/v2/incidents.json", s.statusJSON(func(p status.Public) any { return p.IncidentsDoc(false) }))
	mux.HandleFunc("GET /status/api/v2/incidents/unresolved.json", s.statusJSON(func(p status.Public) any { return p.IncidentsDoc(true) }))
	mux.HandleFunc("GET /status/api/v2/scheduled-maintenances.json", s.statusJSON(func(p status.Public) any { return p.MaintenancesDoc() }))
	mux.HandleFunc("GET /status/api/v2/scheduled-maintenances/upcoming.json", s.statusJSON(func(p status.Public) any { return p.MaintenancesDoc(status.Scheduled) }))
	mux.HandleFunc("GET /status/api/v2/scheduled-maintenances/active.json", s.statusJSON(func(p status.Public) any {
		return p.MaintenancesDoc(status.InProgress, status.Verifying)
	}))
	mux.HandleFunc("POST /status/subscribe", s.subscribe)
	mux.HandleFunc("GET /status/confirm/{token}", s.subscriptionLink("confirm", false))
	mux.HandleFunc("POST /status/confirm/{token}", s.subscriptionLink("confirm", true))
	mux.HandleFunc("GET /status/unsubscribe/{token}", s.subscriptionLink("unsubscribe", false))
	mux.HandleFunc("POST /status/unsubscribe/{token}", s.subscriptionLink("unsubscribe", true))
	// Staff.
	page("GET /status/admin", s.statusAdminPage, auth.Viewer)
	page("POST /status/admin/incidents", s.statusPublishStandalone, auth.Responder)
	page("POST /status/admin/incidents/{id}/updates", s.statusPostUpdate, auth.Responder)
	page("POST /status/admin/incidents/{id}/delete", s.statusUnpublish, auth.Admin)
	page("POST /status/admin/components", s.statusAddComponent, auth.Admin)
	page("POST /status/admin/components/{id}", s.statusEditComponent, auth.Admin)
	page("POST /status/admin/components/{id}/delete", s.statusDeleteComponent, auth.Admin)
	page("POST /status/admin/page", s.statusEditPage, auth.Admin)
	page("POST /status/admin/subscribers/{id}/delete", s.statusRemoveSubscriber, auth.Admin)
	page("POST /incidents/{ref}/status-page", s.statusPublishIncident, auth.Responder)
}

func statusActorOf(u auth.User) status.Actor {
	return status.Actor{User: u.Username, Admin: u.Role == auth.Admin}
}

// publishForm is what a person typed to publish, kept when it fails.
type publishForm struct {
	Kind, Title, Impact, Status, Body string
	ScheduledFor, ScheduledUntil      string
	Components                        map[string]bool
	States                            map[string]string
	Notify, Confirm                   bool
}

// updateForm is what a person typed for an update.
type updateForm struct {
	ID, Status, Body, Title, Impact string
	States                          map[string]string
	Notify, Confirm                 bool
}

type componentForm struct {
	ID, Name, Description, Group, Position, State string
}

// stateOpt is an option of a state select.
type stateOpt struct {
	Value status.State
	Label string
}

func stateOpts() []stateOpt {
	var out []stateOpt
	for _, st := range []status.State{status.Operational, status.Degraded, status.PartialOutage, status.MajorOutage, status.Maintenance} {
		out = append(out, stateOpt{st, st.Label()})
	}
	return out
}

func formStates(r *http.Request, comps []status.Component) (map[string]status.State, map[string]string) {
	in, kept := map[string]status.State{}, map[string]string{}
	for _, c := range comps {
		if v := r.PostFormValue("state_" + c.ID); v != "" {
			in[c.ID], kept[c.ID] = status.State(v), v
		}
	}
	return in, kept
}

// parsePublish reads the publish form.
func parsePublish(r *http.Request, comps []status.Component) (status.PublishInput, publishForm, error) {
	f := publishForm{Kind: r.PostFormValue("kind"), Title: r.PostFormValue("title"), Impact: r.PostFormValue("impact"),
		Status: r.PostFormValue("status"), Body: r.PostFormValue("body"), ScheduledFor: r.PostFormValue("scheduled_for"),
		ScheduledUntil: r.PostFormValue("scheduled_until"), Components: map[string]bool{},
		Notify: r.PostFormValue("notify") != "", Confirm: r.PostFormValue("confirm_restricted") != ""}
	in := status.PublishInput{Kind: status.Kind(f.Kind), Title: f.Title, Impact: status.Impact(f.Impact), Status: status.Status(f.Status),
		Body: f.Body, Notify: &f.Notify, ConfirmRestricted: f.Confirm}
	for _, id := range r.PostForm["components"] {
		f.Components[id] = true
		in.Components = append(in.Components, id)
	}
	in.States, f.States = formStates(r, comps)
	if in.Kind == status.KindMaintenance {
		from, err := parseLocalTime(f.ScheduledFor, r.PostFormValue("tz_offset_for"))
		if err != nil {
			return in, f, invalid("scheduled_for", "%s", err.Error())
		}
		until, err := parseLocalTime(f.ScheduledUntil, r.PostFormValue("tz_offset_until"))
		if err != nil {
			return in, f, invalid("scheduled_until", "%s", err.Error())
		}
		in.ScheduledFor, in.ScheduledUntil = from, until
		if in.Impact == "" {
			in.Impact = status.ImpactMaintenance
		}
	}
	return in, f, nil
}

func parseUpdate(r *http.Request, comps []status.Component) (status.UpdateInput, updateForm) {
	f := updateForm{ID: r.PathValue("id"), Status: r.PostFormValue("status"), Body: r.PostFormValue("body"), Title: r.PostFormValue("title"),
		Impact: r.PostFormValue("impact"), Notify: r.PostFormValue("notify") != "", Confirm: r.PostFormValue("confirm_restricted") != ""}
	in := status.UpdateInput{Status: status.Status(f.Status), Body: f.Body, Title: f.Title, Impact: status.Impact(f.Impact),
		Notify: &f.Notify, ConfirmRestricted: f.Confirm}
	in.States, f.States = formStates(r, comps)
	return in, f
}

// problemText is what a person reads for a failed status page change:
// every problem, each by what it is about.
func problemText(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return "Something went wrong on our side; nothing was changed. Try again."
	}
	if len(e.Details) > 1 {
		var parts []string
		for _, d := range e.Details {
			parts = append(parts, d.Message)
		}
		return capFirst(strings.Join(parts, "; ")) + "."
	}
	return capFirst(e.Message) + "."
}

type staffIncView struct {
	statusIncView
	Statuses    []status.Status
	Affected    []staffComp
	NeedConfirm bool // a restricted incident nobody confirmed yet
	Form        updateForm
	Open        bool // the update form failed: show it open
	CanAct      bool
	IsAdmin     bool
	Opts        []stateOpt
	Back        string // the page to come back to after posting
}

type staffComp struct {
	ID, Name string
	State    status.State
	Label    string
	Chosen   string // the state typed, when the form is kept
}

func staffView(p status.Public, inc status.Incident, f updateForm, u auth.User, back string) staffIncView {
	v := staffIncView{statusIncView: incView(p, inc), Statuses: status.Statuses(inc.Kind),
		NeedConfirm: inc.Restricted && !inc.RestrictedOK, Form: f, Open: f.ID == inc.ID,
		CanAct: u.Role.Allows(auth.Responder), IsAdmin: u.Role == auth.Admin, Opts: stateOpts(), Back: back}
	if !v.Open {
		v.Form = updateForm{ID: inc.ID, Status: string(inc.Status), Notify: true}
	}
	for _, id := range inc.Components {
		for _, c := range p.Components {
			if c.ID == id {
				v.Affected = append(v.Affected, staffComp{ID: c.ID, Name: c.Name, State: c.State, Label: c.State.Label(), Chosen: v.Form.States[c.ID]})
			}
		}
	}
	return v
}

// publishView is a publish form: standalone on the console (with kind and
// schedule), or an incident's on its page.
type publishView struct {
	Action     string
	Standalone bool
	Confirm    bool // ask to confirm publishing a restricted incident
	Components []status.Component
	States     []stateOpt
	Impacts    []status.Impact
	Form       publishForm
}

type statusAdminData struct {
	base
	PageURL       string
	Page          status.Page
	Indicator     status.Indicator
	Components    []status.Component
	States        []stateOpt
	Impacts       []status.Impact
	Active        []staffIncView
	Past          []staffIncView
	Subscriptions bool
	Subscribers   []status.Subscriber
	Confirmed     int
	Publish       publishView
	Comp          componentForm // a component form kept after it failed
	ErrAt         string        // which form the error is about
}

func (s *Server) statusAdminPage(w http.ResponseWriter, r *http.Request) {
	s.renderStatusAdmin(w, r, http.StatusOK, "", nil, publishForm{Notify: true, Kind: "incident", Status: "investigating"}, updateForm{}, componentForm{})
}

func (s *Server) renderStatusAdmin(w http.ResponseWriter, r *http.Request, code int, errAt string, failure error,
	pub publishForm, upd updateForm, comp componentForm) {
	st := s.status
	ctx := r.Context()
	u := userFrom(r)
	a := statusActorOf(u)
	d := statusAdminData{base: s.base(r, "Status page", "statuspage"), PageURL: "/status", States: stateOpts(), Impacts: status.Impacts,
		Subscriptions: st.svc.Subscriptions(), Comp: comp, ErrAt: errAt}
	if failure != nil {
		d.Error = problemText(failure)
	}
	p, err := st.svc.Public(ctx, status.Query{Active: true})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Page, d.Components, d.Indicator = p.Page, p.Components, p.Indicator()
	d.Publish = publishView{Action: "/status/admin/incidents", Standalone: true, Components: p.Components, States: d.States, Impacts: d.Impacts, Form: pub}
	list, err := st.svc.Staff(ctx, a, status.Query{Since: st.svc.Now().AddDate(0, 0, -status.HistoryDays)})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, inc := range list {
		v := staffView(p, inc, upd, u, "")
		if inc.Active() {
			d.Active = append(d.Active, v)
		} else {
			d.Past = append(d.Past, v)
		}
	}
	if a.Admin {
		if d.Subscribers, d.Confirmed, err = st.svc.Subscribers(ctx, a, 200); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	s.render(w, r, code, "status_admin", d)
}

// statusDone redirects after a change, or shows the page again with the
// problem and what was typed.
func (s *Server) statusDone(w http.ResponseWriter, r *http.Request, err error, flash, anchor, errAt string, pub publishForm, upd updateForm, comp componentForm) {
	if err == nil {
		http.Redirect(w, r, "/status/admin?flash="+url.QueryEscape(flash)+"#"+anchor, http.StatusSeeOther)
		return
	}
	code := codeOf(err)
	if code == 0 {
		s.fail(w, r, err)
		return
	}
	if pub.Components == nil {
		pub = publishForm{Notify: true, Kind: "incident", Status: "investigating"}
	}
	s.renderStatusAdmin(w, r, code, errAt, err, pub, upd, comp)
}

func (s *Server) statusPublishStandalone(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	comps, err := s.status.svc.Components(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, f, err := parsePublish(r, comps)
	if err == nil {
		_, err = s.status.svc.Publish(r.Context(), statusActorOf(userFrom(r)), in)
	}
	s.statusDone(w, r, err, "Published on the status page.", "public", "publish", f, updateForm{}, componentForm{})
}

func (s *Server) statusPostUpdate(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	comps, err := s.status.svc.Components(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	in, f := parseUpdate(r, comps)
	_, err = s.status.svc.Post(r.Context(), statusActorOf(userFrom(r)), f.ID, in)
	if ref, ok := strings.CutPrefix(r.PostFormValue("back"), "/incidents/"); ok && ref != "" && !strings.Contains(ref, "/") {
		// Posted from the incident's page: back there, with any problem
		// (loading the page checks the incident may be seen).
		s.statusPanelDone(w, r, err, ref, "Update posted to the status page.", publishForm{}, f)
		return
	}
	s.statusDone(w, r, err, "Update posted to the status page.", "pub-"+f.ID, "update-"+f.ID, publishForm{}, f, componentForm{})
}

func (s *Server) statusUnpublish(w http.ResponseWriter, r *http.Request) {
	err := s.status.svc.Unpublish(r.Context(), statusActorOf(userFrom(r)), r.PathValue("id"))
	s.statusDone(w, r, err, "Removed from the status page.", "public", "", publishForm{}, updateForm{}, componentForm{})
}

func componentInput(r *http.Request) (status.ComponentInput, componentForm, error) {
	f := componentForm{ID: r.PathValue("id"), Name: r.PostFormValue("name"), Description: r.PostFormValue("description"),
		Group: r.PostFormValue("group"), Position: r.PostFormValue("position"), State: r.PostFormValue("state")}
	in := status.ComponentInput{Name: &f.Name, Description: &f.Description, Group: &f.Group}
	if f.State != "" {
		st := status.State(f.State)
		in.State = &st
	}
	if strings.TrimSpace(f.Position) != "" {
		n, err := strconv.Atoi(strings.TrimSpace(f.Position))
		if err != nil {
			return in, f, invalid("position", "position must be a whole number")
		}
		in.Position = &n
	}
	return in, f, nil
}

func (s *Server) statusAddComponent(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	in, f, err := componentInput(r)
	if err == nil {
		_, err = s.status.svc.CreateComponent(r.Context(), statusActorOf(userFrom(r)), in)
	}
	s.statusDone(w, r, err, "Component added.", "components", "new-component", publishForm{}, updateForm{}, f)
}

func (s *Server) statusEditComponent(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	in, f, err := componentInput(r)
	if err == nil {
		_, err = s.status.svc.UpdateComponent(r.Context(), statusActorOf(userFrom(r)), f.ID, in)
	}
	s.statusDone(w, r, err, "Component saved.", "comp-"+f.ID, "component-"+f.ID, publishForm{}, updateForm{}, f)
}

func (s *Server) statusDeleteComponent(w http.ResponseWriter, r *http.Request) {
	err := s.status.svc.DeleteComponent(r.Context(), statusActorOf(userFrom(r)), r.PathValue("id"))
	s.statusDone(w, r, err, "Component removed.", "components", "", publishForm{}, updateForm{}, componentForm{})
}

func (s *Server) statusEditPage(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	name, tz := r.PostFormValue("name"), r.PostFormValue("time_zone")
	_, err := s.status.svc.SetPage(r.Context(), statusActorOf(userFrom(r)), status.PageInput{Name: &name, TimeZone: &tz})
	s.statusDone(w, r, err, "Settings saved.", "settings", "page", publishForm{}, updateForm{}, componentForm{})
}

func (s *Server) statusRemoveSubscriber(w http.ResponseWriter, r *http.Request) {
	err := s.status.svc.RemoveSubscriber(r.Context(), statusActorOf(userFrom(r)), r.PathValue("id"))
	s.statusDone(w, r, err, "Subscriber removed.", "subscribers", "", publishForm{}, updateForm{}, componentForm{})
}
