// Package audit checks the stored record offline and signs checkpoints of
// it. Verify checks every incident's hash chain and the order of its
// events, rebuilds every table that lists, permissions and duties rely on
// from the events and names each difference, checks the global sequence,
// and recomputes the global head (a running hash over every event's hash
// in global order) against signed checkpoints taken earlier. A checkpoint
// lives outside the database (a file, the log, a webhook), so a rewrite
// that re-seals every chain consistently still shows against it.
package audit

import (
	"context"
	"fmt"
	"math"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// Source is the stored record; *store.DB implements it.
type Source interface {
	// EachStream yields every incident in number order with its events
	// and its rows outside the stream.
	EachStream(ctx context.Context, fn func(store.Stream) error) error
	// AuditOrphans lists rows naming an incident missing from incidents.
	AuditOrphans(ctx context.Context) ([]store.Orphan, error)
	// EachEventHash yields events with after < global_seq <= upTo in
	// global order.
	EachEventHash(ctx context.Context, after, upTo int64, fn func(store.GlobalEvent) error) error
	// GlobalSeqIssued says whether global sequence numbers are gapless and
	// the highest ever issued.
	GlobalSeqIssued(ctx context.Context) (issued int64, gapless bool, err error)
}

var _ Source = (*store.DB)(nil)

// Problem is one difference: the incident ("global log" for the order of
// all events), the sequence where it is first seen (0 when it concerns the
// incident as a whole), and what differs.
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

// GlobalLog is the Ref of problems with the order of all events.
const GlobalLog = "global log"

// CheckpointResult is one checkpoint checked against the database.
type CheckpointResult struct {
	Checkpoint Checkpoint `json:"checkpoint"`
	Intact     bool       `json:"intact"`
	// Reason says what differs when the history up to the checkpoint is
	// not the one it signed.
	Reason string `json:"reason,omitempty"`
}

func (c CheckpointResult) String() string {
	cp := c.Checkpoint
	if c.Intact {
		return fmt.Sprintf("history up to checkpoint #%d (%d events, global seq %d, %s) is intact", cp.Number, cp.Events, cp.LastGlobalSeq, cp.Time.UTC().Format("2006-01-02T15:04:05Z"))
	}
	return fmt.Sprintf("checkpoint #%d (%s): %s", cp.Number, cp.Time.UTC().Format("2006-01-02T15:04:05Z"), c.Reason)
}

// Report is the result of a verification.
type Report struct {
	Incidents int `json:"incidents"`
	Events    int `json:"events"`
	// LastGlobalSeq and Head are the global log as stored: its last
	// sequence number and the running hash over all of it.
	LastGlobalSeq int64              `json:"last_global_seq"`
	Head          string             `json:"head"`
	Checkpoints   []CheckpointResult `json:"checkpoints"`
	// Notes are observations that are not evidence of tampering by
	// themselves (gaps in PostgreSQL's global sequence).
	Notes    []string  `json:"notes"`
	Problems []Problem `json:"problems"`
}

// OK reports whether nothing was found.
func (r Report) OK() bool { return len(r.Problems) == 0 }

// Options are what Verify checks beyond the database itself.
type Options struct {
	// Checkpoints, whose signatures the caller has verified, are each
	// checked against the global log.
	Checkpoints []Checkpoint
	// EvidenceFiles, when set, is where uploaded evidence is kept: every
	// file the events name is rehashed against them.
	EvidenceFiles *evidence.Files
}

// Verify checks the database alone; see VerifyWith.
func Verify(ctx context.Context, src Source) (Report, error) {
	return VerifyWith(ctx, src, Options{})
}

// VerifyWith checks every incident (its chain, the order of its events,
// and every stored row built from them), the rows that name missing
// incidents, the global sequence, and each checkpoint in opt.
func VerifyWith(ctx context.Context, src Source, opt Options) (Report, error) {
	r := Report{Problems: []Problem{}, Notes: []string{}, Checkpoints: []CheckpointResult{}}
	refs := map[string]string{}
	seen := map[string]fileCheck{}
	err := src.EachStream(ctx, func(s store.Stream) error {
		r.Incidents++
		r.Events += len(s.Events)
		if s.Projection.ID != "" {
			refs[s.Projection.ID] = s.Ref
		}
		r.Problems = append(r.Problems, check(s)...)
		if opt.EvidenceFiles != nil {
			ps, err := evidenceFiles(ctx, opt.EvidenceFiles, s, seen)
			if err != nil {
				return err
			}
			r.Problems = append(r.Problems, ps...)
		}
		return nil
	})
	if err != nil {
		return r, err
	}
	orphans, err := src.AuditOrphans(ctx)
	if err != nil {
		return r, err
	}
	for _, o := range orphans {
		r.Problems = append(r.Problems, Problem{Ref: "incident " + o.IncidentID,
			Reason: fmt.Sprintf("%s has a row (%s) for an incident missing from incidents", o.Table, o.Key)})
	}
	if err := global(ctx, src, opt.Checkpoints, &r); err != nil {
		return r, err
	}
	return r, nil
}

// global walks the events in global order: gaps, the head, checkpoints.
func global(ctx context.Context, src Source, cps []Checkpoint, r *Report) error {
	issued, gapless, err := src.GlobalSeqIssued(ctx)
	if err != nil {
		return err
	}
	cps = slices.Clone(cps)
	slices.SortStableFunc(cps, func(a, b Checkpoint) int { return int(a.LastGlobalSeq - b.LastGlobalSeq) })
	var h Head
	var gaps int
	var lastGood *Checkpoint
	settle := func(upTo int64) {
		for len(cps) > 0 && cps[0].LastGlobalSeq <= upTo {
			res := compare(cps[0], h, lastGood)
			if res.Intact {
				lastGood = &res.Checkpoint
			}
			r.Checkpoints = append(r.Checkpoints, res)
			if !res.Intact {
				r.Problems = append(r.Problems, Problem{Ref: GlobalLog, Reason: res.String()})
			}
			cps = cps[1:]
		}
	}
	err = src.EachEventHash(ctx, 0, math.MaxInt64, func(e store.GlobalEvent) error {
		settle(e.GlobalSeq - 1)
		if e.GlobalSeq != h.LastGlobalSeq+1 {
			gaps++
			if gapless {
				r.Problems = append(r.Problems, Problem{Ref: GlobalLog, Seq: h.LastGlobalSeq + 1,
					Reason: fmt.Sprintf("global sequence jumps from %d to %d: %d events were removed", h.LastGlobalSeq, e.GlobalSeq, e.GlobalSeq-h.LastGlobalSeq-1)})
			}
		}
		h = h.Next(e)
		return nil
	})
	if err != nil {
		return err
	}
	settle(math.MaxInt64)
	r.LastGlobalSeq, r.Head = h.LastGlobalSeq, h.Hash
	if gapless && issued > h.LastGlobalSeq {
		r.Problems = append(r.Problems, Problem{Ref: GlobalLog, Seq: h.LastGlobalSeq + 1,
			Reason: fmt.Sprintf("the global sequence issued up to %d but the last event is %d: the newest %d events were removed", issued, h.LastGlobalSeq, issued-h.LastGlobalSeq)})
	}
	if !gapless && gaps > 0 {
		r.Notes = append(r.Notes, fmt.Sprintf("the global sequence has %d gaps; PostgreSQL loses the numbers of rolled-back writes, so only a checkpoint shows whether events were removed", gaps))
	}
	return nil
}

// compare checks one checkpoint against the head over the events up to
// its last global sequence number. prev is the latest intact checkpoint
// before it, which narrows down where a rewrite is.
func compare(cp Checkpoint, h Head, prev *Checkpoint) CheckpointResult {
	res := CheckpointResult{Checkpoint: cp}
	if h.Events == cp.Events && h.Hash == cp.Head {
		res.Intact = true
		return res
	}
	switch {
	case h.Events < cp.Events:
		res.Reason = fmt.Sprintf("it signed %d events up to global seq %d but the database holds %d: events were removed", cp.Events, cp.LastGlobalSeq, h.Events)
	case h.Events > cp.Events:
		res.Reason = fmt.Sprintf("it signed %d events up to global seq %d but the database holds %d: events were inserted into the history it covers", cp.Events, cp.LastGlobalSeq, h.Events)
	default:
		res.Reason = fmt.Sprintf("the %d events up to global seq %d hash to head %s, not the %s it signed: events it covers were rewritten", cp.Events, cp.LastGlobalSeq, short(h.Hash), short(cp.Head))
	}
	if prev != nil {
		res.Reason += fmt.Sprintf(" (checkpoint #%d at global seq %d is intact: the change is after it)", prev.Number, prev.LastGlobalSeq)
	}
	return res
}

func short(h string) string {
	if len(h) > 16 {
		return h[:16] + "…"
	}
	return h
}

// check checks one incident: its chain first (the first break is the one
// that matters: one tampered row makes every later hash suspect), then
// every stored row against the fold of its events, each difference on its
// own.
func check(s store.Stream) []Problem {
	var out []Problem
	bad := func(seq int64, format string, args ...any) {
		out = append(out, Problem{Ref: s.Ref, Seq: seq, Reason: fmt.Sprintf(format, args...)})
	}
	if len(s.Events) == 0 {
		if s.Projection.ID == "" {
			bad(0, "incident number was issued but the incident and its events are missing")
		} else {
			bad(1, "the incident has no events: its stream was deleted")
		}
		return out
	}
	if b := incident.VerifyChain(s.Events); b != nil {
		bad(b.Seq, "%s", b.Reason)
	}
	for i := 1; i < len(s.Events); i++ {
		if s.Events[i].GlobalSeq <= s.Events[i-1].GlobalSeq {
			bad(s.Events[i].Seq, "event is out of order in the global log")
			break
		}
	}
	if s.Events[0].IncidentID != s.Projection.ID {
		bad(1, "events belong to another incident")
		return out
	}
	folded, err := incident.Fold(s.Events)
	if err != nil {
		bad(0, "events do not fold: %v", err)
		return out
	}
	if folded.Ref != s.Ref {
		bad(1, "the declaration names %s", folded.Ref)
	}
	if s.Projection.Version != int64(len(s.Events)) {
		bad(s.Projection.Version, "stored state is at version %d but the stream has %d events: events were removed from the end", s.Projection.Version, len(s.Events))
	}
	d := &diffs{bad: func(format string, args ...any) { bad(0, format, args...) }}
	d.incident(folded, s.Projection, s.Tables)
	if s.Tables != nil {
		d.side(s.Events, s.Tables)
		d.evidence(foldEvidence(s.Events, bad), s.Tables.Evidence)
		d.records(foldRecords(s.Events, bad), s.Tables)
		d.actions(foldActions(s.Ref, s.Events, bad), s.Tables.Actions)
		d.search(s.Events, folded, s.Tables.Search)
	}
	return out
}
