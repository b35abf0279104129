package alert

import (
	"context"
	"time"
)

// Session is one run of the pipeline over one batch: the time it runs at,
// and the state as the stages see it (the store's, overlaid with what this
// batch has already decided).
type Session struct {
	Now   time.Time
	state *overlay
	out   [1]Outcome // a stage's single output (pass)
}

// pass is o as a stage's only output, without a slice per stage per alert
// (an Outcome is large, and each was a kilobyte of garbage in the
// single writer): the slice is s's own, valid until the next stage runs
// in s. MultiStage hands the next stage a copy, and Batch copies what it
// keeps.
func (s *Session) pass(o Outcome) []Outcome {
	s.out[0] = o
	return s.out[:]
}

// Stage is one step of the pipeline. It receives an alert on its way
// through (an Outcome whose Kind is still empty, or already decided by an
// earlier stage) and returns zero or more: the route stage fans one alert
// out to each destination. A stage passes an Ignored outcome through
// untouched. An error aborts the batch: it means the state could not be
// read, never that an alert was bad (a bad alert is Ignored with a reason).
// The slice returned may be the Session's own (Session.pass), valid until
// the next stage runs in the same Session.
type Stage interface {
	Exec(ctx context.Context, s *Session, o Outcome) ([]Outcome, error)
}

// StageFunc adapts a function to a Stage.
type StageFunc func(ctx context.Context, s *Session, o Outcome) ([]Outcome, error)

// Exec implements Stage.
func (f StageFunc) Exec(ctx context.Context, s *Session, o Outcome) ([]Outcome, error) {
	return f(ctx, s, o)
}

// MultiStage runs stages in order, feeding every output of one stage to the
// next.
type MultiStage []Stage

// Exec implements Stage.
func (ms MultiStage) Exec(ctx context.Context, s *Session, o Outcome) ([]Outcome, error) {
	if len(ms) == 0 {
		return []Outcome{o}, nil
	}
	cur, err := ms[0].Exec(ctx, s, o)
	if err != nil {
		return nil, err
	}
	for _, st := range ms[1:] {
		if len(cur) == 1 {
			// One outcome in, the stage's own slice out: nothing to gather,
			// so no slice per stage per alert (an Outcome is large).
			if cur, err = st.Exec(ctx, s, cur[0]); err != nil {
				return nil, err
			}
			continue
		}
		var next []Outcome
		for _, c := range cur {
			out, err := st.Exec(ctx, s, c)
			if err != nil {
				return nil, err
			}
			next = append(next, out...)
		}
		cur = next
	}
	return cur, nil
}

// undecided wraps a per-outcome step that only applies to outcomes no
// earlier stage has settled as Ignored.
func undecided(f func(ctx context.Context, s *Session, o Outcome) ([]Outcome, error)) Stage {
	return StageFunc(func(ctx context.Context, s *Session, o Outcome) ([]Outcome, error) {
		if o.Kind == Ignored {
			return s.pass(o), nil
		}
		return f(ctx, s, o)
	})
}

func ignore(o Outcome, reason string) []Outcome {
	return []Outcome{{Kind: Ignored, Alert: o.Alert, Destination: o.Destination, Reason: reason}}
}

// Pipeline turns alerts into outcomes.
type Pipeline struct {
	// pure reads no state (normalise, fingerprint, route): it runs before
	// the store's write transaction. stateful (dedup, group) reads the
	// queue and runs inside it, where every µs is serial.
	pure, stateful Stage
}

// NewPipeline assembles the pipeline for a validated routing tree. This is
// the one place the order of the stages is decided.
func NewPipeline(root *Route) *Pipeline {
	return &Pipeline{
		pure:     MultiStage{NormaliseStage(), FingerprintStage(), RouteStage(root)},
		stateful: MultiStage{DedupStage(), GroupStage()},
	}
}

// ItemKey names the items of one fingerprint at one destination path.
type ItemKey struct {
	Path, Fingerprint string
}

// ItemPreloader is a State that can read the latest items of many keys in
// one go. Batch.Process hands it every key the batch will look up, before
// the first lookup, so a store reads a body's items in one query instead
// of one per alert; LatestItem of a preloaded key then answers from what
// was read.
type ItemPreloader interface {
	PreloadItems(ctx context.Context, keys []ItemKey) error
}

// Preloader is an ItemPreloader that also reads the open groups of keys
// (OpenGroup) in the same go. Batch.Process hands it every item key and
// every group key a new alert of the batch may look up, so a store on a
// server (PostgreSQL) pays one round trip for a body's reads, inside the
// queue's lock, instead of one per new alert more. A key it was handed
// and found no group for is answered as not found; a key it was not
// handed is read on its own.
type Preloader interface {
	Preload(ctx context.Context, items []ItemKey, groups []string) error
}

