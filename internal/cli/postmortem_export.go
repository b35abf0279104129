package cli

import (
	"fmt"
	"io"
	"os"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// withPostmortemDrafts adds draft and export to the post-mortem command.
func withPostmortemDrafts(pm *cobra.Command, g *globals) *cobra.Command {
	pm.AddCommand(pmDraftCmd(g), pmExportCmd(g), pmMeetingCmd(g))
	return pm
}

// pmDraftCmd is firebreak incidents postmortem draft REF.
func pmDraftCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "draft REF",
		Short: "Draft the post-mortem from the record (nothing is saved)",
		Long: `Computes the incident's figures from its events and records — detection lag,
time to acknowledge, time in each phase, time to recover, people involved,
people and data affected, duties and their timeliness, assets, credentials,
indicators, tasks — and drafts the post-mortem: summary, impact, a timeline
chosen from the events and the prompts of the template for its type. Shown as
Markdown; with -o json the figures, prompts and draft as the API gives them.`,
		Example: `  firebreak incidents postmortem draft INC-7
  firebreak incidents postmortem draft INC-7 -o json > draft.json`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			d, err := c.DraftPostmortem(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(d, func(w io.Writer) {
				fmt.Fprint(w, postmortem.Markdown(postmortem.Document{Incident: d.Incident, Status: "draft from the record, not saved",
					Figures: d.Figures, Postmortem: d.Draft}))
			})
		},
	}
}

// pmExportCmd is firebreak incidents postmortem export REF.
func pmExportCmd(g *globals) *cobra.Command {
	var format, file string
	cmd := &cobra.Command{
		Use:   "export REF",
		Short: "Export the saved post-mortem as Markdown, HTML or JSON",
		Long: `Writes the saved post-mortem with the incident's header, its figures, the action
plan, the reviewers and, once published, the revision and the SHA-256 of its
text: --format md (Markdown), html (a printable standalone page) or json. The
same post-mortem exports to the same bytes.`,
		Example: `  firebreak incidents postmortem export INC-7 --format md
  firebreak incidents postmortem export INC-7 --format html --file INC-7-postmortem.html`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			switch format {
			case "md", "html", "json":
			default:
				return usage("--format %q: use md, html or json", format)
			}
			return exportPostmortem(cmd, g, args[0], format, file)
		},
	}
	cmd.Flags().StringVar(&format, "format", "md", "md, html or json")
	cmd.Flags().StringVar(&file, "file", "", "write to this new file instead of standard output")
	return cmd
}

// exportPostmortem writes the export to standard output or a new file; a
// partial file is removed.
func exportPostmortem(cmd *cobra.Command, g *globals, ref, format, file string) (err error) {
	c, err := g.client()
	if err != nil {
		return err
	}
	if file == "" {
		return c.ExportPostmortem(cmd.Context(), ref, format, cmd.OutOrStdout())
	}
	f, err := os.OpenFile(file, os.O_CREATE|os.O_EXCL|os.O_WRONLY, 0o600)
	if err != nil {
		return err
	}
	err = c.ExportPostmortem(cmd.Context(), ref, format, f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		_ = os.Remove(file) // a partial export is no export; the error says why
		return err
	}
	fmt.Fprintf(g.env.Stderr, "Wrote the post-mortem of %s to %s.\n", ref, file)
	return nil
}
