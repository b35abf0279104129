package cli

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"maps"
	"os"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/goccy/go-yaml"
	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// Notification duties: an incident's facts, its dated duties, waivers,
// the organisation profile, and planning without an incident.

func dutiesCmds(g *globals) []*cobra.Command {
	return []*cobra.Command{factsCmd(g), obligationsCmd(g), orgCmd(g), waiveCmd(g)}
}

func factsCmd(g *globals) *cobra.Command {
	var (
		set, unset, affected, dataTypes []string
		personal                        bool
		individuals                     int
		notes                           string
		replace, allowFuture, confirm   bool
	)
	cmd := &cobra.Command{
		Use:   "facts REF",
		Short: "Show or change what is known about an incident that notification duties depend on",
		Long: "Without flags, shows the incident's facts. Flags change them, keeping what they do not name\n" +
			"(with --replace, start from nothing): clock anchors as RFC 3339 times, personal data, data\n" +
			"types, people affected in all and by jurisdiction. The change is checked against the version\n" +
			"read, so a concurrent edit is refused rather than overwritten.",
		Example: "  firebreak facts INC-7 --set aware=2026-11-27T09:00:00Z --personal-data --individuals 1200 --affected EU=1200\n" +
			"  firebreak facts INC-7 --set classified_major=now --data-type credentials\n" +
			"  firebreak facts INC-7 --unset discovered",
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			cur, err := c.Facts(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			fl := cmd.Flags()
			changing := replace || fl.Changed("set") || fl.Changed("unset") || fl.Changed("affected") || fl.Changed("data-type") ||
				fl.Changed("personal-data") || fl.Changed("individuals") || fl.Changed("notes")
			if changing {
				in := cur.FactsInput
				if replace {
					in = duties.FactsInput{}
				}
				if in.Anchors == nil {
					in.Anchors = map[string]string{}
				}
				for _, kv := range set {
					k, v, ok := strings.Cut(kv, "=")
					if !ok || k == "" {
						return usage("--set %q: want ANCHOR=TIME, such as aware=2026-11-27T09:00:00Z", kv)
					}
					if v == "now" {
						v = time.Now().UTC().Format(time.RFC3339)
					}
					in.Anchors[k] = v
				}
				for _, k := range unset {
					delete(in.Anchors, k)
				}
				if fl.Changed("personal-data") {
					in.PersonalData = personal
				}
				if fl.Changed("individuals") {
					in.AffectedIndividuals = &individuals
				}
				if fl.Changed("data-type") {
					in.DataTypes = dataTypes
				}
				if fl.Changed("affected") {
					if in.AffectedByJurisdiction == nil {
						in.AffectedByJurisdiction = map[string]int{}
					}
					for _, kv := range affected {
						k, v, ok := strings.Cut(kv, "=")
						n, err := strconv.Atoi(v)
						if !ok || k == "" || err != nil {
							return usage("--affected %q: want JURISDICTION=COUNT, such as US-CA=600", kv)
						}
						in.AffectedByJurisdiction[k] = n
					}
				}
				if fl.Changed("notes") {
					in.Notes = notes
				}
				in.AllowFuture, in.ConfirmEarlyAnchors = allowFuture, confirm
				if cur, err = c.PutFacts(cmd.Context(), args[0], in, cur.Version); err != nil {
					return err
				}
			}
			return g.print(cur, func(w io.Writer) { showFacts(w, cur) })
		},
	}
	f := cmd.Flags()
	f.StringArrayVar(&set, "set", nil, "set a clock anchor: ANCHOR=TIME (RFC 3339, or now); repeat for several")
	f.StringArrayVar(&unset, "unset", nil, "clear a clock anchor; repeat for several")
	f.BoolVar(&personal, "personal-data", false, "personal data is involved (--personal-data=false: it is not)")
	f.IntVar(&individuals, "individuals", 0, "how many people are affected")
	f.StringArrayVar(&affected, "affected", nil, "people affected in a jurisdiction: US-CA=600; repeat for several")
	f.StringArrayVar(&dataTypes, "data-type", nil, "a data type involved (credentials, payment_card, unsecured_PHI…); repeat; replaces the list")
	f.StringVar(&notes, "notes", "", "free notes")
	f.BoolVar(&replace, "replace", false, "start from empty facts instead of the current ones")
	f.BoolVar(&allowFuture, "allow-future", false, "accept anchors in the future (planning); refused otherwise")
	f.BoolVar(&confirm, "confirm-early", false, "confirm anchors further before the incident's detection than the profile's anchor_lead (30 days)")
	return cmd
}

