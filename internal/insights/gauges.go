package insights

import (
	"context"
	"strconv"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Window is what the gauges cover: the trailing 90 days.
const Window = 90 * 24 * time.Hour

// Gauges exports the figures of the trailing Window per severity as
// Prometheus gauges. Computing them reads every incident of the window,
// so they are worked out by Run every Interval and a scrape reads the
// last result. They are computed as someone who sees no restricted
// incident, so suppressed figures are left out.
type Gauges struct {
	svc      *Service
	interval time.Duration
	mu       sync.Mutex
	last     *Report
	at       time.Time
	descs    map[string]*prometheus.Desc
}

// NewGauges returns gauges over svc, recomputed every interval (five
// minutes when zero).
func NewGauges(svc *Service, interval time.Duration) *Gauges {
	if interval <= 0 {
		interval = 5 * time.Minute
	}
	g := &Gauges{svc: svc, interval: interval, descs: map[string]*prometheus.Desc{}}
	d := func(name, help string, labels ...string) {
		g.descs[name] = prometheus.NewDesc("firebreak_insights_"+name, help+" Over the trailing 90 days; severity \"all\" is every severity.", labels, nil)
	}
	d("incidents", "Incidents declared.", "severity")
	for _, m := range durations {
		d(m.name+"_seconds", m.help, "severity", "quantile")
	}
	d("postmortems_on_time_ratio", "Post-mortems first published by their due time, of those due.", "severity")
	d("duties_on_time_ratio", "Notification duties submitted by their due time, of those due.", "severity")
	d("actions_on_time_ratio", "Action items done by the end of their due date, of those due.", "severity")
	d("pages", "Pages per person.", "user")
	d("out_of_hours_pages", "Pages per person outside working hours.", "user")
	d("computed_timestamp_seconds", "When these gauges were last computed.")
	return g
}

var durations = []struct {
	name, help string
	of         func(r *Row) Summary
}{
	{"mtta", "Time from the first signal to acknowledgement.", func(r *Row) Summary { return r.MTTA }},
	{"time_to_declare", "Time from the first signal to declaration.", func(r *Row) Summary { return r.ToDeclare }},
	{"time_to_contain", "Time from declaration to contained.", func(r *Row) Summary { return r.ToContain }},
	{"time_to_eradicate", "Time from declaration to eradicated.", func(r *Row) Summary { return r.ToEradicate }},
	{"time_to_recover", "Time from declaration to recovered.", func(r *Row) Summary { return r.ToRecover }},
}

// nobody is whom the gauges are computed for: no username can hold a NUL,
// so no restricted incident is theirs to see.
var nobody = incident.Viewer{User: "\x00metrics"}

// Refresh computes the gauges now.
func (g *Gauges) Refresh(ctx context.Context) error {
	now := g.svc.d.Now()
	q := Query{Period: Quarter, By: BySeverity, From: now.Add(-Window), To: now, Loc: g.svc.d.Hours.Loc, Order: g.svc.d.Order, Actions: g.svc.d.Actions != nil}
	bs := []Bucket{{Label: "window", Start: q.From, End: q.To}}
	rep, err := g.svc.compute(ctx, nobody, q, bs)
	if err != nil {
		return err
	}
	g.mu.Lock()
	g.last, g.at = &rep, now
	g.mu.Unlock()
	return nil
}

// Run refreshes the gauges until ctx ends. A database that cannot be
// reached is logged once as a warning, and once more when the gauges
// are computed again (scrapes keep the last figures meanwhile), not as
// an error every interval; other failures are errors each time.
func (g *Gauges) Run(ctx context.Context) {
	t := time.NewTicker(g.interval)
	defer t.Stop()
	log := g.svc.d.Logger
	var down time.Time // when refreshes began failing for want of the database
	for {
		err := g.Refresh(ctx)
		switch {
		case ctx.Err() != nil:
		case err == nil:
			if !down.IsZero() {
				log.InfoContext(ctx, "insights gauges computed again", "down_for", g.svc.d.Now().Sub(down).Round(time.Second))
				down = time.Time{}
			}
		case errs.CodeOf(err) != errs.Unavailable:
			log.ErrorContext(ctx, "insights gauges", "err", err)
		case down.IsZero():
			down = g.svc.d.Now()
			log.WarnContext(ctx, "insights gauges: the database cannot be reached; scrapes get the last figures until it answers", "retry_in", g.interval, "err", err)
		default:
			log.DebugContext(ctx, "insights gauges: the database still cannot be reached", "err", err)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// Describe sends every gauge's description.
func (g *Gauges) Describe(ch chan<- *prometheus.Desc) {
	for _, d := range g.descs {
		ch <- d
	}
}

// Collect sends the last computed figures; nothing before the first.
func (g *Gauges) Collect(ch chan<- prometheus.Metric) {
	g.mu.Lock()
	rep, at := g.last, g.at
	g.mu.Unlock()
	if rep == nil {
		return
	}
	gauge := func(name string, v float64, labels ...string) {
		ch <- prometheus.MustNewConstMetric(g.descs[name], prometheus.GaugeValue, v, labels...)
	}
	gauge("computed_timestamp_seconds", float64(at.Unix()))
	rows := append(append([]Row{}, rep.Rows...), rep.Totals...)
	for i := range rows {
		r := &rows[i]
		if r.Incidents != nil {
			gauge("incidents", float64(*r.Incidents), r.Group)
		}
		for _, m := range durations {
			s := m.of(r)
			if s.P50 == nil {
				continue
			}
			gauge(m.name+"_seconds", *s.P50, r.Group, "0.5")
			gauge(m.name+"_seconds", *s.P90, r.Group, "0.9")
		}
		if p := r.Postmortems.Percent; p != nil {
			gauge("postmortems_on_time_ratio", *p/100, r.Group)
		}
		if p := r.Duties.Percent; p != nil {
			gauge("duties_on_time_ratio", *p/100, r.Group)
		}
		if r.Actions != nil && r.Actions.Percent != nil {
			gauge("actions_on_time_ratio", *r.Actions.Percent/100, r.Group)
		}
	}
	for _, p := range rep.People {
		if p.Pages != nil {
			gauge("pages", float64(*p.Pages), p.User)
			gauge("out_of_hours_pages", float64(*p.OutOfHours), p.User)
		}
	}
}

// FormatSeconds writes seconds for people: "1h 05m", "3d 4h", "45s".
func FormatSeconds(s float64) string {
	d := time.Duration(s) * time.Second
	switch {
	case d < time.Minute:
		return strconv.Itoa(int(d.Seconds())) + "s"
	case d < time.Hour:
		return strconv.Itoa(int(d.Minutes())) + "m"
	case d < 24*time.Hour:
		h := int(d.Hours())
		return strconv.Itoa(h) + "h " + pad(int(d.Minutes())-h*60) + "m"
	}
	days := int(d.Hours()) / 24
	return strconv.Itoa(days) + "d " + strconv.Itoa(int(d.Hours())-days*24) + "h"
}

func pad(n int) string {
	if n < 10 {
		return "0" + strconv.Itoa(n)
	}
	return strconv.Itoa(n)
}
