package incident

import (
	"errors"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// The review's refusals. Each forbidden step of draft → in_review →
// published has its own error, matched with errors.Is; each also carries
// an *errs.Error naming the field, for the edges.
var (
	ErrPMMerged           = errors.New("post-mortem: the incident was merged")
	ErrPMPublished        = errors.New("post-mortem: already published")
	ErrPMNotInReview      = errors.New("post-mortem: not in review")
	ErrPMNeedsReason      = errors.New("post-mortem: a revision needs a reason")
	ErrPMEmpty            = errors.New("post-mortem: no summary")
	ErrPMNoReviewers      = errors.New("post-mortem: no reviewers")
	ErrPMTooFewReviewers  = errors.New("post-mortem: fewer reviewers than approvals asked")
	ErrPMNotReviewer      = errors.New("post-mortem: not a named reviewer")
	ErrPMOwnText          = errors.New("post-mortem: approving one's own text")
	ErrPMChangesRequested = errors.New("post-mortem: changes requested")
	ErrPMTooFewApprovals  = errors.New("post-mortem: not enough approvals")
	ErrPMNotOutstanding   = errors.New("post-mortem: not outstanding")
)

// MaxReviewers bounds the reviewers of one post-mortem.
const MaxReviewers = 20

// ruleError is a named refusal with its user-facing error.
type ruleError struct {
	kind error
	err  *errs.Error
}

func (e *ruleError) Error() string   { return e.err.Error() }
func (e *ruleError) Unwrap() []error { return []error{e.kind, e.err} }

func pmErr(kind error, field, format string, args ...any) error {
	code := errs.Rule
	if kind == ErrPMNotReviewer || kind == ErrPMOwnText {
		code = errs.Forbidden
	}
	return &ruleError{kind: kind, err: errs.E(code, field, format, args...)}
}

// Verdicts of a review.
const (
	Approve          Verdict = "approve"
	ChangesRequested Verdict = "changes_requested"
)

// Verdict is a reviewer's word on a text.
type Verdict string

// Approvals needed to publish: the policy's, at least one.
func (p *Policy) approvals() int { return max(p.PostmortemApprovals, 1) }

// Approvals is how many approvals publishing needs (policy file:
// postmortem_approvals, default 1).
func (p *Policy) Approvals() int { return p.approvals() }

// DefaultReviewers are the IR Lead and, for a significant incident, the
// commander: the reviewers a request names when it names none.
func DefaultReviewers(inc *Incident) []string {
	out := inc.Holders(IRLead)
	if inc.Significant {
		out = append(out, inc.Holders(IncidentCommander)...)
	}
	return uniq(out)
}

func uniq(in []string) []string {
	out := []string{}
	for _, s := range in {
		if s = strings.TrimSpace(s); s != "" && !slices.Contains(out, s) {
			out = append(out, s)
		}
	}
	return out
}

// RequestReview decides sending the post-mortem's current text to
// reviewers (the defaults when none are named). Asking again while in
// review changes the reviewers; verdicts already given stay.
func (p *Policy) RequestReview(inc *Incident, reviewers []string) ([]Change, error) {
	pm := inc.Postmortem
	switch {
	case inc.State == Merged:
		return nil, pmErr(ErrPMMerged, "state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	case pm.Status == PostmortemPublished:
		return nil, pmErr(ErrPMPublished, "status", "the post-mortem of %s is published and stays so; change it by saving a revision with a reason", inc.Ref)
	case strings.TrimSpace(pm.Doc.Summary) == "":
		return nil, pmErr(ErrPMEmpty, "summary", "write a summary before asking for a review")
	}
	reviewers = uniq(reviewers)
	if len(reviewers) == 0 {
		reviewers = DefaultReviewers(inc)
	}
	switch n := p.approvals(); {
	case len(reviewers) == 0:
		return nil, pmErr(ErrPMNoReviewers, "reviewers", "name at least one reviewer (%s has no IR Lead to ask by default)", inc.Ref)
	case len(reviewers) > MaxReviewers:
		return nil, errs.E(errs.Invalid, "reviewers", "at most %d reviewers", MaxReviewers)
	case len(reviewers) < n:
		return nil, pmErr(ErrPMTooFewReviewers, "reviewers", "the policy asks for %d approvals: name at least %d reviewers", n, n)
	}
	if pm.Status == PostmortemInReview && slices.Equal(pm.Reviewers, reviewers) {
		return nil, nil
	}
	return []Change{{Type: EvPostmortemReviewRequested, Data: ReviewRequestedData{Reviewers: reviewers, TextSHA256: pm.TextSHA256}}}, nil
}

// Review decides reviewer's verdict on the current text. Only a named
// reviewer may give one; asking for changes needs a comment saying which.
func (p *Policy) Review(inc *Incident, reviewer string, verdict Verdict, comment string) ([]Change, error) {
	pm := inc.Postmortem
	comment = strings.TrimSpace(comment)
	var v validator
	if verdict != Approve && verdict != ChangesRequested {
		v.add("verdict", "unknown verdict %q; approve or changes_requested", verdict)
	}
	v.text("comment", comment, MaxText, verdict == ChangesRequested)
	if err := v.err(); err != nil {
		return nil, err
	}
	switch {
	case inc.State == Merged:
		return nil, pmErr(ErrPMMerged, "state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	case pm.Status == PostmortemPublished:
		return nil, pmErr(ErrPMPublished, "status", "the post-mortem of %s is already published", inc.Ref)
	case pm.Status != PostmortemInReview:
		return nil, pmErr(ErrPMNotInReview, "status", "the post-mortem of %s is a draft: ask for a review first", inc.Ref)
	case !slices.Contains(pm.Reviewers, reviewer):
		return nil, pmErr(ErrPMNotReviewer, "reviewer", "%s is not a reviewer of this post-mortem (reviewers: %s)", reviewer, strings.Join(pm.Reviewers, ", "))
	case verdict == Approve && slices.Contains(pm.Authors, reviewer) && !p.AuthorMayApprove(inc):
		return nil, pmErr(ErrPMOwnText, "reviewer", "%s wrote part of this text and cannot approve it while others can (%s)", reviewer, strings.Join(p.others(inc), ", "))
	}
	return []Change{{Type: EvPostmortemReviewed, Data: ReviewedData{Reviewer: reviewer, Verdict: verdict, Comment: comment, TextSHA256: pm.TextSHA256}}}, nil
}

// others are the people who could review the current text without having
// written it: the named reviewers, the IR Lead and the commander.
func (p *Policy) others(inc *Incident) []string {
	pm := inc.Postmortem
	all := uniq(append(append(slices.Clone(pm.Reviewers), inc.Holders(IRLead)...), inc.Holders(IncidentCommander)...))
	return slices.DeleteFunc(all, func(u string) bool { return slices.Contains(pm.Authors, u) })
}

// AuthorMayApprove reports whether a named reviewer who wrote part of the
// text under review may approve it: only when fewer people who did not
// write it could review it (named reviewers, IR Lead, commander) than the
// approvals the policy asks, so a small team is not locked out while a
// larger one always has a second pair of eyes.
func (p *Policy) AuthorMayApprove(inc *Incident) bool {
	return len(p.others(inc)) < p.approvals()
}

// Publish decides publishing the text in review: it needs the approvals the
// policy asks for on this very text, and no reviewer asking for changes to
// it.
func (p *Policy) Publish(inc *Incident) ([]Change, error) {
	pm := inc.Postmortem
	switch {
	case inc.State == Merged:
		return nil, pmErr(ErrPMMerged, "state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	case pm.Status == PostmortemPublished:
		return nil, pmErr(ErrPMPublished, "status", "the post-mortem of %s is already published; change it by saving a revision with a reason", inc.Ref)
	case pm.Status != PostmortemInReview:
		return nil, pmErr(ErrPMNotInReview, "status", "the post-mortem of %s is a draft: it is published after a review", inc.Ref)
	}
	if asked := pm.ChangesRequested(); len(asked) > 0 {
		return nil, pmErr(ErrPMChangesRequested, "reviews", "%s asked for changes to this text", strings.Join(asked, ", "))
	}
	approvals := pm.Approvals()
	if n := p.approvals(); len(approvals) < n {
		return nil, pmErr(ErrPMTooFewApprovals, "approvals", "publishing needs %d approval(s) of this text; it has %d", n, len(approvals))
	}
	return []Change{{Type: EvPostmortemPublished, Data: PublishedData{TextSHA256: pm.TextSHA256, Approvals: approvals}}}, nil
}

// Verdicts are each reviewer's last verdict on the current text, in the
// order the reviewers are named; a verdict on an older text no longer
// counts.
func (pm Postmortem) Verdicts() map[string]Review {
	out := map[string]Review{}
	for _, r := range pm.Reviews {
		if r.TextSHA256 == pm.TextSHA256 && slices.Contains(pm.Reviewers, r.Reviewer) {
			out[r.Reviewer] = r
		}
	}
	return out
}

// Approvals are the reviewers whose last verdict approves the current text.
func (pm Postmortem) Approvals() []string { return pm.with(Approve) }

// ChangesRequested are the reviewers whose last verdict on the current
// text asks for changes.
func (pm Postmortem) ChangesRequested() []string { return pm.with(ChangesRequested) }

func (pm Postmortem) with(v Verdict) []string {
	verdicts := pm.Verdicts()
	out := []string{}
	for _, r := range pm.Reviewers {
		if rv, ok := verdicts[r]; ok && rv.Verdict == v {
			out = append(out, r)
		}
	}
	return out
}
