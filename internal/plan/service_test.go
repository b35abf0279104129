package plan_test

import (
	"context"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// memStore is the plan store in memory, with the store's contract:
// versions are only added, a taken number is a conflict.
type memStore struct {
	mu sync.Mutex
	vs map[string][]plan.Versioned
	// race, when set, adds a version of its own before the next add, as
	// another writer would.
	race func(name string) *plan.Versioned
}

func newMemStore() *memStore { return &memStore{vs: map[string][]plan.Versioned{}} }

func (m *memStore) LatestPlans(context.Context) ([]plan.Versioned, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []plan.Versioned
	for _, vs := range m.vs {
		out = append(out, vs[len(vs)-1])
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Name < out[j].Name })
	return out, nil
}

func (m *memStore) PlanVersions(_ context.Context, name string) ([]plan.Versioned, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return slices.Clone(m.vs[name]), nil
}

func (m *memStore) PlanVersion(_ context.Context, name string, version int) (plan.Versioned, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, v := range m.vs[name] {
		if v.Version == version {
			return v, nil
		}
	}
	return plan.Versioned{}, errs.E(errs.NotFound, "version", "no version %d of %q", version, name)
}

func (m *memStore) AddPlanVersion(_ context.Context, v plan.Versioned) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if m.race != nil {
		if other := m.race(v.Name); other != nil {
			m.race = nil
			m.vs[v.Name] = append(m.vs[v.Name], *other)
		}
	}
	if n := len(m.vs[v.Name]); n > 0 && m.vs[v.Name][n-1].Version >= v.Version {
		return errs.E(errs.Conflict, "version", "version %d of %q is taken", v.Version, v.Name)
	}
	m.vs[v.Name] = append(m.vs[v.Name], v)
	return nil
}

var ctx = context.Background()

func roles(name string) bool { return name == "incident_commander" || name == "comms_lead" }

func newService(t *testing.T) (*plan.Service, *memStore, *time.Time) {
	t.Helper()
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	st := newMemStore()
	s := plan.NewService(st, func() time.Time { return now })
	s.Roles = roles
	return s, st, &now
}

func samplePlan(name string) plan.Plan {
	return plan.Plan{Name: name, Title: "Handle " + name,
		AppliesTo: plan.Match{Types: []string{"security.*"}},
		Tasks: []plan.Task{
			{Key: "isolate", Phase: plan.Contain, Title: "Isolate the host", Owner: "incident_commander", Due: "PT30M", Required: true},
			{Key: "tell", Phase: plan.Communicate, Title: "Tell the customers", Owner: "comms_lead"},
		}}
}

// Put stores a new version only when the plan changed; versions keep
// who, when and where from, and older versions stay as they were.
func TestPutVersions(t *testing.T) {
	s, _, now := newService(t)
	p := samplePlan("credential-compromise")
	v1, created, err := s.Put(ctx, "alice", p, plan.SourceAPI)
	if err != nil || !created || v1.Version != 1 || v1.Hash != p.Hash() || v1.CreatedBy != "alice" || v1.Source != plan.SourceAPI || !v1.CreatedAt.Equal(*now) {
		t.Fatalf("first put: %+v %v %v", v1, created, err)
	}
	again, created, err := s.Put(ctx, "bob", p, plan.SourceAPI)
	if err != nil || created || again.Version != 1 || again.CreatedBy != "alice" {
		t.Fatalf("the same plan again: %+v %v %v, want version 1 unchanged", again, created, err)
	}
	*now = now.Add(time.Hour)
	p2 := p
	p2.Tasks = slices.Clone(p.Tasks)
	p2.Tasks[0].Due = "PT15M"
	v2, created, err := s.Put(ctx, "bob", p2, plan.SourceAPI)
	if err != nil || !created || v2.Version != 2 || v2.Hash == v1.Hash || !v2.CreatedAt.Equal(*now) {
		t.Fatalf("an edit: %+v %v %v", v2, created, err)
	}
	old, err := s.Version(ctx, p.Name, 1)
	if err != nil || old.Tasks[0].Due != "PT30M" || old.Hash != v1.Hash {
		t.Fatalf("version 1 after the edit: %+v %v", old, err)
	}
	cur, err := s.Get(ctx, p.Name)
	if err != nil || cur.Version != 2 || cur.Tasks[0].Due != "PT15M" {
		t.Fatalf("current: %+v %v", cur, err)
	}
	vs, err := s.Versions(ctx, p.Name)
	if err != nil || len(vs) != 2 || vs[0].Version != 1 || vs[1].Version != 2 {
		t.Fatalf("versions: %+v %v", vs, err)
	}
	_, err = s.Version(ctx, p.Name, 3)
	wantCode(t, "a version not written", err, errs.NotFound, "version")
	_, err = s.Get(ctx, "nope")
	wantCode(t, "an unknown plan", err, errs.NotFound, "name")
	_, err = s.Versions(ctx, "nope")
	wantCode(t, "versions of an unknown plan", err, errs.NotFound, "name")
}

