package insights

import (
	"cmp"
	"maps"
	"math"
	"slices"
	"time"
)

// MinCell is the smallest number of incidents a figure may rest on when
// one of them is restricted and hidden from the viewer: below it the
// figure is suppressed, since a count of one or two with a known severity
// and week can identify an incident.
const MinCell = 3

// Record is one incident as the figures see it, built from its events
// and side records (see Build).
type Record struct {
	ID, Ref, Title       string
	Severity, Type, Team string
	Restricted           bool
	// Visible is whether the viewer may see the incident; hidden ones are
	// counted, never listed.
	Visible bool
	// FirstSignal is the earliest of the detection time, the first alert
	// of a linked queue entry and the declaration; Acknowledged the
	// earliest acknowledgement (see Build).
	FirstSignal, Acknowledged, Declared time.Time
	// Contained, Eradicated, Recovered are the first time the incident
	// entered each state; nil when it never did.
	Contained, Eradicated, Recovered *time.Time
	// PostmortemDue and PostmortemPublished (the first publication).
	PostmortemDue, PostmortemPublished *time.Time
	// Duties are the notification duties with a due instant, not waived;
	// Actions the post-mortem action items with a due date.
	Duties, Actions []Due
}

// Due is one thing due, and when it was done (nil: not yet).
type Due struct {
	At   time.Time
	Done *time.Time
}

// Page is one page of one person.
type Page struct {
	User string
	At   time.Time
	// IncidentID is the incident it was about, "" for a queue entry not
	// declared; Visible whether the viewer may see that incident.
	IncidentID string
	Visible    bool
	OutOfHours bool
}

// Query is what a report covers.
type Query struct {
	Period Period
	By     Dimension
	From   time.Time
	To     time.Time
	Loc    *time.Location
	// Order orders groups (the severity levels, most severe first);
	// groups not in it follow alphabetically.
	Order []string
	// Actions says whether action items are tracked with due dates; when
	// false their rate is left out of the report.
	Actions bool
}

// Summary is a duration's mean and percentiles over the incidents that
// have it, in seconds; all nil when N is zero or the figure is suppressed.
type Summary struct {
	N          *int     `json:"n" doc:"Incidents the figure rests on; null when suppressed."`
	Mean       *float64 `json:"mean_seconds"`
	P50        *float64 `json:"p50_seconds"`
	P90        *float64 `json:"p90_seconds"`
	Suppressed bool     `json:"suppressed,omitempty" doc:"Fewer than 3 incidents, one of them restricted and hidden from you."`
}

// Rate is how many of the things due in a period were done on time.
type Rate struct {
	Due        *int     `json:"due"`
	OnTime     *int     `json:"on_time"`
	Percent    *float64 `json:"percent"`
	Suppressed bool     `json:"suppressed,omitempty"`
}

// Row is one period and group's figures.
type Row struct {
	Period string    `json:"period"`
	Start  time.Time `json:"start"`
	Group  string    `json:"group" doc:"The severity, type or team; \"all\" for a period's totals."`
	// Incidents declared in the period; nil when suppressed.
	Incidents   *int    `json:"incidents"`
	Suppressed  bool    `json:"suppressed,omitempty"`
	MTTA        Summary `json:"mtta"`
	ToDeclare   Summary `json:"time_to_declare"`
	ToContain   Summary `json:"time_to_contain"`
	ToEradicate Summary `json:"time_to_eradicate"`
	ToRecover   Summary `json:"time_to_recover"`
	Postmortems Rate    `json:"postmortems_on_time"`
	Actions     *Rate   `json:"actions_on_time,omitempty"`
	Duties      Rate    `json:"duties_on_time"`
	// Refs are the incidents of the count the viewer may see: the
	// drill-down. Hidden ones are never listed.
	Refs []string `json:"refs"`
}

// PersonRow is one person's pages in one period.
type PersonRow struct {
	Period     string `json:"period"`
	User       string `json:"user"`
	Pages      *int   `json:"pages"`
	OutOfHours *int   `json:"out_of_hours"`
	Suppressed bool   `json:"suppressed,omitempty"`
}

