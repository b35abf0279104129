package incident

// Event types of notification duties: the facts obligations depend on,
// and what was done about each duty. Like notices they live in the stream
// only; the duties package keeps their records, appends these events in
// the same transaction, and owns their payloads and how they read. The
// types stay here for the fold (see notices.go).
const (
	EvFactsUpdated        = "facts.updated"
	EvObligationSubmitted = "obligation.submitted" // a phase of a duty was met
	EvObligationWaived    = "obligation.waived"    // a phase of a duty will not be met, with a reason
)

// dutyEvent reports whether t is one of this file's event types.
func dutyEvent(t string) bool {
	switch t {
	case EvFactsUpdated, EvObligationSubmitted, EvObligationWaived:
		return true
	}
	return false
}
