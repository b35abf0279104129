package web_test

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// clockOf finds the countdown rendered for one duty.
func clockOf(t *testing.T, page, obligation, phase string) string {
	t.Helper()
	re := regexp.MustCompile(`(?s)id="duty-` + regexp.QuoteMeta(obligation+"-"+phase) + `".*?<div class="duty-clock">\s*(.*?)</div>`)
	m := re.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no duty %s %s on the page", obligation, phase)
	}
	return strings.Join(strings.Fields(regexp.MustCompile(`<[^>]+>`).ReplaceAllString(m[1], " ")), " ")
}

const (
	nis2 = "eu-nis2-art23-significant-incident"
	gdpr = "eu-gdpr-art33-supervisory-authority"
)

func TestDutiesPanelWithoutScript(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	s := newSiteAt(t, clock.Now)
	ctx := context.Background()
	if _, err := s.app.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "ada", Role: auth.Admin}); err != nil {
		t.Fatal(err)
	}
	s.app.Services.Auth.SetPassword(ctx, "ada", "correct horse battery")
	admin, alice, vera := s.signIn(t, "ada"), s.signIn(t, "alice"), s.signIn(t, "vera")

	// The profile page is for admins; a bad country is named and the form kept.
	if r := s.get(t, alice, "/admin/organization"); r.status != http.StatusForbidden {
		t.Fatalf("responder on the profile page: %d", r.status)
	}
	org := url.Values{"roles": {"controller"}, "entity_types": {"essential_entity"}, "countries": {"Germany"}, "calendars": {"EU=DE"},
		"half_time": {"yes"}, "before": {"24h, 4h, 1h"}, "overdue": {"yes"}}
	r := s.post(t, admin, "/admin/organization", org)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `countries[0]: &#34;Germany&#34; is not a country`) || !strings.Contains(r.body, `value="essential_entity"`) {
		t.Fatalf("bad profile: %d\n%s", r.status, r.body)
	}
	org.Set("countries", "DE")
	if r := s.post(t, admin, "/admin/organization", org); r.status != http.StatusSeeOther {
		t.Fatalf("profile: %d %s", r.status, r.body)
	}
	if r := s.get(t, admin, "/admin/organization"); !strings.Contains(r.body, `value="DE"`) || !strings.Contains(r.body, "EU=DE") {
		t.Fatalf("profile page: %s", r.body)
	}

	inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Customer records exposed", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	base := "/incidents/" + inc.Ref
	page := s.get(t, alice, base+"/comms").body
	if !strings.Contains(page, "Notification duties") || !strings.Contains(page, `name="anchor_aware"`) {
		t.Fatalf("the panel with the facts form: %s", page)
	}

	// Bad facts: named, nothing stored, what was typed kept.
	facts := url.Values{"facts_version": {"0"}, "anchor_names": {"aware", "discovered"}, "anchor_aware": {"2026-11-27T08:10"},
		"personal_data": {"yes"}, "individuals": {"-5"}, "by_jurisdiction": {"EU=1200"}}
	r = s.post(t, alice, base+"/facts", facts)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "affected_individuals: must be 0 or more, not -5") ||
		!strings.Contains(r.body, `value="2026-11-27T08:10"`) {
		t.Fatalf("negative count: %d\n%s", r.status, r.body)
	}
	forged := url.Values{"anchor_names": {"aware"}, "other_anchor": {"foo"}, "other_value": {"2026-11-27T08:00"}}
	if r := s.post(t, alice, base+"/facts", forged); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "anchors.foo: unknown anchor") {
		t.Fatalf("unknown anchor: %d", r.status)
	}
	if r := s.post(t, alice, base+"/facts", url.Values{"anchor_names": {"aware"}, "anchor_aware": {"yesterday"}}); r.status != http.StatusUnprocessableEntity ||
		!strings.Contains(r.body, "is not a date and time such as") {
		t.Fatalf("a time that is not one: %d", r.status)
	}
	if st, _ := s.app.Services.Duties.Facts(ctx, incident.Viewer{User: "alice"}, inc.Ref); st.PersonalData {
		t.Fatal("refused facts were stored")
	}

	// Aware at 08:10 UTC (no script: the form's times are UTC): the clocks
	// are rendered, earliest first.
	facts.Set("individuals", "1,200")
	if r := s.post(t, alice, base+"/facts", facts); r.status != http.StatusSeeOther || !strings.HasSuffix(r.location, "#duties") {
		t.Fatalf("facts: %d %s\n%s", r.status, r.location, r.body)
	}
	page = s.get(t, alice, base+"/comms").body
	for _, tt := range []struct{ obligation, phase, want string }{
		{nis2, "early_warning", "due in 23 h 10 min"},
		{nis2, "incident_notification", "due in 2 d 23 h"},
		{gdpr, "initial_notification", "due in 2 d 23 h"},
	} {
		if got := clockOf(t, page, tt.obligation, tt.phase); !strings.HasPrefix(got, tt.want) {
			t.Errorf("%s %s: clock %q, want %q", tt.obligation, tt.phase, got, tt.want)
		}
	}
	if strings.Index(page, `id="duty-`+nis2+`-early_warning"`) > strings.Index(page, `id="duty-`+gdpr+`-initial_notification"`) {
		t.Error("the 24 h duty is not listed first")
	}
	if !strings.Contains(page, `data-due="2026-11-28T08:10:00Z"`) || !strings.Contains(page, `data-utc="2026-11-27T08:10:00Z"`) {
		t.Error("the script's hooks (data-due, data-utc) are missing")
	}

	// Every section's header shows the nearest legal deadline: the 24 h
	// early warning.
	tl := s.get(t, alice, base+"/timeline").body
	if i := strings.Index(tl, `class="clock clock-legal`); i < 0 || !strings.Contains(tl[i:], `data-due="2026-11-28T08:10:00Z">due in 23 h 10 min</span> <span class="hint">`+nis2+` early_warning`) {
		t.Errorf("the header's nearest deadline is not the early warning: %.400s", tl[max(i, 0):])
	}

	// A viewer sees the clocks, not the forms.
	vpage := s.get(t, vera, base+"/comms").body
	if !strings.Contains(vpage, "due in 23 h 10 min") || strings.Contains(vpage, "Record as submitted") || strings.Contains(vpage, `name="anchor_aware"`) {
		t.Fatal("the viewer's panel")
	}
	if r := s.post(t, vera, base+"/duties/waive", url.Values{"obligation": {gdpr}, "phase": {"initial_notification"}, "reason": {"x"}}); r.status != http.StatusForbidden {
		t.Fatalf("viewer waives: %d", r.status)
	}

	// A waiver needs a reason.
	w := url.Values{"obligation": {gdpr}, "phase": {"initial_notification"}, "reason": {"  "}}
	if r := s.post(t, alice, base+"/duties/waive", w); r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "a waiver needs a reason") {
		t.Fatalf("waiver without a reason: %d", r.status)
	}
	w.Set("reason", "unlikely to result in a risk: the data was encrypted")
	if r := s.post(t, alice, base+"/duties/waive", w); r.status != http.StatusSeeOther {
		t.Fatalf("waive: %d %s", r.status, r.body)
	}

	// Recording the NIS2 notification starts the one-month final report.
	sub := url.Values{"obligation": {nis2}, "phase": {"incident_notification"}, "recipient": {"BSI"}, "channel": {"regulator_portal"}, "reference": {"BSI-2026-0042"}}
	if r := s.post(t, alice, base+"/duties/submit", sub); r.status != http.StatusSeeOther {
		t.Fatalf("submit: %d %s", r.status, r.body)
	}
	page = s.get(t, alice, base+"/comms").body
	// A month from 27 November ends with 27 December in Germany: 22:59:59 UTC.
	if got := clockOf(t, page, nis2, "final_report"); !strings.HasPrefix(got, "due in 30 d 13 h") {
		t.Fatalf("final report: %q", got)
	}
	if got := clockOf(t, page, gdpr, "initial_notification"); got != "waived" {
		t.Fatalf("GDPR: %q", got)
	}
	if !strings.Contains(s.get(t, alice, base+"/timeline").body, "incident_notification recorded as submitted at 2026-11-27T09:00:00Z to BSI by regulator portal, reference BSI-2026-0042") {
		t.Fatal("the submission is not on the timeline")
	}

	// A day later the early warning is overdue, and red.
	clock.Advance(25 * time.Hour)
	alice = s.signIn(t, "alice") // the session lapsed overnight
	page = s.get(t, alice, base+"/comms").body
	if got := clockOf(t, page, nis2, "early_warning"); !strings.HasPrefix(got, "overdue by 1 h 50 min") {
		t.Fatalf("overdue: %q", got)
	}
	if !regexp.MustCompile(`class="duty dty-overdue late[^"]*" id="duty-` + nis2 + `-early_warning"`).MatchString(page) {
		t.Fatal("the overdue duty is not marked late")
	}
}

