// Package evidence keeps the evidence of an incident with its chain of
// custody. An item is a file uploaded to Firebreak (kept by its SHA-256
// under the data directory, see Files) or an external item (a disk image,
// a memory dump, a device) described by its hashes, size and where it is
// stored. Adding, transferring, opening and disposing of an item are each
// an event on the incident's hash chain (evidence.added,
// evidence.transferred, evidence.accessed, evidence.disposed), written in
// the same transaction as the item's row; nothing is deleted, so the
// custody history of an item is the events that name it.
package evidence
