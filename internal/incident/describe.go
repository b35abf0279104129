package incident

import (
	"encoding/json"
	"fmt"
	"strings"
)

// describeData reads an event's data for describing it. Folding the event
// (apply.go) already decoded it strictly, so a failure here cannot happen
// for a stored event; if it did, the line describes empty fields rather
// than hiding the event.
func describeData(e Event, v any) { _ = json.Unmarshal(e.Data, v) }

// Describer says in one line what an event of its package did; ok is
// false for events it does not describe. notices.DescribeEvent and
// duties.DescribeEvent describe the stream-only events those packages own.
type Describer func(e Event) (s string, ok bool)

// Describe returns one line saying what an event did, for timelines. The
// events of other packages (notices, duties) are described by them: pass
// their Describers; an event none describes reads as its type.
func Describe(e Event, others ...Describer) string {
	for _, d := range others {
		if s, ok := d(e); ok {
			return s
		}
	}
	switch e.Type {
	case EvDeclared:
		var d DeclaredData
		describeData(e, &d)
		s := fmt.Sprintf("declared %s %q", RefOf(d.Number), d.Title)
		if d.Severity != "" {
			s += " as " + d.Severity
		}
		return s
	case EvUpdated:
		var d UpdatedData
		describeData(e, &d)
		if d.From != nil {
			return describeUpdate(d)
		}
		var f []string
		add := func(set bool, name string) {
			if set {
				f = append(f, name)
			}
		}
		add(d.Title != nil, "title")
		add(d.Summary != nil, "summary")
		add(d.Type != nil, "type")
		add(d.Labels != nil, "labels")
		add(d.Affected != nil, "affected systems")
		add(d.RootCause != nil, "root cause")
		add(d.Resolution != nil, "resolution")
		add(d.Restricted != nil, "restriction")
		return "updated " + strings.Join(f, ", ")
	case EvSeverityChanged:
		var d SeverityData
		describeData(e, &d)
		if d.From == "" {
			return "classified as " + d.To
		}
		return fmt.Sprintf("severity %s → %s", d.From, d.To)
	case EvTransitioned:
		var d TransitionData
		describeData(e, &d)
		s := fmt.Sprintf("%s → %s", d.From, d.To)
		if d.Reason != "" {
			s += ": " + d.Reason
		}
		return s
	case EvRoleAssigned, EvRoleUnassigned:
		var d RoleData
		describeData(e, &d)
		if e.Type == EvRoleAssigned {
			return fmt.Sprintf("%s is %s", d.User, d.Role.Title())
		}
		return fmt.Sprintf("%s is no longer %s", d.User, d.Role.Title())
	case EvRoleHandedOver:
		var d HandoverData
		describeData(e, &d)
		from := strings.Join(append([]string{d.From}, d.Also...), ", ")
		s := fmt.Sprintf("%s handed over from %s to %s (%s stays as responder)", d.Role.Title(), from, d.To, from)
		if d.Note != "" {
			s += ": " + d.Note
		}
		return s
	case EvMerged:
		var d MergeData
		describeData(e, &d)
		return "merged into " + d.OtherRef
	case EvMergeReceived:
		var d MergeData
		describeData(e, &d)
		return d.OtherRef + " merged into this incident"
	case EvEntryAdded:
		var d EntryData
		describeData(e, &d)
		return fmt.Sprintf("%s: %s", d.Kind, d.Body)
	case EvSignalLinked:
		var d SignalData
		describeData(e, &d)
		from := d.Source
		if d.Integration != "" {
			from += " (" + d.Integration + ")"
		}
		return fmt.Sprintf("%s from %s: %q, %d alert(s), first seen %s", d.How, from, d.Summary, d.Alerts, d.FirstSeen.UTC().Format("2006-01-02 15:04:05Z"))
	case EvAttachmentAccessed:
		var d AttachmentAccessData
		describeData(e, &d)
		return fmt.Sprintf("opened the reporter's attachment %q (sha256 %s)", d.Name, d.SHA256)
	case EvAlertFired, EvAlertResolved:
		var d AlertData
		describeData(e, &d)
		verb := "fired"
		if e.Type == EvAlertResolved {
			verb = "resolved"
		}
		if d.Apart != "" {
			return fmt.Sprintf("alert %s: %s (%s)", verb, d.Summary, d.Apart)
		}
		return fmt.Sprintf("alert %s: %s", verb, d.Summary)
	case EvPostmortemSaved:
		var d PostmortemData
		describeData(e, &d)
		switch {
		case d.Doc != nil:
			return fmt.Sprintf("post-mortem text saved (sha256 %.12s)", d.TextSHA256)
		case d.Status == PostmortemPublished:
			return "post-mortem published"
		}
		return "post-mortem saved as draft"
	case EvPostmortemRevised:
		var d RevisedData
		describeData(e, &d)
		return fmt.Sprintf("post-mortem revised (text sha256 %.12s): %s", d.TextSHA256, d.Reason)
	case EvPostmortemReviewRequested:
		var d ReviewRequestedData
		describeData(e, &d)
		return fmt.Sprintf("post-mortem review requested from %s", strings.Join(d.Reviewers, ", "))
	case EvPostmortemReviewed:
		var d ReviewedData
		describeData(e, &d)
		verdict := "approved the post-mortem"
		if d.Verdict == ChangesRequested {
			verdict = "asked for changes to the post-mortem"
		}
		if d.Comment != "" {
			return fmt.Sprintf("%s %s (text sha256 %.12s): %s", d.Reviewer, verdict, d.TextSHA256, d.Comment)
		}
		return fmt.Sprintf("%s %s (text sha256 %.12s)", d.Reviewer, verdict, d.TextSHA256)
	case EvPostmortemPublished:
		var d PublishedData
		describeData(e, &d)
		return fmt.Sprintf("post-mortem published (text sha256 %.12s), approved by %s", d.TextSHA256, strings.Join(d.Approvals, ", "))
	case EvPostmortemMeetingScheduled:
		var d MeetingData
		describeData(e, &d)
		verb := "scheduled"
		if d.Sequence > 0 {
			verb = "moved"
		}
		return fmt.Sprintf("post-mortem review meeting %s: %s for %d min with %s", verb, d.Start.UTC().Format("2006-01-02 15:04Z"), d.DurationMinutes, strings.Join(d.Participants, ", "))
	case EvActionItemUpdated:
		var d ActionItemData
		describeData(e, &d)
		if d.Done {
			return fmt.Sprintf("action item %d done: %s", d.Index+1, d.Title)
		}
		return fmt.Sprintf("action item %d reopened: %s", d.Index+1, d.Title)
	}
	if s, ok := describeTask(e); ok {
		return s
	}
	return e.Type
}

