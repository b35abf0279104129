package app

import (
	"context"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// openDuties tells the incident service which notification duties of an
// incident are open — applicable or possible, neither submitted nor
// waived — for the rule on closing. A duty not yet in force is no duty
// yet and does not block.
type openDuties struct{ d *duties.Service }

var _ incident.DutySource = openDuties{}

func (o openDuties) OpenDuties(ctx context.Context, v incident.Viewer, inc incident.Incident) ([]incident.OpenDuty, error) {
	items, err := o.d.Items(ctx, v, inc.ID)
	if err != nil {
		return nil, err
	}
	var out []incident.OpenDuty
	for _, it := range items {
		switch it.Status {
		case comms.Submitted, comms.Waived, comms.NotInForce:
			continue
		}
		out = append(out, incident.OpenDuty{ObligationID: it.ObligationID, Phase: it.Phase, Recipient: it.Recipient, DueAt: it.DueAt,
			Possible: it.Applicability == comms.Possible, Questions: it.Questions})
	}
	return out, nil
}
