package roster

import (
	"context"
	"log/slog"
	"slices"
	"strings"
	"sync/atomic"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// Store keeps the on-call configuration and what its feeds are signed
// with.
type Store interface {
	Objects(ctx context.Context) (Objects, error)
	// ChangeObjects applies puts (values as Objects.Put takes them) and
	// deletes, then calls check with the configuration before and after,
	// all in one transaction: check's error undoes everything.
	ChangeObjects(ctx context.Context, actor string, puts []any, deletes []Key, check func(before, after Objects) error) error

	// Contacts and Rules are read to plan the contact methods an on-call
	// file declares.
	Contacts(ctx context.Context, user string) ([]contacts.Contact, error)
	Rules(ctx context.Context, user string) ([]contacts.Rule, error)
	// ApplyConfig writes an on-call file's apply in one transaction: all
	// of it, or (on any error, Check's included) none of it.
	ApplyConfig(ctx context.Context, w ConfigWrite) error

	// ServerKey returns the named random key, creating it on first use.
	ServerKey(ctx context.Context, name string, size int) ([]byte, error)
	// FeedGeneration is how often user's calendar feed URLs were rotated
	// (0 when never).
	FeedGeneration(ctx context.Context, user string) (int, error)
	// RotateFeeds bumps user's feed generation and returns the new one.
	RotateFeeds(ctx context.Context, user, by string, at time.Time) (int, error)
}

// Users says who exists.
type Users interface {
	UserExists(ctx context.Context, username string) (bool, error)
	Usernames(ctx context.Context) ([]string, error)
}

// Deps are the Roster's collaborators.
type Deps struct {
	Store Store
	Users Users
	// Severities are the incident policy's levels, for incident rules.
	Severities []string
	Now        func() time.Time
	NewID      func() string
	Logger     *slog.Logger
}

// Roster keeps the on-call configuration: teams, services, schedules,
// escalation policies, incident rules and overrides, who is on call, and
// the calendar feeds that publish shifts.
type Roster struct {
	store      Store
	users      Users
	severities []string
	now        func() time.Time
	newID      func() string
	log        *slog.Logger
	baseURL    atomic.Pointer[string] // set once the listening address is known
}

// New builds the service.
func New(d Deps) *Roster {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Roster{store: d.Store, users: d.Users, severities: slices.Clone(d.Severities), now: d.Now, newID: d.NewID, log: d.Logger}
}

// SetBaseURL sets the URL calendar feed URLs start with.
func (s *Roster) SetBaseURL(u string) {
	u = strings.TrimRight(u, "/")
	s.baseURL.Store(&u)
}

func (s *Roster) base() string {
	if u := s.baseURL.Load(); u != nil {
		return *u
	}
	return ""
}

// Severities are the levels incident rules may name.
func (s *Roster) Severities() []string { return slices.Clone(s.severities) }

// Now is the service's clock, for callers that show who is on call "now".
func (s *Roster) Now() time.Time { return s.now() }

// Objects returns the whole on-call configuration.
func (s *Roster) Objects(ctx context.Context) (Objects, error) { return s.store.Objects(ctx) }

// UserSet lists every user that exists.
func (s *Roster) UserSet(ctx context.Context) (map[string]bool, error) {
	names, err := s.users.Usernames(ctx)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set, nil
}

// Change applies puts and deletes atomically after checking the whole
// resulting configuration.
func (s *Roster) Change(ctx context.Context, actor string, puts []any, deletes []Key) error {
	users, err := s.UserSet(ctx)
	if err != nil {
		return err
	}
	return s.store.ChangeObjects(ctx, actor, puts, deletes, func(before, after Objects) error {
		return CheckChange(before, after, users, s.severities)
	})
}

// Put creates or replaces one object.
func (s *Roster) Put(ctx context.Context, actor string, v any) error {
	return s.Change(ctx, actor, []any{v}, nil)
}

// Delete removes one object; anything still referring to it fails the
// check.
func (s *Roster) Delete(ctx context.Context, actor string, k Key) error {
	o, err := s.store.Objects(ctx)
	if err != nil {
		return err
	}
	if _, ok := o.Get(k); !ok {
		return errs.E(errs.NotFound, "name", "no %s named %q", k.Kind, k.Name)
	}
	return s.Change(ctx, actor, nil, []Key{k})
}

// Schedule returns one schedule.
func (s *Roster) Schedule(ctx context.Context, name string) (oncall.Schedule, error) {
	o, err := s.store.Objects(ctx)
	if err != nil {
		return oncall.Schedule{}, err
	}
	sch, ok := o.Schedules[name]
	if !ok {
		return oncall.Schedule{}, errs.E(errs.NotFound, "name", "no schedule named %q", name)
	}
	return sch, nil
}

// AddOverride puts user on call in a schedule from from until to.
func (s *Roster) AddOverride(ctx context.Context, actor, schedule string, ov oncall.Override) (oncall.Schedule, error) {
	sch, err := s.Schedule(ctx, schedule)
	if err != nil {
		return sch, err
	}
	sch.Overrides = append(slices.Clone(sch.Overrides), ov)
	return sch, s.Put(ctx, actor, sch)
}

// RemoveOverride removes a schedule's override i.
func (s *Roster) RemoveOverride(ctx context.Context, actor, schedule string, i int) (oncall.Schedule, error) {
	sch, err := s.Schedule(ctx, schedule)
	if err != nil {
		return sch, err
	}
	if i < 0 || i >= len(sch.Overrides) {
		return sch, errs.E(errs.NotFound, "override", "schedule %s has no override %d", schedule, i)
	}
	sch.Overrides = slices.Delete(slices.Clone(sch.Overrides), i, i+1)
	return sch, s.Put(ctx, actor, sch)
}

// OnCallNow is who is on call in each schedule at an instant.
type OnCallNow struct {
	Schedule string   `json:"schedule"`
	Users    []string `json:"users"`
	// Until is when the current shift of the first user ends, when known
	// within the next 14 days.
	Until *time.Time `json:"until,omitempty"`
}

// OnCall reports every schedule's on-call users at t.
func (s *Roster) OnCall(ctx context.Context, at time.Time) ([]OnCallNow, error) {
	o, err := s.store.Objects(ctx)
	if err != nil {
		return nil, err
	}
	out := []OnCallNow{}
	for _, name := range sorted(o.Schedules) {
		sch := o.Schedules[name]
		n := OnCallNow{Schedule: name, Users: sch.OnCall(at)}
		if n.Users == nil {
			n.Users = []string{}
		}
		for _, sh := range sch.Shifts(at, at.Add(14*24*time.Hour)) {
			if !sh.Start.After(at) && sh.End.After(at) {
				end := sh.End
				n.Until = &end
				break
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// UserShift is a shift with its schedule, for a person's own view.
type UserShift struct {
	Schedule string `json:"schedule"`
	oncall.Shift
}

// ShiftsOf lists user's shifts across every schedule in [from, to).
func (s *Roster) ShiftsOf(ctx context.Context, user string, from, to time.Time) ([]UserShift, error) {
	o, err := s.store.Objects(ctx)
	if err != nil {
		return nil, err
	}
	out := []UserShift{}
	for _, name := range sorted(o.Schedules) {
		for _, sh := range o.Schedules[name].Shifts(from, to) {
			if sh.User == user {
				out = append(out, UserShift{Schedule: name, Shift: sh})
			}
		}
	}
	slices.SortFunc(out, func(a, b UserShift) int { return a.Start.Compare(b.Start) })
	return out, nil
}
