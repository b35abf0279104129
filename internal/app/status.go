package app

import (
	"github.com/firebreak-ir/firebreak/internal/status"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// newStatus builds the public status page's service. Subscriptions go out
// through the configured outbound relay; without one they are off.
func newStatus(db *store.DB, svc *Services, cfg Config) *status.Service {
	d := status.Deps{Store: db, Incidents: svc.Incidents, Now: cfg.Now, NewID: newID, Logger: cfg.Logger}
	if cfg.Email != nil {
		d.Mail = cfg.Email
	}
	return status.New(d)
}

// baseURL is the URL people reach this server at.
func (a *App) baseURL() string {
	if a.cfg.PublicURL != "" {
		return a.cfg.PublicURL
	}
	return a.URL()
}