// Issue #11: a duty that may apply says what settles it, a duty not yet
// in force says so, and an anchor long before the incident was detected
// is refused until the form confirms it.
func TestDutiesPanelPossibleAndConfirmedAnchors(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	s := newSiteAt(t, clock.Now)
	ctx := context.Background()
	alice := s.signIn(t, "alice")
	inc, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Records exposed", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	base := "/incidents/" + inc.Ref
	facts := url.Values{"facts_version": {"0"}, "anchor_names": {"aware"}, "anchor_aware": {"2025-11-27T08:10"}, "personal_data": {"yes"}}
	r := s.post(t, alice, base+"/facts", facts)
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, "before the incident was detected") || !strings.Contains(r.body, `name="confirm_early_anchors"`) {
		t.Fatalf("an anchor a year early: %d\n%s", r.status, r.body)
	}
	facts.Set("confirm_early_anchors", "yes")
	if r := s.post(t, alice, base+"/facts", facts); r.status != http.StatusSeeOther {
		t.Fatalf("confirmed: %d %s", r.status, r.body)
	}
	page := s.get(t, alice, base+"/comms").body
	re := regexp.MustCompile(`(?s)id="duty-` + gdpr + `-initial_notification".*?</li>`)
	duty := re.FindString(page)
	if !strings.Contains(duty, "may apply") || !strings.Contains(duty, "To settle it: Are any affected people resident in the EEA (EEA)?") {
		t.Fatalf("GDPR without a residence breakdown: %s", duty)
	}
	if got := clockOf(t, page, gdpr, "initial_notification"); !strings.HasPrefix(got, "overdue by") {
		t.Fatalf("GDPR clock: %q", got)
	}
}
