package incident

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Limits on what a person may write; inputs past them are rejected, never
// truncated.
const (
	MaxTitle        = 200
	MaxText         = 20_000 // summary, root cause, resolution, reason
	MaxBody         = 65_536 // timeline entries and post-mortem fields
	MaxType         = 100
	MaxLabels       = 50
	MaxLabelKey     = 63
	MaxLabelValue   = 256
	MaxAffected     = 100
	MaxAffectedItem = 200
	MaxActionItems  = 200
)

// Policy holds the configurable rules: severity levels and the calendar the
// post-mortem clock counts on.
type Policy struct {
	Levels         []Level
	Calendar       calendar.Calendar
	PostmortemDays int // business days from recovery to the post-mortem due date
	// PostmortemApprovals is how many reviewers must approve a
	// post-mortem's text before it is published (policy file:
	// postmortem_approvals); below 1 counts as 1.
	PostmortemApprovals int
	// CloseWithDutiesOpen names the severities that may close while
	// notification duties are neither submitted nor waived (policy file:
	// close_requires_duties: {SEV4: false}); every other severity may not.
	CloseWithDutiesOpen map[string]bool
	// Impact is the assessment form (policy file: impact); nil: the
	// default (DefaultImpact over Levels).
	Impact *Impact
}

// DefaultPolicy returns SEV1–SEV4, Monday–Friday and five business days.
func DefaultPolicy() *Policy {
	return &Policy{Levels: DefaultLevels(), Calendar: calendar.Weekdays{}, PostmortemDays: 5}
}

// Change is a decided, not yet recorded event.
type Change struct {
	Type       string
	Data       any
	OccurredAt *time.Time
}

// Record turns changes into events after inc's current version and folds them
// into a copy of inc. now is the recording time, truncated to microseconds.
func Record(inc Incident, changes []Change, actor string, now time.Time) (Incident, []Event, error) {
	now = Now(now)
	next := clone(inc)
	events := make([]Event, 0, len(changes))
	for i, c := range changes {
		data, err := json.Marshal(c.Data)
		if err != nil {
			return Incident{}, nil, fmt.Errorf("record %s: %w", c.Type, err)
		}
		e := Event{IncidentID: inc.ID, Seq: inc.Version + int64(i) + 1, Type: c.Type, Actor: actor, RecordedAt: now, Data: data}
		if c.OccurredAt != nil {
			t := Now(*c.OccurredAt)
			e.OccurredAt = &t
		}
		if c.Type == EvDeclared {
			e.IncidentID = c.Data.(DeclaredData).ID
		}
		if err := next.Apply(e); err != nil {
			return Incident{}, nil, err
		}
		events = append(events, e)
	}
	return next, events, nil
}

