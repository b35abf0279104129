package httpapi

import (
	"context"
	"net/http"
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/markdown"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// The post-mortem drafted from the record, and its exports (issue 17).

// PostmortemDraft is a post-mortem drafted from the record, not saved.
type PostmortemDraft struct {
	Ref      string                 `json:"ref"`
	Incident postmortem.Header      `json:"incident"`
	Figures  postmortem.Figures     `json:"figures" doc:"Computed from the incident's events and the records beside it; none typed in."`
	Prompts  postmortem.Prompts     `json:"prompts" doc:"The template's prompts per section, for the incident's type."`
	Draft    incident.PostmortemDoc `json:"draft"`
}

// PostmortemDraftOutput is the answer of draft-postmortem.
type PostmortemDraftOutput struct{ Body PostmortemDraft }

// postmortemExportInput is what export-postmortem takes.
type postmortemExportInput struct {
	RefParam
	Format string `query:"format" enum:"md,html,json" default:"md" doc:"md (Markdown), html (a printable standalone page) or json."`
}

// registerPostmortemDraft declares the draft and export operations.
func (s *Server) registerPostmortemDraft(api huma.API) {
	if s.postmortem == nil {
		return
	}
	tags := []string{"Incidents"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "draft-postmortem", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/postmortem/draft", Tags: tags,
		Summary: "Draft the post-mortem from the record",
		Description: "Computes the figures (detection lag, time to acknowledge, time per phase, time to recover, people, people and data affected, duties and their timeliness, " +
			"assets, credentials, indicators, tasks) from the incident's events and records, and drafts the post-mortem: summary, impact, a timeline chosen from the events, " +
			"and the prompts of the template for the incident's type. Nothing is saved.",
	}), s.draftPostmortem)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "export-postmortem", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/postmortem/export", Tags: tags,
		Summary: "Export the post-mortem as Markdown, HTML or JSON",
		Description: "The saved post-mortem with the incident's header, its figures, the action plan, the reviewers and, once published, the revision and the SHA-256 of its text. " +
			"format=html is a standalone printable page, its Markdown rendered and sanitised; the same post-mortem exports to the same bytes.",
		Responses: fileAnswer("The post-mortem in the format asked for.", map[string]*huma.Schema{
			"text/markdown": text, "text/html": text,
			"application/json": api.OpenAPI().Components.Schemas.Schema(reflect.TypeFor[postmortem.Document](), true, "")}),
	}), s.exportPostmortem)
}

// draftPostmortem serves GET /api/v1/incidents/{ref}/postmortem/draft.
func (s *Server) draftPostmortem(ctx context.Context, in *RefParam) (*PostmortemDraftOutput, error) {
	r, err := s.postmortem.Draft(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &PostmortemDraftOutput{}
	out.Body = PostmortemDraft{Ref: r.Incident.Ref, Incident: postmortem.HeaderOf(r.Incident, r.Figures), Figures: r.Figures, Prompts: r.Prompts, Draft: r.Doc}
	return out, nil
}

// PostmortemExportOutput is an exported post-mortem.
type PostmortemExportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	NoSniff            string `header:"X-Content-Type-Options"`
	// CSP keeps the HTML page inert wherever it is opened: no script, no
	// outside resource.
	CSP  string `header:"Content-Security-Policy"`
	Body []byte
}

// exportPostmortem serves GET /api/v1/incidents/{ref}/postmortem/export.
func (s *Server) exportPostmortem(ctx context.Context, in *postmortemExportInput) (*PostmortemExportOutput, error) {
	d, err := s.postmortem.Document(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	o := &PostmortemExportOutput{NoSniff: "nosniff", CSP: "default-src 'none'; style-src 'unsafe-inline'"}
	name := d.Incident.Ref + "-postmortem."
	switch in.Format {
	case "html":
		o.Body, err = postmortem.HTML(s.markdown, d)
		o.ContentType, name = "text/html; charset=utf-8", name+"html"
	case "json":
		o.Body, err = postmortem.JSON(d)
		o.ContentType, name = "application/json", name+"json"
	default:
		o.Body = []byte(postmortem.Markdown(d))
		o.ContentType, name = "text/markdown; charset=utf-8", name+"md"
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	o.ContentDisposition = `attachment; filename="` + name + `"`
	return o, nil
}

// newMarkdown is the renderer of exported post-mortems.
func newMarkdown() *markdown.Renderer { return markdown.New() }
