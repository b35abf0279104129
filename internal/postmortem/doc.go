// Package postmortem drafts a post-mortem from the record: the figures
// of an incident computed from its events and the records kept beside it
// (Figures), a structured draft with a timeline chosen from the events
// and the prompts of a template per incident type (Draft), and exports of
// a post-mortem as Markdown, a printable HTML page and JSON (Export).
//
// It is pure: no SQL, no HTTP, no clock. What it reads beyond the
// incident's stream comes in as plain values (Records); Service gathers
// them through the small interfaces it names, which the app implements
// over the duties, assets, indicators and escalation services.
package postmortem
