package indicators

import (
	"encoding/json"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"
)

func TestPatterns(t *testing.T) {
	tests := []struct {
		typ   Type
		value string
		want  string
	}{
		{IPv4, "198.51.100.1", "[ipv4-addr:value = '198.51.100.1']"},
		{CIDR, "2001:db8::/32", "[ipv6-addr:value = '2001:db8::/32']"},
		{SHA256, strings.Repeat("a", 64), "[file:hashes.'SHA-256' = '" + strings.Repeat("a", 64) + "']"},
		{MD5, strings.Repeat("b", 32), "[file:hashes.MD5 = '" + strings.Repeat("b", 32) + "']"},
		{FilePath, `C:\Users\O'Neil\x.exe`, `[file:parent_directory_ref.path = 'C:\\Users\\O\'Neil\\' AND file:name = 'x.exe']`},
		{RegistryKey, `HKEY_CURRENT_USER\Run`, `[windows-registry-key:key = 'HKEY_CURRENT_USER\\Run']`},
		{CVE, "CVE-2024-3094", ""},
	}
	for _, tt := range tests {
		if got := Pattern(tt.typ, tt.value); got != tt.want {
			t.Errorf("Pattern(%s, %q) = %s, want %s", tt.typ, tt.value, got, tt.want)
		}
	}
}

func TestSTIXRoundTrip(t *testing.T) {
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	var list []Indicator
	tlps := []TLP{TLPClear, TLPGreen, TLPAmber, TLPAmberStrict, TLPRed}
	for n, x := range []Key{{IPv4, "198.51.100.7"}, {IPv6, "2001:db8::7"}, {CIDR, "203.0.113.0/24"}, {Domain, "evil.example"},
		{URL, "https://evil.example/a?b='c'"}, {Email, "a@evil.example"}, {SHA256, strings.Repeat("ab", 32)}, {SHA1, strings.Repeat("cd", 20)},
		{MD5, strings.Repeat("ef", 16)}, {FileName, "x.exe"}, {FilePath, `C:\Users\Public\x.exe`}, {FilePath, "/tmp/.x/payload"},
		{RegistryKey, `HKEY_LOCAL_MACHINE\Software\Run`}, {UserAgent, "Mozilla/5.0 (evil)"}, {Account, "svc_backup"},
		{Process, "rundll32.exe"}, {Mutex, `Global\evil`}, {CVE, "CVE-2024-3094"}} {
		list = append(list, Indicator{ID: "i", Type: x.Type, Value: x.Value, TLP: tlps[n%len(tlps)], State: Active, Confidence: 70, CreatedAt: now, UpdatedAt: now})
	}
	data, err := ExportSTIX("inc-1", list, now)
	if err != nil {
		t.Fatal(err)
	}
	again, err := ExportSTIX("inc-1", list, now)
	if err != nil || string(again) != string(data) {
		t.Fatal("the export is not stable")
	}
	var b struct{ Objects []map[string]any }
	if err := json.Unmarshal(data, &b); err != nil {
		t.Fatal(err)
	}
	markings := 0
	for _, o := range b.Objects {
		if o["type"] == "marking-definition" {
			markings++
		}
		if o["type"] == "indicator" && (o["pattern_type"] != "stix" || o["valid_from"] == nil || !strings.HasPrefix(o["id"].(string), "indicator--")) {
			t.Errorf("indicator %v", o)
		}
	}
	if markings != 5 {
		t.Errorf("%d marking definitions, want 5", markings)
	}
	in, skipped, err := ImportSTIX(data)
	if err != nil || skipped != 0 {
		t.Fatalf("import: %v, %d skipped", err, skipped)
	}
	if len(in) != len(list) {
		t.Fatalf("imported %d, exported %d", len(in), len(list))
	}
	for n, x := range in {
		want := list[n]
		v, err := Normalise(x.Type, x.Value)
		if err != nil || x.Type != want.Type || v != want.Value || x.TLP != want.TLP {
			t.Errorf("round trip %d: %s %q %s (%v), want %s %q %s", n, x.Type, x.Value, x.TLP, err, want.Type, want.Value, want.TLP)
		}
		if x.Type != CVE && (x.Confidence == nil || *x.Confidence != 70) {
			t.Errorf("round trip %d lost the confidence", n)
		}
	}
	if id := StixID(IPv4, "198.51.100.7"); id != "indicator--"+uuid.NewSHA1(stixNamespace, []byte("ipv4:198.51.100.7")).String() || id == StixID(IPv4, "198.51.100.8") {
		t.Error("IDs are not stable per value")
	}
}

func TestImportSpecExamples(t *testing.T) {
	data, err := os.ReadFile("testdata/spec-example.json")
	if err != nil {
		t.Fatal(err)
	}
	in, skipped, err := ImportSTIX(data)
	if err != nil {
		t.Fatal(err)
	}
	var got []Key
	for _, x := range in {
		v, err := Normalise(x.Type, x.Value)
		if err != nil {
			t.Fatalf("%s %q: %v", x.Type, x.Value, err)
		}
		got = append(got, Key{x.Type, v})
	}
	want := []Key{{SHA256, "4bac27393bdd9777ce02453256c5577cd02275510b2227f473d03f533924f877"}, {URL, "http://x4z9arb.cn/4712/"},
		{SHA256, "ef537f25c895bfa782526529a9b63d97aa631564d5d789c2b765448c8635fb6c"}, {CIDR, "198.51.100.1/32"}, {CIDR, "203.0.113.33/32"},
		{CIDR, "2001:db8:dead:beef:dead:beef:dead:1/128"}, {CVE, "CVE-2016-1234"}}
	if !slices.Equal(got, want) {
		t.Errorf("imported\n %v\nwant\n %v", got, want)
	}
	if skipped != 2 {
		t.Errorf("%d skipped, want 2 (a size comparison and a snort rule)", skipped)
	}
	if in[1].TLP != TLPAmber {
		t.Errorf("the TLP 1.0 amber marking read as %q", in[1].TLP)
	}
	if _, _, err := ImportSTIX([]byte(`{}`)); err == nil {
		t.Error("an object that is not a bundle imported")
	}
}

func FuzzImportSTIX(f *testing.F) {
	if data, err := os.ReadFile("testdata/spec-example.json"); err == nil {
		f.Add(data)
	}
	f.Add([]byte(`{"type":"bundle","objects":[{"type":"indicator","pattern_type":"stix","pattern":"[a:b = 'c\\'' OR x:y = '']"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		in, _, err := ImportSTIX(data)
		if err != nil {
			return
		}
		for _, x := range in {
			if !x.Type.Valid() {
				t.Fatalf("imported type %q", x.Type)
			}
		}
	})
}

func FuzzPattern(f *testing.F) {
	f.Add(string(FilePath), `C:\a\b.exe`)
	f.Add(string(URL), "http://a.example/'")
	f.Fuzz(func(t *testing.T, typ, value string) {
		v, err := Normalise(Type(typ), value)
		if err != nil || Type(typ) == CVE {
			return
		}
		// What is exported is read back as the same indicator.
		keys, ok := parsePattern(Pattern(Type(typ), v))
		if !ok || len(keys) != 1 {
			t.Fatalf("%s %q: pattern %s not read back", typ, v, Pattern(Type(typ), v))
		}
		if got, err := Normalise(keys[0].Type, keys[0].Value); err != nil || got != v {
			t.Fatalf("%s %q read back as %v (%v)", typ, v, keys[0], err)
		}
	})
}
