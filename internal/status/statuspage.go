package status

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"slices"
	"strings"
	"time"
)

// The Atlassian Statuspage v2 public API shapes (/api/v2/summary.json and
// friends), so that tools which read a Statuspage page read ours. Fields we
// have no use for (tweets, showcase, start dates) are there with their
// empty values, because clients expect them.

// SPPage is the page object of every document.
type SPPage struct {
	ID        string    `json:"id"`
	Name      string    `json:"name"`
	URL       string    `json:"url"`
	TimeZone  string    `json:"time_zone"`
	UpdatedAt time.Time `json:"updated_at"`
}

// SPComponent is a component, or a group of components.
type SPComponent struct {
	ID                 string    `json:"id"`
	Name               string    `json:"name"`
	Status             State     `json:"status"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
	Position           int       `json:"position"`
	Description        *string   `json:"description"`
	Showcase           bool      `json:"showcase"`
	StartDate          *string   `json:"start_date"`
	GroupID            *string   `json:"group_id"`
	PageID             string    `json:"page_id"`
	Group              bool      `json:"group"`
	OnlyShowIfDegraded bool      `json:"only_show_if_degraded"`
	Components         []string  `json:"components,omitempty"` // a group's members
}

// SPAffected is a component an update changed.
type SPAffected struct {
	Code      string `json:"code"`
	Name      string `json:"name"`
	OldStatus State  `json:"old_status"`
	NewStatus State  `json:"new_status"`
}

// SPUpdate is an incident update.
type SPUpdate struct {
	ID                   string       `json:"id"`
	Status               Status       `json:"status"`
	Body                 string       `json:"body"`
	IncidentID           string       `json:"incident_id"`
	CreatedAt            time.Time    `json:"created_at"`
	UpdatedAt            time.Time    `json:"updated_at"`
	DisplayAt            time.Time    `json:"display_at"`
	AffectedComponents   []SPAffected `json:"affected_components"`
	DeliverNotifications bool         `json:"deliver_notifications"`
	CustomTweet          *string      `json:"custom_tweet"`
	TweetID              *string      `json:"tweet_id"`
}

// SPIncident is an incident or a scheduled maintenance.
type SPIncident struct {
	ID              string        `json:"id"`
	Name            string        `json:"name"`
	Status          Status        `json:"status"`
	CreatedAt       time.Time     `json:"created_at"`
	UpdatedAt       time.Time     `json:"updated_at"`
	MonitoringAt    *time.Time    `json:"monitoring_at"`
	ResolvedAt      *time.Time    `json:"resolved_at"`
	Impact          Impact        `json:"impact"`
	Shortlink       string        `json:"shortlink"`
	StartedAt       time.Time     `json:"started_at"`
	PageID          string        `json:"page_id"`
	IncidentUpdates []SPUpdate    `json:"incident_updates"`
	Components      []SPComponent `json:"components"`
	// Scheduled maintenances only.
	ScheduledFor   *time.Time `json:"scheduled_for,omitempty"`
	ScheduledUntil *time.Time `json:"scheduled_until,omitempty"`
}

// Summary is /api/v2/summary.json.
type Summary struct {
	Page                  SPPage        `json:"page"`
	Components            []SPComponent `json:"components"`
	Incidents             []SPIncident  `json:"incidents"`
	ScheduledMaintenances []SPIncident  `json:"scheduled_maintenances"`
	Status                Indicator     `json:"status"`
}

// StatusDoc is /api/v2/status.json.
type StatusDoc struct {
	Page   SPPage    `json:"page"`
	Status Indicator `json:"status"`
}

// ComponentsDoc is /api/v2/components.json.
type ComponentsDoc struct {
	Page       SPPage        `json:"page"`
	Components []SPComponent `json:"components"`
}

// IncidentsDoc is /api/v2/incidents.json and incidents/unresolved.json.
type IncidentsDoc struct {
	Page      SPPage       `json:"page"`
	Incidents []SPIncident `json:"incidents"`
}

// MaintenancesDoc is /api/v2/scheduled-maintenances.json, and its
// upcoming.json and active.json.
type MaintenancesDoc struct {
	Page                  SPPage       `json:"page"`
	ScheduledMaintenances []SPIncident `json:"scheduled_maintenances"`
}

// Public is what the public sees of the page at one moment: the input of
// every public view (HTML, JSON, feed).
type Public struct {
	Page       Page
	URL        string // the page's absolute URL: https://status.example.com/status
	Components []Component
	// Incidents are the public incidents and maintenances wanted by the
	// view (active ones, or the last 90 days), newest first; none hidden.
	Incidents []Incident
	Now       time.Time
}

func (p Public) loc() *time.Location {
	if l, err := time.LoadLocation(p.Page.TimeZone); err == nil {
		return l
	}
	return time.UTC
}

// In shows t in the page's time zone.
func (p Public) In(t time.Time) time.Time { return t.In(p.loc()) }

// Location is the page's time zone.
func (p Public) Location() *time.Location { return p.loc() }

// UpdatedAt is when anything public last changed.
func (p Public) UpdatedAt() time.Time {
	t := p.Page.UpdatedAt
	for _, c := range p.Components {
		if c.UpdatedAt.After(t) {
			t = c.UpdatedAt
		}
	}
	for _, i := range p.Incidents {
		if i.UpdatedAt.After(t) {
			t = i.UpdatedAt
		}
	}
	return t
}

// SPPage is the page object.
func (p Public) SPPage() SPPage {
	return SPPage{ID: p.Page.ID, Name: p.Page.Name, URL: p.URL, TimeZone: p.Page.TimeZone, UpdatedAt: p.In(p.UpdatedAt())}
}

// Indicator is the page's overall status.
func (p Public) Indicator() Indicator { return Rollup(p.Components, p.Incidents, p.Now) }

// GroupID is the stable ID of a group of components, made from its name.
func GroupID(name string) string {
	sum := sha256.Sum256([]byte("group\x00" + name))
	return "grp" + hex.EncodeToString(sum[:6])
}

// SPComponents lists the components as Statuspage does: each group as a
// component with group true and its members' IDs, its status the worst of
// theirs, followed by its members; ungrouped components in between, all in
// position order.
func (p Public) SPComponents() []SPComponent {
	comps := Sorted(p.Components)
	out := []SPComponent{}
	seen := map[string]bool{}
	pos := 0
	for _, c := range comps {
		if c.Group == "" {
			pos++
			out = append(out, p.spComponent(c, nil, pos))
			continue
		}
		if seen[c.Group] {
			continue
		}
		seen[c.Group] = true
		gid := GroupID(c.Group)
		g := SPComponent{ID: gid, Name: c.Group, Status: Operational, CreatedAt: p.In(c.CreatedAt), UpdatedAt: p.In(c.UpdatedAt),
			PageID: p.Page.ID, Group: true, Components: []string{}}
		var members []SPComponent
		for _, m := range comps {
			if m.Group != c.Group {
				continue
			}
			pos++
			g.Components = append(g.Components, m.ID)
			g.Status = Worst(g.Status, m.State)
			if m.CreatedAt.Before(g.CreatedAt) {
				g.CreatedAt = p.In(m.CreatedAt)
			}
			if m.UpdatedAt.After(g.UpdatedAt) {
				g.UpdatedAt = p.In(m.UpdatedAt)
			}
			members = append(members, p.spComponent(m, &gid, pos))
		}
		pos++
		g.Position = pos
		out = append(out, g)
		out = append(out, members...)
	}
	return out
}

func (p Public) spComponent(c Component, group *string, pos int) SPComponent {
	var desc *string
	if c.Description != "" {
		d := c.Description
		desc = &d
	}
	return SPComponent{ID: c.ID, Name: c.Name, Status: c.State, CreatedAt: p.In(c.CreatedAt), UpdatedAt: p.In(c.UpdatedAt),
		Position: pos, Description: desc, GroupID: group, PageID: p.Page.ID}
}

// Sorted returns the components by position then name, each group's
// members together where its first member stands.
func Sorted(comps []Component) []Component {
	out := slices.Clone(comps)
	slices.SortStableFunc(out, func(a, b Component) int {
		return cmp.Or(cmp.Compare(a.Position, b.Position), strings.Compare(a.Name, b.Name))
	})
	first := map[string]int{} // group → index of its first member
	rank := map[string]int{}  // component ID → where it goes
	for i, c := range out {
		if c.Group == "" {
			rank[c.ID] = i
			continue
		}
		if _, ok := first[c.Group]; !ok {
			first[c.Group] = i
		}
		rank[c.ID] = first[c.Group]
	}
	slices.SortStableFunc(out, func(a, b Component) int { return rank[a.ID] - rank[b.ID] })
	return out
}

// SPIncident is one public incident in Statuspage's shape.
func (p Public) SPIncident(inc Incident) SPIncident { return p.spIncident(inc, p.spByID()) }

// spByID is every component (not group) as components[] shows it, so an
// incident's components carry the same group_id and position.
func (p Public) spByID() map[string]SPComponent {
	byID := map[string]SPComponent{}
	for _, c := range p.SPComponents() {
		if !c.Group {
			byID[c.ID] = c
		}
	}
	return byID
}

func (p Public) spIncident(inc Incident, byID map[string]SPComponent) SPIncident {
	out := SPIncident{ID: inc.ID, Name: inc.Title, Status: inc.Status, CreatedAt: p.In(inc.CreatedAt), UpdatedAt: p.In(inc.UpdatedAt),
		MonitoringAt: p.inp(inc.MonitoringAt), ResolvedAt: p.inp(inc.ResolvedAt), Impact: inc.Impact,
		Shortlink: p.IncidentURL(inc.ID), StartedAt: p.In(inc.CreatedAt), PageID: p.Page.ID,
		IncidentUpdates: []SPUpdate{}, Components: []SPComponent{}}
	if inc.Kind == KindMaintenance {
		out.ScheduledFor, out.ScheduledUntil = p.inp(inc.ScheduledFor), p.inp(inc.ScheduledUntil)
		if inc.ScheduledFor != nil {
			out.StartedAt = p.In(*inc.ScheduledFor)
		}
	}
	for _, id := range inc.Components {
		if c, ok := byID[id]; ok {
			out.Components = append(out.Components, c)
		}
	}
	for _, u := range inc.Updates {
		su := SPUpdate{ID: u.ID, Status: u.Status, Body: u.Body, IncidentID: inc.ID, CreatedAt: p.In(u.CreatedAt),
			UpdatedAt: p.In(u.CreatedAt), DisplayAt: p.In(u.CreatedAt), DeliverNotifications: u.Notify}
		for _, cu := range u.Components {
			if cu.Old != cu.New { // as Statuspage: the components whose state the update changed
				su.AffectedComponents = append(su.AffectedComponents, SPAffected{Code: cu.ID, Name: cu.Name, OldStatus: cu.Old, NewStatus: cu.New})
			}
		}
		out.IncidentUpdates = append(out.IncidentUpdates, su)
	}
	return out
}

func (p Public) inp(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	v := p.In(*t)
	return &v
}

// IncidentURL is the public page of one incident.
func (p Public) IncidentURL(id string) string { return p.URL + "/incidents/" + id }

// Split returns the unresolved incidents and the maintenances not yet
// completed (upcoming or in progress), each newest first.
func (p Public) Split() (incidents, maintenances []Incident) {
	for _, i := range p.Incidents {
		if !i.Active() {
			continue
		}
		if i.Kind == KindMaintenance {
			maintenances = append(maintenances, i)
		} else {
			incidents = append(incidents, i)
		}
	}
	return incidents, maintenances
}

func (p Public) spList(incs []Incident) []SPIncident {
	byID := p.spByID()
	out := []SPIncident{}
	for _, i := range incs {
		out = append(out, p.spIncident(i, byID))
	}
	return out
}

// Summary is summary.json: the page, its components, unresolved incidents,
// upcoming and in-progress maintenances, and the indicator.
func (p Public) Summary() Summary {
	inc, mnt := p.Split()
	return Summary{Page: p.SPPage(), Components: p.SPComponents(), Incidents: p.spList(inc),
		ScheduledMaintenances: p.spList(mnt), Status: p.Indicator()}
}

// Status is status.json.
func (p Public) Status() StatusDoc { return StatusDoc{Page: p.SPPage(), Status: p.Indicator()} }

// ComponentsDoc is components.json.
func (p Public) ComponentsDoc() ComponentsDoc {
	return ComponentsDoc{Page: p.SPPage(), Components: p.SPComponents()}
}

// IncidentsDoc lists incidents (not maintenances); only unresolved ones
// when unresolved.
func (p Public) IncidentsDoc(unresolved bool) IncidentsDoc {
	var out []Incident
	for _, i := range p.Incidents {
		if i.Kind == KindIncident && (!unresolved || i.Active()) {
			out = append(out, i)
		}
	}
	return IncidentsDoc{Page: p.SPPage(), Incidents: p.spList(out)}
}

// MaintenancesDoc lists maintenances: all of them (scheduled-maintenances.json)
// when no status is given, else those in one of the statuses — Scheduled
// for upcoming.json, InProgress and Verifying for active.json, as
// Statuspage's own endpoints filter.
func (p Public) MaintenancesDoc(statuses ...Status) MaintenancesDoc {
	var out []Incident
	for _, i := range p.Incidents {
		if i.Kind == KindMaintenance && (len(statuses) == 0 || slices.Contains(statuses, i.Status)) {
			out = append(out, i)
		}
	}
	return MaintenancesDoc{Page: p.SPPage(), ScheduledMaintenances: p.spList(out)}
}
