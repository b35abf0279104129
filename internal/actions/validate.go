package actions

import (
	"context"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Input is a new action item.
type Input struct {
	Title       string   `json:"title"`
	Description string   `json:"description,omitempty"`
	Owner       string   `json:"owner"`
	Team        string   `json:"team,omitempty"`
	Due         string   `json:"due"`
	Priority    Priority `json:"priority,omitempty"` // p3 when empty
	Kind        Kind     `json:"kind,omitempty"`     // prevent when empty
	Tracker     Tracker  `json:"tracker,omitempty"`
}

// Patch is a change of an item: the fields given change. Reason goes with
// a move to won't do (and is required then).
type Patch struct {
	Title       *string   `json:"title,omitempty"`
	Description *string   `json:"description,omitempty"`
	Owner       *string   `json:"owner,omitempty"`
	Team        *string   `json:"team,omitempty"`
	Due         *string   `json:"due,omitempty"`
	Priority    *Priority `json:"priority,omitempty"`
	Kind        *Kind     `json:"kind,omitempty"`
	Tracker     *Tracker  `json:"tracker,omitempty"`
	State       *State    `json:"state,omitempty"`
	Reason      *string   `json:"reason,omitempty"`
	// IfVersion, when not 0, applies the change only to that version.
	IfVersion int64 `json:"-"`
}

type checker struct{ details []errs.Detail }

func (c *checker) add(field, msg string) {
	c.details = append(c.details, errs.Detail{Field: field, Message: msg})
}

// text checks a trimmed text's length, and presence when required.
func (c *checker) text(field, v string, max int, required bool) {
	switch {
	case required && v == "":
		c.add(field, "is required")
	case len(v) > max:
		c.add(field, "at most "+strconv.Itoa(max)+" bytes")
	case !utf8.ValidString(v):
		c.add(field, "is not valid UTF-8")
	case strings.ContainsRune(v, 0):
		c.add(field, "may not contain NUL")
	}
}

// line checks a one-line text.
func (c *checker) line(field, v string, max int, required bool) {
	c.text(field, v, max, required)
	if strings.ContainsAny(v, "\r\n") {
		c.add(field, "must be one line")
	}
}

// oneOf checks that v is one of the allowed values.
func oneOf[T ~string](c *checker, field string, v T, all []T, required bool) {
	if v == "" && !required {
		return
	}
	if !slices.Contains(all, v) {
		names := make([]string, len(all))
		for i, a := range all {
			names[i] = string(a)
		}
		c.add(field, "must be one of "+strings.Join(names, ", "))
	}
}

func (c *checker) err() error {
	if len(c.details) == 0 {
		return nil
	}
	e := errs.E(errs.Invalid, c.details[0].Field, "%s", c.details[0].Message)
	if len(c.details) > 1 {
		e.Details = c.details
	}
	return e
}

// due checks a due date: a date, not before today in loc at now. It
// returns the date and the instant it ends.
func (c *checker) due(v string, now time.Time, loc *time.Location) (string, time.Time) {
	if v == "" {
		c.add("due", "is required")
		return "", time.Time{}
	}
	d, err := time.Parse(time.DateOnly, v)
	if err != nil {
		c.add("due", "must be a date as YYYY-MM-DD")
		return "", time.Time{}
	}
	t := today(now, loc)
	switch {
	case d.Before(t):
		c.add("due", v+" is in the past (today is "+t.Format(time.DateOnly)+" in "+loc.String()+")")
	case d.After(t.AddDate(10, 0, 0)):
		c.add("due", "must be within ten years")
	}
	return d.Format(time.DateOnly), dueAt(d, loc)
}

// tracker checks a tracker link: an http(s) URL and a short key.
func (c *checker) tracker(t Tracker) Tracker {
	t.URL, t.Key = strings.TrimSpace(t.URL), strings.TrimSpace(t.Key)
	c.line("tracker.key", t.Key, MaxKey, false)
	if t.URL == "" {
		return t
	}
	c.line("tracker.url", t.URL, MaxURL, false)
	u, err := url.Parse(t.URL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		c.add("tracker.url", "must be an http or https URL")
	}
	return t
}

// people checks that owner is a user and team (when given) a team.
func (s *Service) people(ctx context.Context, c *checker, owner, team *string) error {
	if owner != nil && *owner != "" {
		ok, err := s.d.Users.UserExists(ctx, *owner)
		if err != nil {
			return err
		}
		if !ok {
			c.add("owner", "no user "+strconv.Quote(clip(*owner)))
		}
	}
	if team != nil && *team != "" && s.d.Teams != nil {
		ts, err := s.d.Teams.Teams(ctx)
		if err != nil {
			return err
		}
		if _, ok := ts[*team]; !ok {
			c.add("team", "no team "+strconv.Quote(clip(*team)))
		}
	}
	return nil
}

func trim(p *string) {
	if p != nil {
		*p = strings.TrimSpace(*p)
	}
}
