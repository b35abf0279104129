package status

import (
	"encoding/xml"
	"reflect"
	"testing"
	"time"
)

func maintenance(id string, st Status, from time.Time, comps ...string) Incident {
	until := from.Add(2 * time.Hour)
	return Incident{ID: id, Kind: KindMaintenance, Title: "Database upgrade " + id, Impact: ImpactMaintenance, Status: st,
		Components: comps, ScheduledFor: &from, ScheduledUntil: &until, CreatedAt: from.Add(-48 * time.Hour), UpdatedAt: from.Add(-48 * time.Hour),
		Updates: []Update{{ID: "u" + id, Status: st, Body: "We will upgrade the database.", CreatedAt: from.Add(-48 * time.Hour)}}}
}

// TestMaintenanceDocs: upcoming.json holds the scheduled maintenances,
// active.json those in progress or verifying, as Statuspage's endpoints;
// scheduled-maintenances.json all of them.
func TestMaintenanceDocs(t *testing.T) {
	t.Parallel()
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	p := Public{Page: Page{ID: "pg", Name: "Acme", TimeZone: "UTC"}, URL: "https://status.acme.test/status", Now: now,
		Components: []Component{{ID: "db", Name: "Database", Group: "Backend"}, {ID: "web", Name: "Website"}},
		Incidents: []Incident{
			maintenance("m1", Scheduled, now.Add(24*time.Hour), "db"),
			maintenance("m2", InProgress, now.Add(-time.Hour), "db", "web"),
			maintenance("m3", Verifying, now.Add(-90*time.Minute)),
			maintenance("m4", Completed, now.Add(-72*time.Hour)),
			{ID: "i1", Kind: KindIncident, Title: "Slow", Impact: ImpactMinor, Status: Investigating, Components: []string{"db"}},
		}}
	ids := func(d MaintenancesDoc) []string {
		var out []string
		for _, m := range d.ScheduledMaintenances {
			out = append(out, m.ID)
		}
		return out
	}
	for _, tc := range []struct {
		name     string
		statuses []Status
		want     []string
	}{
		{"scheduled-maintenances.json", nil, []string{"m1", "m2", "m3", "m4"}},
		{"upcoming.json", []Status{Scheduled}, []string{"m1"}},
		{"active.json", []Status{InProgress, Verifying}, []string{"m2", "m3"}},
	} {
		d := p.MaintenancesDoc(tc.statuses...)
		if got := ids(d); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
		if d.Page.ID != "pg" || d.ScheduledMaintenances == nil {
			t.Errorf("%s: page %+v, list %v", tc.name, d.Page, d.ScheduledMaintenances)
		}
	}
	m := p.MaintenancesDoc(Scheduled).ScheduledMaintenances[0]
	if m.ScheduledFor == nil || !m.ScheduledFor.Equal(now.Add(24*time.Hour)) || m.ScheduledUntil == nil || m.Impact != ImpactMaintenance ||
		len(m.IncidentUpdates) != 1 || m.IncidentUpdates[0].Status != Scheduled || m.Shortlink != "https://status.acme.test/status/incidents/m1" {
		t.Errorf("upcoming maintenance %+v", m)
	}
	// None in a state: an empty list, never null.
	empty := Public{Page: p.Page, URL: p.URL, Now: now}.MaintenancesDoc(Scheduled)
	if empty.ScheduledMaintenances == nil || len(empty.ScheduledMaintenances) != 0 {
		t.Errorf("no maintenance: %#v", empty.ScheduledMaintenances)
	}
}

// TestIncidentComponentsAsInComponents: a component inside an incident is
// the same object as in components[], group_id and position included.
func TestIncidentComponentsAsInComponents(t *testing.T) {
	t.Parallel()
	p := Public{Page: Page{ID: "pg", TimeZone: "UTC"}, URL: "https://s.test/status",
		Components: []Component{{ID: "web", Name: "Website", Position: 1}, {ID: "eu", Name: "EU", Group: "Regions", Position: 2}, {ID: "us", Name: "US", Group: "Regions", Position: 3}},
		Incidents:  []Incident{{ID: "i1", Kind: KindIncident, Status: Identified, Impact: ImpactMajor, Components: []string{"us", "web"}}}}
	byID := map[string]SPComponent{}
	for _, c := range p.SPComponents() {
		byID[c.ID] = c
	}
	for _, doc := range [][]SPIncident{p.Summary().Incidents, p.IncidentsDoc(false).Incidents, {p.SPIncident(p.Incidents[0])}} {
		if len(doc) != 1 || len(doc[0].Components) != 2 {
			t.Fatalf("incidents %+v", doc)
		}
		for _, c := range doc[0].Components {
			if !reflect.DeepEqual(c, byID[c.ID]) {
				t.Errorf("incident component %+v\nin components[] %+v", c, byID[c.ID])
			}
		}
		if us := doc[0].Components[0]; us.GroupID == nil || *us.GroupID != GroupID("Regions") {
			t.Errorf("US group_id %v", us.GroupID)
		}
	}
}

func TestFeedTitle(t *testing.T) {
	t.Parallel()
	for name, want := range map[string]string{"Example Co Status": "Example Co Status", "Acme": "Acme status", "acme STATUS": "acme STATUS"} {
		body, err := Public{Page: Page{Name: name, TimeZone: "UTC"}, URL: "https://s.test/status"}.Atom("https://s.test/status/feed.atom")
		if err != nil {
			t.Fatal(err)
		}
		var f struct {
			Title string `xml:"title"`
		}
		if err := xml.Unmarshal(body, &f); err != nil {
			t.Fatal(err)
		}
		if f.Title != want {
			t.Errorf("%q: feed title %q, want %q", name, f.Title, want)
		}
	}
}
