package indicators_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestImportPublishedExamples imports the STIX 2.1 specification's
// published examples (testdata/spec-examples, README there) and says what
// each gives and what it leaves out.
func TestImportPublishedExamples(t *testing.T) {
	first := func(s string) *time.Time {
		v, err := time.Parse(time.RFC3339Nano, s)
		if err != nil {
			t.Fatal(err)
		}
		return &v
	}
	type got struct {
		typ   indicators.Type
		value string
		tlp   indicators.TLP
	}
	for _, tt := range []struct {
		file    string
		want    []got
		skipped int
		seen    *time.Time // valid_from, read as first seen
		why     string
	}{
		{"c2-ip-address.json", []got{{indicators.IPv4, "10.0.0.0", ""}}, 0, first("2014-05-08T09:00:00Z"),
			"one indicator; valid_from at microsecond precision is read"},
		{"malicious-url.json", []got{{indicators.URL, "http://x4z9arb.cn/4712/", ""}}, 0, first("2014-06-29T13:49:37.079Z"),
			"the malware and the relationship are not indicators: left out, not counted as skipped"},
		{"file-hash.json", []got{{indicators.SHA256, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c", ""}}, 0, first("2014-02-20T09:00:00Z"),
			"a quoted hash algorithm in the object path"},
		{"marking-definitions.json", []got{{indicators.IPv4, "10.0.0.0", indicators.TLPAmber}}, 0, first("2017-04-14T13:07:49.812Z"),
			"STIX's own TLP 1.0 amber marking is read; the copyright statement marking and the identity are left out"},
		{"tlp2-marking.json", []got{{indicators.IPv4, "10.0.0.0", indicators.TLPAmberStrict}}, 0, first("2014-05-08T09:00:00Z"),
			"a TLP 2.0 marking by its published id"},
	} {
		t.Run(tt.file, func(t *testing.T) {
			data, err := os.ReadFile(filepath.Join("testdata", "spec-examples", tt.file))
			if err != nil {
				t.Fatal(err)
			}
			in, skipped, err := indicators.ImportSTIX(data)
			if err != nil {
				t.Fatalf("%s: %v", tt.why, err)
			}
			var have []got
			for _, x := range in {
				v, err := indicators.Normalise(x.Type, x.Value)
				if err != nil {
					t.Fatalf("%s %q does not normalise: %v", x.Type, x.Value, err)
				}
				have = append(have, got{x.Type, v, x.TLP})
				if x.FirstSeen == nil || !x.FirstSeen.Equal(*tt.seen) {
					t.Errorf("%s: first seen %v, want valid_from %v", x.Value, x.FirstSeen, tt.seen)
				}
			}
			if !slices.Equal(have, tt.want) || skipped != tt.skipped {
				t.Errorf("%s:\nimported %v (%d skipped)\nwant     %v (%d skipped)", tt.why, have, skipped, tt.want, tt.skipped)
			}
		})
	}
}

// TestSTIXRoundTripThroughTheStore: a bundle imported into an incident,
// exported and imported again gives the same indicators with the same
// markings, and the export names every marking it uses, once.
func TestSTIXRoundTripThroughTheStore(t *testing.T) {
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			w := setup(t, b)
			inc := w.declare(t, false)
			var in []indicators.ImportResult
			for _, f := range []string{"spec-example.json", "spec-examples/marking-definitions.json", "spec-examples/tlp2-marking.json", "spec-examples/malicious-url.json"} {
				data, err := os.ReadFile(filepath.Join("testdata", f))
				if err != nil {
					t.Fatal(err)
				}
				res, err := w.iocs.Import(w.ctx, alice, inc.Ref, data)
				if err != nil {
					t.Fatalf("import %s: %v", f, err)
				}
				in = append(in, res)
			}
			// 10.0.0.0 comes twice (amber, then amber+strict): the incident
			// keeps the first.
			if len(in[2].Added) != 0 || len(in[2].Existing) != 1 {
				t.Errorf("the second 10.0.0.0: %+v, want it folded into the one held", in[2])
			}
			_, stored, err := w.iocs.List(w.ctx, alice, inc.Ref)
			if err != nil {
				t.Fatal(err)
			}
			bundle, err := w.iocs.Export(w.ctx, alice, inc.Ref, "stix")
			if err != nil {
				t.Fatal(err)
			}
			again, skipped, err := indicators.ImportSTIX(bundle)
			if err != nil || skipped != 0 {
				t.Fatalf("import of our export: %v, %d skipped", err, skipped)
			}
			key := func(typ indicators.Type, value string, tlp indicators.TLP) string {
				return string(typ) + " " + value + " " + string(tlp)
			}
			var want, got []string
			usedTLP := map[indicators.TLP]bool{}
			for _, i := range stored {
				want = append(want, key(i.Type, i.Value, i.TLP))
				usedTLP[i.TLP] = true
			}
			for _, x := range again {
				v, err := indicators.Normalise(x.Type, x.Value)
				if err != nil {
					t.Fatal(err)
				}
				got = append(got, key(x.Type, v, x.TLP))
			}
			slices.Sort(want)
			slices.Sort(got)
			if !slices.Equal(want, got) {
				t.Errorf("import → export → import changed the indicators:\nstored %q\nagain  %q", want, got)
			}
			var parsed struct {
				Objects []struct {
					Type string `json:"type"`
					Name string `json:"name"`
				} `json:"objects"`
			}
			if err := json.Unmarshal(bundle, &parsed); err != nil {
				t.Fatal(err)
			}
			var markings []string
			for _, o := range parsed.Objects {
				if o.Type == "marking-definition" {
					markings = append(markings, o.Name)
				}
			}
			var wantMarkings []string
			for _, tlp := range indicators.TLPs {
				if usedTLP[tlp] {
					wantMarkings = append(wantMarkings, "TLP:"+strings.ToUpper(string(tlp)))
				}
			}
			if !slices.Equal(markings, wantMarkings) {
				t.Errorf("the export's markings are %v, want %v", markings, wantMarkings)
			}
		})
	}
}
