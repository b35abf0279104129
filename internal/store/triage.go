package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

var _ triage.Store = (*DB)(nil)

// CreateIntegration stores an integration by the hash of its secret.
func (db *DB) CreateIntegration(ctx context.Context, in triage.Integration, tokenHash string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO integrations (id, kind, name, service, team, token_hash, created_by, created_at, disabled)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`), in.ID, string(in.Kind), in.Name, in.Service, in.Team, tokenHash, in.CreatedBy, db.dialect.t(in.CreatedAt), false)
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "name", "an integration named %s already exists", in.Name)
		}
		if err != nil {
			return fmt.Errorf("create integration: %w", err)
		}
		return nil
	})
}

// PutIntegration creates or updates an integration by name.
func (db *DB) PutIntegration(ctx context.Context, in triage.Integration, tokenHash string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		_, err := tx.ExecContext(ctx, db.dialect.q(`INSERT INTO integrations (id, kind, name, service, team, token_hash, created_by, created_at, disabled)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
			ON CONFLICT (name) DO UPDATE SET kind = excluded.kind, service = excluded.service, team = excluded.team,
				token_hash = excluded.token_hash, disabled = excluded.disabled`),
			in.ID, string(in.Kind), in.Name, in.Service, in.Team, tokenHash, in.CreatedBy, db.dialect.t(in.CreatedAt), false)
		if db.dialect.isUnique(err) {
			return errs.E(errs.Conflict, "token", "integration %s: that secret is already another integration's", in.Name)
		}
		if err != nil {
			return fmt.Errorf("put integration: %w", err)
		}
		return nil
	})
}

const integrationColumns = `id, kind, name, service, team, created_by, created_at, disabled`

func scanIntegration(r rowScanner) (triage.Integration, error) {
	var it triage.Integration
	var kind string
	var at dbTime
	err := r.Scan(&it.ID, &kind, &it.Name, &it.Service, &it.Team, &it.CreatedBy, &at, &it.Disabled)
	it.Kind, it.CreatedAt = alert.Source(kind), at.Time
	return it, err
}

// Integrations lists integrations by name.
func (db *DB) Integrations(ctx context.Context) ([]triage.Integration, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+integrationColumns+` FROM integrations ORDER BY name`)
	if err != nil {
		return nil, fmt.Errorf("list integrations: %w", err)
	}
	defer rows.Close()
	out := []triage.Integration{}
	for rows.Next() {
		it, err := scanIntegration(rows)
		if err != nil {
			return nil, fmt.Errorf("list integrations: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// IntegrationByToken finds an integration by its secret's hash.
func (db *DB) IntegrationByToken(ctx context.Context, tokenHash string) (triage.Integration, error) {
	it, err := scanIntegration(db.read.QueryRowContext(ctx, db.dialect.q(`SELECT `+integrationColumns+` FROM integrations WHERE token_hash = ?`), tokenHash))
	if errors.Is(err, sql.ErrNoRows) {
		return triage.Integration{}, notFound("token", "no such integration")
	}
	if err != nil {
		return triage.Integration{}, fmt.Errorf("find integration: %w", err)
	}
	return it, nil
}

// DisableIntegration turns an integration off.
func (db *DB) DisableIntegration(ctx context.Context, id string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		res, err := tx.ExecContext(ctx, db.dialect.q(`UPDATE integrations SET disabled = ? WHERE id = ?`), true, id)
		if err != nil {
			return fmt.Errorf("disable integration: %w", err)
		}
		if n, _ := res.RowsAffected(); n == 0 {
			return notFound("id", "no integration %s", id)
		}
		return nil
	})
}

var latestItemSQL = hot(`SELECT doc FROM alert_items WHERE path = ? AND fingerprint = ? ORDER BY first_seen DESC LIMIT 1`)

// alertState is the queue's state as the pipeline reads it, inside the
// ingest transaction.
//
// Its reads run under the transaction's context, ctx, not the one the
// pipeline passes (its caller's request): the transaction may be shared
// with other callers (group commit), and a cancelled statement would abort
// it for all of them, or on PostgreSQL break its connection.
type alertState struct {
	db  *DB
	ctx context.Context
	tx  *sql.Tx
}

func (s alertState) LatestItem(_ context.Context, path, fp string) (alert.Item, bool, error) {
	var doc string
	err := s.db.queryRowTx(s.ctx, s.tx, latestItemSQL, path, fp).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return alert.Item{}, false, nil
	}
	if err != nil {
		return alert.Item{}, false, fmt.Errorf("read alert: %w", err)
	}
	var it alert.Item
	if err := json.Unmarshal([]byte(doc), &it); err != nil {
		return alert.Item{}, false, fmt.Errorf("decode alert: %w", err)
	}
	return it, true, nil
}

func (s alertState) entry(ctx context.Context, query string, args ...any) (triage.Entry, bool, error) {
	var doc string
	err := s.db.queryRowTx(ctx, s.tx, query, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return triage.Entry{}, false, nil
	}
	if err != nil {
		return triage.Entry{}, false, fmt.Errorf("read alert group: %w", err)
	}
	var e triage.Entry
	if err := json.Unmarshal([]byte(doc), &e); err != nil {
		return triage.Entry{}, false, fmt.Errorf("decode alert group: %w", err)
	}
	return e, true, nil
}

func (s alertState) Group(_ context.Context, id string) (alert.Group, bool, error) {
	e, ok, err := s.entry(s.ctx, `SELECT doc FROM alert_groups WHERE id = ?`, id)
	return e.Group, ok, err
}

func (s alertState) OpenGroup(_ context.Context, key string) (alert.Group, bool, error) {
	e, ok, err := s.entry(s.ctx, openGroupSQL[s.db.dialect.postgres()], key)
	return e.Group, ok, err
}

func (db *DB) falseLit() string {
	if db.dialect.postgres() {
		return "false"
	}
	return "0"
}

// ingestTx is tx for Ingest, holding the queue's lock (queueLockKey). On
// PostgreSQL every delivery takes that lock and holds it through its
// commit, so concurrent deliveries would wait on each other's WAL flush one
// at a time; committing the waiting ones together in one transaction (as
// SQLite's group commit does for every write) flushes once per batch and
// takes no parallelism away. The batch takes the lock once, with its first
// savepoint (db.ingest's first). Each delivery still runs in its own
// savepoint, so a failing one undoes only its own writes, and each hears
// success only after the shared commit. SQLite's single writer needs no
// lock.
func (db *DB) ingestTx(ctx context.Context, fn func(ctx context.Context, tx *sql.Tx) error) error {
	if db.ingest != nil {
		return db.txIn(ctx, db.ingest, fn)
	}
	return db.tx(ctx, fn)
}

// Ingest runs the pipeline against the stored queue and stores its
// outcomes, all in one transaction.
func (db *DB) Ingest(ctx context.Context, process func(alert.State) ([]alert.Outcome, error), newEntry func(alert.Group, alert.Outcome) triage.Entry, fed func(*triage.Entry)) ([]alert.Outcome, error) {
	var outcomes []alert.Outcome
	jobs := 0
	err := db.ingestTx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		jobs = 0
		st := &ingestState{alertState: alertState{db: db, ctx: ctx, tx: tx}}
		var state alert.State = st
		if db.dialect.postgres() {
			state = &pgIngestState{ingestState: st}
		}
		var err error
		if outcomes, err = process(state); err != nil {
			return err
		}
		items, groups := alert.Net(outcomes)
		first := map[string]alert.Outcome{}
		for _, o := range outcomes {
			if _, ok := first[o.Group.ID]; !ok && o.Kind != alert.Ignored {
				first[o.Group.ID] = o
			}
		}
		if db.dialect.postgres() {
			n, err := db.storeOutcomesPG(ctx, tx, items, groups, first, newEntry, fed)
			jobs = n
			return err
		}
		if err := db.putItems(ctx, tx, items); err != nil {
			return err
		}
		for _, g := range groups {
			// Locked: a queue action committed meanwhile is read, not
			// overwritten with the state from before it.
			stored, ok, err := st.entry(ctx, `SELECT doc FROM alert_groups WHERE id = ?`+db.forUpdate(), g.ID)
			if err != nil {
				return err
			}
			e, newJobs, told, err := db.nextEntry(ctx, g, stored, ok, first[g.ID], newEntry, fed)
			if err != nil {
				return err
			}
			if err := db.putEntry(ctx, tx, e); err != nil {
				return err
			}
			if err := db.insertJobs(ctx, tx, newJobs...); err != nil {
				return err
			}
			jobs += told
		}
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return outcomes, err
}

func (db *DB) putEntry(ctx context.Context, tx *sql.Tx, e triage.Entry) error {
	doc, err := json.Marshal(e)
	if err != nil {
		return fmt.Errorf("encode alert group: %w", err)
	}
	var incident any
	if e.Group.IncidentID != "" {
		incident = e.Group.IncidentID
	}
	_, err = db.execTx(ctx, tx, putEntrySQL,
		e.Group.ID, e.Group.Key, string(e.Status), e.Group.Closed, incident, e.Rank, db.dialect.t(e.Group.FirstSeen), db.dialect.t(e.Group.LastSeen),
		db.dialect.tp(e.SnoozedUntil), string(doc))
	if err != nil {
		return fmt.Errorf("store alert group: %w", err)
	}
	return nil
}

// visibleSQL keeps the alert groups (g) a viewer may see: those linked to
// no incident, and those linked to an incident the viewer may see, by
// incident.Viewer.CanSee's rule (not restricted, or declared by them, or
// they hold a role on it), as the incident list filters. Its arguments
// are visibleArgs. A link to an incident that is not there hides the group.
const visibleSQL = `(g.incident_id IS NULL OR EXISTS (SELECT 1 FROM incidents i WHERE i.id = g.incident_id AND
	(i.restricted = ? OR i.declared_by = ? OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.id AND r.username = ?))))`

func visibleArgs(v incident.Viewer) []any { return []any{false, v.User, v.User} }

// entryFor is the query and arguments that read entry id as v may see it.
func entryFor(v incident.Viewer, id string) (string, []any) {
	if v.SeeAll {
		return entrySQL, []any{id}
	}
	return visibleEntrySQL, append([]any{id}, visibleArgs(v)...)
}

// Queue lists the first page of the entries f.Viewer may see (see
// QueuePage).
func (db *DB) Queue(ctx context.Context, f triage.Filter) ([]triage.Entry, error) {
	f.Cursor = ""
	p, err := db.QueuePage(ctx, f)
	return p.Items, err
}

// maxQueuePage bounds a page of the queue.
const maxQueuePage = 500

// QueuePage lists the entries f.Viewer may see: waiting ones (snoozed
// ones once due) unless f.All; most severe first (rank), then most
// recently active, then by id, a page at a time. A cursor holds the last
// entry's (rank, last_seen, id); the next page is the rest of that rank
// after it, then the ranks after it, each read from the index in order
// (migration 00019), so a page costs the same however deep it is. An
// entry whose activity changes between two pages moves in the order, and
// may then be listed twice or not at all.
func (db *DB) QueuePage(ctx context.Context, f triage.Filter) (triage.Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 100
	}
	limit = min(limit, maxQueuePage)
	var where []string
	var args []any
	if !f.All {
		// The first term is the partial index's predicate, word for word.
		where = append(where, `g.status IN ('new', 'acknowledged', 'snoozed')`, `(g.status <> 'snoozed' OR g.snoozed_until <= ?)`)
		args = append(args, db.dialect.t(f.Now))
	}
	if !f.Viewer.SeeAll {
		where = append(where, visibleSQL)
		args = append(args, visibleArgs(f.Viewer)...)
	}
	from := `alert_groups g`
	if !db.dialect.postgres() {
		// SQLite's planner prefers the status index and sorts what it
		// finds (a second for 100,000 entries); walking the order index
		// stops after a page.
		from += ` INDEXED BY alert_groups_order`
		if !f.All {
			from = `alert_groups g INDEXED BY alert_groups_waiting_order`
		}
	}
	sel := func(extra ...string) string {
		w := append(slices.Clone(where), extra...)
		q := `SELECT g.rank, g.last_seen, g.id, g.doc FROM ` + from
		if len(w) > 0 {
			q += ` WHERE ` + strings.Join(w, ` AND `)
		}
		return q + ` ORDER BY g.rank, g.last_seen DESC, g.id DESC LIMIT ?`
	}
	var query string
	var qargs []any
	if f.Cursor == "" {
		query, qargs = sel(), append(slices.Clone(args), limit+1)
	} else {
		c, err := decodeQueueCursor(f.Cursor)
		if err != nil {
			return triage.Page{}, err
		}
		ls := db.dialect.t(c.lastSeen)
		// Row values seek in the index; an OR of the two cases would
		// walk the rank from its start.
		query = `SELECT * FROM (` + sel(`g.rank = ?`, `(g.last_seen, g.id) < (?, ?)`) + `) AS same_rank
			UNION ALL SELECT * FROM (` + sel(`g.rank > ?`) + `) AS later_ranks
			ORDER BY 1, 2 DESC, 3 DESC LIMIT ?`
		qargs = append(slices.Clone(args), c.rank, ls, c.id, limit+1)
		qargs = append(qargs, args...)
		qargs = append(qargs, c.rank, limit+1, limit+1)
	}
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), qargs...)
	if err != nil {
		return triage.Page{}, fmt.Errorf("read queue: %w", err)
	}
	defer rows.Close()
	page := triage.Page{Items: make([]triage.Entry, 0, min(limit, 100))}
	var last queueCursor
	for rows.Next() {
		var c queueCursor
		var ls dbTime
		var doc string
		if err := rows.Scan(&c.rank, &ls, &c.id, &doc); err != nil {
			return triage.Page{}, fmt.Errorf("read queue: %w", err)
		}
		if len(page.Items) == limit {
			page.NextCursor = last.encode()
			break
		}
		var e triage.Entry
		if err := json.Unmarshal([]byte(doc), &e); err != nil {
			return triage.Page{}, fmt.Errorf("decode queue entry: %w", err)
		}
		page.Items = append(page.Items, e)
		c.lastSeen = ls.Time
		last = c
	}
	if err := rows.Err(); err != nil {
		return triage.Page{}, fmt.Errorf("read queue: %w", err)
	}
	return page, nil
}

// queueCursor is where a page of the queue ended.
type queueCursor struct {
	rank     int64
	lastSeen time.Time
	id       string
}

func (c queueCursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte(fmt.Sprintf("q:%d:%d:%s", c.rank, c.lastSeen.UnixMicro(), c.id)))
}

func decodeQueueCursor(s string) (queueCursor, error) {
	bad := errs.E(errs.Invalid, "cursor", "is not a cursor this server issued")
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return queueCursor{}, bad
	}
	parts := strings.SplitN(string(b), ":", 4)
	if len(parts) != 4 || parts[0] != "q" || parts[3] == "" {
		return queueCursor{}, bad
	}
	rank, err1 := strconv.ParseInt(parts[1], 10, 64)
	us, err2 := strconv.ParseInt(parts[2], 10, 64)
	if err1 != nil || err2 != nil {
		return queueCursor{}, bad
	}
	return queueCursor{rank: rank, lastSeen: time.UnixMicro(us).UTC(), id: parts[3]}, nil
}

// Entry returns one queue entry, when v may see it; one v may not see is
// not found, as a missing one is.
func (db *DB) Entry(ctx context.Context, v incident.Viewer, id string) (triage.Entry, error) {
	var doc string
	query, args := entryFor(v, id)
	err := db.queryRowRead(ctx, query, args...).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return triage.Entry{}, notFound("id", "no queue entry %s", id)
	}
	if err != nil {
		return triage.Entry{}, fmt.Errorf("read queue entry: %w", err)
	}
	var e triage.Entry
	if err := json.Unmarshal([]byte(doc), &e); err != nil {
		return triage.Entry{}, fmt.Errorf("decode queue entry: %w", err)
	}
	return e, nil
}

// Items returns a group's alerts, oldest first.
func (db *DB) Items(ctx context.Context, groupID string) ([]alert.Item, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT doc FROM alert_items WHERE group_id = ? ORDER BY first_seen LIMIT 1000`), groupID)
	if err != nil {
		return nil, fmt.Errorf("read alerts: %w", err)
	}
	defer rows.Close()
	out := []alert.Item{}
	for rows.Next() {
		var doc string
		if err := rows.Scan(&doc); err != nil {
			return nil, fmt.Errorf("read alerts: %w", err)
		}
		var it alert.Item
		if err := json.Unmarshal([]byte(doc), &it); err != nil {
			return nil, fmt.Errorf("decode alert: %w", err)
		}
		out = append(out, it)
	}
	return out, rows.Err()
}

