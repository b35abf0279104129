package status

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"html"
	"strings"
	"time"

	"github.com/google/uuid"
)

// The Atom 1.0 feed (RFC 4287): one entry per public incident or
// maintenance, updated with each of its updates, its content every update
// newest first — as Statuspage's history feed does, so a reader shows one
// item per incident that changes as it goes.

type atomFeed struct {
	XMLName xml.Name    `xml:"http://www.w3.org/2005/Atom feed"`
	ID      string      `xml:"id"`
	Title   string      `xml:"title"`
	Updated string      `xml:"updated"`
	Links   []atomLink  `xml:"link"`
	Author  atomPerson  `xml:"author"`
	Gen     string      `xml:"generator"`
	Entries []atomEntry `xml:"entry"`
}

type atomLink struct {
	Rel  string `xml:"rel,attr"`
	Type string `xml:"type,attr,omitempty"`
	Href string `xml:"href,attr"`
}

type atomPerson struct {
	Name string `xml:"name"`
	URI  string `xml:"uri,omitempty"`
}

type atomEntry struct {
	ID        string   `xml:"id"`
	Title     string   `xml:"title"`
	Published string   `xml:"published"`
	Updated   string   `xml:"updated"`
	Link      atomLink `xml:"link"`
	Summary   string   `xml:"summary"`
	Content   atomText `xml:"content"`
}

type atomText struct {
	Type string `xml:"type,attr"`
	Body string `xml:",chardata"`
}

// Atom renders the feed of p.Incidents at feedURL (its own absolute URL).
func (p Public) Atom(feedURL string) ([]byte, error) {
	f := atomFeed{ID: feedURL, Title: feedTitle(p.Page.Name), Updated: atomTime(p.UpdatedAt()),
		Links:  []atomLink{{Rel: "self", Type: "application/atom+xml", Href: feedURL}, {Rel: "alternate", Type: "text/html", Href: p.URL}},
		Author: atomPerson{Name: p.Page.Name, URI: p.URL}, Gen: "Firebreak"}
	for _, inc := range p.Incidents {
		e := atomEntry{ID: entryID(inc.ID, p.IncidentURL(inc.ID)), Title: inc.Title, Published: atomTime(inc.CreatedAt),
			Updated: atomTime(inc.UpdatedAt), Link: atomLink{Rel: "alternate", Type: "text/html", Href: p.IncidentURL(inc.ID)}}
		var b strings.Builder
		if len(inc.Updates) > 0 {
			u := inc.Updates[0]
			e.Summary = u.Status.Label() + " — " + oneLine(u.Body, 300)
		}
		if inc.Kind == KindMaintenance && inc.ScheduledFor != nil && inc.ScheduledUntil != nil {
			fmt.Fprintf(&b, "<p><strong>Scheduled</strong> %s – %s</p>\n", html.EscapeString(p.Stamp(*inc.ScheduledFor)), html.EscapeString(p.Stamp(*inc.ScheduledUntil)))
		}
		for _, u := range inc.Updates {
			fmt.Fprintf(&b, "<p><small>%s</small><br><strong>%s</strong> – %s</p>\n",
				html.EscapeString(p.Stamp(u.CreatedAt)), html.EscapeString(u.Status.Label()),
				strings.ReplaceAll(html.EscapeString(u.Body), "\n", "<br>"))
		}
		if names := p.componentNames(inc.Components); names != "" {
			fmt.Fprintf(&b, "<p>Affected: %s.</p>\n", html.EscapeString(names))
		}
		e.Content = atomText{Type: "html", Body: b.String()}
		f.Entries = append(f.Entries, e)
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(f); err != nil {
		return nil, fmt.Errorf("atom: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// entryID is an entry's permanent ID: its UUID as a URN, else its URL.
func entryID(id, url string) string {
	if u, err := uuid.Parse(id); err == nil {
		return u.URN()
	}
	return url
}

func atomTime(t time.Time) string { return t.UTC().Format(time.RFC3339) }

// Stamp formats t for people, in the page's time zone.
func (p Public) Stamp(t time.Time) string { return p.In(t).Format("Jan 2, 2006 15:04 MST") }

func (p Public) componentNames(ids []string) string {
	var names []string
	for _, id := range ids {
		for _, c := range p.Components {
			if c.ID == id {
				names = append(names, c.Name)
			}
		}
	}
	return strings.Join(names, ", ")
}

func oneLine(s string, limit int) string {
	s = strings.Join(strings.Fields(s), " ")
	if r := []rune(s); len(r) > limit {
		return string(r[:limit-1]) + "…"
	}
	return s
}

// feedTitle names the feed after the page without saying "status" twice
// ("Example Co Status", not "Example Co Status status").
func feedTitle(name string) string {
	if strings.HasSuffix(strings.ToLower(strings.TrimSpace(name)), "status") {
		return name
	}
	return name + " status"
}