func showFacts(w io.Writer, v httpapi.FactsView) {
	t := tab(w)
	row := func(k, v string) { fmt.Fprintf(t, "%s\t%s\n", k, v) }
	row("Incident", v.Ref)
	ver := strconv.FormatInt(v.Version, 10)
	if v.Version == 0 {
		ver += " (no facts set yet)"
	} else {
		ver += " — " + tsp(v.UpdatedAt) + " by " + v.UpdatedBy
	}
	row("Version", ver)
	for _, k := range slices.Sorted(maps.Keys(v.Anchors)) {
		row("  "+k, v.Anchors[k])
	}
	row("Personal data", map[bool]string{true: "yes", false: "no"}[v.PersonalData])
	row("Data types", dash(strings.Join(v.DataTypes, ", ")))
	n := "-"
	if v.AffectedIndividuals != nil {
		n = strconv.Itoa(*v.AffectedIndividuals)
	}
	row("Individuals", n)
	var by []string
	for _, k := range slices.Sorted(maps.Keys(v.AffectedByJurisdiction)) {
		by = append(by, fmt.Sprintf("%s=%d", k, v.AffectedByJurisdiction[k]))
	}
	row("By jurisdiction", dash(strings.Join(by, ", ")))
	if v.Notes != "" {
		row("Notes", v.Notes)
	}
	t.Flush()
}

func obligationsCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "obligations REF",
		Aliases: []string{"duties"},
		Short:   "List an incident's notification duties, earliest due first",
		Long: "Every phase of every obligation that applies to the incident, with its due time, the time left,\n" +
			"its status and its legal basis. Unverified and proposed duties are marked.",
		Example: "  firebreak obligations INC-7\n  firebreak obligations evaluate --facts facts.json --org org.yaml",
		Args:    cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			o, err := c.Obligations(cmd.Context(), args[0])
			if err != nil {
				return err
			}
			return g.print(o, func(w io.Writer) { showObligations(w, o) })
		},
	}
	cmd.AddCommand(evaluateCmd(g), submitObligationCmd(g), vocabularyCmd(g))
	return cmd
}

