package incident

import "github.com/firebreak-ir/firebreak/internal/errs"

// SetActionItem decides marking action item i (from 0) of a post-mortem
// written before action items were kept on their own done or not, leaving
// the rest of the record as it is. New post-mortems hold no action items:
// package actions keeps them.
func (p *Policy) SetActionItem(inc *Incident, i int, done bool) ([]Change, error) {
	items := inc.Postmortem.ActionItems
	if i < 0 || i >= len(items) {
		return nil, errs.E(errs.NotFound, "index", "the post-mortem of %s has no action item %d (it has %d)", inc.Ref, i+1, len(items))
	}
	if inc.State == Merged {
		return nil, pmErr(ErrPMMerged, "state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	}
	if items[i].Done == done {
		return nil, nil
	}
	return []Change{{Type: EvActionItemUpdated, Data: ActionItemData{Index: i, Title: items[i].Title, Done: done}}}, nil
}
