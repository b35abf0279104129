package web

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// Calendar feeds: a schedule's final schedule, or one person's shifts in
// every schedule, as iCalendar. Calendar clients cannot sign in, so the
// URL carries a token derived from the server's key, compared in constant
// time; a wrong token is a 404, as is a missing name.

const (
	feedPast   = 7 * 24 * time.Hour
	feedFuture = 90 * 24 * time.Hour
)

// feedToken returns the token of a "{token}.ics" path segment.
func feedToken(r *http.Request) (string, bool) {
	return strings.CutSuffix(r.PathValue("file"), ".ics")
}

func (s *Server) feedAllowed(ctx context.Context, kind, name, token string) (bool, error) {
	if name == "" || token == "" {
		return false, nil
	}
	return s.roster.CheckCalendarToken(ctx, kind, name, token)
}

// feed is a calendar from a week ago to 90 days ahead, the window starting
// on the hour; generated now (its DTSTAMP). Events keep their UIDs as the
// window moves (see oncall.Feed).
func (s *Server) feed(name, user string, schedules ...oncall.Schedule) []byte {
	now := s.now().UTC()
	from := now.Truncate(time.Hour)
	return oncall.Feed{Name: name, Schedules: schedules, User: user, From: from.Add(-feedPast), To: from.Add(feedFuture), Stamp: now}.ICS()
}

func (s *Server) scheduleFeed(w http.ResponseWriter, r *http.Request) {
	name := r.PathValue("name")
	token, ok := feedToken(r)
	if ok {
		var err error
		if ok, err = s.feedAllowed(r.Context(), "schedule", name, token); err != nil {
			s.feedError(w, r, err)
			return
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	sch, err := s.roster.Schedule(r.Context(), name)
	if err != nil {
		if codeOf(err) == http.StatusNotFound {
			http.NotFound(w, r)
			return
		}
		s.feedError(w, r, err)
		return
	}
	writeCalendar(w, name, s.feed("On call: "+sch.Name, "", sch))
}

// userFeed is the person's shifts in every schedule, written by the same
// writer as the schedule feeds, so each event is the one (UID included)
// the schedule's feed has.
func (s *Server) userFeed(w http.ResponseWriter, r *http.Request) {
	user := r.PathValue("username")
	token, ok := feedToken(r)
	if ok {
		var err error
		if ok, err = s.feedAllowed(r.Context(), "user", user, token); err != nil {
			s.feedError(w, r, err)
			return
		}
	}
	if !ok {
		http.NotFound(w, r)
		return
	}
	o, err := s.roster.Objects(r.Context())
	if err != nil {
		s.feedError(w, r, err)
		return
	}
	var schedules []oncall.Schedule
	for _, name := range sortedKeys(o.Schedules) {
		schedules = append(schedules, o.Schedules[name])
	}
	writeCalendar(w, user, s.feed("On call: "+user, user, schedules...))
}

func writeCalendar(w http.ResponseWriter, name string, body []byte) {
	h := w.Header()
	h.Set("Content-Type", "text/calendar; charset=utf-8")
	h.Set("Content-Disposition", `inline; filename="`+strings.Map(func(r rune) rune {
		if r == '"' || r == '\\' || r < ' ' {
			return '_'
		}
		return r
	}, name)+`.ics"`)
	h.Set("Cache-Control", "private, max-age=300")
	w.Write(body)
}

func (s *Server) feedError(w http.ResponseWriter, r *http.Request, err error) {
	s.log.ErrorContext(r.Context(), "calendar feed", "err", err)
	http.Error(w, "internal error", http.StatusInternalServerError)
}
