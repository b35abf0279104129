package assets

import (
	"context"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// AssetInput is an asset added to an incident. Owner and Criticality,
// when given, update the inventory; when not, the inventory's stand.
type AssetInput struct {
	Kind        Kind        `json:"kind"`
	Identifier  string      `json:"identifier"`
	Owner       string      `json:"owner,omitempty"`
	Criticality Criticality `json:"criticality,omitempty"`
	State       State       `json:"state,omitempty"` // suspected when empty
	Note        string      `json:"note,omitempty"`
}

func (in *AssetInput) check() error {
	in.Identifier, in.Owner, in.Note = strings.TrimSpace(in.Identifier), strings.TrimSpace(in.Owner), strings.TrimSpace(in.Note)
	if in.State == "" {
		in.State = Suspected
	}
	var c checker
	oneOf(&c, "kind", in.Kind, Kinds, true)
	c.text("identifier", in.Identifier, MaxIdentifier, true)
	c.text("owner", in.Owner, MaxName, false)
	oneOf(&c, "criticality", in.Criticality, Criticalities, false)
	oneOf(&c, "state", in.State, States, false)
	c.text("note", in.Note, MaxText, false)
	return c.err()
}

// AddAsset adds an asset to an incident (asset.added). An asset already
// on the incident is a conflict.
func (s *Service) AddAsset(ctx context.Context, actor incident.Viewer, ref string, in AssetInput) (IncidentAsset, error) {
	if err := in.check(); err != nil {
		return IncidentAsset{}, err
	}
	inv, err := s.Store.InventoryAsset(ctx, incident.Viewer{SeeAll: true}, in.Kind, in.Identifier)
	if err != nil && errs.CodeOf(err) != errs.NotFound {
		return IncidentAsset{}, err
	}
	done, err := s.change(ctx, actor, ref, func(c *change) ([]incident.Change, error) {
		if err := open(&c.inc); err != nil {
			return nil, err
		}
		if c.rec.asset(in.Kind, in.Identifier) >= 0 {
			return nil, errs.E(errs.Conflict, "identifier", "%s %s is already on %s", in.Kind, in.Identifier, c.inc.Ref)
		}
		if len(c.rec.Assets) >= MaxRecords {
			return nil, errs.E(errs.Invalid, "identifier", "%s has %d assets, the most one incident keeps", c.inc.Ref, MaxRecords)
		}
		a := inv.Asset
		a.Kind, a.Identifier, a.UpdatedAt = in.Kind, in.Identifier, c.now
		if in.Owner != "" {
			a.Owner = in.Owner
		}
		if in.Criticality != "" {
			a.Criticality = in.Criticality
		}
		c.write.Inventory = []Asset{a}
		return []incident.Change{{Type: EvAssetAdded, Data: AssetData{Kind: a.Kind, Identifier: a.Identifier, Owner: a.Owner,
			Criticality: a.Criticality, State: in.State, Note: in.Note}}}, nil
	})
	if err != nil {
		return IncidentAsset{}, err
	}
	return done.Assets[0], nil
}

// MoveInput is a move of an asset's or a credential's state: to where,
// how (what was done), and optionally the response task that did it.
type MoveInput struct {
	To   string `json:"to"`
	How  string `json:"how"`
	Task string `json:"task,omitempty"`
}

func (in *MoveInput) check(c *checker) {
	in.How, in.Task = strings.TrimSpace(in.How), strings.TrimSpace(in.Task)
	c.text("how", in.How, MaxText, true)
	c.text("task", in.Task, MaxName, false)
}

// MoveAsset moves an incident's asset to another state (asset.moved),
// saying how. Any state may follow any other — an asset found infected
// again goes back — but not itself.
func (s *Service) MoveAsset(ctx context.Context, actor incident.Viewer, ref string, kind Kind, identifier string, in MoveInput) (IncidentAsset, error) {
	var c0 checker
	in.check(&c0)
	oneOf(&c0, "to", State(in.To), States, true)
	if err := c0.err(); err != nil {
		return IncidentAsset{}, err
	}
	to := State(in.To)
	done, err := s.change(ctx, actor, ref, func(c *change) ([]incident.Change, error) {
		if err := open(&c.inc); err != nil {
			return nil, err
		}
		i := c.rec.asset(kind, strings.TrimSpace(identifier))
		if i < 0 {
			return nil, errs.E(errs.NotFound, "identifier", "no %s %s on %s", kind, identifier, c.inc.Ref)
		}
		var ck checker
		checkTask(&ck, &c.inc, in.Task)
		if err := ck.err(); err != nil {
			return nil, err
		}
		a := c.rec.Assets[i]
		if a.State == to {
			return nil, errs.E(errs.Conflict, "to", "%s %s is already %s", kind, identifier, words(string(to)))
		}
		return []incident.Change{{Type: EvAssetMoved, Data: AssetMovedData{Kind: a.Kind, Identifier: a.Identifier, From: a.State, To: to, How: in.How, Task: in.Task}}}, nil
	})
	if err != nil {
		return IncidentAsset{}, err
	}
	return done.Assets[0], nil
}

// AssetUpdate changes an incident's asset; nil fields stay. Owner and
// Criticality are the inventory's. Accepted true needs AcceptedReason: the
// incident may then recover with the asset unrestored.
type AssetUpdate struct {
	Owner          *string      `json:"owner,omitempty"`
	Criticality    *Criticality `json:"criticality,omitempty"`
	Note           *string      `json:"note,omitempty"`
	Accepted       *bool        `json:"accepted,omitempty"`
	AcceptedReason string       `json:"accepted_reason,omitempty"`
}

// UpdateAsset changes an incident's asset (asset.updated naming the
// fields that changed); an update that changes nothing records nothing.
func (s *Service) UpdateAsset(ctx context.Context, actor incident.Viewer, ref string, kind Kind, identifier string, in AssetUpdate) (IncidentAsset, error) {
	var ck checker
	trim := func(p *string) {
		if p != nil {
			*p = strings.TrimSpace(*p)
		}
	}
	trim(in.Owner)
	trim(in.Note)
	in.AcceptedReason = strings.TrimSpace(in.AcceptedReason)
	if in.Owner != nil {
		ck.text("owner", *in.Owner, MaxName, false)
	}
	if in.Criticality != nil {
		oneOf(&ck, "criticality", *in.Criticality, Criticalities, false)
	}
	if in.Note != nil {
		ck.text("note", *in.Note, MaxText, false)
	}
	ck.text("accepted_reason", in.AcceptedReason, MaxText, in.Accepted != nil && *in.Accepted)
	if err := ck.err(); err != nil {
		return IncidentAsset{}, err
	}
	var out IncidentAsset
	done, err := s.change(ctx, actor, ref, func(c *change) ([]incident.Change, error) {
		if err := open(&c.inc); err != nil {
			return nil, err
		}
		i := c.rec.asset(kind, strings.TrimSpace(identifier))
		if i < 0 {
			return nil, errs.E(errs.NotFound, "identifier", "no %s %s on %s", kind, identifier, c.inc.Ref)
		}
		a := c.rec.Assets[i]
		var changed []string
		if in.Owner != nil && *in.Owner != a.Owner {
			a.Owner, changed = *in.Owner, append(changed, "owner")
		}
		if in.Criticality != nil && *in.Criticality != a.Criticality {
			a.Criticality, changed = *in.Criticality, append(changed, "criticality")
		}
		if in.Note != nil && *in.Note != a.Note {
			a.Note, changed = *in.Note, append(changed, "note")
		}
		if in.Accepted != nil {
			reason := in.AcceptedReason
			if !*in.Accepted {
				reason = ""
			}
			if *in.Accepted != a.Accepted || reason != a.AcceptedReason {
				a.Accepted, a.AcceptedReason, changed = *in.Accepted, reason, append(changed, "accepted")
			}
		}
		out = a
		if len(changed) == 0 {
			return nil, nil
		}
		if slices.Contains(changed, "owner") || slices.Contains(changed, "criticality") {
			a.UpdatedAt = c.now
			c.write.Inventory = []Asset{a.Asset}
		}
		return []incident.Change{{Type: EvAssetUpdated, Data: AssetData{Kind: a.Kind, Identifier: a.Identifier, Owner: a.Owner,
			Criticality: a.Criticality, State: a.State, Accepted: a.Accepted, AcceptedReason: a.AcceptedReason, Note: a.Note, Changed: changed}}}, nil
	})
	if err != nil || len(done.Assets) == 0 { // an update that changed nothing
		return out, err
	}
	return done.Assets[0], nil
}
