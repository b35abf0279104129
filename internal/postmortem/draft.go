package postmortem

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Event types of other packages' records the timeline picks. They are
// their packages' constants (notices and duties live in incident; assets
// and evidence keep theirs), named here by value because this package is
// pure and those are not: the values are on the hash chain and never
// change.
const (
	evAssetMoved      = "asset.moved"
	evCredentialMoved = "credential.moved"
	evEvidenceAdded   = "evidence.added"
)

// Draft writes a post-mortem from the record: the summary from the
// incident, the impact from the figures, a timeline chosen from the
// events (captioned by incident.Describe with the records' describers),
// the sections to reflect on holding the template's prompts, and no
// causes: those are for people to name. It never changes the events.
func Draft(fig Figures, inc incident.Incident, events []incident.Event, p Prompts, describers ...incident.Describer) incident.PostmortemDoc {
	return incident.PostmortemDoc{
		Summary:      summary(inc, p),
		Impact:       Impact(fig),
		Timeline:     Timeline(inc, events, describers...),
		RootCauses:   []incident.Cause{},
		Contributing: []incident.Cause{},
		Whys:         []string{},
		WentWell:     promptList(p.WentWell),
		Hard:         promptList(p.Hard),
		Lessons:      promptList(p.Lessons),
	}
}

// summary says what the incident was, with what the response recorded of
// its cause and resolution, and the template's questions as headings to
// answer under.
func summary(inc incident.Incident, p Prompts) string {
	var b strings.Builder
	what := "An incident"
	if inc.Severity != "" {
		what = "A " + inc.Severity + " incident"
	}
	if inc.Type != "" {
		what += " of type " + inc.Type
	}
	fmt.Fprintf(&b, "%s: **%s** (%s)", what, mdEscape(inc.Title), inc.Ref)
	if inc.Significant {
		b.WriteString(", significant")
	}
	b.WriteString(".\n")
	if s := strings.TrimSpace(inc.Summary); s != "" {
		b.WriteString("\n" + s + "\n")
	}
	if s := strings.TrimSpace(inc.RootCause); s != "" {
		b.WriteString("\nRoot cause as recorded during the response: " + s + "\n")
	}
	if s := strings.TrimSpace(inc.Resolution); s != "" {
		b.WriteString("\nResolution: " + s + "\n")
	}
	for _, q := range p.Questions {
		b.WriteString("\n### " + q + "\n")
	}
	return b.String()
}

// promptList is a section's prompts as a Markdown list of questions, in
// italics, for the author to answer or replace.
func promptList(prompts []string) string {
	var b strings.Builder
	for _, p := range prompts {
		b.WriteString("- *" + p + "*\n")
	}
	return b.String()
}

