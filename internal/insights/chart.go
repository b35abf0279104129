package insights

import (
	"fmt"
	"html"
	"math"
	"strconv"
	"strings"
)

// Chart is a grouped bar chart: per period, a bar per group. It renders
// as SVG on the server: no script, readable without colour (each group
// has its own fill pattern, named in the legend, and every bar carries
// its value as text), with a title and description for assistive
// technology. The same numbers are in the table beside it.
type Chart struct {
	ID, Title, Desc string
	Periods         []string
	Groups          []string
	// Values by period and group; a missing one draws no bar.
	Values map[[2]string]float64
	// Withheld cells draw "<3" instead of a bar.
	Withheld map[[2]string]bool
	Format   func(float64) string
}

// patterns are the fills told apart without colour.
var patterns = []string{
	`<rect width="8" height="8" fill="currentColor"/>`,
	`<rect width="8" height="8" fill="none"/><path d="M-2,2 l4,-4 M0,8 l8,-8 M6,10 l4,-4" stroke="currentColor" stroke-width="1.5"/>`,
	`<rect width="8" height="8" fill="none"/><circle cx="4" cy="4" r="1.8" fill="currentColor"/>`,
	`<rect width="8" height="8" fill="none"/><path d="M0,4 h8" stroke="currentColor" stroke-width="2"/>`,
	`<rect width="8" height="8" fill="none"/><path d="M4,0 v8" stroke="currentColor" stroke-width="2"/>`,
	`<rect width="8" height="8" fill="none"/><path d="M0,0 l8,8 M8,0 l-8,8" stroke="currentColor" stroke-width="1"/>`,
}

const (
	chartH   = 220
	plotTop  = 28
	plotBot  = 180
	leftPad  = 12
	barW     = 16
	groupGap = 18
)

// SVG renders the chart.
func (c Chart) SVG() string {
	format := c.Format
	if format == nil {
		format = func(v float64) string { return strconv.FormatFloat(v, 'f', -1, 64) }
	}
	top := 0.0
	for _, v := range c.Values {
		top = math.Max(top, v)
	}
	if top == 0 {
		top = 1
	}
	slot := len(c.Groups)*barW + groupGap
	width := max(leftPad*2+len(c.Periods)*slot, 320)
	legendY := chartH + 8
	height := legendY + 18*((len(c.Groups)+2)/3) + 8
	var b strings.Builder
	e := html.EscapeString
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="chart" id="%s" role="img" aria-labelledby="%s-title %s-desc" aria-label="%s" viewBox="0 0 %d %d" width="%d" height="%d">`,
		e(c.ID), e(c.ID), e(c.ID), e(c.Title), width, height, width, height)
	fmt.Fprintf(&b, `<title id="%s-title">%s</title><desc id="%s-desc">%s</desc><defs>`, e(c.ID), e(c.Title), e(c.ID), e(c.Desc))
	for i := range c.Groups {
		fmt.Fprintf(&b, `<pattern id="%s-p%d" width="8" height="8" patternUnits="userSpaceOnUse">%s</pattern>`, e(c.ID), i, patterns[i%len(patterns)])
	}
	b.WriteString(`</defs>`)
	fmt.Fprintf(&b, `<line x1="%d" y1="%d" x2="%d" y2="%d" stroke="currentColor"/>`, leftPad, plotBot, width-leftPad, plotBot)
	for pi, p := range c.Periods {
		x0 := leftPad + pi*slot + groupGap/2
		for gi, g := range c.Groups {
			k := [2]string{p, g}
			x := x0 + gi*barW
			if c.Withheld[k] {
				fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="9" text-anchor="middle">%s</text>`, x+barW/2, plotBot-4, e(SuppressedText))
				continue
			}
			v, ok := c.Values[k]
			if !ok {
				continue
			}
			h := int(math.Round(v / top * float64(plotBot-plotTop)))
			fmt.Fprintf(&b, `<g class="bar"><title>%s, %s: %s</title><rect x="%d" y="%d" width="%d" height="%d" fill="url(#%s-p%d)" stroke="currentColor"/>`,
				e(p), e(g), e(format(v)), x+1, plotBot-h, barW-2, h, e(c.ID), gi)
			fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="9" text-anchor="middle">%s</text></g>`, x+barW/2, plotBot-h-3, e(format(v)))
		}
		fmt.Fprintf(&b, `<text x="%d" y="%d" font-size="10" text-anchor="middle">%s</text>`, x0+len(c.Groups)*barW/2, plotBot+14, e(p))
	}
	for gi, g := range c.Groups {
		x, y := leftPad+(gi%3)*110, legendY+18*(gi/3)
		fmt.Fprintf(&b, `<rect x="%d" y="%d" width="14" height="12" fill="url(#%s-p%d)" stroke="currentColor"/><text x="%d" y="%d" font-size="11">%s</text>`,
			x, y, e(c.ID), gi, x+18, y+10, e(g))
	}
	b.WriteString(`</svg>`)
	return b.String()
}

// Charts are the report's charts: incidents declared, and the median
// time to acknowledge and to recover, per period and group.
func Charts(rep Report) []Chart {
	var periods, groups []string
	for _, bk := range rep.Buckets {
		periods = append(periods, bk.Label)
	}
	seen := map[string]bool{}
	for _, r := range rep.Rows {
		if !seen[r.Group] {
			seen[r.Group] = true
			groups = append(groups, r.Group)
		}
	}
	by := string(rep.By)
	if rep.By == ByNone {
		by = "all incidents"
	}
	mk := func(id, title string, of func(r Row) (*float64, bool), format func(float64) string) Chart {
		c := Chart{ID: id, Title: title, Periods: periods, Groups: groups, Values: map[[2]string]float64{}, Withheld: map[[2]string]bool{}, Format: format,
			Desc: fmt.Sprintf("%s per %s and %s, from %s to %s. The table below the chart holds the same numbers.", title, rep.Period, by,
				rep.From.Format("2006-01-02"), rep.To.AddDate(0, 0, -1).Format("2006-01-02"))}
		for _, r := range rep.Rows {
			k := [2]string{r.Period, r.Group}
			v, withheld := of(r)
			switch {
			case withheld:
				c.Withheld[k] = true
			case v != nil:
				c.Values[k] = *v
			}
		}
		return c
	}
	count := func(r Row) (*float64, bool) {
		if r.Incidents == nil {
			return nil, r.Suppressed
		}
		v := float64(*r.Incidents)
		return &v, false
	}
	return []Chart{
		mk("chart-incidents", "Incidents declared", count, nil),
		mk("chart-mtta", "Median time to acknowledge", func(r Row) (*float64, bool) { return r.MTTA.P50, r.MTTA.Suppressed }, FormatSeconds),
		mk("chart-recover", "Median time to recover", func(r Row) (*float64, bool) { return r.ToRecover.P50, r.ToRecover.Suppressed }, FormatSeconds),
	}
}
