package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// Reads for `audit verify`: the rows beside each incident's events that
// lists, permissions and duties rely on, exactly as stored, and the events
// in global order. Nothing here is used to serve requests.

// IncidentRow is an incident's row in incidents, column by column (the
// doc column is Stream.Projection).
type IncidentRow struct {
	ID         string
	Ref        string
	Title      string
	Summary    string
	Type       string
	Severity   string
	State      string
	Restricted bool
	DeclaredBy string
	DeclaredAt dbTime
	UpdatedAt  dbTime
	Version    int64
}

// LabelRow is a row of incident_labels.
type LabelRow struct {
	Key, Value string
	Number     int64
}

// RoleRow is a row of incident_roles.
type RoleRow struct {
	Role, User string
}

// TaskIndexRow is a row of incident_tasks.
type TaskIndexRow struct {
	Key, Plan, Phase, Title, Assignee, State string
	Number                                   int64
	Required                                 bool
	DueAt                                    *time.Time
	UpdatedAt                                time.Time
}

// FactsRow is an incident's row in incident_facts.
type FactsRow struct {
	Facts     comms.Facts
	Version   int64
	UpdatedBy string
}

// NoticeRow is a row of notices: its columns and its document.
type NoticeRow struct {
	IncidentID string
	Status     string
	Version    int64
	Notice     notices.Notice
}

// Tables are an incident's rows outside its event stream.
type Tables struct {
	Row     IncidentRow
	Labels  []LabelRow
	Roles   []RoleRow
	Tasks   []TaskIndexRow
	Facts   *FactsRow // nil when the incident has no row
	Records []duties.RecordRow
	Notices []NoticeRow
	Updates []notices.StakeholderUpdate
	// Evidence are the incident's evidence rows (package evidence).
	Evidence []evidence.Item
	// Assets, Credentials and Fixes are the incident's rows of package
	// assets, column by column with their documents.
	Assets      []AssetRow
	Credentials []CredentialRow
	Fixes       []FixRow
	// Indicators are the incident's indicators (every column).
	Indicators []indicators.Indicator
	// Actions are the action items that came from the incident (package
	// actions).
	Actions []actions.Action
	// Search is the incident's row in the search index; nil: none.
	Search *SearchRow
}

// AssetRow is a row of incident_assets. Doc is its document as stored:
// the owner and criticality are the inventory's, kept in assets, not here.
type AssetRow struct {
	Kind, Identifier, State string
	Accepted                bool
	Seq                     int64
	AddedAt, UpdatedAt      time.Time
	Doc                     assets.IncidentAsset
	BadDoc                  string // why Doc does not decode
}

// CredentialRow is a row of incident_credentials.
type CredentialRow struct {
	ID, State string
	Seq       int64
	AddedAt   time.Time
	Doc       assets.Credential
	BadDoc    string
}

// FixRow is a row of incident_fixes.
type FixRow struct {
	ID      string
	Seq     int64
	AddedAt time.Time
	Doc     assets.Fix
	BadDoc  string
}

