package plan

import (
	"bytes"
	"cmp"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"strings"

	"github.com/goccy/go-yaml"
	"github.com/goccy/go-yaml/ast"
	"github.com/goccy/go-yaml/parser"

	"github.com/firebreak-ir/firebreak/internal/yamlpos"
)

// FileProblem is one thing wrong with a plans file or plan document: Path
// is where in the document ("plans[0].tasks[2].due"), Line and Column
// (1-based; 0 when unknown) where it is written.
type FileProblem struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

// Format writes the problem as FILE:LINE:COL: PATH: MESSAGE; parts that
// are unknown (or an empty file) are left out.
func (p FileProblem) Format(file string) string {
	var parts []string
	if file != "" {
		parts = append(parts, file)
	}
	if p.Line > 0 {
		parts = append(parts, fmt.Sprintf("%d:%d", p.Line, p.Column))
	}
	var b strings.Builder
	if len(parts) > 0 {
		b.WriteString(strings.Join(parts, ":") + ": ")
	}
	if p.Path != "" {
		b.WriteString(p.Path + ": ")
	}
	b.WriteString(p.Message)
	return b.String()
}

// FileProblems is every problem of a document, in file order: the error
// ParseFile and ParsePlan return.
type FileProblems []FileProblem

func (ps FileProblems) Error() string { return ps.Format("") }

// Format writes one problem a line, each starting with file.
func (ps FileProblems) Format(file string) string {
	lines := make([]string, len(ps))
	for i, p := range ps {
		lines[i] = p.Format(file)
	}
	return strings.Join(lines, "\n")
}

// ParseFile reads a plans file: a YAML document whose only key is plans, a
// list of plans. Decoding is strict (an unknown key is a problem) and every
// problem — of the YAML, of the types, of each plan's Check, and plan
// names used twice — is returned together as FileProblems, placed in the
// file. roles says which role names an owner may use.
func ParseFile(data []byte, roles Roles) ([]Plan, error) {
	return parseList(data, roles, true)
}

// ParseSection reads the plans key of a larger document (the policy file),
// as ParseFile does, ignoring the document's other keys: their checks are
// the caller's.
func ParseSection(data []byte, roles Roles) ([]Plan, error) {
	return parseList(data, roles, false)
}

// ParsePlan reads one plan document, YAML or JSON, with the plan's fields
// at the top level (what the API and the console edit). The problems are
// FileProblems with paths from the plan ("tasks[2].due").
func ParsePlan(data []byte, roles Roles) (p Plan, err error) {
	defer func() {
		if r := recover(); r != nil { // the YAML library on hostile input
			p, err = Plan{}, FileProblems{{Message: fmt.Sprintf("cannot parse the plan: %v", r)}}
		}
	}()
	body, probs := document(data)
	if probs != nil {
		return Plan{}, probs
	}
	if body == nil {
		return Plan{}, FileProblems{{Message: "the plan is empty"}}
	}
	d := newDecoder(body, roles)
	p = d.plan(body, "")
	if len(d.probs) > 0 {
		return Plan{}, d.sorted()
	}
	return p, nil
}

func parseList(data []byte, roles Roles, whole bool) (plans []Plan, err error) {
	defer func() {
		if r := recover(); r != nil { // the YAML library on hostile input
			plans, err = nil, FileProblems{{Message: fmt.Sprintf("cannot parse the file: %v", r)}}
		}
	}()
	body, probs := document(data)
	if probs != nil || body == nil {
		return nil, nilIfEmpty(probs)
	}
	d := newDecoder(body, roles)
	m, ok := d.mapping(body, "")
	if !ok {
		return nil, d.sorted()
	}
	var list ast.Node
	seen := map[string]bool{}
	for _, e := range m.Values {
		key := keyOf(e)
		switch {
		case key == "plans" && seen[key]:
			d.at(yamlpos.Of(e.Key), "plans", "is written twice")
		case key == "plans":
			list = e.Value
		case whole:
			d.at(yamlpos.Of(e.Key), key, "unknown field %q; a plans file holds only plans", key)
		}
		seen[key] = true
	}
	items, _ := d.sequence(list, "plans")
	names := map[string]int{}
	for i, n := range items {
		path := fmt.Sprintf("plans[%d]", i)
		p := d.plan(n, path)
		if j, dup := names[p.Name]; dup && p.Name != "" {
			d.add(path+".name", "%q is also the name of plans[%d]", p.Name, j)
		} else if p.Name != "" {
			names[p.Name] = i
		}
		plans = append(plans, p)
	}
	if len(d.probs) > 0 {
		return nil, d.sorted()
	}
	return plans, nil
}

func nilIfEmpty(ps FileProblems) error {
	if len(ps) == 0 {
		return nil
	}
	return ps
}

