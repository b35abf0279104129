package triage

import (
	"context"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// system is Firebreak itself reading the queue for its own work.
var system = incident.Viewer{User: "firebreak", SeeAll: true}

// Signal says that the queue changed, and who may hear of it. An entry
// linked to an incident takes that incident's visibility: a change to it
// is news only to those who may see the incident.
type Signal struct {
	Action string
	Actor  string
	// Public is set when an entry linked to no incident changed: every
	// signed-in viewer may hear of it.
	Public bool
	// Linked are the incidents the changed entries are linked to, as they
	// were just after the change.
	Linked []incident.Incident
}

// For reports whether v may hear of the change.
func (sig Signal) For(v incident.Viewer) bool {
	if sig.Public {
		return true
	}
	for i := range sig.Linked {
		if v.CanSee(&sig.Linked[i]) {
			return true
		}
	}
	return false
}

// touched tells the observers that actor did action on entry e (as it is
// after the action, committed), to whom the entry's visibility allows.
// Every queue action signals here, so the console's, the API's and the
// CLI's refresh open queue pages alike.
func (s *Service) touched(ctx context.Context, action, actor string, e Entry) {
	if len(s.observers) == 0 {
		return
	}
	sig := Signal{Action: action, Actor: actor}
	s.audience(ctx, &sig, []string{e.Group.IncidentID})
	s.signalled(sig)
}

// signalOf is the signal of a delivery's outcomes: public when a group
// linked to no incident changed, and heard by those who may see each
// linked group's incident.
func (s *Service) signalOf(ctx context.Context, action, actor string, outcomes []alert.Outcome) Signal {
	sig := Signal{Action: action, Actor: actor}
	var linked []string
	for _, o := range outcomes {
		if o.Kind != alert.Ignored {
			linked = append(linked, o.Group.IncidentID)
		}
	}
	s.audience(ctx, &sig, linked)
	return sig
}

// audience fills in who may hear of a change to entries linked to
// incidentIDs ("" for an entry linked to none). An incident that cannot be
// read keeps its change from everyone but admins, who see every incident.
func (s *Service) audience(ctx context.Context, sig *Signal, incidentIDs []string) {
	slices.Sort(incidentIDs)
	for _, id := range slices.Compact(incidentIDs) {
		if id == "" {
			sig.Public = true
			continue
		}
		inc, err := s.incidents.Get(ctx, system, id)
		if err != nil {
			s.log.WarnContext(ctx, "read a queue entry's incident to tell open pages", "incident", id, "err", err)
			inc = incident.Incident{ID: id, Restricted: true}
		}
		sig.Linked = append(sig.Linked, inc)
	}
}
