package escalation

import (
	"context"
	"encoding/json"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// Acknowledge stops an escalation: actor has it. Following up (making
// actor the incident's IR Lead when none is set, acknowledging the queue
// entry) is a job written with the acknowledgement.
func (s *Service) Acknowledge(ctx context.Context, actor, id string) (Escalation, error) {
	return s.ack(ctx, actor, id, "")
}

func (s *Service) ack(ctx context.Context, actor, id, token string) (Escalation, error) {
	e, err := s.store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		fx := Effects{UseToken: token}
		switch e.State {
		case Acknowledged:
			return fx, errs.E(errs.Rule, "state", "already acknowledged by %s", e.AckedBy)
		case Resolved:
			return fx, errs.E(errs.Rule, "state", "no longer needed: %s", lastDetail(e, "resolved"))
		}
		now := s.now().UTC()
		e.State, e.AckedBy, e.AckedAt, e.Next, e.NextAt = Acknowledged, actor, &now, nil, nil
		how := "in Firebreak"
		if token != "" {
			how = "by link"
		}
		e.Log = append(e.Log, LogEntry{At: now, Action: "acknowledged", Actor: actor, Detail: how})
		fx.Jobs = []engine.Job{{Kind: JobAcked, Args: jobArgs(idArgs{ID: e.ID})}}
		return fx, nil
	})
	return e, err
}

func lastDetail(e *Escalation, action string) string {
	for i := len(e.Log) - 1; i >= 0; i-- {
		if e.Log[i].Action == action {
			return e.Log[i].Detail
		}
	}
	return action
}

// handleAcked makes the acknowledger the incident's IR Lead (or, for a
// commander page, its Incident Commander) when none is set, or
// acknowledges the queue entry.
func (s *Service) handleAcked(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	e, err := s.store.Escalation(ctx, a.ID)
	if err != nil {
		return err
	}
	switch e.Subject.Kind {
	case SubjectQueue:
		// As the acknowledger: an entry they may not see (linked to a
		// restricted incident meanwhile) is not found, and left alone.
		_, err := s.queue.Acknowledge(ctx, incident.Viewer{User: e.AckedBy}, e.Subject.ID)
		if err != nil && errs.CodeOf(err) != errs.Rule && errs.CodeOf(err) != errs.NotFound && errs.CodeOf(err) != errs.Conflict {
			return err
		}
		return nil
	case SubjectIncident:
		inc, err := s.incidents.Get(ctx, system, e.Subject.ID)
		if err != nil {
			return err
		}
		role := incident.IRLead
		if strings.HasPrefix(e.Cause, CauseCommander) {
			role = incident.IncidentCommander
		}
		if !inc.State.Open() || inc.Participant(e.AckedBy) && len(inc.Holders(role)) > 0 {
			return nil
		}
		if len(inc.Holders(role)) > 0 {
			// The role is taken: the acknowledger joins as a responder, so
			// a restricted incident becomes visible to them.
			role = incident.Responder
		}
		_, err = s.incidents.Assign(ctx, incident.Command{Actor: incident.Viewer{User: e.AckedBy, SeeAll: true}, Ref: inc.ID}, role, e.AckedBy)
		if err != nil && (errs.CodeOf(err) == errs.Rule || errs.CodeOf(err) == errs.Invalid) {
			s.log.Warn("acknowledger could not take the role", "escalation", e.ID, "role", role, "err", err)
			return nil
		}
		return err
	}
	return nil
}

// EscalateNow runs the next step at once.
func (s *Service) EscalateNow(ctx context.Context, actor, id string) (Escalation, error) {
	e, err := s.store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		if e.State != Open || e.Next == nil {
			return Effects{}, errs.E(errs.Rule, "state", "the escalation is %s: nothing to escalate", e.State)
		}
		now := s.now().UTC()
		next := *e.Next
		if next.Round == -1 {
			// Past the last step: start another pass.
			next = oncall.Position{}
		}
		e.Next, e.NextAt = &next, &now
		e.Log = append(e.Log, LogEntry{At: now, Action: "escalated now", Actor: actor})
		return Effects{Jobs: []engine.Job{{Kind: JobStep, RunAt: now, Args: jobArgs(stepArgs{Escalation: e.ID, Round: next.Round, Step: next.Step})}}}, nil
	})
	return e, err
}
