package httpapi

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// Response plans: everyone signed in reads them (a responder needs to see
// what a plan will ask of them); administrators change them. Each change
// is a new version; versions are never changed, so an incident that
// applied one keeps exactly what it applied.

// PlanView is one version of a plan as answered: the JSON of
// plan.Versioned, under names of its own in the OpenAPI document (the
// incident's Task is another thing).
type PlanView struct {
	Name        string     `json:"name"`
	Title       string     `json:"title"`
	Description string     `json:"description,omitempty"`
	AppliesTo   PlanMatch  `json:"applies_to"`
	Roles       []string   `json:"roles,omitempty"`
	Tasks       []PlanTask `json:"tasks"`
	Version     int        `json:"version"`
	Hash        string     `json:"hash"`
	Source      string     `json:"source" enum:"builtin,file,api"`
	CreatedAt   time.Time  `json:"created_at"`
	CreatedBy   string     `json:"created_by"`
}

// PlanMatch says which incidents a plan applies to (plan.Match).
type PlanMatch plan.Match

// PlanTask is one task of a plan (plan.Task).
type PlanTask plan.Task

func planView(v plan.Versioned) PlanView {
	out := PlanView{Name: v.Name, Title: v.Title, Description: v.Description, AppliesTo: PlanMatch(v.AppliesTo), Roles: v.Roles,
		Tasks: make([]PlanTask, len(v.Tasks)), Version: v.Version, Hash: v.Hash, Source: v.Source, CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy}
	for i, t := range v.Tasks {
		out.Tasks[i] = PlanTask(t)
	}
	return out
}

// PlansOutput lists the current plans, by name.
type PlansOutput struct {
	Body struct {
		Items []PlanView `json:"items"`
	}
}

// PlanOutput is one version of a plan.
type PlanOutput struct {
	Body PlanView
}

// PlanVersionView is one version of a plan in its history, without the
// plan's tasks.
type PlanVersionView struct {
	Name      string    `json:"name"`
	Version   int       `json:"version"`
	Hash      string    `json:"hash,omitempty"`
	Source    string    `json:"source" enum:"builtin,file,api"`
	Title     string    `json:"title,omitempty"`
	Tasks     int       `json:"tasks"`
	CreatedAt time.Time `json:"created_at"`
	CreatedBy string    `json:"created_by"`
	// Deleted marks the version that deleted the plan.
	Deleted bool `json:"deleted,omitempty"`
}

// PlanVersionsOutput lists a plan's versions, oldest first.
type PlanVersionsOutput struct {
	Body struct {
		Items []PlanVersionView `json:"items"`
	}
}

// Results of a put.
const (
	PlanCreated   = "created"   // the name's first version, or its first after a deletion
	PlanUpdated   = "updated"   // a new version
	PlanUnchanged = "unchanged" // the same as the current version: nothing written
)

// PutPlanOutput is what a put did and the plan's current version.
type PutPlanOutput struct {
	Body struct {
		Result string   `json:"result" enum:"created,updated,unchanged"`
		Plan   PlanView `json:"plan"`
	}
}

// PlanDocument is a plan as sent to put-plan: the plan as a JSON object
// (the fields of a plan, as get-plan answers without version, hash,
// source, created_at, created_by), or an object whose only field is yaml,
// the plan as YAML text (what the console's editor and a plans file hold).
// It is read strictly in the handler, so every problem is answered with
// its field.
type PlanDocument struct {
	raw []byte
}

// UnmarshalJSON keeps the document for the handler to read.
func (d *PlanDocument) UnmarshalJSON(b []byte) error {
	d.raw = slices.Clone(b)
	return nil
}

// MarshalJSON writes the document as it was sent.
func (d PlanDocument) MarshalJSON() ([]byte, error) {
	if d.raw == nil {
		return []byte("{}"), nil
	}
	return d.raw, nil
}

