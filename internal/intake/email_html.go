package intake

import (
	"strings"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// hidden elements hold no text a mail reader shows; head's other elements
// (meta, link, base) hold none at all.
var hidden = map[atom.Atom]bool{atom.Script: true, atom.Style: true, atom.Title: true, atom.Template: true,
	atom.Iframe: true, atom.Svg: true, atom.Noembed: true, atom.Noframes: true}

// block elements start and end a paragraph; lineStart elements start a
// line (list items, table rows).
var (
	block = map[atom.Atom]bool{atom.P: true, atom.Div: true, atom.Ul: true, atom.Ol: true, atom.Dl: true,
		atom.Table: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true, atom.H6: true,
		atom.Blockquote: true, atom.Pre: true, atom.Hr: true, atom.Section: true, atom.Article: true, atom.Header: true,
		atom.Footer: true, atom.Address: true, atom.Form: true, atom.Fieldset: true, atom.Figure: true, atom.Main: true,
		atom.Nav: true, atom.Aside: true}
	lineStart = map[atom.Atom]bool{atom.Li: true, atom.Tr: true, atom.Dt: true, atom.Dd: true, atom.Caption: true}
)

// htmlText reduces an HTML body to readable text with the HTML5 tokenizer
// of golang.org/x/net/html, which knows raw-text elements, entities and
// malformed markup: script, style, title and the like are dropped, block
// elements become line breaks, a link keeps its text and, when it differs,
// its web or mail address. The tokenizer streams, so neither the size nor
// the nesting of a hostile body matters (the tree parser refuses more
// than 512 levels, and the text would be lost).
func htmlText(s string) string {
	z := html.NewTokenizer(strings.NewReader(s))
	var b strings.Builder
	var skip atom.Atom // the hidden element being skipped, with its nesting
	depth := 0
	type link struct {
		start int
		href  string
	}
	var links []link
	pre := 0 // inside <pre> line breaks are the text's own; elsewhere white space
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken: // io.EOF: a string has no other
			return tidyLines(b.String())
		case html.TextToken:
			if depth > 0 {
				continue
			}
			if t := z.Text(); pre > 0 {
				b.Write(t)
			} else {
				b.WriteString(strings.Map(func(r rune) rune {
					if r == '\n' || r == '\r' || r == '\t' || r == '\f' {
						return ' '
					}
					return r
				}, string(t)))
			}
		case html.StartTagToken, html.SelfClosingTagToken:
			name, more := z.TagName()
			a := atom.Lookup(name)
			if depth > 0 {
				if a == skip && tt == html.StartTagToken {
					depth++
				}
				continue
			}
			switch {
			case hidden[a]:
				if tt == html.StartTagToken {
					skip, depth = a, 1
				}
			case a == atom.Br:
				b.WriteByte('\n')
			case a == atom.Td || a == atom.Th:
				b.WriteByte(' ')
			case block[a] || lineStart[a]:
				b.WriteByte('\n')
				if a == atom.Pre && tt == html.StartTagToken {
					pre++
				}
			case a == atom.A && tt == html.StartTagToken:
				l := link{start: b.Len()}
				for more {
					var k, v []byte
					k, v, more = z.TagAttr()
					if string(k) == "href" {
						l.href = strings.TrimSpace(string(v))
					}
				}
				links = append(links, l)
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			a := atom.Lookup(name)
			if depth > 0 {
				if a == skip {
					depth--
				}
				continue
			}
			switch {
			case block[a]:
				b.WriteByte('\n')
				if a == atom.Pre && pre > 0 {
					pre--
				}
			case a == atom.A && len(links) > 0:
				l := links[len(links)-1]
				links = links[:len(links)-1]
				writeHref(&b, l.href, l.start)
			}
		}
	}
}

// writeHref adds " (href)" after a link's text when the address is a web
// or mail address the text does not already show.
func writeHref(b *strings.Builder, href string, start int) {
	l := strings.ToLower(href)
	if !strings.HasPrefix(l, "http://") && !strings.HasPrefix(l, "https://") && !strings.HasPrefix(l, "mailto:") {
		return
	}
	shown := href
	if strings.HasPrefix(l, "mailto:") {
		shown = href[len("mailto:"):]
	}
	switch text := strings.TrimSpace(b.String()[start:]); {
	case text == "":
		b.WriteString(" " + shown)
	case !strings.Contains(text, shown):
		b.WriteString(" (" + href + ")")
	}
}

// tidyLines folds white space within lines and keeps at most one blank
// line between paragraphs.
func tidyLines(s string) string {
	lines := strings.Split(s, "\n")
	out := lines[:0]
	blank := true
	for _, l := range lines {
		l = strings.Join(strings.Fields(l), " ")
		if l == "" {
			if !blank {
				out = append(out, "")
			}
			blank = true
			continue
		}
		out = append(out, l)
		blank = false
	}
	return strings.TrimSpace(strings.Join(out, "\n"))
}
