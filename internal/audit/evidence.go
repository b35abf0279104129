package audit

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"maps"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// foldEvidence rebuilds an incident's evidence from its events; an event
// that does not apply is a problem (bad), and the fold goes on without it.
func foldEvidence(events []incident.Event, bad func(seq int64, format string, args ...any)) map[string]*evidence.Item {
	items := map[string]*evidence.Item{}
	for _, e := range events {
		if err := evidence.Apply(items, e); err != nil {
			bad(e.Seq, "%v", err)
		}
	}
	return items
}

// evidence compares each evidence row, field by field, with the fold of
// the evidence events that name it.
func (d *diffs) evidence(want map[string]*evidence.Item, rows []evidence.Item) {
	stored := map[string]*evidence.Item{}
	for _, r := range rows {
		stored[r.ID] = &r
	}
	for _, id := range slices.Sorted(maps.Keys(union(stored, want))) {
		w, s := want[id], stored[id]
		switch {
		case s == nil:
			d.bad("evidence lacks %s (%s) that the events add", id, clip(w.Name))
			continue
		case w == nil:
			d.bad("evidence %s (%s) has a row but no evidence.added event", id, clip(s.Name))
			continue
		}
		wj, _ := json.Marshal(w)
		sj, _ := json.Marshal(s)
		var wm, sm map[string]json.RawMessage
		// Both were marshalled from the same struct just above.
		_ = json.Unmarshal(wj, &wm)
		_ = json.Unmarshal(sj, &sm)
		for _, k := range slices.Sorted(maps.Keys(union(wm, sm))) {
			if string(wm[k]) != string(sm[k]) {
				d.bad("evidence %s %s is %s but the events say %s", id, k, orUnset(clip(string(sm[k]))), orUnset(clip(string(wm[k]))))
			}
		}
	}
}

// fileCheck is what rehashing a stored file found.
type fileCheck struct {
	sha  string
	size int64
	err  error
}

// evidenceFiles rehashes every uploaded file the incident's events name
// (each content once per run) and reports each one that is missing or no
// longer has the hash and size its evidence.added event recorded.
func evidenceFiles(ctx context.Context, files *evidence.Files, s store.Stream, seen map[string]fileCheck) ([]Problem, error) {
	var out []Problem
	items := foldEvidence(s.Events, func(int64, string, ...any) {}) // check reports these
	for _, id := range slices.Sorted(maps.Keys(items)) {
		it := items[id]
		if it.Kind != evidence.KindFile {
			continue
		}
		c, ok := seen[it.SHA256]
		if !ok {
			c.sha, c.size, c.err = files.Check(ctx, it.SHA256)
			if err := ctx.Err(); err != nil {
				return nil, err
			}
			seen[it.SHA256] = c
		}
		bad := func(format string, args ...any) {
			out = append(out, Problem{Ref: s.Ref, Reason: fmt.Sprintf("evidence %s (%s): ", it.ID, clip(it.Name)) + fmt.Sprintf(format, args...)})
		}
		switch {
		case errors.Is(c.err, fs.ErrNotExist):
			bad("its file %s is missing from the evidence store", short(it.SHA256))
		case c.err != nil:
			bad("its file %s cannot be read: %v", short(it.SHA256), c.err)
		case c.sha != it.SHA256:
			bad("its stored file no longer hashes to sha256 %s (it hashes to %s): the file was changed", short(it.SHA256), short(c.sha))
		case c.size != it.Size:
			bad("its stored file is %d bytes, not the %d recorded", c.size, it.Size)
		}
	}
	return out, nil
}