// A plan with problems is refused with every problem at its path.
func TestPutInvalid(t *testing.T) {
	s, st, _ := newService(t)
	p := samplePlan("phishing")
	p.Tasks[0].Due = "soon"
	p.Tasks[1].Owner = "mayor"
	_, _, err := s.Put(ctx, "alice", p, plan.SourceAPI)
	e, ok := errs.As(err)
	if !ok || e.Code != errs.Invalid || len(e.Details) != 2 || e.Details[0].Field != "tasks[0].due" || e.Details[1].Field != "tasks[1].owner" {
		t.Fatalf("an invalid plan: %#v", err)
	}
	if len(st.vs) != 0 {
		t.Fatalf("an invalid plan was stored: %+v", st.vs)
	}
	// The roles come from the service's Roles: without them none is known.
	s.Roles = nil
	_, _, err = s.Put(ctx, "alice", samplePlan("phishing"), plan.SourceAPI)
	wantCode(t, "roles unknown", err, errs.Invalid, "tasks[0].owner")
}

// Deleting writes a tombstone: the plan leaves List and Get, its
// versions stay readable, and a new put continues the numbering.
func TestDelete(t *testing.T) {
	s, _, _ := newService(t)
	for _, n := range []string{"ddos", "ransomware"} {
		if _, _, err := s.Put(ctx, "alice", samplePlan(n), plan.SourceAPI); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "bob", "ddos"); err != nil {
		t.Fatalf("delete: %v", err)
	}
	wantCode(t, "deleting twice", s.Delete(ctx, "bob", "ddos"), errs.NotFound, "name")
	wantCode(t, "deleting what never was", s.Delete(ctx, "bob", "nope"), errs.NotFound, "name")
	list, err := s.List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != "ransomware" {
		t.Fatalf("list after delete: %+v %v", list, err)
	}
	_, err = s.Get(ctx, "ddos")
	wantCode(t, "a deleted plan", err, errs.NotFound, "name")
	_, err = s.Version(ctx, "ddos", 2)
	wantCode(t, "the tombstone", err, errs.NotFound, "version")
	if v, err := s.Version(ctx, "ddos", 1); err != nil || v.Title != "Handle ddos" {
		t.Fatalf("a deleted plan's old version: %+v %v", v, err)
	}
	vs, err := s.Versions(ctx, "ddos")
	if err != nil || len(vs) != 2 || !vs[1].Deleted || vs[1].CreatedBy != "bob" || vs[1].Hash != "" {
		t.Fatalf("versions with the tombstone: %+v %v", vs, err)
	}
	// The same plan as before the deletion is a new version: the
	// tombstone is what is current.
	v, created, err := s.Put(ctx, "carol", samplePlan("ddos"), plan.SourceAPI)
	if err != nil || !created || v.Version != 3 {
		t.Fatalf("put after delete: %+v %v %v", v, created, err)
	}
	if g, err := s.Get(ctx, "ddos"); err != nil || g.Version != 3 {
		t.Fatalf("get after put again: %+v %v", g, err)
	}
}

// A writer that takes the next number first is not lost: the put is
// numbered after it.
func TestPutRace(t *testing.T) {
	s, st, _ := newService(t)
	p := samplePlan("insider")
	if _, _, err := s.Put(ctx, "alice", p, plan.SourceAPI); err != nil {
		t.Fatal(err)
	}
	other := samplePlan("insider")
	other.Title = "Someone else's"
	st.race = func(name string) *plan.Versioned {
		return &plan.Versioned{Plan: other, Version: 2, Hash: other.Hash(), Source: plan.SourceAPI, CreatedBy: "bob"}
	}
	p.Title = "Mine"
	v, created, err := s.Put(ctx, "alice", p, plan.SourceAPI)
	if err != nil || !created || v.Version != 3 {
		t.Fatalf("put after a race: %+v %v %v", v, created, err)
	}
	vs, _ := s.Versions(ctx, "insider")
	if len(vs) != 3 || vs[1].Title != "Someone else's" || vs[2].Title != "Mine" {
		t.Fatalf("versions: %+v", vs)
	}
}

