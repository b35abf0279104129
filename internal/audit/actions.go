package audit

import (
	"encoding/json"
	"maps"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// foldActions rebuilds the action items that came from an incident from
// its events; an event that does not apply is a problem (bad), and the
// fold goes on without it.
func foldActions(ref string, events []incident.Event, bad func(seq int64, format string, args ...any)) map[int64]*actions.Action {
	items := map[int64]*actions.Action{}
	for _, e := range events {
		if err := actions.Apply(items, ref, e); err != nil {
			bad(e.Seq, "%v", err)
		}
	}
	return items
}

// actions compares each action row, field by field, with the fold of the
// action events that name it.
func (d *diffs) actions(want map[int64]*actions.Action, rows []actions.Action) {
	stored := map[int64]*actions.Action{}
	for _, r := range rows {
		stored[r.Number] = &r
	}
	numbers := maps.Clone(stored)
	maps.Copy(numbers, want)
	for _, n := range slices.Sorted(maps.Keys(numbers)) {
		w, s := want[n], stored[n]
		switch {
		case s == nil:
			d.bad("actions lacks %s (%s) that the events add", w.ID, clip(w.Title))
			continue
		case w == nil:
			d.bad("actions has %s (%s), not in the events", s.ID, clip(s.Title))
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
				d.bad("actions %s.%s is %s but the events say %s", w.ID, k, orUnset(clip(string(sm[k]))), orUnset(clip(string(wm[k]))))
			}
		}
	}
}
