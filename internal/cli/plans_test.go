package cli_test

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/cli"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// TestPlansCLI: a fresh server lists the ten built-in plans; a plan shows
// by phase and as YAML that applies back unchanged; a plans file is
// applied (created, updated, unchanged) and refused whole, with each
// problem's place, when it has problems; versions and deletion.
func TestPlansCLI(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(dir, "firebreak.db"), BootstrapToken: adminToken,
		Library: plan.Library()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	h := &harness{env: map[string]string{"FIREBREAK_URL": a.URL(), "FIREBREAK_TOKEN": adminToken, "HOME": dir}}
	out := h.ok(t, "plans", "list")
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if !strings.HasPrefix(lines[0], "NAME") || !strings.Contains(lines[0], "APPLIES-TO") || len(lines) != 11 {
		t.Fatalf("plans list on a fresh server, want the header and ten plans:\n%s", out)
	}
	for _, p := range plan.Library() {
		if !strings.Contains(out, p.Name) || !strings.Contains(out, p.Title) {
			t.Fatalf("plans list lacks %s:\n%s", p.Name, out)
		}
	}
	if !strings.Contains(out, "builtin") || !strings.Contains(out, "security.credential-compromise") {
		t.Fatalf("plans list shows no source or applies-to:\n%s", out)
	}

	show := h.ok(t, "plans", "show", "credential-compromise")
	for _, want := range []string{"Contain", "Eradicate", "revoke-sessions", "after activation", "Hash"} {
		if !strings.Contains(show, want) {
			t.Fatalf("plans show lacks %q:\n%s", want, show)
		}
	}
	if strings.Index(show, "Contain") > strings.Index(show, "Eradicate") {
		t.Fatalf("phases out of order:\n%s", show)
	}
	var js plan.Versioned
	if err := json.Unmarshal([]byte(h.ok(t, "plans", "show", "credential-compromise", "-o", "json")), &js); err != nil || js.Version != 1 || js.Hash != js.Plan.Hash() {
		t.Fatalf("plans show -o json: %+v %v", js, err)
	}

	// The YAML of a plan applies back as it is: nothing changes.
	y := h.ok(t, "plans", "show", "ddos", "-o", "yaml")
	one := filepath.Join(dir, "ddos.yaml")
	write(t, one, y)
	if out := h.ok(t, "plans", "apply", one); strings.TrimSpace(out) != "ddos: unchanged (version 1)" {
		t.Fatalf("applying a plan's own YAML: %q", out)
	}
	write(t, one, strings.Replace(y, "title: ", "title: Our ", 1))
	if out := h.ok(t, "plans", "apply", one); strings.TrimSpace(out) != "ddos: updated (version 2)" {
		t.Fatalf("applying an edited plan: %q", out)
	}

	file := filepath.Join(dir, "plans.yaml")
	write(t, file, `plans:
  - name: webshop-outage
    title: Web shop outage
    applies_to:
      types: [availability.webshop]
    tasks:
      - key: failover
        phase: contain
        title: Fail over to the standby
        owner: incident_commander
        due: PT15M
        required: true
  - name: ddos
    title: Our DDoS plan
    tasks:
      - key: call-isp
        phase: contain
        title: Call the upstream provider
`)
	out = h.ok(t, "plans", "apply", file)
	if !strings.Contains(out, "webshop-outage: created (version 1)") || !strings.Contains(out, "ddos: updated (version 3)") {
		t.Fatalf("plans apply:\n%s", out)
	}
	if out := h.ok(t, "plans", "apply", file); !strings.Contains(out, "webshop-outage: unchanged (version 1)") || !strings.Contains(out, "ddos: unchanged (version 3)") {
		t.Fatalf("plans apply again:\n%s", out)
	}
	if out := h.ok(t, "plans", "show", "ddos", "--version", "1"); !strings.Contains(out, "1 (builtin") {
		t.Fatalf("an older version:\n%s", out)
	}

	bad := filepath.Join(dir, "bad.yaml")
	write(t, bad, `plans:
  - name: broken
    title: Broken
    tasks:
      - key: a
        phase: contain
        title: A
        owner: wizard
        due: 30 minutes
`)
	code, stdout, stderr := h.run(t, "plans", "apply", bad)
	if code != 1 || !strings.Contains(stderr, bad+":8:") || !strings.Contains(stderr, bad+":9:") || !strings.Contains(stderr, "nothing was put") {
		t.Fatalf("a file with problems: exit %d\n%s%s", code, stdout, stderr)
	}
	if out := h.ok(t, "plans", "list"); strings.Contains(out, "broken") {
		t.Fatalf("a refused file put a plan:\n%s", out)
	}

	out = h.ok(t, "plans", "versions", "ddos")
	if !strings.Contains(out, "VERSION") || strings.Count(out, "\n") != 4 || !strings.Contains(out, "builtin") || !strings.Contains(out, "api") {
		t.Fatalf("plans versions:\n%s", out)
	}
	if out := h.ok(t, "plans", "delete", "webshop-outage"); !strings.Contains(out, "deleted") {
		t.Fatalf("plans delete: %q", out)
	}
	if out := h.ok(t, "plans", "versions", "webshop-outage"); !strings.Contains(out, "(deleted)") {
		t.Fatalf("versions after delete:\n%s", out)
	}
	h.fails(t, "404", "plans", "show", "webshop-outage")
	h.fails(t, "404", "plans", "delete", "webshop-outage")
}

