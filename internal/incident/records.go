package incident

import "strings"

// recordPrefixes are the event types of the records responders keep beside
// an incident — affected assets, indicators of compromise, compromised
// credentials, fixes and evidence with its custody. Each record's package
// owns its payloads and writes its events with its own rows in one
// transaction (like notices and duties); the incident's state does not
// change, but every change is hash-chained with the rest of the record.
// Action items (action., package actions) are follow-ups that outlive the
// incident: nothing in the fold stops them after it closed, and package
// actions is the one record that deliberately takes them then.
var recordPrefixes = []string{"asset.", "indicator.", "credential.", "fix.", "evidence.", "action."}

// recordEvent reports whether t is an event of a record kept beside the
// incident.
func recordEvent(t string) bool {
	for _, p := range recordPrefixes {
		if strings.HasPrefix(t, p) {
			return true
		}
	}
	return false
}
