package httpapi_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"io"
	"maps"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/legacy"
)

// contract is an http.RoundTripper that checks every answer of the API
// against the OpenAPI document the server itself serves, so a scenario
// driven through it cannot leave a response unchecked.
//
// The document is OpenAPI 3.1; kin-openapi's openapi3filter validates
// 3.1 documents with its JSON Schema 2020-12 validator, so type arrays
// (["string","null"]) are honoured as written and nothing is translated
// to 3.0's nullable. Answers to HEAD and 304 are not validated (they have
// no body to check); kin-openapi skips them itself.
type contract struct {
	base   http.RoundTripper
	router routers.Router

	mu       sync.Mutex
	failures []string
	checked  map[string]int // operation ID → responses validated
}

// newContract loads the document from url and returns the checker.
func newContract(t *testing.T, url string) *contract {
	t.Helper()
	resp, err := http.Get(url + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(resp.Body)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("openapi.json: %d %v", resp.StatusCode, err)
	}
	var raw map[string]any
	if err := json.Unmarshal(data, &raw); err != nil {
		t.Fatal(err)
	}
	for _, bad := range lintAnswers(raw) {
		t.Errorf("the document names a property %s: properties are snake_case", bad)
	}
	// Lists are never null in an answer (an empty one is []), though huma
	// lets requests send null for them: checking only answers, the test
	// holds them to the stricter rule by dropping "null" from array types.
	strictArrays(raw)
	if data, err = json.Marshal(raw); err != nil {
		t.Fatal(err)
	}
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(data)
	if err != nil {
		t.Fatalf("loading the document: %v", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		t.Fatalf("the document is not valid OpenAPI: %v", err)
	}
	// Paths in the document are absolute (/api/v1/...); match them against
	// the request's path whatever servers the document names.
	doc.Servers = nil
	router, err := legacy.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &contract{base: http.DefaultTransport, router: router, checked: map[string]int{}}
}

func init() {
	// Text files the API exports, read as the strings the document says.
	openapi3filter.RegisterBodyDecoder("text/markdown", openapi3filter.PlainBodyDecoder)
	openapi3filter.RegisterBodyDecoder("text/html", openapi3filter.PlainBodyDecoder)
}

// client is an HTTP client whose every exchange is validated.
func (c *contract) client() *http.Client { return &http.Client{Transport: c} }

func (c *contract) RoundTrip(req *http.Request) (*http.Response, error) {
	// The router reads the method and path only; the body goes on untouched.
	route, params, routeErr := c.router.FindRoute(req)
	resp, err := c.base.RoundTrip(req)
	if err != nil {
		return nil, err
	}
	body, err := io.ReadAll(resp.Body)
	resp.Body.Close()
	if err != nil {
		return nil, err
	}
	resp.Body = io.NopCloser(bytes.NewReader(body))
	where := req.Method + " " + req.URL.Path
	if routeErr != nil {
		// Only the API is described by the document; anything else under
		// /api/v1 that answers is a route the document forgot.
		if strings.HasPrefix(req.URL.Path, "/api/v1/") && resp.StatusCode != http.StatusNotFound && resp.StatusCode != http.StatusMethodNotAllowed {
			c.fail(fmt.Sprintf("%s answered %d but the document has no such operation: %v", where, resp.StatusCode, routeErr))
		}
		return resp, nil
	}
	op := route.Operation.OperationID
	for _, at := range zeroTimes(decodeJSON(body), "") {
		c.fail(fmt.Sprintf("%s (%s) answered %d: at %s: a zero time; an unknown time is null", op, where, resp.StatusCode, at))
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route},
		Status:                 resp.StatusCode,
		Header:                 resp.Header,
		// A status the operation does not declare is a failure too.
		Options: &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		for _, msg := range describe(err) {
			c.fail(fmt.Sprintf("%s (%s) answered %d: %s\n\tbody: %s", op, where, resp.StatusCode, msg, clip(body)))
		}
	}
	c.mu.Lock()
	c.checked[op]++
	c.mu.Unlock()
	return resp, nil
}

