package storetest

import (
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// Clock is a settable test clock.
type Clock struct {
	mu sync.Mutex
	t  time.Time
}

// NewClock starts a clock at t.
func NewClock(t time.Time) *Clock { return &Clock{t: t} }

// Now returns the current test time.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

// Advance moves the clock forward.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// IDs returns a deterministic ID source.
func IDs(prefix string) func() string {
	var n atomic.Int64
	return func() string { return fmt.Sprintf("%s-%06d", prefix, n.Add(1)) }
}

// Setup is what a contract test needs: the store and services over it.
type Setup struct {
	DB        *store.DB
	DSN       string
	Clock     *Clock
	Incidents *incident.Service
	Auth      *auth.Service
}

// NewSetup opens a fresh store of backend b with services and users
// alice (responder), bob (responder) and root (admin).
func NewSetup(t testing.TB, b Backend) *Setup {
	t.Helper()
	db, dsn := b.Open(t)
	clock := NewClock(time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)) // a Wednesday
	as := auth.NewService(db, clock.Now, IDs("tok"), auth.WithLimiter(auth.NewLimiter(clock.Now)))
	s := &Setup{DB: db, DSN: dsn, Clock: clock, Auth: as,
		Incidents: incident.NewService(db, as, incident.DefaultPolicy(), clock.Now, IDs("inc"))}
	s.Incidents.SetTaskFinder(db)
	for _, u := range []auth.UserInput{{Username: "alice", Role: auth.Responder}, {Username: "bob", Role: auth.Responder}, {Username: "root", Role: auth.Admin}} {
		if _, err := as.CreateUser(context.Background(), u); err != nil {
			t.Fatalf("create user %s: %v", u.Username, err)
		}
	}
	return s
}

// Run runs the whole contract against backend b.
func Run(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"CreateNumbersAreGapless", testCreateGapless},
		{"ConcurrentCreatesAreUnique", testConcurrentCreates},
		{"GetByRefAndID", testGet},
		{"AppendStaleVersionConflicts", testAppendConflict},
		{"AppendIsAllOrNothing", testAppendAtomic},
		{"ConcurrentCommandsAllLand", testConcurrentCommands},
		{"EventsAreChainedAndFoldToProjection", testChainAndFold},
		{"ListFilters", testListFilters},
		{"ListPagination", testListPagination},
		{"ListHidesRestricted", testListRestricted},
		{"UsersAndTokens", testUsersAndTokens},
		{"PasswordHashes", testPasswordHashes},
		{"Sessions", testSessions},
		{"DeleteExpiredSessions", testDeleteExpiredSessions},
		{"Idempotency", testIdempotency},
		{"EachStreamReportsMissingNumbers", testEachStream},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

var ctx = context.Background()

var alice = incident.Viewer{User: "alice"}

func declare(t *testing.T, s *Setup, in incident.DeclareInput) incident.Incident {
	t.Helper()
	inc, err := s.Incidents.Declare(ctx, "alice", in)
	if err != nil {
		t.Fatalf("declare: %v", err)
	}
	return inc
}

func cmd(ref string) incident.Command { return incident.Command{Actor: alice, Ref: ref} }

func wantCode(t *testing.T, err error, code errs.Code) {
	t.Helper()
	if errs.CodeOf(err) != code {
		t.Fatalf("got error %v (code %s), want code %s", err, errs.CodeOf(err), code)
	}
}

func testCreateGapless(t *testing.T, s *Setup) {
	for i := 1; i <= 3; i++ {
		inc := declare(t, s, incident.DeclareInput{Title: fmt.Sprintf("incident %d", i)})
		if inc.Number != int64(i) || inc.Ref != fmt.Sprintf("INC-%d", i) {
			t.Fatalf("incident %d got number %d ref %s", i, inc.Number, inc.Ref)
		}
	}
	// A declaration that fails inside the transaction must not use a number.
	_, err := s.DB.Create(ctx, func(n int64) (incident.Incident, []incident.Event, error) {
		return incident.Incident{}, nil, errs.E(errs.Invalid, "title", "boom")
	})
	wantCode(t, err, errs.Invalid)
	if inc := declare(t, s, incident.DeclareInput{Title: "after failure"}); inc.Ref != "INC-4" {
		t.Fatalf("after a failed create got %s, want INC-4", inc.Ref)
	}
}

