package roster

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// ConfigInput is an on-call file to apply.
type ConfigInput struct {
	// Users are the users to create; the caller leaves out those that
	// exist (they stay as they are).
	Users []auth.UserInput
	// Contacts are each declared user's contact methods and rules.
	Contacts []UserContacts
	Objects  Objects
	// Prune deletes on-call objects the file does not declare, and
	// configuration-sourced contacts of its users it no longer lists.
	Prune bool
	// DryRun checks and reports; it changes nothing.
	DryRun bool
}

// ConfigChanges are what an apply changes (or, dry, would change).
type ConfigChanges struct {
	Contacts []ContactChange
	Rules    []RuleChange
	Objects  []Change
}

// ConfigWrite is everything an apply writes, in one transaction.
type ConfigWrite struct {
	Actor    string
	Users    []auth.User
	Contacts []ContactsWrite
	Puts     []any
	Deletes  []Key
	// Check approves the on-call objects before and after, inside the
	// transaction; its error undoes everything.
	Check func(before, after Objects) error
}

// ContactsWrite makes one user's configuration-sourced contact methods and
// rules.
type ContactsWrite struct {
	User string
	// Put are created or updated by (User, Name), verified.
	Put []contacts.Contact
	// Delete are contact IDs removed with their rules.
	Delete []string
	// DeleteRules are rule IDs replaced by Rules.
	DeleteRules []string
	Rules       []RuleWrite
}

// RuleWrite is a notification rule naming its contact by name: a contact
// created by the same apply gets its ID in the transaction.
type RuleWrite struct {
	ID           string
	Contact      string
	DelayMinutes int
}

// ApplyConfig makes an on-call file's users, contact methods, rules and
// on-call objects, and reports the changes. Everything is checked before
// anything is written, and everything is written in one transaction: a
// failure part way changes nothing. With DryRun it only checks and reports.
//
// Contacts are matched by (user, name); one the user added themselves with
// a declared name is a conflict. The object changes are computed against
// the configuration as it was read; the check runs again against the
// stored one inside the transaction.
func (s *Roster) ApplyConfig(ctx context.Context, actor string, in ConfigInput) (ConfigChanges, error) {
	out := ConfigChanges{Contacts: []ContactChange{}, Rules: []RuleChange{}, Objects: []Change{}}
	if err := checkUserContacts(in.Contacts); err != nil {
		return out, err
	}
	var plans []*contactPlan
	for _, spec := range in.Contacts {
		p, err := s.planContacts(ctx, spec, in.Prune)
		if err != nil {
			return out, err
		}
		plans = append(plans, p)
		out.Contacts = append(out.Contacts, p.changes...)
		if p.rules != nil {
			out.Rules = append(out.Rules, *p.rules)
		}
	}

	cur, err := s.store.Objects(ctx)
	if err != nil {
		return out, err
	}
	out.Objects = Diff(cur, in.Objects, in.Prune)
	users, err := s.UserSet(ctx)
	if err != nil {
		return out, err
	}
	for _, u := range in.Users {
		users[u.Username] = true // created with the same apply
	}
	result := cur.Clone()
	w := ConfigWrite{Actor: actor, Check: func(before, after Objects) error {
		return CheckChange(before, after, users, s.severities)
	}}
	for _, c := range out.Objects {
		if c.Op == OpDelete {
			w.Deletes = append(w.Deletes, c.Key)
			result.Delete(c.Key)
			continue
		}
		v, _ := in.Objects.Get(c.Key)
		w.Puts = append(w.Puts, v)
		result.Put(v)
	}
	if err := CheckChange(cur, result, users, s.severities); err != nil {
		return out, err
	}

	now := s.now()
	for _, ui := range in.Users {
		u, err := auth.NewUser(ui, now)
		if err != nil {
			return out, prefixField("users."+ui.Username, err)
		}
		w.Users = append(w.Users, u)
	}
	if in.DryRun {
		return out, nil
	}
	for _, p := range plans {
		if cw, ok := s.contactsWrite(p, now.UTC()); ok {
			w.Contacts = append(w.Contacts, cw)
		}
	}
	if len(w.Users)+len(w.Contacts)+len(w.Puts)+len(w.Deletes) == 0 {
		return out, nil
	}
	return out, s.store.ApplyConfig(ctx, w)
}

// contactsWrite is what p writes, and whether it writes anything.
func (s *Roster) contactsWrite(p *contactPlan, now time.Time) (ContactsWrite, bool) {
	w := ContactsWrite{User: p.spec.User}
	changed := map[string]bool{}
	for _, ch := range p.changes {
		changed[ch.Name] = ch.Op != OpDelete
	}
	for _, c := range p.spec.Contacts {
		if changed[c.Name] {
			w.Put = append(w.Put, contacts.Contact{ID: s.newID(), User: p.spec.User, Name: c.Name, Kind: c.Target.Kind,
				Target: c.Target, Address: contacts.Redact(c.Target), Verified: true, VerifiedAt: &now, Source: "config", CreatedAt: now})
		}
	}
	for _, c := range p.deletes {
		w.Delete = append(w.Delete, c.ID)
	}
	if p.rules != nil {
		for _, r := range p.oldRules {
			w.DeleteRules = append(w.DeleteRules, r.ID)
		}
		for _, r := range sortedRules(p.spec.Rules) {
			w.Rules = append(w.Rules, RuleWrite{ID: s.newID(), Contact: r.Contact, DelayMinutes: r.DelayMinutes})
		}
	}
	return w, len(w.Put)+len(w.Delete)+len(w.DeleteRules)+len(w.Rules) > 0
}

// prefixField puts field in front of an errs.Error's fields.
func prefixField(field string, err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	if c.Field == "" {
		c.Field = field
	} else {
		c.Field = field + "." + c.Field
	}
	c.Details = nil
	for _, d := range e.Details {
		d.Field = field + "." + d.Field
		c.Details = append(c.Details, d)
	}
	return &c
}
