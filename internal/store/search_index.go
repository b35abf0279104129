package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The write side of the search index (search.go reads it): its rows are
// written in the transaction that writes the incident. On SQLite a
// grouped command's index writes wait for the end of its batch
// (atBatchEnd), still inside the batch's transaction, so FTS5 writes one
// segment per batch rather than one per command.

// insertSearch indexes a new incident: its title, summary, the notes of
// its first events and its post-mortem.
func (db *DB) insertSearch(ctx context.Context, tx *sql.Tx, inc *incident.Incident, events []incident.Event) error {
	// The values are taken now: the write may run after the caller has
	// moved on.
	ref, args := inc.Ref, []any{inc.Number, incident.SearchClean(inc.Title), incident.SearchClean(inc.Summary), incident.TimelineText(events), incident.PostmortemText(inc.Postmortem.Doc)}
	return atBatchEnd(ctx, tx, func(ctx context.Context, tx *sql.Tx) error {
		return db.insertSearchRow(ctx, tx, ref, args...)
	})
}

// insertSearchRow writes a new row in the index: number, title, summary,
// timeline, post-mortem.
func (db *DB) insertSearchRow(ctx context.Context, tx *sql.Tx, ref string, args ...any) error {
	if _, err := db.execTx(ctx, tx, db.searchSQL(insertSearchSQL), args...); err != nil {
		return fmt.Errorf("index incident %s: %w", ref, err)
	}
	return nil
}

// The index's writes run in every command's transaction, inside SQLite's
// single writer: prepared once (hot), in SQLite's spelling; searchSQL
// gives PostgreSQL's.
var (
	insertSearchSQL      = hot(`INSERT INTO incident_fts (rowid, title, summary, timeline, postmortem) VALUES (?, ?, ?, ?, ?)`)
	updateSearchSQL      = hot(`UPDATE incident_fts SET title = ?, summary = ?, postmortem = ? WHERE rowid = ?`)
	updateSearchNotesSQL = hot(`UPDATE incident_fts SET title = ?, summary = ?, postmortem = ?, timeline = CASE WHEN timeline = '' THEN ? ELSE timeline || ? END WHERE rowid = ?`)
)

// searchSQL is one of the index's writes for this database.
func (db *DB) searchSQL(q string) string {
	if !db.dialect.postgres() {
		return q
	}
	q = strings.Replace(q, "incident_fts", db.searchTable(), 1)
	return strings.ReplaceAll(q, "rowid", db.searchKey())
}

// updateSearch keeps an incident's row in step with a batch of its
// events: new notes are added to its timeline; the title, summary and
// post-mortem are rewritten when an event may have changed them.
func (db *DB) updateSearch(ctx context.Context, tx *sql.Tx, inc *incident.Incident, events []incident.Event) error {
	notes := incident.TimelineText(events)
	if len(events) == 0 || notes == "" && !incident.SearchChanged(events) {
		return nil
	}
	title, summary, pm := incident.SearchClean(inc.Title), incident.SearchClean(inc.Summary), incident.PostmortemText(inc.Postmortem.Doc)
	query, args := updateSearchSQL, []any{title, summary, pm}
	if notes != "" {
		query = updateSearchNotesSQL
		args = append(args, notes, "\n"+notes)
	}
	args = append(args, inc.Number)
	id, ref, number, upTo := inc.ID, inc.Ref, inc.Number, events[len(events)-1].Seq
	return atBatchEnd(ctx, tx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := db.execTx(ctx, tx, db.searchSQL(query), args...)
		if err != nil {
			return fmt.Errorf("index incident %s: %w", ref, err)
		}
		if n, err := res.RowsAffected(); err != nil {
			return fmt.Errorf("index incident %s: %w", ref, err)
		} else if n > 0 {
			return nil
		}
		// No row (it never should: the migration indexed every incident):
		// index the stream up to these events rather than lose the notes
		// (later writes of the same batch add their own).
		all, err := eventsTx(ctx, db, tx, id, upTo)
		if err != nil {
			return err
		}
		return db.insertSearchRow(ctx, tx, ref, number, title, summary, incident.TimelineText(all), pm)
	})
}

// eventsTx reads incident id's events up to seq upTo.
func eventsTx(ctx context.Context, db *DB, tx *sql.Tx, id string, upTo int64) ([]incident.Event, error) {
	rows, err := tx.QueryContext(ctx, db.dialect.q(`SELECT type, data FROM events WHERE incident_id = ? AND seq <= ? ORDER BY seq`), id, upTo)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []incident.Event
	for rows.Next() {
		var e incident.Event
		var data string
		if err := rows.Scan(&e.Type, &data); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.Data = []byte(data)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// SearchRow is an incident's row in the search index, for audits.
type SearchRow struct {
	Title, Summary, Timeline, Postmortem string
}

// searchRow reads incident id's row in the search index; nil when it
// has none.
func (db *DB) searchRow(ctx context.Context, id string) (*SearchRow, error) {
	var r SearchRow
	err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT title, summary, timeline, postmortem FROM `+db.searchTable()+
		` WHERE `+db.searchKey()+` = (SELECT number FROM incidents WHERE id = ?)`), id).Scan(&r.Title, &r.Summary, &r.Timeline, &r.Postmortem)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read search row: %w", err)
	}
	return &r, nil
}
