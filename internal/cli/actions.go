package cli

import (
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// actionsCmd is "firebreak actions": action items across incidents, and
// the verbs that add and change them.
func actionsCmd(g *globals) *cobra.Command {
	var f client.ActionFilter
	var mine, myTeams bool
	cmd := &cobra.Command{
		Use:   "actions",
		Short: "List action items across incidents (yours, your teams', overdue), add and change them",
		Example: `  firebreak actions --mine --overdue
  firebreak actions --incident INC-7 --state open --state in_progress
  firebreak actions add INC-7 --title "Rotate the deploy keys" --owner dana --due 2026-12-18 --kind prevent --priority p2
  firebreak actions start ACT-3
  firebreak actions done ACT-3
  firebreak actions wont-do ACT-3 --reason "replaced by ACT-9"
  firebreak actions edit ACT-3 --due 2026-12-31 --tracker-url https://jira.example/browse/SEC-4 --tracker-key SEC-4`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if mine {
				f.Owner = "me"
			}
			if myTeams {
				f.Team = "mine"
			}
			items, err := c.Actions(cmd.Context(), f)
			if err != nil {
				return err
			}
			return g.print(items, func(w io.Writer) { actionTable(w, items) })
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&mine, "mine", false, "only yours")
	fl.BoolVar(&myTeams, "team", false, "only your teams'")
	fl.StringVar(&f.Owner, "owner", "", "only this person's")
	fl.BoolVar(&f.Overdue, "overdue", false, "only those still open past their due date")
	fl.StringArrayVar(&f.States, "state", nil, "open, in_progress, done or wont_do (repeat for several)")
	fl.StringVar(&f.Incident, "incident", "", "only this incident's (INC-7)")
	cmd.AddCommand(actionAddCmd(g), actionShowCmd(g), actionEditCmd(g),
		actionMoveCmd(g, "start", actions.InProgress, "Start work on an action item"),
		actionMoveCmd(g, "done", actions.Done, "Mark an action item done"),
		actionMoveCmd(g, "reopen", actions.Open, "Reopen an action item"),
		actionMoveCmd(g, "wont-do", actions.WontDo, "Close an action item as won't do, with a reason"))
	return cmd
}

// actionTable prints items one a line (--overdue lists the overdue ones:
// the server's clock decides, not this machine's).
func actionTable(w io.Writer, items []actions.Action) {
	if len(items) == 0 {
		fmt.Fprintln(w, "No action items.")
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "ID\tINCIDENT\tSTATE\tPRIO\tKIND\tOWNER\tDUE\tTITLE")
	for _, a := range items {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", a.ID, a.Incident, a.State.Title(), a.Priority, a.Kind, a.Owner, a.Due, a.Title)
	}
	_ = tw.Flush()
}

// actionLine says what an item is now, after a change.
func actionLine(w io.Writer, a actions.Action) {
	fmt.Fprintf(w, "%s (%s) %q: %s, owner %s, due %s, %s %s", a.ID, a.Incident, a.Title, a.State.Title(), a.Owner, a.Due, a.Priority, a.Kind)
	if a.Reason != "" {
		fmt.Fprintf(w, "; won't do: %s", a.Reason)
	}
	if !a.Tracker.Empty() {
		fmt.Fprintf(w, "; tracked at %s", strings.TrimSpace(a.Tracker.Key+" "+a.Tracker.URL))
	}
	fmt.Fprintln(w)
}

func actionAddCmd(g *globals) *cobra.Command {
	var b httpapi.ActionBody
	var tr httpapi.TrackerBody
	cmd := &cobra.Command{
		Use:   "add REF --title TITLE --owner USER --due YYYY-MM-DD",
		Short: "Add an action item to an incident (also after it closed)", Example: `  firebreak actions add INC-7 --title "Alert on CI token use from new IPs" --owner dana --due 2026-12-18
  firebreak actions add INC-7 --title "Move CI to OIDC" --kind prevent --priority p1 --tracker-key OPS-42 --tracker-url https://tracker.example/OPS-42`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if tr != (httpapi.TrackerBody{}) {
				b.Tracker = &tr
			}
			a, err := c.CreateAction(cmd.Context(), args[0], b)
			if err != nil {
				return err
			}
			return g.print(a, func(w io.Writer) { actionLine(w, a) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Title, "title", "", "what is to be done")
	fl.StringVar(&b.Description, "description", "", "more, in Markdown")
	fl.StringVar(&b.Owner, "owner", "", "who does it (a user)")
	fl.StringVar(&b.Team, "team", "", "the team it belongs to")
	fl.StringVar(&b.Due, "due", "", "the due date, YYYY-MM-DD, today or later")
	fl.StringVar(&b.Priority, "priority", "", "p1, p2, p3 (default) or p4")
	fl.StringVar(&b.Kind, "kind", "", "prevent (default), detect, mitigate or process")
	fl.StringVar(&tr.URL, "tracker-url", "", "the issue in an external tracker")
	fl.StringVar(&tr.Key, "tracker-key", "", "its key there (SEC-4, #12)")
	return cmd
}

func actionShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show ACT-N",
		Short: "Show an action item", Example: `  firebreak actions show ACT-3
  firebreak actions show ACT-3 -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			a, err := c.Action(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(a, func(w io.Writer) {
				actionLine(w, a)
				if a.Team != "" {
					fmt.Fprintf(w, "Team: %s\n", a.Team)
				}
				fmt.Fprintf(w, "Created by %s at %s; last changed by %s at %s (version %d)\n", a.CreatedBy, a.CreatedAt.Format(time.RFC3339),
					a.UpdatedBy, a.UpdatedAt.Format(time.RFC3339), a.Version)
				if a.Description != "" {
					fmt.Fprintf(w, "\n%s\n", a.Description)
				}
			})
		},
	}
}

func actionEditCmd(g *globals) *cobra.Command {
	var title, desc, owner, team, due, prio, kind, trURL, trKey string
	var version int64
	cmd := &cobra.Command{
		Use:   "edit ACT-N [--title …] [--owner …] [--due …] …",
		Short: "Change an action item's fields (those given)", Example: `  firebreak actions edit ACT-3 --due 2027-01-15 --owner bob
  firebreak actions edit ACT-3 --title "Rotate every deploy key" --if-version 2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var b httpapi.ActionPatchBody
			fl := cmd.Flags()
			set := func(name string, v string, to **string) {
				if fl.Changed(name) {
					*to = &v
				}
			}
			set("title", title, &b.Title)
			set("description", desc, &b.Description)
			set("owner", owner, &b.Owner)
			set("team", team, &b.Team)
			set("due", due, &b.Due)
			set("priority", prio, &b.Priority)
			set("kind", kind, &b.Kind)
			if fl.Changed("tracker-url") || fl.Changed("tracker-key") {
				b.Tracker = &httpapi.TrackerBody{URL: trURL, Key: trKey}
			}
			a, err := c.UpdateAction(cmd.Context(), args[0], b, version)
			if err != nil {
				return err
			}
			return g.print(a, func(w io.Writer) { actionLine(w, a) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&title, "title", "", "a new title")
	fl.StringVar(&desc, "description", "", "a new description (Markdown)")
	fl.StringVar(&owner, "owner", "", "a new owner (a user)")
	fl.StringVar(&team, "team", "", "a new team (empty to clear)")
	fl.StringVar(&due, "due", "", "a new due date, YYYY-MM-DD, today or later")
	fl.StringVar(&prio, "priority", "", "p1 to p4")
	fl.StringVar(&kind, "kind", "", "prevent, detect, mitigate or process")
	fl.StringVar(&trURL, "tracker-url", "", "the issue in an external tracker (both empty to unlink)")
	fl.StringVar(&trKey, "tracker-key", "", "its key there")
	fl.Int64Var(&version, "if-version", 0, "change it only if it is still at this version")
	return cmd
}

func actionMoveCmd(g *globals, verb string, to actions.State, short string) *cobra.Command {
	var reason string
	var version int64
	example := "  firebreak actions " + verb + " ACT-3\n  firebreak actions " + verb + " ACT-3 --if-version 4"
	if to == actions.WontDo {
		example = `  firebreak actions wont-do ACT-3 --reason "superseded by ACT-5"`
	}
	cmd := &cobra.Command{
		Use:     verb + " ACT-N",
		Short:   short,
		Example: example,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			st := string(to)
			b := httpapi.ActionPatchBody{State: &st}
			if to == actions.WontDo {
				b.Reason = &reason
			}
			a, err := c.UpdateAction(cmd.Context(), args[0], b, version)
			if err != nil {
				return err
			}
			return g.print(a, func(w io.Writer) { actionLine(w, a) })
		},
	}
	if to == actions.WontDo {
		cmd.Flags().StringVar(&reason, "reason", "", "why it won't be done (required)")
	}
	cmd.Flags().Int64Var(&version, "if-version", 0, "change it only if it is still at this version")
	return cmd
}
