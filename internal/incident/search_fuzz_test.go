package incident

import (
	"reflect"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestSearchTerms(t *testing.T) {
	for q, want := range map[string][]string{
		`disk full`:        {"disk", "full"},
		`"disk full" now`:  {"disk full", "now"},
		`NEAR(a b) OR c*`:  {"NEAR", "a", "b", "OR", "c"},
		`"unclosed phrase`: {"unclosed phrase"},
		`"" * - : ^`:       nil,
		`title:x {y} 50%`:  {"title", "x", "y", "50"},
		"Zürich\x00東京":     {"Zürich", "東京"},
		`"a "b" c"`:        {"a", "b", "c"},
	} {
		if got := SearchTerms(q); !reflect.DeepEqual(got, want) {
			t.Errorf("%q: %q, want %q", q, got, want)
		}
	}
}

// FuzzSearchTerms: any user input becomes terms of letters, digits and
// single spaces only, which both backends read as words, never operators.
func FuzzSearchTerms(f *testing.F) {
	for _, s := range []string{`"a b" c`, `NEAR(`, `*`, `"`, "x\x02y", "é\u0301"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, q string) {
		for _, term := range SearchTerms(q) {
			if term == "" || strings.HasPrefix(term, " ") || strings.HasSuffix(term, " ") || strings.Contains(term, "  ") {
				t.Fatalf("%q: term %q", q, term)
			}
			for _, r := range term {
				if r != ' ' && !unicode.IsLetter(r) && !unicode.IsNumber(r) && !unicode.IsMark(r) {
					t.Fatalf("%q: term %q holds %q", q, term, r)
				}
			}
		}
	})
}

// FuzzParseSnippet: the fragments put together are the passage without
// its marks, and HTML never holds a tag but <mark>.
func FuzzParseSnippet(f *testing.F) {
	for _, s := range []string{"a \x02b\x03 c", "\x02\x02x\x03\x03", "<script>\x02x\x03", "\x03a\x02"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		m, _ := ParseSnippet(FieldTitle, s)
		var b strings.Builder
		for _, fr := range m.Fragments {
			b.WriteString(fr.Text)
		}
		// The databases return valid UTF-8; invalid bytes read as U+FFFD.
		if want := strings.NewReplacer(Mark, "", Unmark, "").Replace(s); utf8.ValidString(s) && b.String() != want {
			t.Fatalf("%q: fragments give %q", s, b.String())
		}
		h := strings.NewReplacer("<mark>", "", "</mark>", "").Replace(m.HTML())
		if strings.ContainsAny(h, "<>") {
			t.Fatalf("%q: HTML %q", s, m.HTML())
		}
	})
}
