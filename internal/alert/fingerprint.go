package alert

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"slices"
	"strings"
	"time"
)

// Fingerprint returns a stable identity for a label set: the SHA-256, in hex,
// of the labels sorted by name, each name and value prefixed by its length
// so that {"a":"bc"} and {"ab":"c"} differ. The order of the map never
// matters; a nil and an empty map have the same fingerprint.
func Fingerprint(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	slices.Sort(names)
	h := sha256.New()
	for _, n := range names {
		writeField(h, n)
		writeField(h, labels[n])
	}
	return hex.EncodeToString(h.Sum(nil))
}

func writeField(h hash.Hash, s string) {
	var n [8]byte
	binary.BigEndian.PutUint64(n[:], uint64(len(s)))
	h.Write(n[:])
	h.Write([]byte(s))
}

// derivedID makes a deterministic identifier from its parts, so that the
// same input always yields the same item or group (a retried delivery maps
// to the same rows) and the core needs no random source.
func derivedID(prefix string, parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		writeField(h, p)
	}
	return prefix + hex.EncodeToString(h.Sum(nil))[:24]
}

// itemID is an item's derivedID behind the time it was first seen (at),
// in fixed-width hex. Items are inserted in about the order they are first
// seen, so their keys (alert_items' primary key) go in at the end of the
// index, a few pages per commit, instead of one random page per alert that
// every commit and checkpoint then writes out. at is part of the
// derivation, so the same input still yields the same identifier.
func itemID(path, fingerprint string, startsAt, at time.Time) string {
	var t [8]byte
	binary.BigEndian.PutUint64(t[:], uint64(at.UnixNano()))
	return "alr_" + hex.EncodeToString(t[:]) + derivedID("", path, fingerprint, stamp(startsAt), stamp(at))
}

func stamp(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// labelString renders labels as {a="x", b="y"}, sorted by name, the way
// Alertmanager renders group labels.
func labelString(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	slices.Sort(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(quoteName(n))
		b.WriteByte('=')
		b.WriteString(quoteValue(labels[n]))
	}
	b.WriteByte('}')
	return b.String()
}