func testConcurrentCreates(t *testing.T, s *Setup) {
	const n = 40
	var wg sync.WaitGroup
	refs := make(chan string, n)
	for i := range n {
		wg.Go(func() {
			inc, err := s.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: fmt.Sprintf("c%d", i)})
			if err != nil {
				t.Errorf("declare: %v", err)
				return
			}
			refs <- inc.Ref
		})
	}
	wg.Wait()
	close(refs)
	seen := map[string]bool{}
	for r := range refs {
		if seen[r] {
			t.Fatalf("duplicate ref %s", r)
		}
		seen[r] = true
	}
	for i := 1; i <= n; i++ {
		if !seen[fmt.Sprintf("INC-%d", i)] {
			t.Fatalf("INC-%d missing: numbers are not gapless", i)
		}
	}
}

func testGet(t *testing.T, s *Setup) {
	inc := declare(t, s, incident.DeclareInput{Title: "lookup", Labels: map[string]string{"team": "core"}})
	for _, key := range []string{inc.Ref, "inc-1", inc.ID} {
		got, err := s.DB.Get(ctx, key)
		if err != nil {
			t.Fatalf("get %s: %v", key, err)
		}
		if !reflect.DeepEqual(got, inc) {
			t.Fatalf("get %s:\n got %+v\nwant %+v", key, got, inc)
		}
	}
	for _, key := range []string{"INC-99", "nope", "INC-", ""} {
		_, err := s.DB.Get(ctx, key)
		wantCode(t, err, errs.NotFound)
	}
}

func testAppendConflict(t *testing.T, s *Setup) {
	inc := declare(t, s, incident.DeclareInput{Title: "race"})
	sev := "SEV3"
	next, events, err := incident.Record(inc, []incident.Change{{Type: incident.EvSeverityChanged, Data: incident.SeverityData{To: sev}}}, "alice", s.Clock.Now())
	if err != nil {
		t.Fatal(err)
	}
	if err := s.DB.Append(ctx, incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next}); err != nil {
		t.Fatalf("first append: %v", err)
	}
	next2, events2, _ := incident.Record(inc, []incident.Change{{Type: incident.EvSeverityChanged, Data: incident.SeverityData{To: "SEV4"}}}, "bob", s.Clock.Now())
	err = s.DB.Append(ctx, incident.Batch{ExpectedVersion: inc.Version, Events: events2, Next: next2})
	wantCode(t, err, errs.Conflict)
	got, _ := s.DB.Get(ctx, inc.Ref)
	if got.Severity != sev || got.Version != 2 {
		t.Fatalf("after conflict got severity %q version %d, want %q 2", got.Severity, got.Version, sev)
	}
	// The service names the stale version when the caller gave one: a
	// failed precondition (412), not a conflict.
	v := int64(1)
	_, err = s.Incidents.Update(ctx, incident.Command{Actor: alice, Ref: inc.Ref, ExpectedVersion: &v}, incident.UpdateInput{Title: new("x")})
	wantCode(t, err, errs.Precondition)
}

func testAppendAtomic(t *testing.T, s *Setup) {
	a := declare(t, s, incident.DeclareInput{Title: "a"})
	b := declare(t, s, incident.DeclareInput{Title: "b"})
	an, ae, _ := incident.Record(a, []incident.Change{{Type: incident.EvUpdated, Data: incident.UpdatedData{Title: new("a2")}}}, "alice", s.Clock.Now())
	bn, be, _ := incident.Record(b, []incident.Change{{Type: incident.EvUpdated, Data: incident.UpdatedData{Title: new("b2")}}}, "alice", s.Clock.Now())
	err := s.DB.Append(ctx, incident.Batch{ExpectedVersion: a.Version, Events: ae, Next: an}, incident.Batch{ExpectedVersion: b.Version + 7, Events: be, Next: bn})
	if err == nil {
		t.Fatal("append with a stale second batch succeeded")
	}
	got, _ := s.DB.Get(ctx, a.Ref)
	evs, _ := s.DB.Events(ctx, a.ID)
	if got.Title != "a" || len(evs) != 1 {
		t.Fatalf("first batch half-applied: title %q, %d events", got.Title, len(evs))
	}
}

