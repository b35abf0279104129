package httpapi_test

import (
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/intake"
)

// TestOpenAPIDocumentIsComplete checks what generated clients and the
// linters in .ci/run rely on: every operation has an id, a summary, a
// description and described tags, and declares each status its shape lets
// it answer, as a problem; every webhook source is in the document.
func TestOpenAPIDocumentIsComplete(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	doc := s.call(t, "", "GET", "/api/v1/openapi.json", "")
	if doc.status != 200 {
		t.Fatalf("openapi.json: %d", doc.status)
	}
	if servers, _ := doc.body["servers"].([]any); len(servers) != 1 {
		t.Errorf("servers: %v, want the one relative server", doc.body["servers"])
	}
	info, _ := doc.body["info"].(map[string]any)
	if c, _ := info["contact"].(map[string]any); c["url"] == nil {
		t.Errorf("info.contact: %v", info["contact"])
	}
	described := map[string]bool{}
	for _, raw := range doc.body["tags"].([]any) {
		tag := raw.(map[string]any)
		described[tag["name"].(string)] = tag["description"] != nil && tag["description"] != ""
	}
	shared, _ := doc.body["components"].(map[string]any)["responses"].(map[string]any)
	ids := map[string]string{}
	hooks := map[string]bool{}
	for path, ops := range doc.body["paths"].(map[string]any) {
		for method, raw := range ops.(map[string]any) {
			o := raw.(map[string]any)
			name := strings.ToUpper(method) + " " + path
			id, _ := o["operationId"].(string)
			if prev, dup := ids[id]; id == "" || dup {
				t.Errorf("%s: operationId %q (also %s)", name, id, prev)
			}
			ids[id] = name
			for _, k := range []string{"summary", "description"} {
				if v, _ := o[k].(string); v == "" {
					t.Errorf("%s has no %s", name, k)
				}
			}
			for _, tag := range o["tags"].([]any) {
				if !described[tag.(string)] {
					t.Errorf("%s: tag %q is not described in the document's tags", name, tag)
				}
			}
			if kind, ok := strings.CutPrefix(path, "/hooks/"); ok {
				hooks[strings.Split(kind, "/")[0]] = true
				continue
			}
			resps := o["responses"].(map[string]any)
			want := []string{"401", "403", "500", "503"}
			if strings.Contains(path, "{") {
				want = append(want, "404", "422")
			}
			if o["requestBody"] != nil {
				want = append(want, "400", "413", "422")
			}
			if method != "get" {
				want = append(want, "409")
			}
			for _, p := range asList(o["parameters"]) {
				if p.(map[string]any)["name"] == "If-Match" {
					want = append(want, "412")
				}
			}
			for _, code := range want {
				r, ok := resps[code].(map[string]any)
				if !ok {
					t.Errorf("%s does not declare %s", name, code)
					continue
				}
				if ref, _ := r["$ref"].(string); ref != "" {
					r, _ = shared[strings.TrimPrefix(ref, "#/components/responses/")].(map[string]any)
				}
				content, _ := r["content"].(map[string]any)
				if _, ok := content["application/problem+json"]; !ok {
					t.Errorf("%s: %s is not a problem+json answer: %v", name, code, r)
				}
			}
		}
	}
	if len(ids) < 100 {
		t.Fatalf("only %d operations", len(ids))
	}
	// Every source intake parses is documented (pagerduty once it is one).
	for _, src := range []alert.Source{alert.SourceAlertmanager, alert.SourceGrafana, alert.SourceGeneric, alert.SourceEmail, "pagerduty"} {
		if _, ok := intake.ParserFor(src); ok && !hooks[string(src)] {
			t.Errorf("the webhook /hooks/%s is not in the document", src)
		}
	}
	for _, code := range []string{"429", "503"} {
		r, _ := shared[map[string]string{"429": "TooManyRequests", "503": "ServiceUnavailable"}[code]].(map[string]any)
		if h, _ := r["headers"].(map[string]any); h["Retry-After"] == nil {
			t.Errorf("the shared %s answer does not document Retry-After: %v", code, r)
		}
	}
	contacts, _ := doc.body["paths"].(map[string]any)["/api/v1/users/{username}/contacts"].(map[string]any)
	if post, _ := contacts["post"].(map[string]any); post["responses"].(map[string]any)["429"] == nil {
		t.Error("add-contact, limited to 5 codes per 15 minutes, does not declare 429")
	}
}

func asList(v any) []any { l, _ := v.([]any); return l }
