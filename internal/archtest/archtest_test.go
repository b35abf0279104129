// Package archtest checks the shape of the code base: which packages may
// import which, that the pure core stays pure, and that long files say why.
// It reads the packages with `go list`, so it sees what the compiler sees.
package archtest

import (
	"bufio"
	"encoding/json"
	"errors"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
)

const module = "github.com/firebreak-ir/firebreak/"

// edge packages talk to the outside world (HTTP, SQL, the terminal) or wire
// the others together. Everything else under internal/ is the domain and
// its services, which must not depend on them: the edges depend on the
// core, never the reverse.
var edge = map[string]bool{
	"internal/apiclient":       true, // the generated HTTP client of the API
	"internal/app":             true,
	"internal/audit":           true, // verifies the record by reading the store
	"internal/cli":             true,
	"internal/client":          true,
	"internal/httpapi":         true,
	"internal/store":           true,
	"internal/store/storetest": true,
	"internal/web":             true,
}

// pure packages are the core of ARCHITECTURE.md's "pure core, thin edges":
// no SQL, no HTTP, no network, no files, no wall clock.
var pure = []string{
	"internal/alert", "internal/calendar", "internal/comms", "internal/errs",
	"internal/incident", "internal/intake", "internal/markdown", "internal/oncall",
	"internal/plan", "internal/postmortem", "internal/yamlpos",
}

var impure = []string{"database/sql", "net", "net/http", "os", "os/exec"}

// allowed are the exceptions, each with its reason.
var allowed = map[string]string{
	"internal/errs net/http": "errs maps its codes to HTTP statuses in one place, with net/http's status constants only",
}

// maxLines is the length over which a non-test file must say, near its
// top, why it is one file: a comment "This file is long because …".
// Generated files are exempt: their length is the generator's.
const maxLines = 600

var longReason = regexp.MustCompile(`(?i)^//\s*this file is long because \S`)

type pkg struct {
	ImportPath   string
	Dir          string
	GoFiles      []string
	Imports      []string
	TestImports  []string
	XTestImports []string
}

func list(t *testing.T) []pkg {
	t.Helper()
	// go test puts its own GOROOT/bin first in the PATH of the tests.
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Fatalf("the go command is needed to list the packages: %v", err)
	}
	cmd := exec.Command(goTool, "list", "-json", "./...")
	cmd.Dir = filepath.Join("..", "..")
	out, err := cmd.Output()
	if err != nil {
		var ee *exec.ExitError
		if errors.As(err, &ee) {
			t.Fatalf("go list: %v\n%s", err, ee.Stderr)
		}
		t.Fatalf("go list: %v", err)
	}
	var ps []pkg
	dec := json.NewDecoder(strings.NewReader(string(out)))
	for {
		var p pkg
		if err := dec.Decode(&p); errors.Is(err, io.EOF) {
			break
		} else if err != nil {
			t.Fatalf("decoding go list: %v", err)
		}
		p.ImportPath = strings.TrimPrefix(p.ImportPath, module)
		ps = append(ps, p)
	}
	if len(ps) < 10 {
		t.Fatalf("go list found %d packages; run from the module", len(ps))
	}
	return ps
}

func TestDomainImportsNoEdge(t *testing.T) {
	for _, p := range list(t) {
		if !strings.HasPrefix(p.ImportPath, "internal/") || edge[p.ImportPath] {
			continue
		}
		for _, imp := range p.Imports {
			if e := strings.TrimPrefix(imp, module); edge[e] {
				t.Errorf("%s imports the edge package %s: the domain must not depend on HTTP, SQL or wiring", p.ImportPath, e)
			}
		}
	}
}

func TestPureCoreStaysPure(t *testing.T) {
	byPath := map[string]pkg{}
	for _, p := range list(t) {
		byPath[p.ImportPath] = p
	}
	for _, name := range pure {
		p, ok := byPath[name]
		if !ok {
			t.Errorf("pure package %s is gone: update this list", name)
			continue
		}
		for _, imp := range p.Imports {
			if _, ok := allowed[name+" "+imp]; !ok && slices.Contains(impure, imp) {
				t.Errorf("%s imports %s: the pure core does no I/O", name, imp)
			}
			if strings.HasPrefix(imp, module) && !slices.Contains(pure, strings.TrimPrefix(imp, module)) {
				t.Errorf("%s imports %s, which is not pure", name, strings.TrimPrefix(imp, module))
			}
		}
		for _, f := range p.GoFiles {
			path := filepath.Join(p.Dir, f)
			file, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.SkipObjectResolution)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(file, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "Now" {
					if id, ok := sel.X.(*ast.Ident); ok && id.Name == "time" {
						t.Errorf("%s reads the wall clock (time.Now): pass the time in", path)
					}
				}
				return true
			})
		}
	}
}

func TestLongFilesSayWhy(t *testing.T) {
	for _, p := range list(t) {
		for _, f := range p.GoFiles {
			path := filepath.Join(p.Dir, f)
			n, reason, err := lines(path)
			if err != nil {
				t.Fatal(err)
			}
			if n <= maxLines || reason {
				continue
			}
			gen, err := generated(path)
			if err != nil {
				t.Fatal(err)
			}
			if !gen {
				t.Errorf("%s/%s has %d lines: split it along its seams, or say at its top why it is one file (// This file is long because …)", p.ImportPath, f, n)
			}
		}
	}
}

// generated reports whether path is generated code, marked as
// https://go.dev/s/generatedcode says: a line "// Code generated … DO NOT
// EDIT." before the package clause.
func generated(path string) (bool, error) {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.PackageClauseOnly|parser.ParseComments)
	if err != nil {
		return false, err
	}
	return ast.IsGenerated(f), nil
}

// lines counts path's lines and reports whether one of its first 30 lines
// gives the reason for its length.
func lines(path string) (n int, reason bool, err error) {
	f, err := os.Open(path)
	if err != nil {
		return 0, false, err
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		n++
		if n <= 30 && longReason.MatchString(strings.TrimSpace(sc.Text())) {
			reason = true
		}
	}
	return n, reason, sc.Err()
}