// UpdateEntry changes an entry v may see and records the action,
// atomically; one v may not see is not found.
func (db *DB) UpdateEntry(ctx context.Context, v incident.Viewer, id string, l triage.LogEntry, fn func(*triage.Entry) error) (triage.Entry, error) {
	var out triage.Entry
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		st := alertState{db: db, ctx: ctx, tx: tx}
		query, args := entryFor(v, id)
		// Locked, so two changes at once apply one after the other: of
		// two claims of a waiting entry, the second sees the first's.
		e, ok, err := st.entry(ctx, query+db.forUpdate(), args...)
		if err != nil {
			return err
		}
		if !ok {
			return notFound("id", "no queue entry %s", id)
		}
		if err := fn(&e); err != nil {
			return err
		}
		if err := db.putEntry(ctx, tx, e); err != nil {
			return err
		}
		if l.Action != "" {
			_, err = tx.ExecContext(ctx, db.dialect.q(`INSERT INTO triage_log (group_id, action, actor, at, data) VALUES (?, ?, ?, ?, ?)`),
				id, l.Action, l.Actor, db.dialect.t(l.At), l.Data)
			if err != nil {
				return fmt.Errorf("record triage action: %w", err)
			}
		}
		out = e
		return nil
	})
	return out, err
}

// CloseGroupsOf closes an incident's open groups.
func (db *DB) CloseGroupsOf(ctx context.Context, incidentID string) error {
	return db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		if err := db.xactLock(ctx, tx, queueLockKey); err != nil {
			return err
		}
		rows, err := tx.QueryContext(ctx, db.dialect.q(`SELECT doc FROM alert_groups WHERE incident_id = ? AND closed = `+db.falseLit()+db.forUpdate()), incidentID)
		if err != nil {
			return fmt.Errorf("read incident's groups: %w", err)
		}
		var entries []triage.Entry
		for rows.Next() {
			var doc string
			var e triage.Entry
			err := rows.Scan(&doc)
			if err == nil {
				err = json.Unmarshal([]byte(doc), &e)
			}
			if err != nil {
				rows.Close()
				return fmt.Errorf("read incident's groups: %w", err)
			}
			entries = append(entries, e)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read incident's groups: %w", err)
		}
		for _, e := range entries {
			e.Group.Closed = true
			if err := db.putEntry(ctx, tx, e); err != nil {
				return err
			}
		}
		return nil
	})
}

