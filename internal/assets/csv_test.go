package assets

import (
	"strings"
	"testing"
)

func TestParseInventory(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, in string
		want     int    // assets, when valid
		problem  string // part of the message, when not
	}{
		{"all columns", "kind,identifier,owner,criticality\nhost,web-1,platform,high\nrepository,acme/api,,\n", 2, ""},
		{"any order, a BOM, upper case", "\ufeffIdentifier,Kind\nweb-1,HOST\n", 1, ""},
		{"empty", "", 0, "the file is empty"},
		{"no kind column", "identifier\nweb-1\n", 0, "needs a kind column"},
		{"unknown column", "kind,identifier,colour\n", 0, `unknown column "colour"`},
		{"bad row", "kind,identifier,criticality\ntoaster,,meh\n", 0, "line 2: kind must be one of"},
		{"duplicate", "kind,identifier\nhost,a\nhost,a\n", 0, "line 3: host:a is on line 2 already"},
		{"broken quote", "kind,identifier\nhost,\"a\n", 0, "line 2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			as, err := ParseInventory(strings.NewReader(tt.in), now)
			if tt.problem == "" {
				if err != nil || len(as) != tt.want {
					t.Fatalf("got %d assets, %v; want %d", len(as), err, tt.want)
				}
				return
			}
			if err == nil || !strings.Contains(err.Error(), tt.problem) {
				t.Fatalf("got %v, want a problem saying %q", err, tt.problem)
			}
		})
	}
}

// FuzzParseInventory: any input is refused with an error or yields
// assets that each pass the checks an asset added by hand passes.
func FuzzParseInventory(f *testing.F) {
	f.Add("kind,identifier,owner,criticality\nhost,web-1,platform,high\n")
	f.Add("identifier,kind\n\"a,b\",database\n")
	f.Add("kind,identifier\nhost,\"unterminated\n")
	f.Fuzz(func(t *testing.T, in string) {
		as, err := ParseInventory(strings.NewReader(in), now)
		if err != nil {
			return
		}
		for _, a := range as {
			ai := AssetInput{Kind: a.Kind, Identifier: a.Identifier, Owner: a.Owner, Criticality: a.Criticality}
			if err := ai.check(); err != nil {
				t.Fatalf("parsed %+v, which an asset added by hand may not be: %v", a, err)
			}
		}
	})
}
