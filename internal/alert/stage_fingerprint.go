package alert

import "context"

// FingerprintStage sets an alert's Fingerprint when the parser has not: the
// source's DedupKey when it has one, else Fingerprint(Labels).
func FingerprintStage() Stage {
	return undecided(func(_ context.Context, s *Session, o Outcome) ([]Outcome, error) {
		switch {
		case o.Alert.Fingerprint != "":
		case o.Alert.DedupKey != "":
			o.Alert.Fingerprint = o.Alert.DedupKey
		default:
			o.Alert.Fingerprint = Fingerprint(o.Alert.Labels)
		}
		return s.pass(o), nil
	})
}
