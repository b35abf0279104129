package incident

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// The Markdown form of a post-mortem's text: "## " sections in this order,
// prose as written, lists one item a line. It is what the CLI prints and
// reads back (firebreak incidents postmortem edit --file x.md).
var docSections = []string{"Summary", "Impact", "Timeline", "Root causes", "Contributing factors", "Five whys", "What went well", "What was hard", "Lessons learned"}

// DocMarkdown writes d as Markdown, leaving out empty sections.
func DocMarkdown(d PostmortemDoc) string {
	var b strings.Builder
	prose := func(name, s string) {
		if s = trimBlankLines(s); s != "" {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", name, s)
		}
	}
	list := func(name string, lines []string) {
		if len(lines) > 0 {
			fmt.Fprintf(&b, "\n## %s\n\n%s\n", name, strings.Join(lines, "\n"))
		}
	}
	prose("Summary", d.Summary)
	prose("Impact", d.Impact)
	var lines []string
	for _, t := range d.Timeline {
		l := "- " + t.At.UTC().Format(time.RFC3339) + " " + oneLine(t.Text)
		if t.Seq > 0 {
			l += fmt.Sprintf(" (#%d)", t.Seq)
		}
		lines = append(lines, strings.TrimRight(l, " "))
	}
	list("Timeline", lines)
	causes := func(cs []Cause) []string {
		var out []string
		for _, c := range cs {
			out = append(out, fmt.Sprintf("- [%s] %s", c.Category, oneLine(c.Text)))
		}
		return out
	}
	list("Root causes", causes(d.RootCauses))
	list("Contributing factors", causes(d.Contributing))
	lines = nil
	for i, w := range d.Whys {
		lines = append(lines, fmt.Sprintf("%d. %s", i+1, oneLine(w)))
	}
	list("Five whys", lines)
	prose("What went well", d.WentWell)
	prose("What was hard", d.Hard)
	prose("Lessons learned", d.Lessons)
	return b.String()
}

// oneLine folds a list item's whitespace: one item is one line.
func oneLine(s string) string { return strings.Join(strings.Fields(s), " ") }

var (
	timelineLine = regexp.MustCompile(`^- (\S+)(?: (.*?))?(?: \(#(\d+)\))?$`)
	causeLine    = regexp.MustCompile(`^- \[([a-z_]+)\] (.+)$`)
	whyLine      = regexp.MustCompile(`^(?:\d+\.|-) (.+)$`)
)

// ParseDocMarkdown reads the Markdown form over cur: the sections the text
// holds replace cur's, the others stay. A "# " title line before the first
// section is ignored; anything else outside a known section is an error
// naming its line.
func ParseDocMarkdown(text string, cur PostmortemDoc) (PostmortemDoc, error) {
	d := cur
	section, start := "", 0
	var body []string
	bad := func(n int, format string, args ...any) error {
		return errs.E(errs.Invalid, "file", "line %d: %s", n, fmt.Sprintf(format, args...))
	}
	flush := func() error {
		if section == "" {
			return nil
		}
		prose := trimBlankLines(strings.Join(body, "\n"))
		var items []string
		var at []int
		for i, l := range body {
			if strings.TrimSpace(l) != "" {
				items, at = append(items, strings.TrimSpace(l)), append(at, start+1+i)
			}
		}
		switch section {
		case "summary":
			d.Summary = prose
		case "impact":
			d.Impact = prose
		case "what went well":
			d.WentWell = prose
		case "what was hard":
			d.Hard = prose
		case "lessons learned":
			d.Lessons = prose
		case "timeline":
			d.Timeline = []TimelineItem{}
			for i, l := range items {
				m := timelineLine.FindStringSubmatch(l)
				if m == nil {
					return bad(at[i], "a timeline line is \"- 2026-11-25T10:05:00Z what happened\"")
				}
				when, err := time.Parse(time.RFC3339, m[1])
				if err != nil {
					return bad(at[i], "%q is not a time such as 2026-11-25T10:05:00Z", m[1])
				}
				t := TimelineItem{At: when.UTC(), Text: oneLine(m[2])}
				if m[3] != "" {
					if t.Seq, err = strconv.ParseInt(m[3], 10, 64); err != nil {
						return bad(at[i], "event number %q is too large", m[3])
					}
				}
				d.Timeline = append(d.Timeline, t)
			}
		case "root causes", "contributing factors":
			var cs []Cause
			for i, l := range items {
				m := causeLine.FindStringSubmatch(l)
				if m == nil {
					return bad(at[i], "a cause is \"- [category] text\" with a category of %s", causeNames())
				}
				cs = append(cs, Cause{Category: CauseCategory(m[1]), Text: oneLine(m[2])})
			}
			if section == "root causes" {
				d.RootCauses = append([]Cause{}, cs...)
			} else {
				d.Contributing = append([]Cause{}, cs...)
			}
		case "five whys":
			d.Whys = []string{}
			for i, l := range items {
				m := whyLine.FindStringSubmatch(l)
				if m == nil {
					return bad(at[i], "a why is a numbered line, \"1. text\"")
				}
				d.Whys = append(d.Whys, oneLine(m[1]))
			}
		}
		return nil
	}
	seen := map[string]bool{}
	for i, l := range strings.Split(strings.ReplaceAll(text, "\r\n", "\n"), "\n") {
		if name, ok := strings.CutPrefix(l, "## "); ok {
			if err := flush(); err != nil {
				return PostmortemDoc{}, err
			}
			section, start, body = strings.ToLower(strings.TrimSpace(name)), i+1, nil
			if !knownSection(section) {
				return PostmortemDoc{}, bad(i+1, "unknown section %q; sections are %s (use ### inside a section)", strings.TrimSpace(name), strings.Join(docSections, ", "))
			}
			if seen[section] {
				return PostmortemDoc{}, bad(i+1, "section %q appears twice", strings.TrimSpace(name))
			}
			seen[section] = true
			continue
		}
		if section == "" {
			if strings.TrimSpace(l) != "" && !(strings.HasPrefix(l, "# ") && !seen["#"]) {
				return PostmortemDoc{}, bad(i+1, "text before the first \"## \" section")
			}
			if strings.HasPrefix(l, "# ") {
				seen["#"] = true
			}
			continue
		}
		body = append(body, l)
	}
	if err := flush(); err != nil {
		return PostmortemDoc{}, err
	}
	return d, nil
}

func knownSection(s string) bool {
	for _, n := range docSections {
		if strings.ToLower(n) == s {
			return true
		}
	}
	return false
}

// trimBlankLines drops the blank lines around s, keeping the indentation
// of its first line: an indented "## " is text, not a section.
func trimBlankLines(s string) string {
	lines := strings.Split(s, "\n")
	for len(lines) > 0 && strings.TrimSpace(lines[0]) == "" {
		lines = lines[1:]
	}
	for len(lines) > 0 && strings.TrimSpace(lines[len(lines)-1]) == "" {
		lines = lines[:len(lines)-1]
	}
	return strings.Join(lines, "\n")
}
