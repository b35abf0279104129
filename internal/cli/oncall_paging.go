package cli

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// ---- contacts ----

func contactsCmd(g *globals) *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "contacts",
		Short: "Your contact methods for pages: list, add, verify, resend, test, rm",
		Long: "Manage how you are paged: email, a signed webhook, Slack or Microsoft Teams. A new contact method\n" +
			"gets a six-digit code, and is used for pages once verified with it. Without a subcommand, list\n" +
			"them. Admins may manage anyone's with --user.",
		Example: "  firebreak contacts add email alice@example.com --name work\n" +
			"  firebreak contacts verify 0193… 123456\n" +
			"  firebreak contacts add webhook https://hooks.example/pager --secret-file key.txt",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return listContacts(cmd, g, user) },
	}
	cmd.PersistentFlags().StringVar(&user, "user", "", "whose contact methods (admins; default you)")
	list := &cobra.Command{
		Use: "list", Short: "List your contact methods", Example: `  firebreak contacts list
  firebreak contacts list --user alice   # admins: someone else's`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return listContacts(cmd, g, user) },
	}
	cmd.AddCommand(list, contactsAddCmd(g, &user), contactsVerifyCmd(g, &user), contactsResendCmd(g, &user),
		contactsTestCmd(g, &user), contactsRmCmd(g, &user))
	return cmd
}

// clientFor is a client and the user it acts for.
func (g *globals) clientFor(cmd *cobra.Command, user string) (*client.Client, string, error) {
	c, err := g.client()
	if err != nil {
		return nil, "", err
	}
	who, err := g.userOrMe(cmd, c, user)
	return c, who, err
}

func listContacts(cmd *cobra.Command, g *globals, user string) error {
	c, who, err := g.clientFor(cmd, user)
	if err != nil {
		return err
	}
	cs, err := c.Contacts(cmd.Context(), who)
	if err != nil {
		return err
	}
	return g.print(httpapi.Items[contacts.Contact]{Items: cs}, func(w io.Writer) {
		if len(cs) == 0 {
			fmt.Fprintf(w, "%s has no contact methods: add one with firebreak contacts add.\n", who)
			return
		}
		t := tab(w)
		fmt.Fprintln(t, "ID\tNAME\tKIND\tADDRESS\tVERIFIED")
		for _, ct := range cs {
			v := "no"
			if ct.Verified {
				v = tsp(ct.VerifiedAt)
			}
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\n", ct.ID, ct.Name, ct.Kind, ct.Address, v)
		}
		t.Flush()
	})
}

func newKey() string {
	key := make([]byte, 16)
	rand.Read(key)
	return hex.EncodeToString(key)
}

