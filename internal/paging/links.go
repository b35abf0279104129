package paging

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// AckLinkTTL is how long an acknowledgement link works.
const AckLinkTTL = 24 * time.Hour

// Link tokens are "<delivery ID>.<expiry, Unix seconds>.<HMAC>", the HMAC
// by a key generated at first start and kept in the database. A link is
// good for one acknowledgement: its delivery ID is recorded when used.

func (s *Pager) ackKey(ctx context.Context) ([]byte, error) {
	if k := s.keys.Load(); k != nil {
		return *k, nil
	}
	k, err := s.Store.ServerKey(ctx, "ack-links", 32)
	if err == nil {
		s.keys.Store(&k) // it never changes once created
	}
	return k, err
}

func signAck(key []byte, deliveryID string, exp time.Time) string {
	e := strconv.FormatInt(exp.Unix(), 10)
	return deliveryID + "." + e + "." + mac(key, "ack", deliveryID, e)
}

func mac(key []byte, parts ...string) string {
	h := hmac.New(sha256.New, key)
	h.Write([]byte(strings.Join(parts, "\x00")))
	return base64.RawURLEncoding.EncodeToString(h.Sum(nil))
}

var errBadLink = errs.E(errs.NotFound, "token", "this acknowledgement link is not valid")

// AckLink is what an acknowledgement link stands for.
type AckLink struct {
	Escalation Escalation
	Delivery   Delivery
	Expires    time.Time
}

// CheckAckLink verifies a link without using it, for the page that asks
// to confirm: link scanners in mail systems fetch every link, so a GET must
// never acknowledge.
func (s *Pager) CheckAckLink(ctx context.Context, token string) (AckLink, error) {
	parts := strings.Split(token, ".")
	if len(parts) != 3 || len(token) > 200 {
		return AckLink{}, errBadLink
	}
	key, err := s.ackKey(ctx)
	if err != nil {
		return AckLink{}, err
	}
	if !hmac.Equal([]byte(mac(key, "ack", parts[0], parts[1])), []byte(parts[2])) {
		return AckLink{}, errBadLink
	}
	sec, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return AckLink{}, errBadLink
	}
	exp := time.Unix(sec, 0).UTC()
	if s.Now().After(exp) {
		return AckLink{}, errs.E(errs.Rule, "token", "this acknowledgement link expired at %s", exp.Format(time.RFC3339))
	}
	d, err := s.Store.Delivery(ctx, parts[0])
	if err != nil {
		return AckLink{}, errBadLink
	}
	e, err := s.Store.Escalation(ctx, d.EscalationID)
	if err != nil {
		return AckLink{}, err
	}
	return AckLink{Escalation: e, Delivery: d, Expires: exp}, nil
}

// AckByLink acknowledges as the person the link was sent to. A link works
// once; a second use fails with errs.Conflict.
func (s *Pager) AckByLink(ctx context.Context, token string) (Escalation, error) {
	l, err := s.CheckAckLink(ctx, token)
	if err != nil {
		return Escalation{}, err
	}
	return s.ack(ctx, l.Delivery.User, l.Escalation.ID, "ack:"+l.Delivery.ID)
}

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
func (s *Pager) CalendarToken(ctx context.Context, kind, name, holder string) (string, error) {
	if kind == "user" {
		holder = name
	}
	key, err := s.Store.ServerKey(ctx, "calendar-feeds", 32)
	if err != nil {
		return "", err
	}
	gen, err := s.Store.FeedGeneration(ctx, holder)
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
func (s *Pager) CheckCalendarToken(ctx context.Context, kind, name, token string) (bool, error) {
	holder := name
	if kind == "schedule" {
		i := strings.LastIndexByte(token, '.')
		if i <= 0 {
			return false, nil
		}
		holder = token[:i]
	}
	active, err := s.Users.UserExists(ctx, holder)
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
func (s *Pager) CalendarURL(ctx context.Context, kind, name, holder string) (string, error) {
	t, err := s.CalendarToken(ctx, kind, name, holder)
	if err != nil {
		return "", err
	}
	return s.baseURL + "/calendars/" + kind + "s/" + name + "/" + t + ".ics", nil
}

// RotateCalendars replaces every calendar feed URL user holds (their own
// shifts and each schedule's) and returns the new URL of their own shifts.
// Only the user or an administrator may.
func (s *Pager) RotateCalendars(ctx context.Context, a Actor, user string) (string, error) {
	if a.User != user && !a.Admin {
		return "", errs.E(errs.Forbidden, "username", "only %s or an administrator may replace %s's calendar feed URLs", user, user)
	}
	active, err := s.Users.UserExists(ctx, user)
	if err != nil {
		return "", err
	}
	if !active {
		return "", errs.E(errs.NotFound, "username", "no active user %s", user)
	}
	if _, err := s.Store.RotateFeeds(ctx, user, a.User, s.Now()); err != nil {
		return "", err
	}
	return s.CalendarURL(ctx, "user", user, user)
}
