package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestIOCsFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "Phishing wave")
	h.ok(t, "declare", "Earlier phishing")
	h.ok(t, "iocs", "INC-2", "add", "ipv4", "198[.]51[.]100[.]7")
	if out := h.ok(t, "iocs", "INC-1", "add", "domain", "Evil[.]Example", "--tlp", "amber+strict"); !strings.Contains(out, "INC-1: added domain evil.example") {
		t.Fatalf("add: %s", out)
	}
	h.fails(t, "409", "iocs", "INC-1", "add", "domain", "evil.example")
	h.fails(t, "not a valid ipv4", "iocs", "INC-1", "add", "ipv4", "999.1.1.1")

	report := "C2: hxxp://evil[.]example/a and 198.51.100.7\nhash D41D8CD98F00B204E9800998ECF8427E, again evil[.]example"
	code, out, errOut := h.runIn(t, report, "iocs", "INC-1", "paste", "--preview")
	if code != 0 || !strings.Contains(out, "4 indicators found (nothing saved)") || !strings.Contains(out, "md5") {
		t.Fatalf("paste --preview: %d %s %s", code, out, errOut)
	}
	code, out, errOut = h.runIn(t, report, "iocs", "INC-1", "paste", "--source", "report")
	if code != 0 || !strings.Contains(out, "INC-1: 3 added, 1 already held") {
		t.Fatalf("paste: %d %s %s", code, out, errOut)
	}
	out = h.ok(t, "iocs", "INC-1")
	if !strings.Contains(out, "198.51.100.7") || !strings.Contains(out, "INC-2") || !strings.Contains(out, "AMBER+STRICT") {
		t.Fatalf("list: %s", out)
	}
	var page struct {
		Items []struct{ ID, Type, Value string }
	}
	if err := json.Unmarshal([]byte(h.ok(t, "iocs", "INC-1", "-o", "json")), &page); err != nil || len(page.Items) != 4 {
		t.Fatalf("list -o json: %v %v", page, err)
	}
	list := page.Items
	if out := h.ok(t, "iocs", "INC-1", "set", list[0].ID, "--state", "blocked"); !strings.Contains(out, "blocked") {
		t.Fatalf("set: %s", out)
	}
	h.fails(t, "give what to change", "iocs", "INC-1", "set", list[0].ID)
	bundle := h.ok(t, "iocs", "INC-1", "export", "--format", "stix")
	if !strings.Contains(bundle, "[domain-name:value = 'evil.example']") {
		t.Fatalf("export: %s", bundle)
	}
	if csv := h.ok(t, "iocs", "INC-1", "export", "--format", "csv"); !strings.HasPrefix(csv, "id,type,value") {
		t.Fatalf("export csv: %s", csv)
	}
	file := filepath.Join(t.TempDir(), "bundle.json")
	if err := os.WriteFile(file, []byte(bundle), 0o600); err != nil {
		t.Fatal(err)
	}
	if out := h.ok(t, "iocs", "INC-2", "import", file); !strings.Contains(out, "INC-2: 3 added, 1 already held, 0 skipped") {
		t.Fatalf("import: %s", out)
	}
	out = h.ok(t, "iocs", "lookup", "198.51.100[.]7")
	if !strings.Contains(out, "ipv4 198.51.100.7") || !strings.Contains(out, "INC-1") || !strings.Contains(out, "INC-2") {
		t.Fatalf("lookup: %s", out)
	}
}
