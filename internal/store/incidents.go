package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"maps"
	"regexp"
	"slices"
	"strconv"
	"strings"

	jsonv2 "github.com/go-json-experiment/json"
	jsonv1 "github.com/go-json-experiment/json/v1"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

var _ incident.Store = (*DB)(nil)

// The statements of every command, prepared once on SQLite (see hot).
var (
	nextNumberSQL     = hot(`UPDATE counters SET value = value + 1 WHERE name = 'incident_number' RETURNING value`)
	insertIncidentSQL = hot(`INSERT INTO incidents
		(id, number, ref, title, summary, type, severity, state, restricted, declared_by, declared_at, updated_at, version, doc, postmortem_open_due)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`)
	updateIncidentSQL = hot(`UPDATE incidents SET
		title = ?, summary = ?, type = ?, severity = ?, state = ?, restricted = ?, updated_at = ?, version = ?, doc = ?, postmortem_open_due = ?
		WHERE id = ? AND version = ?`)
	// updateIncidentBodySQL is updateIncidentSQL for a change that leaves
	// every indexed column as it was (assigning a role, a timeline entry):
	// SQLite rewrites the entries of each index whose column is SET, even
	// to the same value, and there are five.
	updateIncidentBodySQL = hot(`UPDATE incidents SET
		title = ?, summary = ?, updated_at = ?, version = ?, doc = ?
		WHERE id = ? AND version = ?`)
	lastHashSQL    = hot(`SELECT hash FROM events WHERE incident_id = ? AND seq = ?`)
	insertEventSQL = hot(`INSERT INTO events
		(incident_id, seq, type, actor, recorded_at, occurred_at, data, prev_hash, hash)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING global_seq`)
	clearLabelsSQL = hot(`DELETE FROM incident_labels WHERE incident_id = ?`)
	insertLabelSQL = hot(`INSERT INTO incident_labels (incident_id, number, key, value) VALUES (?, ?, ?, ?)`)
	clearRolesSQL  = hot(`DELETE FROM incident_roles WHERE incident_id = ?`)
	insertRoleSQL  = hot(`INSERT INTO incident_roles (incident_id, role, username) VALUES (?, ?, ?)`)
	getByIDSQL     = hot(`SELECT doc FROM incidents WHERE id = ?`)
	getByNumberSQL = hot(`SELECT doc FROM incidents WHERE number = ?`)
)

// Create allocates the next incident number and records the new incident.
func (db *DB) Create(ctx context.Context, build func(number int64) (incident.Incident, []incident.Event, error)) (incident.Incident, error) {
	var out incident.Incident
	jobs := 0
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		var n int64
		if err := db.queryRowTx(ctx, tx, nextNumberSQL).Scan(&n); err != nil {
			return fmt.Errorf("next incident number: %w", err)
		}
		inc, events, err := build(n)
		if err != nil {
			return err
		}
		if err := db.insertEvents(ctx, tx, "", events); err != nil {
			return err
		}
		doc, err := json.Marshal(inc)
		if err != nil {
			return fmt.Errorf("encode incident: %w", err)
		}
		_, err = db.execTx(ctx, tx, insertIncidentSQL,
			inc.ID, inc.Number, inc.Ref, inc.Title, inc.Summary, inc.Type, inc.Severity, string(inc.State), inc.Restricted,
			inc.DeclaredBy, db.dialect.t(inc.DeclaredAt), db.dialect.t(inc.UpdatedAt), inc.Version, string(doc), db.postmortemOpenDue(&inc))
		if err != nil {
			if db.dialect.isUnique(err) {
				return errs.E(errs.Conflict, "id", "incident %s already exists", inc.ID)
			}
			return fmt.Errorf("insert incident: %w", err)
		}
		// nil events: a new incident, with no index rows to clear.
		if err := db.writeIndexes(ctx, tx, &inc, nil); err != nil {
			return err
		}
		if err := db.insertSearch(ctx, tx, &inc, events); err != nil {
			return err
		}
		if jobs, err = db.incidentJobs(ctx, tx, inc, events); err != nil {
			return err
		}
		noteCreated(ctx, "incident", inc.Ref)
		out = inc
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return out, err
}