func testConcurrentCommands(t *testing.T, s *Setup) {
	inc := declare(t, s, incident.DeclareInput{Title: "busy"})
	const n = 20
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			if _, err := s.Incidents.AddEntry(ctx, cmd(inc.Ref), incident.KindNote, fmt.Sprintf("note %d", i), nil); err != nil {
				t.Errorf("add entry: %v", err)
			}
		})
	}
	wg.Wait()
	evs, err := s.DB.Events(ctx, inc.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(evs) != n+1 {
		t.Fatalf("got %d events, want %d", len(evs), n+1)
	}
	if b := incident.VerifyChain(evs); b != nil {
		t.Fatalf("chain broken at %d: %s", b.Seq, b.Reason)
	}
}

// walk carries an incident through every phase with the service.
func walk(t *testing.T, s *Setup, title string) incident.Incident {
	t.Helper()
	inc := declare(t, s, incident.DeclareInput{Title: title, Severity: "SEV1", Labels: map[string]string{"env": "prod"}})
	c := cmd(inc.Ref)
	steps := []func() (incident.Incident, error){
		func() (incident.Incident, error) { return s.Incidents.Assign(ctx, c, incident.IRLead, "alice") },
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Active, "") },
		func() (incident.Incident, error) {
			return s.Incidents.Assign(ctx, c, incident.IncidentCommander, "bob")
		},
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Contained, "") },
		func() (incident.Incident, error) {
			return s.Incidents.Update(ctx, c, incident.UpdateInput{RootCause: new("leaked key"), Affected: &[]string{"api"}})
		},
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Eradicated, "") },
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Recovered, "") },
		func() (incident.Incident, error) {
			return s.Incidents.SavePostmortem(ctx, c, incident.PostmortemInput{Doc: incident.PostmortemDoc{Summary: "what happened",
				RootCauses: []incident.Cause{{Category: incident.CauseAccess, Text: "a key in a public repository"}}}})
		},
		func() (incident.Incident, error) { return s.Incidents.RequestPostmortemReview(ctx, c, nil) },
		func() (incident.Incident, error) {
			return s.Incidents.ReviewPostmortem(ctx, incident.Command{Actor: incident.Viewer{User: "bob"}, Ref: inc.Ref}, incident.Approve, "")
		},
		func() (incident.Incident, error) { return s.Incidents.PublishPostmortem(ctx, c) },
		func() (incident.Incident, error) { return s.Incidents.Transition(ctx, c, incident.Closed, "") },
	}
	for i, step := range steps {
		s.Clock.Advance(time.Minute)
		var err error
		if inc, err = step(); err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
	}
	occurred := s.Clock.Now().Add(-time.Hour)
	if _, err := s.Incidents.AddEntry(ctx, c, incident.KindEvidence, "first login from attacker", &occurred); err != nil {
		t.Fatal(err)
	}
	inc, err := s.DB.Get(ctx, inc.Ref)
	if err != nil {
		t.Fatal(err)
	}
	return inc
}

func testChainAndFold(t *testing.T, s *Setup) {
	walk(t, s, "one")
	walk(t, s, "two")
	a := declare(t, s, incident.DeclareInput{Title: "dup"})
	if _, err := s.Incidents.Merge(ctx, cmd(a.Ref), "INC-1", "same thing"); err == nil {
		t.Fatal("merge into a closed incident succeeded")
	}
	b := declare(t, s, incident.DeclareInput{Title: "target"})
	if _, err := s.Incidents.Merge(ctx, cmd(a.Ref), b.Ref, "same thing"); err != nil {
		t.Fatalf("merge: %v", err)
	}
	n := 0
	err := s.DB.EachStream(ctx, func(st store.Stream) error {
		n++
		if b := incident.VerifyChain(st.Events); b != nil {
			t.Errorf("%s: chain broken at seq %d: %s", st.Ref, b.Seq, b.Reason)
		}
		folded, err := incident.Fold(st.Events)
		if err != nil {
			t.Errorf("%s: fold: %v", st.Ref, err)
			return nil
		}
		fj, _ := json.Marshal(folded)
		pj, _ := json.Marshal(st.Projection)
		if string(fj) != string(pj) {
			t.Errorf("%s: fold differs from stored state:\nfold %s\n got %s", st.Ref, fj, pj)
		}
		for i := 1; i < len(st.Events); i++ {
			if st.Events[i].GlobalSeq <= st.Events[i-1].GlobalSeq {
				t.Errorf("%s: global sequence not increasing at seq %d", st.Ref, st.Events[i].Seq)
			}
		}
		return nil
	})
	if err != nil || n != 4 {
		t.Fatalf("each stream: %v after %d streams", err, n)
	}
	one, _ := s.DB.Get(ctx, "INC-1")
	if one.State != incident.Closed || one.PostmortemDue == nil || one.Postmortem.PublishedAt == nil {
		t.Fatalf("walked incident: %+v", one)
	}
	merged, _ := s.DB.Get(ctx, a.Ref)
	target, _ := s.DB.Get(ctx, b.Ref)
	if merged.State != incident.Merged || merged.MergedInto != b.Ref || len(target.MergedFrom) != 1 || target.MergedFrom[0] != a.Ref {
		t.Fatalf("merge not linked both ways: %s into %q, %s from %v", merged.Ref, merged.MergedInto, target.Ref, target.MergedFrom)
	}
}

