// Package contacts manages how people are reached: their contact methods
// (email, webhook, Slack, Teams), the codes that verify a method before it
// is used, the notification rules that say which method is used when a
// person is paged, test sends, and direct sends to a person's verified
// methods for reminders. Messages people cause by hand (codes, tests) are
// limited per person and per address.
//
// Contact methods an on-call file declares are planned and written by
// package roster, with the rest of the file, in one transaction.
package contacts
