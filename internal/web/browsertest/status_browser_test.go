package browsertest

import (
	"context"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// seedStatus fills the status page: components (two in a group) created
// four months ago with some history, a published incident, a restricted
// incident nobody published, and a maintenance tomorrow.
func seedStatus(t *testing.T, c *console) (api status.Component, open incident.Incident) {
	t.Helper()
	ctx := context.Background()
	db, now := c.app.DB, time.Now()
	mk := func(id, name, group, desc string, pos int) status.Component {
		comp := status.Component{ID: id, Name: name, Group: group, Description: desc, Position: pos, State: status.Operational,
			CreatedAt: now.AddDate(0, -4, 0), UpdatedAt: now.AddDate(0, -4, 0)}
		if err := db.CreateStatusComponent(ctx, comp); err != nil {
			t.Fatal(err)
		}
		return comp
	}
	api = mk("c-api", "API", "", "REST and webhooks", 1)
	mk("c-web", "Website", "Web", "", 2)
	mk("c-dash", "Dashboard", "Web", "", 3)
	mk("c-db", "Reporting database", "", "", 4)
	// History: planted as changes in the past.
	past := func(id string, daysAgo int, states ...status.State) {
		at := now.AddDate(0, 0, -daysAgo)
		prev := status.Operational
		for i, st := range states {
			ch := status.Change{ComponentID: id, Old: prev, New: st, At: at.Add(time.Duration(i) * time.Hour)}
			if _, err := db.UpdateStatusComponent(ctx, id, func(c *status.Component) (*status.Change, error) {
				c.State = st
				return &ch, nil
			}); err != nil {
				t.Fatal(err)
			}
			prev = st
		}
	}
	past("c-api", 40, status.MajorOutage, status.Operational)
	past("c-api", 12, status.Degraded, status.Operational)
	past("c-web", 25, status.PartialOutage, status.Operational)
	past("c-dash", 70, status.Maintenance, status.Operational)

	svc := c.app.Services.Status
	alice := status.Actor{User: "alice"}
	open = c.seed(t, incident.DeclareInput{Title: "INTERNAL db01 disk full"})
	pub, err := svc.Publish(ctx, alice, status.PublishInput{Incident: open.Ref, Title: "Elevated API error rates", Impact: status.ImpactMajor,
		Body: "Some API requests fail with errors. We are investigating.", Components: []string{"c-api"},
		States: map[string]status.State{"c-api": status.PartialOutage}})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Post(ctx, alice, pub.ID, status.UpdateInput{Status: status.Identified,
		Body: "We found a full disk on a database server and are freeing space."}); err != nil {
		t.Fatal(err)
	}
	c.seed(t, incident.DeclareInput{Title: "SECRET exfiltration of customer data", Restricted: true})
	from := now.Add(24 * time.Hour).Truncate(time.Hour)
	until := from.Add(2 * time.Hour)
	if _, err := svc.Publish(ctx, status.Actor{User: "admin", Admin: true}, status.PublishInput{Kind: status.KindMaintenance,
		Title: "Reporting database upgrade", Body: "Reports may be slow for up to two hours.", Components: []string{"c-db"},
		ScheduledFor: &from, ScheduledUntil: &until}); err != nil {
		t.Fatal(err)
	}
	return api, open
}

// TestBrowserStatusPage: the public page in light and dark, on a phone
// and a desktop: nothing overflows, the day bars fit (30 days on a phone,
// 90 on a desktop), the published incident shows and the restricted one
// never; then a responder publishes an incident from its page at 375 px.
func TestBrowserStatusPage(t *testing.T) {
	c := newConsole(t)
	ctx := testContext(t)
	_, _ = seedStatus(t, c)
	dir := shots(t)
	b := c.browser(ctx, t, "public")
	for _, scheme := range []string{"light", "dark"} {
		for _, size := range []string{"phone", "desktop"} {
			b.scheme(scheme)
			days := 90
			if size == "phone" {
				b.phone()
				days = 30
			} else {
				b.desktop()
			}
			if code := b.open("/status"); code != http.StatusOK {
				t.Fatalf("/status: %d", code)
			}
			b.wantText(".sp-overall", "Partial System Outage")
			body := b.text("body")
			for _, want := range []string{"Elevated API error rates", "We found a full disk", "Reporting database upgrade", "Dashboard"} {
				if !strings.Contains(body, want) {
					t.Errorf("%s %s: the page lacks %q", scheme, size, want)
				}
			}
			for _, never := range []string{"INTERNAL", "SECRET", "exfiltration", "db01"} {
				if strings.Contains(body, never) {
					t.Errorf("%s %s: the page shows %q", scheme, size, never)
				}
			}
			if sw, iw, culprits := b.overflow(); sw > iw {
				t.Errorf("%s %s: the page is %d px wide in %d: %v", scheme, size, sw, iw, culprits)
			}
			type bars struct {
				Shown     int
				Narrowest float64
			}
			got := run(b, chromedp.Evaluate[bars](`(() => {
				const d = [...document.querySelectorAll("#comp-c-api .sp-day")].filter(e => e.offsetWidth > 0);
				return {Shown: d.length, Narrowest: Math.min(...d.map(e => e.getBoundingClientRect().width))};
			})()`))
			if got.Shown != days || got.Narrowest < 3 {
				t.Errorf("%s %s: %d day bars shown, the narrowest %.1f px; want %d of at least 3 px", scheme, size, got.Shown, got.Narrowest, days)
			}
			b.shot(dir, fmt.Sprintf("status-%s-%s", scheme, size))
		}
	}
	b.phone()
	b.scheme("light")
	b.open("/status/history")
	b.wantText("main", "Elevated API error rates")
	if sw, iw, culprits := b.overflow(); sw > iw {
		t.Errorf("history: %d px wide in %d: %v", sw, iw, culprits)
	}
	b.shot(dir, "status-history-phone")

	// A responder publishes another incident from its page, on a phone.
	other := c.seed(t, incident.DeclareInput{Title: "INTERNAL payment provider timeouts"})
	s := c.browser(ctx, t, "alice")
	s.signIn("alice")
	s.phone()
	s.open("/incidents/" + other.Ref + "/comms")
	if v := run(s, chromedp.Evaluate[string](`document.getElementById("pf-title").value`)); v != "" {
		t.Fatalf("the public title starts as %q, want empty", v)
	}
	s.do(chromedp.Click(`//summary[normalize-space()="Publish to status page"]`),
		chromedp.SendKeys(chromedp.ID("pf-title"), "Card payments failing"),
		chromedp.SetValue(chromedp.ID("pf-impact"), "major"),
		chromedp.SendKeys(chromedp.ID("pf-body"), "Some card payments fail. Retrying usually works."),
		chromedp.Click(`input[name=components][value=c-api]`),
	)
	if sw, iw, culprits := s.overflow(); sw > iw {
		t.Errorf("incident page with the publish form: %d px wide in %d: %v", sw, iw, culprits)
	}
	s.shot(dir, "status-panel-form-phone")
	if code := s.submit("Publish"); code != http.StatusOK {
		t.Fatalf("publish: %d", code)
	}
	s.wantText("#statuspage", "Card payments failing")
	s.shot(dir, "status-panel-published-phone")
	b.open("/status")
	b.wantText("main", "Card payments failing")
	if strings.Contains(b.text("body"), "payment provider timeouts") {
		t.Error("the internal title is public")
	}

	// The staff console.
	a := c.browser(ctx, t, "admin")
	a.signIn("admin")
	for _, size := range []string{"phone", "desktop"} {
		if size == "phone" {
			a.phone()
		} else {
			a.desktop()
		}
		a.open("/status/admin")
		a.wantText("#public", "Card payments failing")
		if sw, iw, culprits := a.overflow(); sw > iw {
			t.Errorf("console %s: %d px wide in %d: %v", size, sw, iw, culprits)
		}
		a.shot(dir, "status-admin-"+size)
	}
}
