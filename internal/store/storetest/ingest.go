package storetest

import (
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

var root = incident.Viewer{User: "root", SeeAll: true}

// sameJSON fails unless got and want encode alike (the store keeps entries
// and alerts as JSON documents, so this is what a round trip must keep).
func sameJSON(t *testing.T, what string, got, want any) {
	t.Helper()
	g, _ := json.Marshal(got)
	w, _ := json.Marshal(want)
	if string(g) != string(w) {
		t.Fatalf("%s:\n got %s\nwant %s", what, g, w)
	}
}

// rankOf is the tests' severity ranking, as the triage service ranks.
func rankOf(sev string) int {
	switch sev {
	case "critical":
		return 1
	case "error":
		return 2
	case "warning":
		return 3
	case "info":
		return 4
	}
	return 5
}

// newEntry makes a new group's queue entry as the triage service does.
func newEntry(now time.Time) func(alert.Group, alert.Outcome) triage.Entry {
	return func(g alert.Group, o alert.Outcome) triage.Entry {
		return triage.Entry{Group: g, Status: triage.New, Source: o.Alert.Source, Integration: o.Alert.Integration,
			Severity: o.Alert.Severity, Rank: rankOf(o.Alert.Severity), UpdatedAt: now}
	}
}

// fire is the outcome of alert fp firing for the first time at at, opening
// group id (key "k-"+id) with severity sev.
func fire(id, fp, sev string, at time.Time) alert.Outcome {
	a := alert.Alert{Source: alert.SourceGeneric, Integration: "gen", Fingerprint: fp, Status: alert.StatusFiring, Summary: id + " is down",
		Severity: sev, Labels: map[string]string{"alertname": id, "fp": fp}, StartsAt: at, ReceivedAt: at}
	g := alert.Group{ID: id, Key: "k-" + id, GroupLabels: map[string]string{"alertname": id}, CommonLabels: map[string]string{"alertname": id},
		Summary: a.Summary, FirstSeen: at, LastSeen: at, Firing: 1}
	it := alert.Item{ID: id + "/" + fp, GroupID: id, Path: "root", Fingerprint: fp, Status: alert.StatusFiring, Alert: a, FirstSeen: at, LastSeen: at, Count: 1}
	return alert.Outcome{Kind: alert.NewGroup, Alert: a, Item: it, Group: g}
}

// ingest stores outcomes as one delivery's; newEntry must not be needed
// unless made is given, which collects the groups it was asked for.
func ingest(t *testing.T, s *Setup, made *[]string, outcomes ...alert.Outcome) {
	t.Helper()
	now := s.Clock.Now()
	_, err := s.DB.Ingest(ctx, func(alert.State) ([]alert.Outcome, error) { return outcomes, nil },
		func(g alert.Group, o alert.Outcome) triage.Entry {
			if made == nil {
				t.Errorf("new entry asked for %s, which is in the queue already", g.ID)
			} else {
				*made = append(*made, g.ID)
			}
			return newEntry(now)(g, o)
		}, nil)
	if err != nil {
		t.Fatalf("ingest: %v", err)
	}
}

// update changes an entry as an admin, recording nothing.
func update(t *testing.T, s *Setup, id string, fn func(*triage.Entry)) triage.Entry {
	t.Helper()
	e, err := s.DB.UpdateEntry(ctx, root, id, triage.LogEntry{}, func(e *triage.Entry) error { fn(e); return nil })
	if err != nil {
		t.Fatalf("update %s: %v", id, err)
	}
	return e
}

// testIngest: the pipeline reads the stored queue inside the ingest
// transaction (latest item, group, open group); its outcomes are stored
// net (each item and group once, as last changed); a new group becomes
// the entry newEntry makes from its first outcome that counts, once; a
// known group takes the pipeline's alert state but keeps the queue's
// triage state and incident link; items list oldest first; a failing
// pipeline stores nothing.
func testIngest(t *testing.T, s *Setup) {
	t0 := s.Clock.Now()
	first := fire("g1", "fp-a", "critical", t0)
	join := fire("g1", "fp-b", "warning", t0.Add(time.Second))
	join.Kind = alert.JoinedGroup
	join.Group = first.Group
	join.Group.LastSeen, join.Group.Firing = t0.Add(time.Second), 2
	ignored := alert.Outcome{Kind: alert.Ignored, Alert: join.Alert, Reason: "a resolve for an alert never seen firing"}
	ignored.Alert.Severity = "info"

	type call struct {
		group, severity string
		firing          int
	}
	var calls []call
	got, err := s.DB.Ingest(ctx, func(st alert.State) ([]alert.Outcome, error) {
		if _, ok, err := st.LatestItem(ctx, "root", "fp-a"); ok || err != nil {
			t.Errorf("latest item of an empty store: %v %v", ok, err)
		}
		if _, ok, err := st.OpenGroup(ctx, first.Group.Key); ok || err != nil {
			t.Errorf("open group of an empty store: %v %v", ok, err)
		}
		return []alert.Outcome{ignored, first, join}, nil
	}, func(g alert.Group, o alert.Outcome) triage.Entry {
		calls = append(calls, call{g.ID, o.Alert.Severity, g.Firing})
		return newEntry(t0)(g, o)
	}, nil)
	if err != nil || len(got) != 3 || got[1].Kind != alert.NewGroup {
		t.Fatalf("ingest: %v %v", got, err)
	}
	if want := []call{{"g1", "critical", 2}}; fmt.Sprint(calls) != fmt.Sprint(want) {
		t.Fatalf("new entries made: %v, want %v (once, final group, first outcome that counts)", calls, want)
	}
	want := newEntry(t0)(join.Group, first)
	sameJSON(t, "the new entry", mustEntry(t, s, "g1"), want)
	items, err := s.DB.Items(ctx, "g1")
	if err != nil {
		t.Fatal(err)
	}
	sameJSON(t, "the group's items", items, []alert.Item{first.Item, join.Item})
	if items, err := s.DB.Items(ctx, "nope"); err != nil || len(items) != 0 {
		t.Fatalf("items of no group: %v %v", items, err)
	}

	// The queue's side: acknowledged, and linked to an incident.
	inc := declare(t, s, incident.DeclareInput{Title: "disk"})
	acked := t0.Add(30 * time.Second)
	update(t, s, "g1", func(e *triage.Entry) {
		e.Status, e.AckedBy, e.AckedAt, e.IncidentRef, e.Group.IncidentID = triage.Acknowledged, "alice", &acked, inc.Ref, inc.ID
	})

	t1 := t0.Add(time.Minute)
	repeat := first
	repeat.Kind = alert.Repeat
	repeat.Item.LastSeen, repeat.Item.Count = t1, 2
	repeat.Group = join.Group
	repeat.Group.LastSeen = t1 // the pipeline never sets IncidentID or Closed
	_, err = s.DB.Ingest(ctx, func(st alert.State) ([]alert.Outcome, error) {
		it, ok, err := st.LatestItem(ctx, "root", "fp-a")
		if err != nil || !ok {
			t.Fatalf("latest item: %v %v", ok, err)
		}
		sameJSON(t, "latest item", it, first.Item)
		stored := join.Group
		stored.IncidentID = inc.ID
		for name, read := range map[string]func() (alert.Group, bool, error){
			"group":      func() (alert.Group, bool, error) { return st.Group(ctx, "g1") },
			"open group": func() (alert.Group, bool, error) { return st.OpenGroup(ctx, join.Group.Key) },
		} {
			g, ok, err := read()
			if err != nil || !ok {
				t.Fatalf("%s: %v %v", name, ok, err)
			}
			sameJSON(t, name, g, stored)
		}
		if _, ok, err := st.Group(ctx, "nope"); ok || err != nil {
			t.Errorf("a group that is not there: %v %v", ok, err)
		}
		return []alert.Outcome{repeat}, nil
	}, func(g alert.Group, _ alert.Outcome) triage.Entry {
		t.Errorf("new entry asked for %s, which is in the queue already", g.ID)
		return triage.Entry{}
	}, nil)
	if err != nil {
		t.Fatal(err)
	}
	e := mustEntry(t, s, "g1")
	if e.Status != triage.Acknowledged || e.AckedBy != "alice" || e.IncidentRef != inc.Ref || e.Group.IncidentID != inc.ID ||
		!e.Group.LastSeen.Equal(t1) || e.Group.Firing != 2 {
		t.Fatalf("after a repeat the entry is %+v", e)
	}

	// A re-fire after a resolve is a new item: the latest of its
	// fingerprint; items stay oldest first.
	t2 := t0.Add(2 * time.Minute)
	resolved := repeat
	resolved.Kind, resolved.Item.Status, resolved.Item.LastSeen = alert.Resolved, alert.StatusResolved, t2
	refire := fire("g1", "fp-a", "critical", t2.Add(time.Second))
	refire.Kind, refire.Item.ID, refire.Group = alert.JoinedGroup, "g1/fp-a/2", repeat.Group
	ingest(t, s, nil, resolved, refire)
	_, err = s.DB.Ingest(ctx, func(st alert.State) ([]alert.Outcome, error) {
		it, ok, err := st.LatestItem(ctx, "root", "fp-a")
		if err != nil || !ok || it.ID != refire.Item.ID {
			t.Errorf("latest item after a re-fire: %+v %v %v", it, ok, err)
		}
		return nil, nil
	}, newEntry(t2), nil)
	if err != nil {
		t.Fatalf("an ingest with nothing to store: %v", err)
	}
	items, _ = s.DB.Items(ctx, "g1")
	var ids []string
	for _, it := range items {
		ids = append(ids, fmt.Sprintf("%s:%s", it.ID, it.Status))
	}
	if fmt.Sprint(ids) != "[g1/fp-a:resolved g1/fp-b:firing g1/fp-a/2:firing]" {
		t.Fatalf("items: %v", ids)
	}

	// A pipeline that fails stores nothing, and its error comes back.
	before := mustEntry(t, s, "g1")
	_, err = s.DB.Ingest(ctx, func(st alert.State) ([]alert.Outcome, error) {
		return []alert.Outcome{fire("g2", "fp-c", "critical", t2)}, errs.E(errs.Unavailable, "", "route table gone")
	}, newEntry(t2), nil)
	wantCode(t, err, errs.Unavailable)
	if _, err := s.DB.Entry(ctx, root, "g2"); errs.CodeOf(err) != errs.NotFound {
		t.Fatalf("a failed ingest stored its group: %v", err)
	}
	sameJSON(t, "the entry after a failed ingest", mustEntry(t, s, "g1"), before)
}

// testConcurrentQueueWrites: ingests and queue actions that run at once
// all land, each seeing the others' committed work: alerts for one key
// open one group however many deliveries race to open it; a repeat never
// undoes an acknowledgement made while it ran (nor the reverse); of two
// claims of a waiting entry, one wins.
func testConcurrentQueueWrites(t *testing.T, s *Setup) {
	const n = 8
	now := s.Clock.Now()
	var wg sync.WaitGroup
	arrive := func(i int) {
		_, err := s.DB.Ingest(ctx, func(st alert.State) ([]alert.Outcome, error) {
			o := fire(fmt.Sprintf("c%d", i), fmt.Sprintf("f%d", i), "error", now)
			o.Group.Key = "shared"
			// Half the deliveries read the group through a preload (the
			// pipeline's path on PostgreSQL), half on their own.
			pl, ok := st.(alert.Preloader)
			if ok != store.IsPostgres(s.DSN) {
				return nil, fmt.Errorf("the ingest state is a Preloader: %v, on PostgreSQL: %v", ok, store.IsPostgres(s.DSN))
			}
			if ok && i%2 == 0 {
				if err := pl.Preload(ctx, []alert.ItemKey{{Path: o.Item.Path, Fingerprint: o.Item.Fingerprint}}, []string{"other", "shared"}); err != nil {
					return nil, err
				}
			}
			if g, ok, err := st.OpenGroup(ctx, "shared"); err != nil {
				return nil, err
			} else if ok {
				o.Kind, o.Group = alert.JoinedGroup, g
				o.Group.Firing++
				o.Item.GroupID = g.ID
			}
			return []alert.Outcome{o}, nil
		}, newEntry(now), nil)
		if err != nil {
			t.Errorf("ingest %d: %v", i, err)
		}
	}
	for i := range n {
		wg.Go(func() { arrive(i) })
	}
	wg.Wait()
	shared := func() triage.Entry {
		t.Helper()
		all, err := s.DB.Queue(ctx, triage.Filter{Viewer: root, All: true, Now: now})
		if err != nil {
			t.Fatal(err)
		}
		var found []triage.Entry
		for _, e := range all {
			if e.Group.Key == "shared" {
				found = append(found, e)
			}
		}
		if len(found) != 1 {
			t.Fatalf("%d groups for one key, want one", len(found))
		}
		return found[0]
	}
	if e := shared(); e.Group.Firing != n {
		t.Fatalf("the group counts %d firing alerts, want %d", e.Group.Firing, n)
	}

	// Repeats and queue actions on the same entry.
	id := shared().Group.ID
	for i := range n {
		wg.Go(func() { arrive(n + i) })
		wg.Go(func() {
			_, err := s.DB.UpdateEntry(ctx, root, id, triage.LogEntry{Action: "note", Actor: "alice", At: now, Data: fmt.Sprint(i)}, func(e *triage.Entry) error {
				if e.Annotations == nil {
					e.Annotations = map[string]string{}
				}
				var k int
				_, _ = fmt.Sscan(e.Annotations["notes"], &k) // no notes yet: k stays 0
				e.Annotations["notes"] = fmt.Sprint(k + 1)
				return nil
			})
			if err != nil {
				t.Errorf("update %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	if e := shared(); e.Group.Firing != 2*n || e.Annotations["notes"] != fmt.Sprint(n) {
		t.Fatalf("after racing repeats and notes: %d firing (want %d), %s notes (want %d)", e.Group.Firing, 2*n, e.Annotations["notes"], n)
	}
	if log, err := s.DB.Log(ctx, id); err != nil || len(log) != n {
		t.Fatalf("log: %d actions (%v), want %d", len(log), err, n)
	}

	var won sync.Map
	for i := range n {
		wg.Go(func() {
			_, err := s.DB.UpdateEntry(ctx, root, id, triage.LogEntry{}, func(e *triage.Entry) error {
				if e.Status != triage.New {
					return errs.E(errs.Rule, "status", "this entry is already %s", e.Status)
				}
				e.Status, e.Reason = triage.Declared, fmt.Sprint(i)
				return nil
			})
			if err == nil {
				won.Store(i, true)
			} else if errs.CodeOf(err) != errs.Rule {
				t.Errorf("claim %d: %v", i, err)
			}
		})
	}
	wg.Wait()
	winners := 0
	won.Range(func(k, _ any) bool {
		winners++
		if e := shared(); e.Reason != fmt.Sprint(k) {
			t.Errorf("claim %v won but the entry says %q", k, e.Reason)
		}
		return true
	})
	if winners != 1 {
		t.Fatalf("%d claims of one entry won, want exactly one", winners)
	}
}

// testUpdateEntry: a change and its record land together or not at all;
// an empty action records nothing; the log keeps actor, time and data in
// order; a missing entry is not found and its change never runs.
func testUpdateEntry(t *testing.T, s *Setup) {
	t0 := s.Clock.Now()
	ingest(t, s, new([]string), fire("u1", "fp", "warning", t0))
	before := mustEntry(t, s, "u1")

	_, err := s.DB.UpdateEntry(ctx, root, "u1", triage.LogEntry{Action: "dismiss", Actor: "alice", At: t0}, func(e *triage.Entry) error {
		e.Status, e.Reason = triage.Dismissed, "half done"
		return errs.E(errs.Rule, "reason", "a dismissal needs a reason")
	})
	if e, ok := errs.As(err); !ok || e.Code != errs.Rule || e.Field != "reason" {
		t.Fatalf("a refused change: %v, want its own error back", err)
	}
	sameJSON(t, "the entry after a refused change", mustEntry(t, s, "u1"), before)
	if log, err := s.DB.Log(ctx, "u1"); err != nil || len(log) != 0 {
		t.Fatalf("a refused change left a record: %v %v", log, err)
	}

	got, err := s.DB.UpdateEntry(ctx, root, "u1", triage.LogEntry{}, func(e *triage.Entry) error {
		e.Reason = "claimed"
		return nil
	})
	if err != nil || got.Reason != "claimed" || mustEntry(t, s, "u1").Reason != "claimed" {
		t.Fatalf("a change with no action: %+v %v", got, err)
	}
	if log, _ := s.DB.Log(ctx, "u1"); len(log) != 0 {
		t.Fatalf("an empty action was recorded: %v", log)
	}

	actions := []triage.LogEntry{
		{Action: "acknowledge", Actor: "alice", At: t0.Add(time.Minute)},
		{Action: "snooze", Actor: "bob", At: t0.Add(2 * time.Minute), Data: t0.Add(time.Hour).Format(time.RFC3339)},
		{Action: "dismiss", Actor: "alice", At: t0.Add(90 * time.Second), Data: "duplicate of the disk alert"}, // earlier, but later recorded
	}
	for _, l := range actions {
		if _, err := s.DB.UpdateEntry(ctx, root, "u1", l, func(e *triage.Entry) error { e.UpdatedAt = l.At; return nil }); err != nil {
			t.Fatal(err)
		}
	}
	log, err := s.DB.Log(ctx, "u1")
	for i := range log {
		log[i].At = log[i].At.UTC()
	}
	if err != nil || fmt.Sprint(log) != fmt.Sprint(actions) {
		t.Fatalf("log:\n got %v %v\nwant %v (in the order recorded)", log, err, actions)
	}
	if log, err := s.DB.Log(ctx, "nope"); err != nil || len(log) != 0 {
		t.Fatalf("the log of no entry: %v %v", log, err)
	}

	called := false
	_, err = s.DB.UpdateEntry(ctx, root, "nope", triage.LogEntry{Action: "acknowledge", Actor: "root", At: t0}, func(*triage.Entry) error {
		called = true
		return nil
	})
	if e, ok := errs.As(err); !ok || e.Code != errs.NotFound || e.Field != "id" || called {
		t.Fatalf("changing a missing entry: %v (change ran: %v)", err, called)
	}
	if log, _ := s.DB.Log(ctx, "nope"); len(log) != 0 {
		t.Fatalf("a change of a missing entry was recorded: %v", log)
	}
}

// testCloseGroupsOf: closing an incident's groups closes its open ones
// (they take no more alerts: the next alert of their key opens a new
// group) and nothing else, repeatably; a group the store cannot read
// fails the call, which then closes none.
func testCloseGroupsOf(t *testing.T, s *Setup) {
	t0 := s.Clock.Now()
	a := declare(t, s, incident.DeclareInput{Title: "a"})
	b := declare(t, s, incident.DeclareInput{Title: "b"})
	c := declare(t, s, incident.DeclareInput{Title: "c"})
	var made []string
	ingest(t, s, &made, fire("a1", "fp", "error", t0), fire("a2", "fp", "error", t0), fire("b1", "fp", "error", t0), fire("n1", "fp", "error", t0),
		fire("c1", "fp", "error", t0), fire("c2", "fp", "error", t0))
	link := map[string]string{"a1": a.ID, "a2": a.ID, "b1": b.ID, "c1": c.ID, "c2": c.ID}
	for id, inc := range link {
		update(t, s, id, func(e *triage.Entry) { e.Status, e.Group.IncidentID = triage.Attached, inc })
	}
	update(t, s, "a2", func(e *triage.Entry) { e.Status, e.Group.Closed, e.Reason = triage.Dismissed, true, "noise" })
	a2 := mustEntry(t, s, "a2")

	if err := s.DB.CloseGroupsOf(ctx, a.ID); err != nil {
		t.Fatal(err)
	}
	closed := func() string {
		t.Helper()
		var out []string
		for _, id := range []string{"a1", "a2", "b1", "n1", "c1", "c2"} {
			if e := mustEntry(t, s, id); e.Group.Closed {
				out = append(out, id)
			}
		}
		return strings.Join(out, " ")
	}
	if got := closed(); got != "a1 a2" {
		t.Fatalf("closed after closing a's groups: %q, want a1 a2", got)
	}
	if e := mustEntry(t, s, "a1"); e.Status != triage.Attached || e.Group.IncidentID != a.ID {
		t.Fatalf("closing changed more than closed: %+v", e)
	}
	sameJSON(t, "a group closed before", mustEntry(t, s, "a2"), a2)
	for _, id := range []string{a.ID, "no-such-incident"} {
		if err := s.DB.CloseGroupsOf(ctx, id); err != nil {
			t.Fatalf("closing %s again: %v", id, err)
		}
	}
	_, err := s.DB.Ingest(ctx, func(st alert.State) ([]alert.Outcome, error) {
		if g, ok, err := st.OpenGroup(ctx, "k-a1"); ok || err != nil {
			t.Errorf("a closed group is still open: %+v %v", g, err)
		}
		if g, ok, err := st.Group(ctx, "a1"); !ok || err != nil || !g.Closed {
			t.Errorf("a closed group by its ID: %+v %v %v", g, ok, err)
		}
		if _, ok, err := st.OpenGroup(ctx, "k-b1"); !ok || err != nil {
			t.Errorf("b's group is not open: %v %v", ok, err)
		}
		return nil, nil
	}, newEntry(t0), nil)
	if err != nil {
		t.Fatal(err)
	}

	// One of c's groups cannot be read: the error surfaces and neither
	// group is closed.
	rawExec(t, s, `UPDATE alert_groups SET doc = '{"group": not json' WHERE id = 'c2'`)
	if err := s.DB.CloseGroupsOf(ctx, c.ID); err == nil {
		t.Fatal("closing groups one of which cannot be read succeeded")
	}
	if e := mustEntry(t, s, "c1"); e.Group.Closed {
		t.Fatal("a failed close closed c1")
	}
	if got := rawClosed(t, s, "c2"); got {
		t.Fatal("a failed close closed c2")
	}
}

// rawDB opens the store's database beside it, for what no store method
// may do (a damaged row).
func rawDB(t *testing.T, s *Setup) *sql.DB {
	t.Helper()
	driver, dsn := "sqlite", "file:"+s.DSN+"?_pragma=busy_timeout(10000)"
	if s.DB.Backend() == "postgres" {
		driver, dsn = "pgx", s.DSN
	}
	db, err := sql.Open(driver, dsn)
	if err != nil {
		t.Fatalf("open the database: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() })
	return db
}

func rawExec(t *testing.T, s *Setup, query string) {
	t.Helper()
	if _, err := rawDB(t, s).ExecContext(ctx, query); err != nil {
		t.Fatalf("%s: %v", query, err)
	}
}

func rawClosed(t *testing.T, s *Setup, id string) bool {
	t.Helper()
	var closed bool
	if err := rawDB(t, s).QueryRowContext(ctx, `SELECT closed FROM alert_groups WHERE id = '`+id+`'`).Scan(&closed); err != nil {
		t.Fatal(err)
	}
	return closed
}