// Sync at start: built-ins arrive and upgrade unless an administrator
// changed or deleted them; the file's plans win whenever they differ.
func TestSync(t *testing.T) {
	s, _, _ := newService(t)
	a, b, c := samplePlan("a"), samplePlan("b"), samplePlan("c")
	f := samplePlan("f")
	if err := s.Sync(ctx, []plan.Plan{a, b, c}, []plan.Plan{f}); err != nil {
		t.Fatalf("first sync: %v", err)
	}
	wantCurrent(t, s, map[string]string{"a": "1 builtin", "b": "1 builtin", "c": "1 builtin", "f": "1 file"})
	if err := s.Sync(ctx, []plan.Plan{a, b, c}, []plan.Plan{f}); err != nil {
		t.Fatalf("second sync: %v", err)
	}
	wantCurrent(t, s, map[string]string{"a": "1 builtin", "b": "1 builtin", "c": "1 builtin", "f": "1 file"})

	// An administrator edits b and deletes c.
	b2 := b
	b2.Title = "Our own b"
	if _, _, err := s.Put(ctx, "alice", b2, plan.SourceAPI); err != nil {
		t.Fatal(err)
	}
	if err := s.Delete(ctx, "alice", "c"); err != nil {
		t.Fatal(err)
	}
	// An upgrade changes every built-in; an administrator also edited the
	// file's plan through the API, and the file names a built-in.
	up := func(p plan.Plan) plan.Plan { p.Description = "upgraded"; return p }
	if _, _, err := s.Put(ctx, "alice", up(f), plan.SourceAPI); err != nil {
		t.Fatal(err)
	}
	d := samplePlan("d")
	fileA := samplePlan("a")
	fileA.Title = "The file's a"
	if err := s.Sync(ctx, []plan.Plan{up(a), up(b), up(c), d}, []plan.Plan{f, fileA}); err != nil {
		t.Fatalf("sync after an upgrade: %v", err)
	}
	wantCurrent(t, s, map[string]string{"a": "2 file", "b": "2 api", "d": "1 builtin", "f": "3 file"})
	if g, _ := s.Get(ctx, "b"); g.Title != "Our own b" {
		t.Fatalf("an administrator's edit was undone: %+v", g)
	}
	if g, _ := s.Get(ctx, "f"); g.Description != "" {
		t.Fatalf("the file's plan is not the truth: %+v", g)
	}

	// A built-in plan left alone upgrades.
	if err := s.Sync(ctx, []plan.Plan{up(d)}, nil); err != nil {
		t.Fatal(err)
	}
	wantCurrent(t, s, map[string]string{"a": "2 file", "b": "2 api", "d": "2 builtin", "f": "3 file"})

	bad := samplePlan("g")
	bad.Tasks[0].Phase = "later"
	err := s.Sync(ctx, nil, []plan.Plan{bad})
	if e, ok := errs.As(err); !ok || e.Code != errs.Invalid || !strings.Contains(err.Error(), "plan g") {
		t.Fatalf("an invalid file plan: %v", err)
	}
	if err := s.Sync(ctx, nil, []plan.Plan{f, f}); err == nil {
		t.Fatal("a plan configured twice was accepted")
	}
}

// Matching selects over the current plans, the most specific first.
func TestMatching(t *testing.T) {
	s, _, _ := newService(t)
	broad := samplePlan("broad")
	broad.AppliesTo = plan.Match{}
	narrow := samplePlan("narrow")
	narrow.AppliesTo = plan.Match{Types: []string{"security.credential"}}
	other := samplePlan("other")
	other.AppliesTo = plan.Match{Types: []string{"availability"}}
	gone := samplePlan("gone")
	for _, p := range []plan.Plan{broad, narrow, other, gone} {
		if _, _, err := s.Put(ctx, "alice", p, plan.SourceAPI); err != nil {
			t.Fatal(err)
		}
	}
	if err := s.Delete(ctx, "alice", "gone"); err != nil {
		t.Fatal(err)
	}
	got, err := s.Matching(ctx, "security.credential", "SEV1", nil)
	var names []string
	for _, v := range got {
		names = append(names, v.Name)
	}
	if err != nil || strings.Join(names, ",") != "narrow,broad" {
		t.Fatalf("matching: %v %v", names, err)
	}
}

func wantCurrent(t *testing.T, s *plan.Service, want map[string]string) {
	t.Helper()
	list, err := s.List(ctx)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, v := range list {
		got[v.Name] = strconv.Itoa(v.Version) + " " + v.Source
	}
	if len(got) != len(want) {
		t.Fatalf("current plans %v, want %v", got, want)
	}
	for k, v := range want {
		if got[k] != v {
			t.Fatalf("current plans %v, want %v", got, want)
		}
	}
}

func wantCode(t *testing.T, what string, err error, code errs.Code, field string) {
	t.Helper()
	if e, ok := errs.As(err); !ok || e.Code != code || e.Field != field {
		t.Fatalf("%s: %v, want %s on %s", what, err, code, field)
	}
}
