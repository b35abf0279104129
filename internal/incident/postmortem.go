package incident

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
)

// Limits of a post-mortem document beyond MaxBody per Markdown section.
const (
	MaxTimelineItems = 500
	MaxCauses        = 50
	MaxWhys          = 20
)

// PostmortemInput is the whole post-mortem text as edited. Reason says
// why a published post-mortem changes; it is needed then and only then.
type PostmortemInput struct {
	Doc    PostmortemDoc
	Reason string
}

// SavePostmortem decides saving the post-mortem's text. A draft stays a
// draft; a text in review stays in review, its earlier approvals now for an
// older text (see Postmortem.Approvals); a published one stays published
// and a changed text is a new revision that needs a reason. The first
// publication time is kept as the evidence that it was on time.
func (p *Policy) SavePostmortem(inc *Incident, in PostmortemInput) ([]Change, error) {
	if inc.State == Merged {
		return nil, pmErr(ErrPMMerged, "state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	}
	in.Reason = strings.TrimSpace(in.Reason)
	doc := in.Doc.Normalized()
	var v validator
	validateDoc(&v, inc, doc)
	v.text("reason", in.Reason, MaxText, false)
	if err := v.err(); err != nil {
		return nil, err
	}
	hash := DocHash(doc)
	cur := inc.Postmortem
	if hash == cur.TextSHA256 {
		return nil, nil
	}
	if cur.Status == PostmortemPublished {
		if in.Reason == "" {
			return nil, pmErr(ErrPMNeedsReason, "reason", "the post-mortem is published: a change to its text is a new revision and needs a reason")
		}
		return []Change{{Type: EvPostmortemRevised, Data: RevisedData{Reason: in.Reason, TextSHA256: hash, Doc: &doc}}}, nil
	}
	return []Change{{Type: EvPostmortemSaved, Data: PostmortemData{Status: cur.Status, Doc: &doc, TextSHA256: hash}}}, nil
}

// validateDoc checks every section; times of the timeline are the author's
// word for lines they added and copied from the events for the others.
func validateDoc(v *validator, inc *Incident, d PostmortemDoc) {
	v.text("summary", d.Summary, MaxBody, false)
	v.text("impact", d.Impact, MaxBody, false)
	v.text("went_well", d.WentWell, MaxBody, false)
	v.text("hard", d.Hard, MaxBody, false)
	v.text("lessons", d.Lessons, MaxBody, false)
	if len(d.Timeline) > MaxTimelineItems {
		v.add("timeline", "at most %d lines", MaxTimelineItems)
	}
	for i, t := range d.Timeline {
		f := fmt.Sprintf("timeline[%d]", i)
		v.text(f+".text", t.Text, MaxText, false)
		switch {
		case t.Seq < 0 || t.Seq > inc.Version:
			v.add(f+".seq", "%s has no event %d (its events are 1 to %d)", inc.Ref, t.Seq, inc.Version)
		case t.Seq == 0 && t.At.IsZero():
			v.add(f+".at", "a line the author adds needs its time")
		case t.Seq == 0 && strings.TrimSpace(t.Text) == "":
			v.add(f+".text", "a line the author adds needs its text")
		}
	}
	causes := func(name string, cs []Cause) {
		if len(cs) > MaxCauses {
			v.add(name, "at most %d", MaxCauses)
		}
		for i, c := range cs {
			f := fmt.Sprintf("%s[%d]", name, i)
			if !slices.Contains(CauseCategories, c.Category) {
				v.add(f+".category", "unknown category %q; one of %s", c.Category, causeNames())
			}
			v.text(f+".text", c.Text, MaxText, true)
		}
	}
	causes("root_causes", d.RootCauses)
	causes("contributing_factors", d.Contributing)
	if len(d.Whys) > MaxWhys {
		v.add("whys", "at most %d", MaxWhys)
	}
	for i, w := range d.Whys {
		v.text(fmt.Sprintf("whys[%d]", i), w, MaxText, true)
	}
}

func causeNames() string {
	names := make([]string, len(CauseCategories))
	for i, c := range CauseCategories {
		names[i] = string(c)
	}
	return strings.Join(names, ", ")
}

// Normalized returns d with empty lists rather than none and times in UTC
// to the microsecond, so that one text has one hash however it was sent.
func (d PostmortemDoc) Normalized() PostmortemDoc {
	n := d
	n.Timeline = make([]TimelineItem, len(d.Timeline))
	for i, t := range d.Timeline {
		t.At = Now(t.At)
		if t.RecordedAt != nil {
			r := Now(*t.RecordedAt)
			t.RecordedAt = &r
		}
		n.Timeline[i] = t
	}
	n.RootCauses = append([]Cause{}, d.RootCauses...)
	n.Contributing = append([]Cause{}, d.Contributing...)
	n.Whys = append([]string{}, d.Whys...)
	return n
}

// DocHash is the SHA-256 (hex) of a post-mortem's text: its normalised
// JSON behind a version prefix. Approvals are given to a hash, and each
// published revision is kept on the chain with it.
func DocHash(d PostmortemDoc) string {
	b, err := json.Marshal(d.Normalized())
	if err != nil { // a struct of strings, times and ints always encodes
		panic(fmt.Sprintf("post-mortem hash: %v", err))
	}
	sum := sha256.Sum256(append([]byte("firebreak-postmortem-v2\n"), b...))
	return hex.EncodeToString(sum[:])
}

// PostmortemTextHash is the SHA-256 (hex) of a post-mortem's text as it was
// before the structured document: the review, the lessons and each action
// item's title, owner and due date, each length-prefixed as in
// Event.Canonical. Old streams' revisions are listed with it.
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

// legacyDoc reads a post-mortem written before the structured document:
// its body is the summary.
func legacyDoc(body, lessons string) PostmortemDoc {
	return PostmortemDoc{Summary: body, Lessons: lessons}.Normalized()
}

// Revision is one published text of a post-mortem: the first publication
// is revision 1, each later change to the text the next.
type Revision struct {
	N          int           `json:"n"`
	Seq        int64         `json:"seq" doc:"The event that recorded it, on the incident's hash chain."`
	Author     string        `json:"author"`
	At         time.Time     `json:"at"`
	Reason     string        `json:"reason" doc:"Empty for the first publication."`
	TextSHA256 string        `json:"text_sha256"`
	Approvals  []string      `json:"approvals" doc:"Who approved this text before it was published (the first publication)."`
	Doc        PostmortemDoc `json:"doc"`
	// ActionItems are those of a post-mortem from before action items
	// were kept on their own.
	ActionItems []ActionItem `json:"action_items,omitempty"`
}

// Revisions lists the published texts of a post-mortem from the incident's
// events, oldest first. Streams from before revisions existed count each
// publication (or re-publication with a changed text) as one.
func Revisions(events []Event) []Revision {
	var out []Revision
	published := false
	var cur PostmortemDoc
	add := func(e Event, reason, hash string, doc PostmortemDoc, approvals []string, items []ActionItem) {
		if approvals == nil {
			approvals = []string{}
		}
		out = append(out, Revision{N: len(out) + 1, Seq: e.Seq, Author: e.Actor, At: e.RecordedAt, Reason: reason,
			TextSHA256: hash, Approvals: approvals, Doc: doc, ActionItems: items})
	}
	for _, e := range events {
		switch e.Type {
		case EvPostmortemSaved:
			var d PostmortemData
			if decode(e, &d) != nil {
				continue
			}
			if d.Doc != nil {
				cur = d.Doc.Normalized()
				continue
			}
			cur = legacyDoc(d.Body, d.Lessons)
			if d.Status != PostmortemPublished {
				published = false
				continue
			}
			h := PostmortemTextHash(d.Body, d.Lessons, d.ActionItems)
			if !published || out[len(out)-1].TextSHA256 != h {
				if d.TextSHA256 != "" {
					h = d.TextSHA256
				}
				add(e, "", h, cur, nil, slices.Clone(d.ActionItems))
			}
			published = true
		case EvPostmortemPublished:
			var d PublishedData
			if decode(e, &d) != nil {
				continue
			}
			add(e, "", d.TextSHA256, cur, d.Approvals, nil)
			published = true
		case EvPostmortemRevised:
			var d RevisedData
			if decode(e, &d) != nil {
				continue
			}
			if d.Doc != nil {
				cur = d.Doc.Normalized()
				add(e, d.Reason, d.TextSHA256, cur, nil, nil)
				continue
			}
			cur = legacyDoc(d.Body, d.Lessons)
			add(e, d.Reason, d.TextSHA256, cur, nil, slices.Clone(d.ActionItems))
		}
	}
	return out
}