func write(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
}

// TestServePlans: serve puts the built-in library, the policy file's plans
// and the --plans file's at start; a plans file with problems stops it
// before it starts, each problem at FILE:LINE:COL.
func TestServePlans(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	dsn := filepath.Join(dir, "firebreak.db")
	policy, file, bad := filepath.Join(dir, "policy.yaml"), filepath.Join(dir, "plans.yaml"), filepath.Join(dir, "bad.yaml")
	write(t, policy, "plans:\n  - name: from-policy\n    title: From the policy\n    tasks:\n      - {key: a, phase: assess, title: A}\n")
	write(t, file, "plans:\n  - name: from-file\n    title: From the file\n    tasks:\n      - {key: a, phase: assess, title: A}\n")
	write(t, bad, "plans:\n  - name: broken\n    title: Broken\n    tasks:\n      - key: a\n        phase: someday\n        title: A\n")
	env := func(string) string { return "" }

	var out, errOut bytes.Buffer
	code := cli.Run(context.Background(), cli.Env{Args: []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--plans", bad}, Getenv: env,
		Stdin: strings.NewReader(""), Stdout: &out, Stderr: &errOut})
	if code == 0 || !strings.Contains(errOut.String(), bad+":6:") {
		t.Fatalf("serve with a broken plans file: exit %d\n%s%s", code, out.String(), errOut.String())
	}

	ctx, stop := context.WithCancel(context.Background())
	served := make(chan int)
	logFile, err := os.Create(filepath.Join(dir, "serve.log"))
	if err != nil {
		t.Fatal(err)
	}
	defer logFile.Close()
	go func() {
		served <- cli.Run(ctx, cli.Env{Args: []string{"serve", "--db", dsn, "--addr", "127.0.0.1:0", "--policy", policy, "--plans", file},
			Getenv: env, Stdin: strings.NewReader(""), Stdout: logFile, Stderr: logFile})
	}()
	serveLog := func() string { b, _ := os.ReadFile(logFile.Name()); return string(b) }
	// The plans are put before serve says it is serving.
	for deadline := time.Now().Add(20 * time.Second); !strings.Contains(serveLog(), "is serving on"); {
		if time.Now().After(deadline) {
			stop()
			t.Fatalf("serve did not start (exit %d)\n%s", <-served, serveLog())
		}
		time.Sleep(20 * time.Millisecond)
	}
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		stop()
		<-served
		t.Fatal(err)
	}
	defer db.Close()
	got, err := db.LatestPlans(context.Background())
	if err != nil || len(got) != 12 {
		stop()
		t.Fatalf("serve put %d plans, want the 10 built-in ones and 2 configured: %v", len(got), err)
	}
	stop()
	if code := <-served; code != 0 {
		t.Fatalf("serve: exit %d\n%s", code, serveLog())
	}
	sources := map[string]string{}
	for _, v := range got {
		sources[v.Name] = v.Source
	}
	if sources["from-policy"] != plan.SourceFile || sources["from-file"] != plan.SourceFile || sources["credential-compromise"] != plan.SourceBuiltin {
		t.Fatalf("plans after start: %v", sources)
	}
}
