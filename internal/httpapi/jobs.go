package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/engine"
)

// Jobs is what the API shows of the job engine: the dead letters, which
// an admin retries or discards.
type Jobs interface {
	// ListDeadJobs lists the jobs in state (dead or discarded), newest
	// first, and how many there are.
	ListDeadJobs(ctx context.Context, state engine.State, limit int) ([]engine.DeadJob, int, error)
	// RetryDeadJob makes a dead job pending, due now, attempts afresh.
	RetryDeadJob(ctx context.Context, id string) error
	// DiscardDeadJob sets a dead job aside for good.
	DiscardDeadJob(ctx context.Context, id string) error
}

// DeadJobsOutput lists dead-lettered jobs.
type DeadJobsOutput struct {
	Body struct {
		Items []engine.DeadJob `json:"items"`
		// Total is how many jobs are in the state asked for; more than
		// the items when the limit cut the list.
		Total int `json:"total"`
	}
}

func (s *Server) registerJobs(api huma.API) {
	if s.jobs == nil {
		return
	}
	tags := []string{"Jobs"}
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "list-dead-jobs", Method: http.MethodGet, Path: "/api/v1/jobs/dead", Tags: tags,
		Summary: "List dead-lettered jobs",
		Description: "Jobs of every kind that failed every attempt, or failed for good (a page its receiver refused), and will not run " +
			"again unless retried: newest first, with their kind, attempts, last error (never a receiver's reply body) and times. " +
			"state=discarded lists the ones set aside instead. A page that failed this way is also shown, failed, with its escalation.",
	}), s.listDeadJobs)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "retry-dead-job", Method: http.MethodPost, Path: "/api/v1/jobs/dead/{id}/retry", Tags: tags,
		Summary:       "Run a dead job again",
		Description:   "The job becomes pending, due now, with its attempts counted afresh; a failed page is pending again and is sent unless its escalation ended meanwhile. 409 when the job is not dead.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
	}), s.retryDeadJob)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "discard-dead-job", Method: http.MethodDelete, Path: "/api/v1/jobs/dead/{id}", Tags: tags,
		Summary:       "Discard a dead job",
		Description:   "The job is kept for the record, in state discarded (list them with state=discarded), and never runs. 409 when the job is not dead.",
		DefaultStatus: http.StatusNoContent,
		Errors:        []int{http.StatusUnauthorized, http.StatusForbidden, http.StatusNotFound, http.StatusConflict},
	}), s.discardDeadJob)
}

// jobID names a dead job in the path.
type jobID struct {
	ID string `path:"id" maxLength:"64"`
}

// listDeadJobsInput is what list-dead-jobs takes.
type listDeadJobsInput struct {
	Limit int    `query:"limit" minimum:"1" maximum:"500" default:"100"`
	State string `query:"state" enum:"dead,discarded" default:"dead"`
}

// listDeadJobs serves GET /api/v1/jobs/dead: list dead-lettered jobs.
func (s *Server) listDeadJobs(ctx context.Context, in *listDeadJobsInput) (*DeadJobsOutput, error) {
	jobs, total, err := s.jobs.ListDeadJobs(ctx, engine.State(in.State), in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &DeadJobsOutput{}
	out.Body.Items, out.Body.Total = jobs, total
	if out.Body.Items == nil {
		out.Body.Items = []engine.DeadJob{}
	}
	return out, nil
}

// retryDeadJob serves POST /api/v1/jobs/dead/{id}/retry: run a dead job again.
func (s *Server) retryDeadJob(ctx context.Context, in *jobID) (*struct{}, error) {
	if err := s.jobs.RetryDeadJob(ctx, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	s.logJob(ctx, "dead job retried", in.ID)
	return nil, nil
}

// discardDeadJob serves DELETE /api/v1/jobs/dead/{id}: discard a dead job.
func (s *Server) discardDeadJob(ctx context.Context, in *jobID) (*struct{}, error) {
	if err := s.jobs.DiscardDeadJob(ctx, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	s.logJob(ctx, "dead job discarded", in.ID)
	return nil, nil
}

// logJob records who settled a dead job.
func (s *Server) logJob(ctx context.Context, msg, id string) {
	if s.log == nil {
		return
	}
	p, _ := principalFrom(ctx)
	s.log.Info(msg, "job", id, "by", p.User.Username)
}
