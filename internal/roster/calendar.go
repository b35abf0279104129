package roster

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Calendar feed URLs. A URL is held by a person: their own shifts
// (/calendars/users/{user}/{token}.ics) or a schedule
// (/calendars/schedules/{name}/{user}.{token}.ics). Its token is an HMAC,
// by a key generated at first start, of the feed, the holder and the
// holder's generation; it is derived, not stored, so the URL can be shown
// again. A feed answers only while its holder is an active user, and
// rotating a person's feeds bumps their generation: every URL they held
// stops working at once. Deactivating a person rotates them too, so the
// URLs do not come back with a reactivation.

// calendarMAC is the token of a feed held by a person at generation gen.
// Generation 0 of a person's own feed keeps the token such URLs had before
// feeds had holders and generations, so existing subscriptions go on.
func calendarMAC(key []byte, gen int, parts ...string) string {
	msg := strings.Join(parts, "\x00")
	if gen > 0 {
		msg += "\x00" + strconv.Itoa(gen)
	}
	h := hmac.New(sha256.New, key)
	h.Write([]byte(msg))
	return hex.EncodeToString(h.Sum(nil)[:20])
}

// CalendarToken is the secret part of a calendar feed's URL as holder
// holds it; kind is "schedule" or "user" (whose holder is always the user).
func (s *Roster) CalendarToken(ctx context.Context, kind, name, holder string) (string, error) {
	if kind == "user" {
		holder = name
	}
	key, err := s.store.ServerKey(ctx, "calendar-feeds", 32)
	if err != nil {
		return "", err
	}
	gen, err := s.store.FeedGeneration(ctx, holder)
	if err != nil {
		return "", err
	}
	switch kind {
	case "user":
		return calendarMAC(key, gen, "user", name), nil
	case "schedule":
		return holder + "." + calendarMAC(key, gen, "schedule", name, holder), nil
	}
	return "", fmt.Errorf("unknown calendar kind %q", kind)
}

// CheckCalendarToken reports whether token is the feed token of kind/name
// held by an active user.
func (s *Roster) CheckCalendarToken(ctx context.Context, kind, name, token string) (bool, error) {
	holder := name
	if kind == "schedule" {
		i := strings.LastIndexByte(token, '.')
		if i <= 0 {
			return false, nil
		}
		holder = token[:i]
	}
	active, err := s.users.UserExists(ctx, holder)
	if err != nil || !active {
		return false, err
	}
	want, err := s.CalendarToken(ctx, kind, name, holder)
	if err != nil {
		return false, err
	}
	return hmac.Equal([]byte(want), []byte(token)), nil
}

// CalendarURL is the feed URL of a schedule ("schedule") as holder holds
// it, or of a user's shifts ("user").
func (s *Roster) CalendarURL(ctx context.Context, kind, name, holder string) (string, error) {
	t, err := s.CalendarToken(ctx, kind, name, holder)
	if err != nil {
		return "", err
	}
	return s.base() + "/calendars/" + kind + "s/" + name + "/" + t + ".ics", nil
}

// RotateCalendars replaces every calendar feed URL user holds (their own
// shifts and each schedule's) and returns the new URL of their own shifts.
// Only the user or an administrator may.
func (s *Roster) RotateCalendars(ctx context.Context, a contacts.Actor, user string) (string, error) {
	if a.User != user && !a.Admin {
		return "", errs.E(errs.Forbidden, "username", "only %s or an administrator may replace %s's calendar feed URLs", user, user)
	}
	active, err := s.users.UserExists(ctx, user)
	if err != nil {
		return "", err
	}
	if !active {
		return "", errs.E(errs.NotFound, "username", "no active user %s", user)
	}
	if _, err := s.store.RotateFeeds(ctx, user, a.User, s.now()); err != nil {
		return "", err
	}
	return s.CalendarURL(ctx, "user", user, user)
}
