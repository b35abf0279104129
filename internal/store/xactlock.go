package store

import (
	"context"
	"database/sql"
	"fmt"
)

// Advisory lock keys. Each serialises, on PostgreSQL, one kind of
// transaction that decides from what it reads and writes the result, so
// two at once would each decide on a state the other is changing. SQLite's
// single writer runs them one at a time already.
const (
	// queueLockKey: ingests (is a key's group open, what did it count)
	// and closing an incident's groups.
	queueLockKey int64 = 0x66627472696167 // "fbtriag"
	// rosterLockKey: on-call configuration changes, whose check judges
	// the whole configuration after the change.
	rosterLockKey int64 = 0x6662726f737472 // "fbrostr"
)

// xactLock takes the advisory lock key until tx ends (PostgreSQL only).
func (db *DB) xactLock(ctx context.Context, tx *sql.Tx, key int64) error {
	if !db.dialect.postgres() {
		return nil
	}
	if _, err := tx.ExecContext(ctx, `SELECT pg_advisory_xact_lock($1)`, key); err != nil {
		return fmt.Errorf("advisory lock %x: %w", key, err)
	}
	return nil
}