// Append records batches atomically with optimistic concurrency.
func (db *DB) Append(ctx context.Context, batches ...incident.Batch) error {
	// The projections are encoded before the transaction: on SQLite the
	// transaction runs in the single writer, which every command waits for.
	docs := make([]string, len(batches))
	for i := range batches {
		doc, err := json.Marshal(&batches[i].Next)
		if err != nil {
			return fmt.Errorf("encode incident: %w", err)
		}
		docs[i] = string(doc)
	}
	jobs := 0
	err := db.tx(ctx, func(ctx context.Context, tx *sql.Tx) error {
		jobs = 0
		for i := range batches {
			if err := db.appendEncoded(ctx, tx, &batches[i], docs[i]); err != nil {
				return err
			}
			n, err := db.incidentJobs(ctx, tx, batches[i].Next, batches[i].Events)
			if err != nil {
				return err
			}
			jobs += n
			if len(batches[i].Events) > 0 {
				noteCreated(ctx, "event", fmt.Sprintf("%s/%d", batches[i].Next.Ref, batches[i].Events[0].Seq))
			}
		}
		return nil
	})
	if err == nil && jobs > 0 {
		db.jobsAdded()
	}
	return err
}

func (db *DB) appendBatch(ctx context.Context, tx *sql.Tx, b *incident.Batch) error {
	doc, err := json.Marshal(&b.Next)
	if err != nil {
		return fmt.Errorf("encode incident: %w", err)
	}
	return db.appendEncoded(ctx, tx, b, string(doc))
}

// appendEncoded is appendBatch with b.Next encoded already (doc).
func (db *DB) appendEncoded(ctx context.Context, tx *sql.Tx, b *incident.Batch, doc string) error {
	next := &b.Next
	if len(b.Events) == 0 {
		return nil
	}
	if b.Events[0].Seq != b.ExpectedVersion+1 || next.Version != b.ExpectedVersion+int64(len(b.Events)) {
		return fmt.Errorf("append %s: events do not follow version %d", next.Ref, b.ExpectedVersion)
	}
	// The version check and the row lock in one statement: a concurrent
	// writer either committed first (no row matches: conflict) or waits.
	var res sql.Result
	var err error
	if b.Prev != nil && sameIndexed(b.Prev, next) {
		res, err = db.execTx(ctx, tx, updateIncidentBodySQL,
			next.Title, next.Summary, db.dialect.t(next.UpdatedAt), next.Version, doc, next.ID, b.ExpectedVersion)
	} else {
		res, err = db.execTx(ctx, tx, updateIncidentSQL,
			next.Title, next.Summary, next.Type, next.Severity, string(next.State), next.Restricted,
			db.dialect.t(next.UpdatedAt), next.Version, doc, db.postmortemOpenDue(next), next.ID, b.ExpectedVersion)
	}
	if err != nil {
		return fmt.Errorf("update incident %s: %w", next.Ref, err)
	}
	if n, err := res.RowsAffected(); err != nil {
		return fmt.Errorf("update incident %s: %w", next.Ref, err)
	} else if n == 0 {
		var cur int64
		err := tx.QueryRowContext(ctx, db.dialect.q(`SELECT version FROM incidents WHERE id = ?`), next.ID).Scan(&cur)
		if errors.Is(err, sql.ErrNoRows) {
			return notFound("ref", "no incident %s", next.Ref)
		}
		if err != nil {
			return fmt.Errorf("read version of %s: %w", next.Ref, err)
		}
		return errs.E(errs.Conflict, "version", "%s changed since it was loaded: it is at version %d, not %d; reload and try again", next.Ref, cur, b.ExpectedVersion)
	}
	prev, known := db.hashes.get(next.ID, b.ExpectedVersion)
	if b.ExpectedVersion > 0 && !known {
		err := db.queryRowTx(ctx, tx, lastHashSQL, next.ID, b.ExpectedVersion).Scan(&prev)
		if err != nil {
			return fmt.Errorf("read last hash of %s: %w", next.Ref, err)
		}
	}
	if err := db.insertEvents(ctx, tx, prev, b.Events); err != nil {
		return err
	}
	if err := db.writeIndexes(ctx, tx, next, b.Events); err != nil {
		return err
	}
	return db.updateSearch(ctx, tx, next, b.Events)
}

// sameIndexed reports whether the incidents columns that indexes cover
// (type, severity, state, restricted, postmortem_open_due) are the same in
// prev and next, so updateIncidentBodySQL writes next.
func sameIndexed(prev, next *incident.Incident) bool {
	if prev.Type != next.Type || prev.Severity != next.Severity || prev.State != next.State || prev.Restricted != next.Restricted {
		return false
	}
	pd, pok := prev.PostmortemOpenDue()
	nd, nok := next.PostmortemOpenDue()
	return pok == nok && pd.Equal(nd)
}

