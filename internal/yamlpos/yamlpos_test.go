package yamlpos

import (
	"testing"

	"github.com/goccy/go-yaml/parser"
)

func TestBuildAndFind(t *testing.T) {
	doc := "policies:\n  - name: web\n    steps:\n      - delay_minutes: 5\n        targets: [{user: ann}]\n"
	f, err := parser.ParseBytes([]byte(doc), 0)
	if err != nil {
		t.Fatal(err)
	}
	ix := Build(f.Docs[0].Body)
	for path, want := range map[string]Pos{
		"policies":                           {1, 1},
		"policies[0].name":                   {2, 11},
		"policies[0].steps#key":              {3, 5},
		"policies[0].steps[0].delay_minutes": {4, 24},
		"policies[0].steps[0].nope.deeper":   {4, 9}, // nearest written: the step
		"unknown":                            {},
	} {
		if got := ix.Find(path); got != want {
			t.Errorf("%s: %+v, want %+v", path, got, want)
		}
	}
	if Of(nil) != (Pos{}) {
		t.Error("Of(nil) is not zero")
	}
}
