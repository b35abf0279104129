package plan

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Where a plan version came from.
const (
	SourceBuiltin = "builtin" // the library shipped with Firebreak
	SourceFile    = "file"    // the policy file or the plans file
	SourceAPI     = "api"     // an administrator, through the API or console
)

// SystemActor is who Sync writes versions as.
const SystemActor = "firebreak"

// Store keeps plan versions. A version is never changed once added: an
// incident that applied one keeps pointing at exactly what it applied.
type Store interface {
	// LatestPlans lists the newest version of every plan name,
	// tombstones included, by name.
	LatestPlans(ctx context.Context) ([]Versioned, error)
	// PlanVersions lists every version of name, oldest first, tombstones
	// included; empty when there is none.
	PlanVersions(ctx context.Context, name string) ([]Versioned, error)
	// PlanVersion returns one version; errs.NotFound on "version" when
	// the name has no such version.
	PlanVersion(ctx context.Context, name string, version int) (Versioned, error)
	// AddPlanVersion stores v; errs.Conflict on "version" when its name
	// already has that version (another writer came first).
	AddPlanVersion(ctx context.Context, v Versioned) error
}

// Service keeps response plans, versioned: every change is a new
// version, a deletion a tombstone version.
type Service struct {
	store Store
	now   func() time.Time
	// Roles says which incident roles a plan may name; set by whoever
	// builds the service (incident.Role(x).Valid), since this package
	// sits below incident. Nil refuses every role name.
	Roles Roles
}

// NewService builds the service over store.
func NewService(store Store, now func() time.Time) *Service {
	return &Service{store: store, now: now}
}

func (s *Service) roles(name string) bool { return s.Roles != nil && s.Roles(name) }

// List returns the current version of each plan that is not deleted, by
// name.
func (s *Service) List(ctx context.Context) ([]Versioned, error) {
	all, err := s.store.LatestPlans(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]Versioned, 0, len(all))
	for _, v := range all {
		if !v.Deleted {
			out = append(out, v)
		}
	}
	return out, nil
}

// Get returns the current version of the plan name.
func (s *Service) Get(ctx context.Context, name string) (Versioned, error) {
	v, ok, err := s.latest(ctx, name)
	if err != nil {
		return Versioned{}, err
	}
	if !ok || v.Deleted {
		return Versioned{}, errs.E(errs.NotFound, "name", "no plan named %q", name)
	}
	return v, nil
}

// Version returns one version of a plan, which may be older than the
// current one or belong to a plan deleted since. A tombstone is not a
// plan: asking for it is not found.
func (s *Service) Version(ctx context.Context, name string, version int) (Versioned, error) {
	v, err := s.store.PlanVersion(ctx, name, version)
	if err != nil {
		return Versioned{}, err
	}
	if v.Deleted {
		return Versioned{}, errs.E(errs.NotFound, "version", "version %d of plan %q is its deletion", version, name)
	}
	return v, nil
}

// Versions lists every version of a plan, oldest first, deletions
// included (Deleted set).
func (s *Service) Versions(ctx context.Context, name string) ([]Versioned, error) {
	vs, err := s.store.PlanVersions(ctx, name)
	if err != nil {
		return nil, err
	}
	if len(vs) == 0 {
		return nil, errs.E(errs.NotFound, "name", "no plan named %q", name)
	}
	return vs, nil
}

// Matching returns the current plans that apply to an incident, most
// specific first.
func (s *Service) Matching(ctx context.Context, typ, severity string, labels map[string]string) ([]Versioned, error) {
	all, err := s.List(ctx)
	if err != nil {
		return nil, err
	}
	return Select(all, typ, severity, labels), nil
}

// Put stores p as the next version of its name when it differs (by Hash)
// from the current one, and reports whether it did; an unchanged plan
// returns the current version. A plan with problems is errs.Invalid with
// one detail per problem, at its path ("tasks[2].due").
func (s *Service) Put(ctx context.Context, actor string, p Plan, source string) (Versioned, bool, error) {
	switch source {
	case SourceBuiltin, SourceFile, SourceAPI:
	default:
		return Versioned{}, false, fmt.Errorf("plan %s: unknown source %q", p.Name, source)
	}
	if err := Invalid(p.Check(s.roles)); err != nil {
		return Versioned{}, false, err
	}
	hash := p.Hash()
	return s.add(ctx, p.Name, func(cur Versioned, ok bool) (Versioned, bool) {
		if ok && !cur.Deleted && cur.Hash == hash {
			return cur, false
		}
		return Versioned{Plan: p, Hash: hash, Source: source, CreatedBy: actor}, true
	})
}

