package incident

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Store keeps incidents: their event streams and the current-state
// projection, written together in one transaction.
type Store interface {
	// Create allocates the next incident number and records build's events
	// and projection in the same transaction, so numbers are gapless.
	Create(ctx context.Context, build func(number int64) (Incident, []Event, error)) (Incident, error)
	// Append records each batch atomically, all or none. A batch whose
	// incident is no longer at ExpectedVersion fails with an errs.Conflict.
	Append(ctx context.Context, batches ...Batch) error
	// Get finds an incident by ID or ref (INC-7).
	Get(ctx context.Context, idOrRef string) (Incident, error)
	List(ctx context.Context, f Filter) (Page, error)
	// Events returns one incident's stream in sequence order.
	Events(ctx context.Context, incidentID string) ([]Event, error)
}

// Batch is new events for one incident and its state after them.
type Batch struct {
	ExpectedVersion int64
	Events          []Event
	Next            Incident
	// Prev, when set, is the incident at ExpectedVersion (as the command
	// loaded it): the store then leaves alone the columns, and their
	// indexes, that did not change. Nil: everything is rewritten.
	Prev *Incident
}

// Filter selects incidents for a list, newest first.
type Filter struct {
	States     []State
	Severities []string
	Type       string
	Labels     map[string]string
	Text       string
	Limit      int
	Cursor     string
	Viewer     Viewer
	// OverdueTasks keeps only incidents with an open task past its due
	// time (at Now).
	OverdueTasks bool
	// PostmortemOverdue keeps only recovered incidents whose post-mortem
	// is past its due time (at Now) and not published.
	PostmortemOverdue bool
	// Sort is "" (newest first) or SortTaskDue: the incident whose open
	// task is due soonest first, those without a dated open task last.
	Sort string
	// Now is set by the service, for OverdueTasks and PostmortemOverdue.
	Now time.Time
}

// SortTaskDue orders a list by the earliest due time of each incident's
// open tasks.
const SortTaskDue = "task_due"

// Page is one page of a list.
type Page struct {
	Items      []Incident
	NextCursor string
	// Matches are, for a list with Text, where each item matched, by
	// incident ID (an incident found by its ref alone has none).
	Matches map[string]Match
}

// Users tells whether a username names an active user.
type Users interface {
	UserExists(ctx context.Context, username string) (bool, error)
}

// Service carries out commands: load, decide, record, append.
type Service struct {
	store  Store
	users  Users
	policy *Policy
	// duties tells the open notification duties that closing checks;
	// nil: none are known (a server without the obligation records).
	duties DutySource
	// assets tells the open assets and credentials recovering and
	// eradicating check; nil: none.
	assets AssetSource
	// plans are the response plans leaving triage activates; nil: none.
	plans PlanSource
	// taskFinder is the tasks index across incidents; nil: none.
	taskFinder TaskFinder
	// records lists the records entries may reference; nil: none.
	records RecordLister
	now     func() time.Time
	newID   func() string
	// observers hear of every recorded change, after it is committed; the
	// web UI uses this for live updates. Set at wiring, before serving.
	observers []func(Incident, []Event)
}

// Observe registers fn to be called after each committed change with the
// incident's new state and the events recorded. fn must not block.
//
// Observers are for in-memory live notifications only (the console's
// live updates): they run in this process after the commit and are lost
// with it. Any side effect that must happen is a job the store writes with
// the events instead (see "How a change is written" in the package doc).
func (s *Service) Observe(fn func(Incident, []Event)) { s.observers = append(s.observers, fn) }

func (s *Service) recorded(inc Incident, events []Event) {
	for _, fn := range s.observers {
		fn(inc, events)
	}
}

// NewService wires the domain to a store, a clock and an ID source.
func NewService(store Store, users Users, policy *Policy, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, users: users, policy: policy, now: now, newID: newID}
}

// Policy returns the rules in force.
func (s *Service) Policy() *Policy { return s.policy }