func (c *contract) fail(msg string) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.failures = append(c.failures, msg)
}

// report fails t with every mismatch seen, each once.
func (c *contract) report(t *testing.T) {
	t.Helper()
	c.mu.Lock()
	defer c.mu.Unlock()
	seen := map[string]bool{}
	for _, f := range c.failures {
		if !seen[f] {
			seen[f] = true
			t.Error(f)
		}
	}
}

// describe flattens a validation error into one line per mismatch, each
// naming the JSON pointer of the value that does not match.
func describe(err error) []string {
	var multi openapi3.MultiError
	if errors.As(err, &multi) {
		var out []string
		for _, e := range multi {
			out = append(out, describe(e)...)
		}
		return out
	}
	var se *openapi3.SchemaError
	if errors.As(err, &se) {
		ptr := "/" + strings.Join(se.JSONPointer(), "/")
		if inner := se.Origin; inner != nil {
			var multi openapi3.MultiError
			if errors.As(inner, &multi) {
				return describe(multi)
			}
		}
		return []string{fmt.Sprintf("at %s: %s", ptr, se.Reason)}
	}
	var re *openapi3filter.ResponseError
	if errors.As(err, &re) && re.Err != nil {
		var multi openapi3.MultiError
		if errors.As(re.Err, &multi) {
			return describe(multi)
		}
		return []string{re.Reason + ": " + re.Err.Error()}
	}
	return []string{err.Error()}
}

func clip(b []byte) string {
	const max = 600
	if len(b) > max {
		return string(b[:max]) + "…"
	}
	return string(b)
}

// operations lists the IDs checked, sorted.
func (c *contract) operations() []string {
	c.mu.Lock()
	defer c.mu.Unlock()
	var ids []string
	for id := range c.checked {
		ids = append(ids, id)
	}
	slices.Sort(ids)
	return ids
}

// TestEveryResponseMatchesTheDocument drives a broad scenario through the
// API — declare, classify, roles, phases, timeline, tasks, records,
// duties, notices, the status page, triage fed by a real Alertmanager
// body, on-call, the post-mortem, actions, insights, related incidents,
// jobs and filtered lists — and checks every answer, errors included,
// against the OpenAPI document.
func TestEveryResponseMatchesTheDocument(t *testing.T) {
	t.Parallel()
	s := newSetupWith(t, func(c *app.Config) { c.Library = plan.Library() })
	c := newContract(t, s.url)
	s.http = c.client()
	s.admin.HTTP = c.client()
	defer c.report(t)
	sc := scenario{t: t, s: s}
	sc.run()
	t.Logf("%d operations checked: %v", len(c.operations()), c.operations())
}

// scenario is the walk; ok fails the test on an unexpected status, so a
// broken step is not mistaken for a checked answer.
type scenario struct {
	t *testing.T
	s *setup
}

func (sc scenario) ok(status int, user, method, path, body string, hdr ...string) answer {
	sc.t.Helper()
	a := sc.s.call(sc.t, user, method, path, body, hdr...)
	if a.status != status {
		sc.t.Errorf("%s %s as %s: %d, want %d: %s", method, path, user, a.status, status, clip([]byte(a.raw)))
	}
	return a
}

func str(a answer, key string) string { v, _ := a.body[key].(string); return v }

