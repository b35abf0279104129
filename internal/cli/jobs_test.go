package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/engine"
)

// TestJobsDead: `jobs dead` lists dead jobs of every kind with their last
// error; `retry ID` runs one again, `discard ID` sets one aside (listed
// with --discarded), and settling a job that is not dead fails on one
// line naming why.
func TestJobsDead(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(dir, "firebreak.db"), BootstrapToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	h := &harness{env: map[string]string{"FIREBREAK_URL": a.URL(), "FIREBREAK_TOKEN": adminToken, "HOME": dir}}
	if err := a.DB.Enqueue(context.Background(), engine.Job{ID: "job-retry", Kind: "no.such.kind"}, engine.Job{ID: "job-discard", Kind: "no.such.kind"}); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []engine.DeadJob `json:"items"`
		Total int              `json:"total"`
	}
	for deadline := time.Now().Add(10 * time.Second); ; {
		if err := json.Unmarshal([]byte(h.ok(t, "jobs", "dead", "-o", "json")), &list); err != nil {
			t.Fatal(err)
		}
		if list.Total == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("jobs not dead in time: %+v", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
	out := h.ok(t, "jobs", "dead")
	for _, want := range []string{"KIND", "LAST ERROR", "job-retry", "job-discard", "no.such.kind", "1/8", `no handler for job kind "no.such.kind"`} {
		if !strings.Contains(out, want) {
			t.Fatalf("jobs dead lacks %q:\n%s", want, out)
		}
	}
	if out := h.ok(t, "jobs", "dead", "--limit", "1"); !strings.Contains(out, "1 of 2 shown") {
		t.Fatalf("jobs dead --limit 1:\n%s", out)
	}
	if out := h.ok(t, "jobs", "dead", "retry", "job-retry"); !strings.Contains(out, "job job-retry is due again") {
		t.Fatalf("retry: %s", out)
	}
	if out := h.ok(t, "jobs", "dead", "discard", "job-discard"); !strings.Contains(out, "job job-discard discarded") {
		t.Fatalf("discard: %s", out)
	}
	if err := json.Unmarshal([]byte(h.ok(t, "jobs", "dead", "--discarded", "-o", "json")), &list); err != nil {
		t.Fatal(err)
	}
	if list.Total != 1 || list.Items[0].ID != "job-discard" || list.Items[0].State != engine.Discarded {
		t.Fatalf("jobs dead --discarded: %+v", list)
	}
	h.fails(t, "409 Conflict: state: job job-discard is discarded, not dead", "jobs", "dead", "discard", "job-discard")
	h.fails(t, "404 Not Found: id: no job nope", "jobs", "dead", "retry", "nope")
	h.fails(t, "--limit must be from 1 to 500, not 0", "jobs", "dead", "--limit", "0")
}
