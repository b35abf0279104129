package cli

import (
	"fmt"
	"io"
	"strconv"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// postmortemCmd is firebreak incidents postmortem: the text, its review and
// its revisions. Given only a ref it shows the post-mortem.
func postmortemCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:   "postmortem REF | postmortem COMMAND",
		Short: "Show, edit, review and publish the post-mortem",
		Long: `The post-mortem goes draft → in_review → published. Edit its text from a
YAML, JSON or Markdown file; ask for a review (the IR Lead and, for a
significant incident, the commander, unless named); reviewers approve or
request changes; publish once the approvals the policy asks are given to the
current text. A published post-mortem stays published: a changed text is a
new revision and needs --reason.`,
		Example: `  firebreak incidents postmortem INC-7
  firebreak incidents postmortem edit INC-7 --file review.md
  firebreak incidents postmortem request-review INC-7 --reviewer alice --reviewer bob
  firebreak incidents postmortem request-changes INC-7 --comment "the timeline misses the first page"
  firebreak incidents postmortem approve INC-7
  firebreak incidents postmortem publish INC-7
  firebreak incidents postmortem edit INC-7 --file review-v2.yaml --reason "the vendor's forensics report"
  firebreak incidents postmortem revisions INC-7`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return showPostmortem(cmd, g, args[0]) },
	}
	show := &cobra.Command{Use: "show REF", Short: "Show the post-mortem and where its review stands", Example: `  firebreak incidents postmortem show INC-7`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error { return showPostmortem(cmd, g, args[0]) }}
	cmd.AddCommand(show, pmEditCmd(g), pmRequestReviewCmd(g), pmVerdictCmd(g, incident.Approve), pmVerdictCmd(g, incident.ChangesRequested),
		pmPublishCmd(g), pmRevisionsCmd(g), pmActionItemCmd(g))
	return cmd
}

func showPostmortem(cmd *cobra.Command, g *globals, ref string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	pm, err := c.Postmortem(cmd.Context(), ref)
	if err != nil {
		return err
	}
	return printPostmortem(g, pm)
}

func printPostmortem(g *globals, pm client.Postmortem) error {
	return g.print(pm, func(w io.Writer) {
		fmt.Fprintf(w, "Post-mortem of %s: %s, due %s\n", pm.Ref, pm.Status, tsp(pm.Due))
		if pm.PublishedAt != nil {
			fmt.Fprintf(w, "First published %s\n", ts(*pm.PublishedAt))
		}
		fmt.Fprintf(w, "Text sha256 %s\n", pm.TextSHA256)
		if len(pm.Reviewers) > 0 {
			fmt.Fprintf(w, "Reviewers %s; approvals %d of %d needed", strings.Join(pm.Reviewers, ", "), len(pm.Approvals), pm.ApprovalsNeeded)
			if len(pm.ChangesRequested) > 0 {
				fmt.Fprintf(w, "; changes requested by %s", strings.Join(pm.ChangesRequested, ", "))
			}
			fmt.Fprintln(w)
		}
		for _, r := range pm.Reviews {
			stale := ""
			if r.TextSHA256 != pm.TextSHA256 {
				stale = " (an earlier text)"
			}
			fmt.Fprintf(w, "  %s %s %s%s %s\n", ts(r.At), r.Reviewer, r.Verdict, stale, r.Comment)
		}
		fmt.Fprint(w, incident.DocMarkdown(pm.Doc))
		for i, a := range pm.ActionItems {
			done := " "
			if a.Done {
				done = "x"
			}
			fmt.Fprintf(w, "%d. [%s] %s (owner %s, due %s)\n", i+1, done, a.Title, dash(a.Owner), dash(a.Due))
		}
	})
}

