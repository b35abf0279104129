package incident

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"time"
)

// Fold rebuilds an incident from its whole stream.
func Fold(events []Event) (Incident, error) {
	var inc Incident
	for _, e := range events {
		if err := inc.Apply(e); err != nil {
			return Incident{}, err
		}
	}
	return inc, nil
}

// Apply folds one event into the incident. It never checks rules: events are
// facts already decided; rules live in the decide functions.
func (inc *Incident) Apply(e Event) error {
	if e.Seq != inc.Version+1 {
		return fmt.Errorf("apply %s: seq %d after version %d", e.Type, e.Seq, inc.Version)
	}
	at := e.RecordedAt
	switch e.Type {
	case EvDeclared:
		var d DeclaredData
		if err := decode(e, &d); err != nil {
			return err
		}
		*inc = Incident{
			ID: d.ID, Number: d.Number, Ref: RefOf(d.Number),
			Title: d.Title, Summary: d.Summary, Type: d.Type,
			Severity: d.Severity, Significant: d.Significant,
			State: Triage, Source: d.Source,
			Labels: maps.Clone(d.Labels), Affected: slices.Clone(d.Affected),
			Restricted: d.Restricted, DetectedAt: d.DetectedAt, DeclaredAt: at, DeclaredBy: e.Actor,
			Phases:     map[State]time.Time{Triage: at},
			Postmortem: emptyPostmortem(),
			Plans:      []AppliedPlan{}, Tasks: []Task{},
		}
	case EvUpdated:
		var d UpdatedData
		if err := decode(e, &d); err != nil {
			return err
		}
		setIf(&inc.Title, d.Title)
		setIf(&inc.Summary, d.Summary)
		setIf(&inc.Type, d.Type)
		setIf(&inc.RootCause, d.RootCause)
		setIf(&inc.Resolution, d.Resolution)
		setIf(&inc.Restricted, d.Restricted)
		if d.Labels != nil {
			inc.Labels = maps.Clone(*d.Labels)
		}
		if d.Affected != nil {
			inc.Affected = slices.Clone(*d.Affected)
		}
	case EvSeverityChanged:
		var d SeverityData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.Severity, inc.Significant = d.To, d.Significant
	case EvTransitioned:
		var d TransitionData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.State, inc.StateReason = d.To, d.Reason
		inc.Phases[d.To] = at
		inc.startPhases(d.To, at)
		if d.PostmortemDue != nil {
			due := *d.PostmortemDue
			inc.PostmortemDue = &due
		}
	case EvRoleAssigned:
		var d RoleData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.Roles = append(inc.Roles, Assignment{Role: d.Role, User: d.User, AssignedAt: at})
		inc.resolveOwners()
	case EvRoleUnassigned:
		var d RoleData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.Roles = slices.DeleteFunc(inc.Roles, func(a Assignment) bool { return a.Role == d.Role && a.User == d.User })
		inc.resolveOwners()
	case EvRoleHandedOver:
		var d HandoverData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.handOver(d, at)
		inc.resolveOwners()
	case EvAssessed:
		var d AssessedData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.Assessment = &Assessment{AssessedData: d, At: at, By: e.Actor}
	case EvPlanActivated:
		var d PlanActivatedData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.applyPlanActivated(d, e.Actor, at)
	case EvPlanDetached:
		var d PlanDetachedData
		if err := decode(e, &d); err != nil {
			return err
		}
		for i := range inc.Plans {
			if inc.Plans[i].Name == d.Plan {
				inc.Plans[i].Detached = true
			}
		}
		inc.Tasks = slices.DeleteFunc(inc.Tasks, func(t Task) bool { return slices.Contains(d.Removed, t.Key) })
	case EvTaskAdded:
		var d TaskAddedData
		if err := decode(e, &d); err != nil {
			return err
		}
		t := Task{Key: d.Task.Key, Phase: d.Task.Phase, Title: d.Task.Title, Instructions: d.Task.Instructions,
			Owner: d.Task.Owner, Required: d.Task.Required, DueAt: d.DueAt, State: TaskTodo, CreatedAt: at, UpdatedAt: at, Checklist: []ChecklistItem{}}
		for _, c := range d.Task.Checklist {
			t.Checklist = append(t.Checklist, ChecklistItem{Text: c})
		}
		if d.Assignee != "" {
			t.Assignee, t.AssignedBy = d.Assignee, "hand"
		}
		inc.Tasks = append(inc.Tasks, t)
		inc.resolveOwners()
	case EvTaskUpdated:
		var d TaskUpdatedData
		if err := decode(e, &d); err != nil {
			return err
		}
		if err := inc.applyTaskUpdated(d, e.Actor, at); err != nil {
			return fmt.Errorf("apply %s seq %d: %w", e.Type, e.Seq, err)
		}
	case EvMerged:
		var d MergeData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.State, inc.StateReason, inc.MergedInto = Merged, d.Reason, d.OtherRef
		inc.Phases[Merged] = at
	case EvMergeReceived:
		var d MergeData
		if err := decode(e, &d); err != nil {
			return err
		}
		inc.MergedFrom = append(inc.MergedFrom, d.OtherRef)
	case EvEntryAdded, EvSignalLinked, EvAlertFired, EvAlertResolved, EvAttachmentAccessed:
		// These live in the stream only; the current state does not change.
	case EvPostmortemSaved, EvPostmortemRevised, EvActionItemUpdated, EvPostmortemReviewRequested, EvPostmortemReviewed, EvPostmortemPublished,
		EvPostmortemMeetingScheduled:
		if err := inc.applyPostmortem(e); err != nil {
			return err
		}
	default:
		if !streamOnly(e.Type) { // notices and updates: see notices.go
			return fmt.Errorf("apply: unknown event type %q at seq %d", e.Type, e.Seq)
		}
	}
	inc.Version = e.Seq
	inc.UpdatedAt = at
	inc.Warnings = warnings(inc)
	return nil
}

