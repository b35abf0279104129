package incident

import (
	"encoding/json"
	"fmt"
	"slices"

	jsonv2 "github.com/go-json-experiment/json"
	"github.com/go-json-experiment/json/jsontext"
)

// emptyPostmortem is the post-mortem of a newly declared incident.
func emptyPostmortem() Postmortem {
	doc := PostmortemDoc{}.Normalized()
	return Postmortem{Status: PostmortemDraft, Doc: doc, TextSHA256: DocHash(doc),
		Authors: []string{}, Reviewers: []string{}, Reviews: []Review{}, ActionItems: []ActionItem{}}
}

// applyPostmortem folds one post-mortem event. Events from before the
// structured document (no Doc) still fold: their body is the summary.
func (inc *Incident) applyPostmortem(e Event) error {
	at := e.RecordedAt
	pm := &inc.Postmortem
	if pm.Status == "" { // an incident folded from a projection older than the field
		*pm = emptyPostmortem()
	}
	setText := func(doc PostmortemDoc) {
		pm.Doc = doc.Normalized()
		pm.TextSHA256 = DocHash(pm.Doc)
		pm.UpdatedAt = &at
	}
	switch e.Type {
	case EvPostmortemSaved:
		var d PostmortemData
		if err := decode(e, &d); err != nil {
			return err
		}
		if d.Doc != nil {
			setText(*d.Doc)
			if !slices.Contains(pm.Authors, e.Actor) {
				pm.Authors = append(slices.Clone(pm.Authors), e.Actor)
			}
			return nil
		}
		setText(legacyDoc(d.Body, d.Lessons))
		pm.ActionItems = append([]ActionItem{}, d.ActionItems...)
		if d.Status == PostmortemPublished && pm.Status != PostmortemPublished && pm.PublishedAt == nil {
			pm.PublishedAt = &at
		}
		if d.Status != PostmortemPublished {
			pm.PublishedAt = nil
		}
		pm.Status = d.Status
	case EvPostmortemRevised:
		var d RevisedData
		if err := decode(e, &d); err != nil {
			return err
		}
		// A revision never changes the status or the first publication.
		if d.Doc != nil {
			setText(*d.Doc)
			return nil
		}
		setText(legacyDoc(d.Body, d.Lessons))
		pm.ActionItems = append([]ActionItem{}, d.ActionItems...)
	case EvActionItemUpdated:
		var d ActionItemData
		if err := decode(e, &d); err != nil {
			return err
		}
		if d.Index < 0 || d.Index >= len(pm.ActionItems) {
			return fmt.Errorf("apply %s seq %d: no action item %d", e.Type, e.Seq, d.Index)
		}
		pm.ActionItems = slices.Clone(pm.ActionItems)
		pm.ActionItems[d.Index].Done = d.Done
	case EvPostmortemReviewRequested:
		var d ReviewRequestedData
		if err := decode(e, &d); err != nil {
			return err
		}
		pm.Status, pm.Reviewers = PostmortemInReview, append([]string{}, d.Reviewers...)
	case EvPostmortemReviewed:
		var d ReviewedData
		if err := decode(e, &d); err != nil {
			return err
		}
		pm.Reviews = append(slices.Clone(pm.Reviews), Review{Reviewer: d.Reviewer, Verdict: d.Verdict, Comment: d.Comment, TextSHA256: d.TextSHA256, At: at})
	case EvPostmortemMeetingScheduled:
		return pm.applyMeeting(e)
	case EvPostmortemPublished:
		var d PublishedData
		if err := decode(e, &d); err != nil {
			return err
		}
		pm.Status = PostmortemPublished
		if pm.PublishedAt == nil {
			pm.PublishedAt = &at
		}
		// Later revisions are their authors' own.
		pm.Authors = []string{}
	}
	return nil
}

// storedPostmortem is a post-mortem as stored in an incident's projection,
// including one stored before the structured document, whose body is the
// summary.
type storedPostmortem struct {
	plainPostmortem
	Doc     *PostmortemDoc `json:"doc"`
	Body    string         `json:"body"`
	Lessons string         `json:"lessons"`
}

// plainPostmortem is Postmortem without its methods, so decoding it does
// not come back here.
type plainPostmortem Postmortem

// UnmarshalJSON reads a post-mortem as stored in an incident's projection,
// including one stored before the structured document, whose body is the
// summary: such an incident reads as a fold of its events would.
func (pm *Postmortem) UnmarshalJSON(b []byte) error {
	var v storedPostmortem
	if err := json.Unmarshal(b, &v); err != nil {
		return err
	}
	pm.fromStored(&v)
	return nil
}

// UnmarshalJSONFrom is UnmarshalJSON for the v2 engine, which the store
// reads projections with: it decodes from the stream as it goes, where
// UnmarshalJSON has the post-mortem's bytes scanned twice more (a third of
// reading an incident, and every command and job reads one).
func (pm *Postmortem) UnmarshalJSONFrom(dec *jsontext.Decoder) error {
	var v storedPostmortem
	if err := jsonv2.UnmarshalDecode(dec, &v); err != nil {
		return err
	}
	pm.fromStored(&v)
	return nil
}

func (pm *Postmortem) fromStored(v *storedPostmortem) {
	*pm = Postmortem(v.plainPostmortem)
	if v.Doc != nil {
		pm.Doc = v.Doc.Normalized()
	} else {
		pm.Doc = legacyDoc(v.Body, v.Lessons)
	}
	if pm.TextSHA256 == "" {
		pm.TextSHA256 = DocHash(pm.Doc)
	}
	if pm.Status == "" {
		pm.Status = PostmortemDraft
	}
	for _, s := range []*[]string{&pm.Authors, &pm.Reviewers} {
		if *s == nil {
			*s = []string{}
		}
	}
	if pm.Reviews == nil {
		pm.Reviews = []Review{}
	}
	if pm.ActionItems == nil {
		pm.ActionItems = []ActionItem{}
	}
}
