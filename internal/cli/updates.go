package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// noticeCmds are the top-level commands of notices, stakeholder updates
// and the dossier.
func noticeCmds(g *globals) []*cobra.Command {
	return []*cobra.Command{noticesCmd(g), stakeholderUpdateCmd(g), updatesCmd(g), subscriptionsCmd(g), dossierCmd(g)}
}

func noticeTemplatesCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "templates [NAME]",
		Short: "List notice templates, or show one", Example: `  firebreak notices templates
  firebreak notices templates gdpr-art33`,
		Args: cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if len(args) == 1 {
				t, err := c.NoticeTemplate(cmd.Context(), args[0])
				if err != nil {
					return err
				}
				return g.print(t, func(w io.Writer) {
					fmt.Fprintf(w, "%s (%s, %s)\n", t.Name, t.Audience, t.Source)
					if len(t.Obligations) > 0 {
						fmt.Fprintf(w, "For: %s %s\n", strings.Join(t.Obligations, ", "), t.Phase)
					}
					fmt.Fprintf(w, "Title: %s\n\n%s", t.Title, t.Body)
				})
			}
			ts, err := c.NoticeTemplates(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(ts, func(w io.Writer) {
				tw := tab(w)
				fmt.Fprintln(tw, "NAME\tAUDIENCE\tSOURCE\tFOR\tDESCRIPTION")
				for _, t := range ts {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", t.Name, t.Audience, t.Source, orDash(strings.Join(t.Obligations, ", ")), t.Description)
				}
				tw.Flush()
			})
		},
	}
	var file string
	put := &cobra.Command{
		Use:   "put NAME --file TEMPLATE.yaml",
		Short: "Store a template (admin): audience, obligations, phase, title and body in YAML",
		Example: `  cat > acme.yaml <<'EOF'
  audience: customer
  obligations: [contract-acme-24h]
  title: "Security incident notice ({{.Incident.Ref}})"
  body: |
    Dear Acme,
    {{.Incident.Summary}}
  EOF
  firebreak notices templates put acme --file acme.yaml`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(file)
			if err != nil {
				return fmt.Errorf("--file: %w", err)
			}
			var b httpapi.TemplateBody
			if err := yaml.UnmarshalWithOptions(data, &b, yaml.Strict()); err != nil {
				return fmt.Errorf("%s: %s", file, yaml.FormatError(err, false, false))
			}
			t, err := c.PutNoticeTemplate(cmd.Context(), args[0], b)
			if err != nil {
				return err
			}
			return g.print(t, func(w io.Writer) { fmt.Fprintf(w, "Stored template %s (%s)\n", t.Name, t.Audience) })
		},
	}
	put.Flags().StringVar(&file, "file", "", "YAML with audience, obligations, phase, title and body")
	cmd.AddCommand(put)
	return cmd
}

func stakeholderUpdateCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "update INC-7 TEXT",
		Short: "Post a stakeholder update: on the timeline and to the subscribed channels",
		Example: `  firebreak update INC-7 "Payments are failing for 40% of users; rollback under way. Next update 14:30 UTC."
  firebreak updates INC-7            # the updates so far and when the next is due`,
		Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			u, err := c.PostUpdate(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return g.print(u, func(w io.Writer) {
				fmt.Fprintf(w, "Posted on %s at %s", args[0], u.PostedAt.UTC().Format("15:04:05Z"))
				if len(u.Channels) > 0 {
					fmt.Fprintf(w, ", sent to %s", strings.Join(u.Channels, ", "))
				}
				fmt.Fprintln(w)
			})
		},
	}
}

func updatesCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "updates INC-7", Short: "An incident's stakeholder updates and when the next is due", Example: `  firebreak updates INC-7
  firebreak updates INC-7 -o json | jq .next_due`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			v, err := c.Updates(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			// The updates are the list, so they are its items, as in every list's JSON.
			view := struct {
				Ref            string                      `json:"ref"`
				Items          []notices.StakeholderUpdate `json:"items"`
				Deliveries     []notices.UpdateDelivery    `json:"deliveries"`
				EveryMinutes   int                         `json:"every_minutes"`
				NextDue        *time.Time                  `json:"next_due,omitempty"`
				Overdue        bool                        `json:"overdue"`
				Reminders      int                         `json:"reminders"`
				LastRemindedAt *time.Time                  `json:"last_reminded_at,omitempty"`
			}{v.Ref, v.Updates, v.Deliveries, v.EveryMinutes, v.NextDue, v.Overdue, v.Reminders, v.LastRemindedAt}
			return g.print(view, func(w io.Writer) {
				switch {
				case v.EveryMinutes == 0 || v.NextDue == nil:
					fmt.Fprintln(w, "No update cadence for this incident now.")
				case v.Overdue:
					fmt.Fprintf(w, "An update is OVERDUE: it was due at %s (every %d min).\n", v.NextDue.UTC().Format("2006-01-02 15:04Z"), v.EveryMinutes)
				default:
					fmt.Fprintf(w, "Next update due at %s (every %d min).\n", v.NextDue.UTC().Format("2006-01-02 15:04Z"), v.EveryMinutes)
				}
				for _, u := range v.Updates {
					fmt.Fprintf(w, "\n%s %s:\n%s\n", u.PostedAt.UTC().Format("2006-01-02 15:04Z"), u.PostedBy, u.Text)
				}
			})
		},
	}
}