func (sc scenario) run() {
	t, s := sc.t, sc.s
	_ = s
	now := time.Now().UTC()
	soon := now.Add(2 * time.Hour).Format(time.RFC3339)
	later := now.Add(26 * time.Hour).Format(time.RFC3339)

	// People, teams and on-call.
	sc.ok(200, "vera", "GET", "/api/v1/me", "")
	sc.ok(200, "admin", "GET", "/api/v1/users", "")
	sc.ok(200, "admin", "PATCH", "/api/v1/users/rob", `{"display_name":"Rob R.","email":"rob@example.com"}`)
	sc.ok(200, "admin", "GET", "/api/v1/tokens?user=rita", "")
	sc.ok(201, "admin", "PUT", "/api/v1/teams/sre", `{"description":"Site reliability","members":["rita","rob"]}`)
	sc.ok(201, "admin", "PUT", "/api/v1/teams/empty", `{}`)
	sc.ok(200, "vera", "GET", "/api/v1/teams", "")
	sc.ok(200, "vera", "GET", "/api/v1/teams/empty", "")
	sc.ok(201, "admin", "PUT", "/api/v1/schedules/primary", schedulePrimary)
	sc.ok(201, "admin", "POST", "/api/v1/schedules/primary/overrides", `{"user":"rob","from":"`+soon+`","to":"`+later+`"}`)
	sc.ok(200, "vera", "GET", "/api/v1/schedules", "")
	sc.ok(200, "vera", "GET", "/api/v1/schedules/primary", "")
	sc.ok(200, "vera", "GET", "/api/v1/schedules/primary/oncall", "")
	sc.ok(200, "vera", "GET", "/api/v1/schedules/primary/shifts", "")
	sc.ok(200, "vera", "GET", "/api/v1/oncall", "")
	sc.ok(200, "vera", "GET", "/api/v1/users/rita/shifts", "")
	sc.ok(201, "admin", "PUT", "/api/v1/policies/first", `{"steps":[{"targets":[{"kind":"schedule","name":"primary"}],"delay_minutes":5}]}`)
	sc.ok(200, "vera", "GET", "/api/v1/policies", "")
	sc.ok(200, "vera", "GET", "/api/v1/policies/first", "")
	sc.ok(201, "admin", "PUT", "/api/v1/services/checkout", `{"team":"sre","policy":"first","description":"The shop's checkout"}`)
	sc.ok(201, "admin", "PUT", "/api/v1/services/bare", `{}`)
	sc.ok(200, "vera", "GET", "/api/v1/services", "")
	sc.ok(200, "vera", "GET", "/api/v1/services/bare", "")
	sc.ok(200, "rita", "GET", "/api/v1/users/rita/contacts", "")
	sc.ok(200, "rita", "GET", "/api/v1/users/rita/rules", "")
	sc.ok(200, "vera", "GET", "/api/v1/severities", "")
	sc.ok(200, "vera", "GET", "/api/v1/incident-rules", "")
	sc.ok(200, "vera", "GET", "/api/v1/organization", "")
	sc.ok(200, "admin", "PUT", "/api/v1/organization", `{"roles":["controller"],"countries":["DE"],"calendars":{"EU":"DE"}}`)
	sc.ok(200, "admin", "PUT", "/api/v1/organization", `{}`)
	sc.ok(200, "vera", "GET", "/api/v1/organization", "")

	// Declare with and without labels, classify, roles, phases.
	inc := sc.ok(201, "rita", "POST", "/api/v1/incidents", `{"title":"Checkout errors","summary":"5xx on pay","severity":"SEV2","type":"availability.webshop","affected":["checkout"]}`)
	ref := str(inc, "ref")
	base := "/api/v1/incidents/" + ref
	sc.ok(201, "rob", "POST", "/api/v1/incidents", `{"title":"Odd login","labels":{"team":"sre"}}`)
	sc.ok(200, "vera", "GET", base, "")
	sc.ok(200, "rita", "PATCH", base, `{"severity":"SEV2","labels":{"env":"prod"}}`)
	sc.ok(200, "vera", "GET", "/api/v1/assessment", "")
	sc.ok(200, "rita", "POST", base+"/assessment", `{"answers":{"data":"none","service":"degraded","customers":"many","legal":"none","spread":"contained"},"severity":"SEV2","reason":"as declared"}`)
	for _, r := range []string{"ir_lead", "incident_commander"} {
		sc.ok(200, "rita", "POST", base+"/roles", `{"role":"`+r+`","user":"rita"}`)
	}
	sc.ok(200, "rita", "POST", base+"/roles", `{"role":"scribe","user":"rob"}`)
	sc.ok(200, "rita", "DELETE", base+"/roles/scribe/rob", "")
	sc.ok(200, "rita", "POST", base+"/transition", `{"to":"active"}`)
	sc.ok(201, "rita", "POST", base+"/timeline", `{"kind":"note","body":"Error rate 30%","occurred_at":"`+now.Add(-time.Hour).Format(time.RFC3339)+`"}`)
	sc.ok(200, "vera", "GET", base+"/timeline", "")
	sc.ok(200, "vera", "GET", base+"/timeline?limit=2", "")

	// Tasks and plans.
	sc.ok(200, "vera", "GET", "/api/v1/plans", "")
	sc.ok(200, "vera", "GET", "/api/v1/plans/credential-compromise", "")
	sc.ok(200, "vera", "GET", "/api/v1/plans/credential-compromise/versions", "")
	sc.ok(200, "rob", "POST", "/api/v1/incidents/INC-2/plans", `{"plan":"credential-compromise"}`)
	task := sc.ok(201, "rita", "POST", base+"/tasks", `{"title":"Fail over","phase":"contain","due_at":"`+soon+`","checklist":["DNS","LB"]}`)
	tasks, _ := task.body["tasks"].([]any)
	key := ""
	if len(tasks) > 0 {
		key, _ = tasks[len(tasks)-1].(map[string]any)["key"].(string)
	}
	sc.ok(200, "rita", "PATCH", base+"/tasks/"+key, `{"state":"done","notes":"done"}`)
	sc.ok(200, "vera", "GET", base+"/tasks", "")
	sc.ok(200, "vera", "GET", "/api/v1/tasks", "")
	sc.ok(200, "vera", "GET", "/api/v1/tasks?assignee=rita", "")

	// Records: assets, credentials, fixes, indicators, evidence.
	sc.ok(201, "rita", "POST", base+"/assets", `{"kind":"host","identifier":"web-1","owner":"sre","criticality":"high","state":"confirmed"}`)
	sc.ok(201, "rita", "POST", base+"/assets", `{"kind":"host","identifier":"web-2"}`)
	sc.ok(200, "rita", "PATCH", base+"/assets/host/web-2", `{"note":"suspected"}`)
	sc.ok(200, "rita", "POST", base+"/assets/host/web-1/moves", `{"to":"contained","how":"isolated"}`)
	sc.ok(200, "vera", "GET", base+"/assets", "")
	sc.ok(200, "vera", "GET", "/api/v1/assets", "")
	sc.ok(200, "vera", "GET", "/api/v1/assets?kind=host", "")
	sc.ok(200, "vera", "GET", "/api/v1/assets/host/web-1", "")
	sc.ok(201, "rita", "POST", base+"/credentials", `{"kind":"api_key","name":"deploy token","state":"confirmed","exposed_in":"log"}`)
	sc.ok(201, "rita", "POST", base+"/credentials", `{"kind":"password","name":"svc"}`)
	sc.ok(200, "rita", "POST", base+"/credentials/C1/moves", `{"to":"revoked","how":"revoked"}`)
	sc.ok(200, "vera", "GET", base+"/credentials", "")
	sc.ok(201, "rita", "POST", base+"/fixes", `{"vulnerability":"secret in log","kind":"rule","description":"scrub","assets":["host:web-1"]}`)
	sc.ok(201, "rita", "POST", base+"/fixes", `{"vulnerability":"v","kind":"patch","description":"d"}`)
	sc.ok(200, "rita", "PUT", base+"/fixes/F2", `{"vulnerability":"v","kind":"patch","description":"d2"}`)
	sc.ok(200, "vera", "GET", base+"/fixes", "")
	sc.ok(201, "rita", "POST", base+"/indicators", `{"type":"ipv4","value":"198.51.100.7","tlp":"amber"}`)
	sc.ok(200, "rita", "POST", base+"/indicators", `{"text":"C2 hxxps://evil[.]example/x and 203.0.113.9","preview":true}`)
	sc.ok(201, "rita", "POST", base+"/indicators", `{"text":"C2 hxxps://evil[.]example/x and 203.0.113.9"}`)
	ind := sc.ok(200, "vera", "GET", base+"/indicators", "")
	if its := ind.items(); len(its) > 0 {
		id, _ := its[0]["id"].(string)
		sc.ok(200, "rita", "PATCH", base+"/indicators/"+id, `{"confidence":80}`)
	}
	sc.ok(200, "vera", "GET", base+"/indicators/export", "")
	sc.ok(200, "vera", "GET", base+"/indicators/export?format=csv", "")
	sc.ok(200, "vera", "GET", "/api/v1/indicators/lookup?value=198.51.100.7", "")
	sc.ok(201, "rita", "POST", base+"/evidence", `{"name":"Memory dump","sha256":"`+strings.Repeat("e", 64)+`","size":1024,"location":"safe 3"}`)
	ev := sc.s.upload(t, "rita", ref, map[string]string{"source": "web-1"}, "note.txt", []byte("ransom note"))
	if ev.status != 201 {
		t.Errorf("upload: %d %s", ev.status, ev.raw)
	}
	sc.ok(200, "vera", "GET", base+"/evidence", "")
	sc.ok(200, "vera", "GET", base+"/evidence/EV-1", "")
	sc.ok(200, "rita", "GET", base+"/evidence/EV-2/file", "")
	sc.ok(200, "rita", "POST", base+"/evidence/EV-1/transfer", `{"to":"rob","purpose":"analysis","location":"lab"}`)
	sc.ok(200, "rita", "POST", base+"/evidence/EV-2/dispose", `{"reason":"duplicate","authorised_by":"rita"}`)
	sc.ok(200, "vera", "GET", base+"/custody", "")

	// Duties and notices.
	sc.ok(200, "vera", "GET", base+"/facts", "")
	sc.ok(200, "rita", "PUT", base+"/facts", `{"personal_data":true,"data_types":["credentials"],"affected_individuals":10,"affected_by_jurisdiction":{"EU":10}}`)
	sc.ok(200, "vera", "GET", base+"/facts", "")
	sc.ok(200, "vera", "GET", base+"/obligations", "")
	sc.ok(200, "vera", "GET", "/api/v1/obligations/vocabulary", "")
	sc.ok(200, "rita", "POST", "/api/v1/obligations/evaluate", `{"facts":{"personal_data":true}}`)
	sc.ok(200, "vera", "GET", base+"/dossier", "")
	sc.ok(200, "vera", "GET", "/api/v1/notice-templates", "")
	sc.ok(200, "admin", "PUT", "/api/v1/notice-templates/plain", `{"audience":"customer","title":"About {{.Incident.Ref}}","body":"We are working on it."}`)
	sc.ok(200, "vera", "GET", "/api/v1/notice-templates/plain", "")
	n := sc.ok(201, "rita", "POST", base+"/notices", `{"audience":"customer","title":"Checkout trouble","body":"We are on it.","recipients":["ops@acme.test"]}`)
	nid := str(n, "id")
	sc.ok(200, "rita", "PATCH", base+"/notices/"+nid, `{"body":"We are still on it."}`)
	sc.ok(200, "vera", "GET", base+"/notices", "")
	sc.ok(200, "vera", "GET", base+"/notices/"+nid, "")
	sc.ok(201, "rita", "POST", base+"/updates", `{"text":"Mitigation in progress."}`)
	sc.ok(200, "vera", "GET", base+"/updates", "")
	sc.ok(200, "vera", "GET", base+"/subscriptions", "")
	sc.ok(200, "admin", "GET", "/api/v1/subscriptions", "")

	// The status page.
	sc.ok(200, "vera", "GET", "/api/v1/status/page", "")
	sc.ok(200, "admin", "PATCH", "/api/v1/status/page", `{"name":"Example Co"}`)
	comp := sc.ok(201, "admin", "POST", "/api/v1/status/components", `{"name":"Checkout","group":"Shop"}`)
	cid := str(comp, "id")
	sc.ok(201, "admin", "POST", "/api/v1/status/components", `{"name":"Search"}`)
	sc.ok(200, "admin", "PATCH", "/api/v1/status/components/"+cid, `{"description":"Paying"}`)
	sc.ok(200, "vera", "GET", "/api/v1/status/components", "")
	pub := sc.ok(201, "rita", "POST", "/api/v1/status/incidents", `{"incident":"`+ref+`","title":"Payments failing","impact":"major","body":"Card payments fail.","components":["`+cid+`"],"component_states":{"`+cid+`":"partial_outage"},"notify":false}`)
	pid := str(pub, "id")
	sc.ok(201, "rita", "POST", "/api/v1/status/incidents/"+pid+"/updates", `{"status":"identified","body":"Found it.","notify":false}`)
	sc.ok(201, "rita", "POST", "/api/v1/status/incidents", `{"kind":"maintenance","title":"DB upgrade","body":"Short.","scheduled_for":"`+soon+`","scheduled_until":"`+later+`","notify":false}`)
	sc.ok(200, "vera", "GET", "/api/v1/status/incidents", "")
	sc.ok(200, "vera", "GET", "/api/v1/status/incidents/"+pid, "")
	sc.ok(200, "admin", "GET", "/api/v1/status/subscribers", "")

	// Triage fed by Alertmanager.
	it := sc.ok(201, "admin", "POST", "/api/v1/integrations", `{"kind":"alertmanager","name":"prom","team":"sre"}`)
	sc.ok(201, "admin", "POST", "/api/v1/integrations", `{"kind":"generic","name":"ci","service":"checkout"}`)
	sc.ok(200, "admin", "GET", "/api/v1/integrations", "")
	for _, f := range []string{"01-firing-first-notification.json", "02-one-resolved-one-firing.json"} {
		body, err := os.ReadFile(filepath.Join("/work/shared/data/samples/alertmanager", f))
		if err != nil {
			t.Fatal(err)
		}
		h := sc.s.call(t, "", "POST", "/hooks/alertmanager/"+str(it, "token"), string(body))
		if h.status/100 != 2 {
			t.Errorf("alertmanager %s: %d %s", f, h.status, h.raw)
		}
	}
	q := sc.ok(200, "vera", "GET", "/api/v1/triage", "")
	sc.ok(200, "vera", "GET", "/api/v1/triage?state=open", "")
	entries := q.items()
	if len(entries) == 0 {
		t.Fatalf("no queue entries: %s", q.raw)
	}
	eid, _ := entries[0]["id"].(string)
	sc.ok(200, "vera", "GET", "/api/v1/triage/"+eid, "")
	sc.ok(200, "rita", "GET", "/api/v1/triage/"+eid+"/escalations", "")
	sc.ok(200, "rita", "POST", "/api/v1/triage/"+eid+"/acknowledge", "")
	sc.ok(200, "rita", "POST", "/api/v1/triage/"+eid+"/snooze", `{"until":"`+soon+`"}`)
	sc.ok(201, "rita", "POST", "/api/v1/triage/"+eid+"/declare", `{"title":"From the alert","severity":"SEV3"}`)
	if len(entries) > 1 {
		id2, _ := entries[1]["id"].(string)
		sc.ok(200, "rita", "POST", "/api/v1/triage/"+id2+"/dismiss", `{"reason":"noise"}`)
	}
	sc.ok(201, "rita", "POST", "/api/v1/reports", `{"title":"Phishing mail","description":"Got a mail"}`)
	sc.ok(200, "rita", "GET", "/api/v1/escalations", "")
	sc.ok(200, "rita", "GET", base+"/escalations", "")
	sc.ok(201, "rita", "POST", base+"/page", `{"targets":[{"kind":"schedule","name":"primary"}],"message":"help"}`)
	esc := sc.ok(200, "rita", "GET", "/api/v1/escalations", "")
	if its := esc.items(); len(its) > 0 {
		id, _ := its[0]["id"].(string)
		sc.ok(200, "rita", "GET", "/api/v1/escalations/"+id, "")
		sc.ok(200, "rita", "POST", "/api/v1/escalations/"+id+"/ack", "")
	}

	// Through the lifecycle to the post-mortem.
	sc.ok(200, "rita", "POST", base+"/transition", `{"to":"contained"}`)
	sc.ok(200, "rita", "PATCH", base, `{"root_cause":"a bad deploy"}`)
	sc.ok(200, "rita", "POST", base+"/transition", `{"to":"eradicated"}`)
	sc.ok(200, "rita", "PATCH", base+"/assets/host/web-1", `{"accepted":true,"accepted_reason":"rebuilt next week"}`)
	sc.ok(200, "rita", "POST", base+"/transition", `{"to":"recovered"}`)
	sc.ok(200, "vera", "GET", base+"/postmortem", "")
	sc.ok(200, "vera", "GET", base+"/postmortem/draft", "")
	sc.ok(200, "rita", "PUT", base+"/postmortem", `{"summary":"A bad deploy.","impact":"Checkout down.","root_causes":[{"category":"process","text":"no canary"}],"lessons":"Canary."}`)
	sc.ok(200, "rita", "POST", base+"/postmortem/review", `{"reviewers":["rob"]}`)
	sc.ok(200, "rob", "POST", base+"/postmortem/reviews", `{"verdict":"approve"}`)
	sc.ok(200, "vera", "GET", base+"/postmortem/revisions", "")
	for _, f := range []string{"md", "html", "json"} {
		sc.ok(200, "vera", "GET", base+"/postmortem/export?format="+f, "")
	}
	sc.ok(201, "rita", "POST", base+"/actions", `{"title":"Add a canary","owner":"rob","due":"2026-12-20","kind":"prevent","tracker":{"url":"https://jira.example/browse/SEC-4","key":"SEC-4"}}`)
	sc.ok(201, "rita", "POST", base+"/actions", `{"title":"Alert on 5xx","owner":"rita","due":"2026-12-21"}`)
	sc.ok(200, "vera", "GET", base+"/actions", "")
	sc.ok(200, "vera", "GET", "/api/v1/actions", "")
	sc.ok(200, "vera", "GET", "/api/v1/actions?owner=rob", "")
	sc.ok(200, "vera", "GET", "/api/v1/actions/ACT-1", "")
	sc.ok(200, "rob", "PATCH", "/api/v1/actions/ACT-1", `{"state":"done"}`)
	sc.ok(200, "vera", "GET", base+"/related", "")
	sc.ok(200, "vera", "GET", "/api/v1/insights", "")
	sc.ok(200, "vera", "GET", "/api/v1/insights.csv", "")

	// Lists with filters, jobs, deliveries.
	for _, q := range []string{"", "?state=recovered", "?severity=SEV2", "?q=checkout", "?limit=1", "?label=team%3Dsre"} {
		sc.ok(200, "vera", "GET", "/api/v1/incidents"+q, "")
	}
	sc.ok(200, "admin", "GET", "/api/v1/jobs/dead", "")
	sc.ok(200, "admin", "GET", "/api/v1/deliveries", "")
	sc.ok(200, "rita", "GET", "/api/v1/users/rita/calendar", "")

	// Refusals are part of the contract too.
	sc.ok(404, "vera", "GET", "/api/v1/incidents/INC-999", "")
	sc.ok(422, "rita", "POST", "/api/v1/incidents", `{"title":"   "}`)
	sc.ok(400, "rita", "POST", "/api/v1/incidents", `{"title": `)
	sc.ok(403, "vera", "POST", "/api/v1/incidents/"+ref+"/timeline", `{"kind":"note","body":"x"}`)
	sc.ok(401, "", "GET", "/api/v1/incidents", "")
	sc.ok(409, "rita", "POST", base+"/assets", `{"kind":"host","identifier":"web-1"}`)
	sc.ok(412, "rita", "PATCH", base, `{"title":"stale"}`, "If-Match", `"1"`)
	sc.ok(422, "rita", "PATCH", base, `{"title":"bad"}`, "If-Match", "yesterday")
	sc.ok(404, "vera", "GET", base+"/evidence/EV-99", "")
	sc.ok(422, "vera", "GET", "/api/v1/incidents?cursor=zzz", "")
}

