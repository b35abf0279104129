package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// ReportBody is an internal report: something a colleague saw.
type ReportBody struct {
	Title       string `json:"title" minLength:"1" maxLength:"200" doc:"What happened, in a line."`
	Description string `json:"description,omitempty" maxLength:"20000"`
}

// ReportOutput is the reference of a filed report.
type ReportOutput struct {
	Body struct {
		Reference string `json:"reference" doc:"Quote it when writing about the report."`
	}
}

func (s *Server) registerReports(api huma.API) {
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "file-report", Method: http.MethodPost, Path: "/api/v1/reports", Tags: []string{"Triage"},
		Summary: "Report something", DefaultStatus: http.StatusCreated,
		Description: "Files an internal report into the triage queue, with the caller recorded as the reporter. Anyone signed in may report.",
	}), s.fileReport)
}

// fileReportInput is what file-report takes.
type fileReportInput struct{ Body ReportBody }

// fileReport serves POST /api/v1/reports: report something.
func (s *Server) fileReport(ctx context.Context, in *fileReportInput) (*ReportOutput, error) {
	p, _ := principalFrom(ctx)
	ref, err := s.triage.Report(ctx, triage.ReportInput{Reporter: p.User.Username, Title: in.Body.Title, Description: in.Body.Description})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &ReportOutput{}
	out.Body.Reference = ref
	return out, nil
}
