package web

import (
	"net/http"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// /my/tasks: the signed-in person's open tasks across the incidents they
// may see (the store's tasks index), overdue first, then by due time;
// tasks without one last.

type myTasksData struct {
	base
	Items []myTask
	// Partial: the index answered its most rows; more may exist.
	Partial bool
}

type myTask struct {
	incident.TaskRow
	DueIn string // "in 25m", "12m overdue"
}

func (s *Server) myTasksPage(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	d := myTasksData{base: s.base(r, "My tasks", "mytasks")}
	d.Live = "list"
	rows, err := s.incidents.Tasks(r.Context(), viewerOf(u), incident.TaskFilter{Assignee: u.Username})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	now := s.now()
	d.Partial = len(rows) >= incident.MaxTaskRows
	for _, row := range rows {
		m := myTask{TaskRow: row}
		if row.DueAt != nil {
			if row.Overdue {
				m.DueIn = span(now.Sub(*row.DueAt)) + " overdue"
			} else {
				m.DueIn = "in " + span(row.DueAt.Sub(now))
			}
		}
		d.Items = append(d.Items, m)
	}
	// The index answers due soonest first; overdue ones lead even should a
	// due time move under it.
	slices.SortStableFunc(d.Items, func(a, b myTask) int {
		switch {
		case a.Overdue == b.Overdue:
			return 0
		case a.Overdue:
			return -1
		}
		return 1
	})
	s.render(w, r, http.StatusOK, "mytasks", d)
}
