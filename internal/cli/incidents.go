package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

func parseLabels(ls []string) (map[string]string, error) {
	if len(ls) == 0 {
		return nil, nil
	}
	m := map[string]string{}
	for _, l := range ls {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, usage("--label must be key=value, got %q", l)
		}
		m[k] = v
	}
	return m, nil
}

func parseTime(flag, s string) (*time.Time, error) {
	if s == "" {
		return nil, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return nil, usage("--%s must be an RFC 3339 time such as 2026-11-27T03:12:00Z", flag)
	}
	return &t, nil
}

func declareCmd(g *globals) *cobra.Command {
	var b httpapi.DeclareBody
	var labels []string
	var detected string
	cmd := &cobra.Command{
		Use:   "declare TITLE",
		Short: "Declare an incident",
		Example: `  firebreak declare "Credential leak on build server" --severity SEV1 --type security.credential-compromise
  firebreak declare "Checkout errors" --label service=checkout --detected-at 2026-11-27T03:12:00Z -o json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			b.Title = args[0]
			if b.Labels, err = parseLabels(labels); err != nil {
				return err
			}
			if b.DetectedAt, err = parseTime("detected-at", detected); err != nil {
				return err
			}
			// One key per invocation: a retry inside the client can never
			// declare the same incident twice.
			key := make([]byte, 16)
			rand.Read(key)
			inc, err := c.Declare(cmd.Context(), b, hex.EncodeToString(key))
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) {
				fmt.Fprintf(w, "Declared %s: %s (%s)\n", inc.Ref, inc.Title, inc.State)
				for _, warn := range inc.Warnings {
					fmt.Fprintln(w, "Warning: "+warn)
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Severity, "severity", "", "severity level, such as SEV1")
	fl.StringVar(&b.Type, "type", "", "incident type, such as security.credential-compromise")
	fl.StringVar(&b.Summary, "summary", "", "what is known so far")
	fl.StringVar(&b.Source, "source", "", "alert, internal or external (default internal)")
	fl.StringArrayVar(&labels, "label", nil, "label key=value (repeatable)")
	fl.StringSliceVar(&b.Affected, "affected", nil, "affected service or asset (repeatable)")
	fl.BoolVar(&b.Restricted, "restricted", false, "visible only to participants and admins")
	fl.StringVar(&detected, "detected-at", "", "when it was detected (RFC 3339; default now)")
	return cmd
}

func incidentsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{Use: "incidents", Aliases: []string{"incident", "inc"}, Short: "List, show and work on incidents"}
	cmd.AddCommand(listCmd(g), showCmd(g), transitionCmd(g), assignCmd(g, true), assignCmd(g, false),
		updateCmd(g), noteCmd(g), timelineCmd(g), withPostmortemDrafts(postmortemCmd(g), g), mergeCmd(g),
		assessCmd(g), incidentPlansCmd(g), incidentPlanCmd(g), relatedCmd(g))
	return cmd
}

func listCmd(g *globals) *cobra.Command {
	var o client.ListOptions
	var all bool
	cmd := &cobra.Command{
		Use:   "list",
		Short: "List incidents, newest first, or search them", Example: `  firebreak incidents list
  firebreak incidents list --state open --severity SEV1 --label env=prod
  firebreak incidents list -q 'certificate expired' --state all
  firebreak incidents list --query '"checkout timeout"' --state all --all -o json
  firebreak incidents list --overdue-tasks --sort task_due`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var items []httpapi.ListItem
			next := ""
			for {
				p, err := c.List(cmd.Context(), o)
				if err != nil {
					return err
				}
				items = append(items, p.Items...)
				next = p.NextCursor
				if !all || next == "" {
					break
				}
				o.Cursor = next
			}
			out := client.Page{Items: items, NextCursor: next}
			if out.Items == nil {
				out.Items = []httpapi.ListItem{}
			}
			return g.print(out, func(w io.Writer) {
				if len(items) == 0 {
					fmt.Fprintln(w, "No incidents match.")
					return
				}
				t := tab(w)
				if o.Text != "" {
					// A search shows where each incident matched, hits in [brackets].
					fmt.Fprintln(t, "REF\tSEVERITY\tSTATE\tTITLE\tMATCH")
					for _, i := range items {
						fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\n", i.Ref, dash(i.Severity), i.State, truncate(i.Title, 40), matchText(i.Match))
					}
				} else {
					fmt.Fprintln(t, "REF\tSEVERITY\tSTATE\tTITLE\tTYPE\tDETECTED")
					for _, i := range items {
						fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", i.Ref, dash(i.Severity), i.State, truncate(i.Title, 60), dash(i.Type), ts(i.DetectedAt))
					}
				}
				t.Flush()
				if next != "" {
					fmt.Fprintf(w, "More: --cursor %s (or --all)\n", next)
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringSliceVar(&o.States, "state", nil, "filter by state (repeatable or comma-separated; open: every open state, all: every state)")
	fl.StringSliceVar(&o.Severities, "severity", nil, "filter by severity")
	fl.StringVar(&o.Type, "type", "", "filter by type (matches subtypes)")
	fl.StringArrayVar(&o.Labels, "label", nil, "filter by label key=value (repeatable)")
	fl.StringVarP(&o.Text, "query", "q", "", "words to find in titles, summaries, timeline notes and post-mortems (all must match; \"quoted\" for a phrase), or a ref; ranked best first")
	fl.IntVar(&o.Limit, "limit", 50, "incidents per page (at most 200)")
	fl.StringVar(&o.Cursor, "cursor", "", "continue after a previous page")
	fl.BoolVar(&all, "all", false, "follow every page")
	fl.BoolVar(&o.OverdueTasks, "overdue-tasks", false, "only incidents with an open task past its due time")
	fl.StringVar(&o.Postmortem, "postmortem", "", "overdue: only recovered incidents whose post-mortem is past due and not published")
	fl.StringVar(&o.Sort, "sort", "", "task_due: the incident whose open task is due soonest first (default newest first)")
	return cmd
}

// matchText is where a search matched, on one line: "field: passage"
// with each hit in [brackets].
func matchText(m *httpapi.Match) string {
	if m == nil {
		return "-"
	}
	var b strings.Builder
	for _, f := range m.Fragments {
		t := strings.Join(strings.Fields(f.Text), " ")
		if strings.HasPrefix(f.Text, " ") || strings.HasPrefix(f.Text, "\n") {
			t = " " + t
		}
		if strings.HasSuffix(f.Text, " ") || strings.HasSuffix(f.Text, "\n") {
			t += " "
		}
		if f.Hit {
			t = "[" + t + "]"
		}
		b.WriteString(t)
	}
	return m.Field + ": " + truncate(strings.TrimSpace(b.String()), 100)
}

func showCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "show REF",
		Short: "Show an incident", Example: `  firebreak incidents show INC-7
  firebreak incidents show INC-7 -o json | jq .state`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			inc, err := c.Get(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) { showIncident(w, inc) })
		},
	}
}

func transitionCmd(g *globals) *cobra.Command {
	var reason, statusText string
	var keepStatus bool
	cmd := &cobra.Command{
		Use:   "transition REF STATE",
		Short: "Move an incident to another state",
		Long: `Move an incident along its lifecycle:
  triage → active → contained → eradicated → recovered → closed
  triage → dismissed (needs --reason); backwards moves need --reason.
Closing also posts a final public update to the incident's public incident on the
status page, if one is still open: resolved, its components put back to the state
they had before it changed them (--keep-status-page leaves the page alone).`,
		Example: "  firebreak incidents transition INC-7 active\n  firebreak incidents transition INC-7 active --reason \"reinfected\"\n" +
			"  firebreak incidents transition INC-7 closed --status-page-text \"All payments work again.\"",
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			resolve := !keepStatus
			inc, err := c.TransitionWith(cmd.Context(), args[0], httpapi.TransitionBody{To: args[1], Reason: reason,
				ResolveStatusPage: &resolve, StatusPageText: statusText})
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) {
				fmt.Fprintf(w, "%s is %s\n", inc.Ref, inc.State)
				for _, warn := range inc.Warnings {
					if strings.HasPrefix(warn, "the status page") {
						fmt.Fprintf(w, "Warning: %s\n", warn)
					}
				}
				if inc.PostmortemDue != nil && inc.State == incident.Recovered {
					fmt.Fprintf(w, "Post-mortem due %s\n", ts(*inc.PostmortemDue))
				}
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why (needed to dismiss, reopen or move backwards)")
	cmd.Flags().BoolVar(&keepStatus, "keep-status-page", false, "on closing, leave the public incident on the status page as it is")
	cmd.Flags().StringVar(&statusText, "status-page-text", "", "on closing, the final public update's text (a standard sentence by default)")
	return cmd
}

func assignCmd(g *globals, assign bool) *cobra.Command {
	use, short := "assign REF ROLE USER", "Give a role on an incident to a user"
	long := short + ".\nRoles: ir_lead, incident_commander, comms_lead, scribe, responder.\n" +
		"IR Lead, Incident Commander, Comms Lead and Scribe have one holder at a time: giving one that\n" +
		"someone holds hands it over (--note says why), and they stay on as a responder."
	if !assign {
		use, short = "unassign REF ROLE USER", "Take a role on an incident from a user"
		long = short + ".\nRoles: ir_lead, incident_commander, comms_lead, scribe, responder."
	}
	example := "  firebreak incidents assign INC-7 ir_lead alice\n" +
		`  firebreak incidents assign INC-7 incident_commander bob --note "alice is off shift"`
	if !assign {
		example = "  firebreak incidents unassign INC-7 responder carol"
	}
	var note string
	cmd := &cobra.Command{
		Use:     use,
		Short:   short,
		Long:    long,
		Example: example,
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var inc, before incident.Incident
			if assign {
				if before, err = c.Get(cmd.Context(), args[0]); err != nil {
					return err
				}
				inc, err = c.AssignRole(cmd.Context(), args[0], httpapi.RoleBody{Role: args[1], User: args[2], Note: note})
			} else {
				inc, err = c.Unassign(cmd.Context(), args[0], args[1], args[2])
			}
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) {
				role := incident.Role(args[1])
				switch prev := before.Holders(role); {
				case !assign:
					fmt.Fprintf(w, "%s: %s is no longer %s\n", inc.Ref, args[2], args[1])
				case role.Single() && len(prev) > 0 && !slices.Contains(prev, args[2]):
					fmt.Fprintf(w, "%s: %s handed over from %s to %s (%s stays as responder)\n", inc.Ref, args[1], strings.Join(prev, ", "), args[2], strings.Join(prev, ", "))
				default:
					fmt.Fprintf(w, "%s: %s is %s\n", inc.Ref, args[2], args[1])
				}
			})
		},
	}
	if assign {
		cmd.Flags().StringVar(&note, "note", "", "why, for the record (shown with a handover)")
	}
	return cmd
}

func updateCmd(g *globals) *cobra.Command {
	var title, summary, severity, typ, rootCause, resolution string
	var labels, affected []string
	var restricted bool
	cmd := &cobra.Command{
		Use:     "update REF",
		Short:   "Change an incident's fields (only the flags given)",
		Example: `  firebreak incidents update INC-7 --severity SEV1 --root-cause "CI token in a public repo"`,
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var b httpapi.PatchBody
			set := func(name string, v *string, dst **string) {
				if cmd.Flags().Changed(name) {
					*dst = v
				}
			}
			set("title", &title, &b.Title)
			set("summary", &summary, &b.Summary)
			set("severity", &severity, &b.Severity)
			set("type", &typ, &b.Type)
			set("root-cause", &rootCause, &b.RootCause)
			set("resolution", &resolution, &b.Resolution)
			if cmd.Flags().Changed("label") {
				m, err := parseLabels(labels)
				if err != nil {
					return err
				}
				if m == nil {
					m = map[string]string{}
				}
				b.Labels = &m
			}
			if cmd.Flags().Changed("affected") {
				b.Affected = &affected
			}
			if cmd.Flags().Changed("restricted") {
				b.Restricted = &restricted
			}
			if b == (httpapi.PatchBody{}) {
				return usage("nothing to change: give at least one flag (see --help)")
			}
			inc, err := c.Update(cmd.Context(), args[0], b, 0)
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) { showIncident(w, inc) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&title, "title", "", "new title")
	fl.StringVar(&summary, "summary", "", "new summary")
	fl.StringVar(&severity, "severity", "", "new severity")
	fl.StringVar(&typ, "type", "", "new type")
	fl.StringVar(&rootCause, "root-cause", "", "root cause")
	fl.StringVar(&resolution, "resolution", "", "resolution summary")
	fl.StringArrayVar(&labels, "label", nil, "replace labels with these key=value (repeatable)")
	fl.StringSliceVar(&affected, "affected", nil, "replace affected systems (repeatable)")
	fl.BoolVar(&restricted, "restricted", false, "restrict to participants and admins")
	return cmd
}

func noteCmd(g *globals) *cobra.Command {
	var kind, at string
	var refs []string
	cmd := &cobra.Command{
		Use:   "note REF TEXT",
		Short: "Add a note, decision, action, evidence or communication to the timeline",
		Example: `  firebreak incidents note INC-7 "Rotated the CI token" --kind action
  firebreak incidents note INC-7 "Attacker first logged in" --kind evidence --at 2026-11-27T03:12:00Z
  firebreak incidents note INC-7 "Isolated; the shell called home" --kind decision --ref asset:host:web-1 --ref indicator:198.51.100.7 --ref evidence:EV-1
  echo "long text" | firebreak incidents note INC-7 -`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			body := args[1]
			if body == "-" {
				b, err := io.ReadAll(io.LimitReader(g.env.Stdin, incident.MaxBody+1))
				if err != nil {
					return fmt.Errorf("read standard input: %w", err)
				}
				body = string(b)
			}
			occurred, err := parseTime("at", at)
			if err != nil {
				return err
			}
			item, err := c.AddEntry(cmd.Context(), args[0], httpapi.EntryBody{Kind: kind, Body: body, OccurredAt: occurred, Refs: refs})
			if err != nil {
				return err
			}
			return g.print(item, func(w io.Writer) {
				fmt.Fprintf(w, "Added %s to %s (seq %d)\n", kind, args[0], item.Seq)
				for _, r := range item.Refs {
					fmt.Fprintf(w, "  about %s\n", r)
				}
			})
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "note", "note, decision, action, evidence or communication")
	cmd.Flags().StringVar(&at, "at", "", "when it happened in the world (RFC 3339), if not now")
	cmd.Flags().StringArrayVar(&refs, "ref", nil, "a record of the incident the entry is about (repeatable): asset:KIND:IDENTIFIER, indicator:ID-or-VALUE, evidence:EV-N, credential:CN, fix:FN")
	return cmd
}

func timelineCmd(g *globals) *cobra.Command {
	var kinds []string
	var desc bool
	cmd := &cobra.Command{
		Use:   "timeline REF",
		Short: "Show an incident's timeline: every change, who made it, and when", Example: `  firebreak incidents timeline INC-7
  firebreak incidents timeline INC-7 --kind evidence --kind decision --desc`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			tl, err := c.Timeline(cmd.Context(), args[0], kinds, desc)
			if err != nil {
				return err
			}
			return g.print(tl, func(w io.Writer) {
				t := tab(w)
				fmt.Fprintln(t, "SEQ\tRECORDED\tHAPPENED\tACTOR\tWHAT")
				for _, it := range tl.Items {
					what := truncate(strings.ReplaceAll(it.Text, "\n", " "), 100)
					if len(it.Refs) > 0 {
						what += " [" + strings.Join(it.Refs, ", ") + "]" // the records it is about, whole
					}
					fmt.Fprintf(t, "%d\t%s\t%s\t%s\t%s\n", it.Seq, ts(it.RecordedAt), tsp(it.OccurredAt), it.Actor, what)
				}
				t.Flush()
			})
		},
	}
	cmd.Flags().StringSliceVar(&kinds, "kind", nil, "only entries of these kinds")
	cmd.Flags().BoolVar(&desc, "desc", false, "newest first")
	return cmd
}

func mergeCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:   "merge REF INTO",
		Short: "Merge an incident into another open incident (linked both ways)", Example: `  firebreak incidents merge INC-8 INC-7 --reason "same outage, reported twice"`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			inc, err := c.Merge(cmd.Context(), args[0], args[1], reason)
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) { fmt.Fprintf(w, "%s merged into %s\n", inc.Ref, inc.MergedInto) })
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why they are the same incident")
	return cmd
}
