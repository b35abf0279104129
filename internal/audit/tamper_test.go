package audit_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// recorded is a database built with the real services, closed, with a
// checkpoint signed before it was closed.
type recorded struct {
	path       string // the SQLite file, closed
	checkpoint audit.Checkpoint
	inc1, inc2 incident.Incident
	notice     notices.Notice
}

// record builds the database every tamper case starts from: an incident
// with a label, roles, notes, facts, a waiver, a submitted notice and a
// stakeholder update; a restricted one with its commander; and a newest
// one, after which the first gets one more note.
func record(t *testing.T) recorded {
	t.Helper()
	ctx := context.Background()
	dir := t.TempDir()
	clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	org := &duties.Profile{Roles: []string{"controller"}, EntityTypes: []string{"essential_entity"}, Countries: []string{"DE"}}
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(dir, "firebreak.db"), Version: "test", Now: clock.Now, Organization: org,
		// The customer notice below is recorded by its writer alone.
		Notices: notices.Config{Approval: map[notices.Audience]bool{notices.Customer: false}},
		Audit:   &app.AuditConfig{KeyFile: filepath.Join(dir, "audit-key.pem"), File: filepath.Join(dir, "checkpoints.jsonl"), Every: -1}})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Stop(ctx)
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	for _, u := range []string{"cleo", "mallory"} {
		_, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder})
		must(err)
	}
	cleo := incident.Viewer{User: "cleo"}
	svc := a.Services.Incidents
	var r recorded
	r.inc1, err = svc.Declare(ctx, "cleo", incident.DeclareInput{Title: "Customer records exposed", Severity: "SEV2", Source: incident.SourceInternal,
		Labels: map[string]string{"service": "billing"}})
	must(err)
	c1 := incident.Command{Actor: cleo, Ref: r.inc1.Ref}
	_, err = svc.Assign(ctx, c1, incident.CommsLead, "cleo")
	must(err)
	for _, note := range []string{"bucket was public since 01:00", "bucket closed"} {
		clock.Advance(time.Minute)
		_, err = svc.AddEntry(ctx, c1, incident.KindNote, note, nil)
		must(err)
	}
	_, err = a.Services.Duties.PutFacts(ctx, cleo, r.inc1.Ref, duties.FactsInput{Anchors: map[string]string{"aware": clock.Now().Format(time.RFC3339)},
		PersonalData: true, AffectedByJurisdiction: map[string]int{"EU": 1200}}, nil)
	must(err)
	must(a.Services.Duties.Waive(ctx, cleo, r.inc1.Ref, "eu-gdpr-art33-supervisory-authority", "initial_notification", "data encrypted at rest"))
	n, err := a.Services.Notices.Draft(ctx, cleo, r.inc1.Ref, notices.DraftInput{Audience: notices.Customer, Title: "Your records", Body: "We found that your records were exposed.\n"})
	must(err)
	r.notice, err = a.Services.Notices.Submit(ctx, cleo, r.inc1.Ref, n.ID, notices.SubmitInput{Recipient: "Acme GmbH", Channel: notices.Letter})
	must(err)
	_, err = a.Services.Notices.Post(ctx, cleo, r.inc1.Ref, "The bucket is closed; we are notifying customers.")
	must(err)
	r.inc2, err = svc.Declare(ctx, "cleo", incident.DeclareInput{Title: "Insider access", Severity: "SEV3", Source: incident.SourceInternal, Restricted: true})
	must(err)
	_, err = svc.Assign(ctx, incident.Command{Actor: cleo, Ref: r.inc2.Ref}, incident.IncidentCommander, "cleo")
	must(err)
	_, err = svc.Declare(ctx, "cleo", incident.DeclareInput{Title: "Newest", Source: incident.SourceInternal})
	must(err)
	clock.Advance(time.Minute)
	_, err = svc.AddEntry(ctx, c1, incident.KindNote, "customers notified", nil)
	must(err)

	r.checkpoint, err = a.Checkpoints.Take(ctx)
	must(err)
	rep, err := audit.VerifyWith(ctx, a.DB, audit.Options{Checkpoints: []audit.Checkpoint{r.checkpoint}})
	must(err)
	if !rep.OK() || len(rep.Checkpoints) != 1 || !rep.Checkpoints[0].Intact {
		t.Fatalf("the untouched record does not verify: %+v", rep)
	}
	must(a.Stop(ctx))
	r.path = filepath.Join(dir, "firebreak.db")
	return r
}

