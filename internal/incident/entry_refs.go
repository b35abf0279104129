package incident

import (
	"context"
	"slices"
	"strconv"
	"strings"
	"time"
)

// A person's timeline entry may name records kept beside the incident —
// an affected asset, an indicator, an evidence item, a credential, a fix —
// so the timeline links to them and each record links back to the entries
// about it. A reference is "<kind>:<key>", stored in its canonical form:
//
//	asset:host:web-1        an asset by kind and identifier
//	indicator:<id>          an indicator by ID (its value is accepted too)
//	evidence:EV-1           an evidence item
//	credential:C1, fix:F1   a credential, a fix
//
// The records belong to other packages (assets, indicators, evidence); the
// service asks a RecordLister for the incident's records and accepts only
// references to them. Records are never deleted, so a reference checked
// before the write stays true after it.

// MaxEntryRefs bounds the records one entry may name.
const MaxEntryRefs = 20

// RecordKinds are the kinds of record an entry may reference, as they
// start a reference.
var RecordKinds = []string{"asset", "indicator", "evidence", "credential", "fix"}

// RecordRef is one record of an incident that an entry can reference.
type RecordRef struct {
	Ref   string `json:"ref"`   // canonical: asset:host:web-1, evidence:EV-1
	Label string `json:"label"` // how people know it: "host web-1", "EV-1 headers.eml"
	// Aliases are other ways to write the reference, such as an
	// indicator's value (indicator:198.51.100.7).
	Aliases []string `json:"aliases,omitempty"`
}

// Kind is the record kind the reference starts with.
func (r RecordRef) Kind() string { k, _, _ := strings.Cut(r.Ref, ":"); return k }

// RecordLister lists the records kept beside an incident.
type RecordLister interface {
	RecordRefs(ctx context.Context, inc Incident) ([]RecordRef, error)
}

// SetRecords wires the lister of the records entries may reference; nil
// (the default) accepts no references.
func (s *Service) SetRecords(l RecordLister) { s.records = l }

// Records lists the records of an incident (one the caller already got
// for its viewer) that entries may reference, for a form's choices and the
// timeline's links.
func (s *Service) Records(ctx context.Context, inc Incident) ([]RecordRef, error) {
	if s.records == nil {
		return nil, nil
	}
	return s.records.RecordRefs(ctx, inc)
}

// EntryInput is a timeline entry a person writes.
type EntryInput struct {
	Kind       EntryKind
	Body       string
	OccurredAt *time.Time // when it happened in the world, if known
	Refs       []string   // records of the incident it is about
}

// AddEntryWith records a timeline entry that may reference the incident's
// records; an unknown reference is refused naming refs[i].
func (s *Service) AddEntryWith(ctx context.Context, c Command, in EntryInput) (Event, error) {
	var recorded Event
	_, err := s.doEvents(ctx, c, func(inc *Incident, now time.Time) ([]Change, error) {
		var known []RecordRef
		if len(in.Refs) > 0 && s.records != nil {
			var err error
			if known, err = s.records.RecordRefs(ctx, *inc); err != nil {
				return nil, err
			}
		}
		return s.policy.AddEntryRefs(inc, in, known, now)
	}, func(evs []Event) { recorded = evs[0] })
	return recorded, err
}

// resolveRefs checks each reference against the incident's records and
// returns them canonical, duplicates folded, in the order written.
func resolveRefs(v *validator, inc *Incident, refs []string, known []RecordRef) []string {
	if len(refs) > MaxEntryRefs {
		v.add("refs", "names %d records; at most %d", len(refs), MaxEntryRefs)
		return nil
	}
	var out []string
	for i, raw := range refs {
		field := "refs[" + strconv.Itoa(i) + "]"
		ref := strings.TrimSpace(raw)
		kind, key, ok := strings.Cut(ref, ":")
		switch {
		case !ok || key == "":
			v.add(field, "%q is not a reference such as asset:host:web-1, indicator:198.51.100.7 or evidence:EV-1", ref)
			continue
		case !slices.Contains(RecordKinds, kind):
			v.add(field, "%q names an unknown kind of record %q; one of %s", ref, kind, strings.Join(RecordKinds, ", "))
			continue
		}
		canon, found := findRef(ref, known)
		if !found {
			v.add(field, "%s has no %s %q", inc.Ref, kind, key)
			continue
		}
		if !slices.Contains(out, canon) {
			out = append(out, canon)
		}
	}
	return out
}

// findRef finds ref among the records: exactly, then ignoring case (an
// evidence ID typed ev-1, a domain in capitals).
func findRef(ref string, known []RecordRef) (string, bool) {
	for _, fold := range []bool{false, true} {
		for _, r := range known {
			if same(ref, r.Ref, fold) {
				return r.Ref, true
			}
			for _, a := range r.Aliases {
				if same(ref, a, fold) {
					return r.Ref, true
				}
			}
		}
	}
	return "", false
}

func same(a, b string, fold bool) bool {
	if fold {
		return strings.EqualFold(a, b)
	}
	return a == b
}

// EntryRefsOf returns the records a person's timeline entry references.
func EntryRefsOf(e Event) []string {
	if e.Type != EvEntryAdded {
		return nil
	}
	var d EntryData
	describeData(e, &d)
	return d.Refs
}
