package cli_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"database/sql"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/cli"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// serve creates the signing key beside the SQLite file at first start and
// writes a checkpoint; `audit checkpoint` adds one on demand; `audit
// verify --checkpoint` proves the history against them, and catches a
// rewrite that re-sealed its chain, which verify alone cannot see.
func TestAuditCheckpointCommands(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := filepath.Join(dir, "data", "firebreak.db")
	h := &harness{dsn: dsn, env: map[string]string{"HOME": dir}}
	key, file := filepath.Join(dir, "data", "audit-key.pem"), filepath.Join(dir, "data", "audit-checkpoints.jsonl")

	ctx, stop := context.WithCancel(context.Background())
	served := make(chan int)
	var out, errOut bytes.Buffer
	go func() {
		served <- cli.Run(ctx, cli.Env{Args: []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0"}, Getenv: func(string) string { return "" },
			Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
	}()
	deadline := time.Now().Add(20 * time.Second)
	for {
		if cps, _ := audit.ReadCheckpointFile(file); len(cps) == 1 {
			break
		}
		if time.Now().After(deadline) {
			stop()
			<-served
			t.Fatalf("serve wrote no checkpoint to %s:\n%s%s", file, out.String(), errOut.String())
		}
		time.Sleep(20 * time.Millisecond)
	}
	stop()
	if code := <-served; code != 0 {
		t.Fatalf("serve: exit %d\n%s", code, errOut.String())
	}
	if info, err := os.Stat(key); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("key file: %v %v", info, err)
	}
	if !strings.Contains(errOut.String(), "created a checkpoint signing key") || strings.Contains(errOut.String(), "PRIVATE KEY") {
		t.Fatalf("serve's log of the new key:\n%s", errOut.String())
	}

	// Two incidents recorded while the server is down.
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatal(err)
	}
	svc := app.NewServices(db, time.Now)
	for _, title := range []string{"Phishing wave", "Lost laptop"} {
		if _, err := svc.Incidents.Declare(context.Background(), "cleo", incident.DeclareInput{Title: title, Source: incident.SourceInternal}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()

	if got := h.ok(t, "audit", "checkpoint", "--db", dsn); !strings.Contains(got, "Checkpoint #2: 2 events up to global seq 2") {
		t.Fatalf("audit checkpoint: %s", got)
	}
	got := h.ok(t, "audit", "verify", "--db", dsn, "--checkpoint", file)
	if !strings.Contains(got, "Of 2 checkpoints, the latest intact: history up to checkpoint #2 (2 events, global seq 2,") || !strings.Contains(got, "Every chain is intact") {
		t.Fatalf("audit verify --checkpoint: %s", got)
	}
	pub := strings.TrimSpace(h.ok(t, "audit", "public-key", "--db", dsn))
	h.ok(t, "audit", "verify", "--db", dsn, "--checkpoint", file, "--public-key", pub)
	h.ok(t, "audit", "verify", "--db", dsn, "--checkpoint", file, "--public-key", key+".pub")

	// Someone with the database file rewrites INC-2's title in its event,
	// re-seals it and rebuilds the row and its search index: every chain
	// is intact again.
	raw, err := sql.Open("sqlite", dsn)
	if err != nil {
		t.Fatal(err)
	}
	var e incident.Event
	var rec, data string
	if err := raw.QueryRow(`SELECT e.incident_id, e.seq, e.type, e.actor, e.recorded_at, e.data FROM events e JOIN incidents i ON i.id = e.incident_id WHERE i.number = 2`).
		Scan(&e.IncidentID, &e.Seq, &e.Type, &e.Actor, &rec, &data); err != nil {
		t.Fatal(err)
	}
	e.RecordedAt, _ = time.Parse(time.RFC3339Nano, rec)
	var d map[string]any
	json.Unmarshal([]byte(data), &d)
	d["title"] = "Routine maintenance"
	e.Data, _ = json.Marshal(d)
	e.Seal("")
	inc, err := incident.Fold([]incident.Event{e})
	if err != nil {
		t.Fatal(err)
	}
	doc, _ := json.Marshal(inc)
	for _, q := range []struct {
		sql  string
		args []any
	}{
		{`UPDATE events SET data = ?, hash = ? WHERE incident_id = ?`, []any{string(e.Data), e.Hash, e.IncidentID}},
		{`UPDATE incidents SET title = ?, doc = ? WHERE id = ?`, []any{inc.Title, string(doc), inc.ID}},
		{`UPDATE incident_fts SET title = ? WHERE rowid = ?`, []any{inc.Title, inc.Number}},
	} {
		if _, err := raw.Exec(q.sql, q.args...); err != nil {
			t.Fatal(err)
		}
	}
	raw.Close()
	if got := h.ok(t, "audit", "verify", "--db", dsn); !strings.Contains(got, "Every chain is intact") {
		t.Fatalf("a re-sealed rewrite is invisible without a checkpoint, yet: %s", got)
	}
	h.fails(t, "events it covers were rewritten (checkpoint #1 at global seq 0 is intact: the change is after it)", "audit", "verify", "--db", dsn, "--checkpoint", file)

	// A checkpoint forged without the key, or checked with another key.
	f, err := os.OpenFile(file, os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	cps, _ := audit.ReadCheckpointFile(file)
	forged := cps[1]
	forged.Number, forged.Head = 3, strings.Repeat("0", 64)
	line, _ := json.Marshal(forged)
	f.Write(append(line, '\n'))
	f.Close()
	h.fails(t, "checkpoint #3 (", "audit", "verify", "--db", dsn, "--checkpoint", file)
	other, _, err := audit.LoadOrCreateKey(filepath.Join(dir, "other.pem"))
	if err != nil {
		t.Fatal(err)
	}
	h.fails(t, "no checkpoint in "+file+" is signed with key "+audit.KeyID(other.Public().(ed25519.PublicKey)), "audit", "verify", "--db", dsn, "--checkpoint", file,
		"--public-key", filepath.Join(dir, "other.pem.pub"))
	h.fails(t, "public key: expected 32 bytes in base64 or a PEM PUBLIC KEY", "audit", "verify", "--db", dsn, "--checkpoint", file, "--public-key", "nonsense")
	os.Remove(key)
	h.fails(t, "no checkpoint signing key at "+key, "audit", "checkpoint", "--db", dsn)
}
