package escalation

import (
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

func (s *Service) resolve(ctx context.Context, id, reason string) (Escalation, error) {
	return s.store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		if e.State != Open {
			return Effects{}, nil
		}
		now := s.now().UTC()
		e.State, e.Next, e.NextAt = Resolved, nil, nil
		action := "resolved"
		if reason == stoppedResolved {
			action = "stopped"
		}
		e.Log = append(e.Log, LogEntry{At: now, Action: action, Detail: reason})
		return Effects{}, nil
	})
}

// pause moves the step at pos to until: the entry was snoozed, and paging
// resumes where it stood when the snooze ends.
func (s *Service) pause(ctx context.Context, id string, pos oncall.Position, until time.Time, doneJob string) error {
	_, err := s.store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		if e.State != Open || e.Next == nil || *e.Next != pos {
			return Effects{}, nil
		}
		u := until.UTC()
		e.NextAt = &u
		e.Log = append(e.Log, LogEntry{At: s.now().UTC(), Action: "paused", Detail: "queue entry snoozed until " + u.Format(time.RFC3339)})
		return Effects{DoneJob: doneJob, Jobs: []engine.Job{{Kind: JobStep, RunAt: u,
			Args: jobArgs(stepArgs{Escalation: e.ID, Round: pos.Round, Step: pos.Step})}}}, nil
	})
	if err == nil {
		engine.Completed(ctx)
	}
	return err
}

// handleStep runs the step the job names, if the escalation is still open
// and still at that step: it pages the step's users through their
// notification rules and schedules the next step.
func (s *Service) handleStep(ctx context.Context, j engine.Job) error {
	var a stepArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	e, err := s.store.Escalation(ctx, a.Escalation)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	if a.Round == -1 {
		return s.exhaust(ctx, e.ID)
	}
	pos := oncall.Position{Round: a.Round, Step: a.Step}
	if e.State != Open || e.Next == nil || *e.Next != pos {
		return nil // acknowledged, or this step already ran (a retry or "escalate now")
	}
	reason, snoozed, err := s.subjectState(ctx, e)
	switch {
	case err != nil:
		return err
	case reason != "":
		_, err := s.resolve(ctx, e.ID, reason)
		return err
	case snoozed != nil:
		return s.pause(ctx, e.ID, pos, *snoozed, j.ID)
	}
	o, err := s.roster.Objects(ctx)
	if err != nil {
		return err
	}
	plan, err := s.prepareStep(ctx, o, e, pos)
	if err != nil {
		return err
	}
	var fx Effects
	now := s.now().UTC()
	_, err = s.store.UpdateEscalation(ctx, e.ID, func(cur *Escalation) (Effects, error) {
		if cur.State != Open || cur.Next == nil || *cur.Next != pos {
			return Effects{}, nil
		}
		fx = plan.apply(cur, now)
		fx.DoneJob = j.ID
		return fx, nil
	})
	if err != nil {
		return err
	}
	if fx.DoneJob != "" {
		engine.Completed(ctx)
	}
	s.sendNow(ctx, fx.Outbox, now)
	return nil
}

// stepPlan is what a step will do, worked out before its transaction:
// who is paged and through which contacts.
type stepPlan struct {
	pos   oncall.Position
	step  oncall.Step
	paged []string
	plans map[string][]contacts.Reach
	newID func() string
	// plan turns the step's pages into writes: those due now are sent
	// right after the commit, their jobs held by this process as the
	// safety net (outbox.PlanNow).
	plan func(now time.Time, ds ...outbox.Delivery) outbox.Writes
}

// prepareStep resolves the step at pos of e against the current
// configuration: who is on call is a fact of now, so schedules and
// policies named by the snapshot are looked up as they are, in o (read
// by the caller just before).
func (s *Service) prepareStep(ctx context.Context, o roster.Objects, e Escalation, pos oncall.Position) (*stepPlan, error) {
	p := &stepPlan{pos: pos, step: e.Policy.Steps[pos.Step], plans: map[string][]contacts.Reach{}, newID: s.newID,
		plan: s.outbox.PlanNow}
	// Resolving needs no user list: a user who cannot be reached has no
	// verified contact, and the log says so.
	p.paged = o.Directory(nil).Resolve(p.step, s.now())
	for _, u := range p.paged {
		pl, err := s.contacts.Reach(ctx, u)
		if err != nil {
			return nil, err
		}
		p.plans[u] = pl
	}
	return p, nil
}

// apply records the step on cur and returns its effects: deliveries with
// their jobs, and the job of the next step (or of the end).
func (p *stepPlan) apply(cur *Escalation, now time.Time) Effects {
	var fx Effects
	var pages []outbox.Delivery
	pos, step := p.pos, p.step
	detail := fmt.Sprintf("step %d of %d", pos.Step+1, len(cur.Policy.Steps))
	if pos.Round > 0 {
		detail += fmt.Sprintf(", repeat %d of %d", pos.Round, cur.Policy.Repeat)
	}
	if len(p.paged) == 0 {
		cur.Log = append(cur.Log, LogEntry{At: now, Action: "nobody to page", Detail: detail + ": no one is on call for " + targetsText(step.Targets)})
	}
	for _, u := range p.paged {
		if len(p.plans[u]) == 0 {
			cur.Log = append(cur.Log, LogEntry{At: now, Action: "cannot page", Actor: u, Detail: detail + ": " + u + " has no verified contact method"})
			continue
		}
		cur.Log = append(cur.Log, LogEntry{At: now, Action: "paged", Actor: u, Detail: detail})
		for _, pd := range p.plans[u] {
			a := pageArgs{Escalation: cur.ID, User: u, Contact: pd.Contact.ID, Channel: pd.Contact.Kind, Target: pd.Contact.Address, Step: pos}
			pages = append(pages, pageDelivery(cur, p.newID(), a, pd.Contact.Target, now, now.Add(pd.Delay)))
		}
	}
	fx.Outbox = p.plan(now, pages...)
	cur.StepsRun++
	at := now.Add(step.Delay.Duration())
	next, ok := cur.Policy.Next(pos)
	if !ok {
		// The last step still gets its delay to be acknowledged before the
		// escalation counts as exhausted.
		next = oncall.Position{Round: -1}
	}
	cur.Next, cur.NextAt = &next, &at
	fx.Jobs = append(fx.Jobs, engine.Job{Kind: JobStep, RunAt: at, Args: jobArgs(stepArgs{Escalation: cur.ID, Round: next.Round, Step: next.Step})})
	return fx
}

func targetsText(ts []oncall.Target) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, ", ")
}

// exhaust is the step job with Round -1: the last step's delay passed.
func (s *Service) exhaust(ctx context.Context, id string) error {
	_, err := s.store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		if e.State != Open || e.Next == nil || e.Next.Round != -1 {
			return Effects{}, nil
		}
		e.State, e.Next, e.NextAt = Exhausted, nil, nil
		e.Log = append(e.Log, LogEntry{At: s.now().UTC(), Action: "exhausted", Detail: "every step ran and nobody acknowledged"})
		return Effects{}, nil
	})
	return err
}
