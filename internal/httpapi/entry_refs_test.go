package httpapi_test

import (
	"strings"
	"testing"
)

// A timeline entry names records of its incident; the API stores them
// canonical and refuses an unknown one naming refs[i].
func TestTimelineEntryRefs(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ref := s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Web shell on web-1"}`).body["ref"].(string)
	other := s.must(t, 201, "rob", "POST", "/api/v1/incidents", `{"title":"Elsewhere"}`).body["ref"].(string)
	base := "/api/v1/incidents/" + ref
	s.must(t, 201, "rita", "POST", base+"/assets", `{"kind":"host","identifier":"web-1","state":"confirmed"}`)
	added := s.must(t, 201, "rita", "POST", base+"/indicators", `{"type":"ipv4","value":"198[.]51[.]100[.]7"}`)
	_, ioc, _ := strings.Cut(added.raw, `"id":"`)
	ioc, _, _ = strings.Cut(ioc, `"`)
	s.must(t, 201, "rita", "POST", base+"/evidence", `{"name":"Memory dump","sha256":"`+strings.Repeat("e", 64)+`","size":1024,"location":"Safe 3"}`)
	s.must(t, 201, "rob", "POST", "/api/v1/incidents/"+other+"/assets", `{"kind":"host","identifier":"db-9"}`)

	a := s.must(t, 201, "rita", "POST", base+"/timeline", `{"kind":"decision","body":"Isolate web-1; the shell called home","refs":["asset:host:web-1","indicator:198.51.100.7","evidence:ev-1","asset:host:web-1"]}`)
	want := "asset:host:web-1 indicator:" + ioc + " evidence:EV-1"
	if got := joinAny(a.body["refs"]); got != want {
		t.Fatalf("refs stored as %q, want %q: %s", got, want, a.raw)
	}
	tl := s.must(t, 200, "vera", "GET", base+"/timeline?kind=decision", "")
	items, _ := tl.body["items"].([]any)
	if len(items) != 1 || joinAny(items[0].(map[string]any)["refs"]) != want {
		t.Fatalf("timeline: %s", tl.raw)
	}

	for _, tc := range []struct{ body, field, msg string }{
		{`{"kind":"note","body":"x","refs":["asset:host:web-1","asset:host:web-9"]}`, "refs[1]", `has no asset \"host:web-9\"`},
		// Another incident's record is not this one's.
		{`{"kind":"note","body":"x","refs":["asset:host:db-9"]}`, "refs[0]", `has no asset \"host:db-9\"`},
		{`{"kind":"note","body":"x","refs":["evidence:EV-2"]}`, "refs[0]", `has no evidence \"EV-2\"`},
		{`{"kind":"note","body":"x","refs":["ticket:42"]}`, "refs[0]", "unknown kind of record"},
		{`{"kind":"note","body":"x","refs":["web-1"]}`, "refs[0]", "is not a reference"},
	} {
		a := s.refused(t, 422, tc.field, "rita", "POST", base+"/timeline", tc.body)
		if !strings.Contains(a.raw, tc.msg) {
			t.Errorf("%s: %s, want %q", tc.body, a.raw, tc.msg)
		}
	}
	if n := len(s.must(t, 200, "rita", "GET", base+"/timeline?kind=note", "").body["items"].([]any)); n != 0 {
		t.Fatalf("a refused entry was recorded: %d notes", n)
	}
}

func joinAny(v any) string {
	list, _ := v.([]any)
	var out []string
	for _, x := range list {
		s, _ := x.(string)
		out = append(out, s)
	}
	return strings.Join(out, " ")
}
