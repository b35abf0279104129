package insights

import (
	"context"
	"fmt"
	"log/slog"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Store reads the material of the figures.
type Store interface {
	// InsightsSources returns the incidents declared in [from, to) with
	// their transitions, signals and acknowledgements.
	InsightsSources(ctx context.Context, from, to time.Time) ([]Source, error)
	// InsightsPages returns the pages of escalations started in [from, to).
	InsightsPages(ctx context.Context, from, to time.Time) ([]PageSource, error)
}

// Duties evaluates an incident's notification duties; nil leaves the
// duties' rate empty.
type Duties interface {
	ItemsByID(ctx context.Context, incidentID string) ([]comms.Item, error)
}

// Actions lists an incident's action items with their due times, done
// or not, leaving out those closed as won't do; nil leaves their rate out.
type Actions interface {
	ActionsDue(ctx context.Context, incidentID string) ([]Due, error)
}

// Lookback is how long before a report's start incidents are still read:
// a post-mortem or a duty due in the range may belong to an incident
// declared up to this long before it.
const Lookback = 180 * 24 * time.Hour

// Deps are what the service needs.
type Deps struct {
	Store   Store
	Duties  Duties
	Actions Actions
	Hours   Hours
	// Order orders severities, most severe first.
	Order  []string
	Now    func() time.Time
	Logger *slog.Logger
}

// Service computes reports.
type Service struct{ d Deps }

// New returns a service; Hours.Loc defaults to UTC.
func New(d Deps) *Service {
	if d.Hours.Loc == nil {
		d.Hours.Loc = time.UTC
	}
	if d.Hours.End == 0 {
		d.Hours.Start, d.Hours.End = DefaultHours(d.Hours.Loc).Start, DefaultHours(d.Hours.Loc).End
	}
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Service{d: d}
}

// Location is the organisation's time zone, where periods begin and end.
func (s *Service) Location() *time.Location { return s.d.Hours.Loc }

// Request is a report as asked for at an edge: dates are calendar days in
// the organisation's time zone, to inclusive.
type Request struct {
	Period Period
	By     Dimension
	From   string // YYYY-MM-DD; empty: the start of the period a year before To
	To     string // YYYY-MM-DD; empty: today
}

// Query checks a request and turns it into a query.
func (s *Service) Query(in Request) (Query, error) {
	loc := s.d.Hours.Loc
	if in.Period == "" {
		in.Period = Month
	}
	if in.By == "" {
		in.By = BySeverity
	}
	if !in.Period.Valid() {
		return Query{}, errs.E(errs.Invalid, "period", "unknown period %q; one of week, month, quarter", in.Period)
	}
	if !in.By.Valid() {
		return Query{}, errs.E(errs.Invalid, "by", "unknown dimension %q; one of severity, type, team, none", in.By)
	}
	day := func(field, v string) (time.Time, error) {
		t, err := time.ParseInLocation(time.DateOnly, v, loc)
		if err != nil {
			return time.Time{}, errs.E(errs.Invalid, field, "%q is not a date such as 2026-01-31", v)
		}
		return t, nil
	}
	now := s.d.Now().In(loc)
	to := time.Date(now.Year(), now.Month(), now.Day()+1, 0, 0, 0, 0, loc)
	if in.To != "" {
		t, err := day("to", in.To)
		if err != nil {
			return Query{}, err
		}
		to = t.AddDate(0, 0, 1)
	}
	from := startOf(in.Period, to.AddDate(-1, 0, 0))
	if in.From != "" {
		t, err := day("from", in.From)
		if err != nil {
			return Query{}, err
		}
		from = t
	}
	if !to.After(from) {
		return Query{}, errs.E(errs.Invalid, "to", "must not be before from")
	}
	return Query{Period: in.Period, By: in.By, From: from, To: to, Loc: loc, Order: s.d.Order, Actions: s.d.Actions != nil}, nil
}

// Report computes q's figures as v sees them.
func (s *Service) Report(ctx context.Context, v incident.Viewer, q Query) (Report, error) {
	bs, err := Buckets(q.Period, q.From, q.To, q.Loc)
	if err != nil {
		return Report{}, err
	}
	return s.compute(ctx, v, q, bs)
}

func (s *Service) compute(ctx context.Context, v incident.Viewer, q Query, bs []Bucket) (Report, error) {
	srcs, err := s.d.Store.InsightsSources(ctx, q.From.Add(-Lookback), q.To)
	if err != nil {
		return Report{}, fmt.Errorf("insights: %w", err)
	}
	recs := make([]Record, 0, len(srcs))
	visible := map[string]bool{}
	for _, src := range srcs {
		var items []comms.Item
		if s.d.Duties != nil {
			if items, err = s.d.Duties.ItemsByID(ctx, src.Incident.ID); err != nil {
				return Report{}, fmt.Errorf("insights: duties of %s: %w", src.Incident.Ref, err)
			}
		}
		var acts []Due
		if s.d.Actions != nil {
			if acts, err = s.d.Actions.ActionsDue(ctx, src.Incident.ID); err != nil {
				return Report{}, fmt.Errorf("insights: action items of %s: %w", src.Incident.Ref, err)
			}
		}
		r := Build(v, src, items, acts)
		visible[r.ID] = r.Visible
		recs = append(recs, r)
	}
	ps, err := s.d.Store.InsightsPages(ctx, q.From.Add(-Lookback), q.To)
	if err != nil {
		return Report{}, fmt.Errorf("insights: %w", err)
	}
	pages := make([]Page, 0, len(ps))
	for _, p := range ps {
		vis, ok := visible[p.IncidentID]
		if !ok && p.IncidentID != "" {
			// An incident declared before the lookback: its page still
			// counts, and is hidden unless the incident is not restricted
			// — unknown here, so it is treated as hidden.
			vis = v.SeeAll
		}
		pages = append(pages, Page{User: p.User, At: p.At, IncidentID: p.IncidentID, Visible: vis || p.IncidentID == "", OutOfHours: s.d.Hours.Out(p.At)})
	}
	return Compute(q, bs, recs, pages, s.d.Now()), nil
}
