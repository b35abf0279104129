package app

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/triage"
	"github.com/firebreak-ir/firebreak/internal/web"
)

// liveSink hands the store's announcements of committed changes (every
// node's, on PostgreSQL) to the console's live pages.
type liveSink struct{ console *web.Server }

func (s liveSink) Changed(ctx context.Context, c store.Change) {
	switch {
	case c.Queue == nil:
		s.console.Changed(ctx, c.IncidentID, c.Version, c.Type, c.Actor)
	case c.Queue.All:
		s.console.Resync()
	default:
		s.console.QueueChanged(ctx, c.Type, c.Actor, c.Queue.Public, c.Queue.Linked)
	}
}

// announceQueue is a triage.Service observer (PostgreSQL): it announces
// each committed change of the queue to every node, this one included,
// whose console then tells its open queue pages (liveSink).
func announceQueue(db *store.DB, log *slog.Logger) func(triage.Signal) {
	return func(sig triage.Signal) {
		linked := make([]string, 0, len(sig.Linked))
		for _, inc := range sig.Linked {
			linked = append(linked, inc.ID)
		}
		// Bounded: the write it follows has committed and its caller
		// waits for this only to be told so.
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := db.AnnounceQueue(ctx, sig.Action, sig.Actor, sig.Public, linked); err != nil {
			log.Warn("live updates: could not tell the nodes' open queue pages of a change", "action", sig.Action, "err", err)
		}
	}
}

func (s liveSink) Resync() { s.console.Resync() }

// newLive returns the listener of every node's changes for console, with
// its gauge, and has queue changes announced to every node; nil on SQLite.
func newLive(db *store.DB, console *web.Server, queue *triage.Service, reg *prometheus.Registry, log *slog.Logger) *store.Listener {
	l := db.Listener(liveSink{console}, store.ListenOptions{Logger: log})
	if l == nil {
		return nil
	}
	queue.Observe(announceQueue(db, log))
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
