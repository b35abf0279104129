package cli

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// onCallCmds are the on-call and paging commands.
func onCallCmds(g *globals) []*cobra.Command {
	return []*cobra.Command{onCallCmd(g), contactsCmd(g), rulesCmd(g), pageCmd(g), ackCmd(g), escalateCmd(g), escalationsCmd(g)}
}

func onCallCmd(g *globals) *cobra.Command {
	var at string
	cmd := &cobra.Command{
		Use:   "oncall",
		Short: "Who is on call, schedules, shifts, overrides and calendar feeds",
		Long: "Without a subcommand, show who is on call in every schedule now (or at --at), and until when.\n" +
			"Schedules, policies, teams and services are configured by admins through the API or the console.",
		Example: "  firebreak oncall\n  firebreak oncall --at 2026-12-24T20:00:00Z\n  firebreak oncall shifts primary --days 7",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			t, err := parseTime("at", at)
			if err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			var when time.Time
			if t != nil {
				when = *t
			}
			now, err := c.OnCall(cmd.Context(), when)
			if err != nil {
				return err
			}
			return g.print(httpapi.Items[roster.OnCallNow]{Items: now}, func(w io.Writer) {
				if len(now) == 0 {
					fmt.Fprintln(w, "No schedules yet.")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "SCHEDULE\tON CALL\tUNTIL")
				for _, n := range now {
					users := strings.Join(n.Users, ", ")
					if users == "" {
						users = "(nobody)"
					}
					fmt.Fprintf(t, "%s\t%s\t%s\n", n.Schedule, users, tsp(n.Until))
				}
				t.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&at, "at", "", "the instant to ask about (RFC 3339; default now)")
	cmd.AddCommand(onCallShiftsCmd(g), onCallSchedulesCmd(g), onCallPoliciesCmd(g), onCallTeamsCmd(g), onCallServicesCmd(g),
		onCallOverrideCmd(g), onCallCalendarCmd(g))
	return cmd
}

func onCallShiftsCmd(g *globals) *cobra.Command {
	var from string
	var days int
	cmd := &cobra.Command{
		Use: "shifts SCHEDULE", Short: "A schedule's final shifts, after restrictions and overrides", Args: cobra.ExactArgs(1),
		Example: "  firebreak oncall shifts primary\n  firebreak oncall shifts primary --from 2026-12-01T00:00:00Z --days 31",
		RunE: func(cmd *cobra.Command, args []string) error {
			if days < 1 || days > 90 {
				return usage("--days must be between 1 and 90")
			}
			start := time.Now()
			if t, err := parseTime("from", from); err != nil {
				return err
			} else if t != nil {
				start = *t
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			shifts, err := c.Shifts(cmd.Context(), args[0], start, start.Add(time.Duration(days)*24*time.Hour))
			if err != nil {
				return err
			}
			return g.print(httpapi.Items[oncall.Shift]{Items: shifts}, func(w io.Writer) {
				if len(shifts) == 0 {
					fmt.Fprintln(w, "Nobody is on call in that time.")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "START\tEND\tUSER\tLAYER")
				for _, s := range shifts {
					layer := s.Layer
					if s.Override {
						layer = "(override)"
					}
					fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", ts(s.Start), ts(s.End), s.User, layer)
				}
				t.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&from, "from", "", "start (RFC 3339; default now)")
	cmd.Flags().IntVar(&days, "days", 14, "how many days to show (at most 90)")
	return cmd
}

func onCallSchedulesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "schedules", Short: "List schedules", Example: `  firebreak oncall schedules`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ss, err := c.Schedules(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(httpapi.Items[oncall.Schedule]{Items: ss}, func(w io.Writer) {
				if len(ss) == 0 {
					fmt.Fprintln(w, "No schedules.")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "NAME\tTIME ZONE\tLAYERS\tOVERRIDES")
				for _, s := range ss {
					var layers []string
					for _, l := range s.Layers {
						layers = append(layers, fmt.Sprintf("%s (%s: %s)", l.Name, rotationText(l.Rotation), strings.Join(l.Users, ", ")))
					}
					fmt.Fprintf(t, "%s\t%s\t%s\t%d\n", s.Name, s.TimeZone, strings.Join(layers, "; "), len(s.Overrides))
				}
				t.Flush()
			})
		},
	}
}

func rotationText(r oncall.Rotation) string {
	n := max(r.Every, 1)
	switch r.Kind {
	case oncall.Daily, oncall.Weekly:
		unit := map[oncall.RotationKind]string{oncall.Daily: "day", oncall.Weekly: "week"}[r.Kind]
		if n == 1 {
			return string(r.Kind)
		}
		return fmt.Sprintf("every %d %ss", n, unit)
	case oncall.Custom:
		return fmt.Sprintf("every %dd%dh", r.Days, r.Hours)
	}
	return string(r.Kind)
}

func onCallPoliciesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "policies", Short: "List escalation policies", Example: `  firebreak oncall policies`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ps, err := c.Policies(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(httpapi.Items[oncall.Policy]{Items: ps}, func(w io.Writer) {
				if len(ps) == 0 {
					fmt.Fprintln(w, "No escalation policies.")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "NAME\tSTEPS\tREPEAT\tDESCRIPTION")
				for _, p := range ps {
					fmt.Fprintf(t, "%s\t%s\t%d\t%s\n", p.Name, stepsText(p.Steps), p.Repeat, dash(p.Description))
				}
				t.Flush()
			})
		},
	}
}

// stepsText is "1. schedule:primary (5m) → 2. user:rob (10m)".
func stepsText(steps []oncall.Step) string {
	var parts []string
	for i, s := range steps {
		var ts []string
		for _, t := range s.Targets {
			ts = append(ts, t.String())
		}
		parts = append(parts, fmt.Sprintf("%d. %s (%dm)", i+1, strings.Join(ts, ", "), s.Delay))
	}
	return strings.Join(parts, " → ")
}

func onCallTeamsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "teams", Short: "List teams", Example: `  firebreak oncall teams`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ts, err := c.Teams(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(httpapi.Items[roster.Team]{Items: ts}, func(w io.Writer) {
				if len(ts) == 0 {
					fmt.Fprintln(w, "No teams.")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "NAME\tMEMBERS\tDESCRIPTION")
				for _, tm := range ts {
					fmt.Fprintf(t, "%s\t%s\t%s\n", tm.Name, dash(strings.Join(tm.Members, ", ")), dash(tm.Description))
				}
				t.Flush()
			})
		},
	}
}

func onCallServicesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "services", Short: "List services", Example: `  firebreak oncall services`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ss, err := c.Services(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(httpapi.Items[roster.Service]{Items: ss}, func(w io.Writer) {
				if len(ss) == 0 {
					fmt.Fprintln(w, "No services.")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "NAME\tTEAM\tPOLICY\tDESCRIPTION")
				for _, s := range ss {
					fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", s.Name, dash(s.Team), dash(s.Policy), dash(s.Description))
				}
				t.Flush()
			})
		},
	}
}

func onCallOverrideCmd(g *globals) *cobra.Command {
	var user, from, to string
	var dur time.Duration
	var remove int
	cmd := &cobra.Command{
		Use:   "override SCHEDULE --user USER (--to TIME | --for DURATION) [--from TIME]",
		Short: "Put someone on call for a while, above every layer; or --remove one",
		Example: "  firebreak oncall override primary --user rob --from 2026-12-24T18:00:00Z --to 2026-12-25T08:00:00Z\n" +
			"  firebreak oncall override primary --user rob --for 3h\n" +
			"  firebreak oncall override primary --remove 0",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			fl := cmd.Flags()
			c, err := g.client()
			if err != nil {
				return err
			}
			if fl.Changed("remove") {
				sch, err := c.RemoveOverride(cmd.Context(), args[0], remove)
				if err != nil {
					return err
				}
				return g.print(sch, func(w io.Writer) {
					fmt.Fprintf(w, "Removed override %d of %s; %d left\n", remove, sch.Name, len(sch.Overrides))
				})
			}
			if strings.TrimSpace(user) == "" {
				return usage("--user is required: who is on call instead")
			}
			start := time.Now()
			if t, err := parseTime("from", from); err != nil {
				return err
			} else if t != nil {
				start = *t
			}
			var end time.Time
			switch {
			case fl.Changed("to") == fl.Changed("for"):
				return usage("give one of --to (RFC 3339) or --for (a duration such as 3h)")
			case fl.Changed("for"):
				if dur <= 0 {
					return usage("--for must be a positive duration such as 3h")
				}
				end = start.Add(dur)
			default:
				t, err := parseTime("to", to)
				if err != nil || t == nil {
					return usage("--to must be an RFC 3339 time such as 2026-12-25T08:00:00Z")
				}
				end = *t
			}
			sch, err := c.AddOverride(cmd.Context(), args[0], httpapi.OverrideBody{User: user, From: start, To: end})
			if err != nil {
				return err
			}
			return g.print(sch, func(w io.Writer) {
				fmt.Fprintf(w, "%s is on call in %s from %s until %s (override %d)\n", user, sch.Name, ts(start), ts(end), len(sch.Overrides)-1)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&user, "user", "", "who is on call instead")
	fl.StringVar(&from, "from", "", "start (RFC 3339; default now)")
	fl.StringVar(&to, "to", "", "end (RFC 3339)")
	fl.DurationVar(&dur, "for", 0, "length, such as 3h, instead of --to")
	fl.IntVar(&remove, "remove", 0, "remove the override with this index (from 0, in the schedule's order)")
	return cmd
}

func onCallCalendarCmd(g *globals) *cobra.Command {
	var user string
	var rotate bool
	cmd := &cobra.Command{
		Use:   "calendar [SCHEDULE]",
		Short: "Print the iCalendar (.ics) feed URL of a schedule, or of your own shifts",
		Long: "Print the URL of an iCalendar feed to subscribe to in a calendar app: a schedule's shifts, or\n" +
			"without SCHEDULE your own shifts in every schedule (--user for someone else's, admins only).\n" +
			"The URL works without signing in: keep it as secret as a token. Each URL is yours: it stops\n" +
			"working while you are deactivated. --rotate replaces every feed URL you hold (your shifts and\n" +
			"each schedule's) and prints the new one of your shifts; the old ones stop working at once.",
		Example: "  firebreak oncall calendar primary\n  firebreak oncall calendar\n  firebreak oncall calendar --rotate",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var u string
			switch {
			case rotate && len(args) == 1:
				return usage("--rotate replaces every feed URL you hold, the schedules' included: give no SCHEDULE")
			case rotate:
				var who string
				if who, err = g.userOrMe(cmd, c, user); err == nil {
					u, err = c.RotateUserCalendars(cmd.Context(), who)
				}
			case len(args) == 1:
				if user != "" {
					return usage("give a SCHEDULE or --user, not both")
				}
				u, err = c.ScheduleCalendar(cmd.Context(), args[0])
			default:
				var who string
				if who, err = g.userOrMe(cmd, c, user); err == nil {
					u, err = c.UserCalendar(cmd.Context(), who)
				}
			}
			if err != nil {
				return err
			}
			return g.print(map[string]string{"url": u}, func(w io.Writer) { fmt.Fprintln(w, u) })
		},
	}
	cmd.Flags().StringVar(&user, "user", "", "whose shifts (admins; default you)")
	cmd.Flags().BoolVar(&rotate, "rotate", false, "replace every feed URL held (the old ones stop working)")
	return cmd
}

// userOrMe is user, or the signed-in user when empty.
func (g *globals) userOrMe(cmd *cobra.Command, c *client.Client, user string) (string, error) {
	if user != "" {
		return user, nil
	}
	me, err := c.Me(cmd.Context())
	if err != nil {
		return "", err
	}
	return me.Username, nil
}

// minutes converts a whole number of minutes given as a duration.
func minutes(flag string, d time.Duration) (int, error) {
	if d < 0 || d%time.Minute != 0 {
		return 0, usage("--%s must be a whole number of minutes, such as 0, 2m or 1h30m", flag)
	}
	return int(d / time.Minute), nil
}
