package web

import (
	"strings"
	"testing"
)

// The preview is the renderer emailed notices use: structure kept, a
// line break stays one, nothing of the source runs as markup.
func TestMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want, not string }{
		{"# Notice\n\n**Organisation:** Example\n**Ref:** INC-1", "<h1>Notice</h1>\n<p><strong>Organisation:</strong> Example<br/>\n<strong>Ref:</strong> INC-1</p>", ""},
		{"- one\n- *two*\n\n1. a\n2. b_c_d", "<ul>\n<li>one</li>\n<li><em>two</em></li>\n</ul>\n<ol>\n<li>a</li>\n<li>b_c_d</li>\n</ol>", ""},
		{"<script>alert(1)</script> & `<b>`", "&lt;script&gt;alert(1)&lt;/script&gt; &amp;", "<script"},
		{"[ok](https://example.com/?a=1&b=2) [bad](javascript:alert(1))", `<a href="https://example.com/?a=1&amp;b=2" rel="nofollow">ok</a>`, "javascript:"},
		{"```\n<img src=x onerror=alert(1)>\n```", "<pre><code>&lt;img src=x onerror=alert(1)&gt;\n</code></pre>", "<img"},
		{"> quoted <i>\n\n---", "<blockquote>", "<i>"},
	}
	for _, tt := range tests {
		got := string(markdown(tt.in))
		if !strings.Contains(got, tt.want) || (tt.not != "" && strings.Contains(got, tt.not)) {
			t.Errorf("%q:\n got %q\nwant %q, not %q", tt.in, got, tt.want, tt.not)
		}
	}
}