// handOver gives d.Role to d.To alone; everyone who held it stays on the
// incident as a responder, so a restricted incident stays visible to them.
func (inc *Incident) handOver(d HandoverData, at time.Time) {
	var left []string
	inc.Roles = slices.DeleteFunc(inc.Roles, func(a Assignment) bool {
		if a.Role == d.Role {
			left = append(left, a.User)
			return true
		}
		return false
	})
	inc.Roles = append(inc.Roles, Assignment{Role: d.Role, User: d.To, AssignedAt: at})
	for _, u := range left {
		if u != d.To && !slices.Contains(inc.Holders(Responder), u) {
			inc.Roles = append(inc.Roles, Assignment{Role: Responder, User: u, AssignedAt: at})
		}
	}
}

// warnings are the things a responder should fix that no rule blocks yet.
func warnings(inc *Incident) []string {
	var w []string
	if inc.Significant && inc.State.Open() && len(inc.Holders(IncidentCommander)) == 0 {
		w = append(w, "significant severity without an incident commander: one is needed before the incident can be contained")
	}
	if inc.State.Open() {
		asked := map[Role]string{}
		for _, p := range inc.Plans {
			for _, r := range p.Roles {
				if _, ok := asked[r]; !ok && !p.Detached {
					asked[r] = p.Title
				}
			}
		}
		for _, r := range Roles {
			if title, ok := asked[r]; ok && len(inc.Holders(r)) == 0 && !(r == IncidentCommander && inc.Significant) {
				w = append(w, fmt.Sprintf("the %s plan asks for a %s: nobody holds the role", title, r.Title()))
			}
		}
	}
	return w
}

// RefOf formats the human reference of incident number n.
func RefOf(n int64) string { return fmt.Sprintf("INC-%d", n) }

func decode(e Event, v any) error {
	if err := json.Unmarshal(e.Data, v); err != nil {
		return fmt.Errorf("apply %s seq %d: %w", e.Type, e.Seq, err)
	}
	return nil
}

func setIf[T any](dst *T, v *T) {
	if v != nil {
		*dst = *v
	}
}

// clone deep-copies the parts of inc that Apply mutates in place.
func clone(inc Incident) Incident {
	c := inc
	c.Labels = maps.Clone(inc.Labels)
	c.Affected = slices.Clone(inc.Affected)
	c.Roles = slices.Clone(inc.Roles)
	c.Phases = maps.Clone(inc.Phases)
	c.MergedFrom = slices.Clone(inc.MergedFrom)
	c.Postmortem.ActionItems = slices.Clone(inc.Postmortem.ActionItems)
	c.Postmortem.Authors = slices.Clone(inc.Postmortem.Authors)
	c.Postmortem.Reviewers = slices.Clone(inc.Postmortem.Reviewers)
	c.Postmortem.Reviews = slices.Clone(inc.Postmortem.Reviews)
	c.Plans = slices.Clone(inc.Plans)
	c.Tasks = slices.Clone(inc.Tasks)
	for i := range c.Tasks {
		c.Tasks[i].Checklist = slices.Clone(c.Tasks[i].Checklist)
	}
	if inc.Assessment != nil {
		a := *inc.Assessment
		c.Assessment = &a
	}
	return c
}