// recordRows reads an incident's rows of packages assets and indicators.
func (db *DB) recordRows(ctx context.Context, id string, t *Tables) error {
	err := scanAll(ctx, db, `SELECT kind, identifier, state, accepted, seq, added_at, updated_at, doc FROM incident_assets
		WHERE incident_id = ? ORDER BY seq, kind, identifier`, []any{id}, func(s scanner) error {
		var r AssetRow
		var added, upd dbTime
		var doc string
		if err := s.Scan(&r.Kind, &r.Identifier, &r.State, &r.Accepted, &r.Seq, &added, &upd, &doc); err != nil {
			return err
		}
		r.AddedAt, r.UpdatedAt = added.Time, upd.Time
		r.BadDoc = decodeDoc(doc, &r.Doc)
		t.Assets = append(t.Assets, r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read assets: %w", err)
	}
	err = scanAll(ctx, db, `SELECT id, state, seq, added_at, doc FROM incident_credentials WHERE incident_id = ? ORDER BY seq, id`, []any{id}, func(s scanner) error {
		var r CredentialRow
		var added dbTime
		var doc string
		if err := s.Scan(&r.ID, &r.State, &r.Seq, &added, &doc); err != nil {
			return err
		}
		r.AddedAt = added.Time
		r.BadDoc = decodeDoc(doc, &r.Doc)
		t.Credentials = append(t.Credentials, r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read credentials: %w", err)
	}
	err = scanAll(ctx, db, `SELECT id, seq, added_at, doc FROM incident_fixes WHERE incident_id = ? ORDER BY seq, id`, []any{id}, func(s scanner) error {
		var r FixRow
		var added dbTime
		var doc string
		if err := s.Scan(&r.ID, &r.Seq, &added, &doc); err != nil {
			return err
		}
		r.AddedAt = added.Time
		r.BadDoc = decodeDoc(doc, &r.Doc)
		t.Fixes = append(t.Fixes, r)
		return nil
	})
	if err != nil {
		return fmt.Errorf("read fixes: %w", err)
	}
	t.Indicators, err = db.Indicators(ctx, id)
	return err
}

// decodeDoc decodes a row's document and says why it does not: the audit
// names such a row rather than stopping at it.
func decodeDoc(doc string, v any) string {
	if err := json.Unmarshal([]byte(doc), v); err != nil {
		return err.Error()
	}
	return ""
}

// tables reads an incident's rows outside its stream.
func (db *DB) tables(ctx context.Context, id string) (*Tables, error) {
	t := &Tables{}
	r := &t.Row
	err := db.read.QueryRowContext(ctx, db.dialect.q(`SELECT id, ref, title, summary, type, severity, state, restricted, declared_by, declared_at, updated_at, version
		FROM incidents WHERE id = ?`), id).
		Scan(&r.ID, &r.Ref, &r.Title, &r.Summary, &r.Type, &r.Severity, &r.State, &r.Restricted, &r.DeclaredBy, &r.DeclaredAt, &r.UpdatedAt, &r.Version)
	if err != nil {
		return nil, fmt.Errorf("read incident row: %w", err)
	}
	if t.Search, err = db.searchRow(ctx, id); err != nil {
		return nil, err
	}
	if err := scanAll(ctx, db, `SELECT key, value, number FROM incident_labels WHERE incident_id = ? ORDER BY key`, []any{id}, func(s scanner) error {
		var l LabelRow
		err := s.Scan(&l.Key, &l.Value, &l.Number)
		t.Labels = append(t.Labels, l)
		return err
	}); err != nil {
		return nil, fmt.Errorf("read labels: %w", err)
	}
	if err := scanAll(ctx, db, `SELECT role, username FROM incident_roles WHERE incident_id = ? ORDER BY role, username`, []any{id}, func(s scanner) error {
		var r RoleRow
		err := s.Scan(&r.Role, &r.User)
		t.Roles = append(t.Roles, r)
		return err
	}); err != nil {
		return nil, fmt.Errorf("read roles: %w", err)
	}
	if err := scanAll(ctx, db, `SELECT key, plan, phase, title, assignee, state, number, required, due_at, updated_at
		FROM incident_tasks WHERE incident_id = ? ORDER BY key`, []any{id}, func(s scanner) error {
		var r TaskIndexRow
		var due nullTime
		var upd dbTime
		err := s.Scan(&r.Key, &r.Plan, &r.Phase, &r.Title, &r.Assignee, &r.State, &r.Number, &r.Required, &due, &upd)
		r.DueAt, r.UpdatedAt = due.T, upd.Time
		t.Tasks = append(t.Tasks, r)
		return err
	}); err != nil {
		return nil, fmt.Errorf("read tasks: %w", err)
	}
	var f FactsRow
	var doc string
	err = db.read.QueryRowContext(ctx, db.dialect.q(`SELECT doc, version, updated_by FROM incident_facts WHERE incident_id = ?`), id).Scan(&doc, &f.Version, &f.UpdatedBy)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("read facts: %w", err)
	default:
		if err := json.Unmarshal([]byte(doc), &f.Facts); err != nil {
			return nil, fmt.Errorf("decode facts: %w", err)
		}
		t.Facts = &f
	}
	if t.Records, err = db.Records(ctx, id); err != nil {
		return nil, err
	}
	if t.Evidence, err = db.EvidenceItems(ctx, id); err != nil {
		return nil, err
	}
	if t.Actions, err = db.IncidentActions(ctx, id); err != nil {
		return nil, err
	}
	if err := db.recordRows(ctx, id, t); err != nil {
		return nil, err
	}
	if err := scanAll(ctx, db, `SELECT incident_id, status, version, doc FROM notices WHERE incident_id = ? ORDER BY created_at, id`, []any{id}, func(s scanner) error {
		var n NoticeRow
		var doc string
		if err := s.Scan(&n.IncidentID, &n.Status, &n.Version, &doc); err != nil {
			return err
		}
		if err := json.Unmarshal([]byte(doc), &n.Notice); err != nil {
			return fmt.Errorf("decode notice: %w", err)
		}
		t.Notices = append(t.Notices, n)
		return nil
	}); err != nil {
		return nil, fmt.Errorf("read notices: %w", err)
	}
	ns := make([]notices.Notice, len(t.Notices))
	for i, n := range t.Notices {
		ns[i] = n.Notice
	}
	if err := db.attachNoticeDeliveries(ctx, id, ns); err != nil {
		return nil, fmt.Errorf("read notices' deliveries: %w", err)
	}
	for i := range ns {
		t.Notices[i].Notice = ns[i]
	}
	if t.Updates, err = db.Updates(ctx, id, 0); err != nil {
		return nil, err
	}
	return t, nil
}

type scanner interface{ Scan(...any) error }

func scanAll(ctx context.Context, db *DB, query string, args []any, fn func(scanner) error) error {
	rows, err := db.read.QueryContext(ctx, db.dialect.q(query), args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}

// Orphan is a row that names an incident missing from incidents.
type Orphan struct {
	Table      string
	IncidentID string
	Key        string // what identifies the row within the incident
}

// AuditOrphans lists the rows of the incident tables and of events whose
// incident is not in incidents.
func (db *DB) AuditOrphans(ctx context.Context) ([]Orphan, error) {
	var out []Orphan
	for _, q := range []struct{ table, key string }{
		{"events", "CAST(seq AS TEXT)"},
		{"incident_labels", "key"},
		{"incident_roles", "role || '=' || username"},
		{"incident_tasks", "key"},
		{"incident_facts", "'facts'"},
		{"obligation_records", "obligation_id || ' ' || phase"},
		{"notices", "id"},
		{"stakeholder_updates", "id"},
		{"incident_assets", "kind || ':' || identifier"},
		{"incident_credentials", "id"},
		{"incident_fixes", "id"},
		{"indicators", "id"},
		{"evidence", "'EV-' || CAST(number AS TEXT)"},
		{"actions", "'ACT-' || CAST(number AS TEXT)"},
	} {
		err := scanAll(ctx, db, `SELECT incident_id, `+q.key+` FROM `+q.table+` t WHERE NOT EXISTS (SELECT 1 FROM incidents i WHERE i.id = t.incident_id) ORDER BY 1, 2`, nil,
			func(s scanner) error {
				o := Orphan{Table: q.table}
				err := s.Scan(&o.IncidentID, &o.Key)
				out = append(out, o)
				return err
			})
		if err != nil {
			return nil, fmt.Errorf("audit %s: %w", q.table, err)
		}
	}
	return out, nil
}

// GlobalEvent is an event as the global log orders it.
type GlobalEvent struct {
	GlobalSeq  int64
	IncidentID string
	Seq        int64
	Hash       string
}

// EachEventHash calls fn for every event with after < global_seq <= upTo,
// in global order.
func (db *DB) EachEventHash(ctx context.Context, after, upTo int64, fn func(GlobalEvent) error) error {
	for {
		var batch []GlobalEvent
		err := scanAll(ctx, db, `SELECT global_seq, incident_id, seq, hash FROM events WHERE global_seq > ? AND global_seq <= ? ORDER BY global_seq LIMIT 5000`,
			[]any{after, upTo}, func(s scanner) error {
				var e GlobalEvent
				err := s.Scan(&e.GlobalSeq, &e.IncidentID, &e.Seq, &e.Hash)
				batch = append(batch, e)
				return err
			})
		if err != nil {
			return fmt.Errorf("read global log: %w", err)
		}
		if len(batch) == 0 {
			return nil
		}
		for _, e := range batch {
			if err := fn(e); err != nil {
				return err
			}
		}
		after = batch[len(batch)-1].GlobalSeq
	}
}

// GlobalHorizon returns the highest global sequence number such that every
// event at or below it is committed and no later commit can take a number
// below it. On SQLite, with its one writer, that is the highest stored. On
// PostgreSQL identity numbers are taken when a row is inserted, not when
// its transaction commits, so a transaction still open may hold a lower
// number than one already committed: the horizon is read under a SHARE
// lock on events, which waits for every open writer of events and holds
// new ones for the instant of one SELECT.
func (db *DB) GlobalHorizon(ctx context.Context) (int64, error) {
	const q = `SELECT COALESCE(MAX(global_seq), 0) FROM events`
	var n int64
	if !db.dialect.postgres() {
		if err := db.read.QueryRowContext(ctx, q).Scan(&n); err != nil {
			return 0, fmt.Errorf("read global horizon: %w", err)
		}
		return n, nil
	}
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return 0, fmt.Errorf("read global horizon: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `LOCK TABLE events IN SHARE MODE`); err != nil {
		return 0, fmt.Errorf("read global horizon: %w", err)
	}
	if err := tx.QueryRowContext(ctx, q).Scan(&n); err != nil {
		return 0, fmt.Errorf("read global horizon: %w", err)
	}
	return n, tx.Commit()
}

// GlobalSeqIssued says how global sequence numbers are handed out. On
// SQLite they are gapless (AUTOINCREMENT's counter is written in the same
// transaction, so a rolled-back write gives its number back) and issued is
// the highest number ever handed out. On PostgreSQL a rolled-back
// transaction loses its identity numbers, so gaps are normal: gapless is
// false and issued 0.
func (db *DB) GlobalSeqIssued(ctx context.Context) (issued int64, gapless bool, err error) {
	if db.dialect.postgres() {
		return 0, false, nil
	}
	err = db.read.QueryRowContext(ctx, `SELECT COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'events'), 0)`).Scan(&issued)
	if err != nil {
		return 0, true, fmt.Errorf("read global sequence: %w", err)
	}
	return issued, true, nil
}
