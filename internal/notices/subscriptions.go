package notices

import (
	"context"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Subscribe sends an incident's updates to a channel; with ref "" every
// incident's (restricted ones excepted; the caller checks the role).
func (s *Service) Subscribe(ctx context.Context, v incident.Viewer, ref, name string, t notify.Target) (UpdateSubscription, error) {
	name = strings.TrimSpace(name)
	if name == "" || len(name) > 100 || strings.ContainsAny(name, "\r\n") {
		return UpdateSubscription{}, errs.E(errs.Invalid, "name", "a name of 1–100 bytes on one line")
	}
	// Refused now if the channel will not send there (a private or
	// metadata address), not at the first update.
	if err := notify.CheckTarget(s.Channels, t); err != nil {
		return UpdateSubscription{}, err
	}
	sub := UpdateSubscription{ID: s.NewID(), Name: name, Target: t, Kind: t.Kind, Address: Redact(t), CreatedBy: v.User, CreatedAt: s.Now().UTC()}
	if ref != "" {
		inc, err := s.Incidents.Get(ctx, v, ref)
		if err != nil {
			return UpdateSubscription{}, err
		}
		sub.IncidentID = inc.ID
	}
	if err := s.Store.PutSubscription(ctx, sub); err != nil {
		return UpdateSubscription{}, err
	}
	return sub, nil
}

// Redact shows a target without its secrets: an email address, or a
// webhook's scheme and host.
func Redact(t notify.Target) string {
	if t.Kind == notify.KindEmail {
		return t.Address
	}
	if t.Kind == notify.KindSlack && t.Address == "" {
		return "slack:" + t.Channel
	}
	return notify.RedactURL(t.Address)
}

// Subscriptions lists an incident's own subscriptions and the global ones
// (ref ""), or only the global ones.
func (s *Service) Subscriptions(ctx context.Context, v incident.Viewer, ref string) ([]UpdateSubscription, error) {
	id := ""
	if ref != "" {
		inc, err := s.Incidents.Get(ctx, v, ref)
		if err != nil {
			return nil, err
		}
		id = inc.ID
	}
	return s.Store.Subscriptions(ctx, id)
}

// Unsubscribe removes an incident's subscription (ref set) or a global one.
func (s *Service) Unsubscribe(ctx context.Context, v incident.Viewer, ref, id string) error {
	sub, err := s.Store.Subscription(ctx, id)
	if err != nil {
		return err
	}
	if ref == "" {
		if sub.IncidentID != "" {
			return errs.E(errs.NotFound, "id", "no global subscription %s", id)
		}
	} else {
		inc, err := s.Incidents.Get(ctx, v, ref)
		if err != nil {
			return err
		}
		if sub.IncidentID != inc.ID {
			return errs.E(errs.NotFound, "id", "%s has no subscription %s", inc.Ref, id)
		}
	}
	return s.Store.DeleteSubscription(ctx, id)
}

// UpdatesView is an incident's updates with where its cadence stands.
type UpdatesView struct {
	Ref        string              `json:"ref"`
	Updates    []StakeholderUpdate `json:"updates"`
	Deliveries []UpdateDelivery    `json:"deliveries"`
	// Every is the severity's interval (0: no reminders); NextDue is when
	// the next update is due, Overdue when that passed without one.
	Every        time.Duration `json:"-"`
	EveryMinutes int           `json:"every_minutes"`
	NextDue      *time.Time    `json:"next_due,omitempty"`
	Overdue      bool          `json:"overdue"`
	// Reminders were sent since the last update; LastRemindedAt is the
	// latest.
	Reminders      int        `json:"reminders"`
	LastRemindedAt *time.Time `json:"last_reminded_at,omitempty"`
	Cadence        Cadence    `json:"-"`
}

// Updates returns an incident's stakeholder updates, newest first.
func (s *Service) Updates(ctx context.Context, v incident.Viewer, ref string) (UpdatesView, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return UpdatesView{}, err
	}
	out := UpdatesView{Ref: inc.Ref, Every: s.cadence[inc.Severity]}
	if out.Updates, err = s.Store.Updates(ctx, inc.ID, 200); err != nil {
		return UpdatesView{}, err
	}
	if out.Deliveries, err = s.Store.UpdateDeliveries(ctx, inc.ID); err != nil {
		return UpdatesView{}, err
	}
	if out.Cadence, err = s.Store.Cadence(ctx, inc.ID); err != nil {
		return UpdatesView{}, err
	}
	out.EveryMinutes = int(out.Every / time.Minute)
	out.Reminders, out.LastRemindedAt = out.Cadence.Reminders, out.Cadence.LastRemindedAt
	if inc.State.Open() && out.Every > 0 {
		// Reminders repeat one interval apart; the update is due one
		// interval after the last (or the start), whatever was reminded.
		basis := out.Cadence.Basis
		if out.Cadence.Generation == 0 {
			basis = inc.DeclaredAt
			if len(out.Updates) > 0 {
				basis = out.Updates[0].PostedAt
			}
		}
		due := basis.Add(out.Every)
		out.NextDue = &due
		out.Overdue = s.Now().After(due)
	}
	if out.Updates == nil {
		out.Updates = []StakeholderUpdate{}
	}
	if out.Deliveries == nil {
		out.Deliveries = []UpdateDelivery{}
	}
	return out, nil
}

func (s *Service) update(ctx context.Context, incidentID, id string) (StakeholderUpdate, error) {
	us, err := s.Store.Updates(ctx, incidentID, 0)
	if err != nil {
		return StakeholderUpdate{}, err
	}
	for _, u := range us {
		if u.ID == id {
			return u, nil
		}
	}
	return StakeholderUpdate{}, errs.E(errs.NotFound, "update", "no update %s", id)
}
