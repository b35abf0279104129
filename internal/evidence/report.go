package evidence

import (
	_ "embed"
	"html/template"
	"io"
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
