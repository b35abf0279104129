package alert

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 26, 22, 52, 14, 0, time.UTC)

type setup struct {
	t  *testing.T
	p  *Pipeline
	st *MemState
}

func newSetup(t *testing.T, root *Route) *setup {
	t.Helper()
	if root == nil {
		root = &Route{Service: "platform", GroupBy: []string{"alertname"}, Window: 10 * time.Minute}
	}
	if err := root.Validate(); err != nil {
		t.Fatal(err)
	}
	return &setup{t: t, p: NewPipeline(root), st: NewMemState()}
}

// run processes alerts at now, persists the outcomes and returns them.
func (s *setup) run(now time.Time, alerts ...Alert) []Outcome {
	s.t.Helper()
	outs, err := s.p.Process(context.Background(), s.st, now, alerts)
	if err != nil {
		s.t.Fatal(err)
	}
	s.st.Apply(outs)
	return outs
}

// brief renders outcomes compactly for exact comparison.
func brief(outs []Outcome) []string {
	var b []string
	for _, o := range outs {
		if o.Kind == Ignored {
			b = append(b, fmt.Sprintf("ignored %s: %s", o.Alert.Labels["instance"], o.Reason))
			continue
		}
		b = append(b, fmt.Sprintf("%s %s %s count=%d group=%s firing=%d resolved=%d",
			o.Kind, o.Item.Alert.Labels["instance"], o.Item.Status, o.Item.Count, o.Group.Key, o.Group.Firing, o.Group.Resolved))
	}
	return b
}

func fire(instance string, startsAt time.Time) Alert {
	return Alert{Source: SourceAlertmanager, Status: StatusFiring, Summary: "High error rate",
		Labels:   map[string]string{"alertname": "HighErrorRate", "instance": instance, "env": "prod"},
		StartsAt: startsAt}
}

func resolve(instance string, startsAt time.Time) Alert {
	a := fire(instance, startsAt)
	a.Status = StatusResolved
	return a
}

func check(t *testing.T, got []Outcome, want ...string) {
	t.Helper()
	if b := brief(got); !slices.Equal(b, want) {
		t.Errorf("outcomes:\n got %s\nwant %s", strings.Join(b, "\n     "), strings.Join(want, "\n     "))
	}
}

const gk = `{}@platform:{alertname="HighErrorRate"}`

func TestDedupAndGroupLifecycle(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	first := s.run(t0, fire("a", t0))
	check(t, first, "new_group a firing count=1 group="+gk+" firing=1 resolved=0")
	o := first[0]
	if o.Item.GroupID != o.Group.ID || !strings.HasPrefix(o.Group.ID, "grp_") || !strings.HasPrefix(o.Item.ID, "alr_") {
		t.Errorf("ids: item %q group %q item.group %q", o.Item.ID, o.Group.ID, o.Item.GroupID)
	}
	if !o.Group.FirstSeen.Equal(t0) || !maps.Equal(o.Group.GroupLabels, map[string]string{"alertname": "HighErrorRate"}) || o.Group.Summary != "High error rate" {
		t.Errorf("group: %+v", o.Group)
	}

	t1 := t0.Add(time.Minute)
	rep := s.run(t1, fire("a", t1)) // a sender's later StartsAt does not move the first
	check(t, rep, "repeat a firing count=2 group="+gk+" firing=1 resolved=0")
	if it := rep[0].Item; !it.LastSeen.Equal(t1) || !it.FirstSeen.Equal(t0) || !it.Alert.StartsAt.Equal(t0) || it.ID != o.Item.ID {
		t.Errorf("repeat item: %+v", it)
	}
	if g := rep[0].Group; !g.LastSeen.Equal(t1) || g.ID != o.Group.ID {
		t.Errorf("repeat group: %+v", g)
	}

	b := fire("b", t1)
	b.Labels["env"] = "staging"
	joined := s.run(t1, b)
	check(t, joined, "joined_group b firing count=1 group="+gk+" firing=2 resolved=0")
	if cl := joined[0].Group.CommonLabels; !maps.Equal(cl, map[string]string{"alertname": "HighErrorRate"}) {
		t.Errorf("common labels: %v", cl)
	}

	t2 := t0.Add(2 * time.Minute)
	res := s.run(t2, resolve("a", t0), resolve("a", t0), resolve("nobody", t0))
	check(t, res,
		"resolved a resolved count=2 group="+gk+" firing=1 resolved=1",
		"ignored a: already resolved",
		"ignored nobody: resolves an alert never seen firing")
	if it := res[0].Item; !it.Alert.EndsAt.Equal(t2) {
		t.Errorf("resolved without EndsAt: want EndsAt = received time, got %v", it.Alert.EndsAt)
	}

	check(t, s.run(t2, fire("a", t0)), "ignored a: stale: this occurrence was already resolved")
	refire := s.run(t2, fire("a", t2))
	check(t, refire, "joined_group a firing count=1 group="+gk+" firing=2 resolved=1")
	if refire[0].Item.ID == o.Item.ID {
		t.Error("a new occurrence must be a new item")
	}
}