func subscriptionsCmd(g *globals) *cobra.Command {
	var ref string
	cmd := &cobra.Command{
		Use:   "subscriptions",
		Short: "Channels that receive stakeholder updates: an incident's (--incident) or every incident's (admin)",
		Example: `  firebreak subscriptions --incident INC-7
  firebreak subscriptions add --incident INC-7 --name "war room" --kind slack --address https://hooks.slack.com/services/…
  firebreak subscriptions add --name leadership --kind email --address leadership@example.com
  firebreak subscriptions rm --incident INC-7 0193…`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			subs, err := c.Subscriptions(cmd.Context(), ref)
			if err != nil {
				return err
			}
			return g.print(subs, func(w io.Writer) {
				tw := tab(w)
				fmt.Fprintln(tw, "ID\tNAME\tKIND\tADDRESS\tSCOPE")
				for _, s := range subs {
					scope := "every incident"
					if s.IncidentID != "" {
						scope = "this incident"
					}
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\n", s.ID, s.Name, s.Kind, s.Address, scope)
				}
				tw.Flush()
			})
		},
	}
	cmd.PersistentFlags().StringVar(&ref, "incident", "", "the incident (default: the subscriptions of every incident)")
	var b httpapi.SubscriptionBody
	var secretEnv string
	add := &cobra.Command{
		Use: "add", Short: "Add a channel", Example: `  firebreak subscriptions add --incident INC-7 --name "war room" --kind slack --address https://hooks.slack.com/services/…
  firebreak subscriptions add --name leadership --kind email --address leadership@example.com`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if secretEnv != "" {
				if b.Secret = g.env.Getenv(secretEnv); b.Secret == "" {
					return fmt.Errorf("--secret-env: %s is empty", secretEnv)
				}
			}
			s, err := c.Subscribe(cmd.Context(), ref, b)
			if err != nil {
				return err
			}
			return g.print(s, func(w io.Writer) { fmt.Fprintf(w, "Added %s (%s %s): %s\n", s.Name, s.Kind, s.Address, s.ID) })
		},
	}
	add.Flags().StringVar(&b.Name, "name", "", "a name for the channel")
	add.Flags().StringVar(&b.Kind, "kind", "", "email, slack, teams or webhook")
	add.Flags().StringVar(&b.Address, "address", "", "email address, or incoming-webhook URL")
	add.Flags().StringVar(&secretEnv, "secret-env", "", "environment variable holding a webhook's HMAC key")
	rm := &cobra.Command{
		Use: "rm ID", Short: "Remove a channel", Example: `  firebreak subscriptions rm 0193…`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if err := c.Unsubscribe(cmd.Context(), ref, args[0]); err != nil {
				return err
			}
			fmt.Fprintln(g.env.Stdout, "Removed "+args[0])
			return nil
		},
	}
	cmd.AddCommand(add, rm)
	return cmd
}

func dossierCmd(g *globals) *cobra.Command {
	var html bool
	cmd := &cobra.Command{
		Use:   "dossier INC-7",
		Short: "The notification dossier: facts, duties, notices with exact text and hashes, deliveries, waivers, timeline",
		Example: `  firebreak dossier INC-7 -o json > INC-7-dossier.json
  firebreak dossier INC-7 --html > INC-7-dossier.html   # printable, stands on its own`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			d, err := c.Dossier(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			if html {
				return d.WriteHTML(g.env.Stdout, notices.HTMLOptions{})
			}
			return g.print(d, func(w io.Writer) {
				fmt.Fprintf(w, "%s %s — notification dossier (%d events, last hash %s)\n", d.Incident.Ref, d.Incident.Title, d.Chain.Events, d.Chain.LastHash)
				if d.ObligationsNote != "" {
					fmt.Fprintln(w, d.ObligationsNote)
				}
				tw := tab(w)
				for _, o := range d.Obligations {
					due := "—"
					if o.DueAt != nil {
						due = o.DueAt.UTC().Format(time.RFC3339)
					}
					fmt.Fprintf(tw, "duty\t%s %s\t%s\t%s\n", o.ObligationID, o.Phase, o.Status, due)
				}
				for _, n := range d.Notices {
					fmt.Fprintf(tw, "notice\t%s\t%s\t%s\n", n.Title, n.Status, n.TextSHA256)
				}
				for _, wv := range d.Waivers {
					fmt.Fprintf(tw, "waiver\t%s %s\t%s\n", wv.ObligationID, wv.Phase, wv.Reason)
				}
				tw.Flush()
				fmt.Fprintln(w, "The whole record: -o json, or --html for a printable page.")
			})
		},
	}
	cmd.Flags().BoolVar(&html, "html", false, "write a printable HTML page")
	return cmd
}
