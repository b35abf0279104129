package incident

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func TestDocMarkdownRoundTrip(t *testing.T) {
	t.Parallel()
	at := time.Date(2026, 11, 25, 10, 5, 0, 0, time.UTC)
	d := PostmortemDoc{Summary: "A key leaked.\n\n### Detail\nmore", Impact: "None.",
		Timeline:     []TimelineItem{{Seq: 3, At: at, Text: "declared"}, {At: at.Add(-time.Hour), Text: "pushed"}},
		RootCauses:   []Cause{{Category: CauseProcess, Text: "no scrubbing"}},
		Contributing: []Cause{{Category: CauseHuman, Text: "debug on"}}, Whys: []string{"one", "two"},
		WentWell: "paging", Hard: "night", Lessons: "scrub"}
	md := DocMarkdown(d)
	got, err := ParseDocMarkdown("# Post-mortem of INC-1\n"+md, PostmortemDoc{})
	if err != nil {
		t.Fatal(err)
	}
	if DocHash(got) != DocHash(d) {
		a, _ := json.Marshal(got.Normalized())
		b, _ := json.Marshal(d.Normalized())
		t.Fatalf("round trip:\n%s\n%s\n%s", md, a, b)
	}
}

func TestParseDocMarkdownRefusals(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct{ in, want string }{
		{"hello\n## Summary\nx", "line 1: text before the first"},
		{"## Findings\nx", `line 1: unknown section "Findings"`},
		{"## Summary\nx\n## Summary\ny", `line 3: section "Summary" appears twice`},
		{"## Timeline\n- yesterday pushed", `line 2: "yesterday" is not a time`},
		{"## Timeline\nnot a line", "line 2: a timeline line is"},
		{"## Root causes\n- gremlins", "line 2: a cause is"},
		{"## Five whys\n\nwhy?", "line 3: a why is a numbered line"},
	} {
		_, err := ParseDocMarkdown(tt.in, PostmortemDoc{})
		if e, ok := errs.As(err); !ok || e.Field != "file" || !strings.Contains(e.Message, tt.want) {
			t.Errorf("%q: %v, want %q", tt.in, err, tt.want)
		}
	}
	// Sections left out keep the current text.
	got, err := ParseDocMarkdown("## Impact\nnone\n", PostmortemDoc{Summary: "kept"})
	if err != nil || got.Summary != "kept" || got.Impact != "none" {
		t.Fatalf("%+v %v", got, err)
	}
}

// FuzzParseDocMarkdown: any file either is refused with an error naming
// the file or parses to a text whose Markdown reads back the same.
func FuzzParseDocMarkdown(f *testing.F) {
	f.Add(DocMarkdown(PostmortemDoc{Summary: "s", Timeline: []TimelineItem{{Seq: 2, At: time.Unix(0, 0), Text: "x (#3)"}}, Whys: []string{"w"},
		RootCauses: []Cause{{Category: CauseChange, Text: "c"}}}))
	f.Add("# T\n## Summary\n\n## Timeline\n- 2026-01-01T00:00:00Z\n")
	f.Add("## Five whys\n1. a\n- b\n")
	f.Fuzz(func(t *testing.T, in string) {
		d, err := ParseDocMarkdown(in, PostmortemDoc{})
		if err != nil {
			if e, ok := errs.As(err); !ok || e.Field != "file" {
				t.Fatalf("error without the file's field: %v", err)
			}
			return
		}
		again, err := ParseDocMarkdown(DocMarkdown(d), PostmortemDoc{})
		if err != nil {
			t.Fatalf("its own Markdown is refused: %v\n%s", err, DocMarkdown(d))
		}
		if DocHash(again) != DocHash(d) {
			a, _ := json.Marshal(again)
			b, _ := json.Marshal(d)
			t.Fatalf("round trip differs:\n%s\n%s\n%s", DocMarkdown(d), a, b)
		}
	})
}