func TestGroupWindow(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil) // window 10m
	g1 := s.run(t0, fire("a", t0))[0].Group
	s.run(t0.Add(time.Minute), resolve("a", t0))
	// Nothing firing, but within 10 minutes of the last alert: joins.
	check(t, s.run(t0.Add(11*time.Minute), fire("b", t0)), "joined_group b firing count=1 group="+gk+" firing=1 resolved=1")
	s.run(t0.Add(12*time.Minute), resolve("b", t0))
	// A firing group stays open however long it fires; a quiet one closes
	// its window 10 minutes after its last alert.
	late := s.run(t0.Add(22*time.Minute+time.Second), fire("c", t0))
	check(t, late, "new_group c firing count=1 group="+gk+" firing=1 resolved=0")
	if late[0].Group.ID == g1.ID {
		t.Error("a lapsed group must be followed by a new group")
	}
	// Exactly at the window's end still joins.
	s2 := newSetup(t, nil)
	s2.run(t0, resolve("x", t0), fire("a", t0), resolve("a", t0))
	check(t, s2.run(t0.Add(10*time.Minute), fire("b", t0)), "joined_group b firing count=1 group="+gk+" firing=1 resolved=1")
}

func TestAttachedGroupFeedsTimeline(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	g := s.run(t0, fire("a", t0))[0].Group
	g.IncidentID = "inc_1"
	s.st.PutGroup(g)

	t1 := t0.Add(time.Hour) // past the window: an attached group stays open
	check(t, s.run(t1, fire("b", t1), fire("a", t0), resolve("a", t0)),
		"incident_timeline b firing count=1 group="+gk+" firing=2 resolved=0",
		"repeat a firing count=2 group="+gk+" firing=2 resolved=0",
		"incident_timeline a resolved count=2 group="+gk+" firing=1 resolved=1")

	// Once the store closes the group (its incident closed), new alerts
	// start a new queue entry.
	g, _, _ = s.st.Group(context.Background(), g.ID)
	g.Closed = true
	s.st.PutGroup(g)
	check(t, s.run(t1, fire("c", t1)), "new_group c firing count=1 group="+gk+" firing=1 resolved=0")
	// ...while an item of the closed group still resolves into it.
	check(t, s.run(t1, resolve("b", t1)), "incident_timeline b resolved count=1 group="+gk+" firing=0 resolved=2")
}

func TestContinueFansOut(t *testing.T) {
	t.Parallel()
	root := &Route{Service: "platform", GroupBy: []string{"alertname"}, Routes: []*Route{
		{Matchers: mustMatchers(t, `env="prod"`), Team: "sre", Continue: true},
		{Matchers: mustMatchers(t, `alertname=~"High.*"`), Team: "web", GroupBy: []string{"instance"}},
	}}
	s := newSetup(t, root)
	outs := s.run(t0, fire("a", t0))
	check(t, outs,
		`new_group a firing count=1 group={}/{env="prod"}@platform:{alertname="HighErrorRate"} firing=1 resolved=0`,
		`new_group a firing count=1 group={}/{alertname=~"High.*"}@platform:{instance="a"} firing=1 resolved=0`)
	check(t, s.run(t0, fire("a", t0)),
		`repeat a firing count=2 group={}/{env="prod"}@platform:{alertname="HighErrorRate"} firing=1 resolved=0`,
		`repeat a firing count=2 group={}/{alertname=~"High.*"}@platform:{instance="a"} firing=1 resolved=0`)
}

func TestGroupByVariants(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		groupBy []string
		want    string
	}{
		{nil, `{}@s:{}`},
		{[]string{}, `{}@s:{}`},
		{[]string{"env", "missing"}, `{}@s:{env="prod"}`},
		{[]string{GroupByAll}, `{}@s:{alertname="HighErrorRate", env="prod", instance="a"}`},
	} {
		s := newSetup(t, &Route{Service: "s", GroupBy: tt.groupBy})
		if got := s.run(t0, fire("a", t0))[0].Group.Key; got != tt.want {
			t.Errorf("group by %q: key %s, want %s", tt.groupBy, got, tt.want)
		}
	}
}

