package audit

import (
	"encoding/json"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// diffs compares stored rows with what the events say, reporting each
// difference.
type diffs struct {
	bad func(format string, args ...any)
}

// incident compares the incident's stored document, its columns, its
// labels and its roles with the fold of its events.
func (d *diffs) incident(want, doc incident.Incident, t *store.Tables) {
	wj, _ := json.Marshal(want)
	dj, _ := json.Marshal(doc)
	var wm, dm map[string]json.RawMessage
	// Both were marshalled from structs just above: they decode as objects.
	_ = json.Unmarshal(wj, &wm)
	_ = json.Unmarshal(dj, &dm)
	for _, k := range slices.Sorted(maps.Keys(union(wm, dm))) {
		if string(wm[k]) != string(dm[k]) {
			d.bad("incidents.doc %s is %s but the events say %s", k, clip(string(dm[k])), clip(string(wm[k])))
		}
	}
	if t == nil {
		return
	}
	r := t.Row
	for _, c := range []struct{ name, stored, want string }{
		{"id", r.ID, want.ID},
		{"ref", r.Ref, want.Ref},
		{"title", strconv.Quote(r.Title), strconv.Quote(want.Title)},
		{"summary", strconv.Quote(r.Summary), strconv.Quote(want.Summary)},
		{"type", strconv.Quote(r.Type), strconv.Quote(want.Type)},
		{"severity", strconv.Quote(r.Severity), strconv.Quote(want.Severity)},
		{"state", string(r.State), string(want.State)},
		{"restricted", strconv.FormatBool(r.Restricted), strconv.FormatBool(want.Restricted)},
		{"declared_by", r.DeclaredBy, want.DeclaredBy},
		{"declared_at", stamp(r.DeclaredAt.Time), stamp(want.DeclaredAt)},
		{"updated_at", stamp(r.UpdatedAt.Time), stamp(want.UpdatedAt)},
		{"version", strconv.FormatInt(r.Version, 10), strconv.FormatInt(want.Version, 10)},
	} {
		if c.stored != c.want {
			d.bad("incidents.%s is %s but the events say %s", c.name, clip(c.stored), clip(c.want))
		}
	}
	labels := map[string]store.LabelRow{}
	for _, l := range t.Labels {
		labels[l.Key] = l
		switch v, ok := want.Labels[l.Key]; {
		case !ok:
			d.bad("incident_labels has %s=%s, not in the events", l.Key, clip(l.Value))
		case v != l.Value:
			d.bad("incident_labels has %s=%s but the events say %s", l.Key, clip(l.Value), clip(v))
		case l.Number != want.Number:
			d.bad("incident_labels %s is filed under incident number %d, not %d", l.Key, l.Number, want.Number)
		}
	}
	for _, k := range slices.Sorted(maps.Keys(want.Labels)) {
		if _, ok := labels[k]; !ok {
			d.bad("incident_labels lacks %s=%s that the events set", k, clip(want.Labels[k]))
		}
	}
	held := map[store.RoleRow]bool{}
	for _, a := range want.Roles {
		held[store.RoleRow{Role: string(a.Role), User: a.User}] = true
	}
	stored := map[store.RoleRow]bool{}
	for _, r := range t.Roles {
		stored[r] = true
		if !held[r] {
			d.bad("incident_roles has %s=%s, not in the events", r.Role, r.User)
		}
	}
	for _, a := range want.Roles {
		if r := (store.RoleRow{Role: string(a.Role), User: a.User}); !stored[r] {
			d.bad("incident_roles lacks %s=%s that the events assign", r.Role, r.User)
		}
	}
	d.tasks(want, t.Tasks)
}

// tasks compares the tasks index with the tasks the events give.
func (d *diffs) tasks(want incident.Incident, rows []store.TaskIndexRow) {
	stored := map[string]store.TaskIndexRow{}
	for _, r := range rows {
		stored[r.Key] = r
		t, ok := want.Task(r.Key)
		if !ok {
			d.bad("incident_tasks has %s, not in the events", r.Key)
			continue
		}
		for _, c := range []struct{ name, stored, want string }{
			{"number", strconv.FormatInt(r.Number, 10), strconv.FormatInt(want.Number, 10)},
			{"plan", r.Plan, t.Plan},
			{"phase", r.Phase, string(t.Phase)},
			{"title", strconv.Quote(r.Title), strconv.Quote(t.Title)},
			{"assignee", r.Assignee, t.Assignee},
			{"state", r.State, string(t.State)},
			{"required", strconv.FormatBool(r.Required), strconv.FormatBool(t.Required)},
			{"due_at", stampp(r.DueAt), stampp(t.DueAt)},
			{"updated_at", stampp(&r.UpdatedAt), stampp(&t.UpdatedAt)},
		} {
			if c.stored != c.want {
				d.bad("incident_tasks %s.%s is %s but the events say %s", r.Key, c.name, clip(c.stored), clip(c.want))
			}
		}
	}
	for _, t := range want.Tasks {
		if _, ok := stored[t.Key]; !ok {
			d.bad("incident_tasks lacks %s that the events add", t.Key)
		}
	}
}

// stampp stamps a time as the index keeps it (to the microsecond).
func stampp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return stamp(t.Truncate(time.Microsecond))
}

func union[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// clip keeps a value short enough for one line of a report.
func clip(s string) string {
	if r := []rune(s); len(r) > 80 {
		return string(r[:80]) + "…"
	}
	return s
}