// Schema documents the two forms; the handler checks the plan itself.
func (PlanDocument) Schema(huma.Registry) *huma.Schema {
	return &huma.Schema{Type: huma.TypeObject, AdditionalProperties: true,
		Description: "A plan: its fields as a JSON object (name, title, description, applies_to, roles, tasks — as get-plan answers, " +
			"without version, hash, source, created_at and created_by), or {\"yaml\": \"...\"} with the plan as YAML text."}
}

// PlanDocumentJSON makes the body of a put from a plan.
func PlanDocumentJSON(p plan.Plan) (PlanDocument, error) {
	b, err := json.Marshal(p)
	return PlanDocument{raw: b}, err
}

// PlanDocumentYAML makes the body of a put from a plan's YAML text.
func PlanDocumentYAML(text string) (PlanDocument, error) {
	b, err := json.Marshal(map[string]string{"yaml": text})
	return PlanDocument{raw: b}, err
}

func (s *Server) registerPlans(api huma.API) {
	if s.plans == nil {
		return
	}
	tags := []string{"Plans"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-plans", Method: http.MethodGet, Path: "/api/v1/plans", Tags: tags,
		Summary: "List response plans",
		Description: "The current version of every plan that is not deleted, by name: the built-in library, plans from the " +
			"policy file or plans file, and those administrators put here. Leaving triage activates every plan whose " +
			"applies_to matches the incident.",
	}), s.listPlans)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-plan", Method: http.MethodGet, Path: "/api/v1/plans/{name}", Tags: tags,
		Summary: "Get a response plan",
		Description: "The plan's current version, or with version=N that version — also one older than the current one or of a " +
			"plan deleted since, as an incident that applied it recorded it (name, version, hash).",
	}), s.getPlan)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-plan-versions", Method: http.MethodGet, Path: "/api/v1/plans/{name}/versions", Tags: tags,
		Summary:     "List a response plan's versions",
		Description: "Oldest first, with who wrote each and where from (builtin, file, api); a deletion is a version too (deleted).",
	}), s.listPlanVersions)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "put-plan", Method: http.MethodPut, Path: "/api/v1/plans/{name}", Tags: tags,
		Summary: "Create or change a response plan", MaxBodyBytes: maxPlanBody,
		Description: "The body is the whole plan, as a JSON object or as {\"yaml\": \"...\"}; its name must be the path's. " +
			"A plan that differs from the current version (by its hash) becomes the next version (result created or updated); " +
			"the same plan again writes nothing (unchanged). Running incidents keep the version they applied. Every problem " +
			"is answered together as 422, each with its field (tasks[2].due) and where it is in the text.",
	}), s.putPlan)
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "delete-plan", Method: http.MethodDelete, Path: "/api/v1/plans/{name}", Tags: tags,
		Summary: "Delete a response plan", DefaultStatus: http.StatusNoContent,
		Description: "The plan is no longer listed nor activated; its versions stay readable, and putting the name again " +
			"continues its numbering. A built-in plan deleted here stays deleted across upgrades; one from a plans file " +
			"returns at the next start while the file has it.",
	}), s.deletePlan)
}

// maxPlanBody bounds a put: a plan at its limits (500 tasks) is far less.
const maxPlanBody = 4 << 20

type planName struct {
	Name string `path:"name" maxLength:"63"`
}

type getPlanInput struct {
	Name    string `path:"name" maxLength:"63"`
	Version int    `query:"version" minimum:"0" doc:"a version number; 0 or absent: the current version"`
}

type putPlanInput struct {
	Name string `path:"name" maxLength:"63"`
	Body PlanDocument
}

