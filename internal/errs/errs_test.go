package errs

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"net/http"
	"testing"
	"time"
)

func TestHTTPStatus(t *testing.T) {
	table := []struct {
		code Code
		want int
	}{
		{Invalid, http.StatusUnprocessableEntity},
		{Rule, http.StatusUnprocessableEntity},
		{NotFound, http.StatusNotFound},
		{Conflict, http.StatusConflict},
		{Precondition, http.StatusPreconditionFailed},
		{Unauthorized, http.StatusUnauthorized},
		{Forbidden, http.StatusForbidden},
		{RateLimited, http.StatusTooManyRequests},
		{Unavailable, http.StatusServiceUnavailable},
		{Internal, http.StatusInternalServerError},
		{"", http.StatusInternalServerError},
		{"no_such_code", http.StatusInternalServerError},
	}
	covered := map[Code]bool{}
	for _, tt := range table {
		covered[tt.code] = true
		if got := HTTPStatus(tt.code); got != tt.want {
			t.Errorf("HTTPStatus(%q) = %d, want %d", tt.code, got, tt.want)
		}
	}
	// A code added to errs.go without a row here fails, so its status is
	// decided on purpose rather than falling to 500.
	for _, c := range declaredCodes(t) {
		if !covered[c] {
			t.Errorf("code %q has no row in this table", c)
		}
	}
}

// declaredCodes reads the Code constants from errs.go.
func declaredCodes(t *testing.T) []Code {
	t.Helper()
	f, err := parser.ParseFile(token.NewFileSet(), "errs.go", nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	var codes []Code
	for _, d := range f.Decls {
		g, ok := d.(*ast.GenDecl)
		if !ok || g.Tok != token.CONST {
			continue
		}
		for _, sp := range g.Specs {
			v := sp.(*ast.ValueSpec)
			if id, ok := v.Type.(*ast.Ident); !ok || id.Name != "Code" {
				continue
			}
			for _, val := range v.Values {
				lit := val.(*ast.BasicLit)
				codes = append(codes, Code(lit.Value[1:len(lit.Value)-1]))
			}
		}
	}
	if len(codes) < 9 {
		t.Fatalf("found only %d codes in errs.go: %v", len(codes), codes)
	}
	return codes
}

func TestStatusOf(t *testing.T) {
	for _, tt := range []struct {
		name string
		err  error
		want int
	}{
		{"coded", E(Conflict, "name", "taken"), http.StatusConflict},
		{"stale", E(Precondition, "If-Match", "stale"), http.StatusPreconditionFailed},
		{"wrapped", fmt.Errorf("save: %w", E(NotFound, "", "no such incident")), http.StatusNotFound},
		{"codeless", errors.New("disk on fire"), http.StatusInternalServerError},
	} {
		if got := StatusOf(tt.err); got != tt.want {
			t.Errorf("%s: StatusOf = %d, want %d", tt.name, got, tt.want)
		}
	}
}

func TestRetryAfter(t *testing.T) {
	limited := func(d time.Duration) error { e := E(RateLimited, "", "later"); e.RetryAfter = d; return e }
	for _, tt := range []struct {
		name string
		err  error
		want string
	}{
		{"whole seconds", limited(15 * time.Minute), "900"},
		{"rounded up", limited(1500 * time.Millisecond), "2"},
		{"under a second", limited(time.Millisecond), "1"},
		{"wrapped", fmt.Errorf("send: %w", limited(time.Minute)), "60"},
		{"no wait named", E(RateLimited, "", "later"), ""},
		{"codeless", errors.New("x"), ""},
	} {
		if got := RetryAfter(tt.err); got != tt.want {
			t.Errorf("%s: RetryAfter = %q, want %q", tt.name, got, tt.want)
		}
	}
}
