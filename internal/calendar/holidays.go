package calendar

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"
	"time"
	_ "time/tzdata" // calendars name their zones; a server may have no zone database

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/ar"
	"github.com/rickar/cal/v2/at"
	"github.com/rickar/cal/v2/au"
	"github.com/rickar/cal/v2/be"
	"github.com/rickar/cal/v2/bg"
	"github.com/rickar/cal/v2/br"
	"github.com/rickar/cal/v2/ca"
	"github.com/rickar/cal/v2/ch"
	"github.com/rickar/cal/v2/cy"
	"github.com/rickar/cal/v2/cz"
	"github.com/rickar/cal/v2/de"
	"github.com/rickar/cal/v2/dk"
	"github.com/rickar/cal/v2/ecb"
	"github.com/rickar/cal/v2/ee"
	"github.com/rickar/cal/v2/es"
	"github.com/rickar/cal/v2/fi"
	"github.com/rickar/cal/v2/fr"
	"github.com/rickar/cal/v2/gb"
	"github.com/rickar/cal/v2/gr"
	"github.com/rickar/cal/v2/hr"
	"github.com/rickar/cal/v2/hu"
	"github.com/rickar/cal/v2/ie"
	"github.com/rickar/cal/v2/is"
	"github.com/rickar/cal/v2/it"
	"github.com/rickar/cal/v2/jp"
	"github.com/rickar/cal/v2/lt"
	"github.com/rickar/cal/v2/lu"
	"github.com/rickar/cal/v2/lv"
	"github.com/rickar/cal/v2/mt"
	"github.com/rickar/cal/v2/mw"
	"github.com/rickar/cal/v2/nc"
	"github.com/rickar/cal/v2/nl"
	"github.com/rickar/cal/v2/no"
	"github.com/rickar/cal/v2/nz"
	"github.com/rickar/cal/v2/pl"
	"github.com/rickar/cal/v2/pt"
	"github.com/rickar/cal/v2/ro"
	"github.com/rickar/cal/v2/ru"
	"github.com/rickar/cal/v2/se"
	"github.com/rickar/cal/v2/si"
	"github.com/rickar/cal/v2/sk"
	"github.com/rickar/cal/v2/ua"
	"github.com/rickar/cal/v2/us"
	"github.com/rickar/cal/v2/za"
)

// Holidays is a jurisdiction's business calendar: Monday to Friday less its
// public (and bank) holidays on the days they are observed. Definitions
// come from github.com/rickar/cal/v2. A Holidays is immutable and safe for
// concurrent use.
type Holidays struct {
	code, name string
	loc        *time.Location
	days       []*cal.Holiday
}

// Code is the calendar's code, such as "US" or "DE-BY".
func (h *Holidays) Code() string { return h.code }

// Name describes the calendar ("US federal holidays").
func (h *Holidays) Name() string { return h.name }

// Location is the jurisdiction's time zone, where its days begin and end.
func (h *Holidays) Location() *time.Location { return h.loc }

// IsBusinessDay reports whether t's date, in t's location, is Monday to
// Friday and not a holiday observed on that date. Callers that count in
// the jurisdiction's own days pass t.In(h.Location()).
func (h *Holidays) IsBusinessDay(t time.Time) bool {
	if wd := t.Weekday(); wd == time.Saturday || wd == time.Sunday {
		return false
	}
	_, ok := h.Holiday(t)
	return !ok
}

// Holiday names the holiday observed on t's date (in t's location), if any.
// A holiday moved off a weekend counts on the day it is observed.
func (h *Holidays) Holiday(t time.Time) (string, bool) {
	y, m, d := t.Date()
	for _, hol := range h.days {
		// The observed day of a holiday may fall in the year before or
		// after its own (New Year's Day on a Saturday, observed on Friday
		// 31 December).
		for yy := y - 1; yy <= y+1; yy++ {
			_, obs := hol.Calc(yy)
			if obs.IsZero() {
				continue
			}
			if oy, om, od := obs.Date(); oy == y && om == m && od == d {
				return hol.Name, true
			}
		}
	}
	return "", false
}

// Lookup returns the holiday calendar of a code: an ISO 3166 country
// ("US", "GB", "DE"), some subdivisions ("DE-BY", "AU-NSW", "CH-ZH"), or
// "ECB" (TARGET2 closing days). "UK" is "GB" (England and Wales). Codes are
// matched without regard to case.
func Lookup(code string) (*Holidays, bool) {
	registryOnce.Do(buildRegistry)
	code = strings.ToUpper(strings.TrimSpace(code))
	if code == "UK" {
		code = "GB"
	}
	h, ok := registry[code]
	return h, ok
}

// ByCode is Lookup with an error naming the known codes.
func ByCode(code string) (*Holidays, error) {
	if h, ok := Lookup(code); ok {
		return h, nil
	}
	return nil, fmt.Errorf("unknown holiday calendar %q; one of %s", code, strings.Join(Countries(), ", "))
}

