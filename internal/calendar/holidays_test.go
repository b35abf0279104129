package calendar

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func day(t *testing.T, s string) time.Time {
	t.Helper()
	v, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

// TestHolidays checks the holidays the obligation tests and the post-mortem
// clock rely on, and an ordinary day next to each.
func TestHolidays(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, date string
		holiday    string // "" for a business day; "weekend" for Saturday or Sunday
	}{
		{"US", "2026-11-26", "Thanksgiving Day"},
		{"US", "2026-11-25", ""},
		{"US", "2026-11-27", ""}, // the day after Thanksgiving is not a federal holiday
		{"US", "2026-12-25", "Christmas Day"},
		{"US", "2027-12-24", "Christmas Day"},  // 25 Dec 2027 is a Saturday: observed Friday
		{"US", "2027-12-31", "New Year's Day"}, // 1 Jan 2028 is a Saturday: observed the year before
		{"US", "2026-07-03", "Independence Day"},
		{"US", "2026-06-19", "Juneteenth"},
		{"US", "2026-11-28", "weekend"},
		{"GB", "2026-12-25", "Christmas Day"},
		{"GB", "2026-12-28", "Boxing Day"}, // 26 Dec 2026 is a Saturday
		{"GB", "2026-08-31", "Summer Bank Holiday"},
		{"UK", "2026-04-06", "Easter Monday"},
		{"DE", "2026-10-03", "weekend"},
		{"DE", "2027-10-04", ""}, // no substitute days in Germany
		{"DE", "2026-12-24", ""},
		{"DE", "2026-12-25", "Weihnachtstag"},
		{"DE", "2026-12-26", "weekend"},
		{"DE-BY", "2026-01-06", "Heilige Drei Könige"},
		{"DE", "2026-01-06", ""},
		{"FR", "2026-07-14", "Fête Nationale"},
		{"FR", "2026-05-14", "Ascension"},
		{"BR", "2026-04-21", "Tiradentes"},
		{"BR", "2026-11-20", "Dia Nacional de Zumbi e da Consciência Negra"},
		{"BR", "2023-11-20", ""}, // before Lei 14.759/2023
		{"BR", "2026-09-07", "Independência do Brasil"},
		{"JP", "2026-05-05", "Children's Day"},
		{"AU", "2026-01-26", "Australia Day"},
		{"AU-VIC", "2026-11-03", "Melbourne Cup"},
		{"CA", "2026-07-01", "Canada Day"},
		{"CH", "2026-08-01", "weekend"},
		{"CH", "2027-08-02", ""},
		{"CH", "2026-05-14", "Auffahrt"},
		{"ZA", "2026-09-24", "Heritage Day"},
		{"ECB", "2026-05-01", "Labour Day"},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.date, func(t *testing.T) {
			t.Parallel()
			h, err := ByCode(tt.code)
			if err != nil {
				t.Fatal(err)
			}
			d := day(t, tt.date)
			name, ok := h.Holiday(d)
			switch tt.holiday {
			case "":
				if !h.IsBusinessDay(d) {
					t.Fatalf("%s %s: not a business day (holiday %q)", tt.code, tt.date, name)
				}
			case "weekend":
				if h.IsBusinessDay(d) || d.Weekday() != time.Saturday && d.Weekday() != time.Sunday {
					t.Fatalf("%s %s: want a weekend day", tt.code, tt.date)
				}
			default:
				if !ok || name != tt.holiday || h.IsBusinessDay(d) {
					t.Fatalf("%s %s: Holiday = %q, %v; business day %v; want %q", tt.code, tt.date, name, ok, h.IsBusinessDay(d), tt.holiday)
				}
			}
		})
	}
}

func TestAddBusinessDaysOnHolidays(t *testing.T) {
	t.Parallel()
	us, _ := Lookup("US")
	br, _ := Lookup("BR")
	tests := []struct {
		name string
		cal  Calendar
		from string
		n    int
		want string
	}{
		{"Wednesday before Thanksgiving plus five skips Thursday", us, "2026-11-25T16:30:00Z", 5, "2026-12-03T16:30:00Z"},
		{"Weekdays alone count Thursday", Weekdays{}, "2026-11-25T16:30:00Z", 5, "2026-12-02T16:30:00Z"},
		{"Brazil across Tiradentes", br, "2026-04-20T10:00:00Z", 3, "2026-04-24T10:00:00Z"},
		{"Christmas week in the US", us, "2026-12-24T09:00:00Z", 1, "2026-12-28T09:00:00Z"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			from, _ := time.Parse(time.RFC3339, tt.from)
			want, _ := time.Parse(time.RFC3339, tt.want)
			if got := AddBusinessDays(tt.cal, from, tt.n); !got.Equal(want) {
				t.Fatalf("got %s, want %s", got.Format(time.RFC3339), tt.want)
			}
		})
	}
}

func TestLookup(t *testing.T) {
	t.Parallel()
	for _, code := range []string{"US", "GB", "DE", "FR", "BR", "JP", "AU", "CA", "CH", "ZA", "uk", " de-by "} {
		if _, ok := Lookup(code); !ok {
			t.Errorf("Lookup(%q): missing", code)
		}
	}
	for _, code := range Partial() {
		if h, ok := Lookup(code); !ok || !strings.Contains(h.Name(), "not ") {
			t.Errorf("Lookup(%q): a partial calendar must say what it lacks", code)
		}
	}
	_, err := ByCode("XX")
	if err == nil || err.Error()[:36] != `unknown holiday calendar "XX"; one o` {
		t.Fatalf("ByCode(XX) = %v", err)
	}
	if !slices.Contains(Codes(), "DE-BY") || slices.Contains(Countries(), "DE-BY") {
		t.Fatal("Codes and Countries disagree on subdivisions")
	}
	us, _ := Lookup("US")
	if us.Location().String() != "America/New_York" || us.Code() != "US" || us.Name() == "" {
		t.Fatalf("US: %s %s %s", us.Code(), us.Name(), us.Location())
	}
}

func TestNextBusinessDay(t *testing.T) {
	t.Parallel()
	us, _ := Lookup("US")
	sat, _ := time.Parse(time.RFC3339, "2026-11-28T10:00:00Z")
	if got := NextBusinessDay(us, sat); got.Format(time.DateOnly) != "2026-11-30" {
		t.Fatalf("NextBusinessDay(Saturday) = %s", got)
	}
	thu, _ := time.Parse(time.RFC3339, "2026-11-26T10:00:00Z")
	if got := NextBusinessDay(us, thu); got.Format(time.DateOnly) != "2026-11-27" {
		t.Fatalf("NextBusinessDay(Thanksgiving) = %s", got)
	}
	if got := NextBusinessDay(us, sat.AddDate(0, 0, 2)); !got.Equal(sat.AddDate(0, 0, 2)) {
		t.Fatalf("NextBusinessDay(Monday) = %s", got)
	}
}
