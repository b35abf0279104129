package indicators

import (
	"bytes"
	"encoding/json"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The independent checks of our STIX 2.1 export. No STIX library is
// available to these tests in Go, so the spec's normative rules our
// bundles rely on are written down as a JSON Schema
// (testdata/stix21-check.json, from the OASIS schemas and the TLP 2.0
// extension) and checked by a JSON Schema validator that knows nothing of
// STIX; where Python's stix2 package is installed, it parses the export
// too.

// stixCheck compiles testdata/stix21-check.json.
func stixCheck(t *testing.T) *jsonschema.Schema {
	t.Helper()
	f, err := os.Open("testdata/stix21-check.json")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	doc, err := jsonschema.UnmarshalJSON(f)
	if err != nil {
		t.Fatal(err)
	}
	c := jsonschema.NewCompiler()
	c.DefaultDraft(jsonschema.Draft2020)
	if err := c.AddResource("stix21-check.json", doc); err != nil {
		t.Fatal(err)
	}
	s, err := c.Compile("stix21-check.json")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// everyKind is one indicator of each type, each TLP used, some revoked.
func everyKind() []Indicator {
	now := time.Date(2026, 12, 7, 9, 0, 0, 123456000, time.UTC)
	first := now.Add(-36 * time.Hour)
	var list []Indicator
	states := []State{Active, Blocked, FalsePositive, Expired}
	for n, k := range []Key{{IPv4, "198.51.100.7"}, {IPv6, "2001:db8::7"}, {CIDR, "203.0.113.0/24"}, {Domain, "evil.example"},
		{URL, "https://evil.example/a?b='c'"}, {Email, "a@evil.example"}, {SHA256, strings.Repeat("ab", 32)}, {SHA1, strings.Repeat("cd", 20)},
		{MD5, strings.Repeat("ef", 16)}, {FileName, "x.exe"}, {FilePath, `C:\Users\Public\x.exe`}, {RegistryKey, `HKEY_LOCAL_MACHINE\Software\Run`},
		{UserAgent, "Mozilla/5.0 (evil)"}, {Account, "svc_backup"}, {Process, "rundll32.exe"}, {Mutex, `Global\evil`}, {CVE, "CVE-2024-3094"}} {
		i := Indicator{ID: "i", Type: k.Type, Value: k.Value, TLP: TLPs[n%len(TLPs)], State: states[n%len(states)], Confidence: n * 5,
			Notes: "seen in the proxy log", CreatedAt: now, UpdatedAt: now.Add(time.Minute)}
		if n%3 == 0 {
			i.FirstSeen = &first
		}
		list = append(list, i)
	}
	return list
}

func TestExportSatisfiesTheSTIXCheck(t *testing.T) {
	check := stixCheck(t)
	data, err := ExportSTIX("inc-1", everyKind(), time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	validate := func(data []byte) error {
		v, err := jsonschema.UnmarshalJSON(bytes.NewReader(data))
		if err != nil {
			t.Fatal(err)
		}
		return check.Validate(v)
	}
	if err := validate(data); err != nil {
		t.Fatalf("our export breaks a STIX 2.1 rule: %v", err)
	}
	// Each break of a rule must be caught: the check is only as good as
	// the exports it refuses.
	for _, tt := range []struct {
		name string
		edit func(b map[string]any)
	}{
		{"the marking an indicator refers to is left out", func(b map[string]any) {
			objs := b["objects"].([]any)
			var kept []any
			for _, o := range objs {
				if o.(map[string]any)["id"] != tlpMarkings[TLPAmber] {
					kept = append(kept, o)
				}
			}
			b["objects"] = kept
		}},
		{"a timestamp without its Z", func(b map[string]any) { obj(b, "indicator")["valid_from"] = "2026-12-07T09:00:00.000+00:00" }},
		{"created to the second", func(b map[string]any) { obj(b, "indicator")["created"] = "2026-12-07T09:00:00Z" }},
		{"spec_version 2.0", func(b map[string]any) { obj(b, "indicator")["spec_version"] = "2.0" }},
		{"no pattern_type", func(b map[string]any) { delete(obj(b, "indicator"), "pattern_type") }},
		{"no valid_from", func(b map[string]any) { delete(obj(b, "indicator"), "valid_from") }},
		{"an id that is not type--UUID", func(b map[string]any) { obj(b, "indicator")["id"] = "indicator--198.51.100.7" }},
		{"an indicator with a vulnerability's id", func(b map[string]any) {
			obj(b, "indicator")["id"] = "vulnerability--0c7b5b88-8ff7-4a4d-aa9d-feb398cd0061"
		}},
		{"a confidence over 100", func(b map[string]any) { obj(b, "indicator")["confidence"] = 101 }},
		{"an empty list of markings", func(b map[string]any) { obj(b, "indicator")["object_marking_refs"] = []any{} }},
		{"a TLP marking under another's id", func(b map[string]any) {
			m := obj(b, "marking-definition")
			m["name"], m["extensions"].(map[string]any)[tlpExtension].(map[string]any)["tlp_2_0"] = "TLP:RED", "red"
		}},
		{"a marking definition with modified", func(b map[string]any) { obj(b, "marking-definition")["modified"] = "2022-10-01T00:00:00.000Z" }},
		{"a bundle with spec_version", func(b map[string]any) { b["spec_version"] = "2.1" }},
		{"an upper-case property", func(b map[string]any) { obj(b, "indicator")["Pattern"] = "[x:y = 'z']" }},
		{"a vulnerability without its reference's id", func(b map[string]any) {
			obj(b, "vulnerability")["external_references"] = []any{map[string]any{"source_name": "cve"}}
		}},
	} {
		var b map[string]any
		if err := json.Unmarshal(data, &b); err != nil {
			t.Fatal(err)
		}
		tt.edit(b)
		bad, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		if err := validate(bad); err == nil {
			t.Errorf("%s: the check let it through", tt.name)
		}
	}
}

// obj is the first object of a type in a decoded bundle.
func obj(b map[string]any, typ string) map[string]any {
	for _, o := range b["objects"].([]any) {
		if m := o.(map[string]any); m["type"] == typ {
			return m
		}
	}
	panic("no " + typ)
}

// TestExportParsesWithPythonSTIX2 has OASIS's own Python library parse our
// export strictly (no custom content). It runs where `python3 -c 'import
// stix2'` works and says why it skips where it does not.
func TestExportParsesWithPythonSTIX2(t *testing.T) {
	if err := exec.Command("python3", "-c", "import stix2").Run(); err != nil {
		t.Skipf("python3 with the stix2 package is not available (%v): the export is checked against testdata/stix21-check.json only", err)
	}
	data, err := ExportSTIX("inc-1", everyKind(), time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	p := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(p, data, 0o600); err != nil {
		t.Fatal(err)
	}
	script := `import sys, stix2
b = stix2.parse(open(sys.argv[1]).read(), allow_custom=False)
print(len(b.objects))`
	out, err := exec.Command("python3", "-c", script, p).CombinedOutput()
	if err != nil {
		t.Fatalf("stix2.parse refused our export: %v\n%s", err, out)
	}
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	if got := strings.TrimSpace(string(out)); got != strconv.Itoa(len(b.Objects)) {
		t.Errorf("stix2 read %s objects, the bundle has %d", got, len(b.Objects))
	}
}