func TestNormalise(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	end := t0.Add(time.Hour)
	in := Alert{Source: SourceGeneric, Status: StatusFiring, Summary: "  ", EndsAt: end,
		Labels: map[string]string{"alertname": "Disk"}}
	outs := s.run(t0, in,
		Alert{Source: "pager", Status: StatusFiring},
		Alert{Source: SourceGeneric, Status: "open"},
		Alert{Source: SourceReport, Status: StatusFiring})
	check(t, outs[1:],
		`ignored : unknown source "pager"`,
		`ignored : status must be firing or resolved, got "open"`,
		`new_group  firing count=1 group={}@platform:{} firing=1 resolved=0`)
	a := outs[0].Item.Alert
	if a.Summary != "Disk" || !a.ReceivedAt.Equal(t0) || !a.StartsAt.Equal(t0) || !a.EndsAt.IsZero() ||
		a.Fingerprint != Fingerprint(in.Labels) {
		t.Errorf("normalised: %+v", a)
	}
	if got := outs[3].Item.Alert.Summary; got != "untitled alert" {
		t.Errorf("summary %q", got)
	}
	a.Labels["x"] = "y"
	if len(in.Labels) != 1 {
		t.Error("the pipeline must not share maps with its caller")
	}
	// The source's dedup key is the fingerprint when it gives one.
	k := s.run(t0, Alert{Source: SourceGeneric, Status: StatusFiring, DedupKey: "disk-1"})[0]
	if k.Item.Fingerprint != "disk-1" {
		t.Errorf("fingerprint %q, want the dedup key", k.Item.Fingerprint)
	}
}

type failing struct{ MemState }

func (failing) LatestItem(context.Context, string, string) (Item, bool, error) {
	return Item{}, false, errors.New("disk on fire")
}

func TestStateErrorAbortsBatch(t *testing.T) {
	t.Parallel()
	p := NewPipeline(&Route{Service: "s"})
	_, err := p.Process(context.Background(), &failing{*NewMemState()}, t0, []Alert{fire("a", t0)})
	if err == nil || err.Error() != "disk on fire" {
		t.Errorf("err = %v", err)
	}
}

func TestNet(t *testing.T) {
	t.Parallel()
	s := newSetup(t, nil)
	outs := s.run(t0, fire("a", t0), fire("b", t0), resolve("a", t0), resolve("zz", t0))
	items, groups := Net(outs)
	if len(items) != 2 || len(groups) != 1 {
		t.Fatalf("items %d groups %d", len(items), len(groups))
	}
	if items[0].Status != StatusResolved || items[1].Status != StatusFiring || groups[0].Firing != 1 || groups[0].Resolved != 1 {
		t.Errorf("net: %+v %+v", items, groups)
	}
}

// Grouping does not depend on the order alerts arrive in within a window:
// the same groups, with the same members, counts and common labels.
func TestGroupingOrderIndependent(t *testing.T) {
	t.Parallel()
	r := rand.New(rand.NewPCG(7, 11))
	var alerts []Alert
	for i := range 30 {
		a := fire(fmt.Sprint("i", i), t0)
		a.Labels["alertname"] = fmt.Sprint("A", i%4)
		a.Labels["zone"] = fmt.Sprint("z", i%3)
		if i%5 == 0 {
			a.Labels["env"] = "dev"
		}
		alerts = append(alerts, a)
	}
	root := &Route{Service: "s", GroupBy: []string{"alertname"}, Routes: []*Route{
		{Matchers: mustMatchers(t, `zone="z1"`), GroupBy: []string{"alertname", "env"}},
	}}
	summary := func(order []Alert) map[string]string {
		s := newSetup(t, root)
		for i, a := range order { // one by one, spread within the window
			s.run(t0.Add(time.Duration(i)*time.Second), a)
		}
		out := map[string]string{}
		for _, o := range s.run(t0.Add(time.Minute), order...) { // and repeated as a batch
			g := o.Group
			out[g.Key] = fmt.Sprintf("firing=%d resolved=%d common=%v labels=%v", g.Firing, g.Resolved, g.CommonLabels, g.GroupLabels)
		}
		return out
	}
	want := summary(alerts)
	if len(want) != 10 {
		t.Fatalf("%d groups: %v", len(want), want)
	}
	for range 50 {
		shuffled := slices.Clone(alerts)
		r.Shuffle(len(shuffled), func(i, j int) { shuffled[i], shuffled[j] = shuffled[j], shuffled[i] })
		if got := summary(shuffled); !reflect.DeepEqual(got, want) {
			t.Fatalf("order changed the groups:\n got %v\nwant %v", got, want)
		}
	}
}
