package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// tasksCmd is "firebreak tasks": one incident's tasks, or tasks across
// incidents (--mine, list).
func tasksCmd(g *globals) *cobra.Command {
	var o client.TaskOptions
	var mine bool
	cmd := &cobra.Command{
		Use:   "tasks [REF]",
		Short: "Show an incident's tasks by phase, or your tasks across incidents (--mine)",
		Example: `  firebreak tasks INC-7
  firebreak tasks --mine
  firebreak tasks list --assignee alice --overdue`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 1 {
				if mine || o.Assignee != "" || o.Overdue || o.All {
					return usage("--mine, --assignee, --overdue and --all list tasks across incidents; give no REF with them")
				}
				return showTasks(cmd, g, args[0])
			}
			if !mine && o.Assignee == "" && !o.Overdue {
				return usage("give an incident (firebreak tasks INC-7), --mine, or use firebreak tasks list")
			}
			if mine {
				if o.Assignee != "" {
					return usage("--mine and --assignee are one or the other")
				}
				o.Assignee = "me"
			}
			return listTasks(cmd, g, o)
		},
	}
	taskListFlags(cmd, &o)
	cmd.Flags().BoolVar(&mine, "mine", false, "your tasks across the incidents you may see")
	cmd.AddCommand(tasksListCmd(g))
	return cmd
}

func taskListFlags(cmd *cobra.Command, o *client.TaskOptions) {
	fl := cmd.Flags()
	fl.StringVar(&o.Assignee, "assignee", "", "tasks of this user (me for yours)")
	fl.BoolVar(&o.Overdue, "overdue", false, "only open tasks past their due time")
	fl.BoolVar(&o.All, "all", false, "done and skipped tasks too")
	fl.BoolVar(&o.AllIncidents, "closed-incidents", false, "tasks of closed, dismissed and merged incidents too")
}

func tasksListCmd(g *globals) *cobra.Command {
	var o client.TaskOptions
	cmd := &cobra.Command{
		Use:     "list",
		Short:   "List tasks across incidents, due soonest first",
		Example: "  firebreak tasks list --overdue\n  firebreak tasks list --assignee alice",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			return listTasks(cmd, g, o)
		},
	}
	taskListFlags(cmd, &o)
	return cmd
}

func listTasks(cmd *cobra.Command, g *globals, o client.TaskOptions) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	rows, err := c.Tasks(cmd.Context(), o)
	if err != nil {
		return err
	}
	return g.print(rows, func(w io.Writer) {
		if len(rows) == 0 {
			fmt.Fprintln(w, "No tasks match.")
			return
		}
		t := tab(w)
		fmt.Fprintln(t, "INCIDENT\tSEVERITY\tKEY\tSTATE\tREQUIRED\tASSIGNEE\tDUE\tTITLE")
		for _, r := range rows {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.IncidentRef, dash(r.IncidentSeverity), r.Key, r.State, yesNo(r.Required),
				dash(r.Assignee), due(r.DueAt, r.Overdue), truncate(r.Title, 60))
		}
		t.Flush()
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

func due(t *time.Time, overdue bool) string {
	if t == nil {
		return "-"
	}
	if overdue {
		return ts(*t) + " OVERDUE"
	}
	return ts(*t)
}

func showTasks(cmd *cobra.Command, g *globals, ref string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	it, err := c.IncidentTasks(cmd.Context(), ref)
	if err != nil {
		return err
	}
	// The tasks are the list, so they are its items, as in every list's JSON.
	board := struct {
		Ref       string                   `json:"ref"`
		Version   int64                    `json:"version"`
		State     incident.State           `json:"state"`
		Items     []incident.Task          `json:"items"`
		Progress  []incident.PhaseProgress `json:"progress"`
		Plans     []incident.AppliedPlan   `json:"plans"`
		Suggested []httpapi.SuggestedPlan  `json:"suggested_plans"`
	}{it.Ref, it.Version, it.State, it.Tasks, it.Progress, it.Plans, it.Suggested}
	return g.print(board, func(w io.Writer) {
		fmt.Fprintf(w, "%s is %s\n", it.Ref, it.State)
		if len(it.Tasks) == 0 {
			fmt.Fprintln(w, "No tasks.")
		}
		now := time.Now()
		for _, pp := range it.Progress {
			fmt.Fprintf(w, "\n%s: %d of %d done", pp.Phase.Title(), pp.Done, pp.Total)
			if pp.Required > 0 {
				fmt.Fprintf(w, ", %d required open", pp.Required)
			}
			if pp.Overdue > 0 {
				fmt.Fprintf(w, ", %d overdue", pp.Overdue)
			}
			fmt.Fprintln(w)
			t := tab(w)
			fmt.Fprintln(t, "KEY\tSTATE\tREQUIRED\tASSIGNEE\tDUE\tTITLE")
			for _, task := range it.Tasks {
				if task.Phase != pp.Phase {
					continue
				}
				state := string(task.State)
				switch {
				case task.State == incident.TaskBlocked && task.Blocker != "":
					state += " (" + truncate(task.Blocker, 30) + ")"
				case task.State == incident.TaskSkipped && task.SkipReason != "":
					state += " (" + truncate(task.SkipReason, 30) + ")"
				}
				fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", task.Key, state, yesNo(task.Required), dash(task.Assignee),
					due(task.DueAt, task.Overdue(now)), truncate(task.Title, 60))
			}
			t.Flush()
		}
		printPlans(w, it)
	})
}

