package storetest

import (
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// RunRoster runs the contract of the on-call configuration: an on-call
// file's apply is one transaction, all of it or none of it.
func RunRoster(t *testing.T, b Backend) {
	type applyCase struct {
		name string
		// breakIt makes the write fail at one point; nil applies it whole.
		breakIt func(w *roster.ConfigWrite)
		code    errs.Code
	}
	cases := []applyCase{
		{name: "Whole"},
		{name: "ContactTakenOver", code: errs.Conflict, breakIt: func(w *roster.ConfigWrite) {
			// alice added "own" herself: the file must not take it over.
			w.Contacts[0].Put = append(w.Contacts[0].Put, configContact("c-own", "alice", "own", "alice@own.test"))
		}},
		{name: "RuleOfUnknownContact", code: errs.NotFound, breakIt: func(w *roster.ConfigWrite) {
			w.Contacts[0].Rules = append(w.Contacts[0].Rules, roster.RuleWrite{ID: "r-bad", Contact: "nowhere", DelayMinutes: 9})
		}},
		{name: "ObjectsRefused", code: errs.Invalid, breakIt: func(w *roster.ConfigWrite) {
			w.Check = func(before, after roster.Objects) error {
				if _, ok := after.Teams["payments"]; !ok {
					t.Errorf("the check ran without the team it was to approve")
				}
				return errs.E(errs.Invalid, "teams.payments", "refused")
			}
		}},
	}
	for _, c := range cases {
		t.Run("ApplyConfig/"+c.name, func(t *testing.T) {
			t.Parallel()
			testApplyConfig(t, NewSetup(t, b), c.breakIt, c.code)
		})
	}
}

func configContact(id, user, name, addr string) contacts.Contact {
	tg := notify.Target{Kind: notify.KindEmail, Address: addr}
	now := time.Date(2026, 11, 25, 10, 0, 0, 0, time.UTC)
	return contacts.Contact{ID: id, User: user, Name: name, Kind: tg.Kind, Target: tg, Address: addr, Verified: true, VerifiedAt: &now,
		Source: "config", CreatedAt: now}
}

// testApplyConfig writes a new user, contacts and a rule of alice, and a
// team; broken at one point, it must change nothing at all.
func testApplyConfig(t *testing.T, s *Setup, breakIt func(w *roster.ConfigWrite), code errs.Code) {
	own := contacts.Contact{ID: "c-mine", User: "alice", Name: "own", Kind: notify.KindEmail,
		Target: notify.Target{Kind: notify.KindEmail, Address: "alice@mine.test"}, Address: "alice@mine.test", Source: "api", CreatedAt: s.Clock.Now()}
	if err := s.DB.CreateContact(ctx, own, "hash", s.Clock.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	carol := must(auth.NewUser(auth.UserInput{Username: "carol", Role: auth.Responder}, s.Clock.Now()))(t)
	w := roster.ConfigWrite{Actor: "root", Users: []auth.User{carol},
		Contacts: []roster.ContactsWrite{{User: "alice", Put: []contacts.Contact{configContact("c-pager", "alice", "pager", "alice@pager.test")},
			Rules: []roster.RuleWrite{{ID: "r-1", Contact: "pager", DelayMinutes: 0}, {ID: "r-2", Contact: "own", DelayMinutes: 5}}}},
		Puts:  []any{roster.Team{Name: "payments", Members: []string{"alice", "carol"}}},
		Check: func(before, after roster.Objects) error { return nil }}
	if breakIt != nil {
		breakIt(&w)
	}
	err := s.DB.ApplyConfig(ctx, w)

	_, userErr := s.DB.GetUser(ctx, "carol")
	cs := must(s.DB.Contacts(ctx, "alice"))(t)
	rules := must(s.DB.Rules(ctx, "alice"))(t)
	o := must(s.DB.Objects(ctx))(t)
	if breakIt == nil {
		if err != nil {
			t.Fatal(err)
		}
		if userErr != nil || len(cs) != 2 || len(rules) != 2 || len(o.Teams) != 1 {
			t.Fatalf("applied whole: user err %v, %d contacts, %d rules, teams %v", userErr, len(cs), len(rules), o.Teams)
		}
		for _, r := range rules {
			if r.ContactID != "c-pager" && r.ContactID != "c-mine" {
				t.Fatalf("rule %s names contact %s", r.ID, r.ContactID)
			}
		}
		return
	}
	wantCode(t, err, code)
	// Nothing of the apply is left: not the user written first, not the
	// contacts and rules, not the objects.
	wantCode(t, userErr, errs.NotFound)
	if len(cs) != 1 || cs[0].ID != own.ID || cs[0].Source != "api" || cs[0].Target.Address != own.Target.Address {
		t.Fatalf("alice's contacts changed: %+v", cs)
	}
	if len(rules) != 0 {
		t.Fatalf("rules were written: %+v", rules)
	}
	if len(o.Teams) != 0 {
		t.Fatalf("objects were written: %+v", o.Teams)
	}
}