// insertEvents seals each event onto the chain and inserts it.
func (db *DB) insertEvents(ctx context.Context, tx *sql.Tx, prev string, events []incident.Event) error {
	for i := range events {
		e := &events[i]
		e.Seal(prev)
		prev = e.Hash
		err := db.queryRowTx(ctx, tx, insertEventSQL,
			e.IncidentID, e.Seq, e.Type, e.Actor, db.dialect.t(e.RecordedAt), db.dialect.tp(e.OccurredAt),
			string(e.Data), e.PrevHash, e.Hash).Scan(&e.GlobalSeq)
		if err != nil {
			if db.dialect.isUnique(err) {
				return errs.E(errs.Conflict, "version", "a concurrent change took sequence %d; reload and try again", e.Seq)
			}
			return fmt.Errorf("insert event: %w", err)
		}
	}
	if hooks := commitHooksOf(ctx); hooks != nil && len(events) > 0 {
		last := events[len(events)-1]
		hooks.add(func() { db.hashes.put(last.IncidentID, last.Seq, last.Hash) })
	}
	return db.announce(ctx, tx, events)
}

// writeIndexes keeps the label, role and task lookup tables in step with
// the projection. events, when given, says whether anything they index
// changed; nil means inc was inserted in this transaction, so it has no
// rows to clear (two to three DELETEs fewer in the single writer per
// declaration).
func (db *DB) writeIndexes(ctx context.Context, tx *sql.Tx, inc *incident.Incident, events []incident.Event) error {
	fresh := events == nil
	labels, roles := fresh, fresh
	for _, e := range events {
		switch e.Type {
		case incident.EvUpdated:
			labels = true
		case incident.EvRoleAssigned, incident.EvRoleUnassigned, incident.EvRoleHandedOver:
			roles = true
		}
	}
	if labels && !fresh {
		if _, err := db.execTx(ctx, tx, clearLabelsSQL, inc.ID); err != nil {
			return fmt.Errorf("clear labels: %w", err)
		}
	}
	if labels {
		for _, k := range slices.Sorted(maps.Keys(inc.Labels)) {
			if _, err := db.execTx(ctx, tx, insertLabelSQL, inc.ID, inc.Number, k, inc.Labels[k]); err != nil {
				return fmt.Errorf("insert label: %w", err)
			}
		}
	}
	if roles && !fresh {
		if _, err := db.execTx(ctx, tx, clearRolesSQL, inc.ID); err != nil {
			return fmt.Errorf("clear roles: %w", err)
		}
	}
	if roles {
		for _, a := range inc.Roles {
			if _, err := db.execTx(ctx, tx, insertRoleSQL, inc.ID, string(a.Role), a.User); err != nil {
				return fmt.Errorf("insert role: %w", err)
			}
		}
	}
	if tasksChanged(events) {
		return db.writeTasks(ctx, tx, inc, fresh)
	}
	return nil
}

// postmortemOpenDue is the postmortem_open_due column of inc: its
// post-mortem's due instant while outstanding, else NULL.
func (db *DB) postmortemOpenDue(inc *incident.Incident) any {
	if due, ok := inc.PostmortemOpenDue(); ok {
		return db.dialect.t(due)
	}
	return nil
}

var refPattern = regexp.MustCompile(`(?i)^INC-([0-9]{1,18})$`)

// Get finds an incident by ID or ref.
func (db *DB) Get(ctx context.Context, idOrRef string) (incident.Incident, error) {
	query, arg := getByIDSQL, any(idOrRef)
	if m := refPattern.FindStringSubmatch(idOrRef); m != nil {
		n, _ := strconv.ParseInt(m[1], 10, 64)
		query, arg = getByNumberSQL, n
	}
	var doc string
	err := db.queryRowRead(ctx, query, arg).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return incident.Incident{}, notFound("ref", "no incident %s", idOrRef)
	}
	if err != nil {
		return incident.Incident{}, fmt.Errorf("get incident %s: %w", idOrRef, err)
	}
	return decodeIncident(doc)
}

// decodeIncident reads a stored projection. It reads with the v2 engine in
// its v1 mode (encoding/json's behaviour, as answers are written): every
// command and every job about an incident reads one, and this takes about
// half the CPU of encoding/json (BenchmarkDecodeIncident).
func decodeIncident(doc string) (incident.Incident, error) {
	var inc incident.Incident
	if err := jsonv2.Unmarshal([]byte(doc), &inc, jsonv1.DefaultOptionsV1()); err != nil {
		return incident.Incident{}, fmt.Errorf("decode incident: %w", err)
	}
	return inc, nil
}

