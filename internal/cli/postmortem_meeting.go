package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// pmMeetingCmd is firebreak incidents postmortem meeting: schedule the
// review meeting (again: move it), show it, write its invitation.
func pmMeetingCmd(g *globals) *cobra.Command {
	var at, location string
	var duration time.Duration
	var with []string
	cmd := &cobra.Command{
		Use:   "meeting REF --at TIME --duration 60m [--with alice,bob] [--location TEXT] | meeting COMMAND",
		Short: "Schedule the post-mortem's review meeting; its invitation goes to the participants",
		Long: `Schedules the review meeting, in the future and before the post-mortem is due;
scheduling it again moves it (the invitation's SEQUENCE one more, its UID the
same). --at is RFC 3339 or "2026-12-09 14:00" in this machine's time zone;
--duration 15m to 8h; --with names the participants (default: everyone holding
a role on the incident and the post-mortem's reviewers). The invitation goes
through the outbox: by email an iCalendar request, on other channels its link.
Scheduling marks the review task started; its owner completes it.`,
		Example: `  firebreak incidents postmortem meeting INC-7 --at "2026-12-09 14:00" --duration 60m --with alice,bob --location "https://meet.example/pm"
  firebreak incidents postmortem meeting show INC-7
  firebreak incidents postmortem meeting ics INC-7 > review.ics`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if at == "" {
				return usage("--at TIME is required: RFC 3339, or \"2026-12-09 14:00\" in local time")
			}
			start, err := parseMeetingTime(at, time.Local)
			if err != nil {
				return usage("--at: %v", err)
			}
			if duration%time.Minute != 0 {
				return usage("--duration is whole minutes, such as 45m or 1h30m, not %s", duration)
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			m, err := c.ScheduleMeeting(cmd.Context(), args[0], httpapi.MeetingBody{Start: start, DurationMinutes: int(duration / time.Minute),
				Participants: with, Location: location})
			if err != nil {
				return err
			}
			return printMeeting(g, m)
		},
	}
	cmd.Flags().StringVar(&at, "at", "", `when it starts: RFC 3339, or "2026-12-09 14:00" in local time`)
	cmd.Flags().DurationVar(&duration, "duration", time.Hour, "how long it lasts, 15m to 8h")
	cmd.Flags().StringSliceVar(&with, "with", nil, "participants' usernames, comma-separated (default: the role holders and reviewers)")
	cmd.Flags().StringVar(&location, "location", "", "a room, or the URL of a call")
	show := &cobra.Command{Use: "show REF", Short: "Show the review meeting", Args: cobra.ExactArgs(1),
		Example: "  firebreak incidents postmortem meeting show INC-7",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			m, err := c.Meeting(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printMeeting(g, m)
		}}
	ics := &cobra.Command{Use: "ics REF", Short: "Write the review meeting's invitation (iCalendar) to standard output", Args: cobra.ExactArgs(1),
		Example: "  firebreak incidents postmortem meeting ics INC-7 > review.ics",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			return c.MeetingICS(cmd.Context(), args[0], cmd.OutOrStdout())
		}}
	cmd.AddCommand(show, ics)
	return cmd
}

// parseMeetingTime reads RFC 3339, or a date and time ("2026-12-09 14:00",
// optionally with seconds or a T) in loc.
func parseMeetingTime(s string, loc *time.Location) (time.Time, error) {
	s = strings.TrimSpace(s)
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	for _, layout := range []string{"2006-01-02 15:04", "2006-01-02 15:04:05", "2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, s, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, fmt.Errorf("%q is neither RFC 3339 (2026-12-09T14:00:00Z) nor a local date and time (2026-12-09 14:00)", s)
}

func printMeeting(g *globals, m client.Meeting) error {
	return g.print(m, func(w io.Writer) {
		fmt.Fprintf(w, "Review meeting of %s: %s to %s (%d min), invitation sequence %d\n", m.Ref, ts(m.Start), ts(m.End), m.DurationMinutes, m.Sequence)
		fmt.Fprintf(w, "Participants %s\n", strings.Join(m.Participants, ", "))
		if m.Location != "" {
			fmt.Fprintf(w, "Location %s\n", m.Location)
		}
		fmt.Fprintf(w, "Scheduled by %s at %s; the post-mortem is due %s\n", m.ScheduledBy, ts(m.ScheduledAt), tsp(m.PostmortemDue))
	})
}
