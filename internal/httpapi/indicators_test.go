package httpapi_test

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

func TestIndicatorsOverHTTP(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"phishing wave"}`)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"board member mailbox","restricted":true}`)
	for _, ref := range []string{"INC-2", "INC-1"} {
		a := s.must(t, 201, "rita", "POST", "/api/v1/incidents/"+ref+"/indicators", `{"type":"ipv4","value":"198[.]51[.]100[.]7","tlp":"TLP:AMBER+STRICT"}`)
		if !strings.Contains(a.raw, `"value":"198.51.100.7"`) || !strings.Contains(a.raw, `"tlp":"amber+strict"`) {
			t.Fatalf("add: %s", a.raw)
		}
	}
	s.refused(t, 409, "value", "rita", "POST", "/api/v1/incidents/INC-1/indicators", `{"type":"ipv4","value":"198.51.100.7"}`)
	s.refused(t, 422, "value", "rita", "POST", "/api/v1/incidents/INC-1/indicators", `{"type":"sha256","value":"abc"}`)
	s.refused(t, 422, "text", "rita", "POST", "/api/v1/incidents/INC-1/indicators", `{"text":"nothing here","preview":true}`)

	text := `{"text":"C2 hxxps://evil[.]example/login and 198.51.100.7, dropper d41d8cd98f00b204e9800998ecf8427e","preview":true}`
	a := s.must(t, 200, "rita", "POST", "/api/v1/incidents/INC-1/indicators", text)
	var prev struct {
		Candidates []struct{ Type, Value string }
	}
	if err := json.Unmarshal([]byte(a.raw), &prev); err != nil || len(prev.Candidates) != 3 || prev.Candidates[0].Value != "https://evil.example/login" {
		t.Fatalf("preview: %s", a.raw)
	}
	if n := len(s.indicators(t, "rita", "INC-1")); n != 1 {
		t.Fatalf("a preview saved: %d indicators", n)
	}
	a = s.must(t, 201, "rita", "POST", "/api/v1/incidents/INC-1/indicators", strings.Replace(text, `"preview":true`, `"source":"mail gateway"`, 1))
	var added struct{ Added, Existing []json.RawMessage }
	if err := json.Unmarshal([]byte(a.raw), &added); err != nil || len(added.Added) != 2 || len(added.Existing) != 1 {
		t.Fatalf("paste: %s", a.raw)
	}

	list := s.indicators(t, "rita", "INC-1")
	ip := list[0]
	if ip.Value != "198.51.100.7" || len(ip.SeenBefore) != 1 || ip.SeenBefore[0].IncidentRef != "INC-2" {
		t.Fatalf("rita's seen before: %+v", ip)
	}
	if robs := s.indicators(t, "rob", "INC-1"); len(robs[0].SeenBefore) != 0 {
		t.Fatalf("rob sees the restricted incident's indicator: %+v", robs[0].SeenBefore)
	}
	s.refused(t, 404, "ref", "rob", "GET", "/api/v1/incidents/INC-2/indicators", "")

	a = s.must(t, 200, "rita", "PATCH", "/api/v1/incidents/INC-1/indicators/"+ip.ID, `{"state":"blocked","confidence":90}`)
	if !strings.Contains(a.raw, `"state":"blocked"`) || !strings.Contains(a.raw, `"confidence":90`) {
		t.Fatalf("patch: %s", a.raw)
	}
	s.refused(t, 422, "state", "rita", "PATCH", "/api/v1/incidents/INC-1/indicators/"+ip.ID, `{"state":"closed"}`)
	s.refused(t, 403, "", "vera", "PATCH", "/api/v1/incidents/INC-1/indicators/"+ip.ID, `{"state":"active"}`)

	for user, want := range map[string][]string{"vera": {"INC-1"}, "rita": {"INC-1", "INC-2"}} {
		a := s.must(t, 200, user, "GET", "/api/v1/indicators/lookup?value=198%5B.%5D51.100.7", "")
		var got httpapi.LookupOutput
		if err := json.Unmarshal([]byte(a.raw), &got.Body); err != nil {
			t.Fatal(err)
		}
		var refs []string
		for _, x := range got.Body.Sightings {
			refs = append(refs, x.IncidentRef)
		}
		slices.Sort(refs)
		if !slices.Equal(refs, want) {
			t.Errorf("%s looks up 198.51.100.7: %v, want %v", user, refs, want)
		}
	}
	tl := s.must(t, 200, "rita", "GET", "/api/v1/incidents/INC-1/timeline", "")
	for _, want := range []string{"indicator added: ipv4 198.51.100.7 (TLP:AMBER+STRICT)", "2 indicators added: 1 url, 1 md5", "indicator ipv4 198.51.100.7: state active → blocked; confidence 50 → 90"} {
		if !strings.Contains(tl.raw, want) {
			t.Errorf("the timeline lacks %q", want)
		}
	}
}

