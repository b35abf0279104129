package alert

import (
	"testing"
)

func TestParseMatchers(t *testing.T) {
	t.Parallel()
	tests := []struct {
		in   string
		want string // Matchers.String()
	}{
		{``, `{}`},
		{`{}`, `{}`},
		{` { } `, `{}`},
		{`{team="db", env!="dev"}`, `{team="db", env!="dev"}`},
		{`team="db",env!="dev"`, `{team="db", env!="dev"}`},
		{`severity=~"critical|page"`, `{severity=~"critical|page"}`},
		{`severity=~critical|page`, `{severity=~"critical|page"}`},
		{`{foo=bar,}`, `{foo="bar"}`},
		{`{ a = "x" , b !~ ".*y" }`, `{a="x", b!~".*y"}`},
		{`{"service name"="web"}`, `{"service name"="web"}`},
		{`msg="say \"hi\"\n"`, `{msg="say \"hi\"\n"}`},
		{`env=""`, `{env=""}`},
		{`env=`, `{env=""}`},
		{`_x1=1`, `{_x1="1"}`},
		{`a=b,a=c`, `{a="b", a="c"}`},
		{`{path=~"/api/.*"}`, `{path=~"/api/.*"}`},
	}
	for _, tt := range tests {
		ms, err := ParseMatchers(tt.in)
		if err != nil {
			t.Errorf("ParseMatchers(%q): %v", tt.in, err)
			continue
		}
		if got := ms.String(); got != tt.want {
			t.Errorf("ParseMatchers(%q) = %s, want %s", tt.in, got, tt.want)
		}
		// What String renders parses back to the same thing.
		again, err := ParseMatchers(ms.String())
		if err != nil || again.String() != tt.want {
			t.Errorf("round trip of %s: %v, %v", tt.want, again, err)
		}
	}
}

func TestParseMatchersErrors(t *testing.T) {
	t.Parallel()
	tests := []struct{ in, want string }{
		{`{team="db"`, `column 11: missing closing "}"`},
		{`{team="db" env="x"}`, `column 12: expected "," or "}", found "e"`},
		{`team="db" env="x"`, `column 11: expected ",", found "e"`},
		{`{team="db"} x`, `column 13: unexpected "x" after "}"`},
		{`{team<"db"}`, `column 6: expected an operator (=, !=, =~, !~) after team, found "<"`},
		{`team`, `column 5: expected an operator (=, !=, =~, !~) after team, found end of input`},
		{`{=db}`, `column 2: expected a label name, found "="`},
		{`{1a=db}`, `column 2: expected a label name, found "1"`},
		{`{,}`, `column 2: expected a label name, found ","`},
		{`{a="x",,}`, `column 8: expected a label name, found ","`},
		{`{team="db}`, `column 7: unterminated quoted string`},
		{`{""="x"}`, `column 2: label name must not be empty`},
		{`{a="\q"}`, `column 4: invalid quoted string "\q"`},
		{`{a=~"("}`, `column 5: invalid regular expression "(": missing closing )`},
		{`a!~"[z-a]"`, `column 4: invalid regular expression "[z-a]": invalid character class range`},
		{`{a=b}}`, `column 6: unexpected "}" after "}"`},
		{`ä=x`, `column 1: expected a label name, found "ä"`},
	}
	for _, tt := range tests {
		_, err := ParseMatchers(tt.in)
		if err == nil {
			t.Errorf("ParseMatchers(%q): no error, want %q", tt.in, tt.want)
			continue
		}
		if got := err.Error(); got != tt.want {
			t.Errorf("ParseMatchers(%q) error\n got %s\nwant %s", tt.in, got, tt.want)
		}
	}
}

func TestParseMatcher(t *testing.T) {
	t.Parallel()
	m, err := ParseMatcher(`severity=~"critical|page"`)
	if err != nil {
		t.Fatal(err)
	}
	if m.Type != MatchRegexp || m.Name != "severity" || m.Value != "critical|page" {
		t.Errorf("got %+v", m)
	}
	for in, want := range map[string]string{
		`a=b,c=d`: `column 1: expected exactly one matcher, found 2`,
		`{}`:      `column 1: expected exactly one matcher, found 0`,
	} {
		if _, err := ParseMatcher(in); err == nil || err.Error() != want {
			t.Errorf("ParseMatcher(%q) = %v, want %s", in, err, want)
		}
	}
}

func TestNewMatcherErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		t                 MatchType
		name, value, want string
	}{
		{"==", "a", "b", `unknown match type "=="`},
		{MatchEqual, "", "b", `label name must not be empty`},
		{MatchNotRegexp, "a", "*", `invalid regular expression "*": missing argument to repetition operator`},
	}
	for _, tt := range tests {
		if _, err := NewMatcher(tt.t, tt.name, tt.value); err == nil || err.Error() != tt.want {
			t.Errorf("NewMatcher(%q, %q, %q) = %v, want %s", tt.t, tt.name, tt.value, err, tt.want)
		}
	}
}

func TestMatcherMatches(t *testing.T) {
	t.Parallel()
	labels := map[string]string{"severity": "critical", "env": "prod", "path": "/api/v1"}
	tests := []struct {
		m    string
		want bool
	}{
		{`severity="critical"`, true},
		{`severity="crit"`, false},
		{`severity!="critical"`, false},
		{`severity=~"critical|page"`, true},
		{`severity=~"crit"`, false}, // anchored: no partial match
		{`severity=~"crit.*"`, true},
		{`severity=~"a|critical"`, true}, // the alternation is anchored as a whole
		{`severity!~"warn.*"`, true},
		{`severity!~"crit.*"`, false},
		{`path=~"/api/.*"`, true},
		// A missing label matches as the empty string.
		{`team=""`, true},
		{`team!=""`, false},
		{`team!="db"`, true},
		{`team="db"`, false},
		{`team=~".*"`, true},
		{`team=~".+"`, false},
		{`team!~"db"`, true},
		{`env=""`, false},
	}
	for _, tt := range tests {
		m, err := ParseMatcher(tt.m)
		if err != nil {
			t.Fatalf("%s: %v", tt.m, err)
		}
		if got := m.Matches(labels); got != tt.want {
			t.Errorf("%s on %v = %v, want %v", tt.m, labels, got, tt.want)
		}
		// A literal matcher (no compiled regexp) behaves the same.
		lit := &Matcher{Type: m.Type, Name: m.Name, Value: m.Value}
		if got := lit.Matches(labels); got != tt.want {
			t.Errorf("literal %s = %v, want %v", tt.m, got, tt.want)
		}
	}
	if !(Matchers{}).Matches(nil) {
		t.Error("empty matchers must match everything")
	}
}

// What parses renders back to text that parses to the same matchers.
func FuzzParseMatchers(f *testing.F) {
	for _, s := range []string{`{team="db", env!="dev"}`, `severity=~critical|page`, `{"a b"!~"x\n",}`, `a=`, `{a="\q"}`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		ms, err := ParseMatchers(s)
		if err != nil {
			if _, ok := err.(*ParseError); !ok {
				t.Fatalf("error of type %T", err)
			}
			return
		}
		again, err := ParseMatchers(ms.String())
		if err != nil {
			t.Fatalf("%q rendered as %s: %v", s, ms, err)
		}
		if again.String() != ms.String() {
			t.Fatalf("%q: %s then %s", s, ms, again)
		}
	})
}
