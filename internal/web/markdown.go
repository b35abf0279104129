package web

import (
	"html"
	"html/template"

	mdown "github.com/firebreak-ir/firebreak/internal/markdown"
)

// noticeMarkdown is the one Markdown renderer of notices: the preview
// here shows what the HTML part of an emailed notice holds. It keeps no
// state between calls.
var noticeMarkdown = mdown.New()

// markdown renders the Markdown that notices are written in as sanitised
// HTML for a preview (package markdown: goldmark, then bluemonday). Should
// rendering fail, the source is shown escaped.
func markdown(src string) template.HTML {
	h, err := noticeMarkdown.HTML(src)
	if err != nil {
		return template.HTML("<pre>" + html.EscapeString(src) + "</pre>")
	}
	return h
}
