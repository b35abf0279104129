package escalation

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
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

func (s *Service) ackKey(ctx context.Context) ([]byte, error) {
	if k := s.keys.Load(); k != nil {
		return *k, nil
	}
	k, err := s.store.ServerKey(ctx, "ack-links", 32)
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
func (s *Service) CheckAckLink(ctx context.Context, token string) (AckLink, error) {
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
	if s.now().After(exp) {
		return AckLink{}, errs.E(errs.Rule, "token", "this acknowledgement link expired at %s", exp.Format(time.RFC3339))
	}
	od, err := s.store.OutboxDelivery(ctx, parts[0])
	if err != nil || od.Kind != KindPage {
		return AckLink{}, errBadLink
	}
	d, err := deliveryView(od, nil)
	if err != nil {
		return AckLink{}, errBadLink
	}
	e, err := s.store.Escalation(ctx, d.EscalationID)
	if err != nil {
		return AckLink{}, err
	}
	return AckLink{Escalation: e, Delivery: d, Expires: exp}, nil
}

// AckByLink acknowledges as the person the link was sent to. A link works
// once; a second use fails with errs.Conflict.
func (s *Service) AckByLink(ctx context.Context, token string) (Escalation, error) {
	l, err := s.CheckAckLink(ctx, token)
	if err != nil {
		return Escalation{}, err
	}
	return s.ack(ctx, l.Delivery.User, l.Escalation.ID, "ack:"+l.Delivery.ID)
}
