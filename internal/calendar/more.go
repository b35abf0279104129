package calendar

import (
	"time"

	"github.com/rickar/cal/v2"
	"github.com/rickar/cal/v2/aa"
)

// Holiday definitions rickar/cal v2.1.32 lacks, written in its style so
// they can be contributed upstream. Each names its source. Where a
// jurisdiction also keeps holidays no rule can compute (lunar, Islamic or
// Hindu dates gazetted year by year, days swapped with weekends by
// decree), the calendar's name says so: business days there are counted
// without them, which can only make a deadline earlier, never later.

// luEuropeDay is Luxembourg's Europe Day, 9 May, a legal public holiday
// since 2019 (Loi du 25 avril 2019 portant introduction d'un jour férié
// légal supplémentaire, Mémorial A n° 283 of 26 April 2019).
var luEuropeDay = &cal.Holiday{Name: "Europadag", Type: cal.ObservancePublic,
	Month: time.May, Day: 9, StartYear: 2019, Func: cal.CalcDayOfMonth}

// Liechtenstein: the public holidays that the Arbeitsgesetz of 29
// December 1966 (LGBl. 1967 Nr. 6), Art. 18 Abs. 2, treats as Sundays.
// None is moved off a weekend.
var liHolidays = []*cal.Holiday{
	aa.NewYear.Clone(&cal.Holiday{Name: "Neujahr", Type: cal.ObservancePublic}),
	aa.Epiphany.Clone(&cal.Holiday{Name: "Heilige Drei Könige", Type: cal.ObservancePublic}),
	{Name: "Mariä Lichtmess", Type: cal.ObservancePublic, Month: time.February, Day: 2, Func: cal.CalcDayOfMonth},
	{Name: "Josefstag", Type: cal.ObservancePublic, Month: time.March, Day: 19, Func: cal.CalcDayOfMonth},
	aa.EasterMonday.Clone(&cal.Holiday{Name: "Ostermontag", Type: cal.ObservancePublic}),
	aa.WorkersDay.Clone(&cal.Holiday{Name: "Tag der Arbeit", Type: cal.ObservancePublic}),
	aa.AscensionDay.Clone(&cal.Holiday{Name: "Auffahrt", Type: cal.ObservancePublic}),
	aa.PentecostMonday.Clone(&cal.Holiday{Name: "Pfingstmontag", Type: cal.ObservancePublic}),
	aa.CorpusChristi.Clone(&cal.Holiday{Name: "Fronleichnam", Type: cal.ObservancePublic}),
	{Name: "Staatsfeiertag", Type: cal.ObservancePublic, Month: time.August, Day: 15, Func: cal.CalcDayOfMonth},
	{Name: "Mariä Geburt", Type: cal.ObservancePublic, Month: time.September, Day: 8, Func: cal.CalcDayOfMonth},
	aa.AllSaintsDay.Clone(&cal.Holiday{Name: "Allerheiligen", Type: cal.ObservancePublic}),
	aa.ImmaculateConception.Clone(&cal.Holiday{Name: "Mariä Empfängnis", Type: cal.ObservancePublic}),
	aa.ChristmasDay.Clone(&cal.Holiday{Name: "Weihnachten", Type: cal.ObservancePublic}),
	aa.ChristmasDay2.Clone(&cal.Holiday{Name: "Stephanstag", Type: cal.ObservancePublic}),
}

// sundayToMonday moves a holiday falling on a Sunday to the Monday after.
var sundayToMonday = []cal.AltDay{{Day: time.Sunday, Offset: 1}}

// Singapore: the public holidays of the Holidays Act 1998 (2020 Rev.
// Ed.), Schedule, that fall on fixed dates or follow Easter; s 4(2): a
// holiday falling on a Sunday is kept on the Monday after. Chinese New
// Year, Hari Raya Puasa, Hari Raya Haji, Vesak Day and Deepavali are
// gazetted each year by the Ministry of Manpower and are not included.
var sgHolidays = []*cal.Holiday{
	{Name: "New Year's Day", Type: cal.ObservancePublic, Month: time.January, Day: 1, Func: cal.CalcDayOfMonth, Observed: sundayToMonday},
	aa.GoodFriday.Clone(&cal.Holiday{Name: "Good Friday", Type: cal.ObservancePublic}),
	{Name: "Labour Day", Type: cal.ObservancePublic, Month: time.May, Day: 1, Func: cal.CalcDayOfMonth, Observed: sundayToMonday},
	{Name: "National Day", Type: cal.ObservancePublic, Month: time.August, Day: 9, Func: cal.CalcDayOfMonth, Observed: sundayToMonday},
	{Name: "Christmas Day", Type: cal.ObservancePublic, Month: time.December, Day: 25, Func: cal.CalcDayOfMonth, Observed: sundayToMonday},
}

// India: the three national holidays every establishment keeps — Republic
// Day, Independence Day and Gandhi Jayanti (Ministry of Home Affairs O.M.
// No. 13/7/2010-Public; Department of Personnel and Training's yearly
// list of holidays for Central Government offices calls them compulsory
// everywhere). The other gazetted holidays follow lunar and regional
// calendars and are not included.
var inHolidays = []*cal.Holiday{
	{Name: "Republic Day", Type: cal.ObservancePublic, Month: time.January, Day: 26, Func: cal.CalcDayOfMonth},
	{Name: "Independence Day", Type: cal.ObservancePublic, Month: time.August, Day: 15, Func: cal.CalcDayOfMonth},
	{Name: "Gandhi Jayanti", Type: cal.ObservancePublic, Month: time.October, Day: 2, Func: cal.CalcDayOfMonth},
}

// China: the holidays of fixed Gregorian dates in the 全国年节及纪念日放假办法
// (National Holidays Measures) Art. 2, as amended by State Council Decree
// No. 795 of 2024 (from 1 January 2025, which added 2 May): 元旦 1 January,
// 劳动节 1–2 May, 国庆节 1–3 October. The Spring Festival, Qingming, Dragon
// Boat and Mid-Autumn follow the lunar calendar, and the State Council's
// yearly notice swaps weekend days with working days: neither is
// included.
var cnHolidays = []*cal.Holiday{
	{Name: "元旦", Type: cal.ObservancePublic, Month: time.January, Day: 1, Func: cal.CalcDayOfMonth},
	{Name: "劳动节", Type: cal.ObservancePublic, Month: time.May, Day: 1, Func: cal.CalcDayOfMonth},
	{Name: "劳动节", Type: cal.ObservancePublic, Month: time.May, Day: 2, StartYear: 2025, Func: cal.CalcDayOfMonth},
	{Name: "国庆节", Type: cal.ObservancePublic, Month: time.October, Day: 1, Func: cal.CalcDayOfMonth},
	{Name: "国庆节", Type: cal.ObservancePublic, Month: time.October, Day: 2, Func: cal.CalcDayOfMonth},
	{Name: "国庆节", Type: cal.ObservancePublic, Month: time.October, Day: 3, Func: cal.CalcDayOfMonth},
}
