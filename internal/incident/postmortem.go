package incident

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// PostmortemInput is the whole post-mortem record as edited. Reason says
// why a published post-mortem changes; it is needed then and only then.
type PostmortemInput struct {
	Status      PostmortemStatus
	Body        string
	Lessons     string
	ActionItems []ActionItem
	Reason      string
}

// SavePostmortem decides saving (and perhaps publishing) the post-mortem.
// Once published it stays published: a change to its text is a new
// revision with a reason, ticking action items done changes only them, and
// the first publication time is kept as the evidence that it was on time.
func (p *Policy) SavePostmortem(inc *Incident, in PostmortemInput) ([]Change, error) {
	cur := inc.Postmortem
	published := cur.Status == PostmortemPublished
	var v validator
	if in.Status == "" {
		in.Status = PostmortemDraft
		if published {
			in.Status = PostmortemPublished
		}
	}
	in.Reason = strings.TrimSpace(in.Reason)
	if in.Status != PostmortemDraft && in.Status != PostmortemPublished {
		v.add("status", "unknown status %q; draft or published", in.Status)
	}
	v.text("body", in.Body, MaxBody, false)
	v.text("lessons", in.Lessons, MaxBody, false)
	v.text("reason", in.Reason, MaxText, false)
	if len(in.ActionItems) > MaxActionItems {
		v.add("action_items", "at most %d items", MaxActionItems)
	}
	for i, a := range in.ActionItems {
		f := fmt.Sprintf("action_items[%d]", i)
		v.text(f+".title", a.Title, MaxTitle, true)
		v.text(f+".owner", a.Owner, MaxTitle, false)
		if a.Due != "" {
			if _, err := time.Parse(time.DateOnly, a.Due); err != nil {
				v.add(f+".due", "must be a date as YYYY-MM-DD")
			}
		}
	}
	if in.Status == PostmortemPublished && strings.TrimSpace(in.Body) == "" {
		v.add("body", "a published post-mortem needs a body")
	}
	if inc.State == Merged {
		v.add("state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	if in.ActionItems == nil {
		in.ActionItems = []ActionItem{}
	}
	hash := PostmortemTextHash(in.Body, in.Lessons, in.ActionItems)
	if published {
		return revise(inc, in, hash)
	}
	if cur.Status == in.Status && cur.Body == in.Body && cur.Lessons == in.Lessons && slices.Equal(cur.ActionItems, in.ActionItems) {
		return nil, nil
	}
	d := PostmortemData{Status: in.Status, Body: in.Body, Lessons: in.Lessons, ActionItems: in.ActionItems}
	if in.Status == PostmortemPublished {
		d.TextSHA256 = hash
	}
	return []Change{{Type: EvPostmortemSaved, Data: d}}, nil
}

// revise decides a change to a published post-mortem.
func revise(inc *Incident, in PostmortemInput, hash string) ([]Change, error) {
	cur := inc.Postmortem
	if in.Status != PostmortemPublished {
		since := ""
		if cur.PublishedAt != nil {
			since = " on " + cur.PublishedAt.UTC().Format("2006-01-02 15:04Z")
		}
		return nil, errs.E(errs.Rule, "status", "the post-mortem of %s was published%s and stays published; change it by publishing a revision with a reason", inc.Ref, since)
	}
	if hash != PostmortemTextHash(cur.Body, cur.Lessons, cur.ActionItems) {
		if in.Reason == "" {
			return nil, errs.E(errs.Rule, "reason", "the post-mortem is published: a change to its text is a new revision and needs a reason")
		}
		return []Change{{Type: EvPostmortemRevised, Data: RevisedData{Reason: in.Reason, TextSHA256: hash,
			Body: in.Body, Lessons: in.Lessons, ActionItems: in.ActionItems}}}, nil
	}
	// The same text: only action items' done marks may have changed.
	var changes []Change
	for i, a := range in.ActionItems {
		if a.Done != cur.ActionItems[i].Done {
			changes = append(changes, Change{Type: EvActionItemUpdated, Data: ActionItemData{Index: i, Title: a.Title, Done: a.Done}})
		}
	}
	return changes, nil
}

// SetActionItem decides marking action item i (from 0) of the post-mortem
// done or not, leaving the rest of the record as it is.
func (p *Policy) SetActionItem(inc *Incident, i int, done bool) ([]Change, error) {
	items := inc.Postmortem.ActionItems
	if i < 0 || i >= len(items) {
		return nil, errs.E(errs.NotFound, "index", "the post-mortem of %s has no action item %d (it has %d)", inc.Ref, i+1, len(items))
	}
	if inc.State == Merged {
		return nil, errs.E(errs.Rule, "state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	}
	if items[i].Done == done {
		return nil, nil
	}
	return []Change{{Type: EvActionItemUpdated, Data: ActionItemData{Index: i, Title: items[i].Title, Done: done}}}, nil
}

// PostmortemTextHash is the SHA-256 (hex) of a post-mortem's text: the
// review, the lessons and each action item's title, owner and due date
// (not whether it is done), each length-prefixed as in Event.Canonical.
func PostmortemTextHash(body, lessons string, items []ActionItem) string {
	var b bytes.Buffer
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(';')
	}
	field("firebreak-postmortem-v1")
	field(body)
	field(lessons)
	field(strconv.Itoa(len(items)))
	for _, a := range items {
		field(a.Title)
		field(a.Owner)
		field(a.Due)
	}
	sum := sha256.Sum256(b.Bytes())
	return hex.EncodeToString(sum[:])
}

// Revision is one published text of a post-mortem: the first publication
// is revision 1, each later change to the text the next.
type Revision struct {
	N           int          `json:"n"`
	Seq         int64        `json:"seq" doc:"The event that recorded it, on the incident's hash chain."`
	Author      string       `json:"author"`
	At          time.Time    `json:"at"`
	Reason      string       `json:"reason" doc:"Empty for the first publication."`
	TextSHA256  string       `json:"text_sha256"`
	Body        string       `json:"body"`
	Lessons     string       `json:"lessons"`
	ActionItems []ActionItem `json:"action_items"`
}

// Revisions lists the published texts of a post-mortem from the incident's
// events, oldest first. Streams from before revisions existed count each
// publication (or re-publication with a changed text) as one.
func Revisions(events []Event) []Revision {
	var out []Revision
	published := false
	add := func(e Event, reason, hash, body, lessons string, items []ActionItem) {
		if hash == "" {
			hash = PostmortemTextHash(body, lessons, items)
		}
		if items == nil {
			items = []ActionItem{}
		}
		out = append(out, Revision{N: len(out) + 1, Seq: e.Seq, Author: e.Actor, At: e.RecordedAt, Reason: reason,
			TextSHA256: hash, Body: body, Lessons: lessons, ActionItems: items})
	}
	for _, e := range events {
		switch e.Type {
		case EvPostmortemSaved:
			var d PostmortemData
			if decode(e, &d) != nil {
				continue
			}
			if d.Status != PostmortemPublished {
				published = false
				continue
			}
			h := PostmortemTextHash(d.Body, d.Lessons, d.ActionItems)
			if !published || out[len(out)-1].TextSHA256 != h {
				add(e, "", d.TextSHA256, d.Body, d.Lessons, d.ActionItems)
			}
			published = true
		case EvPostmortemRevised:
			var d RevisedData
			if decode(e, &d) != nil {
				continue
			}
			add(e, d.Reason, d.TextSHA256, d.Body, d.Lessons, d.ActionItems)
		}
	}
	return out
}
