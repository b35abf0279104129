package incident

import (
	"encoding/json"
	"fmt"
	"maps"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// rebase applies an edit to the values it was based on (in.Was): a field
// whose new value equals its original was not edited and is dropped, so it
// keeps whatever is stored now; a field someone else changed meanwhile
// (stored value neither the writer's original nor their new value) is a
// conflict. Each conflict is one detail of a Conflict error whose message
// reads "changed this to … while you edited; yours: …"; the service puts
// who changed it in front.
func rebase(inc *Incident, in *UpdateInput) error {
	w := in.Was
	if w == nil {
		return nil
	}
	var details []errs.Detail
	text := func(field string, yours **string, was *string, stored string, trim bool) {
		if *yours == nil || was == nil {
			return
		}
		norm := func(s string) string {
			s = strings.ReplaceAll(s, "\r\n", "\n")
			if trim {
				s = strings.TrimSpace(s)
			}
			return s
		}
		switch y := **yours; {
		case norm(y) == norm(*was):
			*yours = nil
		case norm(stored) != norm(*was) && norm(stored) != norm(y):
			details = append(details, conflictDetail(field, quoted(stored), quoted(y)))
		}
	}
	text("title", &in.Title, w.Title, inc.Title, true)
	text("summary", &in.Summary, w.Summary, inc.Summary, false)
	text("type", &in.Type, w.Type, inc.Type, true)
	text("root_cause", &in.RootCause, w.RootCause, inc.RootCause, false)
	text("resolution", &in.Resolution, w.Resolution, inc.Resolution, false)
	text("severity", &in.Severity, w.Severity, inc.Severity, false)
	if in.Restricted != nil && w.Restricted != nil {
		switch {
		case *in.Restricted == *w.Restricted:
			in.Restricted = nil
		case inc.Restricted != *w.Restricted && inc.Restricted != *in.Restricted:
			details = append(details, conflictDetail("restricted", fmt.Sprint(inc.Restricted), fmt.Sprint(*in.Restricted)))
		}
	}
	if in.Labels != nil && w.Labels != nil {
		switch {
		case maps.Equal(*in.Labels, *w.Labels):
			in.Labels = nil
		case !maps.Equal(inc.Labels, *w.Labels) && !maps.Equal(inc.Labels, *in.Labels):
			details = append(details, conflictDetail("labels", labelList(inc.Labels), labelList(*in.Labels)))
		}
	}
	if in.Affected != nil && w.Affected != nil {
		switch {
		case slices.Equal(*in.Affected, *w.Affected):
			in.Affected = nil
		case !slices.Equal(inc.Affected, *w.Affected) && !slices.Equal(inc.Affected, *in.Affected):
			details = append(details, conflictDetail("affected", itemList(inc.Affected), itemList(*in.Affected)))
		}
	}
	if len(details) == 0 {
		return nil
	}
	return &errs.Error{Code: errs.Conflict, Field: details[0].Field, Message: details[0].Message, Details: details}
}

func conflictDetail(field, theirs, yours string) errs.Detail {
	return errs.Detail{Field: field, Message: fmt.Sprintf("changed this to %s while you edited; yours: %s", theirs, yours)}
}

// LastChangedBy returns who last changed field (as UpdateInput and the
// API name it: title, root_cause, labels…) in events, or "".
func LastChangedBy(events []Event, field string) string {
	for i := len(events) - 1; i >= 0; i-- {
		e := events[i]
		switch e.Type {
		case EvSeverityChanged:
			if field == "severity" {
				return e.Actor
			}
		case EvUpdated:
			var d map[string]json.RawMessage
			if json.Unmarshal(e.Data, &d) == nil {
				if _, ok := d[field]; ok {
					return e.Actor
				}
			}
		}
	}
	return ""
}

// clipped values keep a conflict message and a timeline line to one
// readable line; the event keeps the whole text.
const clipRunes = 120

func quoted(s string) string {
	if s == "" {
		return "(empty)"
	}
	s = strings.ReplaceAll(s, "\r\n", "\n")
	if r := []rune(s); len(r) > clipRunes {
		s = string(r[:clipRunes]) + "…"
	}
	return fmt.Sprintf("%q", s)
}

func labelList(l map[string]string) string {
	if len(l) == 0 {
		return "(none)"
	}
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ", ")
}

func itemList(a []string) string {
	if len(a) == 0 {
		return "(none)"
	}
	return strings.Join(a, ", ")
}