// Report is the figures of a query.
type Report struct {
	Period   Period      `json:"period"`
	By       Dimension   `json:"by"`
	From     time.Time   `json:"from"`
	To       time.Time   `json:"to"`
	TimeZone string      `json:"time_zone"`
	Buckets  []Bucket    `json:"periods"`
	Rows     []Row       `json:"rows" doc:"Per period and group."`
	Totals   []Row       `json:"totals" doc:"Per period, every group."`
	People   []PersonRow `json:"people" doc:"Pages per person and period."`
	// ActionsIncluded is false when action items are not tracked with
	// due dates, and their rate is left out.
	ActionsIncluded bool `json:"actions_included"`
}

// cell gathers one row's material before the figures are worked out.
type cell struct {
	declared                          []*Record
	mtta, declare, contain, erad, rec []sample
	pm, actions, duties               []outcome
}

type sample struct {
	r *Record
	d time.Duration
}

type outcome struct {
	r      *Record
	onTime bool
}

func (q Query) group(r *Record) string {
	var g string
	switch q.By {
	case BySeverity:
		g = r.Severity
	case ByType:
		g = r.Type
	case ByTeam:
		g = r.Team
	default:
		return "all"
	}
	if g == "" {
		return "none"
	}
	return g
}

// Compute works out the report over recs and pages at now: things due in
// the future and not yet done are not counted either way.
func Compute(q Query, bs []Bucket, recs []Record, pages []Page, now time.Time) Report {
	rep := Report{Period: q.Period, By: q.By, From: q.From, To: q.To, TimeZone: q.Loc.String(), Buckets: bs,
		Rows: []Row{}, Totals: []Row{}, People: []PersonRow{}, ActionsIncluded: q.Actions}
	type key struct {
		b int
		g string
	}
	cells := map[key]*cell{}
	at := func(b int, g string) *cell {
		c := cells[key{b, g}]
		if c == nil {
			c = &cell{}
			cells[key{b, g}] = c
		}
		return c
	}
	add := func(t time.Time, r *Record, fn func(c *cell)) {
		b := find(bs, t)
		if b < 0 || t.Before(q.From) || !t.Before(q.To) {
			return
		}
		fn(at(b, q.group(r)))
		if q.By != ByNone {
			fn(at(b, "\x00all"))
		}
	}
	since := func(list *[]sample, r *Record, from time.Time, to *time.Time) {
		if to != nil && !to.Before(from) {
			*list = append(*list, sample{r, to.Sub(from)})
		}
	}
	for i := range recs {
		r := &recs[i]
		add(r.Declared, r, func(c *cell) {
			c.declared = append(c.declared, r)
			since(&c.mtta, r, r.FirstSignal, &r.Acknowledged)
			since(&c.declare, r, r.FirstSignal, &r.Declared)
			since(&c.contain, r, r.Declared, r.Contained)
			since(&c.erad, r, r.Declared, r.Eradicated)
			since(&c.rec, r, r.Declared, r.Recovered)
		})
		if d := r.PostmortemDue; d != nil {
			if o, ok := judge(Due{At: *d, Done: r.PostmortemPublished}, now); ok {
				add(*d, r, func(c *cell) { c.pm = append(c.pm, outcome{r, o}) })
			}
		}
		for _, d := range r.Duties {
			if o, ok := judge(d, now); ok {
				add(d.At, r, func(c *cell) { c.duties = append(c.duties, outcome{r, o}) })
			}
		}
		for _, d := range r.Actions {
			if o, ok := judge(d, now); ok {
				add(d.At, r, func(c *cell) { c.actions = append(c.actions, outcome{r, o}) })
			}
		}
	}
	keys := slices.Collect(maps.Keys(cells))
	rank := func(g string) int {
		if i := slices.Index(q.Order, g); i >= 0 {
			return i
		}
		return len(q.Order)
	}
	slices.SortFunc(keys, func(a, b key) int {
		return cmp.Or(cmp.Compare(a.b, b.b), cmp.Compare(rank(a.g), rank(b.g)), cmp.Compare(a.g, b.g))
	})
	for _, k := range keys {
		row := cells[k].row(q)
		row.Period, row.Start = bs[k.b].Label, bs[k.b].Start
		if k.g == "\x00all" || q.By == ByNone {
			row.Group = "all"
			rep.Totals = append(rep.Totals, row)
			if q.By == ByNone {
				rep.Rows = append(rep.Rows, row)
			}
			continue
		}
		row.Group = k.g
		rep.Rows = append(rep.Rows, row)
	}
	rep.People = people(q, bs, pages)
	return rep
}

