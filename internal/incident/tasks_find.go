package incident

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// TaskFilter selects tasks across incidents.
type TaskFilter struct {
	// Assignee keeps one person's tasks; empty: everyone's.
	Assignee string
	// All keeps done and skipped tasks too; by default only open ones.
	All bool
	// Overdue keeps only open tasks past their due time.
	Overdue bool
	// ClosedIncidents keeps tasks of incidents no longer open too.
	ClosedIncidents bool
	Limit           int
	// Viewer and Now are set by the service: restricted incidents the
	// viewer may not see are left out, and overdue is judged at Now.
	Viewer Viewer
	Now    time.Time
}

// TaskRow is one task with the incident it belongs to, as the tasks
// index across incidents keeps it.
type TaskRow struct {
	IncidentRef        string     `json:"incident_ref"`
	IncidentTitle      string     `json:"incident_title"`
	IncidentSeverity   string     `json:"incident_severity"`
	IncidentState      State      `json:"incident_state"`
	IncidentRestricted bool       `json:"incident_restricted"`
	Key                string     `json:"key"`
	Plan               string     `json:"plan,omitempty"`
	Phase              plan.Phase `json:"phase"`
	Title              string     `json:"title"`
	Assignee           string     `json:"assignee,omitempty"`
	State              TaskState  `json:"state"`
	Required           bool       `json:"required"`
	DueAt              *time.Time `json:"due_at"`
	UpdatedAt          time.Time  `json:"updated_at"`
	Overdue            bool       `json:"overdue"`
}

// TaskFinder searches the tasks of every incident (the store's index).
type TaskFinder interface {
	// Tasks returns the tasks f selects, due soonest first (undated
	// last), only of incidents f.Viewer may see.
	Tasks(ctx context.Context, f TaskFilter) ([]TaskRow, error)
}

// SetTaskFinder wires the tasks index. Call it before serving; without it
// Tasks answers nothing.
func (s *Service) SetTaskFinder(f TaskFinder) { s.taskFinder = f }

// MaxTaskRows bounds one answer of Tasks.
const MaxTaskRows = 500

// Tasks returns tasks across the incidents v may see.
func (s *Service) Tasks(ctx context.Context, v Viewer, f TaskFilter) ([]TaskRow, error) {
	if f.Limit < 0 {
		return nil, errs.E(errs.Invalid, "limit", "must not be negative")
	}
	if f.Limit == 0 || f.Limit > MaxTaskRows {
		f.Limit = MaxTaskRows
	}
	if s.taskFinder == nil {
		return []TaskRow{}, nil
	}
	f.Viewer, f.Now = v, s.now()
	rows, err := s.taskFinder.Tasks(ctx, f)
	if err != nil {
		return nil, err
	}
	for i := range rows {
		r := &rows[i]
		r.Overdue = r.State.Open() && r.DueAt != nil && f.Now.After(*r.DueAt)
	}
	return rows, nil
}

// Progress counts the incident's tasks per phase now (see
// Incident.Progress).
func (s *Service) Progress(inc *Incident) []PhaseProgress { return inc.Progress(s.now()) }