// Log returns an entry's actions, oldest first.
func (db *DB) Log(ctx context.Context, id string) ([]triage.LogEntry, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT action, actor, at, data FROM triage_log WHERE group_id = ? ORDER BY id`), id)
	if err != nil {
		return nil, fmt.Errorf("read triage log: %w", err)
	}
	defer rows.Close()
	out := []triage.LogEntry{}
	for rows.Next() {
		var l triage.LogEntry
		var at dbTime
		if err := rows.Scan(&l.Action, &l.Actor, &at, &l.Data); err != nil {
			return nil, fmt.Errorf("read triage log: %w", err)
		}
		l.At = at.Time
		out = append(out, l)
	}
	return out, rows.Err()
}

var (
	putEntrySQL = hot(`INSERT INTO alert_groups (id, key, status, closed, incident_id, rank, first_seen, last_seen, snoozed_until, doc)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET status = excluded.status, closed = excluded.closed, incident_id = excluded.incident_id,
			rank = excluded.rank, last_seen = excluded.last_seen, snoozed_until = excluded.snoozed_until, doc = excluded.doc`)
	entrySQL        = hot(`SELECT doc FROM alert_groups WHERE id = ?`)
	visibleEntrySQL = hot(`SELECT g.doc FROM alert_groups g WHERE g.id = ? AND ` + visibleSQL)
)

// openGroupSQL finds a key's open group, by backend (closed is an integer
// on SQLite, a boolean on PostgreSQL).
var openGroupSQL = map[bool]string{
	false: hot(`SELECT doc FROM alert_groups WHERE key = ? AND closed = 0 ORDER BY last_seen DESC LIMIT 1`),
	true:  `SELECT doc FROM alert_groups WHERE key = ? AND closed = false ORDER BY last_seen DESC LIMIT 1`,
}
