package audit

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// decode reads an event's data into v; data that does not decode is a
// difference to report, not zero values to compare quietly.
func (d *diffs) decode(e incident.Event, v any) {
	if err := json.Unmarshal(e.Data, v); err != nil {
		d.bad("event %d (%s) has data that does not decode: %v", e.Seq, e.Type, err)
	}
}

// side compares the records kept beside the stream (facts, obligation
// records, notices, stakeholder updates) with the events that describe
// them.
func (d *diffs) side(events []incident.Event, t *store.Tables) {
	type recordEvent struct {
		seq  int64
		kind comms.RecordKind
		at   string
		data duties.ObligationData
		by   string
	}
	type noticeEvents struct {
		seq       int64 // the first event naming it
		drafted   *notices.NoticeDraftedData
		approved  map[string]bool // text hashes approved
		submitted *notices.NoticeSubmittedData
		subSeq    int64
		sent      []notices.NoticeSentData
		sentSeq   []int64
	}
	facts, factsVersion, factsBy, factsEvents := duties.FactFields0(), int64(0), "", 0
	records := map[[2]string]recordEvent{}
	var recordOrder [][2]string
	ns := map[string]*noticeEvents{}
	var noticeOrder []string
	notice := func(id string, seq int64) *noticeEvents {
		n := ns[id]
		if n == nil {
			n = &noticeEvents{seq: seq, approved: map[string]bool{}}
			ns[id] = n
			noticeOrder = append(noticeOrder, id)
		}
		return n
	}
	updates := map[string]incident.Event{}
	var updateOrder []string
	for _, e := range events {
		switch e.Type {
		case incident.EvFactsUpdated:
			var v duties.FactsUpdatedData
			d.decode(e, &v)
			for _, c := range v.Changes {
				duties.ApplyFactChange(facts, c)
			}
			factsVersion, factsBy = v.Version, e.Actor
			factsEvents++
		case incident.EvObligationSubmitted, incident.EvObligationWaived:
			var v duties.ObligationData
			d.decode(e, &v)
			kind := comms.RecordSubmitted
			if e.Type == incident.EvObligationWaived {
				kind = comms.RecordWaived
			}
			k := [2]string{v.ObligationID, v.Phase}
			if _, ok := records[k]; !ok {
				recordOrder = append(recordOrder, k)
			}
			records[k] = recordEvent{seq: e.Seq, kind: kind, at: stamp(v.At), data: v, by: e.Actor}
		case incident.EvNoticeDrafted:
			var v notices.NoticeDraftedData
			d.decode(e, &v)
			notice(v.Notice, e.Seq).drafted = &v
		case incident.EvNoticeApproved:
			var v notices.NoticeApprovedData
			d.decode(e, &v)
			notice(v.Notice, e.Seq).approved[v.TextSHA256] = true
		case incident.EvNoticeSubmitted:
			var v notices.NoticeSubmittedData
			d.decode(e, &v)
			n := notice(v.Notice, e.Seq)
			n.submitted, n.subSeq = &v, e.Seq
		case incident.EvNoticeSent:
			var v notices.NoticeSentData
			d.decode(e, &v)
			n := notice(v.Notice, e.Seq)
			n.sent, n.sentSeq = append(n.sent, v), append(n.sentSeq, e.Seq)
		case incident.EvUpdatePosted:
			var v notices.UpdatePostedData
			d.decode(e, &v)
			updates[v.Update] = e
			updateOrder = append(updateOrder, v.Update)
		}
	}

	// Facts.
	switch f := t.Facts; {
	case f == nil && factsEvents > 0:
		d.bad("incident_facts has no row but %d facts.updated events set the facts to version %d", factsEvents, factsVersion)
	case f != nil:
		if f.Version != factsVersion {
			d.bad("incident_facts is at version %d but the events say %d", f.Version, factsVersion)
		}
		stored := duties.FactFields(f.Facts)
		for _, k := range slices.Sorted(maps.Keys(union(stored, facts))) {
			if stored[k] != facts[k] {
				d.bad("incident_facts %s is %s but the events say %s", k, orUnset(clip(stored[k])), orUnset(clip(facts[k])))
			}
		}
		if factsVersion > 0 && f.UpdatedBy != factsBy {
			d.bad("incident_facts were last updated by %s but the events say %s", f.UpdatedBy, factsBy)
		}
	}

	// Obligation records.
	seen := map[[2]string]bool{}
	for _, r := range t.Records {
		k := [2]string{r.ObligationID, r.Phase}
		seen[k] = true
		ev, ok := records[k]
		if !ok {
			d.bad("obligation record %s %s (%s by %s) has no event", r.ObligationID, r.Phase, r.Kind, r.Actor)
			continue
		}
		for _, c := range []struct{ name, stored, want string }{
			{"kind", string(r.Kind), string(ev.kind)},
			{"at", stamp(r.At), ev.at},
			{"actor", r.Actor, ev.by},
			{"reason", r.Reason, ev.data.Reason},
			{"notice_id", r.NoticeID, ev.data.Notice},
		} {
			if c.stored != c.want {
				d.bad("obligation record %s %s %s is %s but its event at seq %d says %s", r.ObligationID, r.Phase, c.name, orUnset(clip(c.stored)), ev.seq, orUnset(clip(c.want)))
			}
		}
	}
	for _, k := range recordOrder {
		if !seen[k] {
			ev := records[k]
			d.bad("obligation_records lacks %s %s that the event at seq %d records as %s", k[0], k[1], ev.seq, ev.kind)
		}
	}

	// Notices.
	stored := map[string]bool{}
	for _, row := range t.Notices {
		n := row.Notice
		stored[n.ID] = true
		if row.IncidentID != n.IncidentID {
			d.bad("notice %s is filed under incident %s but its document names %s", n.ID, row.IncidentID, n.IncidentID)
		}
		if row.Status != string(n.Status) || row.Version != n.Version {
			d.bad("notice %s columns say %s version %d but its document says %s version %d", n.ID, row.Status, row.Version, n.Status, n.Version)
		}
		if h := notices.Hash(n.Body); h != n.TextSHA256 {
			d.bad("notice %s body hash %s differs from its recorded text hash %s", n.ID, short(h), short(n.TextSHA256))
		}
		ev := ns[n.ID]
		if ev == nil || ev.drafted == nil {
			d.bad("notice %s (%q) has no notice.drafted event", n.ID, clip(n.Title))
			continue
		}
		if dr := ev.drafted; string(n.Audience) != dr.Audience || n.ObligationID != dr.ObligationID || n.Phase != dr.Phase || n.Template != dr.Template {
			d.bad("notice %s is for %s %s %s (template %s) but its notice.drafted event at seq %d says %s %s %s (template %s)", n.ID,
				n.Audience, orUnset(n.ObligationID), orUnset(n.Phase), orUnset(n.Template), ev.seq, dr.Audience, orUnset(dr.ObligationID), orUnset(dr.Phase), orUnset(dr.Template))
		}
		if a := n.Approval; a != nil && !ev.approved[a.TextSHA256] {
			d.bad("notice %s carries %s's approval of text %s but no notice.approved event records it", n.ID, a.By, short(a.TextSHA256))
		}
		body := notices.Hash(n.Body)
		if s := ev.submitted; s != nil {
			if n.Status != notices.Submitted {
				d.bad("notice %s is %s but its event at seq %d records it submitted", n.ID, n.Status, ev.subSeq)
			}
			if body != s.TextSHA256 || n.Body != s.Text {
				d.bad("notice %s body hash %s differs from the hash %s recorded in its notice.submitted event at seq %d", n.ID, short(body), short(s.TextSHA256), ev.subSeq)
			}
			if sub := n.Submission; sub == nil || sub.Recipient != s.Recipient || string(sub.Channel) != s.Channel || sub.Reference != s.Reference || !sub.At.Equal(s.SubmittedAt) {
				d.bad("notice %s submission (recipient, channel, reference, time) differs from its notice.submitted event at seq %d", n.ID, ev.subSeq)
			}
		} else if n.Status == notices.Submitted {
			d.bad("notice %s is submitted but no notice.submitted event records it", n.ID)
		}
		accepted := map[[2]string]bool{}
		if n.Email != nil {
			for _, dl := range n.Email.Deliveries {
				if dl.State == notices.DeliverySent {
					accepted[[2]string{dl.To, dl.MessageID}] = true
				}
			}
		}
		recorded := map[[2]string]bool{}
		for i, s := range ev.sent {
			seq := ev.sentSeq[i]
			if body != s.TextSHA256 {
				d.bad("notice %s body hash %s differs from the hash %s recorded in its notice.sent event at seq %d", n.ID, short(body), short(s.TextSHA256), seq)
			}
			k := [2]string{s.To, s.MessageID}
			recorded[k] = true
			if !accepted[k] {
				d.bad("notice %s: the email to %s (Message-ID %s) recorded at seq %d is not among its sent deliveries", n.ID, s.To, s.MessageID, seq)
			}
		}
		for _, dl := range slices.SortedFunc(maps.Keys(accepted), func(a, b [2]string) int { return strings.Compare(a[0]+"\x00"+a[1], b[0]+"\x00"+b[1]) }) {
			if !recorded[dl] {
				d.bad("notice %s: the delivery to %s (Message-ID %s) is marked sent but no notice.sent event records it", n.ID, dl[0], dl[1])
			}
		}
		if n.Status == notices.Sent && len(ev.sent) == 0 {
			d.bad("notice %s is sent but no notice.sent event records a delivery", n.ID)
		}
	}
	for _, id := range noticeOrder {
		if !stored[id] {
			d.bad("notice %s named by the event at seq %d is missing from notices", id, ns[id].seq)
		}
	}

	// Stakeholder updates.
	seenUpdates := map[string]bool{}
	for _, u := range t.Updates {
		seenUpdates[u.ID] = true
		e, ok := updates[u.ID]
		if !ok {
			d.bad("stakeholder update %s has no update.posted event", u.ID)
			continue
		}
		var v notices.UpdatePostedData
		d.decode(e, &v)
		if v.Text != u.Text {
			d.bad("stakeholder update %s text %q differs from its update.posted event at seq %d: %q", u.ID, clip(u.Text), e.Seq, clip(v.Text))
		}
	}
	for _, id := range updateOrder {
		if !seenUpdates[id] {
			d.bad("stakeholder_updates lacks update %s posted at seq %d", id, updates[id].Seq)
		}
	}
}

func orUnset(s string) string {
	if s == "" {
		return "(unset)"
	}
	return s
}
