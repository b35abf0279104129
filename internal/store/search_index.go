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
// written in the transaction that writes the incident.

// writeSearch indexes a new incident: its title, summary, the notes of
// its first events and its post-mortem.
func (db *DB) insertSearch(ctx context.Context, tx *sql.Tx, inc *incident.Incident, events []incident.Event) error {
	_, err := db.execTx(ctx, tx, db.searchSQL(insertSearchSQL),
		inc.Number, incident.SearchClean(inc.Title), incident.SearchClean(inc.Summary), incident.TimelineText(events), incident.PostmortemText(inc.Postmortem.Doc))
	if err != nil {
		return fmt.Errorf("index incident %s: %w", inc.Ref, err)
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
	if notes == "" && !incident.SearchChanged(events) {
		return nil
	}
	query := updateSearchSQL
	args := []any{incident.SearchClean(inc.Title), incident.SearchClean(inc.Summary), incident.PostmortemText(inc.Postmortem.Doc)}
	if notes != "" {
		query = updateSearchNotesSQL
		args = append(args, notes, "\n"+notes)
	}
	res, err := db.execTx(ctx, tx, db.searchSQL(query), append(args, inc.Number)...)
	if err != nil {
		return fmt.Errorf("index incident %s: %w", inc.Ref, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("index incident %s: %w", inc.Ref, err)
	} else if n > 0 {
		return nil
	}
	// No row (it never should: the migration indexed every incident):
	// index the whole stream rather than lose the notes.
	all, err := eventsTx(ctx, db, tx, inc.ID)
	if err != nil {
		return err
	}
	return db.insertSearch(ctx, tx, inc, all)
}

func eventsTx(ctx context.Context, db *DB, tx *sql.Tx, id string) ([]incident.Event, error) {
	rows, err := tx.QueryContext(ctx, db.dialect.q(`SELECT type, data FROM events WHERE incident_id = ? ORDER BY seq`), id)
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
