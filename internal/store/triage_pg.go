package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// PostgreSQL stores a delivery's outcomes in two statements, whatever
// their number: every delivery runs one after another under the queue's
// lock (ingestTx), so each round trip to the server is paid in full by
// the intake's throughput, and a statement per item, group and job made a
// new alert's delivery seven round trips. Rows go as arrays (unnest), so
// each statement's text, and the plan pgx caches for it, is the same for
// any number of rows.

// putItemsLockGroupsSQL upserts items and reads the groups being stored,
// locked, as Ingest on SQLite does one group at a time: a queue action
// committed meanwhile is read, not overwritten with the state from before
// it. The insert touches no group, so reading them in the same statement
// (before it, in its snapshot) changes nothing.
const putItemsLockGroupsSQL = `WITH items AS (
	INSERT INTO alert_items (id, group_id, path, fingerprint, status, first_seen, last_seen, doc)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[], $7::timestamptz[], $8::text[])
	ON CONFLICT (id) DO UPDATE SET status = excluded.status, last_seen = excluded.last_seen, doc = excluded.doc
)
SELECT id, doc FROM alert_groups WHERE id = ANY($9::text[]) FOR UPDATE`

// putEntriesJobsSQL upserts queue entries and inserts jobs (as
// insertJobSQL: a job whose ID is stored already is a conflict).
const putEntriesJobsSQL = `WITH entries AS (
	INSERT INTO alert_groups (id, key, status, closed, incident_id, rank, first_seen, last_seen, snoozed_until, doc)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::bool[], $5::text[], $6::bigint[], $7::timestamptz[], $8::timestamptz[], $9::timestamptz[], $10::text[])
	ON CONFLICT (id) DO UPDATE SET status = excluded.status, closed = excluded.closed, incident_id = excluded.incident_id,
		rank = excluded.rank, last_seen = excluded.last_seen, snoozed_until = excluded.snoozed_until, doc = excluded.doc
)
INSERT INTO jobs (id, kind, args, run_at, state, attempt, max_attempts, last_error, created_at, locked_by, locked_until)
SELECT id, kind, args, run_at, state, attempt, max_attempts, '', created_at, locked_by, locked_until
FROM unnest($11::text[], $12::text[], $13::text[], $14::timestamptz[], $15::text[], $16::bigint[], $17::bigint[], $18::timestamptz[], $19::text[], $20::timestamptz[])
	AS j(id, kind, args, run_at, state, attempt, max_attempts, created_at, locked_by, locked_until)`

// storeOutcomesPG stores what Ingest's pipeline decided (items and groups
// as alert.Net folds them) with the jobs it causes, and returns how many
// jobs the engine must be told about after the commit.
func (db *DB) storeOutcomesPG(ctx context.Context, tx *sql.Tx, items []alert.Item, groups []alert.Group, first map[string]alert.Outcome, newEntry func(alert.Group, alert.Outcome) triage.Entry, fed func(*triage.Entry)) (int, error) {
	if len(items) == 0 && len(groups) == 0 {
		return 0, nil
	}
	stored, err := db.putItemsLockGroups(ctx, tx, items, groups)
	if err != nil {
		return 0, err
	}
	if len(groups) == 0 {
		return 0, nil
	}
	told := 0
	var ents entryArrays
	var jobs jobArrays
	now := db.now()
	for _, g := range groups {
		s, ok := stored[g.ID]
		e, newJobs, n, err := db.nextEntry(ctx, g, s, ok, first[g.ID], newEntry, fed)
		if err != nil {
			return 0, err
		}
		if err := ents.add(e); err != nil {
			return 0, err
		}
		for _, j := range newJobs {
			r, err := db.storedJobOf(j, now)
			if err != nil {
				return 0, err
			}
			jobs.add(r, now)
		}
		told += n
	}
	_, err = tx.ExecContext(ctx, putEntriesJobsSQL,
		ents.id, ents.key, ents.status, ents.closed, ents.incident, ents.rank, ents.firstSeen, ents.lastSeen, ents.snoozedUntil, ents.doc,
		jobs.id, jobs.kind, jobs.args, jobs.runAt, jobs.state, jobs.attempt, jobs.maxAttempts, jobs.createdAt, jobs.lockedBy, jobs.lockedUntil)
	if db.dialect.isUnique(err) {
		// The entries' upsert cannot conflict: a job's ID can.
		return 0, errs.E(errs.Conflict, "id", "a job of this delivery already exists")
	}
	if err != nil {
		return 0, fmt.Errorf("store alert groups and their jobs: %w", err)
	}
	return told, nil
}