// MaxPage bounds a page of incidents.
const MaxPage = 200

// List returns incidents matching f, newest first.
func (db *DB) List(ctx context.Context, f incident.Filter) (incident.Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = 50
	}
	limit = min(limit, MaxPage)
	var where []string
	var args []any
	add := func(clause string, a ...any) {
		where = append(where, clause)
		args = append(args, a...)
	}
	text := db.newSearch(f)
	if text != nil && text.none() {
		return incident.Page{Items: []incident.Incident{}}, nil
	}
	ranked := text != nil && text.ranked
	from, number := "incidents i", "i.number"
	labels := slices.Sorted(maps.Keys(f.Labels))
	if len(labels) > 0 && !ranked {
		// The first label drives the query: its (key, value, number) index
		// yields the label's incidents newest first, so the page ends after
		// a page of matches however rare the label. Probing each incident
		// from the newest down instead reads them all for a rare one.
		from, number = "incident_labels l0 JOIN incidents i ON i.number = l0.number", "l0.number"
		add("l0.key = ? AND l0.value = ?", labels[0], f.Labels[labels[0]])
		labels = labels[1:]
	}
	if f.Cursor != "" && f.Sort != incident.SortTaskDue && !ranked {
		n, err := decodeCursor(f.Cursor)
		if err != nil {
			return incident.Page{}, err
		}
		add(number+" < ?", n)
	}
	if f.OverdueTasks {
		add("EXISTS (SELECT 1 FROM incident_tasks t WHERE t.incident_id = i.id AND "+openTask+" AND t.due_at < ?)", db.dialect.t(f.Now))
	}
	if f.PostmortemOverdue {
		add("i.postmortem_open_due < ?", db.dialect.t(f.Now))
	}
	if len(f.States) > 0 {
		add("i.state IN ("+placeholders(len(f.States))+")", toAny(f.States)...)
	}
	if len(f.Severities) > 0 {
		add("i.severity IN ("+placeholders(len(f.Severities))+")", toAny(f.Severities)...)
	}
	if f.Type != "" {
		// A type matches itself and its subtypes: "security" finds "security.phishing".
		add("(i.type = ? OR i.type LIKE ? ESCAPE '\\')", f.Type, escapeLike(f.Type)+".%")
	}
	for _, k := range labels {
		add("EXISTS (SELECT 1 FROM incident_labels l WHERE l.incident_id = i.id AND l.key = ? AND l.value = ?)", k, f.Labels[k])
	}
	if text != nil && !ranked {
		clause, a := text.filter(db)
		add(clause, a...)
	}
	switch {
	case f.Viewer.SeeAll:
	case ranked:
		// A ranked search screens its matches itself (search.go,
		// hiddenMatch).
		text.screen, text.viewer = true, f.Viewer.User
	default:
		add("(i.restricted = ? OR i.declared_by = ? OR EXISTS (SELECT 1 FROM incident_roles r WHERE r.incident_id = i.id AND r.username = ?))",
			false, f.Viewer.User, f.Viewer.User)
	}
	if text != nil {
		return db.listSearch(ctx, text, f, from, number, where, args, limit)
	}
	if f.Sort == incident.SortTaskDue {
		return db.listByTaskDue(ctx, from, number, where, args, f.Cursor, limit)
	}
	return db.listNewest(ctx, from, number, where, args, limit)
}

// listNewest lists incidents newest first.
func (db *DB) listNewest(ctx context.Context, from, number string, where []string, args []any, limit int) (incident.Page, error) {
	query := "SELECT i.number, i.doc FROM " + from
	if len(where) > 0 {
		query += " WHERE " + strings.Join(where, " AND ")
	}
	query += " ORDER BY " + number + " DESC LIMIT ?"
	args = append(args, limit+1)
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return incident.Page{}, fmt.Errorf("list incidents: %w", err)
	}
	defer rows.Close()
	page := incident.Page{Items: make([]incident.Incident, 0, limit)}
	var last int64
	for rows.Next() {
		var n int64
		var doc string
		if err := rows.Scan(&n, &doc); err != nil {
			return incident.Page{}, fmt.Errorf("list incidents: %w", err)
		}
		if len(page.Items) == limit {
			page.NextCursor = encodeCursor(last)
			break
		}
		inc, err := decodeIncident(doc)
		if err != nil {
			return incident.Page{}, err
		}
		page.Items = append(page.Items, inc)
		last = n
	}
	if err := rows.Err(); err != nil {
		return incident.Page{}, fmt.Errorf("list incidents: %w", err)
	}
	return page, nil
}