func pmEditCmd(g *globals) *cobra.Command {
	var file, reason string
	cmd := &cobra.Command{
		Use:   "edit REF --file FILE",
		Short: "Replace the post-mortem's text from a YAML, JSON or Markdown file", Example: `  firebreak incidents postmortem edit INC-7 --file review.md --reason "timeline fixed"`,
		Long: `Replace the post-mortem's text from a file, by its extension:
.json and .yaml/.yml hold the whole document (the fields of
"firebreak incidents postmortem show -o json"'s doc: summary, impact,
timeline, root_causes, contributing_factors, whys, went_well, hard, lessons);
.md holds "## " sections named Summary, Impact, Timeline, Root causes,
Contributing factors, Five whys, What went well, What was hard and Lessons
learned, and sections it leaves out keep their current text. Causes are
list items "- [category] text"; whys numbered items; timeline lines
"- 2026-11-25T10:05:00Z text", with "(#12)" at the end to choose event 12.
In review the approvals given to the earlier text no longer count; a
published post-mortem takes the text as a new revision, with --reason.`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			ctx := cmd.Context()
			pm, err := c.Postmortem(ctx, args[0])
			if err != nil {
				return err
			}
			doc, err := readDocFile(file, pm.Doc)
			if err != nil {
				return fmt.Errorf("--file: %w", err)
			}
			if pm, err = c.SavePostmortem(ctx, args[0], httpapi.BodyOf(doc, reason)); err != nil {
				return err
			}
			return printPostmortem(g, pm)
		},
	}
	cmd.Flags().StringVar(&file, "file", "", "the text: .yaml, .yml, .json or .md")
	cmd.Flags().StringVar(&reason, "reason", "", "why a published post-mortem's text changes (its new revision)")
	_ = cmd.MarkFlagRequired("file")
	return cmd
}

func pmRequestReviewCmd(g *globals) *cobra.Command {
	var reviewers []string
	cmd := &cobra.Command{
		Use:   "request-review REF",
		Short: "Ask for a review (default reviewers: the IR Lead and, when significant, the commander)", Example: `  firebreak incidents postmortem request-review INC-7
  firebreak incidents postmortem request-review INC-7 --reviewer bob --reviewer carol`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			pm, err := c.RequestPostmortemReview(cmd.Context(), args[0], reviewers)
			if err != nil {
				return err
			}
			return printPostmortem(g, pm)
		},
	}
	cmd.Flags().StringSliceVar(&reviewers, "reviewer", nil, "a reviewer's username; repeat for several")
	return cmd
}

func pmVerdictCmd(g *globals, v incident.Verdict) *cobra.Command {
	var comment string
	use, short := "approve REF", "Approve the current text (as a named reviewer)"
	example := `  firebreak incidents postmortem approve INC-7 --comment "Clear; ship it"`
	if v == incident.ChangesRequested {
		use, short = "request-changes REF --comment TEXT", "Ask for changes to the current text (as a named reviewer)"
		example = `  firebreak incidents postmortem request-changes INC-7 --comment "Name the detection gap"`
	}
	cmd := &cobra.Command{
		Use: use, Short: short, Example: example, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			pm, err := c.ReviewPostmortem(cmd.Context(), args[0], httpapi.ReviewBody{Verdict: v, Comment: comment})
			if err != nil {
				return err
			}
			return printPostmortem(g, pm)
		},
	}
	cmd.Flags().StringVar(&comment, "comment", "", "what to change (needed when requesting changes)")
	return cmd
}

func pmPublishCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "publish REF", Short: "Publish the approved text", Example: `  firebreak incidents postmortem publish INC-7`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			pm, err := c.PublishPostmortem(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return printPostmortem(g, pm)
		},
	}
}

func pmRevisionsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use: "revisions REF", Short: "List the published texts with author, time, reason and SHA-256", Example: `  firebreak incidents postmortem revisions INC-7`, Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			revs, err := c.PostmortemRevisions(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(revs, func(w io.Writer) {
				fmt.Fprintf(w, "Post-mortem of %s: first published %s\n", revs.Ref, tsp(revs.PublishedAt))
				for _, r := range revs.Items {
					why := r.Reason
					if r.N == 1 {
						why = "first publication, approved by " + strings.Join(r.Approvals, ", ")
					}
					fmt.Fprintf(w, "%d  %s  %s  sha256 %s  %s\n", r.N, ts(r.At), r.Author, r.TextSHA256, why)
				}
			})
		},
	}
}

// pmActionItemCmd ticks an action item of a post-mortem written before
// action items were kept on their own.
func pmActionItemCmd(g *globals) *cobra.Command {
	var undone bool
	cmd := &cobra.Command{
		Use: "action-item REF N", Short: "Mark action item N of an older post-mortem done (or not, with --undone)", Example: `  firebreak incidents postmortem action-item INC-7 2
  firebreak incidents postmortem action-item INC-7 2 --undone`, Args: cobra.ExactArgs(2),
		RunE: func(cmd *cobra.Command, args []string) error {
			n, err := strconv.Atoi(args[1])
			if err != nil {
				return usage("the action item number %q is not a number", args[1])
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			pm, err := c.SetActionItem(cmd.Context(), args[0], n, !undone)
			if err != nil {
				return err
			}
			return printPostmortem(g, pm)
		},
	}
	cmd.Flags().BoolVar(&undone, "undone", false, "mark it not done")
	return cmd
}
