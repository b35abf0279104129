package tasks

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// JobMeetingInvite is the job kind that invites the participants of a
// post-mortem's review meeting as (re)scheduled by one event.
const JobMeetingInvite = "tasks.postmortem_meeting_invite"

// KindMeetingInvite is the outbox kind of one invitation to the review
// meeting to one contact method of one participant: by email the
// iCalendar request itself, on other channels a message with its link.
const KindMeetingInvite = "postmortem_meeting_invite"

// Invitations build the review meeting's invitation as a reader receives
// it (postmortem.Service).
type Invitations interface {
	Invitation(ctx context.Context, v incident.Viewer, ref, reader string) (postmortem.Invitation, error)
}

// meetingArgs are a JobMeetingInvite's arguments: the incident and the
// invitation's sequence the event scheduled.
type meetingArgs struct {
	Incident string `json:"incident"`
	Sequence int    `json:"sequence"`
}

// MeetingJobs returns the invitation jobs to write with an incident's new
// events: one for each scheduling of the review meeting among them, due
// at once. Named by incident and sequence, a job derived twice is one.
func MeetingJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	var jobs []engine.Job
	for _, ev := range events {
		if ev.Type != incident.EvPostmortemMeetingScheduled {
			continue
		}
		var d incident.MeetingData
		if json.Unmarshal(ev.Data, &d) != nil { // the fold decoded it already
			continue
		}
		a := meetingArgs{Incident: inc.ID, Sequence: d.Sequence}
		args, _ := json.Marshal(a)
		jobs = append(jobs, engine.Job{ID: fmt.Sprintf("%s:%s:%d", JobMeetingInvite, inc.ID, d.Sequence), Kind: JobMeetingInvite, RunAt: ev.RecordedAt, Args: args})
	}
	return jobs
}

// meetingDue finds the meeting an invitation is about; why says why it is
// no longer wanted (the incident is gone, the meeting moved since).
func (s *Service) meetingDue(ctx context.Context, a meetingArgs) (incident.Incident, string, error) {
	inc, err := s.d.Incidents.Get(ctx, system, a.Incident)
	if errs.CodeOf(err) == errs.NotFound {
		return inc, "the incident is gone", nil
	}
	if err != nil {
		return inc, "", err
	}
	m := inc.Postmortem.Meeting
	switch {
	case m == nil:
		return inc, "no meeting is scheduled", nil
	case m.Sequence != a.Sequence:
		return inc, "the meeting was moved since; the newer invitation went instead", nil
	}
	return inc, "", nil
}

func (s *Service) handleMeeting(ctx context.Context, j engine.Job) error {
	var a meetingArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	inc, why, err := s.meetingDue(ctx, a)
	if err != nil {
		return err
	}
	if why != "" {
		s.d.Logger.Debug("review meeting invitation not sent", "incident", a.Incident, "sequence", a.Sequence, "why", why)
		return nil
	}
	if s.d.People == nil || s.d.Outbox == nil {
		s.d.Logger.Warn("review meeting invitation not sent: no way to reach people", "incident", inc.Ref)
		return nil
	}
	var ds []outbox.Delivery
	for _, user := range inc.Postmortem.Meeting.Participants {
		cs, err := s.d.People.VerifiedContacts(ctx, user)
		if err != nil {
			return err
		}
		if len(cs) == 0 {
			d := meetingDelivery(a, user, contacts.Contact{})
			d.State, d.LastError = outbox.Skipped, NoContact+": "+user+" has no verified contact method"
			ds = append(ds, d)
		}
		for _, c := range cs {
			ds = append(ds, meetingDelivery(a, user, c))
		}
	}
	return s.deliver(ctx, ds)
}

// meetingPayload is a KindMeetingInvite delivery's payload.
type meetingPayload struct {
	meetingArgs
	User    string `json:"user"`
	Contact string `json:"contact,omitempty"`
	Channel string `json:"channel,omitempty"`
}

func meetingDelivery(a meetingArgs, user string, c contacts.Contact) outbox.Delivery {
	payload, _ := json.Marshal(meetingPayload{meetingArgs: a, User: user, Contact: c.ID, Channel: string(c.Kind)})
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%d\x00%s\x00%s", a.Incident, a.Sequence, user, c.ID))
	return outbox.Delivery{ID: "pmmeet_" + hex.EncodeToString(h[:12]), Kind: KindMeetingInvite,
		Subject: outbox.Subject{Kind: "postmortem_meeting", ID: a.Incident, Incident: a.Incident},
		Target:  c.Target, Ref: c.ID, Payload: payload}
}

// meetingKind renders KindMeetingInvite deliveries.
type meetingKind struct{ s *Service }

// Prepare is the invitation as the meeting stands now: by email the
// iCalendar request (as the participant may see the incident), on other
// channels the meeting's time and the link to the .ics. One moved since
// is skipped: the newer invitation goes instead.
func (k meetingKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	var p meetingPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return outbox.Message{}, outbox.Fail(fmt.Errorf("meeting invitation: bad payload: %w", err))
	}
	inc, why, err := k.s.meetingDue(ctx, p.meetingArgs)
	switch {
	case err != nil:
		return outbox.Message{}, err
	case why != "":
		return outbox.Message{}, outbox.Skip(why)
	case k.s.d.Invitations == nil:
		return outbox.Message{}, outbox.Fail(fmt.Errorf("meeting invitation: no invitations are wired"))
	}
	inv, err := k.s.d.Invitations.Invitation(ctx, system, inc.ID, p.User)
	if err != nil {
		return outbox.Message{}, err
	}
	_, base := k.s.config()
	m := inv.Meeting
	var b strings.Builder
	b.WriteString(inv.Description())
	if base != "" {
		fmt.Fprintf(&b, "Add to your calendar: %s/incidents/%s/postmortem/meeting.ics\n", base, inc.Ref)
	}
	verb := "Invitation"
	if m.Sequence > 0 {
		verb = "Moved"
	}
	subject := fmt.Sprintf("%s: %s, %s", verb, inv.Summary(), m.Start.UTC().Format("Mon 2 Jan 15:04 UTC"))
	if d.Target.Kind == notify.KindEmail {
		ics, err := inv.ICS()
		if err != nil {
			return outbox.Message{}, outbox.Fail(err)
		}
		return outbox.Doc(notify.Document{ID: d.ID, Subject: subject, Text: b.String(), Calendar: ics, Time: k.s.d.Now()}), nil
	}
	msg := notify.Message{ID: d.ID, Title: subject, Body: b.String(), Severity: inc.Severity, Time: k.s.d.Now(),
		Fields: map[string]string{"incident": inc.Ref, "meeting_start": m.Start.UTC().Format(time.RFC3339), "sequence": fmt.Sprint(m.Sequence)}}
	if base != "" {
		msg.URL = base + "/incidents/" + inc.Ref + "/postmortem"
	}
	return outbox.Text(msg), nil
}
