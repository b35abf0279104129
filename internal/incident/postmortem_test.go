package incident

import (
	"encoding/json"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// pmStep is one decision recorded as actor.
type pmStep struct {
	actor  string
	decide func(p *Policy, inc *Incident) ([]Change, error)
}

func by(actor string, decide func(p *Policy, inc *Incident) ([]Change, error)) pmStep {
	return pmStep{actor, decide}
}

func saveDoc(summary string) func(p *Policy, inc *Incident) ([]Change, error) {
	return func(p *Policy, inc *Incident) ([]Change, error) {
		return p.SavePostmortem(inc, PostmortemInput{Doc: PostmortemDoc{Summary: summary}})
	}
}

func askReview(reviewers ...string) func(p *Policy, inc *Incident) ([]Change, error) {
	return func(p *Policy, inc *Incident) ([]Change, error) { return p.RequestReview(inc, reviewers) }
}

func verdict(reviewer string, v Verdict, comment string) func(p *Policy, inc *Incident) ([]Change, error) {
	return func(p *Policy, inc *Incident) ([]Change, error) { return p.Review(inc, reviewer, v, comment) }
}

func publishIt(p *Policy, inc *Incident) ([]Change, error) { return p.Publish(inc) }

// recovered is a SEV1 (significant) incident, recovered, with lee as IR
// Lead and cmd as commander (lead and commander may be given).
func recovered(t *testing.T, p *Policy, lead, commander string, steps ...pmStep) (Incident, []Event) {
	t.Helper()
	ch, err := p.Declare(DeclareInput{Title: "t", Severity: "SEV1"}, "id-1", 1, t0)
	if err != nil {
		t.Fatal(err)
	}
	inc, all, err := Record(Incident{}, ch, "lee", t0)
	if err != nil {
		t.Fatal(err)
	}
	base := []pmStep{
		by("lee", func(p *Policy, inc *Incident) ([]Change, error) { return p.Assign(inc, IRLead, lead, "") }),
		by("lee", func(p *Policy, inc *Incident) ([]Change, error) { return p.Transition(inc, Active, "", t0, Known{}) }),
		by("lee", func(p *Policy, inc *Incident) ([]Change, error) {
			return p.Assign(inc, IncidentCommander, commander, "")
		}),
		by("lee", func(p *Policy, inc *Incident) ([]Change, error) { return p.Transition(inc, Contained, "", t0, Known{}) }),
		by("lee", func(p *Policy, inc *Incident) ([]Change, error) {
			return p.Update(inc, UpdateInput{RootCause: new("leak")})
		}),
		by("lee", func(p *Policy, inc *Incident) ([]Change, error) {
			return p.Transition(inc, Eradicated, "", t0, Known{})
		}),
		by("lee", func(p *Policy, inc *Incident) ([]Change, error) { return p.Transition(inc, Recovered, "", t0, Known{}) }),
	}
	for i, s := range append(base, steps...) {
		ch, err := s.decide(p, &inc)
		if err != nil {
			t.Fatalf("step %d: %v", i, err)
		}
		var evs []Event
		if inc, evs, err = Record(inc, ch, s.actor, t0.Add(time.Duration(i+1)*time.Minute)); err != nil {
			t.Fatal(err)
		}
		all = append(all, evs...)
	}
	return inc, all
}

// TestPostmortemReview walks draft → in_review → published: each forbidden
// step has its named error and field; each allowed one its events.
func TestPostmortemReview(t *testing.T) {
	t.Parallel()
	one, two := DefaultPolicy(), DefaultPolicy()
	two.PostmortemApprovals = 2
	drafted := []pmStep{by("ann", saveDoc("what happened"))}
	inReview := append(slices.Clone(drafted), by("ann", askReview()))
	published := append(slices.Clone(inReview), by("lee", verdict("lee", Approve, "")), by("ann", publishIt))
	tests := []struct {
		name        string
		p           *Policy
		lead, cmd   string
		steps       []pmStep
		merged      bool
		actor       string
		do          func(p *Policy, inc *Incident) ([]Change, error)
		named       error  // nil when allowed
		field       string // the refusal's field
		types       []string
		wantStatus  PostmortemStatus
		wantApprove []string
	}{
		{name: "ask for a review of an empty text", steps: nil, do: askReview(), named: ErrPMEmpty, field: "summary"},
		{name: "review a draft", steps: drafted, do: verdict("lee", Approve, ""), named: ErrPMNotInReview, field: "status"},
		{name: "publish a draft", steps: drafted, do: publishIt, named: ErrPMNotInReview, field: "status"},
		{name: "ask for a review: the IR Lead and the commander", steps: drafted, do: askReview(), types: []string{EvPostmortemReviewRequested}, wantStatus: PostmortemInReview},
		{name: "ask again with the same reviewers changes nothing", steps: inReview, do: askReview("lee", "cmd"), wantStatus: PostmortemInReview},
		{name: "change the reviewers in review", steps: inReview, do: askReview("rev"), types: []string{EvPostmortemReviewRequested}, wantStatus: PostmortemInReview},
		{name: "fewer reviewers than the approvals asked", p: two, steps: drafted, do: askReview("lee"), named: ErrPMTooFewReviewers, field: "reviewers"},
		{name: "too many reviewers", steps: drafted, do: askReview(strings.Split("a b c d e f g h i j k l m n o p q r s t u", " ")...), field: "reviewers"},
		{name: "not a reviewer", steps: inReview, do: verdict("zed", Approve, ""), named: ErrPMNotReviewer, field: "reviewer"},
		{name: "an author approving while others can", steps: append(slices.Clone(drafted), by("ann", askReview("ann", "lee"))), do: verdict("ann", Approve, ""), named: ErrPMOwnText, field: "reviewer"},
		{name: "an author asking for changes to their text", steps: append(slices.Clone(drafted), by("ann", askReview("ann", "lee"))), do: verdict("ann", ChangesRequested, "more"), types: []string{EvPostmortemReviewed}, wantStatus: PostmortemInReview},
		{name: "the author who is the only possible reviewer approves", lead: "ann", cmd: "ann", steps: inReview, do: verdict("ann", Approve, ""), types: []string{EvPostmortemReviewed}, wantStatus: PostmortemInReview, wantApprove: []string{"ann"}},
		{name: "asking for changes needs a comment", steps: inReview, do: verdict("lee", ChangesRequested, " "), field: "comment"},
		{name: "an unknown verdict", steps: inReview, do: verdict("lee", "maybe", ""), field: "verdict"},
		{name: "changes requested block publishing", steps: append(slices.Clone(inReview), by("cmd", verdict("cmd", ChangesRequested, "the timeline misses the page")), by("lee", verdict("lee", Approve, ""))), do: publishIt, named: ErrPMChangesRequested, field: "reviews"},
		{name: "approval of an older text no longer counts", steps: append(slices.Clone(inReview), by("lee", verdict("lee", Approve, "")), by("ann", saveDoc("what happened, corrected"))), do: publishIt, named: ErrPMTooFewApprovals, field: "approvals"},
		{name: "editing in review stays in review", steps: append(slices.Clone(inReview), by("lee", verdict("lee", Approve, ""))), do: saveDoc("v2"), types: []string{EvPostmortemSaved}, wantStatus: PostmortemInReview, wantApprove: []string{}},
		{name: "the same text saves nothing", steps: inReview, do: saveDoc("what happened"), wantStatus: PostmortemInReview},
		{name: "changes requested, then approved, publishes", steps: append(slices.Clone(inReview), by("lee", verdict("lee", ChangesRequested, "why 2")), by("lee", verdict("lee", Approve, "ok now"))), do: publishIt, types: []string{EvPostmortemPublished}, wantStatus: PostmortemPublished},
		{name: "one approval of two asked", p: two, steps: append(slices.Clone(drafted), by("ann", askReview()), by("lee", verdict("lee", Approve, ""))), do: publishIt, named: ErrPMTooFewApprovals, field: "approvals"},
		{name: "two approvals of two asked", p: two, steps: append(slices.Clone(drafted), by("ann", askReview()), by("lee", verdict("lee", Approve, "")), by("cmd", verdict("cmd", Approve, ""))), do: publishIt, types: []string{EvPostmortemPublished}, wantStatus: PostmortemPublished},
		{name: "ask for a review when published", steps: published, do: askReview(), named: ErrPMPublished, field: "status"},
		{name: "review when published", steps: published, do: verdict("lee", ChangesRequested, "x"), named: ErrPMPublished, field: "status"},
		{name: "publish twice", steps: published, do: publishIt, named: ErrPMPublished, field: "status"},
		{name: "a revision without a reason", steps: published, do: saveDoc("v2"), named: ErrPMNeedsReason, field: "reason"},
		{name: "a revision with a reason", steps: published, do: func(p *Policy, inc *Incident) ([]Change, error) {
			return p.SavePostmortem(inc, PostmortemInput{Doc: PostmortemDoc{Summary: "v2"}, Reason: "the vendor's report"})
		}, types: []string{EvPostmortemRevised}, wantStatus: PostmortemPublished},
		{name: "save on a merged incident", steps: drafted, merged: true, do: saveDoc("x"), named: ErrPMMerged, field: "state"},
		{name: "ask for a review on a merged incident", steps: drafted, merged: true, do: askReview(), named: ErrPMMerged, field: "state"},
		{name: "review on a merged incident", steps: inReview, merged: true, do: verdict("lee", Approve, ""), named: ErrPMMerged, field: "state"},
		{name: "publish on a merged incident", steps: inReview, merged: true, do: publishIt, named: ErrPMMerged, field: "state"},
		{name: "an unknown cause category", do: func(p *Policy, inc *Incident) ([]Change, error) {
			return p.SavePostmortem(inc, PostmortemInput{Doc: PostmortemDoc{RootCauses: []Cause{{Category: "gremlins", Text: "x"}}}})
		}, field: "root_causes[0].category"},
		{name: "a timeline line past the events", do: func(p *Policy, inc *Incident) ([]Change, error) {
			return p.SavePostmortem(inc, PostmortemInput{Doc: PostmortemDoc{Timeline: []TimelineItem{{Seq: 99, At: t0}}}})
		}, field: "timeline[0].seq"},
		{name: "an added timeline line needs its time", do: func(p *Policy, inc *Incident) ([]Change, error) {
			return p.SavePostmortem(inc, PostmortemInput{Doc: PostmortemDoc{Timeline: []TimelineItem{{Text: "vendor called"}}}})
		}, field: "timeline[0].at"},
		{name: "an empty why", do: func(p *Policy, inc *Incident) ([]Change, error) {
			return p.SavePostmortem(inc, PostmortemInput{Doc: PostmortemDoc{Whys: []string{""}}})
		}, field: "whys[0]"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			p := tt.p
			if p == nil {
				p = one
			}
			lead, cmd := "lee", "cmd"
			if tt.lead != "" {
				lead, cmd = tt.lead, tt.cmd
			}
			inc, _ := recovered(t, p, lead, cmd, tt.steps...)
			before := inc.Postmortem
			if tt.merged {
				inc.State, inc.MergedInto = Merged, "INC-2"
			}
			ch, err := tt.do(p, &inc)
			if tt.field != "" {
				e, ok := errs.As(err)
				if !ok || e.Field != tt.field {
					t.Fatalf("err %v, want one naming %s", err, tt.field)
				}
				if tt.named != nil && !errors.Is(err, tt.named) {
					t.Fatalf("err %v, want %v", err, tt.named)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			var types []string
			for _, c := range ch {
				types = append(types, c.Type)
			}
			if !slices.Equal(types, tt.types) {
				t.Fatalf("events %v, want %v", types, tt.types)
			}
			next, _, err := Record(inc, ch, "ann", t0.Add(time.Hour))
			if err != nil {
				t.Fatal(err)
			}
			if next.Postmortem.Status != tt.wantStatus {
				t.Errorf("status %s, want %s", next.Postmortem.Status, tt.wantStatus)
			}
			if tt.wantApprove != nil && !slices.Equal(next.Postmortem.Approvals(), tt.wantApprove) {
				t.Errorf("approvals %v, want %v", next.Postmortem.Approvals(), tt.wantApprove)
			}
			if before.PublishedAt != nil && !next.Postmortem.PublishedAt.Equal(*before.PublishedAt) {
				t.Errorf("first publication moved from %v to %v", before.PublishedAt, next.Postmortem.PublishedAt)
			}
		})
	}
}

// TestPostmortemRecordAndFold: the whole review, closed, revised; the
// revisions list both texts with their hashes and approvals, and a fold of
// the stream equals the recorded state.
func TestPostmortemRecordAndFold(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	doc := PostmortemDoc{Summary: "keys leaked", RootCauses: []Cause{{Category: CauseProcess, Text: "no secret scanning"}},
		Timeline: []TimelineItem{{Seq: 1, At: t0, Text: "declared"}, {At: t0.Add(-time.Hour), Text: "the key was pushed"}}, Whys: []string{"why?"}}
	inc, all := recovered(t, p, "lee", "cmd",
		by("ann", func(p *Policy, inc *Incident) ([]Change, error) {
			return p.SavePostmortem(inc, PostmortemInput{Doc: doc})
		}),
		by("ann", askReview()),
		by("cmd", verdict("cmd", ChangesRequested, "name the page")),
		by("ann", saveDoc("keys leaked; paged at 10:05")),
		by("cmd", verdict("cmd", Approve, "")),
		by("lee", verdict("lee", Approve, "good")),
		by("ann", publishIt),
		by("lee", func(p *Policy, inc *Incident) ([]Change, error) { return p.Transition(inc, Closed, "", t0, Known{}) }),
		by("bob", func(p *Policy, inc *Incident) ([]Change, error) {
			return p.SavePostmortem(inc, PostmortemInput{Doc: PostmortemDoc{Summary: "v2"}, Reason: "vendor report"})
		}),
	)
	if inc.State != Closed || inc.Postmortem.Status != PostmortemPublished || inc.Postmortem.Doc.Summary != "v2" {
		t.Fatalf("state %s, post-mortem %s %q", inc.State, inc.Postmortem.Status, inc.Postmortem.Doc.Summary)
	}
	revs := Revisions(all)
	if len(revs) != 2 || revs[0].Doc.Summary != "keys leaked; paged at 10:05" || !slices.Equal(revs[0].Approvals, []string{"lee", "cmd"}) ||
		revs[1].Reason != "vendor report" || revs[1].Author != "bob" || revs[1].TextSHA256 != DocHash(PostmortemDoc{Summary: "v2"}) {
		t.Fatalf("revisions %+v", revs)
	}
	if !revs[0].At.Equal(*inc.Postmortem.PublishedAt) || revs[0].TextSHA256 != DocHash(PostmortemDoc{Summary: "keys leaked; paged at 10:05"}) {
		t.Errorf("revision 1 %v %s, published %v", revs[0].At, revs[0].TextSHA256, inc.Postmortem.PublishedAt)
	}
	folded, err := Fold(all)
	if err != nil {
		t.Fatal(err)
	}
	a, _ := json.Marshal(folded)
	b, _ := json.Marshal(inc)
	if string(a) != string(b) {
		t.Errorf("fold differs from the recorded state:\n%s\n%s", a, b)
	}
	// The projection reads back as it was written.
	var back Incident
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if c, _ := json.Marshal(back); string(c) != string(b) {
		t.Errorf("projection round trip:\n%s\n%s", c, b)
	}
	want := []string{"post-mortem review requested from lee, cmd", "cmd asked for changes to the post-mortem", "lee approved the post-mortem", "post-mortem published"}
	var said []string
	for _, e := range all {
		if PostmortemEvent(e.Type) {
			said = append(said, Describe(e))
		}
	}
	for _, w := range want {
		if !slices.ContainsFunc(said, func(s string) bool { return strings.HasPrefix(s, w) }) {
			t.Errorf("no event described as %q in %q", w, said)
		}
	}
}

func TestDefaultReviewers(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	sev1, _ := recovered(t, p, "lee", "cmd")
	if got := DefaultReviewers(&sev1); !slices.Equal(got, []string{"lee", "cmd"}) {
		t.Errorf("SEV1: %v", got)
	}
	sev3 := build(t, p, DeclareInput{Title: "t", Severity: "SEV3"}, assign(p, IRLead, "lee"), assign(p, IncidentCommander, "cmd"))
	if got := DefaultReviewers(&sev3); !slices.Equal(got, []string{"lee"}) {
		t.Errorf("SEV3: %v", got)
	}
	none := build(t, p, DeclareInput{Title: "t"}, func(inc *Incident) ([]Change, error) {
		return p.SavePostmortem(inc, PostmortemInput{Doc: PostmortemDoc{Summary: "s"}})
	})
	if _, err := p.RequestReview(&none, nil); !errors.Is(err, ErrPMNoReviewers) {
		t.Errorf("no IR Lead: %v", err)
	}
}
