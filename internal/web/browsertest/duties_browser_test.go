package browsertest

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// TestBrowserNotificationDuties is the acceptance scenario in a real
// browser set to Berlin time: an admin sets a NIS2 essential entity
// profile; alice sets the facts of a declared incident (EU personal data,
// 1,200 people, aware now); the page shows the GDPR 72 h and NIS2 24 h /
// 72 h clocks counting down, red once overdue; recording the NIS2
// notification starts the one-month final-report clock.
func TestBrowserNotificationDuties(t *testing.T) {
	c := newConsole(t)
	ctx := testContext(t)
	inc := c.seed(t, incident.DeclareInput{Title: "Customer records exposed"})
	dir := shots(t)

	admin := c.browser(ctx, t, "admin")
	admin.signIn("admin")
	admin.open("/admin/organization")
	admin.do(
		chromedp.SetValue(chromedp.ID("o-roles"), "controller"),
		chromedp.SetValue(chromedp.ID("o-types"), "essential_entity"),
		chromedp.SetValue(chromedp.ID("o-countries"), "DE"),
		chromedp.SetValue(chromedp.ID("o-cal"), "EU=DE"),
	)
	if status := admin.submit("Save profile"); status != http.StatusOK {
		t.Fatalf("saving the profile answered %d: %s", status, admin.text("#notices"))
	}
	admin.wantText(".notice.ok", "Profile saved")

	b := c.browser(ctx, t, "alice")
	if _, err := chromedp.Call(b.ctx, emulation.SetTimezoneOverride, emulation.SetTimezoneOverrideParams{TimezoneID: "Europe/Berlin"}); err != nil {
		t.Fatal(err)
	}
	b.signIn("alice")
	b.open("/incidents/" + inc.Ref + "/comms")
	berlin, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		t.Fatal(err)
	}
	aware := time.Now().In(berlin).Truncate(time.Minute)
	b.do(
		chromedp.SetValue(chromedp.ID("anchor-aware"), aware.Format("2006-01-02T15:04")),
		chromedp.Click(chromedp.CSS(`#facts-form input[name=personal_data]`)),
		chromedp.SetValue(chromedp.ID("f-people"), "1200"),
		chromedp.SetValue(chromedp.ID("f-jur"), "EU=1200"),
	)
	if status := b.submit("Save facts"); status != http.StatusOK {
		t.Fatalf("saving the facts answered %d: %s", status, b.text("#notices"))
	}
	b.wantText(".notice.ok", "Facts saved")

	type clock struct {
		Text, Due, Class string
		Index            int
	}
	clockOf := func(obligation, phase string) clock {
		t.Helper()
		got := run(b, chromedp.Evaluate[*clock](fmt.Sprintf(`(() => {
			const all = [...document.querySelectorAll("#duties li.duty")];
			const li = document.getElementById(%s);
			if (!li) return null;
			const c = li.querySelector(".countdown");
			return {Text: c ? c.textContent.trim() : li.querySelector(".duty-clock").textContent.trim().replace(/\s+/g, " "),
				Due: c ? c.getAttribute("data-due") : "", Class: li.className, Index: all.indexOf(li)};
		})()`, jsString("duty-"+obligation+"-"+phase))))
		if got == nil {
			t.Fatalf("no duty %s %s: %s", obligation, phase, b.text("#duties"))
		}
		return *got
	}
	// The aware time typed in Berlin is stored as that instant.
	for _, tt := range []struct {
		obligation, phase string
		after             time.Duration
		text              []string
	}{
		{nis2, "early_warning", 24 * time.Hour, []string{"due in 23 h 59 min", "due in 23 h 58 min", "due in 1 d 0 h"}},
		{nis2, "incident_notification", 72 * time.Hour, []string{"due in 2 d 23 h", "due in 3 d 0 h"}},
		{gdpr, "initial_notification", 72 * time.Hour, []string{"due in 2 d 23 h", "due in 3 d 0 h"}},
	} {
		got := clockOf(tt.obligation, tt.phase)
		if want := aware.Add(tt.after).UTC().Format(time.RFC3339); got.Due != want {
			t.Errorf("%s %s due %s, want %s (aware %s in Berlin)", tt.obligation, tt.phase, got.Due, want, aware.Format("15:04"))
		}
		ok := false
		for _, w := range tt.text {
			ok = ok || got.Text == w
		}
		if !ok {
			t.Errorf("%s %s reads %q, want one of %q", tt.obligation, tt.phase, got.Text, tt.text)
		}
	}
	if ew := clockOf(nis2, "early_warning"); ew.Index != 0 {
		t.Errorf("the 24 h early warning is not first (at %d)", ew.Index)
	}
	b.shot(dir, "duties-desktop")

	// The clocks tick in the browser: moved two minutes into the past, one
	// reads overdue within a second, and turns red.
	run(b, chromedp.Evaluate[bool](fmt.Sprintf(`(document.querySelector("#duty-%s-early_warning .countdown").setAttribute("data-due", new Date(Date.now() - 125000).toISOString()), true)`, nis2)))
	time.Sleep(1100 * time.Millisecond)
	ew := clockOf(nis2, "early_warning")
	if ew.Text != "overdue by 2 min" || !strings.Contains(ew.Class, "late") {
		t.Fatalf("a passed deadline reads %q (class %q), want overdue and late", ew.Text, ew.Class)
	}
	color := run(b, chromedp.Evaluate[string](fmt.Sprintf(`getComputedStyle(document.querySelector("#duty-%s-early_warning .countdown")).color`, nis2)))
	if color != "rgb(163, 38, 27)" {
		t.Errorf("an overdue clock is %s, want the error red", color)
	}

	// Recording the NIS2 incident notification starts the final report.
	li := fmt.Sprintf("#duty-%s-incident_notification", nis2)
	b.do(
		chromedp.Click(chromedp.CSS(li+" details:first-of-type summary")),
		chromedp.SetValue(chromedp.CSS(li+" input[name=recipient]"), "BSI"),
		chromedp.SetValue(chromedp.CSS(li+" select[name=channel]"), "regulator_portal"),
		chromedp.SetValue(chromedp.CSS(li+" input[name=reference]"), "BSI-2026-0042"),
	)
	if status := b.submitSel(chromedp.Search(fmt.Sprintf(`//li[@id="duty-%s-incident_notification"]//button[normalize-space()="Record as submitted"]`, nis2))); status != http.StatusOK {
		t.Fatalf("recording answered %d: %s", status, b.text("#notices"))
	}
	b.wantText(".notice.ok", "as submitted")
	if got := clockOf(nis2, "incident_notification"); got.Text != "submitted" {
		t.Fatalf("the notification reads %q", got.Text)
	}
	final := clockOf(nis2, "final_report")
	due, err := time.Parse(time.RFC3339, final.Due)
	if err != nil {
		t.Fatalf("final report has no due time: %+v", final)
	}
	// A month from the submission's day in Germany, to the end of that day
	// there (Reg. 1182/71 Art. 3(2)(c)); the submission was a moment ago.
	monthOn := func(at time.Time) time.Time {
		berlin, _ := time.LoadLocation("Europe/Berlin")
		l := at.In(berlin)
		m := time.Date(l.Year(), l.Month()+1, 1, 12, 0, 0, 0, berlin)
		return time.Date(m.Year(), m.Month(), min(l.Day(), m.AddDate(0, 1, -1).Day()), 23, 59, 59, 0, berlin)
	}
	if now := time.Now(); !due.Equal(monthOn(now)) && !due.Equal(monthOn(now.Add(-2*time.Minute))) {
		t.Fatalf("final report due %s, want the end of the day a month from now in Berlin (%s)", due, monthOn(now).UTC().Format(time.RFC3339))
	}
	if !strings.HasPrefix(final.Text, "due in ") {
		t.Fatalf("final report reads %q", final.Text)
	}
	b.shot(dir, "duties-recorded")
	b.open("/incidents/" + inc.Ref + "/timeline")
	b.wantText("#events", "incident_notification recorded as submitted at")

	// The panel fits a phone.
	b.phone()
	b.open("/incidents/" + inc.Ref + "/comms")
	if scroll, inner, culprits := b.overflow(); scroll > inner {
		t.Errorf("the incident page with duties scrolls sideways on a phone (%d > %d): %v", scroll, inner, culprits)
	}
	b.shot(dir, "duties-phone")
	t.Logf("screenshots in %s", dir)
}
