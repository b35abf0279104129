// Package yamlpos places problems found after decoding a YAML document:
// it maps each document path ("policies[0].steps[1].delay_minutes") to the
// line and column where it is written, so an error about a decoded value
// can name its place in the file.
package yamlpos

import (
	"fmt"
	"reflect"
	"strings"

	"github.com/goccy/go-yaml/ast"
)

// Pos is a 1-based line and column; zero when unknown.
type Pos struct{ Line, Col int }

// Index maps document paths to where they are written. A mapping entry
// holding a scalar is placed at its value, one holding a collection at its
// key (the line it starts); "path#key" is always the key.
type Index map[string]Pos

// maxDepth bounds the walk on hostile input.
const maxDepth = 64

// Build indexes every node under body.
func Build(body ast.Node) Index {
	ix := Index{}
	ix.walk(body, "", 0)
	return ix
}

// Of is where n is written.
func Of(n ast.Node) Pos {
	if n == nil || reflect.ValueOf(n).IsNil() {
		return Pos{}
	}
	if m, ok := n.(*ast.MappingNode); ok && len(m.Values) > 0 {
		n = m.Values[0].Key // a mapping's own token is its first colon
	}
	tk := n.GetToken()
	if tk == nil || tk.Position == nil {
		return Pos{}
	}
	return Pos{tk.Position.Line, tk.Position.Column}
}

// Find returns the position of path, or of the nearest enclosing node
// written in the file.
func (ix Index) Find(path string) Pos {
	for p := path; p != ""; {
		if at, ok := ix[p]; ok {
			return at
		}
		i := strings.LastIndexAny(p, ".[")
		if i < 0 {
			break
		}
		p = p[:i]
	}
	return Pos{}
}

func (ix Index) walk(n ast.Node, path string, depth int) {
	if n == nil || depth > maxDepth {
		return
	}
	switch x := n.(type) {
	case *ast.AnchorNode:
		ix.walk(x.Value, path, depth+1)
	case *ast.TagNode:
		ix.walk(x.Value, path, depth+1)
	case *ast.MappingNode:
		for _, v := range x.Values {
			ix.entry(v, path, depth)
		}
	case *ast.MappingValueNode:
		ix.entry(x, path, depth)
	case *ast.SequenceNode:
		for i, v := range x.Values {
			p := fmt.Sprintf("%s[%d]", path, i)
			ix[p] = Of(v)
			ix.walk(v, p, depth+1)
		}
	}
}

func (ix Index) entry(v *ast.MappingValueNode, path string, depth int) {
	if v == nil || v.Key == nil {
		return
	}
	key := v.Key.GetToken()
	if key == nil {
		return
	}
	p := key.Value
	if path != "" {
		p = path + "." + key.Value
	}
	switch v.Value.(type) {
	case *ast.MappingNode, *ast.SequenceNode, nil:
		ix[p] = Of(v.Key)
	default:
		ix[p] = Of(v.Value)
	}
	ix[p+"#key"] = Of(v.Key)
	ix.walk(v.Value, p, depth+1)
}