func contactsAddCmd(g *globals, user *string) *cobra.Command {
	var b httpapi.ContactBody
	var secretFile string
	cmd := &cobra.Command{
		Use:   "add KIND [ADDRESS]",
		Short: "Add a contact method (email, webhook, slack, teams); a verification code is sent to it",
		Long: "Add a contact method. KIND is email (ADDRESS a mailbox), webhook (ADDRESS the URL, and an HMAC key\n" +
			"of at least 16 bytes from --secret-file), slack (ADDRESS an incoming-webhook URL; or no ADDRESS, a\n" +
			"bot token from --secret-file and --channel) or teams (ADDRESS a Workflows webhook URL). Secrets are\n" +
			"read from a file (- for standard input), never from the command line.",
		Example: "  firebreak contacts add email alice@example.com\n" +
			"  firebreak contacts add slack --secret-file bot-token.txt --channel C0123456",
		Args: cobra.RangeArgs(1, 2),
		RunE: func(cmd *cobra.Command, args []string) error {
			b.Kind = args[0]
			if len(args) == 2 {
				b.Address = args[1]
			}
			if secretFile != "" {
				s, err := readSecret(g, secretFile)
				if err != nil {
					return err
				}
				b.Secret = s
			}
			c, who, err := g.clientFor(cmd, *user)
			if err != nil {
				return err
			}
			ct, err := c.AddContact(cmd.Context(), who, b, newKey())
			if err != nil {
				return err
			}
			return g.print(ct, func(w io.Writer) {
				fmt.Fprintf(w, "Added %s (%s %s) for %s. A code was sent to it: firebreak contacts verify %s CODE\n",
					ct.ID, ct.Kind, ct.Address, ct.User, ct.ID)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Name, "name", "", "a label such as \"work phone\" (default the kind)")
	fl.StringVar(&b.Channel, "channel", "", "Slack bot mode: the channel")
	fl.StringVar(&secretFile, "secret-file", "", "file holding the webhook key or Slack bot token (- for standard input)")
	return cmd
}

func readSecret(g *globals, path string) (string, error) {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(io.LimitReader(g.env.Stdin, 64<<10))
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("--secret-file: %w", err)
	}
	s := strings.TrimSpace(string(data))
	if s == "" {
		return "", usage("--secret-file is empty")
	}
	return s, nil
}

func contactsVerifyCmd(g *globals, user *string) *cobra.Command {
	return &cobra.Command{
		Use: "verify ID CODE", Short: "Verify a contact method with the code it received", Example: `  firebreak contacts verify 0193… 123456`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, who, err := g.clientFor(cmd, *user)
			if err != nil {
				return err
			}
			ct, err := c.VerifyContact(cmd.Context(), who, args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(ct, func(w io.Writer) {
				fmt.Fprintf(w, "Verified %s (%s %s): it is used for pages\n", ct.ID, ct.Kind, ct.Address)
			})
		},
	}
}

func contactsResendCmd(g *globals, user *string) *cobra.Command {
	return &cobra.Command{
		Use: "resend ID", Short: "Send a new verification code", Example: `  firebreak contacts resend 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, who, err := g.clientFor(cmd, *user)
			if err != nil {
				return err
			}
			if err := c.ResendCode(cmd.Context(), who, args[0]); err != nil {
				return err
			}
			return g.print(map[string]string{"id": args[0], "sent": "code"}, func(w io.Writer) { fmt.Fprintf(w, "Sent a new code to %s\n", args[0]) })
		},
	}
}

func contactsTestCmd(g *globals, user *string) *cobra.Command {
	return &cobra.Command{
		Use: "test ID", Short: "Send a test page to a contact method", Example: `  firebreak contacts test 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, who, err := g.clientFor(cmd, *user)
			if err != nil {
				return err
			}
			r, err := c.TestContact(cmd.Context(), who, args[0])
			if err != nil {
				return err
			}
			return g.print(r, func(w io.Writer) {
				fmt.Fprintf(w, "Delivered to %s %s", r.Channel, r.Target)
				if r.StatusCode != 0 {
					fmt.Fprintf(w, ": %d", r.StatusCode)
				}
				fmt.Fprintf(w, " in %.0f ms\n", r.LatencyMS)
			})
		},
	}
}

func contactsRmCmd(g *globals, user *string) *cobra.Command {
	return &cobra.Command{
		Use: "rm ID", Aliases: []string{"remove", "delete"}, Short: "Remove a contact method and its notification rules", Example: `  firebreak contacts rm 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, who, err := g.clientFor(cmd, *user)
			if err != nil {
				return err
			}
			if err := c.DeleteContact(cmd.Context(), who, args[0]); err != nil {
				return err
			}
			return g.print(map[string]string{"removed": args[0]}, func(w io.Writer) { fmt.Fprintf(w, "Removed %s\n", args[0]) })
		},
	}
}

// ---- notification rules ----

func rulesCmd(g *globals) *cobra.Command {
	var user string
	cmd := &cobra.Command{
		Use:   "rules",
		Short: "Your notification rules: which contact method, how long after a page (list, add, rm)",
		Long: "Notification rules say how you are contacted when paged: each uses one verified contact method\n" +
			"after a delay (\"at once by Slack, after 2 minutes by email\"). With no rules, every verified\n" +
			"contact method is used at once. Without a subcommand, list them.",
		Example: "  firebreak rules add 0193…slack\n  firebreak rules add 0193…email --after 2m",
		Args:    cobra.NoArgs,
		RunE:    func(cmd *cobra.Command, _ []string) error { return listRules(cmd, g, user) },
	}
	cmd.PersistentFlags().StringVar(&user, "user", "", "whose rules (admins; default you)")
	list := &cobra.Command{
		Use: "list", Short: "List your notification rules", Example: `  firebreak rules list
  firebreak rules list --user alice   # admins: someone else's`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return listRules(cmd, g, user) },
	}
	var after time.Duration
	add := &cobra.Command{
		Use: "add CONTACT_ID [--after DURATION]", Short: "Contact a method when paged, after a delay", Example: `  firebreak rules add 0193…
  firebreak rules add 0193… --after 5m`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			m, err := minutes("after", after)
			if err != nil {
				return err
			}
			c, who, err := g.clientFor(cmd, user)
			if err != nil {
				return err
			}
			r, err := c.AddRule(cmd.Context(), who, args[0], m)
			if err != nil {
				return err
			}
			return g.print(r, func(w io.Writer) {
				fmt.Fprintf(w, "Added rule %s: %s after %d min\n", r.ID, r.ContactID, r.DelayMinutes)
			})
		},
	}
	add.Flags().DurationVar(&after, "after", 0, "how long after the page, in whole minutes (such as 2m; default at once)")
	rm := &cobra.Command{
		Use: "rm ID", Aliases: []string{"remove", "delete"}, Short: "Remove a notification rule", Example: `  firebreak rules rm 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, who, err := g.clientFor(cmd, user)
			if err != nil {
				return err
			}
			if err := c.DeleteRule(cmd.Context(), who, args[0]); err != nil {
				return err
			}
			return g.print(map[string]string{"removed": args[0]}, func(w io.Writer) { fmt.Fprintf(w, "Removed rule %s\n", args[0]) })
		},
	}
	cmd.AddCommand(list, add, rm)
	return cmd
}

func listRules(cmd *cobra.Command, g *globals, user string) error {
	c, who, err := g.clientFor(cmd, user)
	if err != nil {
		return err
	}
	rs, err := c.Rules(cmd.Context(), who)
	if err != nil {
		return err
	}
	cs, err := c.Contacts(cmd.Context(), who)
	if err != nil {
		return err
	}
	names := map[string]string{}
	for _, ct := range cs {
		names[ct.ID] = fmt.Sprintf("%s (%s %s)", ct.Name, ct.Kind, ct.Address)
	}
	return g.print(httpapi.Items[contacts.Rule]{Items: rs}, func(w io.Writer) {
		if len(rs) == 0 {
			fmt.Fprintf(w, "%s has no notification rules: every verified contact method is used at once.\n", who)
			return
		}
		t := tab(w)
		fmt.Fprintln(t, "ID\tAFTER\tCONTACT")
		for _, r := range rs {
			fmt.Fprintf(t, "%s\t%d min\t%s\n", r.ID, r.DelayMinutes, first(names[r.ContactID], r.ContactID))
		}
		t.Flush()
	})
}

// ---- paging and escalations ----

func pageCmd(g *globals) *cobra.Command {
	var users, schedules, policies []string
	var entry, message string
	cmd := &cobra.Command{
		Use:   "page (INCIDENT | --triage ID) [--user U]... [--schedule S]... [--policy P]... [--message M]",
		Short: "Page people about an incident or a queue entry",
		Long: "Page people now: users by name, whoever is on call in a schedule, or the first step of an\n" +
			"escalation policy. They are contacted through their notification rules; the page counts as\n" +
			"unanswered after 15 minutes. Acknowledge with firebreak ack.",
		Example: "  firebreak page INC-7 --user rob --message \"Need a DBA on the bridge\"\n" +
			"  firebreak page --triage 0193… --schedule primary",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if (len(args) == 1) == (entry != "") {
				return usage("name an INCIDENT (such as INC-7) or --triage ID, not both")
			}
			var in httpapi.PageBody
			for _, t := range []struct {
				kind  oncall.TargetKind
				names []string
			}{{oncall.TargetUser, users}, {oncall.TargetSchedule, schedules}, {oncall.TargetPolicy, policies}} {
				for _, n := range t.names {
					in.Targets = append(in.Targets, oncall.Target{Kind: t.kind, Name: n})
				}
			}
			if len(in.Targets) == 0 {
				return usage("say whom to page: --user, --schedule or --policy")
			}
			in.Message = message
			c, err := g.client()
			if err != nil {
				return err
			}
			var e escalation.Escalation
			if entry != "" {
				e, err = c.PageQueueEntry(cmd.Context(), entry, in, newKey())
			} else {
				e, err = c.PageIncident(cmd.Context(), args[0], in, newKey())
			}
			if err != nil {
				return err
			}
			return g.print(e, func(w io.Writer) {
				about := subjectText(e.Subject)
				if e.Subject.Kind == escalation.SubjectQueue {
					about = "queue entry " + e.Subject.ID + " (" + e.Subject.Title + ")"
				}
				fmt.Fprintf(w, "Paged %s about %s: escalation %s (%s)\n", stepsTargets(in.Targets), about, e.ID, e.State)
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&entry, "triage", "", "a queue entry's ID instead of an incident")
	fl.StringArrayVar(&users, "user", nil, "a user to page (repeatable)")
	fl.StringArrayVar(&schedules, "schedule", nil, "a schedule whose on-call user to page (repeatable)")
	fl.StringArrayVar(&policies, "policy", nil, "an escalation policy whose first step to page (repeatable)")
	fl.StringVar(&message, "message", "", "shown at the top of the page")
	return cmd
}

func stepsTargets(ts []oncall.Target) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, ", ")
}

func subjectText(s escalation.Subject) string {
	if s.Kind == escalation.SubjectIncident {
		return s.Ref + " " + s.Title
	}
	return "queue: " + s.Title
}

func printEscalation(g *globals, e escalation.Escalation, verb string) error {
	return g.print(e, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s about %s: %s\n", verb, e.ID, subjectText(e.Subject), escalationState(e))
	})
}

func escalationState(e escalation.Escalation) string {
	switch {
	case e.State == escalation.Acknowledged && e.AckedBy != "":
		return "acknowledged by " + e.AckedBy
	case e.State == escalation.Open && e.NextAt != nil:
		return "open, next " + ts(*e.NextAt)
	}
	return string(e.State)
}

func ackCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "ack ESCALATION_ID", Aliases: []string{"acknowledge"}, Short: "Acknowledge a page: you have it, the escalation stops", Example: `  firebreak ack 0193…
  firebreak escalations --open   # the IDs of the pages still climbing`,
		Long: "Acknowledge a page: the escalation stops, and you become the incident's IR Lead (or, for a\n" +
			"commander page, its Incident Commander) when it has none, or the queue entry is acknowledged by you.",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			e, err := c.AckEscalation(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printEscalation(g, e, "Acknowledged")
		},
	}
}

func escalateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "escalate ESCALATION_ID", Short: "Run an escalation's next step now instead of waiting", Example: `  firebreak escalate 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			e, err := c.EscalateNow(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printEscalation(g, e, "Escalated")
		},
	}
}

func escalationsCmd(g *globals) *cobra.Command {
	var open bool
	var ref, entry string
	var limit int
	cmd := &cobra.Command{
		Use:   "escalations [ID]",
		Short: "List escalations (pages and who was reached), or show one with its deliveries",
		Example: "  firebreak escalations --open\n  firebreak escalations --incident INC-7\n" +
			"  firebreak escalations 0193…",
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				v, err := c.Escalation(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return g.print(v, func(w io.Writer) { showEscalation(w, v) })
			}
			if ref != "" && entry != "" {
				return usage("give --incident or --triage, not both")
			}
			if ref != "" || entry != "" {
				var views []escalation.EscalationView
				if ref != "" {
					views, err = c.IncidentEscalations(cmd.Context(), ref)
				} else {
					views, err = c.QueueEscalations(cmd.Context(), entry)
				}
				if err != nil {
					return err
				}
				kept, es := []escalation.EscalationView{}, []escalation.Escalation{}
				for _, v := range views {
					if !open || v.State == escalation.Open {
						kept, es = append(kept, v), append(es, v.Escalation)
					}
				}
				return g.print(httpapi.Items[escalation.EscalationView]{Items: kept}, func(w io.Writer) { escalationTable(w, es) })
			}
			es, err := c.Escalations(cmd.Context(), open, limit)
			if err != nil {
				return err
			}
			if es == nil {
				es = []escalation.Escalation{}
			}
			return g.print(httpapi.Items[escalation.Escalation]{Items: es}, func(w io.Writer) { escalationTable(w, es) })
		},
	}
	fl := cmd.Flags()
	fl.BoolVar(&open, "open", false, "only escalations still climbing their policy")
	fl.StringVar(&ref, "incident", "", "an incident's escalations, with their deliveries")
	fl.StringVar(&entry, "triage", "", "a queue entry's escalations, with their deliveries")
	fl.IntVar(&limit, "limit", 0, "at most this many (server default 50, at most 200)")
	return cmd
}

func escalationTable(w io.Writer, es []escalation.Escalation) {
	if len(es) == 0 {
		fmt.Fprintln(w, "No escalations.")
		return
	}
	t := tab(w)
	fmt.Fprintln(t, "ID\tSTATE\tABOUT\tPOLICY\tSTEPS RUN\tSTARTED")
	for _, e := range es {
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%d\t%s\n", e.ID, escalationState(e), truncate(subjectText(e.Subject), 50), e.Policy.Name, e.StepsRun, ts(e.CreatedAt))
	}
	t.Flush()
}

func showEscalation(w io.Writer, v escalation.EscalationView) {
	t := tab(w)
	row := func(k, v string) { fmt.Fprintf(t, "%s\t%s\n", k, v) }
	row("ID", v.ID)
	row("About", subjectText(v.Subject))
	row("State", escalationState(v.Escalation))
	row("Policy", v.Policy.Name+": "+stepsText(v.Policy.Steps))
	if v.Message != "" {
		row("Message", oneLineText(v.Message))
	}
	row("Started", ts(v.CreatedAt)+" by "+v.CreatedBy)
	t.Flush()

	fmt.Fprintln(w, "\nDeliveries:")
	if len(v.Deliveries) == 0 {
		fmt.Fprintln(w, "  (none)")
	} else {
		t = tab(w)
		fmt.Fprintln(t, "  USER\tCHANNEL\tTARGET\tSTATE\tATTEMPTS\tDUE\tSENT\tERROR")
		for _, d := range v.Deliveries {
			fmt.Fprintf(t, "  %s\t%s\t%s\t%s\t%d\t%s\t%s\t%s\n", d.User, d.Channel, d.Target, d.State, d.Attempts, ts(d.DueAt), tsp(d.SentAt), dash(truncate(d.LastError, 60)))
		}
		t.Flush()
	}

	fmt.Fprintln(w, "\nRecord:")
	t = tab(w)
	for _, l := range v.Log {
		fmt.Fprintf(t, "  %s\t%s\t%s\t%s\n", ts(l.At), l.Action, dash(l.Actor), l.Detail)
	}
	t.Flush()
}
