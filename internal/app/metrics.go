package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/firebreak-ir/firebreak/internal/buildinfo"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// registerMetrics registers the process's own series: Go runtime and
// process, the build, and on SQLite the write-ahead log and free space;
// the open work, and the services' counters (alert intake).
func registerMetrics(reg *prometheus.Registry, db *store.DB, kinds func() []string, svc *Services, log *slog.Logger) {
	reg.MustRegister(newWorkGauges(db, kinds, log))
	reg.MustRegister(newDutyGauges(svc.Duties, db, log))
	svc.Triage.Instrument(reg)
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	// The same build info as `firebreak version` (package buildinfo).
	bi := buildinfo.Read()
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "firebreak_build_info",
		Help:        "Always 1; its labels name the running build: version, VCS revision and Go version.",
		ConstLabels: prometheus.Labels{"version": bi.Version, "revision": bi.Revision, "goversion": bi.GoVersion}},
		func() float64 { return 1 }))
	if db.Backend() == "sqlite" {
		reg.MustRegister(
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "firebreak_sqlite_wal_bytes",
				Help: "Size of the SQLite write-ahead log; truncated past its limit between write batches."}, func() float64 { return float64(db.WALBytes()) }),
			prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "firebreak_data_free_bytes",
				Help: "Free space on the data directory's file system."}, func() float64 { return float64(db.FreeBytes()) }),
		)
	}
}

// workGauges count the open work when scraped, from the database, within
// scrapeTimeout: jobs by kind and state, queue entries and escalations
// open. Counts only; nothing of an incident, restricted or not.
type workGauges struct {
	db                       *store.DB
	kinds                    func() []string // the registered job kinds, present at 0
	log                      *slog.Logger
	jobs, queue, escalations *prometheus.Desc
}

// scrapeTimeout bounds the reads of one scrape: a database that does not
// answer leaves these series out of it rather than hold the scrape.
const scrapeTimeout = 2 * time.Second

// jobStates are the states firebreak_jobs counts; dead is what GET
// /api/v1/jobs/dead lists.
var jobStates = []string{"pending", "running", "dead"}

func newWorkGauges(db *store.DB, kinds func() []string, log *slog.Logger) *workGauges {
	return &workGauges{db: db, kinds: kinds, log: log,
		jobs:        prometheus.NewDesc("firebreak_jobs", "Jobs by kind and state (pending, running, dead), read from the database at scrape time.", []string{"kind", "state"}, nil),
		queue:       prometheus.NewDesc("firebreak_queue_entries_open", "Triage queue entries not closed.", nil, nil),
		escalations: prometheus.NewDesc("firebreak_escalations_open", "Escalations still climbing their policy (not acknowledged, resolved or exhausted).", nil, nil),
	}
}

func (w *workGauges) Describe(ch chan<- *prometheus.Desc) {
	ch <- w.jobs
	ch <- w.queue
	ch <- w.escalations
}

func (w *workGauges) Collect(ch chan<- prometheus.Metric) {
	ctx, cancel := context.WithTimeout(context.Background(), scrapeTimeout)
	defer cancel()
	g, err := w.db.ReadGauges(ctx)
	if err != nil {
		w.log.Warn("metrics: count the open work", "err", err)
		return
	}
	for _, k := range w.kinds() {
		for _, st := range jobStates {
			if _, ok := g.Jobs[store.JobKey{Kind: k, State: st}]; !ok {
				g.Jobs[store.JobKey{Kind: k, State: st}] = 0
			}
		}
	}
	for k, n := range g.Jobs {
		ch <- prometheus.MustNewConstMetric(w.jobs, prometheus.GaugeValue, float64(n), k.Kind, k.State)
	}
	ch <- prometheus.MustNewConstMetric(w.queue, prometheus.GaugeValue, float64(g.QueueOpen))
	ch <- prometheus.MustNewConstMetric(w.escalations, prometheus.GaugeValue, float64(g.EscalationsOpen))
}
