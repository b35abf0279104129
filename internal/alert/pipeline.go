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
}

// Stage is one step of the pipeline. It receives an alert on its way
// through (an Outcome whose Kind is still empty, or already decided by an
// earlier stage) and returns zero or more: the route stage fans one alert
// out to each destination. A stage passes an Ignored outcome through
// untouched. An error aborts the batch: it means the state could not be
// read, never that an alert was bad (a bad alert is Ignored with a reason).
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
	cur := []Outcome{o}
	for _, st := range ms {
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
			return []Outcome{o}, nil
		}
		return f(ctx, s, o)
	})
}

func ignore(o Outcome, reason string) []Outcome {
	return []Outcome{{Kind: Ignored, Alert: o.Alert, Destination: o.Destination, Reason: reason}}
}

// Pipeline turns alerts into outcomes.
type Pipeline struct {
	stage Stage
}

// NewPipeline assembles the pipeline for a validated routing tree. This is
// the one place the order of the stages is decided.
func NewPipeline(root *Route) *Pipeline {
	return &Pipeline{stage: MultiStage{
		NormaliseStage(),
		FingerprintStage(),
		RouteStage(root),
		DedupStage(),
		GroupStage(),
	}}
}

// Process runs alerts through the pipeline in order against st, at now,
// and returns their outcomes in order. Each alert sees the changes of the
// alerts before it in the batch. The store persists the outcomes (see Net)
// in the transaction st reads from; nothing is written to st here.
func (p *Pipeline) Process(ctx context.Context, st State, now time.Time, alerts []Alert) ([]Outcome, error) {
	s := &Session{Now: now, state: &overlay{base: st, changes: NewMemState()}}
	var all []Outcome
	for _, a := range alerts {
		outs, err := p.stage.Exec(ctx, s, Outcome{Alert: a})
		if err != nil {
			return nil, err
		}
		s.state.changes.Apply(outs)
		all = append(all, outs...)
	}
	return all, nil
}