// taskCmd is "firebreak task": change one task.
func taskCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "task", Short: "Work on one task of an incident: start, done, block, skip, assign, add, check"}
	state := func(use, short string, st incident.TaskState) *cobra.Command {
		return &cobra.Command{
			Use: use + " REF KEY", Short: short, Args: cobra.ExactArgs(2),
			Example: "  firebreak task " + use + " INC-7 revoke-sessions",
			RunE: func(cmd *cobra.Command, args []string) error {
				s := string(st)
				return patchTask(cmd, g, args[0], args[1], httpapi.TaskPatchBody{State: &s})
			},
		}
	}
	cmd.AddCommand(
		state("start", "Mark a task in progress", incident.TaskInProgress),
		state("done", "Mark a task done", incident.TaskDone),
		state("reopen", "Put a task back to do", incident.TaskTodo),
		taskBlockCmd(g), taskSkipCmd(g), taskAssignCmd(g), taskDueCmd(g), taskCheckCmd(g), taskAddCmd(g),
	)
	return cmd
}

func taskBlockCmd(g *globals) *cobra.Command {
	var waiting string
	cmd := &cobra.Command{
		Use: "block REF KEY --waiting-for TEXT", Short: "Mark a task blocked, saying what it waits for", Args: cobra.ExactArgs(2),
		Example: `  firebreak task block INC-7 rotate-secret --waiting-for "vendor to reissue the key"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(waiting) == "" {
				return usage("--waiting-for TEXT is required: what the task waits for")
			}
			s := string(incident.TaskBlocked)
			return patchTask(cmd, g, args[0], args[1], httpapi.TaskPatchBody{State: &s, Blocker: &waiting})
		},
	}
	cmd.Flags().StringVar(&waiting, "waiting-for", "", "what the task waits for")
	return cmd
}

func taskSkipCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use: "skip REF KEY --reason TEXT", Short: "Skip a task, saying why (a skipped required task no longer gates its phase)", Args: cobra.ExactArgs(2),
		Example: `  firebreak task skip INC-7 notify-bank --reason "no card data involved"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			// The server refuses it too; the CLI says so without a call.
			if strings.TrimSpace(reason) == "" {
				return usage("--reason TEXT is required: skipping a task needs a reason")
			}
			s := string(incident.TaskSkipped)
			return patchTask(cmd, g, args[0], args[1], httpapi.TaskPatchBody{State: &s, Reason: &reason})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the task is skipped")
	return cmd
}

func taskAssignCmd(g *globals) *cobra.Command {
	var back bool
	cmd := &cobra.Command{
		Use: "assign REF KEY [USER]", Short: "Give a task to a user, or back to its owner role's holder (--owner)", Args: cobra.RangeArgs(2, 3),
		Example: "  firebreak task assign INC-7 rotate-secret alice\n  firebreak task assign INC-7 rotate-secret --owner",
		RunE: func(cmd *cobra.Command, args []string) error {
			user := ""
			switch {
			case len(args) == 3 && back:
				return usage("give USER or --owner, not both")
			case len(args) == 3:
				user = args[2]
			case !back:
				return usage("give USER, or --owner to give the task back to its owner role's holder")
			}
			return patchTask(cmd, g, args[0], args[1], httpapi.TaskPatchBody{Assignee: &user})
		},
	}
	cmd.Flags().BoolVar(&back, "owner", false, "give the task back to whoever holds its owner role")
	return cmd
}

func taskDueCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "due REF KEY WHEN", Short: "Set a task's due time: a duration from now (2h, 30m), an RFC 3339 time, or none", Args: cobra.ExactArgs(3),
		Example: "  firebreak task due INC-7 rotate-secret 2h\n  firebreak task due INC-7 rotate-secret none",
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[2] == "none" {
				return patchTask(cmd, g, args[0], args[1], httpapi.TaskPatchBody{ClearDue: true})
			}
			at, err := parseDue(args[2])
			if err != nil {
				return err
			}
			return patchTask(cmd, g, args[0], args[1], httpapi.TaskPatchBody{DueAt: at})
		},
	}
}