// Declare records a new incident.
func (s *Service) Declare(ctx context.Context, actor string, in DeclareInput) (Incident, error) {
	now := s.now()
	id := s.newID()
	// Validate before the store allocates a number, so bad input costs nothing.
	if _, err := s.policy.Declare(in, id, 1, now); err != nil {
		return Incident{}, err
	}
	var events []Event
	inc, err := s.store.Create(ctx, func(number int64) (Incident, []Event, error) {
		changes, err := s.policy.Declare(in, id, number, now)
		if err != nil {
			return Incident{}, nil, err
		}
		var inc Incident
		inc, events, err = Record(Incident{}, changes, actor, now)
		return inc, events, err
	})
	if err == nil {
		s.recorded(inc, events)
	}
	return inc, err
}

// Get returns an incident the viewer may see.
func (s *Service) Get(ctx context.Context, v Viewer, ref string) (Incident, error) {
	inc, err := s.store.Get(ctx, ref)
	if err != nil {
		return Incident{}, err
	}
	if !v.CanSee(&inc) {
		// Restricted incidents do not exist for those who may not see them.
		return Incident{}, errs.E(errs.NotFound, "ref", "no incident %s", ref)
	}
	return inc, nil
}

// List returns a page of incidents the viewer may see.
func (s *Service) List(ctx context.Context, f Filter) (Page, error) {
	for _, st := range f.States {
		if !st.Valid() {
			return Page{}, errs.E(errs.Invalid, "state", "unknown state %q; one of %s", st, joinStates(States))
		}
	}
	if f.Sort != "" && f.Sort != SortTaskDue {
		return Page{}, errs.E(errs.Invalid, "sort", "unknown sort %q; one of %s (or none: newest first)", f.Sort, SortTaskDue)
	}
	f.Now = s.now()
	return s.store.List(ctx, f)
}

// Timeline returns the incident's events, oldest first.
func (s *Service) Timeline(ctx context.Context, v Viewer, ref string) (Incident, []Event, error) {
	inc, err := s.Get(ctx, v, ref)
	if err != nil {
		return Incident{}, nil, err
	}
	events, err := s.store.Events(ctx, inc.ID)
	return inc, events, err
}

// Command identifies who acts on which incident, and optionally the version
// they saw: when set, a newer incident fails the precondition
// (errs.Precondition) rather than being decided again.
type Command struct {
	Actor           Viewer
	Ref             string
	ExpectedVersion *int64
}

// Update edits fields and severity. An edit based on values someone else
// has changed since (see UpdateInput.Was) is refused, and the refusal says
// who changed each field.
func (s *Service) Update(ctx context.Context, c Command, in UpdateInput) (Incident, error) {
	inc, err := s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.Update(inc, in) })
	if e, ok := errs.As(err); ok && in.Was != nil && e.Code == errs.Conflict && e.Field != "version" {
		return Incident{}, s.nameChangers(ctx, c, e)
	}
	return inc, err
}

// nameChangers puts who last changed each conflicting field in front of its
// message ("bob changed this to …").
func (s *Service) nameChangers(ctx context.Context, c Command, e *errs.Error) error {
	_, events, err := s.Timeline(ctx, c.Actor, c.Ref)
	if err != nil {
		return err
	}
	out := &errs.Error{Code: e.Code, Details: make([]errs.Detail, len(e.Details))}
	for i, d := range e.Details {
		who := LastChangedBy(events, d.Field)
		if who == "" {
			who = "someone else"
		}
		out.Details[i] = errs.Detail{Field: d.Field, Message: who + " " + d.Message}
	}
	out.Field, out.Message = out.Details[0].Field, out.Details[0].Message
	return out
}

// SetDuties wires the source of open notification duties that closing
// checks. Call it before serving.
func (s *Service) SetDuties(d DutySource) { s.duties = d }

