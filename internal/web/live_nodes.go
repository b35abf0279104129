package web

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Live updates across nodes. Where several nodes share one PostgreSQL
// database, a change made through one must reach the pages open on every
// other; the store announces each committed change and every node (the one
// that made it too) hears it through Changed, or QueueChanged for the
// triage queue. The console then does not observe its own process's
// services, so nothing is told twice.

// liveReader reads an incident to decide who may hear of its change.
var liveReader = incident.Viewer{User: "firebreak", SeeAll: true}

// Changed tells this node's live pages that incident id reached version,
// by an event of type by actor, committed on any node. Who hears of it is
// decided here, on the incident as it is now, as for a change made on this
// node: the announcement carries no content to leak.
func (s *Server) Changed(ctx context.Context, id string, version int64, typ, actor string) {
	// Bounded: the listener hears nothing else while this reads.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	inc, err := s.incidents.Get(ctx, liveReader, id)
	if err != nil {
		// Nobody can be told who may not see it; everyone refreshes
		// instead, which shows each page only what its viewer may see.
		s.log.WarnContext(ctx, "read a changed incident to tell open pages; asking every page to refresh", "incident", id, "err", err)
		s.live.resync()
		return
	}
	s.live.send(&inc, change{Ref: inc.Ref, Version: version, Type: typ, Actor: actor})
}

// QueueChanged tells this node's live queue pages that the triage queue
// changed by action of actor, committed on any node: those whose viewer may
// hear of it, as for a change on this node (see triage.Signal): every
// viewer when an entry linked to no incident changed (public), else the
// viewers of the incidents linked, read as they are now. An incident that
// cannot be read keeps the change from everyone but admins.
func (s *Server) QueueChanged(ctx context.Context, action, actor string, public bool, linked []string) {
	// Bounded: the listener hears nothing else while this reads.
	ctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	sig := triage.Signal{Action: action, Actor: actor, Public: public}
	for _, id := range linked {
		inc, err := s.incidents.Get(ctx, liveReader, id)
		if err != nil {
			s.log.WarnContext(ctx, "read a queue entry's incident to tell open pages", "incident", id, "err", err)
			inc = incident.Incident{ID: id, Restricted: true}
		}
		sig.Linked = append(sig.Linked, inc)
	}
	s.live.triageChanged(sig)
}

// Resync tells every live page on this node to refresh: changes may have
// been missed (the node stopped hearing the others for a while).
func (s *Server) Resync() { s.live.resync() }