// document parses data as one YAML (or JSON) document and returns its
// body, nil when there is none.
func document(data []byte) (ast.Node, FileProblems) {
	if len(bytes.TrimSpace(data)) == 0 {
		return nil, nil
	}
	file, err := parser.ParseBytes(data, 0)
	if err != nil {
		return nil, FileProblems{yamlProblem(err, yamlpos.Pos{})}
	}
	if len(file.Docs) > 1 {
		p := FileProblem{Message: "the file holds more than one YAML document; put everything in one"}
		if d := file.Docs[1]; d != nil && d.Body != nil {
			at := yamlpos.Of(d.Body)
			p.Line, p.Column = at.Line, at.Col
		}
		return nil, FileProblems{p}
	}
	if len(file.Docs) == 0 || file.Docs[0] == nil {
		return nil, nil
	}
	return file.Docs[0].Body, nil
}

// decoder decodes plans field by field, so that one field of the wrong
// type or an unknown key is a problem at its place and every other field
// is still decoded and checked.
type decoder struct {
	ix    yamlpos.Index
	roles Roles
	probs FileProblems
	// failed are the paths that did not decode; Check's problems at or
	// under them would only repeat the decoding problem.
	failed []string
}

func newDecoder(body ast.Node, roles Roles) *decoder {
	if roles == nil {
		roles = func(string) bool { return false }
	}
	return &decoder{ix: yamlpos.Build(body), roles: roles}
}

func (d *decoder) at(pos yamlpos.Pos, path, format string, args ...any) {
	d.probs = append(d.probs, FileProblem{Line: pos.Line, Column: pos.Col, Path: path, Message: fmt.Sprintf(format, args...)})
}

// add places a problem at path's place in the document.
func (d *decoder) add(path, format string, args ...any) {
	d.at(d.ix.Find(path), path, format, args...)
}

// fail records a decoding problem at path.
func (d *decoder) fail(pos yamlpos.Pos, path, format string, args ...any) {
	d.at(pos, path, format, args...)
	d.failed = append(d.failed, path)
}

func (d *decoder) sorted() FileProblems {
	slices.SortStableFunc(d.probs, func(a, b FileProblem) int {
		if (a.Line == 0) != (b.Line == 0) { // unplaced problems go last
			if a.Line == 0 {
				return 1
			}
			return -1
		}
		return cmp.Or(cmp.Compare(a.Line, b.Line), cmp.Compare(a.Column, b.Column), strings.Compare(a.Path, b.Path))
	})
	return d.probs
}

// plan decodes the plan written at n, whose path is prefix ("plans[0]" or
// "" for a plan document), and adds Check's problems.
func (d *decoder) plan(n ast.Node, prefix string) Plan {
	var p Plan
	before := len(d.failed)
	if !d.object(n, prefix, reflect.ValueOf(&p).Elem()) {
		return p
	}
	failed := d.failed[before:]
	for _, c := range p.Check(d.roles) {
		path := join(prefix, c.Path)
		if slices.ContainsFunc(failed, func(f string) bool { return within(path, f) || within(f, path) }) {
			continue
		}
		d.add(path, "%s", c.Message)
	}
	return p
}

// object decodes the mapping at n into the struct v, field by field by
// their yaml names; it reports whether n was a mapping.
func (d *decoder) object(n ast.Node, path string, v reflect.Value) bool {
	m, ok := d.mapping(n, path)
	if !ok {
		return false
	}
	if m == nil {
		return true
	}
	seen := map[string]bool{}
	for _, e := range m.Values {
		key := keyOf(e)
		kp := join(path, key)
		if seen[key] {
			d.fail(yamlpos.Of(e.Key), kp, "is written twice")
			continue
		}
		seen[key] = true
		f, ok := field(v, key)
		if !ok {
			d.at(yamlpos.Of(e.Key), kp, "unknown field %q; one of %s", key, strings.Join(fieldNames(v.Type()), ", "))
			continue
		}
		d.value(e.Value, kp, f)
	}
	return true
}

// value decodes n into v: structs and lists of structs field by field,
// everything else with the YAML decoder.
func (d *decoder) value(n ast.Node, path string, v reflect.Value) {
	n = unwrap(n)
	if _, ok := n.(*ast.AliasNode); ok {
		d.fail(yamlpos.Of(n), path, "aliases are not supported in plans; write the value out")
		return
	}
	switch {
	case v.Kind() == reflect.Struct:
		if !d.object(n, path, v) {
			d.failed = append(d.failed, path)
		}
		return
	case v.Kind() == reflect.Slice && v.Type().Elem().Kind() == reflect.Struct:
		items, ok := d.sequence(n, path)
		if !ok {
			d.failed = append(d.failed, path)
			return
		}
		s := reflect.MakeSlice(v.Type(), len(items), len(items))
		for i, item := range items {
			d.value(item, fmt.Sprintf("%s[%d]", path, i), s.Index(i))
		}
		v.Set(s)
		return
	}
	if n == nil || n.Type() == ast.NullType {
		return
	}
	// The decoder's own words for these name Go's types.
	switch v.Kind() {
	case reflect.Slice:
		if _, ok := d.sequence(n, path); !ok {
			return
		}
	case reflect.Map:
		if _, ok := d.mapping(n, path); !ok {
			return
		}
	}
	if err := yaml.NodeToValue(n, v.Addr().Interface(), yaml.Strict()); err != nil {
		p := yamlProblem(err, yamlpos.Of(n))
		d.fail(yamlpos.Pos{Line: p.Line, Col: p.Column}, path, "%s", p.Message)
	}
}

