package web

import (
	"net/http"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/auth"
)

// /actions: action items across the incidents the signed-in person may
// see — theirs, their teams', the overdue ones, or all — soonest due
// first, filtered by state, each linked to its incident's Action items
// section (actions_section.go), where items are added and changed.

// SetActions turns the action items page on.
func (s *Server) SetActions(a *actions.Service) { s.actions = a }

func (s *Server) registerActions(page func(string, http.HandlerFunc, auth.Role)) {
	page("GET /actions", s.actionsPage, auth.Viewer)
	page("GET /actions/{id}", s.actionItemPage, auth.Viewer)
	s.registerActionsSection(page)
}

type actionsData struct {
	base
	View, State string
	Views       []string
	States      []actions.State
	Items       []actionRow
}

type actionRow struct {
	actions.Action
	Late bool
}

func (s *Server) actionsPage(w http.ResponseWriter, r *http.Request) {
	if s.actions == nil {
		http.NotFound(w, r)
		return
	}
	u := userFrom(r)
	q := r.URL.Query()
	d := actionsData{base: s.base(r, "Action items", "actions"), View: q.Get("view"), State: q.Get("state"),
		Views: []string{"mine", "team", "overdue", "all"}, States: actions.States}
	f := actions.Filter{Viewer: viewerOf(u), Now: s.now()}
	switch d.View {
	case "team":
		ts, err := s.actions.TeamsOf(r.Context(), u.Username)
		if err != nil {
			s.fail(w, r, err)
			return
		}
		f.Teams = append([]string{}, ts...)
	case "overdue":
		f.Overdue = true
	case "all":
	default:
		d.View, f.Owner = "mine", u.Username
	}
	if d.State != "" {
		f.States = []actions.State{actions.State(d.State)}
	}
	items, err := s.actions.List(r.Context(), f)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, a := range items {
		d.Items = append(d.Items, actionRow{Action: a, Late: a.Overdue(f.Now)})
	}
	s.render(w, r, http.StatusOK, "actions", d)
}

// actionItemPage is an item's own address, the one reminders and
// webhooks carry: it goes to the item on its incident's Action items
// section. An item of an incident the viewer may not see is not found.
func (s *Server) actionItemPage(w http.ResponseWriter, r *http.Request) {
	if s.actions == nil {
		http.NotFound(w, r)
		return
	}
	a, err := s.actions.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, actionsSectionURL(a.Incident, a.ID), http.StatusSeeOther)
}
