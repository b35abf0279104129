package audit

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// The records beside an incident — affected assets, compromised
// credentials, fixes and indicators — rebuilt from their events with the
// folds their packages write their rows with (assets.Records.Apply,
// indicators.Apply), and compared row by row, field by field.

// records is the fold of an incident's record events.
type records struct {
	rec  assets.Records
	iocs map[string]*indicators.Indicator
	// added is the seq of the event that added each asset, credential or
	// fix ("asset host:web-1"), changed the time of the last one that
	// changed it: the rows' seq and updated_at columns.
	added   map[string]int64
	changed map[string]time.Time
}

// foldRecords rebuilds the records from the events; an event that does
// not apply is a problem (bad), and the fold goes on without it.
func foldRecords(events []incident.Event, bad func(seq int64, format string, args ...any)) records {
	f := records{iocs: map[string]*indicators.Indicator{}, added: map[string]int64{}, changed: map[string]time.Time{}}
	for _, e := range events {
		if err := indicators.Apply(f.iocs, e); err != nil {
			bad(e.Seq, "%v", err)
		}
		if err := f.rec.Apply(e); err != nil {
			bad(e.Seq, "%v", err)
			continue
		}
		if table, key, ok := assets.Record(e); ok {
			k := table + " " + key
			if _, ok := f.added[k]; !ok {
				f.added[k] = e.Seq
			}
			f.changed[k] = e.RecordedAt
		}
	}
	return f
}

// records compares the incident's asset, credential, fix and indicator
// rows with the fold of their events.
func (d *diffs) records(f records, t *store.Tables) {
	d.assetRows(f, t.Assets)
	d.credentialRows(f, t.Credentials)
	d.fixRows(f, t.Fixes)
	d.indicatorRows(f, t.Indicators)
}

// inventoryFields are an asset's fields kept in the inventory (table
// assets), once for every incident and changed by CSV imports outside any
// incident: they are not the incident's to check.
var inventoryFields = []string{"owner", "criticality", "updated_at"}

func (d *diffs) assetRows(f records, rows []store.AssetRow) {
	want := map[string]*assets.IncidentAsset{}
	for i := range f.rec.Assets {
		want[f.rec.Assets[i].Key()] = &f.rec.Assets[i]
	}
	stored := map[string]*store.AssetRow{}
	for i := range rows {
		stored[rows[i].Kind+":"+rows[i].Identifier] = &rows[i]
	}
	for _, key := range bothKeys(want, stored) {
		w, s := want[key], stored[key]
		var name string
		if w != nil {
			name = fmt.Sprintf("asset %s %s", w.Kind, w.Identifier)
		} else {
			name = fmt.Sprintf("asset %s %s", s.Kind, s.Identifier)
		}
		switch {
		case s == nil:
			d.bad("%s is missing from incident_assets: the events add it", name)
			continue
		case w == nil:
			d.bad("%s has a row but no %s event", name, assets.EvAssetAdded)
			continue
		case s.BadDoc != "":
			d.bad("%s: its document does not decode: %s", name, clip(s.BadDoc))
			continue
		}
		d.columns(name, []column{
			{"state", s.State, string(w.State)},
			{"accepted", strconv.FormatBool(s.Accepted), strconv.FormatBool(w.Accepted)},
			{"seq", strconv.FormatInt(s.Seq, 10), strconv.FormatInt(f.added["asset "+key], 10)},
			{"added_at", stamp(s.AddedAt), stamp(w.AddedAt)},
			{"updated_at", stamp(s.UpdatedAt), stamp(f.changed["asset "+key])},
		})
		d.fields(name, w, s.Doc, inventoryFields...)
	}
}

func (d *diffs) credentialRows(f records, rows []store.CredentialRow) {
	want := map[string]*assets.Credential{}
	for i := range f.rec.Credentials {
		want[f.rec.Credentials[i].ID] = &f.rec.Credentials[i]
	}
	stored := map[string]*store.CredentialRow{}
	for i := range rows {
		stored[rows[i].ID] = &rows[i]
	}
	for _, id := range bothKeys(want, stored) {
		w, s := want[id], stored[id]
		name := "credential " + id
		switch {
		case s == nil:
			d.bad("%s (%s) is missing from incident_credentials: the events add it", name, clip(w.Name))
			continue
		case w == nil:
			d.bad("%s (%s) has a row but no %s event", name, clip(s.Doc.Name), assets.EvCredentialAdded)
			continue
		case s.BadDoc != "":
			d.bad("%s: its document does not decode: %s", name, clip(s.BadDoc))
			continue
		}
		d.columns(name, []column{
			{"state", s.State, string(w.State)},
			{"seq", strconv.FormatInt(s.Seq, 10), strconv.FormatInt(f.added["credential "+id], 10)},
			{"added_at", stamp(s.AddedAt), stamp(w.AddedAt)},
		})
		d.fields(name, w, s.Doc)
	}
}