// copyDB copies the closed database to a new file.
func copyDB(t *testing.T, from string) string {
	t.Helper()
	to := filepath.Join(t.TempDir(), "copy.db")
	in, err := os.Open(from)
	if err != nil {
		t.Fatal(err)
	}
	defer in.Close()
	out, err := os.Create(to)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := io.Copy(out, in); err != nil {
		t.Fatal(err)
	}
	if err := out.Close(); err != nil {
		t.Fatal(err)
	}
	return to
}

// forger rewrites a copy of the database with SQL, as someone with write
// access to the file would.
type forger struct {
	t  *testing.T
	db *sql.DB
}

func (f forger) exec(q string, args ...any) {
	f.t.Helper()
	if _, err := f.db.Exec(q, args...); err != nil {
		f.t.Fatalf("%s: %v", q, err)
	}
}

// reseal rewrites an incident's stream with edit (which may drop or change
// events), numbers its events again, re-seals every hash with the
// incident package's own hashing, and rebuilds the incident's row, labels
// and roles from the result: every chain and every projection consistent.
func (f forger) reseal(incidentID string, edit func([]incident.Event) []incident.Event) {
	f.t.Helper()
	rows, err := f.db.Query(`SELECT global_seq, incident_id, seq, type, actor, recorded_at, occurred_at, data FROM events WHERE incident_id = ? ORDER BY seq`, incidentID)
	if err != nil {
		f.t.Fatal(err)
	}
	var evs []incident.Event
	for rows.Next() {
		var e incident.Event
		var rec string
		var occ sql.NullString
		var data string
		if err := rows.Scan(&e.GlobalSeq, &e.IncidentID, &e.Seq, &e.Type, &e.Actor, &rec, &occ, &data); err != nil {
			f.t.Fatal(err)
		}
		e.RecordedAt, _ = time.Parse(time.RFC3339Nano, rec)
		if occ.Valid {
			o, _ := time.Parse(time.RFC3339Nano, occ.String)
			e.OccurredAt = &o
		}
		e.Data = json.RawMessage(data)
		evs = append(evs, e)
	}
	rows.Close()
	kept := edit(evs)
	keep := map[int64]bool{}
	for _, e := range kept {
		keep[e.GlobalSeq] = true
	}
	for _, e := range evs {
		if !keep[e.GlobalSeq] {
			f.exec(`DELETE FROM events WHERE global_seq = ?`, e.GlobalSeq)
		}
	}
	prev := ""
	for i := range kept {
		e := &kept[i]
		e.Seq = int64(i + 1)
		e.Seal(prev)
		prev = e.Hash
		f.exec(`UPDATE events SET seq = ?, data = ?, prev_hash = ?, hash = ? WHERE global_seq = ?`, e.Seq, string(e.Data), e.PrevHash, e.Hash, e.GlobalSeq)
	}
	inc, err := incident.Fold(kept)
	if err != nil {
		f.t.Fatal(err)
	}
	doc, _ := json.Marshal(inc)
	f.exec(`UPDATE incidents SET title = ?, summary = ?, type = ?, severity = ?, state = ?, restricted = ?, updated_at = ?, version = ?, doc = ? WHERE id = ?`,
		inc.Title, inc.Summary, inc.Type, inc.Severity, string(inc.State), inc.Restricted, inc.UpdatedAt.UTC().Format("2006-01-02T15:04:05.000000Z"), inc.Version, string(doc), inc.ID)
	f.exec(`DELETE FROM incident_labels WHERE incident_id = ?`, inc.ID)
	for k, v := range inc.Labels {
		f.exec(`INSERT INTO incident_labels (incident_id, number, key, value) VALUES (?, ?, ?, ?)`, inc.ID, inc.Number, k, v)
	}
	f.exec(`DELETE FROM incident_roles WHERE incident_id = ?`, inc.ID)
	for _, a := range inc.Roles {
		f.exec(`INSERT INTO incident_roles (incident_id, role, username) VALUES (?, ?, ?)`, inc.ID, string(a.Role), a.User)
	}
	f.exec(`UPDATE incident_fts SET title = ?, summary = ?, timeline = ?, postmortem = ? WHERE rowid = ?`,
		inc.Title, inc.Summary, incident.TimelineText(kept), incident.PostmortemText(inc.Postmortem.Doc), inc.Number)
}

// closeGap renumbers the global sequence after a removal so it has no
// gap, and sets SQLite's AUTOINCREMENT counter back to match.
func (f forger) closeGap() {
	f.t.Helper()
	f.exec(`CREATE TEMP TABLE renumber AS SELECT global_seq AS old, ROW_NUMBER() OVER (ORDER BY global_seq) AS new FROM events`)
	f.exec(`UPDATE events SET global_seq = -(SELECT new FROM renumber WHERE old = events.global_seq)`)
	f.exec(`UPDATE events SET global_seq = -global_seq`)
	f.exec(`UPDATE sqlite_sequence SET seq = (SELECT MAX(global_seq) FROM events) WHERE name = 'events'`)
}

