package cli

import (
	"fmt"
	"io"
	"os"
	"slices"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// noticesCmd is `firebreak notices INC-7 [VERB …]`: the incident comes
// first, as people say it; `firebreak notices VERB INC-7 …` works too.
func noticesCmd(g *globals) *cobra.Command {
	verbs := []*cobra.Command{noticeDraftCmd(g), noticeShowCmd(g), noticeEditCmd(g), noticeApproveCmd(g), noticeAttachCmd(g),
		noticeSubmitCmd(g), noticeSendCmd(g)}
	cmd := &cobra.Command{
		Use:   "notices INC-7 [draft|show|edit|approve|attach|submit|send] …",
		Short: "List, draft, review, submit and email an incident's notices; templates",
		Long: "Notices to regulators, customers, individuals and staff. A draft comes from a template over the incident and its facts; " +
			"someone who wrote none of it may approve it; recording it as submitted, or emailing it, makes its text final and puts it " +
			"with its SHA-256 on the timeline.",
		Example: `  firebreak notices INC-7
  firebreak notices INC-7 draft --obligation eu-gdpr-art33-supervisory-authority --phase initial_notification
  firebreak notices INC-7 draft --audience customer --title "Security notice" --body-file notice.md
  firebreak notices INC-7 show 0193… --text > notice.md
  firebreak notices INC-7 edit 0193… --body-file notice.md
  firebreak notices INC-7 approve 0193…
  firebreak notices INC-7 attach 0193… report.pdf
  firebreak notices INC-7 submit 0193… --recipient BfDI --channel regulator_portal --reference 2026-0042
  firebreak notices INC-7 send 0193… --to ops@acme.example,cfo@acme.example
  firebreak notices templates [NAME]
  firebreak notices templates put acme --file acme.yaml`,
		DisableFlagParsing: true,
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || args[0] == "-h" || args[0] == "--help" {
				return cmd.Help()
			}
			if len(args) >= 2 {
				for _, v := range verbs {
					if v.Name() == args[1] || slices.Contains(v.Aliases, args[1]) {
						return runVerb(cmd, v, append([]string{args[0]}, args[2:]...))
					}
				}
			}
			return runVerb(cmd, verbs[0], args)
		},
	}
	verbs = append([]*cobra.Command{noticeListCmd(g)}, verbs...)
	cmd.AddCommand(verbs...)
	cmd.AddCommand(noticeTemplatesCmd(g))
	return cmd
}

// runVerb runs a subcommand of parent with args as if cobra had found it.
func runVerb(parent, c *cobra.Command, args []string) error {
	c.SetContext(parent.Context())
	if err := c.ParseFlags(args); err != nil {
		return err
	}
	if h, _ := c.Flags().GetBool("help"); h {
		return c.Help()
	}
	rest := c.Flags().Args()
	if err := c.ValidateArgs(rest); err != nil {
		return err
	}
	return c.RunE(c, rest)
}

func noticeListCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "list INC-7", Short: "List an incident's notices", Example: `  firebreak notices list INC-7`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ns, err := c.Notices(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(ns, func(w io.Writer) {
				tw := tab(w)
				fmt.Fprintln(tw, "ID\tSTATUS\tAUDIENCE\tDUTY\tTITLE\tUPDATED")
				for _, n := range ns {
					fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%s\n", n.ID, n.Status, n.Audience, orDash(strings.TrimSpace(n.ObligationID+" "+n.Phase)),
						n.Title, n.UpdatedAt.UTC().Format("2006-01-02 15:04Z"))
				}
				tw.Flush()
				if len(ns) == 0 {
					fmt.Fprintln(w, "No notices yet: firebreak notices "+args[0]+" draft --audience customer")
				}
			})
		},
	}
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func readText(flag, path string, stdin io.Reader) (string, error) {
	var b []byte
	var err error
	if path == "-" {
		b, err = io.ReadAll(stdin)
	} else {
		b, err = os.ReadFile(path)
	}
	if err != nil {
		return "", fmt.Errorf("--%s: %w", flag, err)
	}
	return string(b), nil
}