// EntryKindOf returns the kind of a person's timeline entry, or "" for
// events the system recorded.
func EntryKindOf(e Event) EntryKind {
	if e.Type != EvEntryAdded {
		return ""
	}
	var d EntryData
	describeData(e, &d)
	return d.Kind
}

// describeUpdate says what an edit changed, each field from → to.
func describeUpdate(d UpdatedData) string {
	f := d.From
	var parts []string
	text := func(name string, from, to *string) {
		if to == nil {
			return
		}
		was := ""
		if from != nil {
			was = *from
		}
		switch {
		case *to == "":
			parts = append(parts, "cleared "+name+" (was "+quoted(was)+")")
		case was == "":
			parts = append(parts, name+" set to "+quoted(*to))
		default:
			parts = append(parts, name+" "+quoted(was)+" → "+quoted(*to))
		}
	}
	text("title", f.Title, d.Title)
	text("type", f.Type, d.Type)
	text("summary", f.Summary, d.Summary)
	if d.Affected != nil {
		var was []string
		if f.Affected != nil {
			was = *f.Affected
		}
		parts = append(parts, "affected systems "+itemList(was)+" → "+itemList(*d.Affected))
	}
	text("root cause", f.RootCause, d.RootCause)
	text("resolution", f.Resolution, d.Resolution)
	if d.Labels != nil {
		var was map[string]string
		if f.Labels != nil {
			was = *f.Labels
		}
		parts = append(parts, "labels "+labelList(was)+" → "+labelList(*d.Labels))
	}
	if d.Restricted != nil {
		if *d.Restricted {
			parts = append(parts, "restricted to participants")
		} else {
			parts = append(parts, "no longer restricted")
		}
	}
	return strings.Join(parts, "; ")
}