// putItemsLockGroups upserts items and returns the stored entries of
// groups, by ID, locked.
func (db *DB) putItemsLockGroups(ctx context.Context, tx *sql.Tx, items []alert.Item, groups []alert.Group) (map[string]triage.Entry, error) {
	n := len(items)
	id, groupID, path, fp, status, doc := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]string, n)
	firstSeen, lastSeen := make([]time.Time, n), make([]time.Time, n)
	for i, it := range items {
		d, err := alert.MarshalItem(it)
		if err != nil {
			return nil, fmt.Errorf("encode alert: %w", err)
		}
		id[i], groupID[i], path[i], fp[i], status[i], doc[i] = it.ID, it.GroupID, it.Path, it.Fingerprint, string(it.Status), string(d)
		firstSeen[i], lastSeen[i] = pgTime(it.FirstSeen), pgTime(it.LastSeen)
	}
	ids := make([]string, len(groups))
	for i, g := range groups {
		ids[i] = g.ID
	}
	rows, err := tx.QueryContext(ctx, putItemsLockGroupsSQL, id, groupID, path, fp, status, firstSeen, lastSeen, doc, ids)
	if err != nil {
		return nil, fmt.Errorf("store alerts: %w", err)
	}
	defer rows.Close()
	stored := make(map[string]triage.Entry, len(groups))
	for rows.Next() {
		var gid, d string
		if err := rows.Scan(&gid, &d); err != nil {
			return nil, fmt.Errorf("read alert group: %w", err)
		}
		var e triage.Entry
		if err := json.Unmarshal([]byte(d), &e); err != nil {
			return nil, fmt.Errorf("decode alert group: %w", err)
		}
		stored[gid] = e
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("store alerts: %w", err)
	}
	return stored, nil
}

// pgTime is a time as dialect.t stores it on PostgreSQL.
func pgTime(t time.Time) time.Time { return t.UTC().Truncate(time.Microsecond) }

// entryArrays are queue entries as putEntriesJobsSQL's columns (as
// putEntry writes them).
type entryArrays struct {
	id, key, status, doc []string
	closed               []bool
	incident             []*string
	rank                 []int64
	firstSeen, lastSeen  []time.Time
	snoozedUntil         []*time.Time
}

func (a *entryArrays) add(e triage.Entry) error {
	doc, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode alert group: %w", err)
	}
	var incident *string
	if e.Group.IncidentID != "" {
		incident = &e.Group.IncidentID
	}
	var snoozed *time.Time
	if e.SnoozedUntil != nil {
		t := pgTime(*e.SnoozedUntil)
		snoozed = &t
	}
	a.id, a.key, a.status, a.doc = append(a.id, e.Group.ID), append(a.key, e.Group.Key), append(a.status, string(e.Status)), append(a.doc, string(doc))
	a.closed, a.incident, a.rank = append(a.closed, e.Group.Closed), append(a.incident, incident), append(a.rank, int64(e.Rank))
	a.firstSeen, a.lastSeen, a.snoozedUntil = append(a.firstSeen, pgTime(e.Group.FirstSeen)), append(a.lastSeen, pgTime(e.Group.LastSeen)), append(a.snoozedUntil, snoozed)
	return nil
}

// jobArrays are jobs as putEntriesJobsSQL's columns (as writeJobs writes
// them).
type jobArrays struct {
	id, kind, args, state []string
	runAt, createdAt      []time.Time
	attempt, maxAttempts  []int64
	lockedBy              []*string
	lockedUntil           []*time.Time
}