func (d *diffs) fixRows(f records, rows []store.FixRow) {
	want := map[string]*assets.Fix{}
	for i := range f.rec.Fixes {
		want[f.rec.Fixes[i].ID] = &f.rec.Fixes[i]
	}
	stored := map[string]*store.FixRow{}
	for i := range rows {
		stored[rows[i].ID] = &rows[i]
	}
	for _, id := range bothKeys(want, stored) {
		w, s := want[id], stored[id]
		name := "fix " + id
		switch {
		case s == nil:
			d.bad("%s (%s) is missing from incident_fixes: the events add it", name, clip(w.Vulnerability))
			continue
		case w == nil:
			d.bad("%s (%s) has a row but no %s event", name, clip(s.Doc.Vulnerability), assets.EvFixAdded)
			continue
		case s.BadDoc != "":
			d.bad("%s: its document does not decode: %s", name, clip(s.BadDoc))
			continue
		}
		d.columns(name, []column{
			{"seq", strconv.FormatInt(s.Seq, 10), strconv.FormatInt(f.added["fix "+id], 10)},
			{"added_at", stamp(s.AddedAt), stamp(w.AddedAt)},
		})
		d.fields(name, w, s.Doc)
	}
}

func (d *diffs) indicatorRows(f records, rows []indicators.Indicator) {
	stored := map[string]*indicators.Indicator{}
	for i := range rows {
		stored[rows[i].ID] = &rows[i]
	}
	for _, id := range bothKeys(f.iocs, stored) {
		w, s := f.iocs[id], stored[id]
		var name string
		if w != nil {
			name = fmt.Sprintf("indicator %s %s (%s)", w.Type, clip(w.Value), id)
		} else {
			name = fmt.Sprintf("indicator %s %s (%s)", s.Type, clip(s.Value), id)
		}
		switch {
		case s == nil:
			d.bad("%s is missing from indicators: the events add it", name)
			continue
		case w == nil:
			d.bad("%s has a row but no %s event", name, indicators.EvAdded)
			continue
		}
		d.fields(name, w, *s)
	}
}

// column is one column of a row: as stored and as the events say.
type column struct{ name, stored, want string }

func (d *diffs) columns(name string, cs []column) {
	for _, c := range cs {
		if c.stored != c.want {
			d.bad("%s column %s is %s but the events say %s", name, c.name, orUnset(clip(c.stored)), orUnset(clip(c.want)))
		}
	}
}

// fields compares a row's document with the fold, field by field in their
// JSON form, leaving out skip.
func (d *diffs) fields(name string, want, stored any, skip ...string) {
	var wm, sm map[string]json.RawMessage
	// Both are structs of one type, marshalled just here: they decode as
	// objects.
	wj, _ := json.Marshal(want)
	sj, _ := json.Marshal(stored)
	_ = json.Unmarshal(wj, &wm)
	_ = json.Unmarshal(sj, &sm)
	for _, k := range slices.Sorted(maps.Keys(union(wm, sm))) {
		if slices.Contains(skip, k) || string(wm[k]) == string(sm[k]) {
			continue
		}
		d.bad("%s %s is %s but the events say %s", name, k, orUnset(clip(plain(sm[k]))), orUnset(clip(plain(wm[k]))))
	}
}

// plain shows a JSON value in a report: a string without its quotes.
func plain(raw json.RawMessage) string {
	var s string
	if json.Unmarshal(raw, &s) == nil {
		return s
	}
	return string(raw)
}

// bothKeys are the keys of a and b, sorted.
func bothKeys[A, B any](a map[string]A, b map[string]B) []string {
	keys := slices.Collect(maps.Keys(a))
	for k := range b {
		if _, ok := a[k]; !ok {
			keys = append(keys, k)
		}
	}
	slices.Sort(keys)
	return keys
}
