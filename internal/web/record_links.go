package web

import (
	"encoding/json"
	"net/url"
	"strconv"
	"strings"

	assetrec "github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// Links between the timeline and the records kept beside an incident, both
// ways: a timeline entry that references records, and a record's own
// events, link to the record in its section; each record lists the
// timeline entries and events about it ("in the timeline").

// maxEventLinks bounds the record links one timeline line shows: a pasted
// report may add hundreds of indicators in one event.
const maxEventLinks = 12

// recordLink is a link from the timeline to a record.
type recordLink struct{ Ref, Label, URL string }

// timelineLink is a link from a record to a timeline line about it.
type timelineLink struct {
	Seq   int64
	Label string // what the line is: "note by alice", "asset.moved"
	URL   string
}

// recordLinks holds, for one incident, the labels of its records and each
// record's timeline lines.
type recordLinks struct {
	incRef string
	canAct bool
	labels map[string]string
	back   map[string][]timelineLink
}

func newRecordLinks(incRef string, canAct bool, records []incident.RecordRef) *recordLinks {
	l := &recordLinks{incRef: incRef, canAct: canAct, labels: map[string]string{}, back: map[string][]timelineLink{}}
	for _, r := range records {
		l.labels[r.Ref] = r.Label
	}
	return l
}

// add notes the records e is about, for the back links, and returns the
// links its timeline line shows.
func (l *recordLinks) add(e incident.Event) []recordLink {
	refs := recordsOfEvent(e)
	if len(refs) == 0 {
		return nil
	}
	what := e.Type
	if k := incident.EntryKindOf(e); k != "" {
		what = string(k) + " by " + e.Actor
	}
	tl := timelineLink{Seq: e.Seq, Label: what, URL: sectionURL(l.incRef, secTimeline) + "#ev-" + strconv.FormatInt(e.Seq, 10)}
	var out []recordLink
	for _, r := range refs {
		l.back[r] = append(l.back[r], tl)
		if len(out) < maxEventLinks {
			out = append(out, recordLink{Ref: r, Label: l.label(r), URL: recordURL(l.incRef, r)})
		}
	}
	return out
}

func (l *recordLinks) label(ref string) string {
	if s, ok := l.labels[ref]; ok {
		return s
	}
	return ref
}

// inTimeline is what a record shows of the timeline: the lines about it,
// and for a responder a link to write one.
type inTimeline struct {
	Lines []timelineLink
	Write string
}

// For returns what the record ref shows of the timeline, for the records
// sections' templates.
func (l *recordLinks) For(ref string) inTimeline {
	if l == nil {
		return inTimeline{}
	}
	t := inTimeline{Lines: l.back[ref]}
	if l.canAct {
		t.Write = sectionURL(l.incRef, secTimeline) + "?ref=" + url.QueryEscape(ref) + "#entry-form"
	}
	return t
}

// recordURL is where a record is shown: its section, at its anchor (the
// ids the sections' templates give each record).
func recordURL(incRef, ref string) string {
	kind, key, _ := strings.Cut(ref, ":")
	var section, anchor string
	switch kind {
	case "asset":
		k, id, _ := strings.Cut(key, ":")
		section, anchor = secAssets, "asset-"+k+"-"+id
	case "credential":
		section, anchor = secAssets, "cred-"+key
	case "fix":
		section, anchor = secAssets, "fix-"+key
	case "indicator":
		section, anchor = secIndicators, "ioc-"+key
	case "evidence":
		section, anchor = secEvidence, key
	default:
		return sectionURL(incRef, secTimeline)
	}
	return sectionURL(incRef, section) + "#" + (&url.URL{Fragment: anchor}).EscapedFragment()
}

// recordsOfEvent names the records an event is about, as references: an
// entry's own references, or the record a record event changed.
func recordsOfEvent(e incident.Event) []string {
	if e.Type == incident.EvEntryAdded {
		return incident.EntryRefsOf(e)
	}
	if id, ok := evidence.EvidenceOf(e); ok {
		return []string{"evidence:" + id}
	}
	// Stored events were encoded by their packages; one that does not
	// decode links nowhere rather than hiding the line.
	switch e.Type {
	case assetrec.EvAssetAdded, assetrec.EvAssetUpdated:
		var d assetrec.AssetData
		if json.Unmarshal(e.Data, &d) == nil {
			return []string{"asset:" + string(d.Kind) + ":" + d.Identifier}
		}
	case assetrec.EvAssetMoved:
		var d assetrec.AssetMovedData
		if json.Unmarshal(e.Data, &d) == nil {
			return []string{"asset:" + string(d.Kind) + ":" + d.Identifier}
		}
	case assetrec.EvCredentialAdded, assetrec.EvCredentialMoved:
		var d struct {
			ID string `json:"id"`
		}
		if json.Unmarshal(e.Data, &d) == nil && d.ID != "" {
			return []string{"credential:" + d.ID}
		}
	case assetrec.EvFixAdded, assetrec.EvFixUpdated:
		var d assetrec.FixData
		if json.Unmarshal(e.Data, &d) == nil {
			return []string{"fix:" + d.ID}
		}
	case indicators.EvAdded:
		var d indicators.AddedData
		if json.Unmarshal(e.Data, &d) == nil {
			out := make([]string, 0, len(d.Indicators))
			for _, i := range d.Indicators {
				out = append(out, "indicator:"+i.ID)
			}
			return out
		}
	case indicators.EvUpdated:
		var d indicators.UpdatedData
		if json.Unmarshal(e.Data, &d) == nil {
			return []string{"indicator:" + d.ID}
		}
	}
	return nil
}
