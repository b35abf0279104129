// Package audit checks the stored record offline: every incident's hash
// chain, the order of its events, and that its current state is exactly the
// fold of its events.
package audit

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// Streams yields every stored incident stream in number order.
type Streams interface {
	EachStream(ctx context.Context, fn func(store.Stream) error) error
}

// Problem is one broken link: the incident, the sequence where the break is
// first seen (0 when it concerns the incident as a whole), and why.
type Problem struct {
	Ref    string `json:"ref"`
	Seq    int64  `json:"seq"`
	Reason string `json:"reason"`
}

func (p Problem) String() string {
	if p.Seq == 0 {
		return fmt.Sprintf("%s: %s", p.Ref, p.Reason)
	}
	return fmt.Sprintf("%s seq %d: %s", p.Ref, p.Seq, p.Reason)
}

// Report is the result of a verification.
type Report struct {
	Incidents int       `json:"incidents"`
	Events    int       `json:"events"`
	Problems  []Problem `json:"problems"`
}

// OK reports whether nothing was found.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Verify checks every stream. It reports the first problem of each
// incident; one tampered row makes every later hash of its chain suspect, so
// the first is the one that matters.
func Verify(ctx context.Context, src Streams) (Report, error) {
	r := Report{Problems: []Problem{}}
	err := src.EachStream(ctx, func(s store.Stream) error {
		r.Incidents++
		r.Events += len(s.Events)
		if p := check(s); p != nil {
			r.Problems = append(r.Problems, *p)
		}
		return nil
	})
	return r, err
}

func check(s store.Stream) *Problem {
	bad := func(seq int64, format string, args ...any) *Problem {
		return &Problem{Ref: s.Ref, Seq: seq, Reason: fmt.Sprintf(format, args...)}
	}
	if len(s.Events) == 0 {
		if s.Projection.ID == "" {
			return bad(0, "incident number was issued but the incident and its events are missing")
		}
		return bad(1, "the incident has no events: its stream was deleted")
	}
	if b := incident.VerifyChain(s.Events); b != nil {
		return bad(b.Seq, "%s", b.Reason)
	}
	for i := 1; i < len(s.Events); i++ {
		if s.Events[i].GlobalSeq <= s.Events[i-1].GlobalSeq {
			return bad(s.Events[i].Seq, "event is out of order in the global log")
		}
	}
	if s.Events[0].IncidentID != s.Projection.ID {
		return bad(1, "events belong to another incident")
	}
	folded, err := incident.Fold(s.Events)
	if err != nil {
		return bad(0, "events do not fold: %v", err)
	}
	if folded.Ref != s.Ref {
		return bad(1, "the declaration names %s", folded.Ref)
	}
	if s.Projection.Version != int64(len(s.Events)) {
		return bad(s.Projection.Version, "stored state is at version %d but the stream has %d events: events were removed from the end", s.Projection.Version, len(s.Events))
	}
	fj, _ := json.Marshal(folded)
	pj, _ := json.Marshal(s.Projection)
	if string(fj) != string(pj) {
		return bad(0, "stored current state differs from the fold of its events")
	}
	return nil
}
