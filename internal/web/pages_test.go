package web

import (
	"html/template"
	"io/fs"
	"path"
	"slices"
	"strings"
	"testing"
)

// Each page holds exactly the templates it could run, as it did when every
// partial was parsed into it: nothing it calls is left out, and the
// partials it never calls are.
func TestPagesHoldWhatTheyCall(t *testing.T) {
	funcs := (&Server{}).funcs()
	pages, err := parsePages(assets, funcs)
	if err != nil {
		t.Fatal(err)
	}
	names, err := fs.Glob(assets, "templates/page_*.html")
	if err != nil {
		t.Fatal(err)
	}
	if len(pages) != len(names) || len(names) == 0 {
		t.Fatalf("%d pages parsed from %d files", len(pages), len(names))
	}
	var pruned int
	for _, n := range names {
		// The whole set, as the console parsed it before.
		full := template.Must(template.New(path.Base(n)).Funcs(funcs).ParseFS(assets, "templates/layout.html", "templates/partials.html", "templates/partial_*.html", n))
		page := pages[strings.TrimSuffix(strings.TrimPrefix(path.Base(n), "page_"), ".html")]
		want := reachable(full, funcs, path.Base(n))
		got := defined(page)
		if !slices.Equal(got, want) {
			t.Errorf("%s holds %v, want what it can reach: %v", n, got, want)
		}
		for _, name := range got {
			if page.Lookup(name).Tree.Root.String() != full.Lookup(name).Tree.Root.String() {
				t.Errorf("%s: template %q differs from the full set's", n, name)
			}
		}
		pruned += len(defined(full)) - len(got)
	}
	if pruned == 0 {
		t.Error("no page left out any shared template")
	}
}

// reachable lists, sorted, the templates of full defined and reachable
// from the layouts and from the page file's own definitions.
func reachable(full *template.Template, funcs template.FuncMap, file string) []string {
	own := template.Must(template.New(file).Funcs(funcs).ParseFS(assets, "templates/"+file))
	var todo []string
	for _, t := range own.Templates() {
		if t.Tree != nil {
			todo = calls(t.Tree.Root, todo)
		}
		todo = append(todo, t.Name())
	}
	todo = append(todo, layouts...)
	seen := map[string]bool{}
	var out []string
	for len(todo) > 0 {
		name := todo[len(todo)-1]
		todo = todo[:len(todo)-1]
		if seen[name] {
			continue
		}
		seen[name] = true
		if t := full.Lookup(name); t != nil && t.Tree != nil {
			out = append(out, name)
			todo = calls(t.Tree.Root, todo)
		}
	}
	slices.Sort(out)
	return out
}

func defined(t *template.Template) []string {
	var out []string
	for _, x := range t.Templates() {
		if x.Tree != nil {
			out = append(out, x.Name())
		}
	}
	slices.Sort(out)
	return out
}
