package web

import (
	"html"
	"html/template"
	"regexp"
	"strings"
)

// markdown renders the Markdown that notices are written in as HTML for a
// preview: headings, paragraphs (a line break stays one), lists, quotes,
// code blocks and rules; bold, italic, code and http(s)/mailto links.
// Everything else is text: every character of the source is escaped
// before any markup is added, so a notice can never inject HTML into the
// page that previews it.
func markdown(src string) template.HTML {
	var b strings.Builder
	lines := strings.Split(strings.ReplaceAll(src, "\r\n", "\n"), "\n")
	var para []string
	list := "" // "ul" or "ol" while in a list
	flushPara := func() {
		if len(para) > 0 {
			b.WriteString("<p>")
			for i, l := range para {
				if i > 0 {
					b.WriteString("<br>\n")
				}
				b.WriteString(inline(l))
			}
			b.WriteString("</p>\n")
			para = nil
		}
	}
	closeList := func() {
		if list != "" {
			b.WriteString("</" + list + ">\n")
			list = ""
		}
	}
	for i := 0; i < len(lines); i++ {
		line := lines[i]
		trimmed := strings.TrimSpace(line)
		switch {
		case strings.HasPrefix(trimmed, "```"):
			flushPara()
			closeList()
			b.WriteString("<pre><code>")
			for i++; i < len(lines) && !strings.HasPrefix(strings.TrimSpace(lines[i]), "```"); i++ {
				b.WriteString(html.EscapeString(lines[i]) + "\n")
			}
			b.WriteString("</code></pre>\n")
		case trimmed == "":
			flushPara()
			closeList()
		case headingRE.MatchString(trimmed):
			flushPara()
			closeList()
			m := headingRE.FindStringSubmatch(trimmed)
			n := string(rune('0' + min(len(m[1])+1, 6))) // # is the notice's own h2
			b.WriteString("<h" + n + ">" + inline(m[2]) + "</h" + n + ">\n")
		case ruleRE.MatchString(trimmed):
			flushPara()
			closeList()
			b.WriteString("<hr>\n")
		case strings.HasPrefix(trimmed, ">"):
			flushPara()
			closeList()
			b.WriteString("<blockquote>" + inline(strings.TrimSpace(strings.TrimPrefix(trimmed, ">"))) + "</blockquote>\n")
		case bulletRE.MatchString(line), orderedRE.MatchString(line):
			flushPara()
			kind, item := "ul", ""
			if m := bulletRE.FindStringSubmatch(line); m != nil {
				item = m[1]
			} else {
				kind, item = "ol", orderedRE.FindStringSubmatch(line)[1]
			}
			if list != kind {
				closeList()
				b.WriteString("<" + kind + ">\n")
				list = kind
			}
			b.WriteString("<li>" + inline(item) + "</li>\n")
		default:
			if list != "" && strings.HasPrefix(line, "  ") {
				// A continuation of the list item above.
				b.WriteString("<li class=\"cont\">" + inline(trimmed) + "</li>\n")
				continue
			}
			closeList()
			para = append(para, trimmed)
		}
	}
	flushPara()
	closeList()
	return template.HTML(b.String()) // every piece was escaped above
}

var (
	headingRE = regexp.MustCompile(`^(#{1,6})\s+(.*)$`)
	ruleRE    = regexp.MustCompile(`^(-{3,}|\*{3,}|_{3,})$`)
	bulletRE  = regexp.MustCompile(`^\s{0,3}[-*+]\s+(.*)$`)
	orderedRE = regexp.MustCompile(`^\s{0,3}\d{1,9}[.)]\s+(.*)$`)
	boldRE    = regexp.MustCompile(`\*\*([^*]+)\*\*|__([^_]+)__`)
	italicRE  = regexp.MustCompile(`(^|[^\w*])\*([^*\s][^*]*)\*|(^|[^\w_])_([^_\s][^_]*)_`)
	linkRE    = regexp.MustCompile(`\[([^\]]+)\]\(([^)\s]+)\)`)
)

// inline renders a line's emphasis, code and links; the rest is escaped.
func inline(s string) string {
	var b strings.Builder
	parts := strings.Split(s, "`")
	for i, p := range parts {
		if i%2 == 1 && i < len(parts)-1 {
			b.WriteString("<code>" + html.EscapeString(p) + "</code>")
			continue
		}
		if i%2 == 1 { // an unmatched backtick
			b.WriteString("`")
		}
		b.WriteString(emphasis(html.EscapeString(p)))
	}
	return b.String()
}

// emphasis marks up text that is already escaped.
func emphasis(s string) string {
	s = linkRE.ReplaceAllStringFunc(s, func(m string) string {
		g := linkRE.FindStringSubmatch(m)
		href := html.UnescapeString(g[2])
		lower := strings.ToLower(href)
		if !strings.HasPrefix(lower, "https://") && !strings.HasPrefix(lower, "http://") && !strings.HasPrefix(lower, "mailto:") {
			return m
		}
		return `<a href="` + html.EscapeString(href) + `" rel="noopener noreferrer">` + g[1] + `</a>`
	})
	s = boldRE.ReplaceAllStringFunc(s, func(m string) string {
		g := boldRE.FindStringSubmatch(m)
		return "<strong>" + g[1] + g[2] + "</strong>"
	})
	return italicRE.ReplaceAllStringFunc(s, func(m string) string {
		g := italicRE.FindStringSubmatch(m)
		if g[2] != "" {
			return g[1] + "<em>" + g[2] + "</em>"
		}
		return g[3] + "<em>" + g[4] + "</em>"
	})
}
