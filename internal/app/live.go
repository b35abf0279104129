package app

import (
	"context"
	"log/slog"
	"sync"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/web"
)

// liveSink hands the store's announcements of committed changes (every
// node's, on PostgreSQL) to the console's live pages.
type liveSink struct{ console *web.Server }

func (s liveSink) Changed(ctx context.Context, c store.Change) {
	s.console.Changed(ctx, c.IncidentID, c.Version, c.Type, c.Actor)
}

func (s liveSink) Resync() { s.console.Resync() }

// newLive returns the listener of every node's changes for console, with
// its gauge; nil on SQLite.
func newLive(db *store.DB, console *web.Server, reg *prometheus.Registry, log *slog.Logger) *store.Listener {
	l := db.Listener(liveSink{console}, store.ListenOptions{Logger: log})
	if l == nil {
		return nil
	}
	reg.MustRegister(prometheus.NewGaugeFunc(prometheus.GaugeOpts{Name: "firebreak_live_listening",
		Help: "1 while this node listens for the changes of every node (PostgreSQL LISTEN); 0 while it reconnects, when open pages miss changes made through other nodes."},
		func() float64 {
			if l.Listening() {
				return 1
			}
			return 0
		}))
	return l
}

// runBeside starts what runs beside the job engine until ctx ends: backups
// (SQLite), the gauges, and the listener of other nodes' changes
// (PostgreSQL).
func (a *App) runBeside(ctx context.Context, wg *sync.WaitGroup) {
	if a.cfg.Backup.Dir != "" && a.DB.Backend() == "sqlite" {
		wg.Go(func() { a.runBackups(ctx) })
	}
	wg.Go(func() { a.gauges.Run(ctx) })
	if a.live != nil {
		wg.Go(func() { a.live.Run(ctx) })
	}
}

// waitLive returns once the listener of other nodes' changes has tried to
// listen, so a page opened after Start hears every change committed after
// it; a failed try is logged and retried in the background.
func (a *App) waitLive(ctx context.Context) {
	if a.live == nil {
		return
	}
	select {
	case <-a.live.Started():
	case <-ctx.Done():
	}
}
