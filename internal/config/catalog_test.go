package config

import (
	"errors"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/calendar"
)

func TestLoadCatalog(t *testing.T) {
	t.Parallel()
	c, err := LoadCatalog("")
	if err != nil || c.Len() != 61 {
		t.Fatalf("built-in: %v", err)
	}
	dir := t.TempDir()
	good := filepath.Join(dir, "good.yaml")
	os.WriteFile(good, []byte(`obligations:
  - id: contract-acme-breach
    region: GLOBAL
    regulation: "MSA with Acme, §12.3"
    status: contractual
    recipient: Acme
    phases:
      - {name: notification, anchor: determined, deadline: PT24H, deadline_kind: calendar_hours}
`), 0o600)
	c, err = LoadCatalog(good)
	if err != nil || c.Len() != 62 {
		t.Fatalf("merged: %v", err)
	}
	if o, ok := c.Get("contract-acme-breach"); !ok || o.Status != "contractual" {
		t.Fatalf("own obligation: %+v", o)
	}

	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("obligations:\n  - id: x\n    region: US\n    regulation: r\n    recipient: r\n    status: internal\n    phases:\n      - {name: n, anchor: aware, deadline: P1W, deadline_kind: calendar_weeks}\n"), 0o600)
	_, err = LoadCatalog(bad)
	var ps Problems
	if !errors.As(err, &ps) || len(ps) != 1 {
		t.Fatalf("bad: %v", err)
	}
	want := bad + `:8:64: obligations[0].phases[0].deadline_kind: unknown deadline kind "calendar_weeks"; one of calendar_hours, calendar_days, calendar_month, business_days, qualitative`
	if got := ps.Format(bad); got != want {
		t.Fatalf("got\n%s\nwant\n%s", got, want)
	}
	if _, err := LoadCatalog(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("a missing file loads")
	}
}

// The post-mortem due date counts on the team's holiday calendar: recovered
// on the Wednesday before Thanksgiving, five business days skip Thursday
// 26 November on the US calendar.
func TestHolidayCalendarPolicy(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte("holiday_calendar: US\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := f.Policy()
	h, ok := p.Calendar.(*calendar.Holidays)
	if !ok || h.Code() != "US" {
		t.Fatalf("calendar %T", p.Calendar)
	}
	wed := time.Date(2026, 11, 25, 16, 30, 0, 0, time.UTC)
	if got := calendar.AddBusinessDays(p.Calendar, wed, p.PostmortemDays); !got.Equal(time.Date(2026, 12, 3, 16, 30, 0, 0, time.UTC)) {
		t.Fatalf("due %s", got)
	}
	if _, ok := (File{}).Policy().Calendar.(calendar.Weekdays); !ok {
		t.Fatal("the default is Monday to Friday")
	}
	if f, err := Parse([]byte("holiday_calendar: uk\n")); err != nil || f.Policy().Calendar.(*calendar.Holidays).Code() != "GB" {
		t.Fatalf("uk: %v", err)
	}
	_, err = Parse([]byte("holiday_calendar: Mars\n"))
	if err == nil || err.Error()[:60] != `holiday_calendar: unknown holiday calendar "Mars"; one of AR` {
		t.Fatalf("unknown: %v", err)
	}
}
