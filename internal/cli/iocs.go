package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// iocsFlags are the fields an add, a paste or a set may give.
type iocsFlags struct {
	tlp, state, source, notes string
	confidence                int
	preview                   bool
	format                    string
}

// iocsCmd is "firebreak iocs": an incident's indicators of compromise.
// The incident comes before the verb (iocs INC-7 add …), so the verbs are
// read here rather than as cobra subcommands.
func iocsCmd(g *globals) *cobra.Command {
	var f iocsFlags
	cmd := &cobra.Command{
		Use:   "iocs REF [add TYPE VALUE | paste | set ID | export | import FILE] | iocs lookup VALUE",
		Short: "List, add, paste and change an incident's indicators of compromise; look a value up across incidents",
		Example: `  firebreak iocs INC-7
  firebreak iocs INC-7 add domain evil[.]example --tlp amber+strict --source "mail gateway"
  firebreak iocs INC-7 paste --preview < report.txt
  firebreak iocs INC-7 paste --tlp green < report.txt
  firebreak iocs INC-7 set 0193… --state blocked
  firebreak iocs INC-7 export --format stix > iocs.json
  firebreak iocs INC-9 import iocs.json
  firebreak iocs lookup 198.51.100.7`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if args[0] == "lookup" {
				if len(args) != 2 {
					return usage("firebreak iocs lookup VALUE")
				}
				return lookupIOC(cmd, g, args[1])
			}
			ref := args[0]
			if len(args) == 1 {
				return listIOCs(cmd, g, ref)
			}
			switch verb, rest := args[1], args[2:]; verb {
			case "add":
				if len(rest) != 2 {
					return usage("firebreak iocs %s add TYPE VALUE", ref)
				}
				return addIOC(cmd, g, ref, rest[0], rest[1], f)
			case "paste":
				if len(rest) != 0 {
					return usage("firebreak iocs %s paste reads the text from standard input", ref)
				}
				return pasteIOCs(cmd, g, ref, f)
			case "set":
				if len(rest) != 1 {
					return usage("firebreak iocs %s set ID --state STATE", ref)
				}
				return setIOC(cmd, g, ref, rest[0], f)
			case "export":
				if len(rest) != 0 {
					return usage("firebreak iocs %s export [--format stix|csv]", ref)
				}
				return exportIOCs(cmd, g, ref, f.format)
			case "import":
				if len(rest) != 1 {
					return usage("firebreak iocs %s import BUNDLE.json", ref)
				}
				return importIOCs(cmd, g, ref, rest[0])
			default:
				return usage("unknown verb %q: use add, paste, set, export or import", verb)
			}
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&f.tlp, "tlp", "", "TLP 2.0 marking: clear, green, amber, amber+strict, red")
	fl.StringVar(&f.state, "state", "", "active, blocked, false_positive or expired")
	fl.StringVar(&f.source, "source", "", "where the indicator came from")
	fl.StringVar(&f.notes, "notes", "", "notes")
	fl.IntVar(&f.confidence, "confidence", -1, "confidence 0–100")
	fl.BoolVar(&f.preview, "preview", false, "paste: show what would be added, saving nothing")
	fl.StringVar(&f.format, "format", "stix", "export: stix (a STIX 2.1 bundle) or csv")
	return cmd
}

func (f iocsFlags) body() httpapi.AddIndicatorsBody {
	b := httpapi.AddIndicatorsBody{TLP: indicators.TLP(f.tlp), State: indicators.State(f.state), Source: f.source, Notes: f.notes}
	if f.confidence >= 0 {
		c := f.confidence
		b.Confidence = &c
	}
	return b
}

func listIOCs(cmd *cobra.Command, g *globals, ref string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	list, err := c.Indicators(cmd.Context(), ref)
	if err != nil {
		return err
	}
	return g.print(list, func(w io.Writer) {
		if len(list) == 0 {
			fmt.Fprintf(w, "%s has no indicators.\n", ref)
			return
		}
		t := tab(w)
		fmt.Fprintln(t, "ID\tTYPE\tVALUE\tTLP\tSTATE\tCONF\tSOURCE\tSEEN BEFORE")
		for _, i := range list {
			var seen []string
			for _, s := range i.SeenBefore {
				seen = append(seen, s.IncidentRef)
			}
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%d\t%s\t%s\n", i.ID, i.Type, truncate(i.Value, 70), strings.ToUpper(string(i.TLP)), i.State,
				i.Confidence, dash(i.Source), dash(strings.Join(seen, " ")))
		}
		t.Flush()
	})
}

