package alert

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"
)

// preloading is a MemState that, as a store on PostgreSQL does, answers
// OpenGroup only for keys Preload was handed (and counts the rest).
type preloading struct {
	*MemState
	items      []ItemKey
	groups     []string
	calls      int
	notHanded  []string
	itemsAlone int // PreloadItems calls: none once Preload is there
}

func (p *preloading) Preload(_ context.Context, items []ItemKey, groups []string) error {
	p.calls++
	p.items, p.groups = items, groups
	return nil
}

func (p *preloading) PreloadItems(context.Context, []ItemKey) error {
	p.itemsAlone++
	return nil
}

func (p *preloading) OpenGroup(ctx context.Context, key string) (Group, bool, error) {
	if !slices.Contains(p.groups, key) {
		p.notHanded = append(p.notHanded, key)
	}
	return p.MemState.OpenGroup(ctx, key)
}

// TestPreloadHandsEveryGroupKey checks that the group keys a batch hands a
// Preloader are exactly the keys GroupStage looks up for new alerts (a
// store answers a key it was handed from what it read with the items),
// each once, over routes that fan out, group by all labels or none.
func TestPreloadHandsEveryGroupKey(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		name string
		root *Route
	}{
		{"by alertname", &Route{Service: "platform", GroupBy: []string{"alertname"}}},
		{"by all", &Route{Service: "platform", GroupBy: []string{GroupByAll}}},
		{"by nothing", &Route{Service: "s"}},
		{"fan out", &Route{Service: "platform", GroupBy: []string{"alertname"}, Routes: []*Route{
			{Matchers: mustMatchers(t, `env="prod"`), Team: "sre", Continue: true},
			{Matchers: mustMatchers(t, `alertname=~"High.*"`), Service: "web", GroupBy: []string{"instance"}},
		}}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if err := tt.root.Validate(); err != nil {
				t.Fatal(err)
			}
			p := NewPipeline(tt.root)
			st := &preloading{MemState: NewMemState()}
			var alerts []Alert
			for i := range 6 {
				alerts = append(alerts, fire(fmt.Sprintf("i%d", i%3), t0.Add(time.Duration(i)*time.Second)))
			}
			outs, err := p.Process(context.Background(), st, t0, alerts)
			if err != nil {
				t.Fatal(err)
			}
			if st.calls != 1 || st.itemsAlone != 0 {
				t.Fatalf("Preload called %d times, PreloadItems %d: want 1 and 0", st.calls, st.itemsAlone)
			}
			if len(st.notHanded) > 0 {
				t.Errorf("OpenGroup of keys not preloaded: %q (preloaded %q)", st.notHanded, st.groups)
			}
			var want []string
			for _, o := range outs {
				if o.Kind == NewGroup && !slices.Contains(want, o.Group.Key) {
					want = append(want, o.Group.Key)
				}
			}
			if !slices.Equal(st.groups, want) {
				t.Errorf("preloaded group keys %q, want the new groups' keys %q", st.groups, want)
			}
		})
	}
}