func vocabularyCmd(g *globals) *cobra.Command {
	return &cobra.Command{
		Use:   "vocabulary",
		Short: "List the words profiles and facts may use: roles, entity types, sectors, data types, anchors, jurisdictions, calendars", Example: `  firebreak obligations vocabulary
  firebreak obligations vocabulary -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			v, err := c.Vocabulary(cmd.Context())
			if err != nil {
				return err
			}
			return g.print(v, func(w io.Writer) {
				t := tab(w)
				words := func(ts []comms.Term) string {
					var out []string
					for _, x := range ts {
						out = append(out, x.Name)
					}
					return strings.Join(out, " ")
				}
				fmt.Fprintf(t, "Roles\t%s\n", strings.Join(v.Roles, " "))
				fmt.Fprintf(t, "Entity types\t%s\n", strings.Join(v.EntityTypes, " "))
				fmt.Fprintf(t, "Sectors\t%s\n", strings.Join(v.Sectors, " "))
				fmt.Fprintf(t, "Data types\t%s\n", words(v.DataTypes))
				fmt.Fprintf(t, "Anchors\t%s\n", words(v.Anchors))
				fmt.Fprintf(t, "Jurisdictions\t%s\n", words(v.Jurisdictions))
				fmt.Fprintf(t, "Calendars\t%s\n", words(v.Calendars))
				t.Flush()
			})
		},
	}
}

func showObligations(w io.Writer, o client.Obligations) {
	if len(o.Items) == 0 {
		fmt.Fprintln(w, "No notification duties apply. Set the facts (firebreak facts REF …) and the organisation profile (firebreak org set).")
		return
	}
	t := tab(w)
	fmt.Fprintln(t, "DUE\tIN\tOBLIGATION\tPHASE\tSTATUS\tBASIS")
	for _, it := range o.Items {
		due, left := "-", "-"
		if it.DueAt != nil {
			due = ts(*it.DueAt)
			left = duties.Countdown(it.DueAt.Sub(o.Now))
			if !it.DueAt.After(o.Now) {
				left = "-" + left
			}
		}
		status := string(it.Status)
		if it.Applicability == comms.Possible {
			status += ", may apply"
		}
		if c := duties.Caveat(it); c != "" {
			status += " (" + c + ")"
		}
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\n", due, left, it.ObligationID, it.Phase, status, truncate(it.Basis, 80))
	}
	t.Flush()
	var asked []string
	for _, it := range o.Items {
		for _, q := range it.Questions {
			if !slices.Contains(asked, q) {
				asked = append(asked, q)
			}
		}
	}
	if len(asked) > 0 {
		fmt.Fprintln(w, "\nDuties that may apply are settled by answering, in the facts or the profile:")
		for _, q := range asked {
			fmt.Fprintln(w, "  - "+q)
		}
	}
	for _, x := range o.Warnings {
		fmt.Fprintf(w, "warning: %s: %s\n", x.Field, x.Message)
	}
}

func evaluateCmd(g *globals) *cobra.Command {
	var factsPath, orgPath string
	cmd := &cobra.Command{
		Use:   "evaluate --facts FILE [--org FILE]",
		Short: "Work out the duties that facts would bring, without an incident (planning, tabletop)", Example: `  firebreak obligations evaluate --facts facts.json
  firebreak obligations evaluate --facts facts.json --org org.yaml`,
		Long: "FILE holds facts as JSON or YAML, as GET /api/v1/incidents/REF/facts shows them; --org a profile\n" +
			"as firebreak org show -o json shows it (the server's profile when left out). Nothing is stored.",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			if factsPath == "" {
				return usage("--facts FILE is required")
			}
			var f duties.FactsInput
			if err := g.readStrict(factsPath, &f); err != nil {
				return err
			}
			var org *duties.Profile
			if orgPath != "" {
				org = &duties.Profile{}
				if err := g.readStrict(orgPath, org); err != nil {
					return err
				}
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			o, err := c.EvaluateObligations(cmd.Context(), org, f)
			if err != nil {
				return err
			}
			return g.print(o, func(w io.Writer) { showObligations(w, o) })
		},
	}
	cmd.Flags().StringVar(&factsPath, "facts", "", "facts file (JSON or YAML)")
	cmd.Flags().StringVar(&orgPath, "org", "", "organisation profile file (JSON or YAML); the server's when left out")
	return cmd
}

func submitObligationCmd(g *globals) *cobra.Command {
	var b httpapi.SubmitBody
	var at string
	cmd := &cobra.Command{
		Use:   "submit REF OBLIGATION PHASE",
		Short: "Record a duty as submitted by hand (a portal, a letter, a call)",
		Long: "Records that the phase was met, which starts the clocks of the phases that follow it (a NIS2\n" +
			"final report is due a month after the incident notification). Notices drafted and recorded with\n" +
			"firebreak notices record their duty themselves.",
		Example: "  firebreak obligations submit INC-7 eu-nis2-art23-significant-incident incident_notification \\\n" +
			"      --recipient BSI --channel regulator_portal --reference BSI-2026-0042 --at 2026-11-28T15:00:00Z",
		Args: cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			if at != "" {
				t, err := time.Parse(time.RFC3339, at)
				if err != nil {
					return usage("--at %q: want an RFC 3339 time such as 2026-11-28T15:00:00Z", at)
				}
				b.At = &t
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			o, err := c.SubmitObligation(cmd.Context(), args[0], args[1], args[2], b)
			if err != nil {
				return err
			}
			return g.print(o, func(w io.Writer) {
				fmt.Fprintf(w, "Recorded %s %s as submitted.\n\n", args[1], args[2])
				showObligations(w, o)
			})
		},
	}
	f := cmd.Flags()
	f.StringVar(&at, "at", "", "when it was submitted (RFC 3339; default now)")
	f.StringVar(&b.Recipient, "recipient", "", "to whom")
	f.StringVar(&b.Channel, "channel", "", "how: regulator_portal, email, letter, phone, other")
	f.StringVar(&b.Reference, "reference", "", "the recipient's reference number")
	return cmd
}

func waiveCmd(g *globals) *cobra.Command {
	var reason string
	cmd := &cobra.Command{
		Use:     "waive REF OBLIGATION PHASE --reason TEXT",
		Short:   "Waive a notification duty, with the reason it does not apply",
		Example: `  firebreak waive INC-7 eu-gdpr-art33-supervisory-authority initial_notification --reason "unlikely to result in a risk (Art. 33(1)): data encrypted"`,
		Args:    cobra.ExactArgs(3),
		RunE: func(cmd *cobra.Command, args []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			if strings.TrimSpace(reason) == "" {
				return usage("--reason is required: a waiver says why the duty is not met")
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			o, err := c.Waive(cmd.Context(), args[0], args[1], args[2], reason)
			if err != nil {
				return err
			}
			return g.print(o, func(w io.Writer) {
				fmt.Fprintf(w, "Waived %s %s.\n\n", args[1], args[2])
				showObligations(w, o)
			})
		},
	}
	cmd.Flags().StringVar(&reason, "reason", "", "why the duty is not met (required)")
	return cmd
}

func orgCmd(g *globals) *cobra.Command {
	cmd := &cobra.Command{
		Use:     "org",
		Aliases: []string{"organization", "organisation"},
		Short:   "Show or set the organisation profile that notification duties are matched against", Example: `  firebreak org
  firebreak org set --file org.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return orgShow(cmd, g) },
	}
	show := &cobra.Command{Use: "show", Short: "Show the organisation profile", Example: `  firebreak org show
  firebreak org show -o json`, Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error { return orgShow(cmd, g) }}
	var path string
	set := &cobra.Command{
		Use:   "set --file FILE",
		Short: "Replace the organisation profile from a YAML or JSON file (admin)",
		Example: "  # org.yaml\n  roles: [controller]\n  entity_types: [essential_entity]\n  countries: [DE]\n" +
			"  calendars: {EU: DE}\n  reminders: {half_time: true, before: [24h, 4h, 1h], overdue: true}\n\n  firebreak org set --file org.yaml",
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if err := g.checkOutput(); err != nil {
				return err
			}
			if path == "" {
				return usage("--file FILE is required")
			}
			var p duties.Profile
			if err := g.readStrict(path, &p); err != nil {
				return err
			}
			c, err := g.client()
			if err != nil {
				return err
			}
			out, err := c.PutOrganization(cmd.Context(), p)
			if err != nil {
				return err
			}
			return g.print(out, func(w io.Writer) { showProfile(w, out) })
		},
	}
	set.Flags().StringVarP(&path, "file", "f", "", "profile file (YAML or JSON); - reads standard input")
	cmd.AddCommand(show, set)
	return cmd
}

