package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestFactsAndOrganizationFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "declare", "Customer records exposed")
	if out := h.ok(t, "facts", "INC-1"); !strings.Contains(out, "(no facts set yet)") {
		t.Fatalf("facts before any: %s", out)
	}
	// Fixed dates under the real clock are confirmed (--confirm-early), so
	// the test holds once they lie more than 30 days before the incident.
	out := h.ok(t, "facts", "INC-1", "--set", "aware=2026-11-27T09:00:00Z", "--personal-data", "--individuals", "1200",
		"--affected", "EU=1200", "--data-type", "credentials", "--confirm-early")
	for _, want := range []string{"aware", "2026-11-27T09:00:00Z", "Personal data    yes", "credentials", "1200", "EU=1200", "Version          1 — "} {
		if !strings.Contains(out, want) {
			t.Fatalf("facts set: %s\nlacks %q", out, want)
		}
	}
	// Flags change only what they name.
	out = h.ok(t, "facts", "INC-1", "--set", "discovered=2026-11-26T22:15:00Z", "--confirm-early", "-o", "json")
	var v struct {
		Version      int64             `json:"version"`
		Anchors      map[string]string `json:"anchors"`
		PersonalData bool              `json:"personal_data"`
	}
	if err := json.Unmarshal([]byte(out), &v); err != nil || v.Version != 2 || len(v.Anchors) != 2 || !v.PersonalData {
		t.Fatalf("facts after a second --set: %s (%v)", out, err)
	}
	h.fails(t, "anchors.foo: unknown anchor", "facts", "INC-1", "--set", "foo=2026-11-27T09:00:00Z")
	h.fails(t, `anchors.aware: "yesterday" is not an RFC 3339 time`, "facts", "INC-1", "--set", "aware=yesterday")
	h.fails(t, "affected_individuals: must be 0 or more, not -1", "facts", "INC-1", "--individuals", "-1")
	h.fails(t, `--affected "EU": want JURISDICTION=COUNT`, "facts", "INC-1", "--affected", "EU")
	// Issue #11: a year typed wrong is caught; the future is for planning.
	yearAgo := time.Now().AddDate(-1, 0, 0).UTC().Format(time.RFC3339)
	h.fails(t, "confirm_early_anchors", "facts", "INC-1", "--set", "determined="+yearAgo)
	h.fails(t, "allow_future", "facts", "INC-1", "--set", "determined="+time.Now().AddDate(1, 0, 0).UTC().Format(time.RFC3339))
	h.ok(t, "facts", "INC-1", "--set", "determined="+yearAgo, "--confirm-early")
	h.fails(t, `did you mean unsecured_PHI?`, "facts", "INC-1", "--data-type", "unsecured-phi")
	if out := h.ok(t, "obligations", "vocabulary"); !strings.Contains(out, "HIPAA_covered_entity") || !strings.Contains(out, "US-TX") {
		t.Fatalf("vocabulary: %s", out)
	}
	if out := h.ok(t, "incidents", "timeline", "INC-1"); !strings.Contains(out, "facts: set discovered to 2026-11-26T22:15:00Z") {
		t.Fatalf("timeline: %s", out)
	}

	dir := t.TempDir()
	org := filepath.Join(dir, "org.yaml")
	os.WriteFile(org, []byte("roles: [controller]\nentity_types: [essential_entity]\ncountries: [DE]\ncalendars: {EU: DE}\nreminders: {before: [2h], overdue: true}\n"), 0o600)
	out = h.ok(t, "org", "set", "--file", org)
	for _, want := range []string{"essential_entity", "EU: DE", "2h before, overdue", "by admin"} {
		if !strings.Contains(out, want) {
			t.Fatalf("org set: %s\nlacks %q", out, want)
		}
	}
	if out := h.ok(t, "org"); !strings.Contains(out, "controller") {
		t.Fatalf("org: %s", out)
	}
	bad := filepath.Join(dir, "bad.yaml")
	os.WriteFile(bad, []byte("roles: [controller]\nentity_type: [x]\n"), 0o600)
	h.fails(t, "[2:1] unknown field \"entity_type\"", "org", "set", "--file", bad)
	os.WriteFile(bad, []byte("countries: [Germany]\n"), 0o600)
	h.fails(t, `countries[0]: "Germany" is not a country`, "org", "set", "--file", bad)

	h.fails(t, "--reason is required", "waive", "INC-1", "eu-gdpr-art33-supervisory-authority", "initial_notification")

	facts := filepath.Join(dir, "facts.json")
	os.WriteFile(facts, []byte(`{"anchors":{"aware":"2026-11-27T09:00:00Z"},"personal_data":true}`), 0o600)
	out = h.ok(t, "obligations", "evaluate", "--facts", facts, "--org", org, "-o", "json")
	var plan struct {
		Items []map[string]any `json:"items"`
	}
	if err := json.Unmarshal([]byte(out), &plan); err != nil || plan.Items == nil {
		t.Fatalf("evaluate: %s (%v)", out, err)
	}
	os.WriteFile(facts, []byte(`{"anchors":{"aware":"soon"}}`), 0o600)
	h.fails(t, "anchors.aware", "obligations", "evaluate", "--facts", facts)
}
