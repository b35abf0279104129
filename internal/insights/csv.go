package insights

import (
	"encoding/csv"
	"io"
	"strconv"
	"time"
)

// SuppressedText stands for a figure that is withheld (fewer than
// MinCell incidents, one of them hidden from the viewer).
const SuppressedText = "<3"

// CSVHeader is the first line of the CSV export.
var CSVHeader = func() []string {
	h := []string{"period", "period_start", "group", "incidents"}
	for _, m := range []string{"mtta", "time_to_declare", "time_to_contain", "time_to_eradicate", "time_to_recover"} {
		h = append(h, m+"_n", m+"_mean_seconds", m+"_p50_seconds", m+"_p90_seconds")
	}
	for _, m := range []string{"postmortems", "actions", "duties"} {
		h = append(h, m+"_due", m+"_on_time", m+"_on_time_percent")
	}
	return h
}()

// WriteCSV writes the report's rows and then each period's totals (group
// "all") as RFC 4180 CSV. Withheld figures read "<3"; missing ones (no
// incident had them, or action items are not tracked) are empty.
func WriteCSV(w io.Writer, rep Report) error {
	cw := csv.NewWriter(w)
	if err := cw.Write(CSVHeader); err != nil {
		return err
	}
	rows := rep.Rows
	if rep.By != ByNone {
		rows = append(append([]Row{}, rows...), rep.Totals...)
	}
	for _, r := range rows {
		rec := []string{r.Period, r.Start.Format(time.RFC3339), r.Group, count(r.Incidents, r.Suppressed)}
		for _, s := range []Summary{r.MTTA, r.ToDeclare, r.ToContain, r.ToEradicate, r.ToRecover} {
			rec = append(rec, count(s.N, s.Suppressed), num(s.Mean, s.Suppressed), num(s.P50, s.Suppressed), num(s.P90, s.Suppressed))
		}
		actions := Rate{}
		if r.Actions != nil {
			actions = *r.Actions
		}
		for _, x := range []Rate{r.Postmortems, actions, r.Duties} {
			rec = append(rec, count(x.Due, x.Suppressed), count(x.OnTime, x.Suppressed), num(x.Percent, x.Suppressed))
		}
		if err := cw.Write(rec); err != nil {
			return err
		}
	}
	cw.Flush()
	return cw.Error()
}

func count(n *int, suppressed bool) string {
	switch {
	case suppressed:
		return SuppressedText
	case n == nil:
		return ""
	}
	return strconv.Itoa(*n)
}

func num(f *float64, suppressed bool) string {
	switch {
	case suppressed:
		return SuppressedText
	case f == nil:
		return ""
	}
	return strconv.FormatFloat(*f, 'f', -1, 64)
}
