package cli

import (
	"fmt"
	"io"
	"strconv"
	"text/tabwriter"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/insights"
)

func insightsCmd(g *globals) *cobra.Command {
	var q client.InsightsQuery
	var csvOut bool
	cmd := &cobra.Command{
		Use:   "insights",
		Short: "How the response program is doing: counts, time to acknowledge … recover, on-time rates, pages per person",
		Long: "Per period (week, month, quarter, in the organisation's time zone) and per severity, type or team. " +
			"Restricted incidents are counted; a figure resting on fewer than 3 incidents, one of them restricted and hidden from you, reads <3. " +
			"The README's Insights section defines every figure.",
		Example: `  firebreak insights --period month --by severity --from 2026-01-01 --to 2026-03-31
  firebreak insights --period quarter --by none --csv > insights.csv
  firebreak insights -o json`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			c, err := g.client()
			if err != nil {
				return err
			}
			if csvOut {
				data, err := c.InsightsCSV(cmd.Context(), q)
				if err != nil {
					return err
				}
				_, err = g.env.Stdout.Write(data)
				return err
			}
			rep, err := c.Insights(cmd.Context(), q)
			if err != nil {
				return err
			}
			return g.print(rep, func(w io.Writer) { printInsights(w, rep) })
		},
	}
	f := cmd.Flags()
	f.StringVar(&q.Period, "period", "", "week, month (default) or quarter")
	f.StringVar(&q.By, "by", "", "severity (default), type, team or none")
	f.StringVar(&q.From, "from", "", "first day, YYYY-MM-DD (default a year before --to)")
	f.StringVar(&q.To, "to", "", "last day, YYYY-MM-DD, inclusive (default today)")
	f.BoolVar(&csvOut, "csv", false, "write the server's CSV (RFC 4180) instead")
	return cmd
}

func printInsights(w io.Writer, rep insights.Report) {
	fmt.Fprintf(w, "Insights per %s and %s, %s to %s (%s)\n\n", rep.Period, rep.By, rep.From.Format("2006-01-02"), rep.To.AddDate(0, 0, -1).Format("2006-01-02"), rep.TimeZone)
	t := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(t, "PERIOD\tGROUP\tINCIDENTS\tMTTA p50\tDECLARE p50\tCONTAIN p50\tERADICATE p50\tRECOVER p50\tPOST-MORTEMS\tDUTIES\tACTION ITEMS")
	rows := rep.Rows
	if rep.By != insights.ByNone {
		rows = append(append([]insights.Row{}, rows...), rep.Totals...)
	}
	for _, r := range rows {
		actions := "-"
		if r.Actions != nil {
			actions = cliRate(*r.Actions)
		}
		fmt.Fprintf(t, "%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n", r.Period, r.Group, cliCount(r.Incidents, r.Suppressed),
			cliP50(r.MTTA), cliP50(r.ToDeclare), cliP50(r.ToContain), cliP50(r.ToEradicate), cliP50(r.ToRecover), cliRate(r.Postmortems), cliRate(r.Duties), actions)
	}
	_ = t.Flush() // a failing terminal has nothing to tell
	if len(rep.People) > 0 {
		fmt.Fprintln(w)
		t = tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
		fmt.Fprintln(t, "PERIOD\tPERSON\tPAGES\tOUT OF HOURS")
		for _, p := range rep.People {
			fmt.Fprintf(t, "%s\t%s\t%s\t%s\n", p.Period, p.User, cliCount(p.Pages, p.Suppressed), cliCount(p.OutOfHours, p.Suppressed))
		}
		_ = t.Flush()
	}
}

func cliCount(n *int, suppressed bool) string {
	switch {
	case suppressed:
		return insights.SuppressedText
	case n == nil:
		return "-"
	}
	return strconv.Itoa(*n)
}

func cliP50(s insights.Summary) string {
	switch {
	case s.Suppressed:
		return insights.SuppressedText
	case s.P50 == nil:
		return "-"
	}
	return insights.FormatSeconds(*s.P50)
}

func cliRate(r insights.Rate) string {
	switch {
	case r.Suppressed:
		return insights.SuppressedText
	case r.Percent == nil:
		return "-"
	}
	return fmt.Sprintf("%s%% (%d/%d)", strconv.FormatFloat(*r.Percent, 'f', -1, 64), *r.OnTime, *r.Due)
}
