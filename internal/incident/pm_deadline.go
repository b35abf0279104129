package incident

import "time"

// PostmortemOpenDue is the post-mortem's due instant while the incident
// waits for it: recovered, with the post-mortem not yet published. It is
// what the post-mortem's reminders run against and what counts as overdue
// once past; false when nothing is outstanding (not recovered yet, closed,
// reopened to an earlier phase — recovering again re-dates it — or
// published).
func (inc *Incident) PostmortemOpenDue() (time.Time, bool) {
	if inc.State != Recovered || inc.PostmortemDue == nil || inc.Postmortem.Status == PostmortemPublished {
		return time.Time{}, false
	}
	return *inc.PostmortemDue, true
}

// PostmortemOwners are whom the post-mortem's deadline is for: the IR
// Lead (every holder of the role).
func (inc *Incident) PostmortemOwners() []string {
	return inc.Holders(IRLead)
}
