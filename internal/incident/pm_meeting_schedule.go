package incident

import (
	"fmt"
	"slices"
	"strings"
	"time"
)

// EvPostmortemMeetingScheduled schedules the post-mortem's review meeting,
// or moves it: each one after the first bumps the invitation's sequence.
const EvPostmortemMeetingScheduled = "postmortem.meeting_scheduled"

// Bounds of a review meeting.
const (
	MinMeetingMinutes = 15
	MaxMeetingMinutes = 480
	MaxParticipants   = 50
	MaxLocation       = 500
)

// Meeting is the post-mortem's review meeting as last scheduled.
type Meeting struct {
	Start           time.Time `json:"start"`
	End             time.Time `json:"end"`
	DurationMinutes int       `json:"duration_minutes"`
	Participants    []string  `json:"participants"`
	Location        string    `json:"location,omitempty"`
	// Sequence is the invitation's iCalendar SEQUENCE: 0 when first
	// scheduled, one more each time it is moved.
	Sequence    int       `json:"sequence" doc:"The invitation's SEQUENCE: 0 when first scheduled, one more at each reschedule."`
	ScheduledBy string    `json:"scheduled_by"`
	ScheduledAt time.Time `json:"scheduled_at" doc:"When it was last (re)scheduled: the invitation's DTSTAMP."`
	Seq         int64     `json:"seq" doc:"The event that scheduled it, on the incident's hash chain."`
}

// MeetingInput is a request to schedule (or move) the review meeting.
// No participants: the incident's role holders and the post-mortem's
// reviewers (DefaultParticipants).
type MeetingInput struct {
	Start           time.Time
	DurationMinutes int
	Participants    []string
	Location        string
}

// MeetingData is the payload of EvPostmortemMeetingScheduled.
type MeetingData struct {
	Start           time.Time `json:"start"`
	DurationMinutes int       `json:"duration_minutes"`
	Participants    []string  `json:"participants"`
	Location        string    `json:"location,omitempty"`
	Sequence        int       `json:"sequence"`
}

// DefaultParticipants are whom a review meeting invites when none are
// named: everyone holding a role on the incident and the post-mortem's
// reviewers.
func DefaultParticipants(inc *Incident) []string {
	var out []string
	for _, a := range inc.Roles {
		out = append(out, a.User)
	}
	return uniq(append(out, inc.Postmortem.Reviewers...))
}

// ScheduleMeeting decides scheduling the post-mortem's review meeting at
// now: it starts in the future and before the post-mortem is due, lasts
// 15 minutes to 8 hours, and invites people (checked to exist by the
// service). Scheduling again moves it and bumps the sequence; the same
// meeting again changes nothing. The review task, when still to do, is
// marked started; its owner completes it as any other task.
func (p *Policy) ScheduleMeeting(inc *Incident, in MeetingInput, now time.Time) ([]Change, error) {
	if inc.State == Merged {
		return nil, pmErr(ErrPMMerged, "state", "%s was merged into %s", inc.Ref, inc.MergedInto)
	}
	due, open := inc.PostmortemOpenDue()
	if !open {
		why := fmt.Sprintf("%s is %s", inc.Ref, inc.State)
		if inc.Postmortem.Status == PostmortemPublished {
			why = "the post-mortem of " + inc.Ref + " is published"
		}
		return nil, pmErr(ErrPMNotOutstanding, "state", "%s: a review meeting is scheduled while a recovered incident's post-mortem is outstanding", why)
	}
	in.Location = strings.TrimSpace(in.Location)
	in.Participants = uniq(in.Participants)
	if len(in.Participants) == 0 {
		in.Participants = DefaultParticipants(inc)
	}
	start := Now(in.Start)
	var v validator
	switch {
	case in.Start.IsZero():
		v.add("start", "is required (RFC 3339, such as 2026-12-09T14:00:00Z)")
	case !start.After(now):
		v.add("start", "%s is not in the future", start.Format(time.RFC3339))
	case !start.Before(due):
		v.add("start", "%s is not before the post-mortem is due (%s)", start.Format(time.RFC3339), due.UTC().Format(time.RFC3339))
	}
	if in.DurationMinutes < MinMeetingMinutes || in.DurationMinutes > MaxMeetingMinutes {
		v.add("duration_minutes", "%d is not between %d and %d minutes", in.DurationMinutes, MinMeetingMinutes, MaxMeetingMinutes)
	}
	switch {
	case len(in.Participants) == 0:
		v.add("participants", "name at least one participant (%s has no role holders or reviewers to invite by default)", inc.Ref)
	case len(in.Participants) > MaxParticipants:
		v.add("participants", "at most %d participants", MaxParticipants)
	}
	v.text("location", in.Location, MaxLocation, false)
	if strings.ContainsAny(in.Location, "\r\n") {
		v.add("location", "is one line")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	d := MeetingData{Start: start, DurationMinutes: in.DurationMinutes, Participants: in.Participants, Location: in.Location}
	if m := inc.Postmortem.Meeting; m != nil {
		if m.Start.Equal(d.Start) && m.DurationMinutes == d.DurationMinutes && slices.Equal(m.Participants, d.Participants) && m.Location == d.Location {
			return nil, nil
		}
		d.Sequence = m.Sequence + 1
	}
	changes := []Change{{Type: EvPostmortemMeetingScheduled, Data: d}}
	if t, ok := inc.Task(PostmortemReviewTask); ok && t.State == TaskTodo {
		st := TaskInProgress
		changes = append(changes, Change{Type: EvTaskUpdated, Data: TaskUpdatedData{Key: PostmortemReviewTask, State: &st}})
	}
	return changes, nil
}

// applyMeeting folds EvPostmortemMeetingScheduled.
func (pm *Postmortem) applyMeeting(e Event) error {
	var d MeetingData
	if err := decode(e, &d); err != nil {
		return err
	}
	pm.Meeting = &Meeting{Start: d.Start, End: d.Start.Add(time.Duration(d.DurationMinutes) * time.Minute), DurationMinutes: d.DurationMinutes,
		Participants: slices.Clone(d.Participants), Location: d.Location, Sequence: d.Sequence,
		ScheduledBy: e.Actor, ScheduledAt: e.RecordedAt, Seq: e.Seq}
	return nil
}
