package config

import (
	"fmt"
	"time"
)

// InsightsFile configures the insights:
//
//	insights:
//	  time_zone: Europe/Paris   # where periods begin (default: the holiday calendar's zone, else UTC)
//	  work_start: "09:00"       # working hours, for out-of-hours pages
//	  work_end: "18:00"
type InsightsFile struct {
	TimeZone  string `yaml:"time_zone"`
	WorkStart string `yaml:"work_start"`
	WorkEnd   string `yaml:"work_end"`
}

// clockTime parses "HH:MM" into the time after midnight.
func clockTime(s string) (time.Duration, bool) {
	t, err := time.Parse("15:04", s)
	if err != nil {
		return 0, false
	}
	return time.Duration(t.Hour())*time.Hour + time.Duration(t.Minute())*time.Minute, true
}

func (f *File) checkInsights(data []byte) error {
	in := f.Insights
	if in == nil {
		return nil
	}
	if in.TimeZone != "" {
		if _, err := time.LoadLocation(in.TimeZone); err != nil {
			return fmt.Errorf("%sinsights.time_zone: %q is not a time zone (expected one such as Europe/Paris)", placeOf(data, "insights.time_zone"), in.TimeZone)
		}
	}
	if (in.WorkStart == "") != (in.WorkEnd == "") {
		return fmt.Errorf("%sinsights: work_start and work_end go together", placeOf(data, "insights"))
	}
	if in.WorkStart == "" {
		return nil
	}
	start, ok := clockTime(in.WorkStart)
	if !ok {
		return fmt.Errorf("%sinsights.work_start: %q is not a time of day (expected one such as 09:00)", placeOf(data, "insights.work_start"), in.WorkStart)
	}
	end, ok := clockTime(in.WorkEnd)
	if !ok {
		return fmt.Errorf("%sinsights.work_end: %q is not a time of day (expected one such as 18:00)", placeOf(data, "insights.work_end"), in.WorkEnd)
	}
	if end <= start {
		return fmt.Errorf("%sinsights.work_end: %s is not after work_start %s", placeOf(data, "insights.work_end"), in.WorkEnd, in.WorkStart)
	}
	return nil
}

// InsightsHours is the insights block: the time zone (nil when left out)
// and the working day's bounds after midnight (zero when left out).
func (f File) InsightsHours() (loc *time.Location, start, end time.Duration) {
	if f.Insights == nil {
		return nil, 0, 0
	}
	if f.Insights.TimeZone != "" {
		loc, _ = time.LoadLocation(f.Insights.TimeZone) // checked by Parse
	}
	start, _ = clockTime(f.Insights.WorkStart)
	end, _ = clockTime(f.Insights.WorkEnd)
	return loc, start, end
}
