package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// The post-mortem's review meeting and its invitation (issue 17).

// MeetingBody schedules the review meeting, or moves it.
type MeetingBody struct {
	Start           time.Time `json:"start" doc:"RFC 3339; in the future and before the post-mortem is due."`
	DurationMinutes int       `json:"duration_minutes" minimum:"15" maximum:"480"`
	Participants    []string  `json:"participants,omitempty" maxItems:"50" doc:"Usernames; none: everyone holding a role on the incident and the post-mortem's reviewers."`
	Location        string    `json:"location,omitempty" maxLength:"500" doc:"A room, or the URL of a call."`
}

// MeetingView is the review meeting as last scheduled.
type MeetingView struct {
	Ref string `json:"ref"`
	incident.Meeting
	PostmortemDue *time.Time `json:"postmortem_due"`
	ICSPath       string     `json:"ics_path" doc:"The invitation as an iCalendar file, on this API."`
}

// MeetingOutput is a review meeting answer, with the incident version.
type MeetingOutput struct {
	ETag string `header:"ETag"`
	Body MeetingView
}

func meetingOut(inc incident.Incident) (*MeetingOutput, error) {
	m := inc.Postmortem.Meeting
	if m == nil {
		return nil, errs.E(errs.NotFound, "meeting", "no review meeting is scheduled for %s", inc.Ref)
	}
	return &MeetingOutput{ETag: etag(inc.Version), Body: MeetingView{Ref: inc.Ref, Meeting: *m, PostmortemDue: inc.PostmortemDue,
		ICSPath: "/api/v1/incidents/" + inc.Ref + "/postmortem/meeting.ics"}}, nil
}

// registerPostmortemMeeting declares the review meeting's operations.
func (s *Server) registerPostmortemMeeting(api huma.API) {
	tags := []string{"Incidents"}
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "schedule-postmortem-meeting", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/postmortem/meeting", Tags: tags,
		Summary: "Schedule the post-mortem's review meeting",
		Description: "Schedules the review meeting (again: moves it, the invitation's SEQUENCE one more, its UID the same) and marks the review task started. " +
			"start must be in the future and before the post-mortem is due (422, start); duration_minutes 15 to 480 (422, duration_minutes); each participant an active user (422, participants[i]). " +
			"Only while the recovered incident's post-mortem is outstanding (422, state). The invitation goes to each participant through the outbox: by email the iCalendar request, on other channels its link.",
	}), s.schedulePostmortemMeeting)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-postmortem-meeting", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/postmortem/meeting", Tags: tags,
		Summary: "Read the post-mortem's review meeting", Description: "404 when none is scheduled.",
	}), s.getPostmortemMeeting)

	if s.postmortem != nil {
		huma.Register(api, op(auth.Viewer, huma.Operation{
			OperationID: "get-postmortem-meeting-ics", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/postmortem/meeting.ics", Tags: tags,
			Summary: "The review meeting's invitation as iCalendar",
			Description: "METHOD:REQUEST with one VEVENT: UID stable across reschedules, SEQUENCE, DTSTAMP the time it was scheduled, DTSTART/DTEND in UTC, " +
				"SUMMARY, DESCRIPTION and URL linking to the post-mortem, ORGANIZER and an ATTENDEE for each participant with an email address.",
		}), s.getPostmortemMeetingICS)
	}
}

// scheduleMeetingInput is what schedule-postmortem-meeting takes.
type scheduleMeetingInput struct {
	RefParam
	IfMatch
	Body MeetingBody
}

// schedulePostmortemMeeting serves POST /api/v1/incidents/{ref}/postmortem/meeting.
func (s *Server) schedulePostmortemMeeting(ctx context.Context, in *scheduleMeetingInput) (*MeetingOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.ScheduleMeeting(ctx, c, incident.MeetingInput{Start: in.Body.Start, DurationMinutes: in.Body.DurationMinutes,
		Participants: in.Body.Participants, Location: in.Body.Location})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out, err := meetingOut(inc)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return out, nil
}

// getPostmortemMeeting serves GET /api/v1/incidents/{ref}/postmortem/meeting.
func (s *Server) getPostmortemMeeting(ctx context.Context, in *RefParam) (*MeetingOutput, error) {
	inc, err := s.incidents.Get(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out, err := meetingOut(inc)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return out, nil
}

// ICSOutput is an iCalendar file.
type ICSOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// getPostmortemMeetingICS serves GET /api/v1/incidents/{ref}/postmortem/meeting.ics.
func (s *Server) getPostmortemMeetingICS(ctx context.Context, in *RefParam) (*ICSOutput, error) {
	v := viewer(ctx)
	inv, err := s.postmortem.Invitation(ctx, v, in.Ref, v.User)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	b, err := inv.ICS()
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &ICSOutput{ContentType: postmortem.ICSMediaType, ContentDisposition: `attachment; filename="` + inv.Incident.Ref + `-review.ics"`, Body: b}, nil
}
