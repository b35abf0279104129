package postmortem

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/markdown"
)

// exportDoc is a published post-mortem of the full incident, with
// Markdown and HTML where people write.
func exportDoc() Document {
	inc, events, r := fullIncident()
	inc.Summary = "Finance got a <script>alert(1)</script> mail."
	f := Compute(inc, events, r)
	d := Draft(f, inc, events, Builtin().For(inc.Type))
	d.RootCauses = []incident.Cause{{Category: incident.CauseSecurityControl, Text: "no DMARC | on the domain"}}
	d.Whys = []string{"Why did the mail arrive?", "No *DMARC*."}
	d.WentWell = "The SOC saw it in **ten minutes**.\n\n<img src=x onerror=alert(2)>"
	pub := at(30 * time.Hour)
	return Document{Incident: HeaderOf(inc, f), Status: "published", PublishedAt: &pub, Revision: 2, TextSHA256: strings.Repeat("ab", 32),
		Figures: f, Postmortem: d,
		ActionItems: []ActionItem{{ID: "ACT-3", Title: "Turn on DMARC", Owner: "carol", Due: "2026-03-20", State: "open", Kind: "prevent", Priority: "high",
			URL: "https://tracker.example/SEC-12"}, {Title: "Teach | phishing", Owner: "bob", State: "done", URL: "javascript:alert(3)"}},
		Reviewers: []Reviewer{{User: "dave", Verdict: "approve", At: &pub, Comment: "good"}, {User: "eve"}}}
}

func TestExportMarkdown(t *testing.T) {
	t.Parallel()
	md := Markdown(exportDoc())
	if md != Markdown(exportDoc()) {
		t.Fatal("the Markdown export differs between two runs")
	}
	order := []string{"# Post-mortem of INC-7: Phishing of finance\n", "| Post-mortem | published, first published 2026-03-03 15:00 UTC, revision 2 (text SHA-256 abab",
		"\n## Summary\n", "\n## Impact\n", "- Time to acknowledge: 20m", "\n## Figures\n", "| Detection lag (first signal → declared) | 30m |",
		"| Time in recovered | current, since 2026-03-02 14:00 UTC |",
		"\n## Timeline\n", "| 2026-03-02 09:00 UTC | 2026-03-02 09:00 UTC | declared INC-7 \"Phishing of finance\" (by alice) |",
		"\n## Root causes\n", "- **security control**: no DMARC | on the domain", "\n## Contributing factors\n\nNone named.\n",
		"\n## Five whys\n\n1. Why did the mail arrive?\n2. No \\*DMARC\\*.\n", "\n## What went well\n", "\n## What was hard\n", "\n## Lessons learned\n",
		"\n## Action plan\n", "| ACT-3 Turn on DMARC | carol | 2026-03-20 | open | prevent | high | <https://tracker.example/SEC-12> |",
		`| Teach \| phishing | bob |  | done |  |  | javascript:alert(3) |`,
		"\n## Reviewers\n", "| dave | approve | 2026-03-03 15:00 UTC | good |\n| eve |  |  |  |\n"}
	rest := md
	for _, s := range order {
		i := strings.Index(rest, s)
		if i < 0 {
			t.Fatalf("the export lacks %q after the parts before it:\n%s", s, md)
		}
		rest = rest[i+len(s):]
	}
}

func TestExportHTMLIsSanitised(t *testing.T) {
	t.Parallel()
	r := markdown.New()
	d := exportDoc()
	d.Incident.Title = `</title><script>alert(0)</script>`
	page, err := HTML(r, d)
	if err != nil {
		t.Fatal(err)
	}
	again, err := HTML(r, d)
	if err != nil || !bytes.Equal(page, again) {
		t.Fatal("the HTML export differs between two runs")
	}
	s := string(page)
	for _, bad := range []string{"<script", `href="javascript`, "<img"} {
		if strings.Contains(s, bad) {
			t.Errorf("the page holds %q", bad)
		}
	}
	for _, want := range []string{"<!doctype html>", "@media print", "&lt;script&gt;alert(1)&lt;/script&gt;", "<strong>ten minutes</strong>", "&lt;img src=x onerror=alert(2)&gt;",
		`<a href="https://tracker.example/SEC-12" rel="nofollow">`, "<h2>Timeline</h2>", "<table>"} {
		if !strings.Contains(s, want) {
			t.Errorf("the page lacks %q", want)
		}
	}
}

func TestExportJSON(t *testing.T) {
	t.Parallel()
	b, err := JSON(exportDoc())
	if err != nil {
		t.Fatal(err)
	}
	b2, _ := JSON(exportDoc())
	if !bytes.Equal(b, b2) {
		t.Fatal("the JSON export differs between two runs")
	}
	var back Document
	if err := json.Unmarshal(b, &back); err != nil {
		t.Fatal(err)
	}
	if back.Incident.Ref != "INC-7" || back.Revision != 2 || len(back.Postmortem.Timeline) != 12 || back.Figures.TimeToAck.String() != "20m" ||
		len(back.ActionItems) != 2 || back.Reviewers[0].Verdict != "approve" {
		t.Fatalf("read back %+v", back)
	}
	// an empty document still exports its lists as lists
	e, err := JSON(Document{Incident: Header{Ref: "INC-1"}, Status: "draft"})
	if err != nil || !bytes.Contains(e, []byte(`"action_items": []`)) || !bytes.Contains(e, []byte(`"timeline": []`)) {
		t.Fatalf("%s %v", e, err)
	}
}
