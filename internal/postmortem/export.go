package postmortem

import (
	"bytes"
	"encoding/json"
	"fmt"
	"html/template"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/markdown"
)

// Document is a post-mortem as exported: the incident's header, its
// figures, the text, the action plan, the reviewers and, once published,
// the revision and the SHA-256 of its text. The same Document always
// exports to the same bytes.
type Document struct {
	Incident Header `json:"incident"`
	// Status is draft, in_review or published.
	Status string `json:"status"`
	// PublishedAt is the first publication; Revision the number of the
	// text published (1 for the first) and TextSHA256 its hash on the
	// chain. Unset before publication.
	PublishedAt *time.Time             `json:"published_at,omitempty"`
	Revision    int                    `json:"revision,omitempty"`
	TextSHA256  string                 `json:"text_sha256,omitempty"`
	Figures     Figures                `json:"figures"`
	Postmortem  incident.PostmortemDoc `json:"postmortem"`
	ActionItems []ActionItem           `json:"action_items"`
	Reviewers   []Reviewer             `json:"reviewers"`
}

// Header names the incident a post-mortem is of.
type Header struct {
	Ref         string     `json:"ref"`
	Title       string     `json:"title"`
	Type        string     `json:"type,omitempty"`
	Severity    string     `json:"severity,omitempty"`
	State       string     `json:"state"`
	DeclaredAt  time.Time  `json:"declared_at"`
	RecoveredAt *time.Time `json:"recovered_at,omitempty"`
	ClosedAt    *time.Time `json:"closed_at,omitempty"`
	// Due is when the post-mortem is due (recovery + business days).
	Due *time.Time `json:"postmortem_due,omitempty"`
}

// HeaderOf is the header of inc with the times its figures found.
func HeaderOf(inc incident.Incident, f Figures) Header {
	return Header{Ref: inc.Ref, Title: inc.Title, Type: inc.Type, Severity: inc.Severity, State: string(inc.State),
		DeclaredAt: inc.DeclaredAt.UTC(), RecoveredAt: f.RecoveredAt, ClosedAt: f.ClosedAt, Due: inc.PostmortemDue}
}

// ActionItem is one item of the action plan, as its keeper (package
// actions, or the rows of an older post-mortem) has it.
type ActionItem struct {
	ID       string `json:"id,omitempty"`
	Title    string `json:"title"`
	Owner    string `json:"owner"`
	Due      string `json:"due,omitempty"` // a date, YYYY-MM-DD
	State    string `json:"state"`
	Kind     string `json:"kind,omitempty"`
	Priority string `json:"priority,omitempty"`
	URL      string `json:"url,omitempty"` // the external tracker's
}

// Reviewer is one reviewer and their verdict on the text exported, if any.
type Reviewer struct {
	User    string     `json:"user"`
	Verdict string     `json:"verdict,omitempty"`
	At      *time.Time `json:"at,omitempty"`
	Comment string     `json:"comment,omitempty"`
}

// JSON exports d as indented JSON.
func JSON(d Document) ([]byte, error) {
	d = d.normalized()
	b, err := json.MarshalIndent(d, "", "  ")
	if err != nil {
		return nil, fmt.Errorf("postmortem: encode %s: %w", d.Incident.Ref, err)
	}
	return append(b, '\n'), nil
}

// normalized gives empty lists instead of nil ones, so an export reads
// the same however the document was put together.
func (d Document) normalized() Document {
	if d.ActionItems == nil {
		d.ActionItems = []ActionItem{}
	}
	if d.Reviewers == nil {
		d.Reviewers = []Reviewer{}
	}
	p := &d.Postmortem
	if p.Timeline == nil {
		p.Timeline = []incident.TimelineItem{}
	}
	if p.RootCauses == nil {
		p.RootCauses = []incident.Cause{}
	}
	if p.Contributing == nil {
		p.Contributing = []incident.Cause{}
	}
	if p.Whys == nil {
		p.Whys = []string{}
	}
	return d
}