// judge says whether d was done on time; ok is false for a thing due in
// the future and not done yet, which is neither.
func judge(d Due, now time.Time) (onTime, ok bool) {
	if d.Done != nil {
		return !d.Done.After(d.At), true
	}
	return false, !d.At.After(now)
}

// hidden reports whether a figure over rs must be suppressed: fewer than
// MinCell distinct incidents, one of them hidden from the viewer.
func hidden[T any](items []T, rec func(T) *Record) bool {
	seen := map[string]bool{}
	hide := false
	for _, it := range items {
		r := rec(it)
		seen[r.ID] = true
		hide = hide || !r.Visible
	}
	return hide && len(seen) < MinCell
}

func (c *cell) row(q Query) Row {
	row := Row{Refs: []string{}}
	if hidden(c.declared, func(r *Record) *Record { return r }) {
		row.Suppressed = true
	} else {
		n := len(c.declared)
		row.Incidents = &n
		for _, r := range c.declared {
			if r.Visible {
				row.Refs = append(row.Refs, r.Ref)
			}
		}
	}
	row.MTTA, row.ToDeclare, row.ToContain, row.ToEradicate, row.ToRecover =
		summarise(c.mtta), summarise(c.declare), summarise(c.contain), summarise(c.erad), summarise(c.rec)
	row.Postmortems, row.Duties = rate(c.pm), rate(c.duties)
	if q.Actions {
		r := rate(c.actions)
		row.Actions = &r
	}
	return row
}

func summarise(ss []sample) Summary {
	if hidden(ss, func(s sample) *Record { return s.r }) {
		return Summary{Suppressed: true}
	}
	n := len(ss)
	s := Summary{N: &n}
	if n == 0 {
		return s
	}
	secs := make([]float64, n)
	var sum float64
	for i, x := range ss {
		secs[i] = x.d.Seconds()
		sum += secs[i]
	}
	slices.Sort(secs)
	mean := sum / float64(n)
	p50, p90 := Percentile(secs, 0.5), Percentile(secs, 0.9)
	s.Mean, s.P50, s.P90 = &mean, &p50, &p90
	return s
}

// Percentile is the nearest-rank percentile of sorted values: the
// smallest value with at least p of the values at or below it.
func Percentile(sorted []float64, p float64) float64 {
	i := int(math.Ceil(p*float64(len(sorted)))) - 1
	return sorted[max(0, min(i, len(sorted)-1))]
}

func rate(os []outcome) Rate {
	if hidden(os, func(o outcome) *Record { return o.r }) {
		return Rate{Suppressed: true}
	}
	due, on := len(os), 0
	for _, o := range os {
		if o.onTime {
			on++
		}
	}
	r := Rate{Due: &due, OnTime: &on}
	if due > 0 {
		p := math.Round(float64(on)/float64(due)*1000) / 10
		r.Percent = &p
	}
	return r
}

// people counts pages per person and period, out-of-hours ones apart.
func people(q Query, bs []Bucket, pages []Page) []PersonRow {
	type key struct {
		b    int
		user string
	}
	type acc struct {
		pages, ooh int
		incidents  map[string]bool
		hide       bool
	}
	m := map[key]*acc{}
	for _, p := range pages {
		b := find(bs, p.At)
		if b < 0 || p.At.Before(q.From) || !p.At.Before(q.To) {
			continue
		}
		k := key{b, p.User}
		a := m[k]
		if a == nil {
			a = &acc{incidents: map[string]bool{}}
			m[k] = a
		}
		a.pages++
		if p.OutOfHours {
			a.ooh++
		}
		if p.IncidentID != "" {
			a.incidents[p.IncidentID] = true
			a.hide = a.hide || !p.Visible
		}
	}
	keys := slices.SortedFunc(maps.Keys(m), func(a, b key) int { return cmp.Or(cmp.Compare(a.b, b.b), cmp.Compare(a.user, b.user)) })
	out := []PersonRow{}
	for _, k := range keys {
		a := m[k]
		row := PersonRow{Period: bs[k.b].Label, User: k.user}
		// A person's count of pages about fewer than MinCell incidents,
		// one of them hidden, says the person was paged about it.
		if a.hide && len(a.incidents) < MinCell {
			row.Suppressed = true
		} else {
			row.Pages, row.OutOfHours = &a.pages, &a.ooh
		}
		out = append(out, row)
	}
	return out
}
