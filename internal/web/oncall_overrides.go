package web

import (
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// Overrides: a responder puts someone on call in a schedule for a while
// ("cover for someone"), or removes such an override, from the schedule's
// page. The from and to fields are datetime-local: the script sends the
// browser's offset for each, and without it they are read in the
// schedule's own zone, as the form says.

type overrideForm struct {
	User, From, To, OffsetFrom, OffsetTo string
	Err                                  string
}

type overrideRow struct {
	Index    int
	User     string
	From, To time.Time
	Past     bool
	Now      bool
}

// scheduleExtras adds to a schedule's page its timeline, feed, overrides
// and the people who can cover.
func (s *Server) scheduleExtras(w http.ResponseWriter, r *http.Request, d *objectData, sch oncall.Schedule) bool {
	now := s.now()
	if tl, ok := buildTimeline(sch, now, userFrom(r).Username); ok {
		d.Timeline = &tl
	}
	var err error
	if d.ICS, err = s.roster.CalendarURL(r.Context(), "schedule", sch.Name, userFrom(r).Username); err != nil {
		s.fail(w, r, err)
		return false
	}
	d.Zone = sch.TimeZone
	for i, o := range sch.Overrides {
		d.Overs = append(d.Overs, overrideRow{Index: i, User: o.User, From: o.From, To: o.To,
			Past: !o.To.After(now), Now: !o.From.After(now) && o.To.After(now)})
	}
	if d.CanAct {
		users, err := s.auth.Users(r.Context())
		if err != nil {
			s.fail(w, r, err)
			return false
		}
		for _, u := range users {
			if u.Active {
				d.Users = append(d.Users, u.Username)
			}
		}
		if d.Override.User == "" {
			d.Override.User = userFrom(r).Username
		}
	}
	return true
}

var scheduleKind = objectKinds[0]

// overrideTime reads a datetime-local value: with the browser's offset
// when the script sent one, else as a wall-clock time in loc.
func overrideTime(field, v, offset string, loc *time.Location) (time.Time, error) {
	v = strings.TrimSpace(v)
	if v == "" {
		return time.Time{}, invalid(field, "%s: choose a date and time", capFirst(field))
	}
	if offset != "" {
		t, err := parseLocalTime(v, offset)
		if err != nil {
			return time.Time{}, invalid(field, "%s: %s", capFirst(field), err.Error())
		}
		return *t, nil
	}
	for _, layout := range []string{"2006-01-02T15:04", "2006-01-02T15:04:05"} {
		if t, err := time.ParseInLocation(layout, v, loc); err == nil {
			return t, nil
		}
	}
	return time.Time{}, invalid(field, "%s: %q is not a date and time such as 2026-11-27T09:00", capFirst(field), v)
}

func capFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}

func (s *Server) addOverride(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	name := r.PathValue("name")
	f := overrideForm{User: r.PostFormValue("user"), From: r.PostFormValue("from"), To: r.PostFormValue("to"),
		OffsetFrom: r.PostFormValue("tz_offset_from"), OffsetTo: r.PostFormValue("tz_offset_to")}
	sch, err := s.roster.Schedule(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	loc, err := time.LoadLocation(sch.TimeZone)
	if err != nil {
		loc = time.UTC
	}
	from, err := overrideTime("from", f.From, f.OffsetFrom, loc)
	var to time.Time
	if err == nil {
		to, err = overrideTime("to", f.To, f.OffsetTo, loc)
	}
	if err == nil && strings.TrimSpace(f.User) == "" {
		err = invalid("user", "choose who covers")
	}
	if err == nil && !to.After(from) {
		err = invalid("to", "the override must end after it starts")
	}
	if err == nil {
		_, err = s.roster.AddOverride(r.Context(), userFrom(r).Username, name, oncall.Override{User: f.User, From: from.UTC(), To: to.UTC()})
	}
	if err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		f.Err = "The override was not added: " + detailText(err)
		s.renderObject(w, r, scheduleKind, name, codeOf(err), objectForm{Format: "yaml"}, f)
		return
	}
	flash := f.User + " covers " + name + " from " + from.In(loc).Format(shiftStamp) + " to " + to.In(loc).Format(shiftStamp) + " " + zoneAbbr(to.In(loc)) + "."
	http.Redirect(w, r, "/oncall/schedules/"+url.PathEscape(name)+"?flash="+urlQuery(flash)+"#overrides", http.StatusSeeOther)
}

// removeOverride removes override i after checking it is still the one
// the person saw: indexes move when others change the list.
func (s *Server) removeOverride(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	name := r.PathValue("name")
	sch, err := s.roster.Schedule(r.Context(), name)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	i, err := strconv.Atoi(r.PostFormValue("index"))
	same := err == nil && i >= 0 && i < len(sch.Overrides) && sch.Overrides[i].User == r.PostFormValue("user") &&
		sch.Overrides[i].From.UTC().Format(time.RFC3339) == r.PostFormValue("from")
	if !same {
		s.renderObject(w, r, scheduleKind, name, http.StatusConflict, objectForm{Format: "yaml"},
			overrideForm{Err: "The overrides of " + name + " changed while you were looking: nothing was removed. Check the list below and try again."})
		return
	}
	user := sch.Overrides[i].User
	if _, err := s.roster.RemoveOverride(r.Context(), userFrom(r).Username, name, i); err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		s.renderObject(w, r, scheduleKind, name, codeOf(err), objectForm{Format: "yaml"}, overrideForm{Err: detailText(err)})
		return
	}
	http.Redirect(w, r, "/oncall/schedules/"+url.PathEscape(name)+"?flash="+urlQuery("Removed "+user+"'s override.")+"#overrides", http.StatusSeeOther)
}

// detailText is an error's problems as "field: message; …".
func detailText(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return message(err)
	}
	ds := e.Details
	if len(ds) == 0 {
		return e.Message
	}
	parts := make([]string, 0, len(ds))
	for _, d := range ds {
		if d.Field != "" {
			parts = append(parts, d.Field+": "+d.Message)
		} else {
			parts = append(parts, d.Message)
		}
	}
	return strings.Join(slices.Compact(parts), "; ")
}
