package roster

import (
	"bytes"
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
