package alert

import "context"

// DedupStage finds the item an alert belongs to, by destination path and
// fingerprint, and decides what the alert does to it:
//
//   - firing, item firing: Repeat (LastSeen, Count; the first StartsAt kept)
//   - firing, item resolved with the same StartsAt: Ignored, a stale
//     delivery of an occurrence already resolved
//   - firing, otherwise: a new item, left for the group stage to place
//   - resolved, item firing: Resolved
//   - resolved, item resolved or no item: Ignored
func DedupStage() Stage {
	return undecided(func(ctx context.Context, s *Session, o Outcome) ([]Outcome, error) {
		a := o.Alert
		at := a.ReceivedAt
		prev, ok, err := s.state.LatestItem(ctx, o.Destination.Path, a.Fingerprint)
		if err != nil {
			return nil, err
		}
		open := ok && prev.Status == StatusFiring
		switch a.Status {
		case StatusFiring:
			if open {
				it := prev
				it.alertDoc = nil // Alert changes
				a.StartsAt = prev.Alert.StartsAt
				it.Alert, it.LastSeen, it.Count = a, at, prev.Count+1
				o.Kind, o.Item = Repeat, it
				return s.pass(o), nil
			}
			if ok && prev.Alert.StartsAt.Equal(a.StartsAt) {
				return ignore(o, "stale: this occurrence was already resolved"), nil
			}
			id := ""
			var doc []byte
			if o.pre != nil { // computed by Prepare from this very alert
				id, doc = o.pre.itemID, o.pre.alertDoc
			} else {
				id = itemID(o.Destination.Path, a.Fingerprint, a.StartsAt, at)
			}
			o.Item = Item{
				ID:          id,
				Path:        o.Destination.Path,
				Fingerprint: a.Fingerprint,
				Status:      StatusFiring,
				Alert:       a,
				FirstSeen:   at,
				LastSeen:    at,
				Count:       1,
				alertDoc:    doc,
			}
			return s.pass(o), nil
		default: // StatusResolved; the normalise stage let nothing else through
			if !ok {
				return ignore(o, "resolves an alert never seen firing"), nil
			}
			if !open {
				return ignore(o, "already resolved"), nil
			}
			it := prev
			it.alertDoc = nil // Alert changes
			a.StartsAt = prev.Alert.StartsAt
			it.Alert, it.Status, it.LastSeen = a, StatusResolved, at
			o.Kind, o.Item = Resolved, it
			return s.pass(o), nil
		}
	})
}