// parseDue reads a due time: a duration from now or an RFC 3339 time.
func parseDue(s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	if d, err := time.ParseDuration(s); err == nil {
		if d <= 0 {
			return nil, usage("a due duration must be positive, not %s", s)
		}
		t := time.Now().Add(d).UTC().Truncate(time.Second)
		return &t, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, usage("a due time is a duration from now (2h, 45m) or an RFC 3339 time, not %q", s)
	}
	return &t, nil
}

func taskCheckCmd(g *globals) *cobra.Command {
	var undo bool
	cmd := &cobra.Command{
		Use: "check REF KEY N", Short: "Tick checklist item N (from 1) of a task; --undo unticks it", Args: cobra.ExactArgs(3),
		Example: "  firebreak task check INC-7 revoke-sessions 2",
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[2])
			if err != nil || n < 1 {
				return usage("N is a checklist item's number, from 1, not %q", args[2])
			}
			return patchTask(cmd, g, args[0], args[1], httpapi.TaskPatchBody{Check: &httpapi.CheckBody{Index: n - 1, Done: !undo}})
		},
	}
	cmd.Flags().BoolVar(&undo, "undo", false, "untick the item")
	return cmd
}

func taskAddCmd(g *globals) *cobra.Command {
	var b httpapi.TaskBody
	var dueAt string
	cmd := &cobra.Command{
		Use: "add REF --title TEXT", Short: "Add a task by hand (its key is own-N)", Args: cobra.ExactArgs(1),
		Example: `  firebreak task add INC-7 --title "Block the attacker's IPs" --phase contain --assignee alice --due 2h --required`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(b.Title) == "" {
				return usage("--title TEXT is required")
			}
			if b.Phase != "" && !plan.Phase(b.Phase).Valid() {
				return usage("--phase is one of %s, not %q", phaseNames(), b.Phase)
			}
			var err error
			if b.DueAt, err = parseDue(dueAt); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			inc, err := c.AddTask(cmd.Context(), args[0], b)
			if err != nil {
				return err
			}
			t := inc.Tasks[len(inc.Tasks)-1]
			return g.print(t, func(w io.Writer) {
				fmt.Fprintf(w, "%s: added task %s (%s): %s\n", inc.Ref, t.Key, t.Phase, t.Title)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Title, "title", "", "what to do, in a line")
	fl.StringVar(&b.Phase, "phase", "", "the phase: "+phaseNames()+" (default contain)")
	fl.StringVar(&b.Instructions, "instructions", "", "how, in Markdown")
	fl.StringVar(&b.Assignee, "assignee", "", "who does it (default the IR Lead)")
	fl.StringVar(&dueAt, "due", "", "due in a duration from now (2h) or at an RFC 3339 time")
	fl.BoolVar(&b.Required, "required", false, "the task gates its phase")
	fl.StringArrayVar(&b.Checklist, "item", nil, "a checklist item (repeatable)")
	return cmd
}

func phaseNames() string {
	names := make([]string, len(plan.Phases))
	for i, p := range plan.Phases {
		names[i] = string(p)
	}
	return strings.Join(names, ", ")
}

// patchTask changes a task and prints where it stands.
func patchTask(cmd *cobra.Command, g *globals, ref, key string, b httpapi.TaskPatchBody) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	inc, err := c.UpdateTask(cmd.Context(), ref, key, b)
	if err != nil {
		return err
	}
	t, ok := inc.Task(key)
	if !ok {
		return fmt.Errorf("%s has no task %s in the answer", inc.Ref, key)
	}
	return g.print(t, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s: %s, %s", inc.Ref, t.Key, t.State, dash(t.Assignee))
		if t.DueAt != nil {
			fmt.Fprintf(w, ", due %s", ts(*t.DueAt))
		}
		done := 0
		for _, c := range t.Checklist {
			if c.Done {
				done++
			}
		}
		if len(t.Checklist) > 0 {
			fmt.Fprintf(w, ", checklist %d/%d", done, len(t.Checklist))
		}
		fmt.Fprintf(w, " — %s\n", t.Title)
	})
}
