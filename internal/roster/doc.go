// Package roster keeps the on-call configuration: teams, services,
// schedules and their overrides, escalation policies and incident rules,
// checked as a whole on every change; who is on call and their shifts;
// the calendar feeds that publish those shifts; and the apply of an
// on-call file with its diff.
//
// Calendar feed tokens live here rather than in contacts: a feed publishes
// roster data (a schedule, a person's shifts), and its URL is checked by
// the same service that renders it. The contact methods and notification
// rules an on-call file declares are planned here too, because a file is
// applied as one change; contacts owns the methods people add and verify
// themselves and how messages reach them.
package roster
