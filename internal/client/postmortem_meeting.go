package client

import (
	"context"
	"io"
	"net/http"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// Meeting is the post-mortem's review meeting.
type Meeting = httpapi.MeetingView

// ScheduleMeeting schedules the review meeting, or moves it.
func (c *Client) ScheduleMeeting(ctx context.Context, ref string, in httpapi.MeetingBody) (Meeting, error) {
	var out Meeting
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "postmortem", "meeting"), body: in}, &out)
	return out, err
}

// Meeting reads the review meeting; errs.NotFound when none is scheduled.
func (c *Client) Meeting(ctx context.Context, ref string) (Meeting, error) {
	var out Meeting
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "postmortem", "meeting")}, &out)
	return out, err
}

// MeetingICS writes the review meeting's invitation, as iCalendar, to w.
func (c *Client) MeetingICS(ctx context.Context, ref string, w io.Writer) error {
	return c.stream(ctx, http.MethodGet, incPath(ref, "postmortem", "meeting.ics"), "", nil, func(body io.Reader) error {
		_, err := io.Copy(w, body)
		return err
	})
}
