package roster

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// ContactSpec is a contact method declared in configuration. An
// administrator vouches for it, so it is stored verified.
type ContactSpec struct {
	Name   string        `json:"name"`
	Target notify.Target `json:"-"`
}

// RuleSpec is a notification rule declared in configuration, naming its
// contact method by name.
type RuleSpec struct {
	Contact      string `json:"contact"`
	DelayMinutes int    `json:"delay_minutes"`
}

// UserContacts is what configuration declares for one user: the contact
// methods and the rules over them. They replace the user's earlier
// configuration-sourced ones; contacts the user added themselves stay.
type UserContacts struct {
	User     string        `json:"user"`
	Contacts []ContactSpec `json:"contacts"`
	Rules    []RuleSpec    `json:"rules"`
}

// ContactChange is one contact method a configuration apply creates,
// updates or deletes. Address is redacted; Changed names the fields that
// differ (secrets are named, never shown).
type ContactChange struct {
	Op      Op          `json:"op"`
	User    string      `json:"user"`
	Name    string      `json:"name"`
	Kind    notify.Kind `json:"kind"`
	Address string      `json:"address"`
	Changed []string    `json:"changed,omitempty"`
}

// RuleChange is a user's configuration-sourced rules before and after, as
// "CONTACT after N min", by delay.
type RuleChange struct {
	Op     Op       `json:"op"`
	User   string   `json:"user"`
	Before []string `json:"before,omitempty"`
	After  []string `json:"after,omitempty"`
}

// contactPlan is what applying one user's contacts does.
type contactPlan struct {
	spec     UserContacts
	existing map[string]contacts.Contact // by name
	changes  []ContactChange
	deletes  []contacts.Contact
	oldRules []contacts.Rule // configuration-sourced rules to replace
	rules    *RuleChange
}

func checkUserContacts(specs []UserContacts) error {
	var ds []errs.Detail
	add := func(field, format string, args ...any) {
		ds = append(ds, errs.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
	}
	users := map[string]bool{}
	for _, u := range specs {
		p := "users." + u.User
		if users[u.User] {
			add(p, "is listed twice")
		}
		users[u.User] = true
		names := map[string]bool{}
		for _, c := range u.Contacts {
			cp := p + ".contacts." + c.Name
			switch {
			case strings.TrimSpace(c.Name) == "" || len(c.Name) > 64:
				add(cp+".name", "must be 1 to 64 characters")
			case names[c.Name]:
				add(cp+".name", "is listed twice")
			}
			names[c.Name] = true
			if err := c.Target.Validate(); err != nil {
				e, _ := errs.As(err)
				if e == nil {
					return err
				}
				add(cp+"."+e.Field, "%s", e.Message)
			}
		}
		seen := map[RuleSpec]bool{}
		for i, r := range u.Rules {
			rp := fmt.Sprintf("%s.rules[%d]", p, i)
			if !names[r.Contact] {
				add(rp+".contact", "unknown contact method %q", r.Contact)
			}
			if r.DelayMinutes < 0 || r.DelayMinutes > 1440 {
				add(rp+".delay_minutes", "must be between 0 and 1440, not %d", r.DelayMinutes)
			}
			if seen[r] {
				add(rp, "%s at %d minutes is listed twice", r.Contact, r.DelayMinutes)
			}
			seen[r] = true
		}
	}
	if len(ds) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Invalid, Field: ds[0].Field, Message: ds[0].Message, Details: ds}
}

func (s *Roster) planContacts(ctx context.Context, spec UserContacts, prune bool) (*contactPlan, error) {
	cur, err := s.store.Contacts(ctx, spec.User)
	if err != nil {
		return nil, err
	}
	curRules, err := s.store.Rules(ctx, spec.User)
	if err != nil {
		return nil, err
	}
	p := &contactPlan{spec: spec, existing: map[string]contacts.Contact{}}
	byID := map[string]contacts.Contact{}
	for _, c := range cur {
		p.existing[c.Name] = c
		byID[c.ID] = c
	}
	declared := map[string]bool{}
	for _, c := range spec.Contacts {
		declared[c.Name] = true
		ch := ContactChange{User: spec.User, Name: c.Name, Kind: c.Target.Kind, Address: contacts.Redact(c.Target)}
		old, ok := p.existing[c.Name]
		if ok && old.Source != "config" {
			// The user added this one and verified it (or not) themselves:
			// the file must not take it over and vouch for it.
			return nil, errs.E(errs.Conflict, "contacts", "%s already has a contact method named %q that they added themselves; give the configured one another name", spec.User, c.Name)
		}
		if !ok {
			ch.Op = OpCreate
			p.changes = append(p.changes, ch)
			continue
		}
		if ch.Changed = targetChanges(old, c.Target); len(ch.Changed) > 0 {
			ch.Op = OpUpdate
			p.changes = append(p.changes, ch)
		}
	}
	if prune {
		for _, c := range cur {
			if c.Source == "config" && !declared[c.Name] {
				p.deletes = append(p.deletes, c)
				p.changes = append(p.changes, ContactChange{Op: OpDelete, User: spec.User, Name: c.Name, Kind: c.Kind, Address: c.Address})
			}
		}
	}
	// The rules replaced are those over the contacts the file declares
	// (whatever their source: a taken-over contact's rules go with it).
	var old []RuleSpec
	for _, r := range curRules {
		if c, ok := byID[r.ContactID]; ok && declared[c.Name] {
			p.oldRules = append(p.oldRules, r)
			old = append(old, RuleSpec{Contact: c.Name, DelayMinutes: r.DelayMinutes})
		}
	}
	var before, after []string
	for _, r := range sortedRules(old) {
		before = append(before, ruleText(r.Contact, r.DelayMinutes))
	}
	for _, r := range sortedRules(spec.Rules) {
		after = append(after, ruleText(r.Contact, r.DelayMinutes))
	}
	if !slices.Equal(before, after) {
		rc := RuleChange{Op: OpUpdate, User: spec.User, Before: before, After: after}
		switch {
		case len(before) == 0:
			rc.Op = OpCreate
		case len(after) == 0:
			rc.Op = OpDelete
		}
		p.rules = &rc
	}
	return p, nil
}

// targetChanges names what differs between a stored contact and a declared
// target; "source" when the user had added it themselves.
func targetChanges(old contacts.Contact, t notify.Target) []string {
	var out []string
	if old.Kind != t.Kind {
		out = append(out, "kind")
	}
	if old.Target.Address != t.Address {
		out = append(out, "address")
	}
	if old.Target.Secret != t.Secret {
		out = append(out, "secret")
	}
	if old.Target.Channel != t.Channel {
		out = append(out, "channel")
	}
	if old.Source != "config" {
		out = append(out, "source")
	} else if !old.Verified {
		out = append(out, "verified")
	}
	return out
}

func ruleText(contact string, delay int) string {
	return fmt.Sprintf("%s after %d min", contact, delay)
}

// sortedRules orders rules as the store lists them: by delay.
func sortedRules(rs []RuleSpec) []RuleSpec {
	out := slices.Clone(rs)
	slices.SortStableFunc(out, func(a, b RuleSpec) int {
		if a.DelayMinutes != b.DelayMinutes {
			return a.DelayMinutes - b.DelayMinutes
		}
		return strings.Compare(a.Contact, b.Contact)
	})
	return out
}