// Markdown exports d as one Markdown document. The post-mortem's own
// sections are its authors' Markdown; the rest is written here, with
// text from people escaped where it sits in a table or a heading.
func Markdown(d Document) string {
	d = d.normalized()
	var b strings.Builder
	h := d.Incident
	fmt.Fprintf(&b, "# Post-mortem of %s: %s\n\n", h.Ref, inline(h.Title))
	b.WriteString("| | |\n|---|---|\n")
	row := func(k, v string) {
		if v != "" {
			fmt.Fprintf(&b, "| %s | %s |\n", k, cell(v))
		}
	}
	row("Incident", h.Ref)
	row("Type", h.Type)
	row("Severity", h.Severity)
	row("State", h.State)
	row("Declared", stamp(h.DeclaredAt))
	row("Recovered", stampp(h.RecoveredAt))
	row("Closed", stampp(h.ClosedAt))
	row("Post-mortem due", stampp(h.Due))
	status := d.Status
	if d.PublishedAt != nil {
		status += ", first published " + stamp(*d.PublishedAt)
	}
	if d.Revision > 0 {
		status += fmt.Sprintf(", revision %d (text SHA-256 %s)", d.Revision, d.TextSHA256)
	}
	row("Post-mortem", status)
	p := d.Postmortem
	section(&b, "Summary", p.Summary)
	section(&b, "Impact", p.Impact)
	b.WriteString("\n## Figures\n\n")
	b.WriteString(figureTable(d.Figures))
	b.WriteString("\n## Timeline\n\n")
	if len(p.Timeline) == 0 {
		b.WriteString("No events chosen.\n")
	} else {
		b.WriteString("| When (UTC) | Recorded (UTC) | What happened |\n|---|---|---|\n")
		for _, it := range p.Timeline {
			fmt.Fprintf(&b, "| %s | %s | %s |\n", stamp(it.At), stampp(it.RecordedAt), cell(it.Text))
		}
	}
	causes(&b, "Root causes", p.RootCauses)
	causes(&b, "Contributing factors", p.Contributing)
	if len(p.Whys) > 0 {
		b.WriteString("\n## Five whys\n\n")
		for i, w := range p.Whys {
			fmt.Fprintf(&b, "%d. %s\n", i+1, inline(w))
		}
	}
	section(&b, "What went well", p.WentWell)
	section(&b, "What was hard", p.Hard)
	section(&b, "Lessons learned", p.Lessons)
	b.WriteString("\n## Action plan\n\n")
	if len(d.ActionItems) == 0 {
		b.WriteString("No action items.\n")
	} else {
		b.WriteString("| Action | Owner | Due | State | Kind | Priority | Tracker |\n|---|---|---|---|---|---|---|\n")
		for _, a := range d.ActionItems {
			title := a.Title
			if a.ID != "" {
				title = a.ID + " " + title
			}
			fmt.Fprintf(&b, "| %s | %s | %s | %s | %s | %s | %s |\n", cell(title), cell(a.Owner), cell(a.Due), cell(a.State), cell(a.Kind), cell(a.Priority), link(a.URL))
		}
	}
	b.WriteString("\n## Reviewers\n\n")
	if len(d.Reviewers) == 0 {
		b.WriteString("No reviewers named.\n")
	} else {
		b.WriteString("| Reviewer | Verdict | When (UTC) | Comment |\n|---|---|---|---|\n")
		for _, r := range d.Reviewers {
			fmt.Fprintf(&b, "| %s | %s | %s | %s |\n", cell(r.User), cell(r.Verdict), stampp(r.At), cell(r.Comment))
		}
	}
	return b.String()
}

func stampp(t *time.Time) string {
	if t == nil {
		return ""
	}
	return stamp(*t)
}

// section writes a heading and the authors' Markdown under it.
func section(b *strings.Builder, title, md string) {
	fmt.Fprintf(b, "\n## %s\n\n", title)
	if s := strings.TrimSpace(md); s != "" {
		b.WriteString(s + "\n")
	} else {
		b.WriteString("Not written.\n")
	}
}

func causes(b *strings.Builder, title string, cs []incident.Cause) {
	fmt.Fprintf(b, "\n## %s\n\n", title)
	if len(cs) == 0 {
		b.WriteString("None named.\n")
		return
	}
	for _, c := range cs {
		fmt.Fprintf(b, "- **%s**: %s\n", strings.ReplaceAll(string(c.Category), "_", " "), inline(c.Text))
	}
}

// inline keeps text on one line of Markdown, its markup as text.
func inline(s string) string {
	return mdEscape(strings.Join(strings.Fields(s), " "))
}