func decodeJSON(b []byte) any {
	var v any
	if json.Unmarshal(b, &v) != nil {
		return nil
	}
	return v
}

// zeroTimes lists the JSON pointers of Go's zero time in v.
func zeroTimes(v any, at string) []string {
	switch v := v.(type) {
	case string:
		if strings.HasPrefix(v, "0001-01-01T00:00:00") {
			return []string{at}
		}
	case map[string]any:
		var out []string
		for _, k := range slices.Sorted(maps.Keys(v)) {
			out = append(out, zeroTimes(v[k], at+"/"+k)...)
		}
		return out
	case []any:
		var out []string
		for i, e := range v {
			out = append(out, zeroTimes(e, fmt.Sprintf("%s/%d", at, i))...)
		}
		return out
	}
	return nil
}

var snakeCase = regexp.MustCompile(`^[a-z][a-z0-9_]*$`)

// lintNames lists the properties of the schemas in v whose names are not
// snake_case (Go field names leaking through a missing json tag).
func lintNames(v any, at string) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		for _, k := range slices.Sorted(maps.Keys(v)) {
			if props, ok := v[k].(map[string]any); ok && k == "properties" {
				for _, name := range slices.Sorted(maps.Keys(props)) {
					if name != "$schema" && !snakeCase.MatchString(name) {
						out = append(out, fmt.Sprintf("%q at %s", name, at))
					}
				}
			}
			out = append(out, lintNames(v[k], at+"/"+k)...)
		}
	case []any:
		for i, e := range v {
			out = append(out, lintNames(e, fmt.Sprintf("%s/%d", at, i))...)
		}
	}
	return out
}