func orgShow(cmd *cobra.Command, g *globals) error {
	if err := g.checkOutput(); err != nil {
		return err
	}
	c, err := g.client()
	if err != nil {
		return err
	}
	p, err := c.Organization(cmd.Context())
	if err != nil {
		return err
	}
	return g.print(p, func(w io.Writer) { showProfile(w, p) })
}

func showProfile(w io.Writer, p client.Profile) {
	t := tab(w)
	row := func(k string, v []string) { fmt.Fprintf(t, "%s\t%s\n", k, dash(strings.Join(v, ", "))) }
	row("Roles", p.Roles)
	row("Entity types", p.EntityTypes)
	row("Sectors", p.Sectors)
	row("Countries", p.Countries)
	var cal, tgt []string
	for _, k := range slices.Sorted(maps.Keys(p.Calendars)) {
		cal = append(cal, k+": "+p.Calendars[k])
	}
	for _, k := range slices.Sorted(maps.Keys(p.Targets)) {
		tgt = append(tgt, k+": "+p.Targets[k])
	}
	row("Calendars", cal)
	row("Targets", tgt)
	r := duties.DefaultReminders()
	if p.Reminders != nil {
		r = *p.Reminders
	}
	var when []string
	if r.HalfTime {
		when = append(when, "half-time")
	}
	for _, b := range r.Before {
		when = append(when, b+" before")
	}
	if r.Overdue {
		when = append(when, "overdue")
	}
	row("Reminders", when)
	if p.UpdatedAt != nil {
		fmt.Fprintf(t, "Updated\t%s by %s\n", tsp(p.UpdatedAt), p.UpdatedBy)
	}
	t.Flush()
}

// readStrict decodes a YAML or JSON file (JSON is YAML) into v, refusing
// unknown keys; "-" reads standard input.
func (g *globals) readStrict(path string, v any) error {
	var data []byte
	var err error
	if path == "-" {
		data, err = io.ReadAll(g.env.Stdin)
	} else {
		data, err = os.ReadFile(path)
	}
	if err != nil {
		return err
	}
	if t := bytes.TrimSpace(data); len(t) > 0 && t[0] == '{' {
		dec := json.NewDecoder(bytes.NewReader(data))
		dec.DisallowUnknownFields()
		if err := dec.Decode(v); err != nil {
			return fmt.Errorf("%s: %w", path, err)
		}
		return nil
	}
	if err := yaml.UnmarshalWithOptions(data, v, yaml.Strict()); err != nil {
		return fmt.Errorf("%s: %s", path, yaml.FormatError(err, false, false))
	}
	return nil
}