// cell is inline text that may sit in a table cell.
func cell(s string) string { return strings.ReplaceAll(inline(s), "|", `\|`) }

// figureTable lists the figures: what each measured, and its value.
func figureTable(f Figures) string {
	var b strings.Builder
	b.WriteString("| Figure | Value |\n|---|---|\n")
	row := func(k, v string) { fmt.Fprintf(&b, "| %s | %s |\n", k, cell(v)) }
	dur := func(d *Duration) string {
		if d == nil {
			return "not known"
		}
		return d.String()
	}
	row("First signal", orNone(stampp(f.FirstSignalAt), "none linked"))
	row("Detection lag (first signal → declared)", dur(f.DetectionLag))
	row("Time to acknowledge (first signal → first page acknowledged)", dur(f.TimeToAck))
	for _, p := range f.Phases {
		v := dur(p.Duration)
		if p.Duration == nil {
			v = "current, since " + stamp(p.Entered)
		}
		row("Time in "+string(p.State), v)
	}
	row("Time to recover (declared → recovered)", dur(f.TimeToRecover))
	row("People involved", fmt.Sprint(len(f.People)))
	if f.AffectedIndividuals != nil {
		row("People affected", fmt.Sprint(*f.AffectedIndividuals))
	}
	row("Data types", orNone(strings.Join(f.DataTypes, ", "), "none recorded"))
	row("Notification duties (on time / late / waived / open)", fmt.Sprintf("%d / %d / %d / %d", f.DutiesMet, f.DutiesLate, f.DutiesWaived, f.DutiesOpen))
	row("Assets affected / restored / accepted unrestored", fmt.Sprintf("%d / %d / %d", f.AssetsAffected, f.AssetsRestored, f.AssetsAccepted))
	row("Credentials compromised / revoked", fmt.Sprintf("%d / %d", f.Credentials, f.CredentialsReset))
	row("Indicators of compromise", fmt.Sprint(f.IndicatorsTotal))
	row("Response tasks done / skipped / open", fmt.Sprintf("%d / %d / %d", f.TasksDone, f.TasksSkipped, f.TasksOpen))
	return b.String()
}

// link is a tracker's URL as an autolink when it is a plain http(s) URL,
// else as text.
func link(u string) string {
	if (strings.HasPrefix(u, "https://") || strings.HasPrefix(u, "http://")) && !strings.ContainsAny(u, " <>|\t\n\\") {
		return "<" + u + ">"
	}
	return cell(u)
}

func orNone(s, none string) string {
	if s == "" {
		return none
	}
	return s
}

// HTML exports d as a standalone printable page: the Markdown export
// rendered by the one Markdown renderer, which sanitises it (HTML in any
// text shows as text).
func HTML(r *markdown.Renderer, d Document) ([]byte, error) {
	body, err := r.HTML(Markdown(d))
	if err != nil {
		return nil, fmt.Errorf("postmortem: render %s: %w", d.Incident.Ref, err)
	}
	var b bytes.Buffer
	err = page.Execute(&b, struct {
		Title string
		Body  template.HTML
	}{"Post-mortem of " + d.Incident.Ref + ": " + d.Incident.Title, body})
	if err != nil {
		return nil, fmt.Errorf("postmortem: page %s: %w", d.Incident.Ref, err)
	}
	return b.Bytes(), nil
}

// page is the printable page: no script, no outside resource, A4 margins,
// tables that do not split a row across pages.
var page = template.Must(template.New("page").Parse(`<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{.Title}}</title>
<style>
body { font-family: system-ui, sans-serif; line-height: 1.5; max-width: 52em; margin: 2em auto; padding: 0 1em; color: #111; }
h1 { font-size: 1.6em; } h2 { font-size: 1.25em; border-bottom: 1px solid #999; margin-top: 1.6em; }
table { border-collapse: collapse; width: 100%; margin: .5em 0; }
th, td { border: 1px solid #999; padding: .25em .5em; text-align: left; vertical-align: top; }
code { font-family: ui-monospace, monospace; }
@page { size: A4; margin: 18mm; }
@media print {
  body { margin: 0; max-width: none; font-size: 10.5pt; }
  h2 { break-after: avoid; }
  tr, li { break-inside: avoid; }
  a { color: inherit; }
  a[href]::after { content: " (" attr(href) ")"; }
}
</style></head>
<body>
{{.Body}}</body></html>
`))
