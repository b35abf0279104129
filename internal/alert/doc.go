// Package alert is the pure core of alert handling: the one normalised Alert
// model every intake source maps to, label fingerprints, Alertmanager-style
// label matchers and routing trees, and the dedup and grouping state machine
// that turns incoming alerts into Outcomes for the triage queue or an
// incident's timeline.
//
// Nothing here touches SQL, HTTP or the wall clock. The Pipeline reads the
// current items and groups through the State interface it defines (the store
// implements it inside its transaction) and returns the changes as a list of
// Outcomes, in order, for the store to persist in that same transaction.
//
// The pipeline is a chain of small Stages, each in its own file, assembled in
// one place (NewPipeline):
//
//	normalise → fingerprint → route → dedup → group
package alert