// known loads what the rules need from other services to decide a move
// to to. It is loaded after inc, so a duty recorded meanwhile (an event
// on inc's stream) makes the append conflict and the move be decided
// again.
func (s *Service) known(ctx context.Context, v Viewer, inc *Incident, to State) (Known, error) {
	var k Known
	var err error
	if to == Active && inc.State == Triage && s.plans != nil {
		if k.Plans, err = s.plans.Matching(ctx, inc.Type, inc.Severity, inc.Labels); err != nil {
			return k, err
		}
	}
	if (to == Eradicated || to == Recovered) && s.assets != nil {
		assets, creds, err := s.assets.OpenRecords(ctx, v, *inc)
		if err != nil {
			return k, err
		}
		if to == Eradicated {
			k.OpenCredentials = creds
		} else {
			k.OpenAssets = assets
		}
	}
	if to != Closed || s.duties == nil {
		return k, nil
	}
	k.OpenDuties, err = s.duties.OpenDuties(ctx, v, *inc)
	return k, err
}

// Transition moves the incident to another state.
func (s *Service) Transition(ctx context.Context, c Command, to State, reason string) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, now time.Time) ([]Change, error) {
		k, err := s.known(ctx, c.Actor, inc, to)
		if err != nil {
			return nil, err
		}
		return s.policy.Transition(inc, to, reason, now, k)
	})
}

// Moves lists the transitions v may try from inc's state, each allowed or
// blocked with the reason (see Policy.Moves), with what other services
// know of inc (the open notification duties closing checks).
func (s *Service) Moves(ctx context.Context, v Viewer, inc *Incident) ([]Move, error) {
	var k Known
	if r := inc.State.rank(); r >= 0 && r+1 < len(forward) {
		switch next := forward[r+1]; next {
		case Eradicated, Recovered, Closed:
			var err error
			if k, err = s.known(ctx, v, inc, next); err != nil {
				return nil, err
			}
		}
	}
	return s.policy.Moves(inc, s.now(), k), nil
}

// Assign gives a role to a user; a single-holder role held by someone else
// is handed over (see Policy.Assign).
func (s *Service) Assign(ctx context.Context, c Command, role Role, user string) (Incident, error) {
	return s.AssignNote(ctx, c, role, user, "")
}

// AssignNote is Assign with a note for the record, such as why a role is
// handed over.
func (s *Service) AssignNote(ctx context.Context, c Command, role Role, user, note string) (Incident, error) {
	if err := s.userExists(ctx, user); err != nil {
		return Incident{}, err
	}
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.Assign(inc, role, user, note) })
}

// Unassign takes a role from a user.
func (s *Service) Unassign(ctx context.Context, c Command, role Role, user string) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.Unassign(inc, role, user) })
}

// AddEntry writes a timeline entry and returns the recorded event.
func (s *Service) AddEntry(ctx context.Context, c Command, kind EntryKind, body string, occurredAt *time.Time) (Event, error) {
	return s.AddEntryWith(ctx, c, EntryInput{Kind: kind, Body: body, OccurredAt: occurredAt})
}

// SetActionItem marks action item i (from 0) done or not.
func (s *Service) SetActionItem(ctx context.Context, c Command, i int, done bool) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.SetActionItem(inc, i, done) })
}

// Revisions returns the published texts of the post-mortem, oldest first.
func (s *Service) Revisions(ctx context.Context, v Viewer, ref string) (Incident, []Revision, error) {
	inc, events, err := s.Timeline(ctx, v, ref)
	if err != nil {
		return Incident{}, nil, err
	}
	return inc, Revisions(events), nil
}

// LinkSignal records on the incident that an alert group or report feeds it.
func (s *Service) LinkSignal(ctx context.Context, c Command, d SignalData) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) {
		if inc.State == Merged {
			return nil, errs.E(errs.Rule, "state", "%s was merged into %s; attach to that incident", inc.Ref, inc.MergedInto)
		}
		return []Change{{Type: EvSignalLinked, Data: d, OccurredAt: &d.FirstSeen}}, nil
	})
}

// RecordAlert puts a linked group's alert on the incident's timeline, at the
// time it happened in the world.
func (s *Service) RecordAlert(ctx context.Context, c Command, resolved bool, at time.Time, d AlertData) error {
	typ := EvAlertFired
	if resolved {
		typ = EvAlertResolved
	}
	_, err := s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) {
		return []Change{{Type: typ, Data: d, OccurredAt: &at}}, nil
	})
	return err
}

