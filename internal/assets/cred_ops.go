package assets

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// CredentialInput is a credential added to an incident.
type CredentialInput struct {
	Kind      CredKind   `json:"kind"`
	Name      string     `json:"name"`
	WhereUsed string     `json:"where_used,omitempty"`
	Owner     string     `json:"owner,omitempty"`
	ExposedIn string     `json:"exposed_in,omitempty"`
	ExposedAt *time.Time `json:"exposed_at,omitempty"`
	State     CredState  `json:"state,omitempty"` // suspected when empty
}

func (in *CredentialInput) check(now time.Time) error {
	in.Name, in.WhereUsed, in.Owner, in.ExposedIn = strings.TrimSpace(in.Name), strings.TrimSpace(in.WhereUsed), strings.TrimSpace(in.Owner), strings.TrimSpace(in.ExposedIn)
	if in.State == "" {
		in.State = CredSuspected
	}
	var c checker
	oneOf(&c, "kind", in.Kind, CredKinds, true)
	c.text("name", in.Name, MaxName, true)
	c.text("where_used", in.WhereUsed, MaxText, false)
	c.text("owner", in.Owner, MaxName, false)
	c.text("exposed_in", in.ExposedIn, MaxText, false)
	oneOf(&c, "state", in.State, CredStates, false)
	if in.ExposedAt != nil {
		t := incident.Now(*in.ExposedAt)
		in.ExposedAt = &t
		if t.After(now.Add(5 * time.Minute)) {
			c.add("exposed_at", "is in the future")
		}
	}
	return c.err()
}

// AddCredential adds a compromised credential to an incident
// (credential.added); it is named C1, C2… in the order added.
func (s *Service) AddCredential(ctx context.Context, actor incident.Viewer, ref string, in CredentialInput) (Credential, error) {
	if err := in.check(incident.Now(s.Now())); err != nil {
		return Credential{}, err
	}
	done, err := s.change(ctx, actor, ref, func(c *change) ([]incident.Change, error) {
		if err := open(&c.inc); err != nil {
			return nil, err
		}
		if len(c.rec.Credentials) >= MaxRecords {
			return nil, errs.E(errs.Invalid, "name", "%s has %d credentials, the most one incident keeps", c.inc.Ref, MaxRecords)
		}
		return []incident.Change{{Type: EvCredentialAdded, Data: CredentialData{ID: fmt.Sprintf("C%d", len(c.rec.Credentials)+1), Kind: in.Kind,
			Name: in.Name, WhereUsed: in.WhereUsed, Owner: in.Owner, ExposedIn: in.ExposedIn, ExposedAt: in.ExposedAt, State: in.State}}}, nil
	})
	if err != nil {
		return Credential{}, err
	}
	return done.Credentials[0], nil
}

// MoveCredential moves a credential to another state (credential.moved),
// saying how.
func (s *Service) MoveCredential(ctx context.Context, actor incident.Viewer, ref, id string, in MoveInput) (Credential, error) {
	var c0 checker
	in.check(&c0)
	oneOf(&c0, "to", CredState(in.To), CredStates, true)
	if err := c0.err(); err != nil {
		return Credential{}, err
	}
	to := CredState(in.To)
	id = strings.ToUpper(strings.TrimSpace(id))
	done, err := s.change(ctx, actor, ref, func(c *change) ([]incident.Change, error) {
		if err := open(&c.inc); err != nil {
			return nil, err
		}
		i := slices.IndexFunc(c.rec.Credentials, func(cr Credential) bool { return cr.ID == id })
		if i < 0 {
			return nil, errs.E(errs.NotFound, "id", "no credential %s on %s", id, c.inc.Ref)
		}
		var ck checker
		checkTask(&ck, &c.inc, in.Task)
		if err := ck.err(); err != nil {
			return nil, err
		}
		cr := c.rec.Credentials[i]
		if cr.State == to {
			return nil, errs.E(errs.Conflict, "to", "credential %s is already %s", id, words(string(to)))
		}
		return []incident.Change{{Type: EvCredentialMoved, Data: CredentialMovedData{ID: id, From: cr.State, To: to, How: in.How, Task: in.Task}}}, nil
	})
	if err != nil {
		return Credential{}, err
	}
	return done.Credentials[0], nil
}
