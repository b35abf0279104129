package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Live updates across nodes (PostgreSQL). Every write of incident events
// announces the change with pg_notify in the same transaction, so it is
// delivered only when, and as soon as, the write commits; each node's
// Listener hears every announcement, its own included, and feeds its
// console's live pages. SQLite serves one node and announces nothing here:
// the console hears its own process's services instead.

// Change is what one write of an incident's events announces to every
// node: which incident, its new version, and the last event's type and
// actor. It carries no content (no title, no body), so a listener decides
// who may hear of it by reading the incident itself.
type Change struct {
	IncidentID string `json:"id"`
	Version    int64  `json:"v"`
	Type       string `json:"type"`
	Actor      string `json:"actor,omitempty"`
}

// maxPayload is below PostgreSQL's 8000-byte limit on a notification.
const maxPayload = 7900

// liveChannel is the channel of the database's (and schema's) changes.
// Notifications are per database, not per schema, so the schema is in the
// name: two Firebreaks in two schemas of one database do not hear each
// other. A channel name is at most 63 bytes, hence the hash of a long one.
func liveChannel(schema string) string {
	const prefix = "firebreak:"
	if len(prefix)+len(schema) <= 63 {
		return prefix + schema
	}
	sum := sha256.Sum256([]byte(schema))
	return prefix + hex.EncodeToString(sum[:16])
}

// setLiveChannel names the channel after the schema the store writes to.
func (db *DB) setLiveChannel(ctx context.Context) error {
	if !db.dialect.postgres() {
		return nil
	}
	var schema string
	if err := db.read.QueryRowContext(ctx, `SELECT current_schema()`).Scan(&schema); err != nil {
		return fmt.Errorf("read the current schema: %w", err)
	}
	db.channel = liveChannel(schema)
	return nil
}

// announce tells every node, once tx commits, that events were recorded
// (PostgreSQL only).
func (db *DB) announce(ctx context.Context, tx *sql.Tx, events []incident.Event) error {
	if !db.dialect.postgres() || len(events) == 0 {
		return nil
	}
	last := events[len(events)-1]
	c := Change{IncidentID: last.IncidentID, Version: last.Seq, Type: last.Type, Actor: last.Actor}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode change: %w", err)
	}
	if len(b) > maxPayload {
		// Only an absurd actor name gets here; the change still goes out.
		c.Actor = ""
		if b, err = json.Marshal(c); err != nil {
			return fmt.Errorf("encode change: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_notify($1, $2)`, db.channel, string(b)); err != nil {
		return fmt.Errorf("announce the change of %s: %w", last.IncidentID, err)
	}
	return nil
}

// parseChange reads a notification's payload.
func parseChange(payload string) (Change, error) {
	var c Change
	if err := json.Unmarshal([]byte(payload), &c); err != nil {
		return Change{}, fmt.Errorf("decode change: %w", err)
	}
	if c.IncidentID == "" || c.Version < 1 {
		return Change{}, fmt.Errorf("decode change: no incident or version in %.80q", payload)
	}
	return c, nil
}
