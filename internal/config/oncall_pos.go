package config

import (
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/yamlpos"
)

// Problem is one thing wrong with an on-call file, at its place in the
// file: Path is where in the document, such as "policies[0].steps", and
// Line and Column (1-based; 0 when unknown) where it is written.
type Problem struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Format writes the problem as FILE:LINE:COL: PATH: MESSAGE.
func (p Problem) Format(file string) string {
	var b strings.Builder
	b.WriteString(file)
	if p.Line > 0 {
		if file != "" {
			b.WriteString(":")
		}
		fmt.Fprintf(&b, "%d:%d", p.Line, p.Column)
	}
	b.WriteString(": ")
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// Problems is every problem of a file, in file order. It is the error
// ParseOncall and Check return.
type Problems []Problem

func (ps Problems) Error() string { return ps.Format("") }

// Format writes one problem a line, each starting with file.
func (ps Problems) Format(file string) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = strings.TrimPrefix(p.Format(file), ": ")
	}
	return strings.Join(lines, "\n")
}

func (ps Problems) sort() {
	slices.SortStableFunc(ps, func(a, b Problem) int {
		// Problems without a place (objects on the server) go last.
		if (a.Line == 0) != (b.Line == 0) {
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), strings.Compare(a.Path, b.Path))
	})
}

// positions maps document paths to where they are written, and object
// names to their index in their list, to place the problems the domain
// reports by name ("policies.primary.steps[1].delay_minutes").
type positions struct {
	at    yamlpos.Index
	names map[string]map[string]int // "policies" → "primary" → 0
}

func newPositions() *positions {
	return &positions{at: yamlpos.Index{}, names: map[string]map[string]int{}}
}

// problem places a problem at path.
func (ps *positions) problem(path, format string, args ...any) Problem {
	at := ps.at.Find(path)
	return Problem{Line: at.Line, Column: at.Col, Path: path, Message: fmt.Sprintf(format, args...)}
}

// docPath turns a path naming an object ("policies.primary.steps[0]") into
// its place in the document ("policies[2].steps[0]"); a path naming
// something the file does not declare is returned unchanged.
func (ps *positions) docPath(field string) string {
	kind, rest, ok := strings.Cut(field, ".")
	if !ok {
		return field
	}
	best, idx := -1, 0
	for name, i := range ps.names[kind] {
		if len(name) > best && (rest == name || strings.HasPrefix(rest, name+".") || strings.HasPrefix(rest, name+"[")) {
			best, idx = len(name), i
		}
	}
	if best < 0 {
		return field
	}
	return fmt.Sprintf("%s[%d]%s", kind, idx, rest[best:])
}

// locate turns an error of the domain (an errs.Error with details by
// object name) into problems placed in the file.
func (ps *positions) locate(err error) Problems {
	if err == nil {
		return nil
	}
	e, ok := errs.As(err)
	if !ok {
		return Problems{{Message: err.Error()}}
	}
	details := e.Details
	if len(details) == 0 {
		details = []errs.Detail{{Field: e.Field, Message: e.Message}}
	}
	var out Problems
	for _, d := range details {
		out = append(out, ps.problem(ps.docPath(d.Field), "%s", d.Message))
	}
	return out
}

// yamlProblem places an error of the YAML parser or decoder.
func yamlProblem(err error) Problem {
	var ye yaml.Error
	if errors.As(err, &ye) {
		p := Problem{Message: ye.GetMessage()}
		var te *yaml.TypeError
		if errors.As(err, &te) && te.SrcType != nil && te.DstType != nil {
			// Go's type names mean nothing to the file's author.
			p.Message = fmt.Sprintf("%s where %s is expected", yamlKind(te.SrcType), yamlKind(te.DstType))
		}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			p.Line, p.Column = tk.Position.Line, tk.Position.Column
		}
		return p
	}
	return Problem{Message: err.Error()}
}

func errField(err error) (string, bool) {
	e, ok := errs.As(err)
	if !ok || e.Field == "" {
		return "", false
	}
	return e.Field, true
}

func errMessage(err error) string {
	if e, ok := errs.As(err); ok {
		return e.Message
	}
	return err.Error()
}

// yamlKind names a Go type as YAML's author sees it.
func yamlKind(t reflect.Type) string {
	switch t.Kind() {
	case reflect.String:
		return "text"
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return "a whole number"
	case reflect.Float32, reflect.Float64:
		return "a number"
	case reflect.Bool:
		return "true or false"
	case reflect.Slice, reflect.Array:
		return "a list"
	case reflect.Map, reflect.Struct:
		return "a mapping"
	}
	return "a " + t.String()
}
