package httpapi_test

import (
	"encoding/json"
	"strings"
	"testing"
)

// TestPostmortemDraftAndExport: the draft and the exports of a restricted
// incident are its participants' and admins' alone (404 naming the
// incident for others); every export format comes as its type, as an
// attachment, the same twice; the HTML page shows a script in the text as
// text.
func TestPostmortemDraftAndExport(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	decl := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Mail <script>alert(1)</script>","summary":"A <script>alert(2)</script> in the summary.","type":"security.phishing","restricted":true}`)
	if decl.status != 201 {
		t.Fatalf("declare: %d %s", decl.status, decl.raw)
	}
	for _, c := range []struct{ method, path, body string }{
		{"PATCH", "/api/v1/incidents/INC-1", `{"severity":"SEV3"}`},
		{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"ir_lead","user":"rita"}`},
		{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"active"}`},
	} {
		if a := s.call(t, "rita", c.method, c.path, c.body); a.status >= 300 {
			t.Fatalf("%s %s: %d %s", c.method, c.path, a.status, a.raw)
		}
	}

	d := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1/postmortem/draft", "")
	if d.status != 200 {
		t.Fatalf("draft: %d %s", d.status, d.raw)
	}
	var draft struct {
		Ref      string
		Incident struct{ Title string }
		Figures  struct {
			Phases []struct{ State string }
			People []struct{ User string }
		}
		Prompts struct{ Questions []string }
		Draft   struct {
			Summary  string
			Timeline []struct {
				Seq  int64
				Text string
			}
		}
	}
	if err := json.Unmarshal([]byte(d.raw), &draft); err != nil {
		t.Fatal(err)
	}
	if draft.Ref != "INC-1" || len(draft.Figures.Phases) != 2 || draft.Figures.Phases[1].State != "active" || len(draft.Figures.People) != 1 ||
		len(draft.Draft.Timeline) < 3 || draft.Draft.Timeline[0].Seq != 1 || !strings.Contains(draft.Draft.Summary, "How was the attacker's access removed?") ||
		len(draft.Prompts.Questions) == 0 || !strings.Contains(draft.Incident.Title, "<script>") {
		t.Fatalf("draft: %s", d.raw)
	}
	if s.call(t, "rita", "GET", "/api/v1/incidents/INC-1/postmortem/draft", "").raw != d.raw {
		t.Fatal("the draft differs between two reads")
	}

	for _, c := range []struct{ format, contentType, has string }{
		{"md", "text/markdown; charset=utf-8", "# Post-mortem of INC-1: Mail \\<script>alert(1)\\</script>\n"},
		{"html", "text/html; charset=utf-8", "Mail &lt;script&gt;alert(1)&lt;/script&gt;"},
		{"json", "application/json", `"ref": "INC-1"`},
	} {
		a := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1/postmortem/export?format="+c.format, "")
		if a.status != 200 || a.header.Get("Content-Type") != c.contentType || !strings.Contains(a.raw, c.has) ||
			a.header.Get("Content-Disposition") != `attachment; filename="INC-1-postmortem.`+c.format+`"` || a.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Fatalf("export %s: %d %v\n%s", c.format, a.status, a.header, a.raw)
		}
		if again := s.call(t, "admin", "GET", "/api/v1/incidents/INC-1/postmortem/export?format="+c.format, ""); again.raw != a.raw {
			t.Fatalf("export %s differs between two reads", c.format)
		}
		if c.format == "html" && (strings.Contains(a.raw, "<script") || !strings.Contains(a.header.Get("Content-Security-Policy"), "default-src 'none'")) {
			t.Fatalf("the HTML export is not inert: %v\n%s", a.header, a.raw)
		}
	}
	if a := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1/postmortem/export?format=pdf", ""); a.status != 422 || !strings.Contains(a.raw, "format") {
		t.Fatalf("format=pdf: %d %s", a.status, a.raw)
	}
	// vera and rob are not on the restricted incident: it is not found,
	// by name, and nothing of it shows.
	for _, who := range []string{"vera", "rob"} {
		for _, path := range []string{"/api/v1/incidents/INC-1/postmortem/draft", "/api/v1/incidents/INC-1/postmortem/export?format=json"} {
			a := s.call(t, who, "GET", path, "")
			if a.status != 404 || !strings.Contains(a.raw, "INC-1") || strings.Contains(a.raw, "script") || strings.Contains(a.raw, "Mail") {
				t.Fatalf("%s %s: %d %s", who, path, a.status, a.raw)
			}
		}
	}
}
