package cli

import (
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// assetsCmds are "firebreak assets", "creds" and "fixes": the records kept
// beside an incident. Each takes the incident first and a verb after it
// (firebreak assets INC-7 add host web-1), as responders say it.
func assetsCmds(g *globals) []*cobra.Command {
	return []*cobra.Command{assetsCmd(g), credsCmd(g), fixesCmd(g)}
}

func assetsCmd(g *globals) *cobra.Command {
	var b httpapi.AssetBody
	var how, task, reason string
	cmd := &cobra.Command{
		Use:   "assets REF [add KIND IDENTIFIER | move KIND IDENTIFIER STATE | accept KIND IDENTIFIER]",
		Short: "Show or change an incident's affected assets; assets inventory lists every asset",
		Example: `  firebreak assets INC-7
  firebreak assets INC-7 add host web-1 --owner platform --criticality high --state confirmed
  firebreak assets INC-7 move host web-1 contained --how "isolated by EDR"
  firebreak assets INC-7 accept device laptop-9 --reason "decommissioned"
  firebreak assets inventory --kind host`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, rest := args[0], args[1:]
			if len(rest) == 0 {
				return showAssets(cmd, g, ref)
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			var a assets.IncidentAsset
			switch verb := rest[0]; {
			case verb == "add" && len(rest) == 3:
				b.Kind, b.Identifier = rest[1], rest[2]
				a, err = c.AddAsset(cmd.Context(), ref, b)
			case verb == "move" && len(rest) == 4:
				if strings.TrimSpace(how) == "" {
					return usage("--how TEXT is required: what was done")
				}
				a, err = c.MoveAsset(cmd.Context(), ref, rest[1], rest[2], httpapi.MoveBody{To: rest[3], How: how, Task: task})
			case verb == "accept" && len(rest) == 3:
				if strings.TrimSpace(reason) == "" {
					return usage("--reason TEXT is required: why the incident may recover with the asset unrestored")
				}
				yes := true
				a, err = c.UpdateAsset(cmd.Context(), ref, rest[1], rest[2], httpapi.AssetPatchBody{Accepted: &yes, AcceptedReason: reason})
			default:
				return usage("want: assets REF, assets REF add KIND IDENTIFIER, assets REF move KIND IDENTIFIER STATE, or assets REF accept KIND IDENTIFIER")
			}
			if err != nil {
				return err
			}
			return g.print(a, func(w io.Writer) {
				fmt.Fprintf(w, "%s %s %s: %s%s\n", ref, a.Kind, a.Identifier, a.State, acceptedText(a))
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Owner, "owner", "", "add: the owner, a person or team (the inventory's)")
	fl.StringVar(&b.Criticality, "criticality", "", "add: low, medium, high or critical (the inventory's)")
	fl.StringVar(&b.State, "state", "", "add: the state it starts in (default suspected)")
	fl.StringVar(&b.Note, "note", "", "add: a note")
	fl.StringVar(&how, "how", "", "move: what was done")
	fl.StringVar(&task, "task", "", "move: the key of the response task that did it")
	fl.StringVar(&reason, "reason", "", "accept: why it may stay unrestored")
	cmd.AddCommand(inventoryCmd(g), importAssetsCmd(g))
	return cmd
}

func importAssetsCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "import FILE",
		Short: "Import an inventory CSV (kind,identifier,owner,criticality); - reads standard input",
		Example: `  firebreak assets import inventory.csv
  cmdb-export | firebreak assets import -`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			var data []byte
			var err error
			if args[0] == "-" {
				data, err = io.ReadAll(io.LimitReader(g.env.Stdin, 8<<20))
			} else {
				data, err = os.ReadFile(args[0])
			}
			if err != nil {
				return fmt.Errorf("read the inventory: %w", err)
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			n, err := c.ImportInventory(cmd.Context(), data)
			if err != nil {
				return err
			}
			return g.print(map[string]int{"imported": n}, func(w io.Writer) { fmt.Fprintf(w, "Imported %d assets.\n", n) })
		},
	}
}

func acceptedText(a assets.IncidentAsset) string {
	if a.Accepted {
		return " (accepted: " + a.AcceptedReason + ")"
	}
	return ""
}

func showAssets(cmd *cobra.Command, g *globals, ref string) error {
	c, err := g.client()
	if err != nil {
		return err
	}
	as, err := c.IncidentAssets(cmd.Context(), ref)
	if err != nil {
		return err
	}
	return g.print(as, func(w io.Writer) {
		if len(as) == 0 {
			fmt.Fprintln(w, "No assets.")
			return
		}
		t := tab(w)
		fmt.Fprintln(t, "KIND\tIDENTIFIER\tSTATE\tCRITICALITY\tOWNER\tLAST MOVE")
		for _, a := range as {
			last := a.Moves[len(a.Moves)-1]
			move := ts(last.At) + " " + last.By
			if last.How != "" {
				move += ": " + truncate(last.How, 40)
			}
			fmt.Fprintf(t, "%s\t%s\t%s%s\t%s\t%s\t%s\n", a.Kind, a.Identifier, a.State, acceptedText(a), dash(string(a.Criticality)), dash(a.Owner), move)
		}
		t.Flush()
	})
}

func inventoryCmd(g *globals) *cobra.Command {
	var kind, q string
	var limit int
	cmd := &cobra.Command{
		Use:   "inventory [KIND IDENTIFIER]",
		Short: "List the asset inventory, or show one asset with the incidents it was in", Example: `  firebreak assets inventory
  firebreak assets inventory --kind host --q web
  firebreak assets inventory host web-1`,
		Args: func(_ *cobra.Command, args []string) error {
			if len(args) != 0 && len(args) != 2 {
				return usage("give no asset, or KIND IDENTIFIER")
			}
			return nil
		},
		RunE: func(cmd *cobra.Command, args []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if len(args) == 2 {
				a, err := c.InventoryAsset(cmd.Context(), args[0], args[1])
				if err != nil {
					return err
				}
				return g.print(a, func(w io.Writer) {
					fmt.Fprintf(w, "%s %s, owner %s, criticality %s\n", a.Kind, a.Identifier, dash(a.Owner), dash(string(a.Criticality)))
					t := tab(w)
					fmt.Fprintln(t, "INCIDENT\tINCIDENT STATE\tASSET STATE\tUPDATED\tTITLE")
					for _, i := range a.Incidents {
						st := string(i.State)
						if i.Accepted {
							st += " (accepted)"
						}
						fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\n", i.IncidentRef, i.IncidentState, st, ts(i.UpdatedAt), truncate(i.IncidentTitle, 50))
					}
					t.Flush()
				})
			}
			as, err := c.Inventory(cmd.Context(), kind, q, limit)
			if err != nil {
				return err
			}
			return g.print(as, func(w io.Writer) {
				if len(as) == 0 {
					fmt.Fprintln(w, "No assets.")
					return
				}
				t := tab(w)
				fmt.Fprintln(t, "KIND\tIDENTIFIER\tCRITICALITY\tOWNER")
				for _, a := range as {
					fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", a.Kind, a.Identifier, dash(string(a.Criticality)), dash(a.Owner))
				}
				t.Flush()
			})
		},
	}
	cmd.Flags().StringVar(&kind, "kind", "", "only this kind")
	cmd.Flags().StringVar(&q, "q", "", "part of the identifier or owner")
	cmd.Flags().IntVar(&limit, "limit", 0, "at most this many (default 500)")
	return cmd
}

func credsCmd(g *globals) *cobra.Command {
	var b httpapi.CredentialBody
	var how, task, exposedAt string
	cmd := &cobra.Command{
		Use:     "creds REF [add KIND NAME | move ID STATE]",
		Aliases: []string{"credentials"},
		Short:   "Show or change an incident's compromised credentials",
		Example: `  firebreak creds INC-7
  firebreak creds INC-7 add api_key "deploy token" --where-used "CI" --exposed-in "public repo" --state confirmed
  firebreak creds INC-7 move C1 revoked --how "revoked in the registry"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, rest := args[0], args[1:]
			c, err := g.client()
			if err != nil {
				return err
			}
			if len(rest) == 0 {
				cs, err := c.Credentials(cmd.Context(), ref)
				if err != nil {
					return err
				}
				return g.print(cs, func(w io.Writer) {
					if len(cs) == 0 {
						fmt.Fprintln(w, "No credentials.")
						return
					}
					t := tab(w)
					fmt.Fprintln(t, "ID\tKIND\tSTATE\tNAME\tWHERE USED\tEXPOSED")
					for _, cr := range cs {
						fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", cr.ID, cr.Kind, cr.State, truncate(cr.Name, 40), dash(truncate(cr.WhereUsed, 30)), dash(truncate(cr.ExposedIn, 30)))
					}
					t.Flush()
				})
			}
			var cr assets.Credential
			switch verb := rest[0]; {
			case verb == "add" && len(rest) == 3:
				b.Kind, b.Name = rest[1], rest[2]
				if b.ExposedAt, err = parseTime("exposed-at", exposedAt); err != nil {
					return usage("%v", err)
				}
				cr, err = c.AddCredential(cmd.Context(), ref, b)
			case verb == "move" && len(rest) == 3:
				if strings.TrimSpace(how) == "" {
					return usage("--how TEXT is required: what was done")
				}
				cr, err = c.MoveCredential(cmd.Context(), ref, rest[1], httpapi.MoveBody{To: rest[2], How: how, Task: task})
			default:
				return usage("want: creds REF, creds REF add KIND NAME, or creds REF move ID STATE")
			}
			if err != nil {
				return err
			}
			return g.print(cr, func(w io.Writer) { fmt.Fprintf(w, "%s %s (%s): %s\n", ref, cr.ID, cr.Name, cr.State) })
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.WhereUsed, "where-used", "", "add: the systems that accept it")
	fl.StringVar(&b.Owner, "owner", "", "add: whose it is")
	fl.StringVar(&b.ExposedIn, "exposed-in", "", "add: where it was exposed")
	fl.StringVar(&exposedAt, "exposed-at", "", "add: when it was exposed (RFC 3339)")
	fl.StringVar(&b.State, "state", "", "add: the state it starts in (default suspected)")
	fl.StringVar(&how, "how", "", "move: what was done")
	fl.StringVar(&task, "task", "", "move: the key of the response task that did it")
	return cmd
}

func fixesCmd(g *globals) *cobra.Command {
	var b httpapi.FixBody
	var appliedAt, verifiedAt string
	cmd := &cobra.Command{
		Use:   "fixes REF [add | update ID]",
		Short: "Show or record an incident's fixes: the vulnerability, the fix, when applied and verified",
		Example: `  firebreak fixes INC-7
  firebreak fixes INC-7 add --vulnerability CVE-2024-3094 --kind patch --description "xz 5.6.2" --asset host:web-1
  firebreak fixes INC-7 update F1 --applied-at 2026-12-07T09:00:00Z --applied-by bob
  firebreak fixes INC-7 update F1 --verified-at 2026-12-07T10:00:00Z --verified-how "scanner clean"`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			ref, rest := args[0], args[1:]
			c, err := g.client()
			if err != nil {
				return err
			}
			if len(rest) == 0 {
				fs, err := c.Fixes(cmd.Context(), ref)
				if err != nil {
					return err
				}
				return g.print(fs, func(w io.Writer) {
					if len(fs) == 0 {
						fmt.Fprintln(w, "No fixes.")
						return
					}
					t := tab(w)
					fmt.Fprintln(t, "ID\tKIND\tVULNERABILITY\tAPPLIED\tVERIFIED\tASSETS")
					for _, f := range fs {
						fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", f.ID, f.Kind, truncate(f.Vulnerability, 40), tsp(f.AppliedAt), tsp(f.VerifiedAt), dash(strings.Join(f.Assets, ", ")))
					}
					t.Flush()
				})
			}
			fl := cmd.Flags()
			var f assets.Fix
			switch verb := rest[0]; {
			case verb == "add" && len(rest) == 1:
				if b.AppliedAt, err = parseTime("applied-at", appliedAt); err == nil {
					b.VerifiedAt, err = parseTime("verified-at", verifiedAt)
				}
				if err != nil {
					return usage("%v", err)
				}
				f, err = c.AddFix(cmd.Context(), ref, b)
			case verb == "update" && len(rest) == 2:
				// The API replaces a fix whole: start from the stored one and
				// change what the flags name.
				fs, err := c.Fixes(cmd.Context(), ref)
				if err != nil {
					return err
				}
				id := strings.ToUpper(rest[1])
				var cur *assets.Fix
				for i := range fs {
					if fs[i].ID == id {
						cur = &fs[i]
					}
				}
				if cur == nil {
					return fmt.Errorf("no fix %s on %s", id, ref)
				}
				u := httpapi.FixBody{Vulnerability: cur.Vulnerability, Assets: cur.Assets, Kind: string(cur.Kind), Description: cur.Description,
					AppliedAt: cur.AppliedAt, AppliedBy: cur.AppliedBy, VerifiedAt: cur.VerifiedAt, VerifiedHow: cur.VerifiedHow}
				if fl.Changed("vulnerability") {
					u.Vulnerability = b.Vulnerability
				}
				if fl.Changed("asset") {
					u.Assets = b.Assets
				}
				if fl.Changed("kind") {
					u.Kind = b.Kind
				}
				if fl.Changed("description") {
					u.Description = b.Description
				}
				if fl.Changed("applied-by") {
					u.AppliedBy = b.AppliedBy
				}
				if fl.Changed("verified-how") {
					u.VerifiedHow = b.VerifiedHow
				}
				if fl.Changed("applied-at") {
					if u.AppliedAt, err = parseTime("applied-at", appliedAt); err != nil {
						return usage("%v", err)
					}
				}
				if fl.Changed("verified-at") {
					if u.VerifiedAt, err = parseTime("verified-at", verifiedAt); err != nil {
						return usage("%v", err)
					}
				}
				if f, err = c.UpdateFix(cmd.Context(), ref, id, u); err != nil {
					return err
				}
			default:
				return usage("want: fixes REF, fixes REF add --vulnerability … --kind … --description …, or fixes REF update ID [flags]")
			}
			if err != nil {
				return err
			}
			return g.print(f, func(w io.Writer) {
				fmt.Fprintf(w, "%s %s (%s) for %s: applied %s, verified %s\n", ref, f.ID, f.Kind, f.Vulnerability, tsp(f.AppliedAt), tsp(f.VerifiedAt))
			})
		},
	}
	fl := cmd.Flags()
	fl.StringVar(&b.Vulnerability, "vulnerability", "", "a CVE or words")
	fl.StringVar(&b.Kind, "kind", "", "patch, config or rule")
	fl.StringVar(&b.Description, "description", "", "the fix")
	fl.StringArrayVar(&b.Assets, "asset", nil, "an asset of the incident it fixes, KIND:IDENTIFIER; repeat for several")
	fl.StringVar(&appliedAt, "applied-at", "", "when it was applied (RFC 3339)")
	fl.StringVar(&b.AppliedBy, "applied-by", "", "who applied it")
	fl.StringVar(&verifiedAt, "verified-at", "", "when it was verified (RFC 3339)")
	fl.StringVar(&b.VerifiedHow, "verified-how", "", "how it was verified")
	return cmd
}
