package httpapi

import (
	"bytes"
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/insights"
)

func (s *Server) registerInsights(api huma.API) {
	if s.insights == nil {
		return
	}
	tags := []string{"Insights"}
	const what = "Per period (week, month or quarter, in the organisation's time zone) and per severity, type or team: incidents declared; " +
		"time to acknowledge, to declare, to contain, to eradicate and to recover (mean, p50, p90 in seconds); post-mortems and notification duties on time; " +
		"pages per person, out of hours apart. Restricted incidents are counted; a figure resting on fewer than 3 incidents, one of them restricted and hidden from you, " +
		"is withheld (suppressed, its numbers null), and drill-downs (refs) list only incidents you may see. The README's Insights section defines every figure."
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-insights", Method: http.MethodGet, Path: "/api/v1/insights", Tags: tags,
		Summary: "Insights: how the response program is doing", Description: what,
	}), s.getInsights)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "export-insights-csv", Method: http.MethodGet, Path: "/api/v1/insights.csv", Tags: tags,
		Summary:     "Insights as CSV",
		Description: "The same rows and each period's totals (group all) as RFC 4180 CSV, one line per period and group; withheld figures read <3. " + what,
		Responses:   fileAnswer("The CSV.", map[string]*huma.Schema{"text/csv": text}),
	}), s.exportInsights)
}

// insightsInput is what the insights routes take.
type insightsInput struct {
	Period string `query:"period" doc:"week, month (the default) or quarter."`
	By     string `query:"by" doc:"severity (the default), type, team or none."`
	From   string `query:"from" doc:"First day, YYYY-MM-DD in the organisation's time zone; a year before to when left out."`
	To     string `query:"to" doc:"Last day (inclusive), YYYY-MM-DD; today when left out."`
}

func (in *insightsInput) request() insights.Request {
	return insights.Request{Period: insights.Period(in.Period), By: insights.Dimension(in.By), From: in.From, To: in.To}
}

// InsightsOutput is a report.
type InsightsOutput struct {
	Body insights.Report
}

func (s *Server) report(ctx context.Context, in *insightsInput) (insights.Report, error) {
	q, err := s.insights.Query(in.request())
	if err != nil {
		return insights.Report{}, err
	}
	return s.insights.Report(ctx, viewer(ctx), q)
}

// getInsights serves GET /api/v1/insights.
func (s *Server) getInsights(ctx context.Context, in *insightsInput) (*InsightsOutput, error) {
	rep, err := s.report(ctx, in)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &InsightsOutput{Body: rep}, nil
}

// exportInsights serves GET /api/v1/insights.csv.
func (s *Server) exportInsights(ctx context.Context, in *insightsInput) (*ExportOutput, error) {
	rep, err := s.report(ctx, in)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	var b bytes.Buffer
	if err := insights.WriteCSV(&b, rep); err != nil {
		return nil, s.problem(ctx, err)
	}
	return &ExportOutput{ContentType: "text/csv; charset=utf-8", Body: b.Bytes(),
		ContentDisposition: `attachment; filename="insights-` + string(rep.Period) + `-` + string(rep.By) + `.csv"`}, nil
}
