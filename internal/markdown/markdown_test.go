package markdown

import (
	"regexp"
	"strings"
	"testing"
)

// unsafeAttr is an event handler or a script URL inside a tag.
var unsafeAttr = regexp.MustCompile(`<[^>]*(\son[a-z]+\s*=|(href|src)\s*=\s*"?\s*(javascript|vbscript|data):)`)

func TestRender(t *testing.T) {
	t.Parallel()
	r := New()
	tests := []struct{ name, in, want, not string }{
		{"heading and emphasis", "# Notice\n\n**Bold** and *it*", "<h1>Notice</h1>", ""},
		{"a line break stays one", "Dear Dana,\nwe write", "Dear Dana,<br/>", ""},
		{"list", "- one\n- two", "<li>one</li>", ""},
		{"HTML in the source is text", "<script>alert(1)</script><b onclick=x>hi</b>", "&lt;script&gt;alert(1)&lt;/script&gt;&lt;b onclick=x&gt;hi&lt;/b&gt;", "<script"},
		{"inline HTML is text", "a <img src=x onerror=alert(1)> b", "a &lt;img src=x onerror=alert(1)&gt; b", "<img"},
		{"javascript links are dropped", "[x](javascript:alert(1))", "x", "javascript:"},
		{"http links get nofollow", "[site](https://example.com)", `<a href="https://example.com" rel="nofollow">site</a>`, ""},
		{"text is escaped", "a < b & c", "a &lt; b &amp; c", ""},
		{"placeholders stay visible", "[[describe it]]", "[[describe it]]", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := r.HTML(tt.in)
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(string(got), tt.want) || (tt.not != "" && strings.Contains(string(got), tt.not)) {
				t.Fatalf("%q rendered %q; want %q, not %q", tt.in, got, tt.want, tt.not)
			}
		})
	}
	doc, err := r.Document(`A <title>`, "text")
	if err != nil || !strings.Contains(doc, "<title>A &lt;title&gt;</title>") || !strings.Contains(doc, "<p>text</p>") {
		t.Fatalf("document %q %v", doc, err)
	}
}

func FuzzRender(f *testing.F) {
	for _, s := range []string{"# a\n\nb", "<script>x</script>", "[l](javascript:x)", "```\ncode\n```", "| a | b |\n|---|---|\n| 1 | 2 |"} {
		f.Add(s)
	}
	r := New()
	f.Fuzz(func(t *testing.T, s string) {
		out, err := r.HTML(s)
		if err != nil {
			t.Fatal(err)
		}
		low := strings.ToLower(string(out))
		if strings.Contains(low, "<script") || strings.Contains(low, "<iframe") || unsafeAttr.MatchString(low) {
			t.Fatalf("%q rendered %q", s, out)
		}
	})
}
