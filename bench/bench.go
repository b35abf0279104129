// Package bench drives Firebreak's write and read paths for the load tool
// (bench/load) and the Go benchmarks beside it. It measures; it never judges:
// figures are printed or reported, and no test fails on wall-clock time.
//
// A command is one domain command through incident.Service. The workload is
// the realistic start of an incident's life: declare it at SEV3, assign an
// IR Lead, move it to active (leaving triage needs both), three commands.
package bench

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"time"

	"github.com/google/uuid"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// Lead is the user the workload assigns as IR Lead; Viewer acts and reads.
const (
	Lead   = "bench-lead"
	Viewer = "bench-responder"
)

// Target is what the workload runs against: the services in-process or a
// server over HTTP. Each method is one command or one query.
type Target interface {
	Declare(ctx context.Context, in incident.DeclareInput) (ref string, err error)
	AssignLead(ctx context.Context, ref string) error
	Activate(ctx context.Context, ref string) error
	List(ctx context.Context, q Query) (items int, err error)
}

// Query is one of the list queries measured.
type Query struct {
	Name   string
	States []incident.State
	Labels map[string]string
	Limit  int
}

// Queries are the lists measured at scale: the default list (limit 50,
// newest first), a state filter and a label filter, as a responder (not an
// admin) sees them, so the visibility check on restricted incidents runs.
func Queries() []Query {
	return []Query{
		{Name: "default", Limit: 50},
		{Name: "state=active", States: []incident.State{incident.Active}, Limit: 50},
		{Name: "label team=" + team(3), Labels: map[string]string{"team": team(3)}, Limit: 50},
		{Name: "label customer=" + customer(7), Labels: map[string]string{"customer": customer(7)}, Limit: 50},
	}
}

// Teams and customers spread the seeded incidents: a team label matches one
// incident in Teams, a customer label one in Customers (a selective filter).
const (
	Teams     = 10
	Customers = 1000
)

func team(i int) string     { return "team-" + strconv.Itoa(i%Teams) }
func customer(i int) string { return "cust-" + strconv.Itoa(i%Customers) }

// Input is the i-th declared incident of a run.
func Input(i int) incident.DeclareInput {
	return incident.DeclareInput{
		Title:    "bench incident " + strconv.Itoa(i),
		Summary:  "Synthetic incident declared by the Firebreak load tool.",
		Type:     "availability.latency",
		Severity: "SEV3",
		Source:   incident.SourceAlert,
		Labels:   map[string]string{"team": team(i), "customer": customer(i), "env": "prod"},
		Affected: []string{"checkout-api"},
	}
}

// Cycle runs declare, assign, activate for the i-th incident and calls
// observe after each command with its outcome.
func Cycle(ctx context.Context, t Target, i int, observe func(err error)) error {
	ref, err := t.Declare(ctx, Input(i))
	observe(err)
	if err != nil {
		return fmt.Errorf("declare: %w", err)
	}
	err = t.AssignLead(ctx, ref)
	observe(err)
	if err != nil {
		return fmt.Errorf("assign %s: %w", ref, err)
	}
	err = t.Activate(ctx, ref)
	observe(err)
	if err != nil {
		return fmt.Errorf("activate %s: %w", ref, err)
	}
	return nil
}

// CommandsPerCycle is how many commands Cycle runs.
const CommandsPerCycle = 3

// Local runs the workload against the services in-process.
type Local struct {
	DB        *store.DB
	Incidents *incident.Service
	Auth      *auth.Service
}

var _ Target = (*Local)(nil)

// OpenLocal opens (and migrates) the store at dsn, builds the services the
// way the server does and makes sure the workload's users exist.
func OpenLocal(ctx context.Context, dsn string, opt store.Options) (*Local, error) {
	db, err := store.Open(ctx, dsn, opt)
	if err != nil {
		return nil, err
	}
	now := opt.Now
	if now == nil {
		now = time.Now
	}
	as := auth.NewService(db, now, newID)
	l := &Local{DB: db, Auth: as, Incidents: incident.NewService(db, as, incident.DefaultPolicy(), now, newID)}
	for _, u := range []string{Lead, Viewer} {
		_, err := as.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder})
		if err != nil && errs.CodeOf(err) != errs.Conflict {
			_ = db.Close() // the failure being returned is the one to report
			return nil, fmt.Errorf("create user %s: %w", u, err)
		}
	}
	return l, nil
}

// Close closes the store.
func (l *Local) Close() error { return l.DB.Close() }

// newID matches the server's IDs (UUIDv7), so the primary key index sees
// the same insert pattern as in production.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

func (l *Local) actor(ref string) incident.Command {
	return incident.Command{Actor: incident.Viewer{User: Viewer}, Ref: ref}
}

// Declare implements Target.
func (l *Local) Declare(ctx context.Context, in incident.DeclareInput) (string, error) {
	inc, err := l.Incidents.Declare(ctx, Viewer, in)
	return inc.Ref, err
}

// AssignLead implements Target.
func (l *Local) AssignLead(ctx context.Context, ref string) error {
	_, err := l.Incidents.Assign(ctx, l.actor(ref), incident.IRLead, Lead)
	return err
}

// Activate implements Target.
func (l *Local) Activate(ctx context.Context, ref string) error {
	_, err := l.Incidents.Transition(ctx, l.actor(ref), incident.Active, "")
	return err
}

// List implements Target.
func (l *Local) List(ctx context.Context, q Query) (int, error) {
	p, err := l.Incidents.List(ctx, incident.Filter{States: q.States, Labels: q.Labels, Limit: q.Limit, Viewer: incident.Viewer{User: Viewer}})
	if err != nil {
		return 0, err
	}
	if len(p.Items) == 0 {
		return 0, errors.New("empty page: was the database seeded?")
	}
	return len(p.Items), nil
}
