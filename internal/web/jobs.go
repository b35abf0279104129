package web

import (
	"context"
	"net/http"

	"github.com/firebreak-ir/firebreak/internal/engine"
)

// DeadJobs is what the console's jobs page needs: the dead letters of the
// job engine, which an admin retries or discards.
type DeadJobs interface {
	ListDeadJobs(ctx context.Context, state engine.State, limit int) ([]engine.DeadJob, int, error)
	RetryDeadJob(ctx context.Context, id string) error
	DiscardDeadJob(ctx context.Context, id string) error
}

// SetJobs turns the dead jobs page (/admin/jobs) on.
func (s *Server) SetJobs(j DeadJobs) { s.jobs = j }

const jobsPageLimit = 500

type jobsData struct {
	base
	Jobs      []engine.DeadJob
	Total     int
	Discarded bool
}

func (s *Server) jobsPage(w http.ResponseWriter, r *http.Request) {
	if s.jobs == nil {
		s.errorPage(w, r, http.StatusNotFound, "Jobs are not shown on this server.")
		return
	}
	d := jobsData{base: s.base(r, "Dead jobs", "jobs"), Discarded: r.URL.Query().Get("state") == string(engine.Discarded)}
	d.Flash = flashOf(r)
	state := engine.Dead
	if d.Discarded {
		state = engine.Discarded
	}
	var err error
	if d.Jobs, d.Total, err = s.jobs.ListDeadJobs(r.Context(), state, jobsPageLimit); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "jobs", d)
}

func (s *Server) retryJob(w http.ResponseWriter, r *http.Request) {
	s.settleJob(w, r, s.jobs.RetryDeadJob, "dead job retried", flashJobRetried)
}

func (s *Server) discardJob(w http.ResponseWriter, r *http.Request) {
	s.settleJob(w, r, s.jobs.DiscardDeadJob, "dead job discarded", flashJobDiscarded)
}

func (s *Server) settleJob(w http.ResponseWriter, r *http.Request, do func(context.Context, string) error, what string, done flashCode) {
	if s.jobs == nil {
		s.errorPage(w, r, http.StatusNotFound, "Jobs are not shown on this server.")
		return
	}
	if !parseForm(w, r) {
		return
	}
	id := r.PathValue("id")
	if err := do(r.Context(), id); err != nil {
		s.fail(w, r, err)
		return
	}
	s.log.InfoContext(r.Context(), what, "job", id, "by", userFrom(r).Username)
	http.Redirect(w, r, withFlash("/admin/jobs", done), http.StatusSeeOther)
}