func printNotice(g *globals, n notices.Notice, textOnly bool) error {
	if textOnly && !g.json() {
		_, err := io.WriteString(g.env.Stdout, n.Body)
		return err
	}
	return g.print(n, func(w io.Writer) {
		fmt.Fprintf(w, "Notice %s (%s, %s) on %s\n", n.ID, n.Audience, n.Status, n.Ref)
		fmt.Fprintf(w, "Title:   %s\n", n.Title)
		if n.ObligationID != "" {
			fmt.Fprintf(w, "Duty:    %s %s\n", n.ObligationID, n.Phase)
		}
		fmt.Fprintf(w, "SHA-256: %s  (version %d)\n", n.TextSHA256, n.Version)
		if a := n.Approval; a != nil {
			fmt.Fprintf(w, "Approved by %s at %s\n", a.By, a.At.UTC().Format("2006-01-02 15:04:05Z"))
		}
		for _, a := range n.Attachments {
			fmt.Fprintf(w, "Attachment %s (%s, %d bytes) SHA-256 %s\n", a.Name, a.ContentType, a.Size, a.SHA256)
		}
		if s := n.Submission; s != nil {
			fmt.Fprintf(w, "Submitted to %s by %s at %s", s.Recipient, s.Channel, s.At.UTC().Format("2006-01-02 15:04:05Z"))
			if s.Reference != "" {
				fmt.Fprintf(w, ", reference %s", s.Reference)
			}
			fmt.Fprintf(w, " (recorded by %s)\n", s.RecordedBy)
		}
		if e := n.Email; e != nil {
			for _, d := range e.Deliveries {
				fmt.Fprintf(w, "Email to %s: %s", d.To, d.State)
				if d.SentAt != nil {
					fmt.Fprintf(w, " at %s, Message-ID %s, relay: %s", d.SentAt.UTC().Format("2006-01-02 15:04:05Z"), d.MessageID, d.Reply)
				}
				if d.LastError != "" {
					fmt.Fprintf(w, " (last error: %s)", d.LastError)
				}
				fmt.Fprintln(w)
			}
		}
		fmt.Fprintf(w, "\n%s", n.Body)
	})
}

func noticeDraftCmd(g *globals) *cobra.Command {
	var b httpapi.NoticeDraftBody
	var bodyFile string
	cmd := &cobra.Command{
		Use: "draft INC-7", Short: "Draft a notice from a template (or your own title and body)", Example: `  firebreak notices draft INC-7 --obligation eu-gdpr-art33-supervisory-authority --phase initial_notification
  firebreak notices draft INC-7 --audience customer --title "Security notice" --body-file notice.md`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if bodyFile != "" {
				if b.Body, err = readText("body-file", bodyFile, g.env.Stdin); err != nil {
					return err
				}
			}
			n, err := c.DraftNotice(cmd.Context(), args[0], b)
			if err != nil {
				return err
			}
			return printNotice(g, n, false)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Template, "template", "", "template name (see firebreak notices templates)")
	fl.StringVar(&b.Audience, "audience", "", "regulator, customer, individuals or internal")
	fl.StringVar(&b.ObligationID, "obligation", "", "the obligation the notice meets")
	fl.StringVar(&b.Phase, "phase", "", "the obligation's phase")
	fl.StringVar(&b.Title, "title", "", "title instead of the template's")
	fl.StringVar(&bodyFile, "body-file", "", "Markdown body instead of the template's (- for stdin)")
	return cmd
}

func noticeShowCmd(g *globals) *cobra.Command {
	var text bool
	cmd := &cobra.Command{
		Use: "show INC-7 ID", Short: "Show a notice with its hash, approval, submission and deliveries", Example: `  firebreak notices show INC-7 0193…
  firebreak notices show INC-7 0193… --text > notice.md`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := c.Notice(cmd.Context(), args[0], args[1])
			if err != nil {
				return err
			}
			return printNotice(g, n, text)
		},
	}
	cmd.Flags().BoolVar(&text, "text", false, "print only the exact text")
	return cmd
}

func noticeEditCmd(g *globals) *cobra.Command {
	var title, bodyFile string
	var version int64
	cmd := &cobra.Command{
		Use: "edit INC-7 ID", Short: "Change a draft's title or body", Example: `  firebreak notices edit INC-7 0193… --body-file notice.md`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			var b httpapi.NoticeEditBody
			if cmd.Flags().Changed("title") {
				b.Title = &title
			}
			if bodyFile != "" {
				body, err := readText("body-file", bodyFile, g.env.Stdin)
				if err != nil {
					return err
				}
				b.Body = &body
			}
			if b.Title == nil && b.Body == nil {
				return usage("nothing to change: give --title or --body-file")
			}
			n, err := c.EditNotice(cmd.Context(), args[0], args[1], b, version)
			if err != nil {
				return err
			}
			return printNotice(g, n, false)
		},
	}
	cmd.Flags().StringVar(&title, "title", "", "new title")
	cmd.Flags().StringVar(&bodyFile, "body-file", "", "new Markdown body (- for stdin)")
	cmd.Flags().Int64Var(&version, "version", 0, "the notice version your edit is based on (refused if it moved on)")
	return cmd
}