// mapping returns the mapping at n (nil for an empty value); a value of
// another kind is a problem.
func (d *decoder) mapping(n ast.Node, path string) (*ast.MappingNode, bool) {
	switch x := unwrap(n).(type) {
	case nil:
		return nil, true
	case *ast.NullNode:
		return nil, true
	case *ast.MappingNode:
		return x, true
	case *ast.MappingValueNode:
		return &ast.MappingNode{Values: []*ast.MappingValueNode{x}}, true
	default:
		d.fail(yamlpos.Of(x), path, "%s where a mapping of fields is expected", nodeKind(x))
		return nil, false
	}
}

// sequence returns the items of the list at n; a value of another kind is
// a problem.
func (d *decoder) sequence(n ast.Node, path string) ([]ast.Node, bool) {
	switch x := unwrap(n).(type) {
	case nil, *ast.NullNode:
		return nil, true
	case *ast.SequenceNode:
		return x.Values, true
	default:
		d.fail(yamlpos.Of(x), path, "%s where a list is expected", nodeKind(x))
		return nil, false
	}
}

func unwrap(n ast.Node) ast.Node {
	for range 64 {
		switch x := n.(type) {
		case *ast.AnchorNode:
			n = x.Value
		case *ast.TagNode:
			n = x.Value
		default:
			if n != nil && reflect.ValueOf(n).IsNil() {
				return nil
			}
			return n
		}
	}
	return n
}

func keyOf(e *ast.MappingValueNode) string {
	if e == nil || e.Key == nil {
		return ""
	}
	if tk := e.Key.GetToken(); tk != nil {
		return tk.Value
	}
	return ""
}

// nodeKind names a YAML value as the file's author sees it.
func nodeKind(n ast.Node) string {
	switch n.(type) {
	case *ast.MappingNode, *ast.MappingValueNode:
		return "a mapping"
	case *ast.SequenceNode:
		return "a list"
	case *ast.StringNode, *ast.LiteralNode:
		return "text"
	case *ast.IntegerNode:
		return "a whole number"
	case *ast.FloatNode:
		return "a number"
	case *ast.BoolNode:
		return "true or false"
	case *ast.AliasNode:
		return "an alias"
	}
	return "a value"
}

// field finds the struct field of v whose yaml name is key.
func field(v reflect.Value, key string) (reflect.Value, bool) {
	t := v.Type()
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name == key && key != "" && key != "-" {
			return v.Field(i), true
		}
	}
	return reflect.Value{}, false
}

func fieldNames(t reflect.Type) []string {
	var out []string
	for i := range t.NumField() {
		if name, _, _ := strings.Cut(t.Field(i).Tag.Get("yaml"), ","); name != "" && name != "-" {
			out = append(out, name)
		}
	}
	return out
}

func join(prefix, path string) string {
	switch {
	case prefix == "":
		return path
	case path == "":
		return prefix
	}
	return prefix + "." + path
}

// within reports whether path is at or under parent.
func within(path, parent string) bool {
	if parent == "" {
		return true
	}
	rest, ok := strings.CutPrefix(path, parent)
	return ok && (rest == "" || rest[0] == '.' || rest[0] == '[')
}

// yamlProblem places an error of the YAML parser or decoder; at is where
// the value is written, for errors that carry no place.
func yamlProblem(err error, at yamlpos.Pos) FileProblem {
	p := FileProblem{Line: at.Line, Column: at.Col, Message: err.Error()}
	var ye yaml.Error
	if errors.As(err, &ye) {
		p.Message = ye.GetMessage()
		var te *yaml.TypeError
		if errors.As(err, &te) && te.SrcType != nil && te.DstType != nil {
			// Go's type names mean nothing to the file's author.
			p.Message = fmt.Sprintf("%s where %s is expected", kindName(te.SrcType), kindName(te.DstType))
		}
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			p.Line, p.Column = tk.Position.Line, tk.Position.Column
		}
	}
	return p
}

// kindName names a Go type as the file's author sees it.
func kindName(t reflect.Type) string {
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
