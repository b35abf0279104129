package incident

import "encoding/json"

// What the side effects written with a change (jobs: paging, update
// cadences) ask of its events, to leave out a job whose outcome the event
// cannot change. Each answers "it may matter" when it cannot read the
// event's data: a job too many costs a run, a job missing costs a page.

// OpensOrCloses reports whether e, an EvTransitioned, moves the incident
// between an open state and a closed one (State.Open), the only part of a
// transition that decides whether people are paged or reminded.
func OpensOrCloses(e Event) bool {
	var d TransitionData
	if e.Type != EvTransitioned || json.Unmarshal(e.Data, &d) != nil {
		return true
	}
	return d.From.Open() != d.To.Open()
}

// ChangesRole reports whether e, an EvRoleAssigned or EvRoleUnassigned,
// gives or takes role r.
func ChangesRole(e Event, r Role) bool {
	var d RoleData
	if (e.Type != EvRoleAssigned && e.Type != EvRoleUnassigned) || json.Unmarshal(e.Data, &d) != nil {
		return true
	}
	return d.Role == r
}
