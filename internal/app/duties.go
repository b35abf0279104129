package app

import (
	"context"
	"encoding/json"
	"log/slog"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// newDuties builds the notification duties over the built-in obligation
// catalog (its anchor vocabulary is what facts may set); reminders go
// through the outbox to people's verified contact methods.
func newDuties(db *store.DB, inc *incident.Service, people *contacts.Service, ob *outbox.Outbox, now func() time.Time, log *slog.Logger) *duties.Service {
	d := duties.Deps{Store: db, Incidents: inc, People: people, Outbox: ob, Now: now, Logger: log}
	if c, err := comms.DefaultCatalog(); err != nil {
		// The catalog is embedded and tested; without it no duty shows.
		log.Error("obligation catalog", "err", err)
	} else {
		d.Catalog, d.Anchors = c, c.Anchors()
	}
	du := duties.New(d)
	inc.SetDuties(openDuties{du})
	return du
}

// applyOrganization makes the profile in the configuration file the
// stored one; an unchanged profile is left alone (its reminders need no
// new plan).
func applyOrganization(ctx context.Context, d *duties.Service, p *duties.Profile) error {
	if p == nil {
		return nil
	}
	cur, err := d.Profile(ctx)
	if err != nil {
		return err
	}
	a, _ := json.Marshal(cur.Profile)
	b, _ := json.Marshal(p)
	if cur.UpdatedAt != nil && string(a) == string(b) {
		return nil
	}
	_, err = d.PutProfile(ctx, "config", *p)
	return err
}