// Delete deletes the plan name: a tombstone version, after which the name
// is gone from List and Get. Putting the name again continues its
// numbering.
func (s *Service) Delete(ctx context.Context, actor, name string) error {
	_, _, err := s.add(ctx, name, func(cur Versioned, ok bool) (Versioned, bool) {
		return Versioned{Plan: Plan{Name: name}, Source: SourceAPI, CreatedBy: actor, Deleted: true}, ok && !cur.Deleted
	})
	if errors.Is(err, errGone) {
		return errs.E(errs.NotFound, "name", "no plan named %q", name)
	}
	return err
}

var errGone = errors.New("plan: nothing to delete")

// add writes the version next decides on top of the current one (ok is
// false when the name has none), numbered after it. Another writer
// adding the same number first is retried against the new current
// version, so concurrent puts never lose one another.
func (s *Service) add(ctx context.Context, name string, next func(cur Versioned, ok bool) (Versioned, bool)) (Versioned, bool, error) {
	const attempts = 5
	for range attempts {
		cur, ok, err := s.latest(ctx, name)
		if err != nil {
			return Versioned{}, false, err
		}
		v, write := next(cur, ok)
		if !write {
			if v.Deleted {
				return Versioned{}, false, errGone
			}
			return v, false, nil
		}
		v.Version = cur.Version + 1
		v.CreatedAt = s.now().UTC()
		err = s.store.AddPlanVersion(ctx, v)
		if e, conflict := errs.As(err); conflict && e.Code == errs.Conflict {
			continue
		}
		if err != nil {
			return Versioned{}, false, err
		}
		return v, true, nil
	}
	return Versioned{}, false, errs.E(errs.Conflict, "version", "plan %q is being changed by someone else; try again", name)
}

// latest is the newest version of name, tombstone or not; ok is false
// when there is none.
func (s *Service) latest(ctx context.Context, name string) (Versioned, bool, error) {
	vs, err := s.store.PlanVersions(ctx, name)
	if err != nil || len(vs) == 0 {
		return Versioned{}, false, err
	}
	return vs[len(vs)-1], true, nil
}

// Sync brings the stored plans in line with the built-in library and the
// configured plans at start. A built-in plan is put when its name has no
// version yet, or when the current version is a built-in one with
// another hash (an upgrade): a plan an administrator edited or deleted
// stays as they left it. A plan from the file is put whenever its hash
// differs from the current version: the file is the truth, and a built-in
// plan of the same name is left out for it.
func (s *Service) Sync(ctx context.Context, builtins, fromFile []Plan) error {
	inFile := map[string]bool{}
	for _, p := range fromFile {
		if inFile[p.Name] {
			return errs.E(errs.Invalid, "plans", "plan %q is configured twice", p.Name)
		}
		inFile[p.Name] = true
	}
	for _, p := range builtins {
		if inFile[p.Name] {
			continue
		}
		cur, ok, err := s.latest(ctx, p.Name)
		if err != nil {
			return fmt.Errorf("built-in plan %s: %w", p.Name, err)
		}
		if ok && (cur.Source != SourceBuiltin || cur.Deleted || cur.Hash == p.Hash()) {
			continue
		}
		if _, _, err := s.Put(ctx, SystemActor, p, SourceBuiltin); err != nil {
			return fmt.Errorf("built-in plan %s: %w", p.Name, err)
		}
	}
	for _, p := range fromFile {
		if _, _, err := s.Put(ctx, SystemActor, p, SourceFile); err != nil {
			return fmt.Errorf("plan %s from the configuration: %w", p.Name, err)
		}
	}
	return nil
}

// Invalid turns a plan's problems into one errs.Invalid with a detail per
// problem; nil when there are none.
func Invalid(problems []Problem) error {
	if len(problems) == 0 {
		return nil
	}
	ds := make([]errs.Detail, len(problems))
	for i, p := range problems {
		ds[i] = errs.Detail{Field: p.Path, Message: p.Message}
	}
	return &errs.Error{Code: errs.Invalid, Field: ds[0].Field, Message: ds[0].Message, Details: ds}
}
