package incident

// Event types of notices (to regulators, customers, individuals, staff)
// and stakeholder updates. They live in the stream only: the incident's
// state does not change, but the record of what was said, to whom and
// when is hash-chained with everything else. Their payloads and how they
// read belong to package notices; the types stay here because the fold
// must know them to leave the state as it is (and refuse unknown ones).
const (
	EvNoticeDrafted  = "notice.drafted"
	EvNoticeApproved = "notice.approved"
	// EvNoticeEdited records a change to what a notice says or carries:
	// title, body, audience, recipients, attachments.
	EvNoticeEdited = "notice.edited"
	// EvNoticeApprovalWithdrawn records an approval dropped because what
	// it covered changed.
	EvNoticeApprovalWithdrawn = "notice.approval_withdrawn"
	EvNoticeSubmitted         = "notice.submitted" // recorded as given by hand (portal, letter, phone…)
	EvNoticeSent              = "notice.sent"      // delivered by email to one recipient
	EvUpdatePosted            = "update.posted"    // a stakeholder update
)

// streamOnly reports whether events of type t leave the state as it is.
func streamOnly(t string) bool {
	switch t {
	case EvNoticeDrafted, EvNoticeApproved, EvNoticeEdited, EvNoticeApprovalWithdrawn, EvNoticeSubmitted, EvNoticeSent, EvUpdatePosted:
		return true
	}
	// facts and obligation records (duties.go); assets, indicators,
	// credentials, fixes and evidence (records.go)
	return dutyEvent(t) || recordEvent(t)
}

// Recorded tells the service's observers (live updates) of events that
// were appended outside it: notices and updates commit their events in one
// transaction with their own records.
func (s *Service) Recorded(inc Incident, events []Event) { s.recorded(inc, events) }
