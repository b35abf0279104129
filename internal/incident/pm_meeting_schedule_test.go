package incident

import (
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Scheduling the review meeting: each refusal names its field; the first
// scheduling marks the review task started; moving it bumps the sequence;
// the same meeting again records nothing.
func TestScheduleMeeting(t *testing.T) {
	t.Parallel()
	p := DefaultPolicy()
	inc, _ := recovered(t, p, "lee", "cmd", by("lee", saveDoc("s")), by("lee", askReview("rev")))
	now := t0.Add(time.Hour)
	due := *inc.PostmortemDue
	ok := MeetingInput{Start: now.Add(24 * time.Hour), DurationMinutes: 60}
	for _, tt := range []struct {
		name  string
		in    MeetingInput
		field string
	}{
		{"no start", MeetingInput{DurationMinutes: 60}, "start"},
		{"past start", MeetingInput{Start: now.Add(-time.Minute), DurationMinutes: 60}, "start"},
		{"start now", MeetingInput{Start: now, DurationMinutes: 60}, "start"},
		{"at the deadline", MeetingInput{Start: due, DurationMinutes: 60}, "start"},
		{"after the deadline", MeetingInput{Start: due.Add(time.Hour), DurationMinutes: 60}, "start"},
		{"too short", MeetingInput{Start: ok.Start, DurationMinutes: 14}, "duration_minutes"},
		{"too long", MeetingInput{Start: ok.Start, DurationMinutes: 481}, "duration_minutes"},
		{"location on two lines", MeetingInput{Start: ok.Start, DurationMinutes: 60, Location: "room 1\nBcc: x"}, "location"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := p.ScheduleMeeting(&inc, tt.in, now)
			e, isErr := errs.As(err)
			if !isErr || e.Code != errs.Invalid || e.Field != tt.field {
				t.Fatalf("error %v, want invalid %s", err, tt.field)
			}
		})
	}
	for _, d := range []int{MinMeetingMinutes, MaxMeetingMinutes} {
		if _, err := p.ScheduleMeeting(&inc, MeetingInput{Start: ok.Start, DurationMinutes: d}, now); err != nil {
			t.Errorf("%d minutes: %v", d, err)
		}
	}

	ch, err := p.ScheduleMeeting(&inc, ok, now)
	if err != nil {
		t.Fatal(err)
	}
	if len(ch) != 2 || ch[1].Type != EvTaskUpdated || *ch[1].Data.(TaskUpdatedData).State != TaskInProgress {
		t.Fatalf("changes %+v, want the meeting and the task started", ch)
	}
	inc, evs, err := Record(inc, ch, "lee", now)
	if err != nil {
		t.Fatal(err)
	}
	m := inc.Postmortem.Meeting
	if m == nil || !m.Start.Equal(ok.Start) || !m.End.Equal(ok.Start.Add(time.Hour)) || m.Sequence != 0 || m.ScheduledBy != "lee" || m.Seq != evs[0].Seq ||
		!slices.Equal(m.Participants, []string{"lee", "cmd", "rev"}) {
		t.Fatalf("meeting %+v", m)
	}
	if task, _ := inc.Task(PostmortemReviewTask); task.State != TaskInProgress {
		t.Errorf("review task %s, want in_progress", task.State)
	}
	if got := Describe(evs[0]); got != "post-mortem review meeting scheduled: 2026-11-26 11:00Z for 60 min with lee, cmd, rev" {
		t.Errorf("described %q", got)
	}

	// The same again: nothing. Moved: the sequence one more, the task left.
	if ch, err := p.ScheduleMeeting(&inc, ok, now); err != nil || ch != nil {
		t.Fatalf("same meeting again: %v %v", ch, err)
	}
	moved := MeetingInput{Start: ok.Start.Add(2 * time.Hour), DurationMinutes: 30, Participants: []string{"lee", "ann", "lee"}, Location: "https://meet.example/pm"}
	ch, err = p.ScheduleMeeting(&inc, moved, now)
	if err != nil || len(ch) != 1 {
		t.Fatalf("move: %v %v", ch, err)
	}
	inc, _, err = Record(inc, ch, "cmd", now.Add(time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	m = inc.Postmortem.Meeting
	if m.Sequence != 1 || m.ScheduledBy != "cmd" || !slices.Equal(m.Participants, []string{"lee", "ann"}) || m.Location != moved.Location || m.DurationMinutes != 30 {
		t.Fatalf("moved meeting %+v", m)
	}

	// Published: nothing outstanding to review.
	pub := inc
	pub.Postmortem.Status = PostmortemPublished
	_, err = p.ScheduleMeeting(&pub, moved, now)
	if e, ok := errs.As(err); !errors.Is(err, ErrPMNotOutstanding) || !ok || e.Field != "state" {
		t.Errorf("published: %v", err)
	}
}