// mdEscape keeps a title's Markdown characters as text.
func mdEscape(s string) string {
	r := strings.NewReplacer(`\`, `\\`, `*`, `\*`, `_`, `\_`, "`", "\\`", `[`, `\[`, `]`, `\]`, `<`, `\<`)
	return r.Replace(s)
}

// stamp is how the post-mortem writes an instant: UTC to the minute.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") }

// Impact is the impact section: Markdown bullets from the figures.
func Impact(f Figures) string {
	var b strings.Builder
	line := func(format string, a ...any) { fmt.Fprintf(&b, "- "+format+"\n", a...) }
	line("Declared %s (detected %s).", stamp(f.DeclaredAt), stamp(f.DetectedAt))
	if f.FirstSignalAt != nil {
		s := "First signal " + stamp(*f.FirstSignalAt)
		if f.DetectionLag != nil {
			s += "; detection lag (first signal to declaration) " + f.DetectionLag.String()
		}
		line("%s.", s)
	} else {
		line("No alert or report was linked: the detection lag is not known.")
	}
	if f.TimeToAck != nil {
		line("Time to acknowledge: %s (first page acknowledged by %s at %s).", f.TimeToAck, f.AcknowledgedBy, stamp(*f.AcknowledgedAt))
	}
	var phases []string
	for _, p := range f.Phases {
		if p.Duration == nil {
			phases = append(phases, fmt.Sprintf("%s since %s", p.State, stamp(p.Entered)))
			continue
		}
		s := fmt.Sprintf("%s %s", p.State, p.Duration)
		if p.Times > 1 {
			s += fmt.Sprintf(" (entered %d times)", p.Times)
		}
		phases = append(phases, s)
	}
	if len(phases) > 0 {
		line("Time in each phase: %s.", strings.Join(phases, "; "))
	}
	if f.TimeToRecover != nil {
		line("Time to recover (declaration to recovered): %s.", f.TimeToRecover)
	}
	if len(f.People) > 0 {
		var ps []string
		for _, p := range f.People {
			if len(p.Roles) == 0 {
				ps = append(ps, p.User)
				continue
			}
			titles := make([]string, len(p.Roles))
			for i, r := range p.Roles {
				titles[i] = r.Title()
			}
			ps = append(ps, p.User+" ("+strings.Join(titles, ", ")+")")
		}
		line("People involved: %d — %s.", len(f.People), strings.Join(ps, ", "))
	}
	b.WriteString(affected(f))
	if n := len(f.Duties); n > 0 {
		s := fmt.Sprintf("Notification duties: %d — %d met on time, %d late, %d waived, %d open", n, f.DutiesMet, f.DutiesLate, f.DutiesWaived, f.DutiesOpen)
		var late []string
		for _, d := range f.Duties {
			if d.LateBy != nil {
				late = append(late, fmt.Sprintf("%s %s %s late", d.Obligation, d.Phase, d.LateBy))
			}
		}
		if len(late) > 0 {
			s += " (" + strings.Join(late, "; ") + ")"
		}
		line("%s.", s)
	}
	if f.AssetsAffected > 0 || f.Credentials > 0 {
		line("Assets affected: %d, restored %d, accepted unrestored %d; credentials compromised: %d, revoked or rotated %d.",
			f.AssetsAffected, f.AssetsRestored, f.AssetsAccepted, f.Credentials, f.CredentialsReset)
	}
	if f.IndicatorsTotal > 0 {
		var kinds []string
		for _, k := range slices.Sorted(maps.Keys(f.Indicators)) {
			kinds = append(kinds, fmt.Sprintf("%s %d", k, f.Indicators[k]))
		}
		line("Indicators of compromise: %d (%s).", f.IndicatorsTotal, strings.Join(kinds, ", "))
	}
	if t := f.TasksDone + f.TasksSkipped + f.TasksOpen; t > 0 {
		line("Response tasks: %d done, %d skipped, %d open.", f.TasksDone, f.TasksSkipped, f.TasksOpen)
	}
	return b.String()
}

// affected is the line on people and data affected, from the facts.
func affected(f Figures) string {
	var parts []string
	if f.AffectedIndividuals != nil {
		s := fmt.Sprintf("People affected: %d", *f.AffectedIndividuals)
		if len(f.AffectedByJurisdiction) > 0 {
			var by []string
			for _, k := range slices.Sorted(maps.Keys(f.AffectedByJurisdiction)) {
				by = append(by, fmt.Sprintf("%s %d", k, f.AffectedByJurisdiction[k]))
			}
			s += " (" + strings.Join(by, ", ") + ")"
		}
		parts = append(parts, s)
	}
	if f.PersonalData {
		parts = append(parts, "personal data involved")
	}
	if len(f.DataTypes) > 0 {
		parts = append(parts, "data types: "+strings.Join(f.DataTypes, ", "))
	}
	if len(parts) == 0 {
		return ""
	}
	return "- " + strings.Join(parts, "; ") + ".\n"
}

// Timeline chooses the events a post-mortem's timeline shows — signals
// attached, the declaration, classification and severity changes, role
// changes, phase moves, decisions, required tasks done, notices approved
// and given, duties met or waived, asset and credential moves, evidence
// collected — captioned, in world-time order.
func Timeline(inc incident.Incident, events []incident.Event, describers ...incident.Describer) []incident.TimelineItem {
	required := map[string]bool{}
	for _, t := range inc.Tasks {
		required[t.Key] = t.Required
	}
	out := []incident.TimelineItem{}
	for _, e := range events {
		if !chosen(e, required) {
			continue
		}
		text := incident.Describe(e, describers...)
		if e.Actor != "" && e.Actor != SystemActor {
			text += " (by " + e.Actor + ")"
		}
		out = append(out, incident.TimelineItem{Seq: e.Seq, At: worldTime(e).UTC(), RecordedAt: ptr(e.RecordedAt.UTC()), Text: text})
	}
	slices.SortStableFunc(out, func(a, b incident.TimelineItem) int { return a.At.Compare(b.At) })
	return out
}

// chosen reports whether e belongs on a post-mortem's timeline.
func chosen(e incident.Event, required map[string]bool) bool {
	switch e.Type {
	case incident.EvDeclared, incident.EvSignalLinked, incident.EvSeverityChanged, incident.EvAssessed,
		incident.EvRoleAssigned, incident.EvRoleUnassigned, incident.EvRoleHandedOver,
		incident.EvTransitioned, incident.EvMerged, incident.EvMergeReceived,
		incident.EvNoticeApproved, incident.EvNoticeSent, incident.EvNoticeSubmitted,
		incident.EvObligationSubmitted, incident.EvObligationWaived,
		evAssetMoved, evCredentialMoved, evEvidenceAdded:
		return true
	case incident.EvUpdated:
		// a change of classification (type), or the root cause and
		// resolution being written down
		var d incident.UpdatedData
		return json.Unmarshal(e.Data, &d) == nil && (d.Type != nil || d.RootCause != nil || d.Resolution != nil)
	case incident.EvEntryAdded:
		return incident.EntryKindOf(e) == incident.KindDecision
	case incident.EvTaskUpdated:
		var d incident.TaskUpdatedData
		return json.Unmarshal(e.Data, &d) == nil && d.State != nil && *d.State == incident.TaskDone && required[d.Key]
	}
	return false
}
