package web

import (
	"bytes"
	"context"
	"net/http"
	"strings"
	"time"
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

// feedRange is from a week ago to 90 days ahead, from the start of the
// hour, so the feed (and its DTSTAMP) stays the same within an hour.
func (s *Server) feedRange() (time.Time, time.Time) {
	now := s.now().UTC().Truncate(time.Hour)
	return now.Add(-feedPast), now.Add(feedFuture)
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
	from, to := s.feedRange()
	writeCalendar(w, name, sch.ICS(from, to, ""))
}

// userFeed joins the person's events from every schedule's own feed, so
// that each event keeps the UID it has there.
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
	from, to := s.feedRange()
	var b bytes.Buffer
	for _, line := range []string{"BEGIN:VCALENDAR", "VERSION:2.0", "PRODID:-//Firebreak//On-call schedules//EN",
		"CALSCALE:GREGORIAN", "METHOD:PUBLISH", "X-WR-CALNAME:On call: " + icsText(user)} {
		b.WriteString(line + "\r\n")
	}
	for _, name := range sortedKeys(o.Schedules) {
		b.Write(events(o.Schedules[name].ICS(from, to, user)))
	}
	b.WriteString("END:VCALENDAR\r\n")
	writeCalendar(w, user, b.Bytes())
}

// events returns the VEVENT blocks of a feed, lines and folding intact.
func events(feed []byte) []byte {
	var out bytes.Buffer
	in := false
	for line := range bytes.SplitAfterSeq(feed, []byte("\r\n")) {
		switch {
		case bytes.Equal(line, []byte("BEGIN:VEVENT\r\n")):
			in = true
			out.Write(line)
		case bytes.Equal(line, []byte("END:VEVENT\r\n")):
			in = false
			out.Write(line)
		case in:
			out.Write(line)
		}
	}
	return out.Bytes()
}

// icsText escapes a TEXT value (RFC 5545 section 3.3.11). User names are
// short and plain, so the line needs no folding.
var icsText = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\n", `\n`, "\r", "").Replace

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
