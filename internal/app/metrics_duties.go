package app

import (
	"context"
	"log/slog"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/duties"
)

// dutyGauges count, when scraped, the notification duties of incidents
// not ended that are due soon and overdue: the incident page's statuses,
// worked out from one read of every live incident's facts. Counts only,
// with no label an incident could fill.
type dutyGauges struct {
	duties *duties.Service
	src    duties.LiveFactsReader
	log    *slog.Logger
	desc   *prometheus.Desc
}

func newDutyGauges(d *duties.Service, src duties.LiveFactsReader, log *slog.Logger) *dutyGauges {
	return &dutyGauges{duties: d, src: src, log: log,
		desc: prometheus.NewDesc("firebreak_duties",
			"Notification duties of incidents not closed, dismissed or merged, by state: due_soon (within a quarter of its window, at most 4 h, as the incident page shows) or overdue; neither submitted nor waived. Read at scrape time.",
			[]string{"state"}, nil)}
}

func (g *dutyGauges) Describe(ch chan<- *prometheus.Desc) { ch <- g.desc }

func (g *dutyGauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	c, err := g.duties.Count(ctx, g.src)
	if err != nil {
		g.log.Warn("metrics: count the notification duties", "err", err)
		return
	}
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(c.DueSoon), "due_soon")
	ch <- prometheus.MustNewConstMetric(g.desc, prometheus.GaugeValue, float64(c.Overdue), "overdue")
}