// Now normalises a time the way every store keeps it: UTC, microseconds.
func Now(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// DeclareInput is what a person gives to declare an incident.
type DeclareInput struct {
	Title      string
	Summary    string
	Type       string
	Severity   string
	Source     Source
	Labels     map[string]string
	Affected   []string
	Restricted bool
	DetectedAt *time.Time
}

// Declare decides the first event of a new incident.
func (p *Policy) Declare(in DeclareInput, id string, number int64, now time.Time) ([]Change, error) {
	var v validator
	v.text("title", in.Title, MaxTitle, true)
	v.text("summary", in.Summary, MaxText, false)
	v.typ(in.Type)
	v.labels(in.Labels)
	v.affected(in.Affected)
	significant := false
	if in.Severity != "" {
		l, ok := p.level(in.Severity)
		if !ok {
			v.add("severity", "unknown severity %q; levels are %s", in.Severity, p.levelNames())
		}
		significant = l.Significant
	}
	src := in.Source
	if src == "" {
		src = SourceInternal
	}
	if !src.Valid() {
		v.add("source", "unknown source %q; one of alert, internal, external", in.Source)
	}
	detected := Now(now)
	if in.DetectedAt != nil {
		detected = Now(*in.DetectedAt)
		if detected.After(Now(now).Add(5 * time.Minute)) {
			v.add("detected_at", "%s", inFuture("detected at", detected, now))
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return []Change{{Type: EvDeclared, Data: DeclaredData{
		ID: id, Number: number, Title: strings.TrimSpace(in.Title), Summary: in.Summary, Type: in.Type,
		Severity: in.Severity, Significant: significant, Source: src,
		Labels: in.Labels, Affected: in.Affected, Restricted: in.Restricted, DetectedAt: detected,
	}}}, nil
}

// UpdateInput changes the fields that are set.
type UpdateInput struct {
	Title      *string
	Summary    *string
	Severity   *string
	Type       *string
	Labels     *map[string]string
	Affected   *[]string
	RootCause  *string
	Resolution *string
	Restricted *bool
	// Was holds, for fields set in both, the values the writer's edit was
	// based on (what their form showed). When the stored value has since
	// moved away from it to something else than the writer's, someone else
	// changed the field meanwhile: the edit is refused as a conflict, naming
	// both values, and nothing is applied.
	Was *UpdateInput
}

// Update decides the events for an edit; fields equal to the current value
// are left out, and an edit that changes nothing records nothing. The event
// records each changed field's value before and after.
func (p *Policy) Update(inc *Incident, in UpdateInput) ([]Change, error) {
	if inc.State == Merged {
		return nil, errs.E(errs.Rule, "state", "%s was merged into %s; change that incident instead", inc.Ref, inc.MergedInto)
	}
	if err := rebase(inc, &in); err != nil {
		return nil, err
	}
	var v validator
	var d UpdatedData
	if in.Title != nil {
		v.text("title", *in.Title, MaxTitle, true)
		if t := strings.TrimSpace(*in.Title); t != inc.Title {
			d.Title = &t
		}
	}
	if in.Summary != nil {
		v.text("summary", *in.Summary, MaxText, false)
		d.Summary = changed(*in.Summary, inc.Summary)
	}
	if in.Type != nil {
		v.typ(*in.Type)
		d.Type = changed(*in.Type, inc.Type)
	}
	if in.RootCause != nil {
		v.text("root_cause", *in.RootCause, MaxText, false)
		d.RootCause = changed(*in.RootCause, inc.RootCause)
	}
	if in.Resolution != nil {
		v.text("resolution", *in.Resolution, MaxText, false)
		d.Resolution = changed(*in.Resolution, inc.Resolution)
	}
	if in.Restricted != nil {
		d.Restricted = changed(*in.Restricted, inc.Restricted)
	}
	if in.Labels != nil {
		v.labels(*in.Labels)
		if !maps.Equal(*in.Labels, inc.Labels) {
			l := maps.Clone(*in.Labels)
			if l == nil {
				l = map[string]string{}
			}
			d.Labels = &l
		}
	}
	if in.Affected != nil {
		v.affected(*in.Affected)
		if !slices.Equal(*in.Affected, inc.Affected) {
			a := slices.Clone(*in.Affected)
			if a == nil {
				a = []string{}
			}
			d.Affected = &a
		}
	}
	var changes []Change
	if in.Severity != nil && *in.Severity != inc.Severity {
		l, ok := p.level(*in.Severity)
		if !ok {
			v.add("severity", "unknown severity %q; levels are %s", *in.Severity, p.levelNames())
		}
		changes = append(changes, Change{Type: EvSeverityChanged, Data: SeverityData{From: inc.Severity, To: *in.Severity, Significant: l.Significant}})
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if d != (UpdatedData{}) {
		d.From = fromOf(inc, d)
		changes = append([]Change{{Type: EvUpdated, Data: d}}, changes...)
	}
	return changes, nil
}

// fromOf returns the current values of the fields d changes.
func fromOf(inc *Incident, d UpdatedData) *UpdatedData {
	var f UpdatedData
	if d.Title != nil {
		f.Title = new(inc.Title)
	}
	if d.Summary != nil {
		f.Summary = new(inc.Summary)
	}
	if d.Type != nil {
		f.Type = new(inc.Type)
	}
	if d.RootCause != nil {
		f.RootCause = new(inc.RootCause)
	}
	if d.Resolution != nil {
		f.Resolution = new(inc.Resolution)
	}
	if d.Restricted != nil {
		f.Restricted = new(inc.Restricted)
	}
	if d.Labels != nil {
		l := maps.Clone(inc.Labels)
		if l == nil {
			l = map[string]string{}
		}
		f.Labels = &l
	}
	if d.Affected != nil {
		a := slices.Clone(inc.Affected)
		if a == nil {
			a = []string{}
		}
		f.Affected = &a
	}
	return &f
}

func changed[T comparable](v, cur T) *T {
	if v == cur {
		return nil
	}
	return &v
}

// Transition decides a move to another state, or says which rule blocks it.
// known is what other services know of the incident that the rules need
// (its open notification duties), loaded by the caller.
func (p *Policy) Transition(inc *Incident, to State, reason string, now time.Time, known Known) ([]Change, error) {
	from := inc.State
	reason = strings.TrimSpace(reason)
	var v validator
	v.text("reason", reason, MaxText, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	if !to.Valid() {
		return nil, errs.E(errs.Invalid, "to", "unknown state %q; one of %s", to, joinStates(States))
	}
	if to == from {
		return nil, errs.E(errs.Rule, "to", "%s is already %s", inc.Ref, to)
	}
	if from == Merged {
		return nil, errs.E(errs.Rule, "state", "%s was merged into %s and cannot change state", inc.Ref, inc.MergedInto)
	}
	if to == Merged {
		return nil, errs.E(errs.Invalid, "to", "merging needs a target incident: use the merge action")
	}
	needReason := func(what string) error {
		if reason == "" {
			return errs.E(errs.Rule, "reason", "%s needs a reason", what)
		}
		return nil
	}
	d := TransitionData{From: from, To: to, Reason: reason}
	switch {
	case to == Dismissed:
		if from != Triage {
			return nil, errs.E(errs.Rule, "to", "only an incident in triage can be dismissed; %s is %s", inc.Ref, from)
		}
		if err := needReason("dismissing an incident"); err != nil {
			return nil, err
		}
	case from == Dismissed:
		if to != Triage {
			return nil, errs.E(errs.Rule, "to", "a dismissed incident can only be reopened to triage")
		}
		if err := needReason("reopening a dismissed incident"); err != nil {
			return nil, err
		}
	case to.rank() < from.rank():
		if to == Triage {
			return nil, errs.E(errs.Rule, "to", "an assessed incident cannot return to triage; move it back to active instead")
		}
		if err := needReason(fmt.Sprintf("moving back from %s to %s", from, to)); err != nil {
			return nil, err
		}
	case to.rank() == from.rank()+1:
		if err := p.forwardRules(inc, to, known); err != nil {
			return nil, err
		}
	default:
		return nil, errs.E(errs.Rule, "to", "phases cannot be skipped: from %s the next state is %s", from, forward[from.rank()+1])
	}
	var review []Change // recovering adds the review meeting's task
	if to == Recovered {
		due := calendar.AddBusinessDays(p.Calendar, Now(now), p.PostmortemDays)
		d.PostmortemDue = &due
		review = p.reviewTask(inc, due)
	}
	changes := append([]Change{{Type: EvTransitioned, Data: d}}, review...)
	if from == Triage && to == Active {
		// Leaving triage activates the response plans that match.
		changes = append(changes, p.ActivatePlans(inc, known.Plans, true)...)
	}
	return changes, nil
}

// forwardRules are the requirements of entering the next phase.
func (p *Policy) forwardRules(inc *Incident, to State, known Known) error {
	var v validator
	v.code = errs.Rule
	gateRules(&v, inc, to)
	assetRules(&v, to, known)
	switch to {
	case Active:
		if inc.Severity == "" {
			v.add("severity", "leaving triage needs a severity")
		}
		if len(inc.Holders(IRLead)) == 0 {
			v.add("ir_lead", "leaving triage needs an IR Lead")
		}
	case Contained:
		if inc.Significant && len(inc.Holders(IncidentCommander)) == 0 {
			v.add("incident_commander", "a %s incident needs an Incident Commander before it can be contained", inc.Severity)
		}
	case Eradicated:
		if strings.TrimSpace(inc.RootCause) == "" {
			v.add("root_cause", "eradicated needs a root cause")
		}
	case Closed:
		if inc.Significant && inc.Postmortem.Status != PostmortemPublished {
			v.add("postmortem", "a %s incident needs a published post-mortem before it can be closed", inc.Severity)
		}
		if !p.CloseWithDutiesOpen[inc.Severity] {
			for _, d := range known.OpenDuties {
				v.add("obligations."+d.ObligationID, "%s", d.blocking())
			}
		}
	}
	return v.err()
}

// Assign decides giving role to user. A single-holder role that someone
// else holds is handed over: one event, the previous holder staying on as a
// responder. note, optional, says why (a shift change, going off call).
func (p *Policy) Assign(inc *Incident, role Role, user, note string) ([]Change, error) {
	if err := assignable(inc, role, user); err != nil {
		return nil, err
	}
	note = strings.TrimSpace(note)
	var v validator
	v.text("note", note, MaxText, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	holders := inc.Holders(role)
	if slices.Contains(holders, user) {
		return nil, nil // already held: nothing to record
	}
	if role.Single() && len(holders) > 0 {
		return []Change{{Type: EvRoleHandedOver, Data: HandoverData{Role: role, From: holders[0], To: user, Also: holders[1:], Note: note}}}, nil
	}
	return []Change{{Type: EvRoleAssigned, Data: RoleData{Role: role, User: user, Note: note}}}, nil
}

// Unassign decides taking role from user.
func (p *Policy) Unassign(inc *Incident, role Role, user string) ([]Change, error) {
	if err := assignable(inc, role, user); err != nil {
		return nil, err
	}
	if !slices.Contains(inc.Holders(role), user) {
		return nil, errs.E(errs.NotFound, "user", "%s does not hold %s on %s", user, role, inc.Ref)
	}
	return []Change{{Type: EvRoleUnassigned, Data: RoleData{Role: role, User: user}}}, nil
}

func assignable(inc *Incident, role Role, user string) error {
	if !role.Valid() {
		return errs.E(errs.Invalid, "role", "unknown role %q; one of %s", role, joinRoles())
	}
	if user == "" {
		return errs.E(errs.Invalid, "user", "is required")
	}
	if inc.State == Merged {
		return errs.E(errs.Rule, "state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	}
	return nil
}

// AddEntry decides a timeline entry written by a person. occurredAt is when
// it happened in the world, if the writer knows.
func (p *Policy) AddEntry(inc *Incident, kind EntryKind, body string, occurredAt *time.Time, now time.Time) ([]Change, error) {
	return p.AddEntryRefs(inc, EntryInput{Kind: kind, Body: body, OccurredAt: occurredAt}, nil, now)
}

// AddEntryRefs decides a timeline entry that may reference the incident's
// records; known are the records there are (see entry_refs.go).
func (p *Policy) AddEntryRefs(inc *Incident, in EntryInput, known []RecordRef, now time.Time) ([]Change, error) {
	var v validator
	if !in.Kind.Valid() {
		v.add("kind", "unknown kind %q; one of note, decision, action, evidence, communication", in.Kind)
	}
	v.text("body", in.Body, MaxBody, true)
	if in.OccurredAt != nil && in.OccurredAt.After(Now(now).Add(5*time.Minute)) {
		v.add("occurred_at", "%s", inFuture("happened at", *in.OccurredAt, now))
	}
	refs := resolveRefs(&v, inc, in.Refs, known)
	if err := v.err(); err != nil {
		return nil, err
	}
	return []Change{{Type: EvEntryAdded, Data: EntryData{Kind: in.Kind, Body: in.Body, Refs: refs}, OccurredAt: in.OccurredAt}}, nil
}

// Merge decides merging src into dst: src ends as merged, dst records it.
func (p *Policy) Merge(src, dst *Incident, reason string) (srcChanges, dstChanges []Change, err error) {
	reason = strings.TrimSpace(reason)
	switch {
	case src.ID == dst.ID:
		return nil, nil, errs.E(errs.Invalid, "into", "an incident cannot be merged into itself")
	case !src.State.Open():
		return nil, nil, errs.E(errs.Rule, "state", "%s is %s and cannot be merged", src.Ref, src.State)
	case !dst.State.Open():
		return nil, nil, errs.E(errs.Rule, "into", "%s is %s; merge into an open incident", dst.Ref, dst.State)
	}
	var v validator
	v.text("reason", reason, MaxText, false)
	if err := v.err(); err != nil {
		return nil, nil, err
	}
	return []Change{{Type: EvMerged, Data: MergeData{Other: dst.ID, OtherRef: dst.Ref, Reason: reason}}},
		[]Change{{Type: EvMergeReceived, Data: MergeData{Other: src.ID, OtherRef: src.Ref, Reason: reason}}}, nil
}

func (p *Policy) levelNames() string {
	names := make([]string, len(p.Levels))
	for i, l := range p.Levels {
		names[i] = l.Name
	}
	return strings.Join(names, ", ")
}

func joinStates(ss []State) string {
	s := make([]string, len(ss))
	for i, v := range ss {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

func joinRoles() string {
	s := make([]string, len(Roles))
	for i, v := range Roles {
		s[i] = string(v)
	}
	return strings.Join(s, ", ")
}

// validator collects every problem with an input so one answer names them all.
// inFuture says which time is in the future, and by how much against now:
// "detected at (2026-11-25 10:00 UTC) is in the future: it is now
// 2026-11-25 09:00 UTC".
func inFuture(what string, t, now time.Time) string {
	const layout = "2006-01-02 15:04 UTC"
	return fmt.Sprintf("%s (%s) is in the future: it is now %s", capitalised(what), t.UTC().Format(layout), now.UTC().Format(layout))
}

func capitalised(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

type validator struct {
	code    errs.Code
	details []errs.Detail
}

func (v *validator) add(field, format string, args ...any) {
	v.details = append(v.details, errs.Detail{Field: field, Message: fmt.Sprintf(format, args...)})
}

func (v *validator) err() error {
	if len(v.details) == 0 {
		return nil
	}
	code := v.code
	if code == "" {
		code = errs.Invalid
	}
	return &errs.Error{Code: code, Field: v.details[0].Field, Message: v.details[0].Message, Details: v.details}
}

func (v *validator) text(field, s string, max int, required bool) {
	switch {
	case required && strings.TrimSpace(s) == "":
		v.add(field, "is required")
	case !utf8.ValidString(s):
		v.add(field, "is not valid UTF-8")
	case len(s) > max:
		v.add(field, "is %d bytes; at most %d", len(s), max)
	case strings.ContainsFunc(s, func(r rune) bool { return unicode.IsControl(r) && r != '\n' && r != '\r' && r != '\t' }):
		v.add(field, "contains control characters")
	}
}

func (v *validator) typ(s string) {
	if s == "" {
		return
	}
	if len(s) > MaxType || strings.ContainsFunc(s, func(r rune) bool { return unicode.IsSpace(r) || unicode.IsControl(r) }) {
		v.add("type", "must be at most %d characters with no spaces, such as security.credential-compromise", MaxType)
	}
}

func (v *validator) labels(l map[string]string) {
	if len(l) > MaxLabels {
		v.add("labels", "at most %d labels", MaxLabels)
		return
	}
	for _, k := range slices.Sorted(maps.Keys(l)) {
		if !validLabelKey(k) {
			v.add("labels", "label name %q must be 1–%d letters, digits, or . _ - /", k, MaxLabelKey)
		} else if val := l[k]; len(val) > MaxLabelValue || !utf8.ValidString(val) {
			v.add("labels", "label %q: value must be valid UTF-8 of at most %d bytes", k, MaxLabelValue)
		}
	}
}

func validLabelKey(k string) bool {
	if k == "" || len(k) > MaxLabelKey {
		return false
	}
	for _, r := range k {
		if !(r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r) || strings.ContainsRune("._-/", r))) {
			return false
		}
	}
	return true
}

func (v *validator) affected(a []string) {
	if len(a) > MaxAffected {
		v.add("affected", "at most %d items", MaxAffected)
		return
	}
	for i, s := range a {
		v.text(fmt.Sprintf("affected[%d]", i), s, MaxAffectedItem, true)
	}
}