func encodeCursor(n int64) string {
	return base64.RawURLEncoding.EncodeToString([]byte("n:" + strconv.FormatInt(n, 10)))
}

func decodeCursor(c string) (int64, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err == nil {
		if s, ok := strings.CutPrefix(string(b), "n:"); ok {
			if n, err := strconv.ParseInt(s, 10, 64); err == nil {
				return n, nil
			}
		}
	}
	return 0, errs.E(errs.Invalid, "cursor", "is not a cursor this server issued")
}

func placeholders(n int) string {
	return strings.TrimSuffix(strings.Repeat("?, ", n), ", ")
}

func toAny[T any](vs []T) []any {
	out := make([]any, len(vs))
	for i, v := range vs {
		out[i] = v
	}
	return out
}

func escapeLike(s string) string {
	return strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`).Replace(s)
}

// Events returns one incident's stream in sequence order.
func (db *DB) Events(ctx context.Context, incidentID string) ([]incident.Event, error) {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT global_seq, incident_id, seq, type, actor, recorded_at, occurred_at, data, prev_hash, hash
		FROM events WHERE incident_id = ? ORDER BY seq`), incidentID)
	if err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	defer rows.Close()
	var out []incident.Event
	for rows.Next() {
		var e incident.Event
		var rec dbTime
		var occ nullTime
		var data string
		if err := rows.Scan(&e.GlobalSeq, &e.IncidentID, &e.Seq, &e.Type, &e.Actor, &rec, &occ, &data, &e.PrevHash, &e.Hash); err != nil {
			return nil, fmt.Errorf("read events: %w", err)
		}
		e.RecordedAt, e.OccurredAt, e.Data = rec.Time, occ.T, json.RawMessage(data)
		out = append(out, e)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read events: %w", err)
	}
	return out, nil
}

// Stream is one incident as stored: its projection and its events.
type Stream struct {
	Number     int64
	Ref        string
	Projection incident.Incident
	Events     []incident.Event
	// Tables are the incident's rows outside its stream, as stored; nil
	// for a number whose incident is missing.
	Tables *Tables
}

// EachStream calls fn for every incident in number order, for audits. It
// also reports numbers missing between 1 and the counter as streams with no
// projection and no events, so a deleted incident shows.
func (db *DB) EachStream(ctx context.Context, fn func(Stream) error) error {
	var counter int64
	if err := db.read.QueryRowContext(ctx, `SELECT value FROM counters WHERE name = 'incident_number'`).Scan(&counter); err != nil {
		return fmt.Errorf("read counter: %w", err)
	}
	var after int64
	expect := int64(1)
	for {
		rows, err := db.read.QueryContext(ctx, db.dialect.q(`SELECT number, id, doc FROM incidents WHERE number > ? ORDER BY number LIMIT 500`), after)
		if err != nil {
			return fmt.Errorf("read incidents: %w", err)
		}
		type row struct {
			n   int64
			id  string
			doc string
		}
		var batch []row
		for rows.Next() {
			var r row
			if err := rows.Scan(&r.n, &r.id, &r.doc); err != nil {
				rows.Close()
				return fmt.Errorf("read incidents: %w", err)
			}
			batch = append(batch, r)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("read incidents: %w", err)
		}
		if len(batch) == 0 {
			break
		}
		for _, r := range batch {
			for ; expect < r.n; expect++ {
				if err := fn(Stream{Number: expect, Ref: incident.RefOf(expect)}); err != nil {
					return err
				}
			}
			expect = r.n + 1
			s := Stream{Number: r.n, Ref: incident.RefOf(r.n)}
			if s.Projection, err = decodeIncident(r.doc); err != nil {
				return fmt.Errorf("%s: %w", s.Ref, err)
			}
			if s.Events, err = db.Events(ctx, r.id); err != nil {
				return fmt.Errorf("%s: %w", s.Ref, err)
			}
			if s.Tables, err = db.tables(ctx, r.id); err != nil {
				return fmt.Errorf("%s: %w", s.Ref, err)
			}
			if err := fn(s); err != nil {
				return err
			}
			after = r.n
		}
	}
	for ; expect <= counter; expect++ {
		if err := fn(Stream{Number: expect, Ref: incident.RefOf(expect)}); err != nil {
			return err
		}
	}
	return nil
}
