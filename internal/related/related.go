// Package related finds the past incidents an incident has something in
// common with — its type, an affected asset (the same kind and
// identifier) or an indicator (the same type and value) — with their
// post-mortems and the follow-ups still open: "this happened before;
// these fixes are still open".
//
// Only incidents the viewer may see are ever looked at: the store filters
// restricted ones out in the query, so they are neither listed nor
// counted.
package related

import (
	"cmp"
	"context"
	"log/slog"
	"slices"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Kinds of Shared: what an incident shares with the one asked about.
const (
	ByType      = "type"
	ByAsset     = "asset"
	ByIndicator = "indicator"
)

// Shared is one thing a past incident shares: its type, an asset
// (Kind is the asset's kind) or an indicator (Kind is the indicator's
// type), with its identifier or value.
type Shared struct {
	By    string `json:"by" enum:"type,asset,indicator"`
	Kind  string `json:"kind,omitempty"`
	Value string `json:"value"`
}

// Match is a past incident and what it shares (the store's answer).
type Match struct {
	Incident incident.Incident
	Shares   []Shared
}

// OpenItem is a follow-up of a past incident still open.
type OpenItem struct {
	ID    string `json:"id,omitempty" doc:"The action item (ACT-12); empty for a post-mortem's own list."`
	Title string `json:"title"`
	Owner string `json:"owner,omitempty"`
	Due   string `json:"due,omitempty"` // a calendar date, YYYY-MM-DD
	State string `json:"state"`
	URL   string `json:"url,omitempty"` // where it is tracked, when known
}

// PostmortemState is the state of a past incident's post-mortem.
type PostmortemState struct {
	Status      incident.PostmortemStatus `json:"status"`
	PublishedAt *time.Time                `json:"published_at,omitempty"`
	DueAt       *time.Time                `json:"due_at,omitempty"`
	// Overdue: recovered, past due and not published.
	Overdue bool `json:"overdue"`
}

// Past is one related past incident as shown.
type Past struct {
	Ref        string          `json:"ref"`
	Title      string          `json:"title"`
	Type       string          `json:"type,omitempty"`
	Severity   string          `json:"severity,omitempty"`
	State      incident.State  `json:"state"`
	DeclaredAt time.Time       `json:"declared_at"`
	Because    []Shared        `json:"because"`
	Postmortem PostmortemState `json:"postmortem"`
	OpenItems  []OpenItem      `json:"open_action_items"`
	Restricted bool            `json:"restricted"` // shown only to those who may see it
}

// Store finds the incidents declared before inc that share its type, an
// asset or an indicator, among those v may see, newest first, at most
// limit of them.
type Store interface {
	RelatedIncidents(ctx context.Context, v incident.Viewer, inc incident.Incident, limit int) ([]Match, error)
}

// Incidents loads the incident asked about (incident.Service): an
// incident the viewer may not see is not found.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
}

// Actions finds the open action items of incidents, by incident ID (the
// action items' store). For an incident it has none for, the
// post-mortem's own action items that are not done stand in.
type Actions interface {
	OpenActionItems(ctx context.Context, incidentIDs []string) (map[string][]OpenItem, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Store     Store
	Incidents Incidents
	Actions   Actions // optional
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service answers "what happened before".
type Service struct{ d Deps }

// Limit bounds the related incidents shown.
const Limit = 20

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d}
}

// SetActions lets the action items' store answer for open follow-ups.
func (s *Service) SetActions(a Actions) { s.d.Actions = a }

// Related lists the past incidents v may see that share something with
// the incident ref, newest first: errs.NotFound when v may not see ref.
func (s *Service) Related(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, []Past, error) {
	inc, err := s.d.Incidents.Get(ctx, v, ref)
	if err != nil {
		return inc, nil, err
	}
	out, err := s.For(ctx, v, inc)
	return inc, out, err
}

// For is Related for an incident already loaded (and visible to v).
func (s *Service) For(ctx context.Context, v incident.Viewer, inc incident.Incident) ([]Past, error) {
	ms, err := s.d.Store.RelatedIncidents(ctx, v, inc, Limit)
	if err != nil {
		return nil, err
	}
	var items map[string][]OpenItem
	if s.d.Actions != nil && len(ms) > 0 {
		ids := make([]string, len(ms))
		for i, m := range ms {
			ids[i] = m.Incident.ID
		}
		if items, err = s.d.Actions.OpenActionItems(ctx, ids); err != nil {
			return nil, err
		}
	}
	now := s.d.Now()
	out := make([]Past, 0, len(ms))
	for _, m := range ms {
		p := m.Incident
		r := Past{Ref: p.Ref, Title: p.Title, Type: p.Type, Severity: p.Severity, State: p.State, DeclaredAt: p.DeclaredAt,
			Because: sortShared(m.Shares), Restricted: p.Restricted,
			Postmortem: PostmortemState{Status: p.Postmortem.Status, PublishedAt: p.Postmortem.PublishedAt, DueAt: p.PostmortemDue}}
		if due, ok := p.PostmortemOpenDue(); ok && now.After(due) {
			r.Postmortem.Overdue = true
		}
		r.OpenItems = items[p.ID]
		if len(r.OpenItems) == 0 {
			for _, a := range p.Postmortem.ActionItems {
				if !a.Done {
					r.OpenItems = append(r.OpenItems, OpenItem{Title: a.Title, Owner: a.Owner, Due: a.Due, State: "open"})
				}
			}
		}
		if r.OpenItems == nil {
			r.OpenItems = []OpenItem{}
		}
		out = append(out, r)
	}
	return out, nil
}

// sortShared puts the most telling first: indicators, assets, the type.
func sortShared(rs []Shared) []Shared {
	rank := map[string]int{ByIndicator: 0, ByAsset: 1, ByType: 2}
	rs = slices.Clone(rs)
	slices.SortStableFunc(rs, func(a, b Shared) int {
		return cmp.Or(cmp.Compare(rank[a.By], rank[b.By]), cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Value, b.Value))
	})
	return slices.CompactFunc(rs, func(a, b Shared) bool { return a == b })
}
