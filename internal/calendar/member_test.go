package calendar

import (
	"testing"
	"time"
)

// TestNewCalendars checks the calendars added for DORA's noon rule and the
// catalog's other jurisdictions, two years or more each, against the
// law that sets each holiday (named beside each line).
func TestNewCalendars(t *testing.T) {
	t.Parallel()
	tests := []struct {
		code, date string
		holiday    string // "" for a business day; "weekend" for Saturday or Sunday
	}{
		// Finland: Act on the Ecclesiastical Holidays / Act 1988/1111 (Midsummer Eve and Christmas Eve closed).
		{"FI", "2025-06-20", "Juhannusaatto"}, // Friday between 19 and 25 June
		{"FI", "2026-06-19", "Juhannusaatto"},
		{"FI", "2026-06-22", ""},
		{"FI", "2025-05-29", "Helatorstai"}, // Ascension: Easter (20 Apr 2025) + 39
		{"FI", "2026-05-14", "Helatorstai"}, // Easter 5 Apr 2026 + 39
		{"FI", "2025-12-24", "Jouluaatto"},
		{"FI", "2026-12-24", "Jouluaatto"},
		{"FI", "2026-12-07", ""}, // Independence Day 6 Dec 2026 is a Sunday: not moved
		// Luxembourg: Code du travail Art. L.232-2; Europe Day by the Loi du 25 avril 2019.
		{"LU", "2025-06-23", "Nationalfeierdag"},
		{"LU", "2026-06-23", "Nationalfeierdag"},
		{"LU", "2025-05-09", "Europadag"},
		{"LU", "2028-05-09", "Europadag"},
		{"LU", "2018-05-09", ""}, // before the 2019 law
		{"LU", "2026-05-25", "Péngschtméindeg"},
		{"LU", "2025-12-26", "Zweeten Dag vum Chrëschtdag"},
		{"LU", "2026-12-26", "weekend"},
		// Portugal: Código do Trabalho Art. 234 (as restored by Lei 8/2016).
		{"PT", "2025-06-10", "Dia de Portugal"},
		{"PT", "2026-06-10", "Dia de Portugal"},
		{"PT", "2025-06-19", "Corpo de Deus"}, // Easter + 60
		{"PT", "2026-06-04", "Corpo de Deus"},
		{"PT", "2025-12-01", "Restauração da Independência"},
		{"PT", "2026-12-01", "Restauração da Independência"},
		{"PT", "2026-12-02", ""},
		// Estonia: Pühade ja tähtpäevade seadus § 2.
		{"EE", "2025-02-24", "Iseseisvuspäev"},
		{"EE", "2026-02-24", "Iseseisvuspäev"},
		{"EE", "2025-06-23", "Võidupüha"},
		{"EE", "2026-06-24", "Jaanipäev"},
		{"EE", "2026-08-20", "Taasiseseisvumispäev"},
		{"EE", "2025-12-24", "Jõululaupäev"},
		// Cyprus: public holidays of the Republic (Orthodox Easter: 20 Apr 2025, 12 Apr 2026).
		{"CY", "2025-03-03", "Καθαρά Δευτέρα"}, // Orthodox Easter − 48
		{"CY", "2026-02-23", "Καθαρά Δευτέρα"},
		{"CY", "2026-04-10", "Μεγάλη Παρασκευή"},
		{"CY", "2026-04-13", "Δευτέρα του Πάσχα"},
		{"CY", "2026-04-06", ""}, // the Western Easter Monday is a working day
		{"CY", "2025-06-09", "Αγίου Πνεύματος"},
		{"CY", "2026-06-01", "Αγίου Πνεύματος"},
		{"CY", "2025-04-01", "Εθνική Επέτειος"},
		{"CY", "2026-10-01", "Ανεξαρτησία της Κύπρου"},
		// Malta: National Holidays and Other Public Holidays Act (Cap. 252) Art. 2.
		{"MT", "2025-03-31", "Jum il-Ħelsien"},
		{"MT", "2026-03-31", "Jum il-Ħelsien"},
		{"MT", "2026-06-29", "L-Imnarja"},
		{"MT", "2025-09-08", "Jum il-Vitorja"},
		{"MT", "2026-09-21", "Jum l-Indipendenza"},
		{"MT", "2026-02-10", "Nawfraġju ta' San Pawl"},
		{"MT", "2025-06-30", ""}, // L-Imnarja 2025 was a Sunday: not moved
		// Hungary: Munka Törvénykönyve (Act I of 2012) § 102(1).
		{"HU", "2027-03-15", "Nemzeti ünnep"},
		{"HU", "2025-10-23", "Nemzeti ünnep"},
		{"HU", "2026-10-23", "Nemzeti ünnep"},
		{"HU", "2025-08-20", "Az államalapítás ünnepe"},
		{"HU", "2026-08-20", "Az államalapítás ünnepe"},
		{"HU", "2025-06-09", "Pünkösdhétfő"},
		{"HU", "2026-05-25", "Pünkösdhétfő"},
		// Iceland: Act on Holidays No. 88/1971 and Labour Act.
		{"IS", "2025-04-24", "Sumardagurinn fyrsti"}, // first Thursday after 18 April
		{"IS", "2026-04-23", "Sumardagurinn fyrsti"},
		{"IS", "2025-08-04", "Frídagur verslunarmanna"}, // first Monday of August
		{"IS", "2026-08-03", "Frídagur verslunarmanna"},
		{"IS", "2025-06-17", "Þjóðhátíðardagurinn"},
		{"IS", "2026-06-17", "Þjóðhátíðardagurinn"},
		// Liechtenstein: Arbeitsgesetz Art. 18 Abs. 2.
		{"LI", "2027-02-02", "Mariä Lichtmess"},
		{"LI", "2026-02-02", "Mariä Lichtmess"},
		{"LI", "2025-03-19", "Josefstag"},
		{"LI", "2026-03-19", "Josefstag"},
		{"LI", "2025-08-15", "Staatsfeiertag"},
		{"LI", "2025-09-08", "Mariä Geburt"},
		{"LI", "2026-09-08", "Mariä Geburt"},
		{"LI", "2026-06-04", "Fronleichnam"},
		{"LI", "2026-08-17", ""},
		// Singapore: Holidays Act, Schedule and s 4(2) (a Sunday holiday is kept on Monday).
		{"SG", "2026-08-10", "National Day"}, // 9 August 2026 is a Sunday
		{"SG", "2027-08-09", "National Day"},
		{"SG", "2025-08-11", ""}, // 9 August 2025 was a Saturday: no substitute
		{"SG", "2022-05-02", "Labour Day"},
		{"SG", "2026-04-03", "Good Friday"},
		{"SG", "2025-12-25", "Christmas Day"},
		// India: the three national holidays.
		{"IN", "2026-01-26", "Republic Day"},
		{"IN", "2027-01-26", "Republic Day"},
		{"IN", "2025-08-15", "Independence Day"},
		{"IN", "2025-10-02", "Gandhi Jayanti"},
		{"IN", "2026-10-02", "Gandhi Jayanti"},
		// China: 全国年节及纪念日放假办法 Art. 2 (2 May from 2025).
		{"CN", "2025-05-02", "劳动节"},
		{"CN", "2026-05-01", "劳动节"},
		{"CN", "2025-10-03", "国庆节"},
		{"CN", "2026-10-01", "国庆节"},
		{"CN", "2027-01-01", "元旦"},
	}
	for _, tt := range tests {
		t.Run(tt.code+" "+tt.date, func(t *testing.T) {
			t.Parallel()
			h, err := ByCode(tt.code)
			if err != nil {
				t.Fatal(err)
			}
			d := time.Date(day(t, tt.date).Year(), day(t, tt.date).Month(), day(t, tt.date).Day(), 12, 0, 0, 0, h.Location())
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

// TestEveryMemberStateResolves: DORA's noon rule and the EU periods need
// the calendar and the time zone of every EU and EEA member state.
func TestEveryMemberStateResolves(t *testing.T) {
	t.Parallel()
	for _, c := range []string{"AT", "BE", "BG", "HR", "CY", "CZ", "DK", "EE", "FI", "FR", "DE", "GR", "HU", "IE", "IT",
		"LV", "LT", "LU", "MT", "NL", "PL", "PT", "RO", "SK", "SI", "ES", "SE", "IS", "LI", "NO"} {
		h, ok := Lookup(c)
		if !ok {
			t.Errorf("%s: no holiday calendar", c)
			continue
		}
		if z, ok := Zone(c); !ok || z != h.Location() || z.String() == "UTC" {
			t.Errorf("%s: zone %v", c, z)
		}
	}
}

func TestZone(t *testing.T) {
	t.Parallel()
	for region, want := range map[string]string{
		"US": "America/New_York", "US-TX": "America/Chicago", "us-ca": "America/Los_Angeles", "US-CO": "America/Denver",
		"FI": "Europe/Helsinki", "LU": "Europe/Luxembourg", "AU-WA": "Australia/Perth", "AU": "Australia/Sydney",
		"DE-BY": "Europe/Berlin", "CH-ZH": "Europe/Zurich", "SG": "Asia/Singapore", "IN": "Asia/Kolkata", "CN": "Asia/Shanghai",
		"GB": "Europe/London", "UK": "Europe/London",
	} {
		if z, ok := Zone(region); !ok || z.String() != want {
			t.Errorf("Zone(%s) = %v, %v; want %s", region, z, ok, want)
		}
	}
	for _, region := range []string{"EU", "EEA", "GLOBAL", "US-XX", "KR"} {
		if z, ok := Zone(region); ok {
			t.Errorf("Zone(%s) = %v; want none", region, z)
		}
	}
}
