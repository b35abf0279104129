// Package markdown renders the Markdown notices are written in as HTML,
// one way for every place that shows it: the console's preview and the
// HTML part of an emailed notice. goldmark renders CommonMark (with
// tables and strikethrough; a line break stays one, as people expect of
// a letter), HTML written in the source shows as the text it is (never
// as markup, never dropped: the words of a notice all reach the reader),
// and bluemonday then keeps only the elements and attributes of user
// content, with links limited to http, https and mailto.
package markdown

import (
	"bytes"
	stdhtml "html"
	"html/template"
	"regexp"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/renderer"
	"github.com/yuin/goldmark/renderer/html"
	"github.com/yuin/goldmark/util"
)

// rawAsText renders HTML in the source as escaped text.
type rawAsText struct{}

func (rawAsText) RegisterFuncs(reg renderer.NodeRendererFuncRegisterer) {
	reg.Register(ast.KindHTMLBlock, func(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
		n := node.(*ast.HTMLBlock)
		if entering {
			w.WriteString("<p>")
			for i := range n.Lines().Len() {
				line := n.Lines().At(i)
				w.WriteString(stdhtml.EscapeString(string(line.Value(src))))
			}
			if n.HasClosure() {
				w.WriteString(stdhtml.EscapeString(string(n.ClosureLine.Value(src))))
			}
			w.WriteString("</p>\n")
		}
		return ast.WalkContinue, nil
	})
	reg.Register(ast.KindRawHTML, func(w util.BufWriter, src []byte, node ast.Node, entering bool) (ast.WalkStatus, error) {
		if entering {
			n := node.(*ast.RawHTML)
			for i := range n.Segments.Len() {
				seg := n.Segments.At(i)
				w.WriteString(stdhtml.EscapeString(string(seg.Value(src))))
			}
		}
		return ast.WalkSkipChildren, nil
	})
}

// Renderer turns Markdown into sanitised HTML. It is safe for concurrent
// use; build one with New and share it.
type Renderer struct {
	md     goldmark.Markdown
	policy *bluemonday.Policy
}

// New builds a renderer.
func New() *Renderer {
	md := goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough),
		goldmark.WithRendererOptions(html.WithHardWraps(), html.WithXHTML(),
			renderer.WithNodeRenderers(util.Prioritized(rawAsText{}, 100))),
	)
	p := bluemonday.UGCPolicy()
	p.AllowURLSchemes("http", "https", "mailto")
	p.RequireNoFollowOnLinks(true)
	p.AllowAttrs("class").Matching(regexp.MustCompile(`^language-[a-zA-Z0-9_+-]+$`)).OnElements("code")
	return &Renderer{md: md, policy: p}
}

// HTML renders src as a fragment of sanitised HTML.
func (r *Renderer) HTML(src string) (template.HTML, error) {
	var buf bytes.Buffer
	if err := r.md.Convert([]byte(src), &buf); err != nil {
		return "", err
	}
	return template.HTML(r.policy.SanitizeBytes(buf.Bytes())), nil
}

// Document renders src as a whole HTML document titled title, for the
// HTML part of an email.
func (r *Renderer) Document(title, src string) (string, error) {
	body, err := r.HTML(src)
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	err = page.Execute(&buf, struct {
		Title string
		Body  template.HTML
	}{title, body})
	return buf.String(), err
}

var page = template.Must(template.New("page").Parse(`<!doctype html>
<html><head><meta charset="utf-8"><title>{{.Title}}</title></head>
<body style="font-family: sans-serif; line-height: 1.5; max-width: 42em">
{{.Body}}</body></html>
`))
