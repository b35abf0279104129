package web

import (
	"fmt"
	"html/template"
	"io/fs"
	"path"
	"strings"
	"text/template/parse"
)

// The console's pages share a layout and some 80 KB of partials. Parsing
// every partial into every page kept about 30 MB of parse trees alive, most
// of the server's idle heap, though a page uses only a few partials. Each
// page is therefore given only the shared templates it can reach, a copy of
// their parsed trees (html/template escapes a page's trees in place, so
// pages cannot share them); what it renders is unchanged.

// layouts are the templates a page is executed through (render,
// renderPublic).
var layouts = []string{"layout", "status_layout"}

// parsePages parses every templates/page_*.html with the shared templates
// it reaches, keyed by the page's name ("triage" for page_triage.html).
// A template that does not parse fails here, at start-up.
func parsePages(fsys fs.FS, funcs template.FuncMap) (map[string]*template.Template, error) {
	shared, err := template.New("shared").Funcs(funcs).ParseFS(fsys, "templates/layout.html", "templates/partials.html", "templates/partial_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: parse the shared templates: %w", err)
	}
	names, err := fs.Glob(fsys, "templates/page_*.html")
	if err != nil {
		return nil, fmt.Errorf("web: %w", err)
	}
	pages := make(map[string]*template.Template, len(names))
	for _, n := range names {
		t, err := template.New(path.Base(n)).Funcs(funcs).ParseFS(fsys, n)
		if err != nil {
			return nil, fmt.Errorf("web: parse %s: %w", n, err)
		}
		if err := addReachable(t, shared); err != nil {
			return nil, fmt.Errorf("web: %s: %w", n, err)
		}
		pages[strings.TrimSuffix(strings.TrimPrefix(path.Base(n), "page_"), ".html")] = t
	}
	return pages, nil
}

// addReachable adds to page a copy of each shared template that the
// layouts or the page's own templates call, directly or not. The page's own
// definitions win over shared ones of the same name, as they did when the
// page file was parsed last.
func addReachable(page, shared *template.Template) error {
	var todo []string
	for _, t := range page.Templates() {
		if t.Tree != nil {
			todo = calls(t.Tree.Root, todo)
		}
	}
	todo = append(todo, layouts...)
	seen := map[string]bool{}
	for len(todo) > 0 {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		if own := page.Lookup(name); own != nil && own.Tree != nil {
			continue // defined by the page; its calls are queued already
		}
		st := shared.Lookup(name)
		if st == nil || st.Tree == nil {
			continue // an undefined call fails when executed, as before
		}
		tree := st.Tree.Copy()
		if _, err := page.AddParseTree(name, tree); err != nil {
			return fmt.Errorf("add %s: %w", name, err)
		}
		todo = calls(tree.Root, todo)
	}
	return nil
}

// calls appends the names of the templates node calls ({{template "x"}}).
func calls(node parse.Node, out []string) []string {
	switch n := node.(type) {
	case *parse.ListNode:
		if n == nil {
			return out
		}
		for _, c := range n.Nodes {
			out = calls(c, out)
		}
	case *parse.TemplateNode:
		out = append(out, n.Name)
	case *parse.IfNode:
		out = calls(n.List, calls(n.ElseList, out))
	case *parse.RangeNode:
		out = calls(n.List, calls(n.ElseList, out))
	case *parse.WithNode:
		out = calls(n.List, calls(n.ElseList, out))
	}
	return out
}