// Codes lists every calendar code, sorted.
func Codes() []string {
	registryOnce.Do(buildRegistry)
	return slices.Sorted(maps.Keys(registry))
}

// Countries lists the codes without subdivisions, sorted.
func Countries() []string {
	var out []string
	for _, c := range Codes() {
		if !strings.Contains(c, "-") {
			out = append(out, c)
		}
	}
	return out
}

// Partial names the calendars that hold only the holidays a rule can
// compute: the lunar, Islamic and Hindu holidays gazetted year by year
// (and, in China, the weekend days swapped for working days) are missing,
// so business days there may count a holiday as a working day — a
// deadline comes earlier, never later.
func Partial() []string { return []string{"CN", "IN", "SG"} }

// NextBusinessDay returns t if its day is a business day, else the same
// clock time on the first business day after it.
func NextBusinessDay(c Calendar, t time.Time) time.Time {
	for i := 0; i < 366 && !c.IsBusinessDay(t); i++ {
		t = t.AddDate(0, 0, 1)
	}
	return t
}

var (
	registryOnce sync.Once
	registry     map[string]*Holidays
)

// consciencia is Brazil's Dia Nacional de Zumbi e da Consciência Negra,
// 20 November, a national holiday since 2024 (Lei 14.759/2023); rickar/cal
// v2.1.32 has it without its first year, so it stands in for theirs.
var consciencia = &cal.Holiday{Name: "Dia Nacional de Zumbi e da Consciência Negra", Type: cal.ObservancePublic,
	Month: time.November, Day: 20, StartYear: 2024, Func: cal.CalcDayOfMonth}