func TestVerifyFindsEachRewrite(t *testing.T) {
	t.Parallel()
	r := record(t)
	ofType := func(typ string, nth int) func([]incident.Event) []incident.Event {
		return func(evs []incident.Event) []incident.Event {
			for i, e := range evs {
				if e.Type == typ {
					if nth == 0 {
						return append(evs[:i:i], evs[i+1:]...)
					}
					nth--
				}
			}
			panic("no " + typ)
		}
	}
	cases := []struct {
		name   string
		forge  func(f forger)
		alone  []string // what Verify says without the checkpoint; nil: nothing
		withCP []string // what it adds with the checkpoint
	}{
		{
			name: "the last event deleted and the state recomputed",
			forge: func(f forger) {
				f.reseal(r.inc1.ID, func(evs []incident.Event) []incident.Event { return evs[:len(evs)-1] })
			},
			alone:  []string{"global log seq 13: the global sequence issued up to 13 but the last event is 12: the newest 1 events were removed"},
			withCP: []string{"it signed 13 events up to global seq 13 but the database holds 12: events were removed"},
		},
		{
			name: "a note removed mid-chain and the chain re-sealed",
			forge: func(f forger) {
				f.reseal(r.inc1.ID, ofType(incident.EvEntryAdded, 0))
			},
			alone:  []string{"global log seq 3: global sequence jumps from 2 to 4: 1 events were removed"},
			withCP: []string{"events were removed"},
		},
		{
			name:  "the title rewritten in the incident row",
			forge: func(f forger) { f.exec(`UPDATE incidents SET title = 'Routine maintenance' WHERE id = ?`, r.inc1.ID) },
			alone: []string{r.inc1.Ref + `: incidents.title is "Routine maintenance" but the events say "Customer records exposed"`},
		},
		{
			name: "the title rewritten in the row and its document",
			forge: func(f forger) {
				f.exec(`UPDATE incidents SET title = 'Routine maintenance', doc = json_set(doc, '$.title', 'Routine maintenance') WHERE id = ?`, r.inc1.ID)
			},
			alone: []string{
				r.inc1.Ref + `: incidents.doc title is "Routine maintenance" but the events say "Customer records exposed"`,
				r.inc1.Ref + `: incidents.title is "Routine maintenance" but the events say "Customer records exposed"`,
			},
		},
		{
			name: "a note rewritten in the search index",
			forge: func(f forger) {
				f.exec(`UPDATE incident_fts SET timeline = 'routine checks' WHERE rowid = ?`, r.inc1.Number)
			},
			alone: []string{r.inc1.Ref + `: the search index timeline is "routine checks" but the events say "bucket was public since 01:00\nbucket closed\ncustomers notified"`},
		},
		{
			name:  "restricted set to 0",
			forge: func(f forger) { f.exec(`UPDATE incidents SET restricted = 0 WHERE id = ?`, r.inc2.ID) },
			alone: []string{r.inc2.Ref + ": incidents.restricted is false but the events say true"},
		},
		{
			name: "an incident_roles row added",
			forge: func(f forger) {
				f.exec(`INSERT INTO incident_roles (incident_id, role, username) VALUES (?, 'incident_commander', 'mallory')`, r.inc2.ID)
			},
			alone: []string{r.inc2.Ref + ": incident_roles has incident_commander=mallory, not in the events"},
		},
		{
			name: "a label changed",
			forge: func(f forger) {
				f.exec(`UPDATE incident_labels SET value = 'marketing' WHERE incident_id = ?`, r.inc1.ID)
			},
			alone: []string{r.inc1.Ref + ": incident_labels has service=marketing but the events say billing"},
		},
		{
			name: "the newest incident deleted with its events and its number",
			forge: func(f forger) {
				var id string
				if err := f.db.QueryRow(`SELECT id FROM incidents WHERE number = 3`).Scan(&id); err != nil {
					f.t.Fatal(err)
				}
				f.exec(`DELETE FROM events WHERE incident_id = ?`, id)
				f.exec(`DELETE FROM incident_labels WHERE incident_id = ?`, id)
				f.exec(`DELETE FROM incident_roles WHERE incident_id = ?`, id)
				f.exec(`DELETE FROM incidents WHERE id = ?`, id)
				f.exec(`UPDATE counters SET value = 2 WHERE name = 'incident_number'`)
			},
			alone:  []string{"global log seq 12: global sequence jumps from 11 to 13: 1 events were removed"},
			withCP: []string{"events were removed"},
		},
		{
			name: "a submitted notice's text changed, with its own hash",
			forge: func(f forger) {
				body := "Nothing happened.\n"
				f.exec(`UPDATE notices SET doc = json_set(doc, '$.body', ?, '$.text_sha256', ?) WHERE id = ?`, body, notices.Hash(body), r.notice.ID)
			},
			alone: []string{r.inc1.Ref + ": notice " + r.notice.ID + " body hash " + notices.Hash("Nothing happened.\n")[:16] + "… differs from the hash " +
				r.notice.TextSHA256[:16] + "… recorded in its notice.submitted event"},
		},
		{
			name: "an obligation record added",
			forge: func(f forger) {
				f.exec(`INSERT INTO obligation_records (incident_id, obligation_id, phase, kind, at, actor, reason, recorded_at)
					VALUES (?, 'eu-nis2-art23-significant-incident', 'early_warning', 'submitted', '2026-03-02T09:05:00.000000Z', 'cleo', '', '2026-03-02T09:05:00.000000Z')`, r.inc1.ID)
			},
			alone: []string{r.inc1.Ref + ": obligation record eu-nis2-art23-significant-incident early_warning (submitted by cleo) has no event"},
		},
		{
			name: "the facts changed",
			forge: func(f forger) {
				f.exec(`UPDATE incident_facts SET doc = json_set(doc, '$.personal_data', json('false')) WHERE incident_id = ?`, r.inc1.ID)
			},
			alone: []string{r.inc1.Ref + ": incident_facts personal_data is false but the events say true"},
		},
		{
			name: "a stakeholder update rewritten",
			forge: func(f forger) {
				f.exec(`UPDATE stakeholder_updates SET doc = json_set(doc, '$.text', 'All fine.') WHERE incident_id = ?`, r.inc1.ID)
			},
			alone: []string{r.inc1.Ref + `: stakeholder update`, `text "All fine." differs from its update.posted event`},
		},
		{
			name: "the declared title rewritten in its event, its chain and projection re-sealed",
			forge: func(f forger) {
				f.reseal(r.inc1.ID, func(evs []incident.Event) []incident.Event {
					var d map[string]any
					json.Unmarshal(evs[0].Data, &d)
					d["title"] = "Routine maintenance"
					evs[0].Data, _ = json.Marshal(d)
					return evs
				})
			},
			withCP: []string{"the 13 events up to global seq 13 hash to head", "events it covers were rewritten"},
		},
		{
			name: "a note removed, re-sealed, and the global sequence renumbered without a gap",
			forge: func(f forger) {
				f.reseal(r.inc1.ID, ofType(incident.EvEntryAdded, 1))
				f.closeGap()
			},
			withCP: []string{"it signed 13 events up to global seq 13 but the database holds 12: events were removed"},
		},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			path := copyDB(t, r.path)
			raw, err := sql.Open("sqlite", path)
			if err != nil {
				t.Fatal(err)
			}
			c.forge(forger{t: t, db: raw})
			if err := raw.Close(); err != nil {
				t.Fatal(err)
			}
			db, err := store.Open(ctx, path, store.Options{})
			if err != nil {
				t.Fatal(err)
			}
			defer db.Close()

			alone, err := audit.Verify(ctx, db)
			if err != nil {
				t.Fatal(err)
			}
			expect(t, "without the checkpoint", alone, c.alone)
			if len(c.alone) == 0 && !alone.OK() {
				t.Errorf("without the checkpoint: the forgery was expected to pass, found %v", alone.Problems)
			}
			with, err := audit.VerifyWith(ctx, db, audit.Options{Checkpoints: []audit.Checkpoint{r.checkpoint}})
			if err != nil {
				t.Fatal(err)
			}
			if with.OK() {
				t.Fatal("with the checkpoint: the forgery passed")
			}
			expect(t, "with the checkpoint", with, append(append([]string{}, c.alone...), c.withCP...))
			cpBroken := !with.Checkpoints[0].Intact
			if len(c.withCP) > 0 && !cpBroken {
				t.Errorf("with the checkpoint: %s", with.Checkpoints[0])
			}
		})
	}
}

// expect checks that every wanted text is in one of the problems.
func expect(t *testing.T, when string, r audit.Report, want []string) {
	t.Helper()
	var all []string
	for _, p := range r.Problems {
		all = append(all, p.String())
	}
	for _, w := range want {
		found := false
		for _, p := range all {
			if strings.Contains(p, w) {
				found = true
			}
		}
		if !found {
			t.Errorf("%s: no problem says %q; found:\n%s", when, w, strings.Join(all, "\n"))
		}
	}
}
