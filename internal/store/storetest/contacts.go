package storetest

import (
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// wantNotFound fails unless err is a not-found on field.
func wantNotFound(t *testing.T, what string, err error, field string) {
	t.Helper()
	if e, ok := errs.As(err); !ok || e.Code != errs.NotFound || e.Field != field {
		t.Fatalf("%s: %v, want not found on %s", what, err, field)
	}
}

// testContacts: a contact method is stored with its target (never shown:
// its address is the redacted one), unverified, with its code's hash; a
// user's methods list by name; one name per user; the code is replaced,
// and cleared by verification; unknown IDs are not found.
func testContacts(t *testing.T, s *Setup) {
	now := s.Clock.Now()
	if cs, err := s.DB.Contacts(ctx, "alice"); err != nil || cs == nil || len(cs) != 0 {
		t.Fatalf("no contacts yet: %#v %v (want an empty list)", cs, err)
	}
	mail := contacts.Contact{ID: "c1", User: "alice", Name: "work mail", Kind: notify.KindEmail, Source: "api", CreatedAt: now,
		Target: notify.Target{Kind: notify.KindEmail, Address: "alice@example.com"}}
	hook := contacts.Contact{ID: "c2", User: "alice", Name: "a hook", Kind: notify.KindWebhook, Source: "api", CreatedAt: now.Add(time.Second),
		Target: notify.Target{Kind: notify.KindWebhook, Address: "https://hooks.example.com/secret-path?token=s3cret", Secret: "hmac-key"}}
	bobs := contacts.Contact{ID: "c3", User: "bob", Name: "work mail", Kind: notify.KindEmail, Source: "api", CreatedAt: now,
		Target: notify.Target{Kind: notify.KindEmail, Address: "bob@example.com"}}
	exp := now.Add(15 * time.Minute)
	for _, c := range []contacts.Contact{mail, hook, bobs} {
		if err := s.DB.CreateContact(ctx, c, "code-"+c.ID, exp); err != nil {
			t.Fatalf("create %s: %v", c.ID, err)
		}
	}
	dup := mail
	dup.ID = "c4"
	err := s.DB.CreateContact(ctx, dup, "code-c4", exp)
	if e, ok := errs.As(err); !ok || e.Code != errs.Conflict || e.Field != "name" {
		t.Fatalf("a second method of one name: %v, want a conflict on name", err)
	}
	wantNotFound(t, "a refused contact", func() error { _, err := s.DB.Contact(ctx, "c4"); return err }(), "id")

	mail.Address = "alice@example.com"
	hook.Address = "https://hooks.example.com/…"
	norm := func(c contacts.Contact) contacts.Contact {
		c.CreatedAt = c.CreatedAt.UTC()
		return c
	}
	got, err := s.DB.Contact(ctx, "c2")
	if err != nil || !reflect.DeepEqual(norm(got), hook) {
		t.Fatalf("contact:\n got %+v %v\nwant %+v", got, err, hook)
	}
	list, err := s.DB.Contacts(ctx, "alice")
	if err != nil || len(list) != 2 || !reflect.DeepEqual(norm(list[0]), hook) || !reflect.DeepEqual(norm(list[1]), mail) {
		t.Fatalf("alice's contacts, by name: %+v %v", list, err)
	}
	_, err = s.DB.Contact(ctx, "nope")
	wantNotFound(t, "an unknown contact", err, "id")

	code := func(id string) (string, time.Time) {
		t.Helper()
		h, e, err := s.DB.ContactCode(ctx, id)
		if err != nil {
			t.Fatalf("code of %s: %v", id, err)
		}
		return h, e
	}
	if h, e := code("c1"); h != "code-c1" || !e.Equal(exp) {
		t.Fatalf("code: %q %v", h, e)
	}
	exp2 := exp.Add(time.Hour)
	if err := s.DB.SetContactCode(ctx, "c1", "code-again", exp2); err != nil {
		t.Fatal(err)
	}
	if h, e := code("c1"); h != "code-again" || !e.Equal(exp2) {
		t.Fatalf("replaced code: %q %v", h, e)
	}
	if h, _ := code("c3"); h != "code-c3" {
		t.Fatalf("bob's code changed with alice's: %q", h)
	}
	verified := now.Add(5 * time.Minute)
	if err := s.DB.MarkContactVerified(ctx, "c1", verified); err != nil {
		t.Fatal(err)
	}
	if h, e := code("c1"); h != "" || !e.IsZero() {
		t.Fatalf("a verified contact keeps its code: %q %v", h, e)
	}
	if c, err := s.DB.Contact(ctx, "c1"); err != nil || !c.Verified || c.VerifiedAt == nil || !c.VerifiedAt.Equal(verified) {
		t.Fatalf("verified contact: %+v %v", c, err)
	}
	if c, _ := s.DB.Contact(ctx, "c2"); c.Verified {
		t.Fatal("verifying one contact verified another")
	}
	_, _, err = s.DB.ContactCode(ctx, "nope")
	wantNotFound(t, "the code of an unknown contact", err, "id")
	wantNotFound(t, "setting the code of an unknown contact", s.DB.SetContactCode(ctx, "nope", "x", exp), "id")
	wantNotFound(t, "verifying an unknown contact", s.DB.MarkContactVerified(ctx, "nope", verified), "id")
}

// testRules: notification rules list by delay; one rule per contact and
// delay; deleting a rule or its contact removes it and nothing else.
func testRules(t *testing.T, s *Setup) {
	now := s.Clock.Now()
	for _, c := range []contacts.Contact{
		{ID: "c1", User: "alice", Name: "mail", Kind: notify.KindEmail, Source: "api", CreatedAt: now, Target: notify.Target{Kind: notify.KindEmail, Address: "a@example.com"}},
		{ID: "c2", User: "alice", Name: "hook", Kind: notify.KindWebhook, Source: "api", CreatedAt: now, Target: notify.Target{Kind: notify.KindWebhook, Address: "https://h.example.com/x"}},
		{ID: "c3", User: "bob", Name: "mail", Kind: notify.KindEmail, Source: "api", CreatedAt: now, Target: notify.Target{Kind: notify.KindEmail, Address: "b@example.com"}},
	} {
		if err := s.DB.CreateContact(ctx, c, "", now); err != nil {
			t.Fatal(err)
		}
	}
	if rs, err := s.DB.Rules(ctx, "alice"); err != nil || rs == nil || len(rs) != 0 {
		t.Fatalf("no rules yet: %#v %v", rs, err)
	}
	rules := []contacts.Rule{
		{ID: "r3", User: "alice", ContactID: "c1", DelayMinutes: 10},
		{ID: "r1", User: "alice", ContactID: "c2", DelayMinutes: 0},
		{ID: "r2", User: "alice", ContactID: "c1", DelayMinutes: 0}, // same delay: by ID
		{ID: "r4", User: "bob", ContactID: "c3", DelayMinutes: 5},
	}
	for _, r := range rules {
		if err := s.DB.PutRule(ctx, r); err != nil {
			t.Fatal(err)
		}
	}
	err := s.DB.PutRule(ctx, contacts.Rule{ID: "r5", User: "alice", ContactID: "c1", DelayMinutes: 10})
	if e, ok := errs.As(err); !ok || e.Code != errs.Conflict || e.Field != "delay_minutes" {
		t.Fatalf("a second rule at one delay: %v, want a conflict on delay_minutes", err)
	}
	list := func(user string) []contacts.Rule {
		t.Helper()
		rs, err := s.DB.Rules(ctx, user)
		if err != nil {
			t.Fatal(err)
		}
		return rs
	}
	if got, want := list("alice"), []contacts.Rule{rules[1], rules[2], rules[0]}; !reflect.DeepEqual(got, want) {
		t.Fatalf("alice's rules:\n got %+v\nwant %+v", got, want)
	}
	if err := s.DB.DeleteRule(ctx, "r1"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, "deleting a rule twice", s.DB.DeleteRule(ctx, "r1"), "id")
	if got := list("alice"); len(got) != 2 || got[0].ID != "r2" || got[1].ID != "r3" {
		t.Fatalf("after deleting r1: %+v", got)
	}

	// Deleting a contact takes its rules with it, and nothing else.
	if err := s.DB.DeleteContact(ctx, "c1"); err != nil {
		t.Fatal(err)
	}
	wantNotFound(t, "deleting a contact twice", s.DB.DeleteContact(ctx, "c1"), "id")
	_, err = s.DB.Contact(ctx, "c1")
	wantNotFound(t, "a deleted contact", err, "id")
	if got := list("alice"); len(got) != 0 {
		t.Fatalf("the deleted contact's rules remain: %+v", got)
	}
	if got := list("bob"); !reflect.DeepEqual(got, []contacts.Rule{rules[3]}) {
		t.Fatalf("bob's rules: %+v", got)
	}
	if _, err := s.DB.Contact(ctx, "c2"); err != nil {
		t.Fatalf("the other contact went too: %v", err)
	}
	// A rule for a contact that is not there is not stored.
	if err := s.DB.PutRule(ctx, contacts.Rule{ID: "r6", User: "alice", ContactID: "c1", DelayMinutes: 1}); err == nil {
		t.Fatal("a rule for a deleted contact was stored")
	}
}

// putConfigContact applies an on-call file declaring c alone and returns
// the ID of the contact stored under c's user and name.
func putConfigContact(s *Setup, c contacts.Contact) (string, error) {
	w := roster.ConfigWrite{Actor: "root", Contacts: []roster.ContactsWrite{{User: c.User, Put: []contacts.Contact{c}}}}
	if err := s.DB.ApplyConfig(ctx, w); err != nil {
		return "", err
	}
	cs, err := s.DB.Contacts(ctx, c.User)
	if err != nil {
		return "", err
	}
	for _, got := range cs {
		if got.Name == c.Name {
			return got.ID, nil
		}
	}
	return "", fmt.Errorf("no contact %s of %s after the apply", c.Name, c.User)
}

// testConfigContacts: a contact from configuration is created verified
// (at its creation), and a second put of the same user and name updates it
// in place (same ID, first verification kept); a method the user added
// under that name is theirs: a conflict, unchanged.
func testConfigContacts(t *testing.T, s *Setup) {
	now := s.Clock.Now()
	in := contacts.Contact{ID: "cfg-1", User: "alice", Name: "pager", Kind: notify.KindWebhook, CreatedAt: now,
		Target: notify.Target{Kind: notify.KindWebhook, Address: "https://pager.example.com/a"}}
	got, err := putConfigContact(s, in)
	if err != nil || got != "cfg-1" {
		t.Fatalf("put: %q %v", got, err)
	}
	c, err := s.DB.Contact(ctx, "cfg-1")
	if err != nil || !c.Verified || c.VerifiedAt == nil || !c.VerifiedAt.Equal(now) || c.Source != "config" || c.Target != in.Target {
		t.Fatalf("configured contact: %+v %v", c, err)
	}
	if h, _, err := s.DB.ContactCode(ctx, "cfg-1"); err != nil || h != "" {
		t.Fatalf("a configured contact has a code: %q %v", h, err)
	}
	again := in
	again.ID, again.CreatedAt = "cfg-2", now.Add(time.Hour)
	again.Kind, again.Target = notify.KindEmail, notify.Target{Kind: notify.KindEmail, Address: "pager@example.com"}
	got, err = putConfigContact(s, again)
	if err != nil || got != "cfg-1" {
		t.Fatalf("second put: %q %v, want the stored ID cfg-1", got, err)
	}
	c, err = s.DB.Contact(ctx, "cfg-1")
	if err != nil || c.Kind != notify.KindEmail || c.Target != again.Target || !c.VerifiedAt.Equal(now) {
		t.Fatalf("updated configured contact: %+v %v", c, err)
	}
	if cs, _ := s.DB.Contacts(ctx, "alice"); len(cs) != 1 {
		t.Fatalf("a second put made a second contact: %+v", cs)
	}

	own := contacts.Contact{ID: "own", User: "bob", Name: "pager", Kind: notify.KindEmail, Source: "api", CreatedAt: now,
		Target: notify.Target{Kind: notify.KindEmail, Address: "bob@example.com"}}
	if err := s.DB.CreateContact(ctx, own, "code", now.Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	_, err = putConfigContact(s, contacts.Contact{ID: "cfg-3", User: "bob", Name: "pager", Kind: notify.KindEmail, CreatedAt: now,
		Target: notify.Target{Kind: notify.KindEmail, Address: "attacker@example.com"}})
	if e, ok := errs.As(err); !ok || e.Code != errs.Conflict || e.Field != "name" {
		t.Fatalf("configuring over a user's own contact: %v, want a conflict on name", err)
	}
	c, err = s.DB.Contact(ctx, "own")
	if err != nil || c.Verified || c.Source != "api" || c.Target != own.Target {
		t.Fatalf("the user's contact after a refused configuration: %+v %v", c, err)
	}
}
