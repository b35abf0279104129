package audit_test

import (
	"context"
	"crypto/ed25519"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// A server's checkpointer with a test clock: one checkpoint at start, one
// each period, each appended to the file, posted to the webhook and
// signed; a restart continues the numbering and the head from the file;
// and every checkpoint verifies against the database. On PostgreSQL too
// when it is configured.
func TestCheckpointsEveryPeriod(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			db, _ := b.Open(t)
			clock := storetest.NewClock(time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
			svc := app.NewServices(db, clock.Now)
			declare := func(title string) {
				t.Helper()
				inc, err := svc.Incidents.Declare(ctx, "cleo", incident.DeclareInput{Title: title, Source: incident.SourceInternal})
				if err != nil {
					t.Fatal(err)
				}
				if _, err := svc.Incidents.AddEntry(ctx, incident.Command{Actor: incident.Viewer{User: "cleo"}, Ref: inc.Ref}, incident.KindNote, "looking", nil); err != nil {
					t.Fatal(err)
				}
			}
			declare("First")

			var mu sync.Mutex
			var posted []audit.Checkpoint
			hook := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				body, _ := io.ReadAll(r.Body)
				var c audit.Checkpoint
				if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" || json.Unmarshal(body, &c) != nil {
					t.Errorf("webhook got %s %s %s", r.Method, r.Header.Get("Content-Type"), body)
				}
				mu.Lock()
				posted = append(posted, c)
				mu.Unlock()
			}))
			t.Cleanup(hook.Close)

			dir := t.TempDir()
			key, created, err := audit.LoadOrCreateKey(filepath.Join(dir, "keys", "audit-key.pem"))
			if err != nil || !created {
				t.Fatalf("key: %v created=%v", err, created)
			}
			if info, err := os.Stat(filepath.Join(dir, "keys", "audit-key.pem")); err != nil || info.Mode().Perm() != 0o600 {
				t.Fatalf("key file mode: %v %v", info.Mode(), err)
			}
			file := filepath.Join(dir, "checkpoints.jsonl")
			type wait struct {
				d    time.Duration
				fire chan time.Time
			}
			waits := make(chan wait)
			cp := &audit.Checkpointer{Log: db, Key: key, File: file, Hook: hook.URL, Client: hook.Client(), Now: clock.Now, Every: 15 * time.Minute,
				Timer: func(d time.Duration) (<-chan time.Time, func() bool) {
					w := wait{d: d, fire: make(chan time.Time, 1)}
					waits <- w
					return w.fire, func() bool { return true }
				}}
			runCtx, stop := context.WithCancel(ctx)
			done := make(chan struct{})
			go func() { defer close(done); cp.Run(runCtx) }()

			// The one at start is written before Run waits for the period.
			w := <-waits
			if w.d != 15*time.Minute {
				t.Fatalf("waits %s, want 15m", w.d)
			}
			cps := read(t, file, 1)
			if c := cps[0]; c.Number != 1 || c.Events != 2 || !c.Time.Equal(clock.Now()) || c.Check(key.Public().(ed25519.PublicKey)) != nil {
				t.Fatalf("first checkpoint %+v", c)
			}
			declare("Second")
			clock.Advance(15 * time.Minute)
			w.fire <- clock.Now()
			w = <-waits
			cps = read(t, file, 2)
			if c := cps[1]; c.Number != 2 || c.Events != 4 || !c.Time.Equal(clock.Now()) || c.Check(key.Public().(ed25519.PublicKey)) != nil {
				t.Fatalf("second checkpoint %+v", c)
			}
			stop()
			<-done
			mu.Lock()
			if len(posted) != 2 || posted[1] != cps[1] {
				t.Errorf("webhook got %+v, want %+v", posted, cps)
			}
			mu.Unlock()

			// A restart continues from the file.
			declare("Third")
			again := &audit.Checkpointer{Log: db, Key: key, File: file, Now: clock.Now}
			c3, err := again.Take(ctx)
			if err != nil || c3.Number != 3 || c3.Events != 6 {
				t.Fatalf("after a restart: %+v %v", c3, err)
			}
			rep, err := audit.VerifyWith(ctx, db, audit.Options{Checkpoints: read(t, file, 3)})
			if err != nil || !rep.OK() || len(rep.Checkpoints) != 3 {
				t.Fatalf("verify: %+v %v", rep, err)
			}
			for _, r := range rep.Checkpoints {
				if !r.Intact {
					t.Errorf("%s", r)
				}
			}
			if rep.Head != c3.Head || rep.LastGlobalSeq != c3.LastGlobalSeq {
				t.Errorf("the database's head %s at %d, the last checkpoint's %s at %d", rep.Head, rep.LastGlobalSeq, c3.Head, c3.LastGlobalSeq)
			}
		})
	}
}

func read(t *testing.T, file string, want int) []audit.Checkpoint {
	t.Helper()
	cps, err := audit.ReadCheckpointFile(file)
	if err != nil || len(cps) != want {
		t.Fatalf("%d checkpoints in the file, want %d: %v", len(cps), want, err)
	}
	return cps
}

// A checkpoint whose content was changed after signing, or checked with
// another key, does not verify; a key file others may read is refused.
func TestCheckpointSignature(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	key, _, err := audit.LoadOrCreateKey(filepath.Join(dir, "k.pem"))
	if err != nil {
		t.Fatal(err)
	}
	other, _, err := audit.LoadOrCreateKey(filepath.Join(dir, "other.pem"))
	if err != nil {
		t.Fatal(err)
	}
	pub := key.Public().(ed25519.PublicKey)
	c := audit.Sign(key, 7, audit.Head{Hash: strings.Repeat("ab", 32), Events: 10, LastGlobalSeq: 12}, time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC))
	if err := c.Check(pub); err != nil {
		t.Fatal(err)
	}
	forged := c
	forged.Events = 9
	if err := forged.Check(pub); err == nil || !strings.Contains(err.Error(), "checkpoint #7 (2026-03-02T09:00:00Z): the signature does not match its content") {
		t.Errorf("forged count: %v", err)
	}
	if err := c.Check(other.Public().(ed25519.PublicKey)); err == nil || !strings.Contains(err.Error(), "was signed with key "+c.KeyID) {
		t.Errorf("other key: %v", err)
	}
	// The .pub beside the key parses back to the key.
	data, err := os.ReadFile(filepath.Join(dir, "k.pem.pub"))
	if err != nil {
		t.Fatal(err)
	}
	if p, err := audit.ParsePublicKey(string(data)); err != nil || !p.Equal(pub) {
		t.Errorf("public key file: %v", err)
	}
	if err := os.Chmod(filepath.Join(dir, "k.pem"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := audit.LoadKey(filepath.Join(dir, "k.pem")); err == nil || !strings.Contains(err.Error(), "others may read it (mode 0644); chmod 600 it") {
		t.Errorf("readable key: %v", err)
	}
	if _, err := audit.ReadCheckpoints(strings.NewReader("{\"number\": 1}\n"), "cp.jsonl"); err == nil ||
		err.Error() != "cp.jsonl:1: not a checkpoint: head, time, key_id and signature are required" {
		t.Errorf("bad line: %v", err)
	}
}