func buildRegistry() {
	registry = map[string]*Holidays{}
	add := func(code, name, zone string, days []*cal.Holiday) {
		loc, err := time.LoadLocation(zone)
		if err != nil {
			panic(fmt.Sprintf("calendar %s: %v", code, err)) // time/tzdata is linked in
		}
		registry[code] = &Holidays{code: code, name: name, loc: loc, days: days}
	}
	add("AR", "Argentina public holidays", "America/Argentina/Buenos_Aires", ar.Holidays)
	add("AT", "Austria public holidays", "Europe/Vienna", at.Holidays)
	add("AU", "Australia: holidays of every state", "Australia/Sydney",
		[]*cal.Holiday{au.NewYear, au.AustraliaDay, au.GoodFriday, au.EasterMonday, au.AnzacDay, au.ChristmasDay, au.BoxingDay})
	for _, s := range []struct {
		code, zone string
		days       []*cal.Holiday
	}{
		{"ACT", "Australia/Sydney", au.HolidaysACT}, {"NSW", "Australia/Sydney", au.HolidaysNSW},
		{"NT", "Australia/Darwin", au.HolidaysNT}, {"QLD", "Australia/Brisbane", au.HolidaysQLD},
		{"SA", "Australia/Adelaide", au.HolidaysSA}, {"TAS", "Australia/Hobart", au.HolidaysTAS},
		{"VIC", "Australia/Melbourne", au.HolidaysVIC}, {"WA", "Australia/Perth", au.HolidaysWA},
	} {
		add("AU-"+s.code, "Australia ("+s.code+") public holidays", s.zone, s.days)
	}
	add("BE", "Belgium public holidays", "Europe/Brussels", be.Holidays)
	add("BG", "Bulgaria public holidays", "Europe/Sofia", bg.Holidays)
	add("BR", "Brazil national holidays", "America/Sao_Paulo", append(slices.DeleteFunc(slices.Clone(br.Holidays),
		func(h *cal.Holiday) bool { return h == br.ConscienciaNegra }), consciencia))
	add("CA", "Canada federal holidays", "America/Toronto", ca.Holidays)
	// rickar's ch.Holidays is every canton's holidays together; "CH" is
	// the ones nearly every canton keeps.
	add("CH", "Switzerland: holidays of nearly every canton", "Europe/Zurich",
		[]*cal.Holiday{ch.Neujahr, ch.Karfreitag, ch.Ostermontag, ch.Auffahrt, ch.Pfingstmontag, ch.Bundesfeiertag,
			ch.Weihnachtstag, ch.ZweiterWeihnachtsfeiertag})
	for code, days := range map[string][]*cal.Holiday{
		"ZH": ch.HolidaysZH, "BE": ch.HolidaysBE, "LU": ch.HolidaysLU, "UR": ch.HolidaysUR, "SZ": ch.HolidaysSZ,
		"OW": ch.HolidaysOW, "NW": ch.HolidaysNW, "GL": ch.HolidaysGL, "ZG": ch.HolidaysZG, "FR": ch.HolidaysFR,
		"SO": ch.HolidaysSO, "BS": ch.HolidaysBS, "BL": ch.HolidaysBL, "SH": ch.HolidaysSH, "AR": ch.HolidaysAR,
		"AI": ch.HolidaysAI, "SG": ch.HolidaysSG, "GR": ch.HolidaysGR, "AG": ch.HolidaysAG, "TG": ch.HolidaysTG,
		"VD": ch.HolidaysVD, "TI": ch.HolidaysTI, "VS": ch.HolidaysVS, "NE": ch.HolidaysNE, "GE": ch.HolidaysGE,
		"JU": ch.HolidaysJU,
	} {
		add("CH-"+code, "Switzerland ("+code+") public holidays", "Europe/Zurich", days)
	}
	add("CN", "China: public holidays of fixed dates (not the lunar ones, nor swapped weekend days)", "Asia/Shanghai", cnHolidays)
	add("CY", "Cyprus public holidays", "Asia/Nicosia", cy.Holidays)
	add("CZ", "Czechia public holidays", "Europe/Prague", cz.Holidays)
	add("DE", "Germany national holidays", "Europe/Berlin", de.Holidays)
	for code, days := range map[string][]*cal.Holiday{
		"BW": de.HolidaysBW, "BY": de.HolidaysBY, "BE": de.HolidaysBE, "BB": de.HolidaysBB, "HB": de.HolidaysHB,
		"HH": de.HolidaysHH, "HE": de.HolidaysHE, "MV": de.HolidaysMV, "NI": de.HolidaysNI, "NW": de.HolidaysNW,
		"RP": de.HolidaysRP, "SL": de.HolidaysSL, "SN": de.HolidaysSN, "ST": de.HolidaysST, "SH": de.HolidaysSH,
		"TH": de.HolidaysTH,
	} {
		add("DE-"+code, "Germany ("+code+") public holidays", "Europe/Berlin", days)
	}
	add("DK", "Denmark public holidays", "Europe/Copenhagen", dk.Holidays)
	add("ECB", "TARGET2 closing days (ECB)", "Europe/Berlin", ecb.Holidays)
	add("EE", "Estonia public holidays", "Europe/Tallinn", ee.Holidays)
	add("ES", "Spain national holidays", "Europe/Madrid", es.Holidays)
	add("FI", "Finland public holidays", "Europe/Helsinki", fi.Holidays)
	add("FR", "France public holidays", "Europe/Paris", fr.Holidays)
	add("GB", "England and Wales bank holidays", "Europe/London", gb.Holidays)
	add("GR", "Greece public holidays", "Europe/Athens", gr.Holidays)
	add("HR", "Croatia public holidays", "Europe/Zagreb", hr.Holidays)
	add("HU", "Hungary public holidays", "Europe/Budapest", hu.Holidays)
	add("IE", "Ireland public holidays", "Europe/Dublin", ie.Holidays)
	add("IN", "India: the national holidays (not the other gazetted ones)", "Asia/Kolkata", inHolidays)
	add("IS", "Iceland public holidays", "Atlantic/Reykjavik", is.Holidays)
	add("IT", "Italy public holidays", "Europe/Rome", it.Holidays)
	add("JP", "Japan national holidays", "Asia/Tokyo", jp.Holidays)
	add("LI", "Liechtenstein public holidays", "Europe/Vaduz", liHolidays)
	add("LT", "Lithuania public holidays", "Europe/Vilnius", lt.Holidays)
	add("LU", "Luxembourg public holidays", "Europe/Luxembourg", append(slices.Clone(lu.Holidays), luEuropeDay))
	add("LV", "Latvia public holidays", "Europe/Riga", lv.Holidays)
	add("MT", "Malta public holidays", "Europe/Malta", mt.Holidays)
	add("MW", "Malawi public holidays", "Africa/Blantyre", mw.Holidays)
	add("NC", "New Caledonia public holidays", "Pacific/Noumea", nc.Holidays)
	add("NL", "Netherlands public holidays", "Europe/Amsterdam", nl.Holidays)
	add("NO", "Norway public holidays", "Europe/Oslo", no.Holidays)
	add("NZ", "New Zealand public holidays", "Pacific/Auckland", nz.Holidays)
	add("PL", "Poland public holidays", "Europe/Warsaw", pl.Holidays)
	add("PT", "Portugal public holidays", "Europe/Lisbon", pt.Holidays)
	add("RO", "Romania public holidays", "Europe/Bucharest", ro.Holidays)
	add("RU", "Russia public holidays", "Europe/Moscow", ru.Holidays)
	add("SE", "Sweden public holidays", "Europe/Stockholm", se.Holidays)
	add("SG", "Singapore: public holidays of fixed dates and Good Friday (not the gazetted lunar, Islamic and Hindu ones)", "Asia/Singapore", sgHolidays)
	add("SI", "Slovenia public holidays", "Europe/Ljubljana", si.Holidays)
	add("SK", "Slovakia public holidays", "Europe/Bratislava", sk.Holidays)
	add("UA", "Ukraine public holidays", "Europe/Kyiv", ua.Holidays)
	add("US", "US federal holidays", "America/New_York", us.Holidays)
	add("ZA", "South Africa public holidays", "Africa/Johannesburg", za.Holidays)
}
