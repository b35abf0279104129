package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// ingestState is the queue as the pipeline reads it inside Ingest: an
// alertState that also reads the latest items of a whole body in one
// query (alert.ItemPreloader) instead of one query per alert, inside the
// single writer where every statement is serial.
type ingestState struct {
	alertState
	// items holds the latest item's document of every preloaded key; ""
	// when the key has no item. A key not in it is read on its own.
	items map[alert.ItemKey]string
}

var _ alert.ItemPreloader = (*ingestState)(nil)

// preloadChunk bounds the keys of one preload query on PostgreSQL (two
// parameters each).
const preloadChunk = 250

// preloads are the preload queries SQLite runs, prepared once (hot) for a
// few sizes: parsing one query for a body's keys cost more than running it
// (a 100-key query took 4% of the writer's CPU under a storm to prepare).
var preloads = []itemUpsert{{64, hot(preloadSQL(64))}, {16, hot(preloadSQL(16))}, {4, hot(preloadSQL(4))}, {1, hot(preloadSQL(1))}}

// preloadSQL reads the latest item of each of n keys, as LatestItem's
// query would (the same correlated lookup, so the same index and the same
// row on a tie).
func preloadSQL(n int) string {
	var q strings.Builder
	q.WriteString(`WITH k(path, fp) AS (VALUES `)
	for i := range n {
		if i > 0 {
			q.WriteString(`, `)
		}
		q.WriteString(`(?, ?)`)
	}
	q.WriteString(`) SELECT k.path, k.fp, (SELECT i.doc FROM alert_items i WHERE i.path = k.path AND i.fingerprint = k.fp ORDER BY i.first_seen DESC LIMIT 1) FROM k`)
	return q.String()
}

// preloadFor is the query for the first of n keys left and how many keys it
// takes: on SQLite one of preloads, on PostgreSQL (pgx caches prepared
// statements itself) one query per chunk.
func (db *DB) preloadFor(n int) (string, int) {
	if db.dialect.postgres() {
		n = min(n, preloadChunk)
		return preloadSQL(n), n
	}
	for _, p := range preloads {
		if p.rows <= n {
			return p.sql, p.rows
		}
	}
	return preloads[len(preloads)-1].sql, 1
}

// PreloadItems reads the latest item of each key, a few statements for
// many keys.
func (s *ingestState) PreloadItems(_ context.Context, keys []alert.ItemKey) error {
	if s.items == nil {
		s.items = make(map[alert.ItemKey]string, len(keys))
	}
	args := make([]any, 0, 2*min(len(keys), preloadChunk))
	for len(keys) > 0 {
		q, n := s.db.preloadFor(len(keys))
		args = args[:0]
		for _, k := range keys[:n] {
			args = append(args, k.Path, k.Fingerprint)
		}
		keys = keys[n:]
		if err := s.preload(s.ctx, q, args); err != nil { // the transaction's context (alertState)
			return err
		}
	}
	return nil
}

func (s *ingestState) preload(ctx context.Context, q string, args []any) error {
	rows, err := s.db.queryTx(ctx, s.tx, q, args...)
	if err != nil {
		return fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var k alert.ItemKey
		var doc sql.NullString
		if err := rows.Scan(&k.Path, &k.Fingerprint, &doc); err != nil {
			return fmt.Errorf("read alerts: %w", err)
		}
		s.items[k] = doc.String
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read alerts: %w", err)
	}
	return nil
}

// LatestItem implements alert.State, from the preloaded items when the key
// was preloaded.
func (s *ingestState) LatestItem(ctx context.Context, path, fp string) (alert.Item, bool, error) {
	doc, ok := s.items[alert.ItemKey{Path: path, Fingerprint: fp}]
	if !ok {
		return s.alertState.LatestItem(ctx, path, fp)
	}
	if doc == "" {
		return alert.Item{}, false, nil
	}
	var it alert.Item
	if err := json.Unmarshal([]byte(doc), &it); err != nil {
		return alert.Item{}, false, fmt.Errorf("decode alert: %w", err)
	}
	return it, true, nil
}

// itemUpsert is a multi-row upsert of alert items, prepared once per
// connection (hot) for each of a few sizes: a body's items go in a few
// statements (100 = 64 + 16 + 16 + 4) instead of one each.
type itemUpsert struct {
	rows int
	sql  string
}

const itemColumns = 8

var itemUpserts = []itemUpsert{{64, hot(itemUpsertSQL(64))}, {16, hot(itemUpsertSQL(16))}, {4, hot(itemUpsertSQL(4))}, {1, hot(itemUpsertSQL(1))}}

func itemUpsertSQL(rows int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO alert_items (id, group_id, path, fingerprint, status, first_seen, last_seen, doc) VALUES `)
	for i := range rows {
		if i > 0 {
			b.WriteString(`, `)
		}
		b.WriteString(`(?, ?, ?, ?, ?, ?, ?, ?)`)
	}
	b.WriteString(` ON CONFLICT (id) DO UPDATE SET status = excluded.status, last_seen = excluded.last_seen, doc = excluded.doc`)
	return b.String()
}

// putItems upserts items, each at most once (alert.Net), a few statements
// for many items.
func (db *DB) putItems(ctx context.Context, tx *sql.Tx, items []alert.Item) error {
	args := make([]any, 0, itemColumns*min(len(items), itemUpserts[0].rows))
	for len(items) > 0 {
		u := itemUpserts[len(itemUpserts)-1]
		for _, c := range itemUpserts {
			if c.rows <= len(items) {
				u = c
				break
			}
		}
		args = args[:0]
		for _, it := range items[:u.rows] {
			doc, err := alert.MarshalItem(it)
			if err != nil {
				return fmt.Errorf("encode alert: %w", err)
			}
			args = append(args, it.ID, it.GroupID, it.Path, it.Fingerprint, string(it.Status), db.dialect.t(it.FirstSeen), db.dialect.t(it.LastSeen), string(doc))
		}
		if _, err := db.execTx(ctx, tx, u.sql, args...); err != nil {
			return fmt.Errorf("store alerts: %w", err)
		}
		items = items[u.rows:]
	}
	return nil
}
