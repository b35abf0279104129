package web

import "testing"

func TestMarkdown(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{"# Notice\n\n**Organisation:** Example\n**Ref:** INC-1", "<h2>Notice</h2>\n<p><strong>Organisation:</strong> Example<br>\n<strong>Ref:</strong> INC-1</p>\n"},
		{"- one\n- *two*\n\n1. a\n2. b_c_d", "<ul>\n<li>one</li>\n<li><em>two</em></li>\n</ul>\n<ol>\n<li>a</li>\n<li>b_c_d</li>\n</ol>\n"},
		{"<script>alert(1)</script> & `<b>`", "<p>&lt;script&gt;alert(1)&lt;/script&gt; &amp; <code>&lt;b&gt;</code></p>\n"},
		{"[ok](https://example.com/?a=1&b=2) [bad](javascript:alert(1)) [x](\"onmouseover=alert(1))", `<p><a href="https://example.com/?a=1&amp;b=2" rel="noopener noreferrer">ok</a> [bad](javascript:alert(1)) [x](&#34;onmouseover=alert(1))</p>` + "\n"},
		{"```\n<img src=x onerror=alert(1)>\n```", "<pre><code>&lt;img src=x onerror=alert(1)&gt;\n</code></pre>\n"},
		{"> quoted <i>\n---", "<blockquote>quoted &lt;i&gt;</blockquote>\n<hr>\n"},
	}
	for _, tt := range tests {
		if got := string(markdown(tt.in)); got != tt.want {
			t.Errorf("%q:\n got %q\nwant %q", tt.in, got, tt.want)
		}
	}
}
