package app

import (
	"context"

	"github.com/firebreak-ir/firebreak/internal/roster"
)

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