// lintAnswers lints the names of what answers hold: the responses of
// every operation and the schemas they reach. Request bodies are left out:
// the inbound webhooks take their senders' own formats (camelCase
// Alertmanager and Grafana bodies).
func lintAnswers(doc map[string]any) []string {
	schemas, _ := doc["components"].(map[string]any)["schemas"].(map[string]any)
	var out []string
	seen := map[string]bool{}
	var visit func(v any, at string)
	visit = func(v any, at string) {
		out = append(out, lintNames(v, at)...)
		for _, ref := range refs(v) {
			name := strings.TrimPrefix(ref, "#/components/schemas/")
			if sc, ok := schemas[name]; ok && !seen[name] {
				seen[name] = true
				visit(sc, "#/components/schemas/"+name)
			}
		}
	}
	paths, _ := doc["paths"].(map[string]any)
	for _, p := range slices.Sorted(maps.Keys(paths)) {
		ops, _ := paths[p].(map[string]any)
		for _, m := range slices.Sorted(maps.Keys(ops)) {
			if o, ok := ops[m].(map[string]any); ok {
				visit(o["responses"], "#/paths/"+p+"/"+m+"/responses")
			}
		}
	}
	if shared, ok := doc["components"].(map[string]any)["responses"]; ok {
		visit(shared, "#/components/responses")
	}
	return out
}

// refs lists the $ref values in v.
func refs(v any) []string {
	var out []string
	switch v := v.(type) {
	case map[string]any:
		if r, ok := v["$ref"].(string); ok {
			out = append(out, r)
		}
		for _, e := range v {
			out = append(out, refs(e)...)
		}
	case []any:
		for _, e := range v {
			out = append(out, refs(e)...)
		}
	}
	return out
}

// strictArrays turns every "type": ["array", "null"] into "type": "array".
func strictArrays(v any) {
	switch v := v.(type) {
	case map[string]any:
		if ts, ok := v["type"].([]any); ok && len(ts) == 2 && slices.Contains(ts, any("array")) && slices.Contains(ts, any("null")) {
			v["type"] = "array"
		}
		for _, e := range v {
			strictArrays(e)
		}
	case []any:
		for _, e := range v {
			strictArrays(e)
		}
	}
}
