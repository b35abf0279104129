package app

import (
	"context"
	"log/slog"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/insights"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// InsightsConfig is where the insights' periods begin and what counts as
// out of hours (policy file insights:).
type InsightsConfig struct {
	// TimeZone is the organisation's: periods begin at its midnight. The
	// holiday calendar's zone when nil, else UTC.
	TimeZone *time.Location
	// WorkStart and WorkEnd bound the working day (09:00 to 18:00 when
	// both are zero); working days are the holiday calendar's business
	// days, Monday to Friday without one.
	WorkStart, WorkEnd time.Duration
}

// newInsights builds the insights service over the store and the duties.
func newInsights(db *store.DB, du *duties.Service, policy *incident.Policy, order []string, c InsightsConfig, now func() time.Time, log *slog.Logger) *insights.Service {
	loc := c.TimeZone
	if h, ok := policy.Calendar.(*calendar.Holidays); ok && loc == nil {
		loc = h.Location()
	}
	if loc == nil {
		loc = time.UTC
	}
	hours := insights.DefaultHours(loc)
	if c.WorkEnd > 0 {
		hours.Start, hours.End = c.WorkStart, c.WorkEnd
	}
	hours.Days = policy.Calendar
	return insights.New(insights.Deps{Store: db, Duties: du, Actions: actionDues{db}, Hours: hours, Order: order, Now: now, Logger: log})
}

// actionDues gives the insights each incident's action items: due at the
// end of their due date, done when closed as done; those closed as won't
// do are left out, neither on time nor late.
type actionDues struct{ db *store.DB }

func (a actionDues) ActionsDue(ctx context.Context, incidentID string) ([]insights.Due, error) {
	items, err := a.db.IncidentActions(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	var out []insights.Due
	for _, it := range items {
		switch {
		case it.State == actions.WontDo:
			continue
		case it.State == actions.Done && it.ClosedAt != nil:
			out = append(out, insights.Due{At: it.DueAt, Done: it.ClosedAt})
		default:
			out = append(out, insights.Due{At: it.DueAt})
		}
	}
	return out, nil
}

// levelNames are the policy's severities, most severe first.
func levelNames(p *incident.Policy) []string {
	var out []string
	for _, l := range p.Levels {
		out = append(out, l.Name)
	}
	return out
}
