package app

import (
	"context"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// configureActions gives the actions service its settings and the guarded
// HTTP it sends webhooks and opens GitHub issues with (outbound policy and
// timeout as every other outgoing request).
func configureActions(s *actions.Service, cfg Config) {
	s.Configure(cfg.Actions)
	h := notify.NewHTTPConfig(cfg.Outbound, "Firebreak/"+cfg.Version)
	h.Timeout = cfg.OutboundTimeout
	s.UseHTTP(&notify.Webhook{HTTPConfig: h, Now: cfg.Now}, notify.NewHTTPClientWith(cfg.Outbound))
}

// rosterTeams are the on-call configuration's teams, as action items name
// them.
type rosterTeams struct{ r *roster.Roster }

func (t rosterTeams) Teams(ctx context.Context) (map[string][]string, error) {
	o, err := t.r.Objects(ctx)
	if err != nil {
		return nil, err
	}
	out := make(map[string][]string, len(o.Teams))
	for name, tm := range o.Teams {
		out[name] = tm.Members
	}
	return out, nil
}
