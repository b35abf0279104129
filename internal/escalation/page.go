package escalation

import (
	"context"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// PageInput pages people by hand.
type PageInput struct {
	Targets []oncall.Target `json:"targets"`
	Message string          `json:"message"`
}

// PageIncident pages targets about an incident actor can see.
func (s *Service) PageIncident(ctx context.Context, actor incident.Viewer, ref string, in PageInput) (Escalation, error) {
	inc, err := s.incidents.Get(ctx, actor, ref)
	if err != nil {
		return Escalation{}, err
	}
	return s.page(ctx, actor.User, incidentSubject(inc), in)
}

// PageQueueEntry pages targets about a queue entry the actor may see.
func (s *Service) PageQueueEntry(ctx context.Context, actor incident.Viewer, id string, in PageInput) (Escalation, error) {
	entry, err := s.queue.EntryFor(ctx, actor, id)
	if err != nil {
		return Escalation{}, err
	}
	subj := Subject{Kind: SubjectQueue, ID: entry.Group.ID, Title: entry.Group.Summary, Severity: entry.Severity,
		Service: entry.Group.Destination.Service}
	return s.page(ctx, actor.User, subj, in)
}

// PageDelay is how long a hand page waits before it counts as unanswered.
const PageDelay = 15

func (s *Service) page(ctx context.Context, actor string, subj Subject, in PageInput) (Escalation, error) {
	in.Message = strings.TrimSpace(in.Message)
	if len(in.Message) > 2000 {
		return Escalation{}, errs.E(errs.Invalid, "message", "is longer than 2000 characters")
	}
	pol := oncall.Policy{Name: "page by " + actor, Steps: []oncall.Step{{Targets: in.Targets, Delay: PageDelay}}}
	if err := pol.Validate(); err != nil {
		return Escalation{}, renameSteps(err)
	}
	o, err := s.roster.Objects(ctx)
	if err != nil {
		return Escalation{}, err
	}
	users, err := s.roster.UserSet(ctx)
	if err != nil {
		return Escalation{}, err
	}
	if err := o.Directory(users).CheckReferences(pol); err != nil {
		return Escalation{}, renameSteps(err)
	}
	e, _, err := s.start(ctx, o, subj, CausePage+s.newID(), pol, actor, in.Message, "")
	return e, err
}

// renameSteps turns "steps[0].targets[1]…" into "targets[1]…" for a page.
func renameSteps(err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	c.Field = strings.TrimPrefix(c.Field, "steps[0].")
	c.Details = nil
	for _, d := range e.Details {
		d.Field = strings.TrimPrefix(d.Field, "steps[0].")
		c.Details = append(c.Details, d)
	}
	return &c
}
