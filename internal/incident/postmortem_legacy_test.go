package incident

import (
	"encoding/json"
	"errors"
	"testing"
	"time"
)

// TestLegacyPostmortemStillReads: streams and projections from before the
// structured document fold and read — the body is the summary, their
// action items tick, their revisions keep the hashes on the chain — and a
// later change to such a published text is a revision with a reason.
func TestLegacyPostmortemStillReads(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	items := []ActionItem{{Title: "Scan CI for secrets", Owner: "alice"}, {Title: "Rotate keys", Owner: "bob"}}
	legacy := func(d any, typ string) pmStep {
		return by("alice", func(*Policy, *Incident) ([]Change, error) { return []Change{{Type: typ, Data: d}}, nil })
	}
	inc, all := recovered(t, p, "lee", "cmd",
		legacy(PostmortemData{Status: PostmortemDraft, Body: "draft"}, EvPostmortemSaved),
		legacy(PostmortemData{Status: PostmortemPublished, Body: "review v1", Lessons: "l1", ActionItems: items,
			TextSHA256: PostmortemTextHash("review v1", "l1", items)}, EvPostmortemSaved),
		by("bob", func(p *Policy, inc *Incident) ([]Change, error) { return p.SetActionItem(inc, 1, true) }),
		legacy(RevisedData{Reason: "vendor", Body: "review v2", Lessons: "l1", ActionItems: items,
			TextSHA256: PostmortemTextHash("review v2", "l1", items)}, EvPostmortemRevised),
	)
	pm := inc.Postmortem
	if pm.Status != PostmortemPublished || pm.Doc.Summary != "review v2" || pm.Doc.Lessons != "l1" || len(pm.ActionItems) != 2 || pm.PublishedAt == nil {
		t.Fatalf("post-mortem %+v", pm)
	}
	first := *pm.PublishedAt
	revs := Revisions(all)
	if len(revs) != 2 || revs[0].TextSHA256 != PostmortemTextHash("review v1", "l1", items) || revs[0].Doc.Summary != "review v1" || revs[1].Reason != "vendor" || len(revs[1].ActionItems) != 2 {
		t.Fatalf("revisions %+v", revs)
	}
	if _, err := p.SavePostmortem(&inc, PostmortemInput{Doc: PostmortemDoc{Summary: "review v3"}}); !errors.Is(err, ErrPMNeedsReason) {
		t.Fatalf("a new text without a reason: %v", err)
	}
	ch, err := p.SavePostmortem(&inc, PostmortemInput{Doc: PostmortemDoc{Summary: "review v3", Lessons: "l1"}, Reason: "structured"})
	if err != nil {
		t.Fatal(err)
	}
	next, evs, err := Record(inc, ch, "bob", t0.Add(time.Hour))
	if err != nil {
		t.Fatal(err)
	}
	if next.Postmortem.Status != PostmortemPublished || !next.Postmortem.PublishedAt.Equal(first) || len(next.Postmortem.ActionItems) != 2 {
		t.Fatalf("after the revision %+v", next.Postmortem)
	}
	if revs := Revisions(append(all, evs...)); len(revs) != 3 || revs[2].Doc.Summary != "review v3" {
		t.Fatalf("revisions %+v", revs)
	}

	// A projection stored before the structured document reads its body as
	// the summary, as the fold does.
	var old Incident
	if err := json.Unmarshal([]byte(`{"ref":"INC-1","postmortem":{"status":"published","body":"old text","lessons":"l","action_items":[{"title":"x","owner":"y","done":false}],"published_at":"2026-11-25T10:00:00Z"}}`), &old); err != nil {
		t.Fatal(err)
	}
	if old.Postmortem.Doc.Summary != "old text" || old.Postmortem.TextSHA256 != DocHash(legacyDoc("old text", "l")) || old.Postmortem.Reviewers == nil || len(old.Postmortem.ActionItems) != 1 {
		t.Fatalf("old projection %+v", old.Postmortem)
	}
}