func (a *jobArrays) add(r storedJob, now time.Time) {
	var by *string
	var until *time.Time
	if s, ok := r.lockedBy.(string); ok {
		by = &s
	}
	if t, ok := r.lockedUntil.(time.Time); ok {
		until = &t
	}
	a.id, a.kind, a.args, a.state = append(a.id, r.id), append(a.kind, r.kind), append(a.args, r.args), append(a.state, r.state)
	a.runAt, a.createdAt = append(a.runAt, pgTime(r.runAt)), append(a.createdAt, pgTime(now))
	a.attempt, a.maxAttempts = append(a.attempt, int64(r.attempt)), append(a.maxAttempts, int64(r.maxAttempts))
	a.lockedBy, a.lockedUntil = append(a.lockedBy, by), append(a.lockedUntil, until)
}

// pgIngestState is the queue as the pipeline reads it inside Ingest on
// PostgreSQL: an ingestState that also reads the open groups a body's new
// alerts may join (alert.Preloader) in the statement that reads its items.
// Every delivery runs its reads one after another under the queue's lock,
// so a new alert's OpenGroup was a round trip of its own inside it. The
// groups are read in the same transaction, under the same lock, right
// before the pipeline looks them up, with no write of this delivery in
// between: what OpenGroup answers is what its own query would have read.
type pgIngestState struct {
	*ingestState
	// groups holds the open group's stored entry of every preloaded key
	// (as openGroupSQL reads it); "" when the key has none.
	groups map[string]string
}

var _ alert.Preloader = (*pgIngestState)(nil)

// preloadGroupsSQL is preloadSQL for n item keys, followed by the open
// group of each key of an array (rows whose path is NULL), chosen as
// openGroupSQL chooses it.
func preloadGroupsSQL(n int) string {
	return preloadSQL(n) + ` UNION ALL SELECT NULL, gk.key, (SELECT g.doc FROM alert_groups g WHERE g.key = gk.key AND g.closed = false ORDER BY g.last_seen DESC LIMIT 1) FROM unnest(?::text[]) AS gk(key)`
}

// Preload reads the latest item of each item key and the open group of
// each group key: the groups go with the first chunk of items.
func (s *pgIngestState) Preload(ctx context.Context, items []alert.ItemKey, groups []string) error {
	if len(groups) == 0 || len(items) == 0 {
		return s.PreloadItems(ctx, items)
	}
	n := min(len(items), preloadChunk)
	args := make([]any, 0, 2*n+1)
	for _, k := range items[:n] {
		args = append(args, k.Path, k.Fingerprint)
	}
	args = append(args, groups)
	rows, err := s.db.queryTx(s.ctx, s.tx, preloadGroupsSQL(n), args...) // the transaction's context (alertState)
	if err != nil {
		return fmt.Errorf("read alerts and their open groups: %w", err)
	}
	defer rows.Close()
	if s.items == nil {
		s.items = make(map[alert.ItemKey]string, len(items))
	}
	s.groups = make(map[string]string, len(groups))
	for rows.Next() {
		var path sql.NullString
		var second string
		var doc sql.NullString
		if err := rows.Scan(&path, &second, &doc); err != nil {
			return fmt.Errorf("read alerts and their open groups: %w", err)
		}
		if path.Valid {
			s.items[alert.ItemKey{Path: path.String, Fingerprint: second}] = doc.String
		} else {
			s.groups[second] = doc.String
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read alerts and their open groups: %w", err)
	}
	if err := rows.Close(); err != nil {
		return fmt.Errorf("read alerts and their open groups: %w", err)
	}
	if len(items) > n {
		return s.PreloadItems(ctx, items[n:])
	}
	return nil
}

// OpenGroup implements alert.State, from the preloaded groups when the key
// was preloaded.
func (s *pgIngestState) OpenGroup(ctx context.Context, key string) (alert.Group, bool, error) {
	doc, ok := s.groups[key]
	if !ok {
		return s.alertState.OpenGroup(ctx, key)
	}
	if doc == "" {
		return alert.Group{}, false, nil
	}
	var e triage.Entry
	if err := json.Unmarshal([]byte(doc), &e); err != nil {
		return alert.Group{}, false, fmt.Errorf("decode alert group: %w", err)
	}
	return e.Group, true, nil
}