func refs(p incident.Page) []string {
	out := []string{}
	for _, i := range p.Items {
		out = append(out, i.Ref)
	}
	return out
}

func testListFilters(t *testing.T, s *Setup) {
	declare(t, s, incident.DeclareInput{Title: "Phishing wave", Type: "security.phishing", Severity: "SEV3", Labels: map[string]string{"team": "sec"}})
	declare(t, s, incident.DeclareInput{Title: "DB down", Summary: "primary 100% cpu", Type: "availability", Severity: "SEV1", Labels: map[string]string{"team": "db"}})
	declare(t, s, incident.DeclareInput{Title: "Leaked key", Type: "security.credential-compromise", Severity: "SEV1", Labels: map[string]string{"team": "sec", "env": "prod"}})
	c := cmd("INC-2")
	if _, err := s.Incidents.Assign(ctx, c, incident.IRLead, "alice"); err != nil {
		t.Fatal(err)
	}
	if _, err := s.Incidents.Transition(ctx, c, incident.Active, ""); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		f    incident.Filter
		want []string
	}{
		{"all newest first", incident.Filter{}, []string{"INC-3", "INC-2", "INC-1"}},
		{"state", incident.Filter{States: []incident.State{incident.Active}}, []string{"INC-2"}},
		{"states", incident.Filter{States: []incident.State{incident.Active, incident.Triage}}, []string{"INC-3", "INC-2", "INC-1"}},
		{"severity", incident.Filter{Severities: []string{"SEV1"}}, []string{"INC-3", "INC-2"}},
		{"type prefix", incident.Filter{Type: "security"}, []string{"INC-3", "INC-1"}},
		{"type exact", incident.Filter{Type: "security.phishing"}, []string{"INC-1"}},
		{"type is not a substring match", incident.Filter{Type: "secur"}, []string{}},
		{"label", incident.Filter{Labels: map[string]string{"team": "sec"}}, []string{"INC-3", "INC-1"}},
		{"two labels", incident.Filter{Labels: map[string]string{"team": "sec", "env": "prod"}}, []string{"INC-3"}},
		{"label and state", incident.Filter{Labels: map[string]string{"team": "db"}, States: []incident.State{incident.Active}}, []string{"INC-2"}},
		{"label no incident has", incident.Filter{Labels: map[string]string{"team": "nobody"}}, []string{}},
		{"text in title, any case", incident.Filter{Text: "phishing"}, []string{"INC-1"}},
		{"text in summary", incident.Filter{Text: "100%"}, []string{"INC-2"}},
		{"like wildcards are literal", incident.Filter{Text: "_"}, []string{}},
		{"text as ref", incident.Filter{Text: "inc-3"}, []string{"INC-3"}},
		{"combined", incident.Filter{Severities: []string{"SEV1"}, Type: "security"}, []string{"INC-3"}},
	}
	for _, tt := range tests {
		tt.f.Viewer = alice
		p, err := s.DB.List(ctx, tt.f)
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if got := refs(p); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%s: got %v, want %v", tt.name, got, tt.want)
		}
	}
	_, err := s.DB.List(ctx, incident.Filter{Cursor: "garbage!"})
	wantCode(t, err, errs.Invalid)
}

