// Package actions keeps action items: the follow-ups a post-mortem
// decides (issue 17), each with an owner who exists, a due date that was
// not already past when it was set, a priority, a kind (prevent, detect,
// mitigate, process), an optional link to an external tracker, and a
// state from open through in progress to done or won't do (with a
// reason).
//
// An action item belongs to the incident it came from: every create and
// change is an event on that incident's hash chain (action.created,
// action.updated), each carrying the whole item as it stands after the
// change, written with the item's row in one transaction through the
// incident's change path (incident.Retry). Action items outlive their
// incident: they are still changed after it closed, which the incident's
// fold allows for action. events alone (package incident, records.go).
// The actions table is a projection of those events, indexed across
// incidents for /actions; `audit verify` folds the events again (Apply)
// and compares.
//
// Numbers are global (ACT-1, ACT-2, …) so an item has one short, stable
// name in URLs and on the command line wherever it came from.
package actions
