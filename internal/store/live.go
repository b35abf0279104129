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
// delivered only when, and as soon as, the write commits (a change of the
// triage queue is announced just after, see AnnounceQueue); each node's
// Listener hears every announcement, its own included, and feeds its
// console's live pages. SQLite serves one node and announces nothing here:
// the console hears its own process's services instead.

// Change is what one write of an incident's events announces to every
// node: which incident, its new version, and the last event's type and
// actor. It carries no content (no title, no body), so a listener decides
// who may hear of it by reading the incident itself.
type Change struct {
	IncidentID string `json:"id,omitempty"`
	Version    int64  `json:"v,omitempty"`
	Type       string `json:"type"`
	Actor      string `json:"actor,omitempty"`
	// Queue is set, and IncidentID and Version are not, when the change
	// is to the triage queue; Type is then the queue's action.
	Queue *QueueChange `json:"q,omitempty"`
}

// QueueChange says who may hear of a change to the triage queue, again
// without content: a listener reads the linked incidents itself.
type QueueChange struct {
	// Public is set when an entry linked to no incident changed.
	Public bool `json:"pub,omitempty"`
	// Linked are the IDs of the incidents the changed entries are linked
	// to: their viewers may hear of it.
	Linked []string `json:"inc,omitempty"`
	// All is set instead when too many incidents were linked to name in
	// one notification: every open page refreshes, which shows each only
	// what its viewer may see.
	All bool `json:"all,omitempty"`
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

// AnnounceQueue tells every node that the triage queue changed by action
// of actor (PostgreSQL only): entries linked to no incident when public,
// and entries linked to the incidents linked.
//
// It is sent once the change has committed, not inside its transaction
// (the queue's writes, intake's among them, tell their observers after
// commit, and this is one). A notification is a hint to refresh, like the
// observers' in-memory signals: one lost to a crash between the commit and
// this call leaves other nodes' queue pages stale until the next change,
// and never shows anything uncommitted.
func (db *DB) AnnounceQueue(ctx context.Context, action, actor string, public bool, linked []string) error {
	if !db.dialect.postgres() {
		return nil
	}
	c := Change{Type: action, Actor: actor, Queue: &QueueChange{Public: public, Linked: linked}}
	b, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode queue change: %w", err)
	}
	if len(b) > maxPayload {
		c.Queue = &QueueChange{All: true}
		if len(actor) > maxPayload/2 {
			c.Actor = ""
		}
		if b, err = json.Marshal(c); err != nil {
			return fmt.Errorf("encode queue change: %w", err)
		}
	}
	if _, err := db.write.ExecContext(ctx, `SELECT pg_notify($1, $2)`, db.channel, string(b)); err != nil {
		return fmt.Errorf("announce the queue's change: %w", err)
	}
	return nil
}

// parseChange reads a notification's payload.
func parseChange(payload string) (Change, error) {
	var c Change
	if err := json.Unmarshal([]byte(payload), &c); err != nil {
		return Change{}, fmt.Errorf("decode change: %w", err)
	}
	if c.Queue != nil {
		if c.Type == "" || c.IncidentID != "" {
			return Change{}, fmt.Errorf("decode change: a queue change with no action or with an incident in %.80q", payload)
		}
		return c, nil
	}
	if c.IncidentID == "" || c.Version < 1 {
		return Change{}, fmt.Errorf("decode change: no incident or version in %.80q", payload)
	}
	return c, nil
}