func addIOC(cmd *cobra.Command, g *globals, ref, typ, value string, f iocsFlags) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	b := f.body()
	b.Type, b.Value = indicators.Type(typ), value
	res, err := c.AddIndicators(cmd.Context(), ref, b)
	if err != nil {
		return err
	}
	return g.print(res, func(w io.Writer) {
		for _, i := range res.Added {
			fmt.Fprintf(w, "%s: added %s %s (%s, TLP:%s)\n", ref, i.Type, i.Value, i.ID, strings.ToUpper(string(i.TLP)))
		}
	})
}

func pasteIOCs(cmd *cobra.Command, g *globals, ref string, f iocsFlags) error {
	text, err := io.ReadAll(io.LimitReader(cmd.InOrStdin(), indicators.MaxPaste+1))
	if err != nil {
		return fmt.Errorf("read standard input: %w", err)
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	b := f.body()
	b.Text, b.Preview = string(text), f.preview
	res, err := c.AddIndicators(cmd.Context(), ref, b)
	if err != nil {
		return err
	}
	return g.print(res, func(w io.Writer) {
		t := tab(w)
		if f.preview {
			fmt.Fprintf(w, "%d indicators found (nothing saved):\n", len(res.Candidates))
			for _, x := range res.Candidates {
				fmt.Fprintf(t, "%s\t%s\n", x.Type, x.Value)
			}
			t.Flush()
			return
		}
		fmt.Fprintf(w, "%s: %d added, %d already held\n", ref, len(res.Added), len(res.Existing))
		for _, i := range res.Added {
			fmt.Fprintf(t, "%s\t%s\t%s\n", i.ID, i.Type, i.Value)
		}
		t.Flush()
	})
}

func setIOC(cmd *cobra.Command, g *globals, ref, id string, f iocsFlags) error {
	var p indicators.Patch
	if f.tlp != "" {
		v := indicators.TLP(f.tlp)
		p.TLP = &v
	}
	if f.state != "" {
		v := indicators.State(f.state)
		p.State = &v
	}
	if cmd.Flags().Changed("source") {
		p.Source = &f.source
	}
	if cmd.Flags().Changed("notes") {
		p.Notes = &f.notes
	}
	if f.confidence >= 0 {
		p.Confidence = &f.confidence
	}
	if p == (indicators.Patch{}) {
		return usage("give what to change: --state, --tlp, --source, --notes or --confidence")
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	i, err := c.UpdateIndicator(cmd.Context(), ref, id, p)
	if err != nil {
		return err
	}
	return g.print(i, func(w io.Writer) {
		fmt.Fprintf(w, "%s %s %s: %s, TLP:%s, confidence %d\n", ref, i.Type, i.Value, i.State, strings.ToUpper(string(i.TLP)), i.Confidence)
	})
}

func lookupIOC(cmd *cobra.Command, g *globals, value string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	res, err := c.LookupIndicator(cmd.Context(), value)
	if err != nil {
		return err
	}
	return g.print(res, func(w io.Writer) {
		var as []string
		for _, k := range res.ReadAs {
			as = append(as, string(k.Type)+" "+k.Value)
		}
		fmt.Fprintf(w, "Read as: %s\n", strings.Join(as, "; "))
		if len(res.Sightings) == 0 {
			fmt.Fprintln(w, "Not seen in any incident you may see.")
			return
		}
		t := tab(w)
		fmt.Fprintln(t, "INCIDENT\tTYPE\tVALUE\tSTATE\tTLP\tTITLE")
		for _, s := range res.Sightings {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", s.IncidentRef, s.Type, truncate(s.Value, 60), s.State, strings.ToUpper(string(s.TLP)), truncate(s.Title, 50))
		}
		t.Flush()
	})
}

func exportIOCs(cmd *cobra.Command, g *globals, ref, format string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	data, err := c.ExportIndicators(cmd.Context(), ref, format)
	if err != nil {
		return err
	}
	_, err = cmd.OutOrStdout().Write(data)
	return err
}

func importIOCs(cmd *cobra.Command, g *globals, ref, file string) error {
	data, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	res, err := c.ImportIndicators(cmd.Context(), ref, data)
	if err != nil {
		return err
	}
	return g.print(res, func(w io.Writer) {
		fmt.Fprintf(w, "%s: %d added, %d already held, %d skipped\n", ref, len(res.Added), len(res.Existing), res.Skipped)
	})
}
