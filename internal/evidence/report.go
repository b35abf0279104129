package evidence

import (
	_ "embed"
	"html/template"
	"io"
	"strings"
	"time"
)

//go:embed custody.html
var custodyHTML string

var custodyTemplate = template.Must(template.New("custody").Funcs(template.FuncMap{
	"stamp": func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04:05Z") },
}).Parse(custodyHTML))

// WriteHTML writes the report as a printable page, the same in the
// console and from the command line.
func (r Report) WriteHTML(w io.Writer) error {
	return custodyTemplate.Execute(w, r)
}

// ReportStyle is the report page's style sheet, for a Content-Security-
// Policy that allows it by its hash.
func ReportStyle() string {
	_, rest, _ := strings.Cut(custodyHTML, "<style>")
	style, _, _ := strings.Cut(rest, "</style>")
	return style
}
