package roster

import (
	"bytes"
	"context"
	"encoding/json"
)

// Op is one change a configuration apply makes.
type Op string

const (
	OpCreate Op = "create"
	OpUpdate Op = "update"
	OpDelete Op = "delete"
)

// Change is one object's change, with its JSON before and after.
type Change struct {
	Op     Op              `json:"op"`
	Key    Key             `json:"key"`
	Before json.RawMessage `json:"before,omitempty"`
	After  json.RawMessage `json:"after,omitempty"`
}

// Diff lists what turning cur into want changes, in Kinds order. Objects
// of want replace those of cur; with prune, objects only in cur are
// deleted, else they stay.
func Diff(cur, want Objects, prune bool) []Change {
	out := []Change{}
	for _, k := range want.Keys() {
		after, _ := want.Get(k)
		a := mustJSON(after)
		before, ok := cur.Get(k)
		switch {
		case !ok:
			out = append(out, Change{Op: OpCreate, Key: k, After: a})
		case !bytes.Equal(mustJSON(before), a):
			out = append(out, Change{Op: OpUpdate, Key: k, Before: mustJSON(before), After: a})
		}
	}
	if prune {
		for _, k := range cur.Keys() {
			if _, ok := want.Get(k); !ok {
				before, _ := cur.Get(k)
				out = append(out, Change{Op: OpDelete, Key: k, Before: mustJSON(before)})
			}
		}
	}
	return out
}

func mustJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // on-call objects always marshal
	}
	return b
}

// Apply makes the configuration want (see Diff) in one transaction, after
// checking the whole result; with dryRun it only checks and reports. The
// changes are those computed against the configuration as it was read;
// the check runs against the stored one inside the transaction.
// extraUsers are users about to be created with the same apply, counted as
// existing by the check.
func (s *Roster) Apply(ctx context.Context, actor string, want Objects, prune, dryRun bool, extraUsers []string) ([]Change, error) {
	cur, err := s.store.Objects(ctx)
	if err != nil {
		return nil, err
	}
	changes := Diff(cur, want, prune)
	users, err := s.UserSet(ctx)
	if err != nil {
		return nil, err
	}
	for _, u := range extraUsers {
		users[u] = true
	}
	result := cur.Clone()
	var puts []any
	var deletes []Key
	for _, c := range changes {
		if c.Op == OpDelete {
			deletes = append(deletes, c.Key)
			result.Delete(c.Key)
			continue
		}
		v, _ := want.Get(c.Key)
		puts = append(puts, v)
		result.Put(v)
	}
	if err := CheckChange(cur, result, users, s.severities); err != nil {
		return changes, err
	}
	if dryRun || len(changes) == 0 {
		return changes, nil
	}
	return changes, s.store.ChangeObjects(ctx, actor, puts, deletes, func(before, after Objects) error {
		return CheckChange(before, after, users, s.severities)
	})
}
