package incident

import (
	"encoding/json"
	"html"
	"strings"
	"unicode"
)

// Full-text search: what of an incident is indexed, how a user's words
// become a query, and the matched passage a list shows.

// The fields a search matches, in the order a match is reported: the
// first that holds a hit names the passage shown.
const (
	FieldTitle      = "title"
	FieldSummary    = "summary"
	FieldTimeline   = "timeline"
	FieldPostmortem = "postmortem"
)

// SearchFields are the indexed fields in report order.
var SearchFields = []string{FieldTitle, FieldSummary, FieldTimeline, FieldPostmortem}

// Mark and Unmark delimit a hit inside a snippet as the store returns it.
// Indexed text never holds them (SearchClean), so every one is ours.
const (
	Mark   = "\x02"
	Unmark = "\x03"
)

// SearchClean is text as indexed: the hit delimiters cannot occur in it.
func SearchClean(s string) string {
	return strings.NewReplacer(Mark, " ", Unmark, " ").Replace(s)
}

// EntryText is the indexed text of a timeline entry event, "" for any
// other event: timeline notes are searched, not the generated lines.
func EntryText(e Event) string {
	if e.Type != EvEntryAdded {
		return ""
	}
	var d EntryData
	if err := json.Unmarshal(e.Data, &d); err != nil {
		return ""
	}
	return SearchClean(d.Body)
}

// TimelineText is the indexed timeline of a stream: its entries' bodies in
// sequence order, a line each.
func TimelineText(events []Event) string {
	var lines []string
	for _, e := range events {
		if t := EntryText(e); t != "" {
			lines = append(lines, t)
		}
	}
	return strings.Join(lines, "\n")
}

// PostmortemText is the indexed text of a post-mortem: every prose part
// of its document, a line each, in document order.
func PostmortemText(d PostmortemDoc) string {
	parts := []string{d.Summary, d.Impact}
	for _, t := range d.Timeline {
		parts = append(parts, t.Text)
	}
	for _, c := range d.RootCauses {
		parts = append(parts, c.Text)
	}
	for _, c := range d.Contributing {
		parts = append(parts, c.Text)
	}
	parts = append(parts, d.Whys...)
	parts = append(parts, d.WentWell, d.Hard, d.Lessons)
	var lines []string
	for _, p := range parts {
		if p != "" {
			lines = append(lines, p)
		}
	}
	return SearchClean(strings.Join(lines, "\n"))
}

// SearchChanged reports whether events change what is indexed of their
// incident besides its timeline: its title, summary or post-mortem.
func SearchChanged(events []Event) bool {
	for _, e := range events {
		if e.Type == EvUpdated || strings.HasPrefix(e.Type, "postmortem.") {
			return true
		}
	}
	return false
}

// SearchTerms splits a user's query into the terms every match must hold:
// a "quoted phrase" is one term, any other run of letters and digits one
// word. Operators of either backend's query syntax (OR, NEAR, *, -, :)
// are words or punctuation here, so no input is a syntax error; a query
// of punctuation alone has no terms and matches nothing.
func SearchTerms(q string) []string {
	var terms []string
	for i, part := range strings.Split(q, `"`) {
		if i%2 == 1 { // inside quotes: a phrase of its words
			if p := strings.Join(words(part), " "); p != "" {
				terms = append(terms, p)
			}
			continue
		}
		terms = append(terms, words(part)...)
	}
	return terms
}

func words(s string) []string {
	return strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) })
}

// Match is where a search matched an incident: the field and a passage of
// it with the hits marked.
type Match struct {
	Field     string     `json:"field" enum:"title,summary,timeline,postmortem"`
	Fragments []Fragment `json:"fragments" doc:"The passage in order; hit marks the matched words."`
}

// Fragment is a run of a passage, a hit or the text between hits.
type Fragment struct {
	Text string `json:"text"`
	Hit  bool   `json:"hit,omitempty"`
}

// ParseSnippet reads a passage the store marked with Mark and Unmark.
// ok is false when it holds no hit.
func ParseSnippet(field, s string) (Match, bool) {
	m := Match{Field: field}
	var b strings.Builder
	hit, found := false, false
	flush := func() {
		if b.Len() > 0 {
			m.Fragments = append(m.Fragments, Fragment{Text: b.String(), Hit: hit})
			found = found || hit
			b.Reset()
		}
	}
	for _, r := range s {
		switch string(r) {
		case Mark:
			flush()
			hit = true
		case Unmark:
			flush()
			hit = false
		default:
			b.WriteRune(r)
		}
	}
	flush()
	return m, found
}

// HTML is the passage as HTML: the text escaped, each hit in <mark>.
func (m Match) HTML() string {
	var b strings.Builder
	for _, f := range m.Fragments {
		if f.Hit {
			b.WriteString("<mark>" + html.EscapeString(f.Text) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(f.Text))
		}
	}
	return b.String()
}
