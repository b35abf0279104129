package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// describeTask says what an assessment, plan or task event did.
func describeTask(e Event) (string, bool) {
	switch e.Type {
	case EvAssessed:
		var d AssessedData
		describeData(e, &d)
		keys := make([]string, 0, len(d.Answers))
		for k, v := range d.Answers {
			keys = append(keys, k+" "+strings.ReplaceAll(v, "_", " "))
		}
		slices.Sort(keys)
		s := fmt.Sprintf("assessed impact (%s): suggests %s", strings.Join(keys, ", "), d.Suggested)
		if d.Severity != d.Suggested {
			s += fmt.Sprintf("; %s chosen: %s", d.Severity, d.Reason)
		}
		return s, true
	case EvPlanActivated:
		var d PlanActivatedData
		describeData(e, &d)
		how := "applied"
		if d.Auto {
			how = "activated"
		}
		s := fmt.Sprintf("response plan %q %s (version %d, sha256 %.12s): %d tasks", d.Title, how, d.Version, d.Hash, len(d.Tasks))
		if len(d.Merged) > 0 {
			s += fmt.Sprintf(", %d already there (%s)", len(d.Merged), strings.Join(d.Merged, ", "))
		}
		return s, true
	case EvPlanDetached:
		var d PlanDetachedData
		describeData(e, &d)
		s := fmt.Sprintf("response plan %s detached: %d open tasks removed", d.Plan, len(d.Removed))
		if d.Reason != "" {
			s += ": " + d.Reason
		}
		return s, true
	case EvTaskAdded:
		var d TaskAddedData
		describeData(e, &d)
		s := fmt.Sprintf("task added (%s): %s", d.Task.Phase, d.Task.Title)
		if d.Assignee != "" {
			s += ", assigned to " + d.Assignee
		}
		return s, true
	case EvTaskUpdated:
		var d TaskUpdatedData
		describeData(e, &d)
		var parts []string
		if d.State != nil {
			p := strings.ReplaceAll(string(*d.State), "_", " ")
			switch {
			case *d.State == TaskSkipped && d.Reason != nil:
				p += ": " + *d.Reason
			case *d.State == TaskBlocked && d.Blocker != nil:
				p += " waiting for " + *d.Blocker
			}
			parts = append(parts, p)
		}
		if d.Assignee != nil {
			if *d.Assignee == "" {
				parts = append(parts, "given back to its owner")
			} else {
				parts = append(parts, "assigned to "+*d.Assignee)
			}
		}
		if d.DueAt != nil {
			parts = append(parts, "due "+d.DueAt.UTC().Format(time.RFC3339))
		}
		if d.ClearDue {
			parts = append(parts, "no due time")
		}
		if d.Notes != nil {
			parts = append(parts, "notes edited")
		}
		if d.Check != nil {
			mark := "ticked"
			if !d.Check.Done {
				mark = "unticked"
			}
			parts = append(parts, fmt.Sprintf("checklist item %d %s", d.Check.Index+1, mark))
		}
		return fmt.Sprintf("task %s: %s", d.Key, strings.Join(parts, "; ")), true
	}
	return "", false
}
