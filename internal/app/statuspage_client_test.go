package app_test

import (
	"encoding/json"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestStatuspageMaintenancesAndClient: the Statuspage endpoints for
// maintenances (upcoming.json, active.json) in Statuspage's documented
// shape, a component's group_id the same everywhere it appears, and a real
// Statuspage client library (npm statuspage.io, run by node when
// installed) reading every public document.
func TestStatuspageMaintenancesAndClient(t *testing.T) {
	t.Parallel()
	e := newStatusEnv(t, false)
	db := e.api(t, "admin", "POST", "/api/v1/status/components", `{"name":"Database","group":"Backend"}`, 201).json(t)["id"].(string)
	e.api(t, "admin", "POST", "/api/v1/status/components", `{"name":"Queue","group":"Backend"}`, 201)
	web := e.api(t, "admin", "POST", "/api/v1/status/components", `{"name":"Website"}`, 201).json(t)["id"].(string)

	now := time.Now().UTC().Truncate(time.Second)
	at := func(d time.Duration) string { return now.Add(d).Format(time.RFC3339) }
	upcoming := e.api(t, "rita", "POST", "/api/v1/status/incidents", fmt.Sprintf(`{"kind":"maintenance","title":"Database upgrade",
		"body":"We will upgrade the database.","components":[%q],"scheduled_for":%q,"scheduled_until":%q}`, db, at(24*time.Hour), at(26*time.Hour)), 201).json(t)["id"].(string)
	active := e.api(t, "rita", "POST", "/api/v1/status/incidents", fmt.Sprintf(`{"kind":"maintenance","title":"Website move","status":"in_progress",
		"body":"We are moving the website.","components":[%q],"scheduled_for":%q,"scheduled_until":%q}`, web, at(-time.Hour), at(time.Hour)), 201).json(t)["id"].(string)
	e.api(t, "rita", "POST", "/api/v1/status/incidents", fmt.Sprintf(`{"title":"Slow queries","impact":"minor","body":"Queries are slow.","components":[%q]}`, db), 201)

	mntDoc := &shape{fields: map[string]string{"page": "object", "scheduled_maintenances": "array"},
		nested: map[string]*shape{"page": pageShape, "scheduled_maintenances": mntShape}}
	ids := func(path string) []string {
		doc := e.get(t, path, 200).json(t)
		checkShape(t, path, doc, mntDoc)
		var out []string
		for _, m := range doc["scheduled_maintenances"].([]any) {
			out = append(out, m.(map[string]any)["id"].(string))
		}
		return out
	}
	if got := ids("/status/api/v2/scheduled-maintenances/upcoming.json"); len(got) != 1 || got[0] != upcoming {
		t.Errorf("upcoming.json: %v, want [%s]", got, upcoming)
	}
	if got := ids("/status/api/v2/scheduled-maintenances/active.json"); len(got) != 1 || got[0] != active {
		t.Errorf("active.json: %v, want [%s]", got, active)
	}
	if got := ids("/status/api/v2/scheduled-maintenances.json"); len(got) != 2 {
		t.Errorf("scheduled-maintenances.json: %v", got)
	}

	// group_id: the same in components[] and inside incidents and
	// maintenances.
	sum := e.get(t, "/status/api/v2/summary.json", 200).json(t)
	checkShape(t, "summary", sum, summaryShape)
	groups := map[string]any{}
	for _, c := range sum["components"].([]any) {
		c := c.(map[string]any)
		groups[c["id"].(string)] = c["group_id"]
	}
	if groups[db] == nil {
		t.Fatalf("Database has no group_id in components[]: %v", sum["components"])
	}
	seen := 0
	for _, list := range []string{"incidents", "scheduled_maintenances"} {
		for _, inc := range sum[list].([]any) {
			for _, c := range inc.(map[string]any)["components"].([]any) {
				c := c.(map[string]any)
				seen++
				if c["group_id"] != groups[c["id"].(string)] {
					t.Errorf("%s: %s group_id %v, in components[] %v", list, c["name"], c["group_id"], groups[c["id"].(string)])
				}
			}
		}
	}
	if seen != 3 {
		t.Errorf("%d components in incidents and maintenances, want 3", seen)
	}

	statuspageClient(t, e.url+"/status")
}

// statuspageClient runs the npm package statuspage.io against the page:
// every call it offers for a public page must succeed and return the
// documents' keys. Skipped where node or the package is missing;
// FIREBREAK_TEST_NODE_PATH names a node_modules folder holding it (.ci/run
// installs it there).
func statuspageClient(t *testing.T, base string) {
	t.Helper()
	if _, err := exec.LookPath("node"); err != nil {
		t.Log("node is not installed: the Statuspage client library is not run")
		return
	}
	dir := os.Getenv("FIREBREAK_TEST_NODE_PATH")
	if _, err := os.Stat(filepath.Join(dir, "statuspage.io", "package.json")); dir == "" || err != nil {
		t.Log("FIREBREAK_TEST_NODE_PATH holds no statuspage.io package: the Statuspage client library is not run")
		return
	}
	// The library's getActive and getAll both fetch upcoming.json (its
	// bug), so active.json and scheduled-maintenances.json are fetched
	// through its HTTP client too.
	const script = `
const { Statuspage } = require("statuspage.io");
const sp = new Statuspage("firebreak");
sp.setApiUrl(process.argv[1]);
(async () => {
  const out = {};
  out.summary = await sp.api.getSummary();
  out.status = await sp.api.getStatus();
  out.components = await sp.api.getComponents();
  out.incidents = await sp.api.incidents.getAll();
  out.unresolved = await sp.api.incidents.getUnresolved();
  out.upcoming = await sp.api.scheduledMaintenances.getUpcoming();
  out.active = (await sp.apiClient.get("/api/v2/scheduled-maintenances/active.json")).data;
  out.all = (await sp.apiClient.get("/api/v2/scheduled-maintenances.json")).data;
  console.log(JSON.stringify(out));
})().catch(e => { console.error(String(e)); process.exit(1); });
`
	cmd := exec.Command("node", "-e", script, base)
	cmd.Env = append(os.Environ(), "NODE_PATH="+dir, "NO_PROXY=127.0.0.1", "no_proxy=127.0.0.1", "HTTP_PROXY=", "http_proxy=")
	out, err := cmd.Output()
	if err != nil {
		var stderr string
		if ee, ok := err.(*exec.ExitError); ok {
			stderr = string(ee.Stderr)
		}
		t.Fatalf("statuspage.io: %v\n%s", err, stderr)
	}
	var got map[string]map[string]any
	if err := json.Unmarshal(out, &got); err != nil {
		t.Fatalf("statuspage.io output: %v\n%s", err, out)
	}
	want := map[string]string{"summary": "components", "status": "status", "components": "components", "incidents": "incidents",
		"unresolved": "incidents", "upcoming": "scheduled_maintenances", "active": "scheduled_maintenances", "all": "scheduled_maintenances"}
	for call, key := range want {
		doc := got[call]
		if _, ok := doc[key]; !ok || doc["page"] == nil {
			t.Errorf("statuspage.io %s: no page or %s in %v", call, key, strings.Join(keys(doc), ","))
		}
	}
	if n := len(got["upcoming"]["scheduled_maintenances"].([]any)); n != 1 {
		t.Errorf("statuspage.io upcoming: %d maintenances", n)
	}
	if n := len(got["active"]["scheduled_maintenances"].([]any)); n != 1 {
		t.Errorf("statuspage.io active: %d maintenances", n)
	}
}

func keys(m map[string]any) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	return out
}
