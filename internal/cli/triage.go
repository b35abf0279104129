package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

func triageCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "triage",
		Short: "Work the triage queue: alert groups and reports awaiting assessment",
		Long: "Work the triage queue: alert groups and reports awaiting assessment, most severe first,\n" +
			"then newest. Acknowledge one to start assessing it, then declare an incident from it,\n" +
			"attach it to an open incident, dismiss it with a reason, or snooze it. Every action is on\n" +
			"the record (triage show).",
	}
	cmd.AddCommand(triageListCmd(g), triageShowCmd(g), triageAckCmd(g), triageDismissCmd(g),
		triageSnoozeCmd(g), triageDeclareCmd(g), triageAttachCmd(g))
	return cmd
}

// alertCounts is firing/resolved, with the alerts the sender left out of
// its last delivery (max_alerts) after a plus.
func alertCounts(e triage.Entry) string {
	out := fmt.Sprintf("%d/%d", e.Group.Firing, e.Group.Resolved)
	if e.TruncatedAlerts > 0 {
		out += fmt.Sprintf(" +%d not sent", e.TruncatedAlerts)
	}
	return out
}

func entrySource(e triage.Entry) string {
	if e.Integration == "" || e.Integration == string(e.Source) {
		return string(e.Source)
	}
	return string(e.Source) + "/" + e.Integration
}

// entryStatus is the status with what it needs to be read: who acked, until
// when snoozed, which incident.
func entryStatus(e triage.Entry) string {
	switch {
	case e.Status == triage.Snoozed && e.SnoozedUntil != nil:
		return "snoozed until " + ts(*e.SnoozedUntil)
	case e.IncidentRef != "":
		return string(e.Status) + " " + e.IncidentRef
	case e.Status == triage.Acknowledged && e.AckedBy != "":
		return "acknowledged by " + e.AckedBy
	}
	return string(e.Status)
}

func triageListCmd(g *globals) *cobra.Command {
	var all, every bool
	var limit int
	var cursor string
	cmd := &cobra.Command{
		Use: "list", Short: "List entries awaiting assessment, most severe first, then newest", Example: `  firebreak triage list
  firebreak triage list --all --every-page -o json`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var items []httpapi.TriageEntry
			next := cursor
			for {
				p, err := c.QueuePage(cmd.Context(), all, limit, next)
				if err != nil {
					return err
				}
				items = append(items, p.Items...)
				next = p.NextCursor
				if !every || next == "" {
					break
				}
			}
			if items == nil {
				items = []httpapi.TriageEntry{}
			}
			out := client.QueuePage{Items: items, NextCursor: next}
			return g.print(out, func(w io.Writer) {
				if len(items) == 0 {
					fmt.Fprintln(w, "Nothing awaits triage.")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "ID\tSEVERITY\tSOURCE\tSUMMARY\tALERTS\tFIRST SEEN\tLAST SEEN\tSTATUS")
				for _, e := range items {
					fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", e.ID, dash(e.Severity), entrySource(e.Entry), truncate(e.Group.Summary, 60),
						alertCounts(e.Entry), ts(e.Group.FirstSeen), ts(e.Group.LastSeen), entryStatus(e.Entry))
				}
				t.Flush()
				if next != "" {
					fmt.Fprintf(w, "More: --cursor %s (or --every-page)\n", next)
				}
			})
		},
	}
	cmd.Flags().BoolVar(&all, "all", false, "include entries no longer waiting (declared, attached, dismissed, snoozed)")
	cmd.Flags().IntVar(&limit, "limit", 0, "entries per page (server default 100, at most 500)")
	cmd.Flags().StringVar(&cursor, "cursor", "", "continue after a previous page")
	cmd.Flags().BoolVar(&every, "every-page", false, "follow every page")
	return cmd
}

func triageShowCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "show ID", Short: "Show an entry: labels, annotations, links, alerts and its record", Example: `  firebreak triage show 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			d, err := c.Entry(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(d, func(w io.Writer) { showEntry(w, d) })
		},
	}
}

func showEntry(w io.Writer, d httpapi.TriageDetail) {
	t := tab(w)
	row := func(k, v string) { fmt.Fprintf(t, "%s\t%s\n", k, v) }
	row("ID", d.ID)
	row("Summary", d.Group.Summary)
	row("Status", entryStatus(d.Entry))
	if d.Reason != "" {
		row("Reason", d.Reason)
	}
	row("Severity", dash(d.Severity))
	row("Source", string(d.Source))
	row("Integration", dash(d.Integration))
	if d.Group.Destination.Service != "" {
		row("Service", d.Group.Destination.Service)
	}
	if d.Group.Destination.Team != "" {
		row("Team", d.Group.Destination.Team)
	}
	row("Alerts", fmt.Sprintf("%d firing, %d resolved", d.Group.Firing, d.Group.Resolved))
	if note := d.TruncatedNote(); note != "" {
		row("Not sent", note)
	}
	row("First seen", ts(d.Group.FirstSeen))
	row("Last seen", ts(d.Group.LastSeen))
	row("Labels", dash(labelString(d.Group.CommonLabels)))
	if len(d.Annotations) == 0 {
		row("Annotations", "-")
	}
	for i, k := range slices.Sorted(maps.Keys(d.Annotations)) {
		name := ""
		if i == 0 {
			name = "Annotations"
		}
		row(name, k+": "+oneLineText(d.Annotations[k]))
	}
	if len(d.Links) == 0 {
		row("Links", "-")
	}
	for i, l := range d.Links {
		name := ""
		if i == 0 {
			name = "Links"
		}
		if l.Text != "" && l.Text != l.URL {
			row(name, l.Text+": "+l.URL)
		} else {
			row(name, l.URL)
		}
	}
	t.Flush()

	fmt.Fprintln(w, "\nAlerts:")
	t = tab(w)
	fmt.Fprintln(t, "  STATUS\tSTARTED\tLAST SEEN\tCOUNT\tLABELS\tSOURCE")
	for _, it := range d.Alerts {
		fmt.Fprintf(t, "  %s\t%s\t%s\t%d\t%s\t%s\n", it.Status, ts(it.Alert.StartsAt), ts(it.LastSeen), it.Count,
			dash(labelString(distinct(it.Alert.Labels, d.Group.CommonLabels))), dash(it.Alert.GeneratorURL))
	}
	t.Flush()

	fmt.Fprintln(w, "\nRecord:")
	if len(d.Log) == 0 {
		fmt.Fprintln(w, "  (no actions yet)")
		return
	}
	t = tab(w)
	for _, l := range d.Log {
		fmt.Fprintf(t, "  %s\t%s\t%s\t%s\n", ts(l.At), l.Actor, l.Action, oneLineText(l.Data))
	}
	t.Flush()
}

// distinct keeps the labels of one alert that its group does not share.
func distinct(labels, common map[string]string) map[string]string {
	out := map[string]string{}
	for k, v := range labels {
		if cv, ok := common[k]; !ok || cv != v {
			out[k] = v
		}
	}
	return out
}

func oneLineText(s string) string { return strings.Join(strings.Fields(s), " ") }

func printEntry(g *globals, e httpapi.TriageEntry, verb string) error {
	return g.print(e, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s: %s (%s)\n", verb, e.ID, e.Group.Summary, entryStatus(e.Entry))
	})
}

func triageAckCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "ack ID", Aliases: []string{"acknowledge"}, Short: "Acknowledge an entry: you are assessing it", Example: `  firebreak triage ack 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			e, err := c.Acknowledge(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printEntry(g, e, "Acknowledged")
		},
	}
}

func triageDismissCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use: "dismiss ID --reason TEXT", Short: "Dismiss an entry as a false positive or duplicate", Args: cobra.ExactArgs(1),
		Example: `  firebreak triage dismiss 0193… --reason "false positive: load test"`,
		RunE: func(cmd *cobra.Command, args []string) error {
			if strings.TrimSpace(reason) == "" {
				return usage("--reason is required: say why it needs no incident, such as \"false positive: load test\"")
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			e, err := c.Dismiss(cmd.Context(), args[0], reason)
			if err != nil {
				return err
			}
			return printEntry(g, e, "Dismissed")
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why it needs no incident (required)")
	return cmd
}

func triageSnoozeCmd(g *globals) *cobra.Command {
	var until string
	var dur time.Duration
	cmd := &cobra.Command{
		Use: "snooze ID (--until TIME | --for DURATION)", Short: "Hide an entry until a time; it comes back then", Args: cobra.ExactArgs(1),
		Example: "  firebreak triage snooze 0193… --until 2026-11-27T09:00:00Z\n  firebreak triage snooze 0193… --for 2h",
		RunE: func(cmd *cobra.Command, args []string) error {
			var at time.Time
			switch fl := cmd.Flags(); {
			case fl.Changed("until") == fl.Changed("for"):
				return usage("give one of --until (RFC 3339) or --for (a duration such as 2h)")
			case fl.Changed("for"):
				if dur <= 0 {
					return usage("--for must be a positive duration such as 2h or 30m")
				}
				at = time.Now().Add(dur)
			default:
				t, err := parseTime("until", until)
				if err != nil {
					return err
				}
				if t == nil {
					return usage("--until must be an RFC 3339 time such as 2026-11-27T09:00:00Z")
				}
				at = *t
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			e, err := c.Snooze(cmd.Context(), args[0], at)
			if err != nil {
				return err
			}
			return printEntry(g, e, "Snoozed")
		},
	}
	cmd.Flags().StringVar(&until, "until", "", "when it comes back (RFC 3339)")
	cmd.Flags().DurationVar(&dur, "for", 0, "how long to hide it, such as 2h (at most 30 days)")
	return cmd
}

func triageDeclareCmd(g *globals) *cobra.Command {
	var b httpapi.TriageDeclareBody
	cmd := &cobra.Command{
		Use:   "declare ID",
		Short: "Declare an incident from an entry, prefilled from its alerts",
		Long: "Declare an incident from an entry. Fields not given come from the alerts: the title from\n" +
			"their summary, labels from their common labels, and the detection time from the first alert.",
		Example: "  firebreak triage declare 0193… --severity SEV2 --type availability",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			key := make([]byte, 16)
			rand.Read(key)
			inc, err := c.DeclareFromQueue(cmd.Context(), args[0], b, hex.EncodeToString(key))
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) {
				fmt.Fprintf(w, "Declared %s: %s (%s), detected %s\n", inc.Ref, inc.Title, inc.State, ts(inc.DetectedAt))
				for _, warn := range inc.Warnings {
					fmt.Fprintln(w, "Warning: "+warn)
				}
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Title, "title", "", "title (default the alerts' summary)")
	fl.StringVar(&b.Severity, "severity", "", "severity level, such as SEV1")
	fl.StringVar(&b.Type, "type", "", "incident type, such as security.credential-compromise")
	fl.StringVar(&b.Summary, "summary", "", "what is known so far")
	fl.BoolVar(&b.Restricted, "restricted", false, "visible only to participants and admins")
	return cmd
}

func triageAttachCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "attach ID INCIDENT", Short: "Attach an entry to an open incident; its alerts go to that timeline", Args: cobra.ExactArgs(2),
		Example: "  firebreak triage attach 0193… INC-7",
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			inc, err := c.Attach(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(inc, func(w io.Writer) {
				fmt.Fprintf(w, "Attached %s to %s: %s (%s)\n", args[0], inc.Ref, inc.Title, inc.State)
			})
		},
	}
}
