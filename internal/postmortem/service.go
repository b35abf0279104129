package postmortem

import (
	"context"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Incidents read an incident with its stream for a viewer, refusing one
// the viewer may not see (incident.Service).
type Incidents interface {
	Timeline(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, []incident.Event, error)
}

// Sources gather the records beside an incident the figures read: pages,
// duties, facts, assets, credentials, indicators. The app implements it
// over the services that keep them.
type Sources interface {
	Records(ctx context.Context, v incident.Viewer, inc incident.Incident, events []incident.Event) (Records, error)
}

// Service drafts post-mortems from the record.
type Service struct {
	incidents  Incidents
	sources    Sources
	templates  Templates
	describers []incident.Describer
	actions    Actions // nil: the items an older post-mortem's text holds
	meeting    meetingDeps
}

// New builds the service: describers caption the timeline's events of
// other packages (notices, duties, assets, evidence, indicators).
func New(incidents Incidents, sources Sources, describers ...incident.Describer) *Service {
	return &Service{incidents: incidents, sources: sources, templates: Builtin(), describers: describers}
}

// Configure lays the policy file's templates over the built-in ones.
// Call it before serving.
func (s *Service) Configure(t Templates) { s.templates = Builtin().With(t) }

// Templates are the templates in force.
func (s *Service) Templates() Templates { return s.templates }

// Result is a drafted post-mortem: the incident as read, its figures,
// the prompts of its template and the draft. Nothing of it is saved.
type Result struct {
	Incident incident.Incident      `json:"-"`
	Events   []incident.Event       `json:"-"`
	Figures  Figures                `json:"figures"`
	Prompts  Prompts                `json:"prompts"`
	Doc      incident.PostmortemDoc `json:"draft"`
}

// Figures reads an incident and the records beside it for v and computes
// its figures; an incident v may not see is not found.
func (s *Service) Figures(ctx context.Context, v incident.Viewer, ref string) (Result, error) {
	inc, events, err := s.incidents.Timeline(ctx, v, ref)
	if err != nil {
		return Result{}, err
	}
	recs, err := s.sources.Records(ctx, v, inc, events)
	if err != nil {
		return Result{}, fmt.Errorf("postmortem: the records of %s: %w", inc.Ref, err)
	}
	return Result{Incident: inc, Events: events, Figures: Compute(inc, events, recs), Prompts: s.templates.For(inc.Type)}, nil
}

// Draft drafts the post-mortem of an incident for v from its record.
func (s *Service) Draft(ctx context.Context, v incident.Viewer, ref string) (Result, error) {
	r, err := s.Figures(ctx, v, ref)
	if err != nil {
		return r, err
	}
	r.Doc = Draft(r.Figures, r.Incident, r.Events, r.Prompts, s.describers...)
	return r, nil
}

// Actions list the action items that came from an incident (package
// actions, where the app wires it); the export lists them after the items
// an older post-mortem holds in its text.
type Actions interface {
	ForIncident(ctx context.Context, v incident.Viewer, inc incident.Incident) ([]ActionItem, error)
}

// SetActions wires the action items. Call it before serving.
func (s *Service) SetActions(a Actions) { s.actions = a }

// Document reads an incident's saved post-mortem for v as an export
// holds it, with the figures computed now and the action plan; an
// incident v may not see is not found.
func (s *Service) Document(ctx context.Context, v incident.Viewer, ref string) (Document, error) {
	r, err := s.Figures(ctx, v, ref)
	if err != nil {
		return Document{}, err
	}
	d := saved(r.Incident, r.Events, r.Figures)
	if s.actions != nil {
		items, err := s.actions.ForIncident(ctx, v, r.Incident)
		if err != nil {
			return Document{}, fmt.Errorf("postmortem: the action items of %s: %w", r.Incident.Ref, err)
		}
		d.ActionItems = append(d.ActionItems, items...) // after an older text's own rows, if it has any
	}
	return d.normalized(), nil
}