// Merge merges c.Ref into the incident into, linking both.
func (s *Service) Merge(ctx context.Context, c Command, into, reason string) (Incident, error) {
	var srcNext, dstNext Incident
	var srcEvents, dstEvents []Event
	err := s.change(ctx, c, func(ctx context.Context) (Write, error) {
		src, err := s.Get(ctx, c.Actor, c.Ref)
		if err != nil {
			return nil, err
		}
		if c.ExpectedVersion != nil && *c.ExpectedVersion != src.Version {
			return nil, staleErr(src)
		}
		dst, err := s.Get(ctx, c.Actor, into)
		if err != nil {
			return nil, errs.E(errs.NotFound, "into", "no incident %s", into)
		}
		sc, dc, err := s.policy.Merge(&src, &dst, reason)
		if err != nil {
			return nil, err
		}
		now := s.now()
		actor := c.Actor.User
		if srcNext, srcEvents, err = Record(src, sc, actor, now); err != nil {
			return nil, err
		}
		if dstNext, dstEvents, err = Record(dst, dc, actor, now); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			return s.store.Append(ctx,
				Batch{ExpectedVersion: src.Version, Events: srcEvents, Next: srcNext},
				Batch{ExpectedVersion: dst.Version, Events: dstEvents, Next: dstNext})
		}, nil
	})
	if err != nil {
		return Incident{}, err
	}
	s.recorded(srcNext, srcEvents)
	s.recorded(dstNext, dstEvents)
	return srcNext, nil
}

func (s *Service) userExists(ctx context.Context, user string) error {
	if user == "" {
		return errs.E(errs.Invalid, "user", "is required")
	}
	ok, err := s.users.UserExists(ctx, user)
	if err != nil {
		return err
	}
	if !ok {
		return errs.E(errs.Invalid, "user", "no active user %q", user)
	}
	return nil
}

type decideFunc func(inc *Incident, now time.Time) ([]Change, error)

func (s *Service) do(ctx context.Context, c Command, decide decideFunc) (Incident, error) {
	return s.doEvents(ctx, c, decide, nil)
}

// doEvents loads, decides and appends. When the caller named no version, a
// concurrent change makes it decide again on the fresh state (the rules are
// checked against what is really stored); when it named one, the conflict is
// the caller's to resolve.
func (s *Service) doEvents(ctx context.Context, c Command, decide decideFunc, recorded func([]Event)) (Incident, error) {
	var next Incident
	var events []Event
	err := s.change(ctx, c, func(ctx context.Context) (Write, error) {
		inc, err := s.Get(ctx, c.Actor, c.Ref)
		if err != nil {
			return nil, err
		}
		if c.ExpectedVersion != nil && *c.ExpectedVersion != inc.Version {
			return nil, staleErr(inc)
		}
		// As loaded, whatever decide does to inc: the store compares it
		// with next to leave unchanged columns alone (Batch.Prev).
		was := inc
		now := s.now()
		changes, err := decide(&inc, now)
		if err != nil {
			return nil, err
		}
		next, events = inc, nil
		if len(changes) == 0 {
			return nil, nil
		}
		if next, events, err = Record(inc, changes, c.Actor.User, now); err != nil {
			return nil, err
		}
		return func(ctx context.Context) error {
			return s.store.Append(ctx, Batch{ExpectedVersion: inc.Version, Events: events, Next: next, Prev: &was})
		}, nil
	})
	if err != nil {
		return Incident{}, err
	}
	if len(events) == 0 {
		return next, nil
	}
	if recorded != nil {
		recorded(events)
	}
	s.recorded(next, events)
	return next, nil
}

// change decides and writes under Retry, or Once when the caller named
// the version they saw.
func (s *Service) change(ctx context.Context, c Command, decide Decide) error {
	if c.ExpectedVersion != nil {
		return Once(ctx, decide)
	}
	return Retry(ctx, decide)
}

func staleErr(inc Incident) error {
	return errs.E(errs.Precondition, "version", "%s changed since you loaded it: it is at version %d; reload and try again", inc.Ref, inc.Version)
}
