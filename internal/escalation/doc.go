// Package escalation pages people until someone acknowledges: an
// escalation is one subject (an incident without a commander, a new queue
// entry, a page by hand) climbing a snapshot of an escalation policy step
// by step. Each step resolves who is on call (package roster), sends a
// delivery to each of their contact methods (package contacts) through
// their notification rules, and schedules the next step; acknowledging in
// Firebreak or by a signed single-use link stops it and hands the subject
// to the acknowledger. The work runs as engine jobs written in the same
// transactions as what causes it.
package escalation
