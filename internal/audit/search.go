package audit

import (
	"strconv"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// search compares the incident's row in the search index with the text
// its events give it: a rewrite of the index would make searches find
// (or miss) what the record does not say.
func (d *diffs) search(events []incident.Event, want incident.Incident, row *store.SearchRow) {
	if row == nil {
		d.bad("the search index has no row for the incident")
		return
	}
	for _, c := range []struct{ name, stored, want string }{
		{"title", row.Title, incident.SearchClean(want.Title)},
		{"summary", row.Summary, incident.SearchClean(want.Summary)},
		{"timeline", row.Timeline, incident.TimelineText(events)},
		{"postmortem", row.Postmortem, incident.PostmortemText(want.Postmortem.Doc)},
	} {
		if c.stored != c.want {
			d.bad("the search index %s is %s but the events say %s", c.name, clip(strconv.Quote(c.stored)), clip(strconv.Quote(c.want)))
		}
	}
}
