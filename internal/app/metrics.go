package app

import (
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"

	"github.com/firebreak-ir/firebreak/internal/buildinfo"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// registerMetrics registers the process's own series: Go runtime and
// process, the build, and on SQLite the write-ahead log and free space.
func registerMetrics(reg *prometheus.Registry, db *store.DB) {
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
