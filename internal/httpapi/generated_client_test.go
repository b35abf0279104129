package httpapi_test

import (
	"bytes"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// TestGeneratedClientMatchesTheDocument regenerates internal/apiclient from
// this tree's document, the way `go generate` does, and compares it with
// the committed files: a change to the API that leaves the Go client
// behind fails here, beside the other document tests.
func TestGeneratedClientMatchesTheDocument(t *testing.T) {
	t.Parallel()
	goTool, err := exec.LookPath("go") // go test puts its own go first in PATH
	if err != nil {
		t.Fatalf("the go command is needed to regenerate the client: %v", err)
	}
	pkg := filepath.Join("..", "apiclient")
	// The generator is fetched by version; without the module proxy or a
	// cache holding it there is nothing to compare with, which is said.
	probe := exec.CommandContext(t.Context(), goTool, "run", oapiCodegen(t, pkg), "-version")
	if out, err := probe.CombinedOutput(); err != nil {
		t.Skipf("oapi-codegen cannot be built here (offline?), so the client's freshness is not checked: %v\n%s", err, out)
	}
	dir := t.TempDir()
	gen := exec.CommandContext(t.Context(), goTool, "run", "generate.go", "-dir", dir)
	gen.Dir = pkg
	if out, err := gen.CombinedOutput(); err != nil {
		t.Fatalf("regenerating the client: %v\n%s", err, out)
	}
	committed, _ := filepath.Glob(filepath.Join(pkg, "*.gen.go"))
	fresh, _ := filepath.Glob(filepath.Join(dir, "*.gen.go"))
	names := func(paths []string) []string {
		for i, p := range paths {
			paths[i] = filepath.Base(p)
		}
		return paths
	}
	if c, f := names(committed), names(fresh); len(f) == 0 || !slices.Equal(c, f) {
		t.Fatalf("generated files %v, committed %v: run go generate ./internal/apiclient", f, c)
	}
	for _, name := range names(fresh) {
		want, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		have, err := os.ReadFile(filepath.Join(pkg, name))
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(have, want) {
			t.Errorf("internal/apiclient/%s is stale (%s): run go generate ./internal/apiclient", name, firstDifference(have, want))
		}
	}
}

// oapiCodegen reads the pinned generator from the package's generate.go, so
// the probe asks for the very version the generation uses.
func oapiCodegen(t *testing.T, pkg string) string {
	t.Helper()
	src, err := os.ReadFile(filepath.Join(pkg, "generate.go"))
	if err != nil {
		t.Fatal(err)
	}
	const prefix = `const oapiCodegen = "`
	_, rest, ok := strings.Cut(string(src), prefix)
	tool, _, ok2 := strings.Cut(rest, `"`)
	if !ok || !ok2 || !strings.Contains(tool, "@v") {
		t.Fatalf("generate.go has no pinned %s…\" line", prefix)
	}
	return tool
}

// firstDifference names the first line where the committed file and the
// regenerated one part.
func firstDifference(have, want []byte) string {
	h, w := strings.Split(string(have), "\n"), strings.Split(string(want), "\n")
	for i := range min(len(h), len(w)) {
		if h[i] != w[i] {
			return fmt.Sprintf("line %d: committed %q, generated %q", i+1, clip([]byte(h[i])), clip([]byte(w[i])))
		}
	}
	return fmt.Sprintf("committed %d lines, generated %d", len(h), len(w))
}
