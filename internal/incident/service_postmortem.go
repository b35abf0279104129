package incident

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// SavePostmortem replaces the post-mortem's text; once published, a change
// to it is a new revision (see Policy.SavePostmortem).
// Timeline lines that choose an event take their times from it: the world
// time (when it happened, or was recorded) and the recorded time.
func (s *Service) SavePostmortem(ctx context.Context, c Command, in PostmortemInput) (Incident, error) {
	if slices.ContainsFunc(in.Doc.Timeline, func(t TimelineItem) bool { return t.Seq > 0 }) {
		_, events, err := s.Timeline(ctx, c.Actor, c.Ref)
		if err != nil {
			return Incident{}, err
		}
		in.Doc.Timeline = EventTimes(in.Doc.Timeline, events)
	}
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.SavePostmortem(inc, in) })
}

// EventTimes returns items with the times of the events they choose (by
// Seq) copied from events; lines the author added keep theirs.
func EventTimes(items []TimelineItem, events []Event) []TimelineItem {
	out := slices.Clone(items)
	for i, t := range out {
		if t.Seq <= 0 || t.Seq > int64(len(events)) {
			continue
		}
		e := events[t.Seq-1]
		rec := e.RecordedAt
		out[i].At, out[i].RecordedAt = rec, &rec
		if e.OccurredAt != nil {
			out[i].At = *e.OccurredAt
		}
	}
	return out
}

// RequestPostmortemReview sends the post-mortem to reviewers, each an
// active user; none named: the IR Lead and, when significant, the
// commander.
func (s *Service) RequestPostmortemReview(ctx context.Context, c Command, reviewers []string) (Incident, error) {
	for _, r := range uniq(reviewers) {
		ok, err := s.users.UserExists(ctx, r)
		if err != nil {
			return Incident{}, err
		}
		if !ok {
			return Incident{}, errs.E(errs.Invalid, "reviewers", "no active user %q", r)
		}
	}
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.RequestReview(inc, reviewers) })
}

// ReviewPostmortem records the acting user's verdict on the current text.
func (s *Service) ReviewPostmortem(ctx context.Context, c Command, verdict Verdict, comment string) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) {
		return s.policy.Review(inc, c.Actor.User, verdict, comment)
	})
}

// PublishPostmortem publishes the approved text.
func (s *Service) PublishPostmortem(ctx context.Context, c Command) (Incident, error) {
	return s.do(ctx, c, func(inc *Incident, _ time.Time) ([]Change, error) { return s.policy.Publish(inc) })
}

// PostmortemApprovals is how many approvals publishing needs.
func (s *Service) PostmortemApprovals() int { return s.policy.Approvals() }

// AuthorMayApprove reports whether an author of the text under review may
// approve it (see Policy.AuthorMayApprove).
func (s *Service) AuthorMayApprove(inc *Incident) bool { return s.policy.AuthorMayApprove(inc) }

// ScheduleMeeting schedules (or moves) the post-mortem's review meeting.
// Each named participant must be an active user: an unknown one is
// refused naming its place, participants[i].
func (s *Service) ScheduleMeeting(ctx context.Context, c Command, in MeetingInput) (Incident, error) {
	var v validator
	for i, p := range in.Participants {
		p = strings.TrimSpace(p)
		if p == "" {
			v.add(fmt.Sprintf("participants[%d]", i), "is empty")
			continue
		}
		ok, err := s.users.UserExists(ctx, p)
		if err != nil {
			return Incident{}, err
		}
		if !ok {
			v.add(fmt.Sprintf("participants[%d]", i), "no active user %q", p)
		}
	}
	if err := v.err(); err != nil {
		return Incident{}, err
	}
	return s.do(ctx, c, func(inc *Incident, now time.Time) ([]Change, error) { return s.policy.ScheduleMeeting(inc, in, now) })
}