func noticeApproveCmd(g *globals) *cobra.Command {
	var b httpapi.NoticeApproveBody
	cmd := &cobra.Command{
		Use: "approve INC-7 ID", Short: "Approve a notice's text (by someone who wrote none of it)", Example: `  firebreak notices approve INC-7 0193…
  firebreak notices approve INC-7 0193… --sha256 9f86d0…   # the text you read`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := c.ApproveNotice(cmd.Context(), args[0], args[1], b)
			if err != nil {
				return err
			}
			return g.print(n, func(w io.Writer) { fmt.Fprintf(w, "Approved %q (SHA-256 %s)\n", n.Title, n.TextSHA256) })
		},
	}
	cmd.Flags().StringVar(&b.TextSHA256, "sha256", "", "the SHA-256 of the text you read (refused if it changed)")
	cmd.Flags().StringVar(&b.Note, "note", "", "a note with the approval")
	return cmd
}

func noticeAttachCmd(g *globals) *cobra.Command {
	var ctype string
	cmd := &cobra.Command{
		Use: "attach INC-7 ID FILE", Short: "Attach a file to a notice (kept by its SHA-256)", Example: `  firebreak notices attach INC-7 0193… report.pdf`, Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			data, err := os.ReadFile(args[2])
			if err != nil {
				return err
			}
			name := args[2][strings.LastIndexAny(args[2], `/\`)+1:]
			n, err := c.AttachToNotice(cmd.Context(), args[0], args[1], httpapi.NoticeAttachmentBody{Name: name, ContentType: ctype, Content: data})
			if err != nil {
				return err
			}
			return g.print(n, func(w io.Writer) {
				for _, a := range n.Attachments {
					if a.Name == name {
						fmt.Fprintf(w, "Attached %s (%d bytes), SHA-256 %s\n", a.Name, a.Size, a.SHA256)
					}
				}
			})
		},
	}
	cmd.Flags().StringVar(&ctype, "type", "", "content type (detected when left out)")
	return cmd
}

func noticeSubmitCmd(g *globals) *cobra.Command {
	var b httpapi.NoticeSubmitBody
	var at string
	cmd := &cobra.Command{
		Use: "submit INC-7 ID", Short: "Record a notice as submitted: its text becomes final", Example: `  firebreak notices submit INC-7 0193… --recipient "Datenschutzbehörde" --channel regulator_portal --reference DSB-2026-118`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if b.SubmittedAt, err = parseTime("at", at); err != nil {
				return err
			}
			n, err := c.SubmitNotice(cmd.Context(), args[0], args[1], b)
			if err != nil {
				return err
			}
			return printNotice(g, n, false)
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Recipient, "recipient", "", "who received it (required)")
	fl.StringVar(&b.Channel, "channel", "", "regulator_portal, email, letter, phone or other (required)")
	fl.StringVar(&at, "at", "", "when it was given (RFC 3339; default now)")
	fl.StringVar(&b.Reference, "reference", "", "the recipient's reference number")
	fl.StringVar(&b.TextSHA256, "sha256", "", "the SHA-256 of the text given (refused if it changed)")
	return cmd
}

func noticeSendCmd(g *globals) *cobra.Command {
	var b httpapi.NoticeSendBody
	cmd := &cobra.Command{
		Use: "send INC-7 ID", Short: "Email a notice, one message per recipient; its text becomes final", Example: `  firebreak notices send INC-7 0193… --to dpo@customer.example`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := c.SendNotice(cmd.Context(), args[0], args[1], b)
			if err != nil {
				return err
			}
			return printNotice(g, n, false)
		},
	}
	cmd.Flags().StringSliceVar(&b.To, "to", nil, "recipients (comma-separated or repeated)")
	cmd.Flags().StringVar(&b.TextSHA256, "sha256", "", "the SHA-256 of the text you send (refused if it changed)")
	return cmd
}
