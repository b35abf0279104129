package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/engine"
)

// Jobs is what the API shows of the job engine: the dead letters.
type Jobs interface {
	DeadJobs(ctx context.Context, limit int) ([]engine.Job, error)
}

// DeadJobsOutput lists dead-lettered jobs.
type DeadJobsOutput struct {
	Body struct {
		Items []engine.Job `json:"items"`
	}
}

func (s *Server) registerJobs(api huma.API) {
	if s.jobs == nil {
		return
	}
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "list-dead-jobs", Method: http.MethodGet, Path: "/api/v1/jobs/dead", Tags: []string{"Jobs"},
		Summary: "List dead-lettered jobs",
		Description: "Jobs that failed every attempt (or failed for good) and will not run again, newest first, with their last error. " +
			"A delivery that failed this way is also shown, failed, with its escalation.",
	}), func(ctx context.Context, in *struct {
		Limit int `query:"limit" minimum:"1" maximum:"500" default:"100"`
	}) (*DeadJobsOutput, error) {
		jobs, err := s.jobs.DeadJobs(ctx, in.Limit)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		out := &DeadJobsOutput{}
		out.Body.Items = jobs
		if out.Body.Items == nil {
			out.Body.Items = []engine.Job{}
		}
		return out, nil
	})
}
