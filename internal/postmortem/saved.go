package postmortem

import (
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// saved reads the post-mortem an incident holds into a Document: its
// status, text and, once published, the first publication and the last
// revision with its hash. It is the one place that knows how the
// incident keeps its post-mortem.
func saved(inc incident.Incident, events []incident.Event, fig Figures) Document {
	pm := inc.Postmortem
	d := Document{Incident: HeaderOf(inc, fig), Status: string(pm.Status), Figures: fig,
		Postmortem: pm.Doc}
	if pm.Status == incident.PostmortemPublished {
		d.PublishedAt = pm.PublishedAt
		if revs := incident.Revisions(events); len(revs) > 0 {
			last := revs[len(revs)-1]
			d.Revision, d.TextSHA256 = last.N, last.TextSHA256
		}
	}
	verdicts := pm.Verdicts()
	for _, u := range pm.Reviewers {
		r := Reviewer{User: u}
		if v, ok := verdicts[u]; ok {
			at := v.At
			r.Verdict, r.At, r.Comment = string(v.Verdict), &at, v.Comment
		}
		d.Reviewers = append(d.Reviewers, r)
	}
	for _, a := range pm.ActionItems {
		state := "open"
		if a.Done {
			state = "done"
		}
		d.ActionItems = append(d.ActionItems, ActionItem{Title: a.Title, Owner: a.Owner, Due: a.Due, State: state})
	}
	return d
}