// Batch is a batch of alerts through the stages that read no state, ready
// for the rest of the pipeline (Process).
type Batch struct {
	now      time.Time
	stateful Stage
	routed   [][]Outcome // per alert, in order
	keys     []ItemKey   // the dedup lookups the batch will make, each once
}

// Prepare runs the stages that read no state over alerts, at now: the
// work that can happen before the store's write transaction.
func (p *Pipeline) Prepare(ctx context.Context, now time.Time, alerts []Alert) (*Batch, error) {
	s := &Session{Now: now}
	b := &Batch{now: now, stateful: p.stateful, routed: make([][]Outcome, 0, len(alerts))}
	seen := make(map[ItemKey]struct{}, len(alerts))
	// Each alert's outcomes are copied out of the stages' slices (which
	// may be s's own) into one array for the batch.
	flat := make([]Outcome, 0, len(alerts))
	ends := make([]int, 0, len(alerts))
	for _, a := range alerts {
		outs, err := p.pure.Exec(ctx, s, Outcome{Alert: a})
		if err != nil {
			return nil, err
		}
		for _, o := range outs {
			if o.Kind == Ignored {
				continue
			}
			k := ItemKey{o.Destination.Path, o.Alert.Fingerprint}
			if _, ok := seen[k]; !ok {
				seen[k] = struct{}{}
				b.keys = append(b.keys, k)
			}
		}
		from := len(flat)
		flat = append(flat, outs...)
		for i := from; i < len(flat); i++ {
			if o := &flat[i]; o.Kind != Ignored {
				o.pre = prepare(o)
			}
		}
		ends = append(ends, len(flat))
	}
	start := 0
	for _, end := range ends {
		b.routed = append(b.routed, flat[start:end:end])
		start = end
	}
	return b, nil
}

// groupKeys are the keys of the groups the batch's alerts join or open
// if dedup finds them new, each once, as Prepare worked them out. Only a
// Preloader needs the list (SQLite reads each in-process).
func (b *Batch) groupKeys() []string {
	seen := make(map[string]struct{}, len(b.keys))
	keys := make([]string, 0, len(b.keys))
	for _, routed := range b.routed {
		for _, o := range routed {
			if o.Kind == Ignored {
				continue
			}
			k, _ := groupKeyOf(o)
			if _, ok := seen[k]; !ok {
				seen[k] = struct{}{}
				keys = append(keys, k)
			}
		}
	}
	return keys
}

// prepare computes o's prepared part from its routed alert, as DedupStage
// and GroupStage would.
func prepare(o *Outcome) *prepared {
	a := &o.Alert
	key, gl := groupKeyOf(*o)
	p := &prepared{
		itemID:      itemID(o.Destination.Path, a.Fingerprint, a.StartsAt, a.ReceivedAt),
		groupLabels: gl,
		groupKey:    key,
	}
	if doc, err := appendAlertJSON(make([]byte, 0, 768), a); err == nil {
		p.alertDoc = doc
	}
	return p
}

// Process runs the prepared alerts through the stages that read st, in
// order, and returns their outcomes in order. Each alert sees the changes
// of the alerts before it in the batch. The store persists the outcomes
// (see Net) in the transaction st reads from; nothing is written to st
// here.
func (b *Batch) Process(ctx context.Context, st State) ([]Outcome, error) {
	if pl, ok := st.(Preloader); ok && len(b.keys) > 0 {
		if err := pl.Preload(ctx, b.keys, b.groupKeys()); err != nil {
			return nil, err
		}
	} else if pl, ok := st.(ItemPreloader); ok && len(b.keys) > 0 {
		if err := pl.PreloadItems(ctx, b.keys); err != nil {
			return nil, err
		}
	}
	s := &Session{Now: b.now, state: &overlay{base: st, changes: NewMemState()}}
	all := make([]Outcome, 0, len(b.routed))
	for _, routed := range b.routed {
		var outs []Outcome
		for _, o := range routed {
			out, err := b.stateful.Exec(ctx, s, o)
			if err != nil {
				return nil, err
			}
			if len(routed) == 1 {
				outs = out // the usual one destination: copied into all below, before the next stage runs
				break
			}
			outs = append(outs, out...)
		}
		s.state.changes.Apply(outs)
		all = append(all, outs...)
	}
	return all, nil
}

// Process runs alerts through the pipeline in order against st, at now,
// and returns their outcomes in order: Prepare, then Batch.Process.
func (p *Pipeline) Process(ctx context.Context, st State, now time.Time, alerts []Alert) ([]Outcome, error) {
	b, err := p.Prepare(ctx, now, alerts)
	if err != nil {
		return nil, err
	}
	return b.Process(ctx, st)
}