func (s *setup) indicators(t *testing.T, user, ref string) []httpapi.IndicatorView {
	t.Helper()
	a := s.must(t, 200, user, "GET", "/api/v1/incidents/"+ref+"/indicators", "")
	var out struct{ Items []httpapi.IndicatorView }
	if err := json.Unmarshal([]byte(a.raw), &out); err != nil {
		t.Fatal(err)
	}
	return out.Items
}

func TestIndicatorsExportAndImport(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"source"}`)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"target"}`)
	s.must(t, 201, "rita", "POST", "/api/v1/incidents/INC-1/indicators", `{"text":"hxxp://evil[.]example/x 198.51.100.7 CVE-2024-3094 C:\\Users\\Public\\x.exe","tlp":"red"}`)
	a := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1/indicators/export?format=stix", "")
	if ct := a.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/stix+json") {
		t.Fatalf("Content-Type %q", ct)
	}
	for _, want := range []string{`"pattern": "[ipv4-addr:value = '198.51.100.7']"`, `"marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1"`, `"tlp_2_0": "red"`} {
		if !strings.Contains(a.raw, want) {
			t.Errorf("the bundle lacks %s:\n%s", want, a.raw)
		}
	}
	imp := s.must(t, 201, "rita", "POST", "/api/v1/incidents/INC-2/indicators/import", a.raw)
	var res struct {
		Added   []struct{ Type, Value, TLP string }
		Skipped int
	}
	if err := json.Unmarshal([]byte(imp.raw), &res); err != nil || len(res.Added) != 4 || res.Skipped != 0 {
		t.Fatalf("import: %s", imp.raw)
	}
	// The same set both ways: INC-2 exports what INC-1 did, but for the
	// bundle's own ID.
	b := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-2/indicators/export", "")
	patterns := func(raw string) []string {
		var bundle struct{ Objects []map[string]any }
		if err := json.Unmarshal([]byte(raw), &bundle); err != nil {
			t.Fatal(err)
		}
		var out []string
		for _, o := range bundle.Objects {
			out = append(out, o["id"].(string)+" "+strings.Join(toStrings(o["object_marking_refs"]), ","))
		}
		slices.Sort(out)
		return out
	}
	if x, y := patterns(a.raw), patterns(b.raw); !slices.Equal(x, y) {
		t.Errorf("round trip:\n%v\n%v", x, y)
	}
	c := s.must(t, 200, "vera", "GET", "/api/v1/incidents/INC-1/indicators/export?format=csv", "")
	if !strings.HasPrefix(c.raw, "id,type,value,tlp") || !strings.Contains(c.raw, "cve,CVE-2024-3094,red") {
		t.Errorf("csv:\n%s", c.raw)
	}
	s.refused(t, 422, "bundle", "rita", "POST", "/api/v1/incidents/INC-2/indicators/import", `{"type":"not-a-bundle"}`)
}

func toStrings(v any) []string {
	var out []string
	list, _ := v.([]any)
	for _, x := range list {
		out = append(out, x.(string))
	}
	return out
}