// listPlans serves GET /api/v1/plans: the current plans.
func (s *Server) listPlans(ctx context.Context, _ *struct{}) (*PlansOutput, error) {
	ps, err := s.plans.List(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &PlansOutput{}
	out.Body.Items = make([]PlanView, len(ps))
	for i, p := range ps {
		out.Body.Items[i] = planView(p)
	}
	return out, nil
}

// getPlan serves GET /api/v1/plans/{name}: one version of a plan.
func (s *Server) getPlan(ctx context.Context, in *getPlanInput) (*PlanOutput, error) {
	var v plan.Versioned
	var err error
	if in.Version > 0 {
		v, err = s.plans.Version(ctx, in.Name, in.Version)
	} else {
		v, err = s.plans.Get(ctx, in.Name)
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &PlanOutput{Body: planView(v)}, nil
}

// listPlanVersions serves GET /api/v1/plans/{name}/versions.
func (s *Server) listPlanVersions(ctx context.Context, in *planName) (*PlanVersionsOutput, error) {
	vs, err := s.plans.Versions(ctx, in.Name)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &PlanVersionsOutput{}
	out.Body.Items = make([]PlanVersionView, len(vs))
	for i, v := range vs {
		out.Body.Items[i] = PlanVersionView{Name: v.Name, Version: v.Version, Hash: v.Hash, Source: v.Source, Title: v.Title,
			Tasks: len(v.Tasks), CreatedAt: v.CreatedAt, CreatedBy: v.CreatedBy, Deleted: v.Deleted}
	}
	return out, nil
}

// putPlan serves PUT /api/v1/plans/{name}: a new version when it changed.
func (s *Server) putPlan(ctx context.Context, in *putPlanInput) (*PutPlanOutput, error) {
	p, err := s.readPlan(in.Body.raw)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	if p.Name != in.Name {
		return nil, s.problem(ctx, errs.E(errs.Invalid, "name", "the plan is named %q, not %q as the path says", p.Name, in.Name))
	}
	who, _ := principalFrom(ctx)
	v, changed, err := s.plans.Put(ctx, who.User.Username, p, plan.SourceAPI)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &PutPlanOutput{}
	out.Body.Plan = planView(v)
	switch {
	case !changed:
		out.Body.Result = PlanUnchanged
	case v.Version == 1:
		out.Body.Result = PlanCreated
	default:
		out.Body.Result = PlanUpdated
		if prev, err := s.plans.Versions(ctx, p.Name); err == nil && len(prev) > 1 && prev[len(prev)-2].Deleted {
			out.Body.Result = PlanCreated
		}
	}
	return out, nil
}

// readPlan reads a put's body, strictly: an unknown field is a problem.
func (s *Server) readPlan(raw []byte) (plan.Plan, error) {
	var y struct {
		YAML *string `json:"yaml"`
	}
	if err := json.Unmarshal(raw, &y); err == nil && y.YAML != nil {
		var rest map[string]json.RawMessage
		if json.Unmarshal(raw, &rest) == nil && len(rest) == 1 {
			return s.parsePlan([]byte(*y.YAML), "yaml")
		}
	}
	return s.parsePlan(raw, "")
}

// deletePlan serves DELETE /api/v1/plans/{name}.
func (s *Server) deletePlan(ctx context.Context, in *planName) (*struct{}, error) {
	who, _ := principalFrom(ctx)
	if err := s.plans.Delete(ctx, who.User.Username, in.Name); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// parsePlan reads one plan document (YAML, or JSON, which is YAML)
// strictly and checks it; its problems are one Invalid error with a
// detail per problem, at the plan's path, and where in the text.
func (s *Server) parsePlan(data []byte, prefix string) (plan.Plan, error) {
	p, err := plan.ParsePlan(data, s.plans.Roles)
	var fps plan.FileProblems
	if !errors.As(err, &fps) || len(fps) == 0 {
		return p, err
	}
	ds := make([]errs.Detail, len(fps))
	for i, fp := range fps {
		field := cmp.Or(fp.Path, prefix, "body")
		msg := fp.Message
		if fp.Line > 0 {
			msg = fmt.Sprintf("%s (line %d, column %d)", msg, fp.Line, fp.Column)
		}
		ds[i] = errs.Detail{Field: field, Message: msg}
	}
	return plan.Plan{}, &errs.Error{Code: errs.Invalid, Field: ds[0].Field, Message: ds[0].Message, Details: ds}
}
