package httpapi_test

import (
	"context"
	"encoding/json"
	"errors"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/plan"
)

// TestPlansAPI: everyone signed in reads the plans (the built-in library
// on a fresh server); administrators put them as JSON or YAML — a new
// version only when they changed, every problem a 422 with its field —
// and delete them; older versions stay readable.
func TestPlansAPI(t *testing.T) {
	t.Parallel()
	s := newSetupWith(t, func(c *app.Config) { c.Library = plan.Library() })
	ctx := context.Background()
	list := s.call(t, "vera", "GET", "/api/v1/plans", "")
	items, _ := list.body["items"].([]any)
	if list.status != 200 || len(items) != len(plan.Library()) || len(items) != 10 {
		t.Fatalf("a viewer lists the plans: %d, %d items, want the %d built-in ones", list.status, len(items), len(plan.Library()))
	}
	cred, err := s.admin.Plan(ctx, "credential-compromise", 0)
	if err != nil || cred.Version != 1 || cred.Source != plan.SourceBuiltin || cred.Hash != cred.Plan.Hash() || len(cred.Tasks) == 0 {
		t.Fatalf("a built-in plan: %+v %v", cred, err)
	}

	// A new plan, as JSON.
	p := plan.Plan{Name: "webshop-outage", Title: "Web shop outage", AppliesTo: plan.Match{Types: []string{"availability.webshop"}},
		Tasks: []plan.Task{{Key: "failover", Phase: plan.Contain, Title: "Fail over to the standby", Owner: "incident_commander", Due: "PT15M", Required: true}}}
	body, _ := json.Marshal(p)
	if a := s.call(t, "rita", "PUT", "/api/v1/plans/webshop-outage", string(body)); a.status != 403 {
		t.Fatalf("a responder puts a plan: %d %s", a.status, a.raw)
	}
	a := s.call(t, "admin", "PUT", "/api/v1/plans/webshop-outage", string(body))
	if a.status != 200 || a.body["result"] != "created" {
		t.Fatalf("put as JSON: %d %s", a.status, a.raw)
	}
	v1, res, err := s.admin.PutPlan(ctx, p)
	if err != nil || res != httpapi.PlanUnchanged || v1.Version != 1 || v1.CreatedBy != "admin" || v1.Source != plan.SourceAPI {
		t.Fatalf("the same plan again: %+v %q %v", v1, res, err)
	}

	// The next version, as YAML.
	text := "name: webshop-outage\ntitle: Web shop outage\ntasks:\n  - key: failover\n    phase: contain\n    title: Fail over to the standby\n    owner: incident_commander\n    due: PT10M\n    required: true\n"
	v2, res, err := s.admin.PutPlanYAML(ctx, "webshop-outage", text)
	if err != nil || res != httpapi.PlanUpdated || v2.Version != 2 || v2.Tasks[0].Due != "PT10M" || len(v2.AppliesTo.Types) != 0 {
		t.Fatalf("put as YAML: %+v %q %v", v2, res, err)
	}
	old, err := s.admin.Plan(ctx, "webshop-outage", 1)
	if err != nil || old.Version != 1 || old.Tasks[0].Due != "PT15M" || old.Hash != v1.Hash {
		t.Fatalf("version 1 after the edit: %+v %v", old, err)
	}

	// Every problem at once, each with its field.
	bad := "name: webshop-outage\ntitle: Web shop outage\ntasks:\n  - key: failover\n    phase: contain\n    title: Fail over\n    owner: wizard\n    due: soon\n    colour: red\n"
	_, _, err = s.admin.PutPlanYAML(ctx, "webshop-outage", bad)
	var ce *client.Error
	if !asClientError(err, &ce) || ce.Status != 422 {
		t.Fatalf("a plan with problems: %v", err)
	}
	for _, f := range []string{"tasks[0].owner", "tasks[0].due", "tasks[0].colour"} {
		if !slices.Contains(ce.Fields(), f) {
			t.Fatalf("problems %v lack %s: %v", ce.Fields(), f, err)
		}
	}
	if !strings.Contains(err.Error(), "line 7, column") {
		t.Fatalf("the problems do not say where they are: %v", err)
	}
	if a := s.call(t, "admin", "PUT", "/api/v1/plans/other-name", string(body)); a.status != 422 || !slices.Contains(a.locations(), "name") {
		t.Fatalf("a plan put under another name: %d %s", a.status, a.raw)
	}
	if a := s.call(t, "admin", "PUT", "/api/v1/plans/webshop-outage", `{"name":"webshop-outage","title":"x","tasks":[],"extra":1}`); a.status != 422 ||
		!slices.Contains(a.locations(), "extra") || !slices.Contains(a.locations(), "tasks") {
		t.Fatalf("a JSON plan with an unknown field and no tasks: %d %s", a.status, a.raw)
	}
	if vs, err := s.admin.PlanVersions(ctx, "webshop-outage"); err != nil || len(vs) != 2 {
		t.Fatalf("refused puts wrote versions: %+v %v", vs, err)
	}

	// Delete: gone from the list, versions kept, numbering continued.
	if a := s.call(t, "rita", "DELETE", "/api/v1/plans/webshop-outage", ""); a.status != 403 {
		t.Fatalf("a responder deletes a plan: %d", a.status)
	}
	if err := s.admin.DeletePlan(ctx, "webshop-outage"); err != nil {
		t.Fatal(err)
	}
	if a := s.call(t, "admin", "DELETE", "/api/v1/plans/webshop-outage", ""); a.status != 404 {
		t.Fatalf("deleting twice: %d %s", a.status, a.raw)
	}
	if a := s.call(t, "vera", "GET", "/api/v1/plans/webshop-outage", ""); a.status != 404 {
		t.Fatalf("a deleted plan: %d %s", a.status, a.raw)
	}
	ps, err := s.admin.Plans(ctx)
	if err != nil || len(ps) != 10 || slices.ContainsFunc(ps, func(v plan.Versioned) bool { return v.Name == "webshop-outage" }) {
		t.Fatalf("list after delete: %d plans %v", len(ps), err)
	}
	vs, err := s.admin.PlanVersions(ctx, "webshop-outage")
	if err != nil || len(vs) != 3 || !vs[2].Deleted || vs[2].CreatedBy != "admin" || vs[0].Tasks != 1 {
		t.Fatalf("versions after delete: %+v %v", vs, err)
	}
	if old, err := s.admin.Plan(ctx, "webshop-outage", 2); err != nil || old.Version != 2 {
		t.Fatalf("a deleted plan's version: %+v %v", old, err)
	}
	if v, res, err := s.admin.PutPlan(ctx, p); err != nil || res != httpapi.PlanCreated || v.Version != 4 {
		t.Fatalf("put after delete: %+v %q %v", v, res, err)
	}
}

// PlanView answers exactly plan.Versioned's JSON, so clients read it
// into the domain type.
func TestPlanViewIsVersionedJSON(t *testing.T) {
	t.Parallel()
	for _, p := range plan.Library() {
		v := plan.Versioned{Plan: p, Version: 3, Hash: p.Hash(), Source: plan.SourceBuiltin, CreatedAt: time.Date(2026, 1, 2, 3, 4, 5, 0, time.UTC), CreatedBy: "x"}
		var got plan.Versioned
		b, _ := json.Marshal(httpapi.PlanOutput{Body: httpapi.PlanViewOf(v)}.Body)
		if err := json.Unmarshal(b, &got); err != nil || !reflect.DeepEqual(got, v) {
			t.Fatalf("%s through PlanView:\n got %+v %v\nwant %+v", p.Name, got, err, v)
		}
	}
}

func asClientError(err error, ce **client.Error) bool { return errors.As(err, ce) }