func testListPagination(t *testing.T, s *Setup) {
	for i := range 7 {
		in := incident.DeclareInput{Title: fmt.Sprintf("p%d", i)}
		if i%2 == 0 {
			in.Labels = map[string]string{"parity": "even"}
		}
		declare(t, s, in)
	}
	pages := func(f incident.Filter) []string {
		t.Helper()
		var all []string
		for pages := 0; ; pages++ {
			if pages > 5 {
				t.Fatal("pagination does not end")
			}
			p, err := s.DB.List(ctx, f)
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, refs(p)...)
			if p.NextCursor == "" {
				return all
			}
			f.Cursor = p.NextCursor
		}
	}
	want := []string{"INC-7", "INC-6", "INC-5", "INC-4", "INC-3", "INC-2", "INC-1"}
	if got := pages(incident.Filter{Limit: 3, Viewer: alice}); !reflect.DeepEqual(got, want) {
		t.Fatalf("pages gave %v, want %v", got, want)
	}
	// A label filter walks its own index; its cursor must continue there.
	want = []string{"INC-7", "INC-5", "INC-3", "INC-1"}
	if got := pages(incident.Filter{Limit: 2, Labels: map[string]string{"parity": "even"}, Viewer: alice}); !reflect.DeepEqual(got, want) {
		t.Fatalf("label pages gave %v, want %v", got, want)
	}
}

func testListRestricted(t *testing.T, s *Setup) {
	declare(t, s, incident.DeclareInput{Title: "open"})
	r := declare(t, s, incident.DeclareInput{Title: "secret", Restricted: true})
	bob := incident.Viewer{User: "bob"}
	list := func(v incident.Viewer) []string {
		p, err := s.DB.List(ctx, incident.Filter{Viewer: v})
		if err != nil {
			t.Fatal(err)
		}
		return refs(p)
	}
	if got := list(bob); !reflect.DeepEqual(got, []string{"INC-1"}) {
		t.Fatalf("bob sees %v", got)
	}
	if got := list(alice); len(got) != 2 {
		t.Fatalf("declarer alice sees %v", got)
	}
	if got := list(incident.Viewer{User: "root", SeeAll: true}); len(got) != 2 {
		t.Fatalf("admin sees %v", got)
	}
	if _, err := s.Incidents.Get(ctx, bob, r.Ref); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("bob can get a restricted incident: %v", err)
	}
	if _, err := s.Incidents.Assign(ctx, cmd(r.Ref), incident.Responder, "bob"); err != nil {
		t.Fatal(err)
	}
	if got := list(bob); len(got) != 2 {
		t.Fatalf("participant bob sees %v", got)
	}
}

func testIdempotency(t *testing.T, s *Setup) {
	rec := store.IdemRecord{Method: "POST", Path: "/api/v1/incidents", RequestHash: "h1"}
	got, err := s.DB.ReserveIdempotency(ctx, "alice", "k1", rec)
	if err != nil || got != nil {
		t.Fatalf("first reserve: %+v %v", got, err)
	}
	got, err = s.DB.ReserveIdempotency(ctx, "alice", "k1", rec)
	if err != nil || got == nil || got.Status != 0 {
		t.Fatalf("reserve while in flight: %+v %v", got, err)
	}
	if err := s.DB.CompleteIdempotency(ctx, "alice", "k1", 201, "application/json", []byte(`{"ref":"INC-1"}`)); err != nil {
		t.Fatal(err)
	}
	got, err = s.DB.ReserveIdempotency(ctx, "alice", "k1", rec)
	if err != nil || got == nil || got.Status != 201 || string(got.Body) != `{"ref":"INC-1"}` || got.RequestHash != "h1" {
		t.Fatalf("replay: %+v %v", got, err)
	}
	// Keys are per user.
	if got, _ := s.DB.ReserveIdempotency(ctx, "bob", "k1", rec); got != nil {
		t.Fatalf("bob saw alice's key")
	}
	// A released key can be used again; an expired one too.
	if err := s.DB.ReleaseIdempotency(ctx, "bob", "k1"); err != nil {
		t.Fatal(err)
	}
	if got, _ := s.DB.ReserveIdempotency(ctx, "bob", "k1", rec); got != nil {
		t.Fatalf("released key still held")
	}
}

func testEachStream(t *testing.T, s *Setup) {
	declare(t, s, incident.DeclareInput{Title: "x"})
	var seen []string
	err := s.DB.EachStream(ctx, func(st store.Stream) error {
		seen = append(seen, fmt.Sprintf("%s:%d", st.Ref, len(st.Events)))
		return nil
	})
	if err != nil || !reflect.DeepEqual(seen, []string{"INC-1:1"}) {
		t.Fatalf("streams %v %v", seen, err)
	}
}
