package httpapi_test

import (
	"net/url"
	"strings"
	"testing"
)

func TestSearchIncidents(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Checkout errors","summary":"the payment <script>alert(1)</script> call times out"}`)
	s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Payment provider down"}`)
	s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Hidden payment fraud","restricted":true}`)
	if a := s.call(t, "rita", "POST", "/api/v1/incidents/INC-2/timeline", `{"kind":"note","body":"the provider says the payment API recovered"}`); a.status != 201 {
		t.Fatalf("note: %d %s", a.status, a.raw)
	}
	list := func(user, q string) []map[string]any {
		t.Helper()
		a := s.call(t, user, "GET", "/api/v1/incidents?q="+url.QueryEscape(q), "")
		if a.status != 200 {
			t.Fatalf("q=%q: %d %s", q, a.status, a.raw)
		}
		var out []map[string]any
		items, _ := a.body["items"].([]any)
		for _, it := range items {
			out = append(out, it.(map[string]any))
		}
		return out
	}
	items := list("rob", "script")
	if len(items) != 1 || items[0]["ref"] != "INC-1" {
		t.Fatalf("q=script: %v", items)
	}
	m, _ := items[0]["match"].(map[string]any)
	if m["field"] != "summary" || m["snippet"] != "the payment &lt;<mark>script</mark>&gt;alert(1)&lt;/<mark>script</mark>&gt; call times out" {
		t.Fatalf("match: %v", m)
	}
	if f, _ := m["fragments"].([]any); len(f) < 3 {
		t.Fatalf("fragments: %v", m["fragments"])
	}
	// Ranked: a hit in the title before one in the summary; rob never sees
	// the restricted one, rita (who declared it) does.
	refs := func(items []map[string]any) string {
		var r []string
		for _, it := range items {
			r = append(r, it["ref"].(string))
		}
		return strings.Join(r, " ")
	}
	if got := refs(list("rob", "payment")); got != "INC-2 INC-1" {
		t.Fatalf("rob q=payment: %s", got)
	}
	if got := refs(list("rita", "payment")); got != "INC-3 INC-2 INC-1" && got != "INC-2 INC-3 INC-1" {
		t.Fatalf("rita q=payment: %s", got)
	}
	if items := list("rob", "recovered"); len(items) != 1 || items[0]["match"].(map[string]any)["field"] != "timeline" {
		t.Fatalf("q=recovered: %v", items)
	}
	// Pages of a ranked list follow its order.
	a := s.call(t, "rob", "GET", "/api/v1/incidents?q=payment&limit=1", "")
	next, _ := a.body["next_cursor"].(string)
	b := s.call(t, "rob", "GET", "/api/v1/incidents?q=payment&limit=1&cursor="+url.QueryEscape(next), "")
	if first, second := a.body["items"].([]any), b.body["items"].([]any); next == "" || len(first) != 1 || len(second) != 1 ||
		first[0].(map[string]any)["ref"] != "INC-2" || second[0].(map[string]any)["ref"] != "INC-1" {
		t.Fatalf("pages: %s / %s", a.raw, b.raw)
	}
	// Query syntax of either backend is words here, never a 500.
	for _, q := range []string{`"`, `*`, `NEAR(payment`, `payment OR`, `col:payment`, `(`, `-payment`, "\u0301"} {
		list("rob", q)
	}
	// A ref finds its incident, with no passage.
	if items := list("rob", "inc-2"); len(items) != 1 || items[0]["match"] != nil {
		t.Fatalf("q=inc-2: %v", items)
	}
}
