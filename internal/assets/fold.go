package assets

import (
	"encoding/json"
	"fmt"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The fold of this package's events: the one place that says what an
// incident's records are after its events. The service writes the rows it
// gives, and `audit verify` rebuilds every row with it, so a row that
// differs from its events is tampering, not a second opinion.

// Record names the record an event of this package is about: its table
// ("asset", "credential" or "fix") and its key within the incident
// (kind:identifier, C1, F1); ok is false for other events and for data
// that does not decode.
func Record(e incident.Event) (table, key string, ok bool) {
	switch e.Type {
	case EvAssetAdded, EvAssetUpdated, EvAssetMoved:
		var d struct {
			Kind       Kind   `json:"kind"`
			Identifier string `json:"identifier"`
		}
		if json.Unmarshal(e.Data, &d) != nil || d.Identifier == "" {
			return "", "", false
		}
		return "asset", Asset{Kind: d.Kind, Identifier: d.Identifier}.Key(), true
	case EvCredentialAdded, EvCredentialMoved, EvFixAdded, EvFixUpdated:
		var d struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(e.Data, &d) != nil || d.ID == "" {
			return "", "", false
		}
		if e.Type == EvFixAdded || e.Type == EvFixUpdated {
			return "fix", d.ID, true
		}
		return "credential", d.ID, true
	}
	return "", "", false
}

// Apply folds one event into the records; events of other types are
// ignored. An event naming a record never added, or adding one twice,
// does not apply. The owner and criticality of an asset are the
// inventory's: the fold gives them as the incident's events last saw
// them.
func (r *Records) Apply(e incident.Event) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("event %d (%s): %s", e.Seq, e.Type, fmt.Sprintf(format, args...))
	}
	decode := func(v any) error {
		if err := json.Unmarshal(e.Data, v); err != nil {
			return fail("%v", err)
		}
		return nil
	}
	at, by := e.RecordedAt, e.Actor
	switch e.Type {
	case EvAssetAdded:
		var d AssetData
		if err := decode(&d); err != nil {
			return err
		}
		if r.asset(d.Kind, d.Identifier) >= 0 {
			return fail("adds %s %s, which was already added", d.Kind, d.Identifier)
		}
		r.Assets = append(r.Assets, IncidentAsset{
			Asset: Asset{Kind: d.Kind, Identifier: d.Identifier, Owner: d.Owner, Criticality: d.Criticality, UpdatedAt: at},
			State: d.State, Note: d.Note, AddedBy: by, AddedAt: at, Moves: []Move{{To: string(d.State), By: by, At: at}}})
	case EvAssetMoved:
		var d AssetMovedData
		if err := decode(&d); err != nil {
			return err
		}
		i := r.asset(d.Kind, d.Identifier)
		if i < 0 {
			return fail("names %s %s, which was never added", d.Kind, d.Identifier)
		}
		a := &r.Assets[i]
		a.State = d.To
		a.Moves = append(slices.Clip(a.Moves), Move{From: string(d.From), To: string(d.To), By: by, At: at, How: d.How, Task: d.Task})
	case EvAssetUpdated:
		var d AssetData
		if err := decode(&d); err != nil {
			return err
		}
		i := r.asset(d.Kind, d.Identifier)
		if i < 0 {
			return fail("names %s %s, which was never added", d.Kind, d.Identifier)
		}
		a := &r.Assets[i]
		a.Note, a.Accepted, a.AcceptedReason = d.Note, d.Accepted, d.AcceptedReason
		a.Owner, a.Criticality = d.Owner, d.Criticality
		if slices.Contains(d.Changed, "owner") || slices.Contains(d.Changed, "criticality") {
			a.UpdatedAt = at
		}
	case EvCredentialAdded:
		var d CredentialData
		if err := decode(&d); err != nil {
			return err
		}
		if r.credential(d.ID) >= 0 {
			return fail("adds credential %s, which was already added", d.ID)
		}
		r.Credentials = append(r.Credentials, Credential{ID: d.ID, Kind: d.Kind, Name: d.Name, WhereUsed: d.WhereUsed, Owner: d.Owner,
			ExposedIn: d.ExposedIn, ExposedAt: d.ExposedAt, State: d.State, AddedBy: by, AddedAt: at,
			Moves: []Move{{To: string(d.State), By: by, At: at}}})
	case EvCredentialMoved:
		var d CredentialMovedData
		if err := decode(&d); err != nil {
			return err
		}
		i := r.credential(d.ID)
		if i < 0 {
			return fail("names credential %s, which was never added", d.ID)
		}
		c := &r.Credentials[i]
		c.State = d.To
		c.Moves = append(slices.Clip(c.Moves), Move{From: string(d.From), To: string(d.To), By: by, At: at, How: d.How, Task: d.Task})
	case EvFixAdded, EvFixUpdated:
		var d FixData
		if err := decode(&d); err != nil {
			return err
		}
		i := r.fix(d.ID)
		switch {
		case e.Type == EvFixAdded && i >= 0:
			return fail("adds fix %s, which was already added", d.ID)
		case e.Type == EvFixUpdated && i < 0:
			return fail("names fix %s, which was never added", d.ID)
		case i < 0:
			r.Fixes = append(r.Fixes, Fix{ID: d.ID, AddedBy: by, AddedAt: at})
			i = len(r.Fixes) - 1
		}
		f := &r.Fixes[i]
		f.Vulnerability, f.Assets, f.Kind, f.Description = d.Vulnerability, d.Assets, d.Kind, d.Description
		f.AppliedAt, f.AppliedBy, f.VerifiedAt, f.VerifiedHow = d.AppliedAt, d.AppliedBy, d.VerifiedAt, d.VerifiedHow
		f.UpdatedAt = at
	}
	return nil
}

// fold applies events (a change just decided) to r and returns the
// records they touched, as they are after all of them: the rows to write.
func (r *Records) fold(events []incident.Event) (Records, error) {
	touched := map[string]bool{}
	for _, e := range events {
		if err := r.Apply(e); err != nil {
			return Records{}, err
		}
		if table, key, ok := Record(e); ok {
			touched[table+" "+key] = true
		}
	}
	var out Records
	for _, a := range r.Assets {
		if touched["asset "+a.Key()] {
			out.Assets = append(out.Assets, a)
		}
	}
	for _, c := range r.Credentials {
		if touched["credential "+c.ID] {
			out.Credentials = append(out.Credentials, c)
		}
	}
	for _, f := range r.Fixes {
		if touched["fix "+f.ID] {
			out.Fixes = append(out.Fixes, f)
		}
	}
	return out, nil
}

func (r *Records) credential(id string) int {
	return slices.IndexFunc(r.Credentials, func(c Credential) bool { return c.ID == id })
}

func (r *Records) fix(id string) int {
	return slices.IndexFunc(r.Fixes, func(f Fix) bool { return f.ID == id })
}
