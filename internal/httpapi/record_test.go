package httpapi_test

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// steps runs calls as user, each answering want, and fails with the answer
// when one does not.
func (s *setup) steps(t *testing.T, user string, calls ...[4]string) {
	t.Helper()
	for _, c := range calls {
		if a := s.call(t, user, c[0], c[1], c[2]); a.status != atoi(c[3]) {
			t.Fatalf("%s %s %s: %d %s", c[0], c[1], c[2], a.status, a.raw)
		}
	}
}

func atoi(s string) int {
	n := 0
	for _, r := range s {
		n = n*10 + int(r-'0')
	}
	return n
}

// verify runs the offline audit: every chain intact, every projection the
// fold of its events.
func (s *setup) verify(t *testing.T) {
	t.Helper()
	rep, err := audit.Verify(context.Background(), s.app.DB)
	if err != nil {
		t.Fatal(err)
	}
	if !rep.OK() {
		t.Fatalf("audit verify: %v", rep.Problems)
	}
}

// TestPublishedPostmortemStaysPublished is defect 2 of issue 12 through the
// API on a closed SEV1: back to draft is refused naming status (also with a
// ticked item, the console's old "Save draft"); a changed text needs a
// reason and becomes revision 2 with its author, time, reason and hash;
// ticking an item changes only the item; published_at never moves; the
// incident stays closed and the record verifies.
func TestPublishedPostmortemStaysPublished(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	items := `[{"title":"Scan CI for secrets","owner":"rita","done":false},{"title":"Rotate deploy keys","owner":"rob","done":false}]`
	s.steps(t, "rita",
		[4]string{"POST", "/api/v1/incidents", `{"title":"Leaked deploy key","severity":"SEV1"}`, "201"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"ir_lead","user":"rita"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"active"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"incident_commander","user":"rita"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"contained"}`, "200"},
		[4]string{"PATCH", "/api/v1/incidents/INC-1", `{"root_cause":"a CI log printed the key"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"eradicated"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"recovered"}`, "200"},
		[4]string{"PUT", "/api/v1/incidents/INC-1/postmortem", `{"status":"published","body":"# Review v1","action_items":` + items + `}`, "200"},
	)
	waiveOpenDuties(t, s.app.Services.Duties, "INC-1")
	s.steps(t, "rita", [4]string{"POST", "/api/v1/incidents/INC-1/transition", `{"to":"closed"}`, "200"})
	pm := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1/postmortem", "")
	first, _ := pm.body["published_at"].(string)
	if pm.body["status"] != "published" || first == "" {
		t.Fatalf("published post-mortem: %s", pm.raw)
	}
	still := func(t *testing.T, body string) {
		t.Helper()
		pm := s.call(t, "rob", "GET", "/api/v1/incidents/INC-1/postmortem", "")
		if pm.body["status"] != "published" || pm.body["published_at"] != first || pm.body["body"] != body {
			t.Fatalf("post-mortem now %v, published_at %v (want %s), body %q", pm.body["status"], pm.body["published_at"], first, pm.body["body"])
		}
		if inc := s.call(t, "rob", "GET", "/api/v1/incidents/INC-1", ""); inc.body["state"] != "closed" {
			t.Fatalf("incident is %v", inc.body["state"])
		}
	}
	refused := []struct{ name, body, field string }{
		{"back to draft (the CLI's --status draft)", `{"status":"draft","body":"# Review v1","action_items":` + items + `}`, "status"},
		{"draft with an item ticked (the console's old Save draft)", `{"status":"draft","body":"# Review v1","action_items":[{"title":"Scan CI for secrets","owner":"rita","done":true},{"title":"Rotate deploy keys","owner":"rob","done":false}]}`, "status"},
		{"a new text without a reason", `{"status":"published","body":"# Review v2","action_items":` + items + `}`, "reason"},
	}
	for _, r := range refused {
		a := s.call(t, "rob", "PUT", "/api/v1/incidents/INC-1/postmortem", r.body)
		if a.status != 422 || !slices.Contains(a.locations(), r.field) {
			t.Errorf("%s: %d %s, want 422 naming %s", r.name, a.status, a.raw, r.field)
		}
		still(t, "# Review v1")
	}

	// Ticking an item: only the item changes.
	a := s.call(t, "rob", "PUT", "/api/v1/incidents/INC-1/postmortem/action-items/2", `{"done":true}`)
	if a.status != 200 {
		t.Fatalf("tick item 2: %d %s", a.status, a.raw)
	}
	got, _ := a.body["action_items"].([]any)
	if len(got) != 2 || got[1].(map[string]any)["done"] != true || got[0].(map[string]any)["done"] != false {
		t.Fatalf("items after ticking 2: %v", got)
	}
	still(t, "# Review v1")
	if a := s.call(t, "rob", "PUT", "/api/v1/incidents/INC-1/postmortem/action-items/3", `{"done":true}`); a.status != 404 {
		t.Errorf("tick item 3 of 2: %d %s", a.status, a.raw)
	}

	// A revision with a reason.
	const reason = "the vendor's forensics report moves the first access to 02:40"
	a = s.call(t, "rob", "PUT", "/api/v1/incidents/INC-1/postmortem", `{"status":"published","body":"# Review v2","lessons":"Log scrubbing","action_items":[{"title":"Scan CI for secrets","owner":"rita","done":false},{"title":"Rotate deploy keys","owner":"rob","done":true}],"reason":"`+reason+`"}`)
	if a.status != 200 {
		t.Fatalf("revision: %d %s", a.status, a.raw)
	}
	still(t, "# Review v2")

	var revs struct {
		Ref         string              `json:"ref"`
		PublishedAt string              `json:"published_at"`
		Items       []incident.Revision `json:"items"`
	}
	a = s.call(t, "vera", "GET", "/api/v1/incidents/INC-1/postmortem/revisions", "")
	if a.status != 200 || json.Unmarshal([]byte(a.raw), &revs) != nil {
		t.Fatalf("revisions: %d %s", a.status, a.raw)
	}
	if len(revs.Items) != 2 || revs.PublishedAt != first {
		t.Fatalf("revisions: %s", a.raw)
	}
	r1, r2 := revs.Items[0], revs.Items[1]
	want1 := incident.PostmortemTextHash("# Review v1", "", []incident.ActionItem{{Title: "Scan CI for secrets", Owner: "rita"}, {Title: "Rotate deploy keys", Owner: "rob"}})
	want2 := incident.PostmortemTextHash("# Review v2", "Log scrubbing", []incident.ActionItem{{Title: "Scan CI for secrets", Owner: "rita"}, {Title: "Rotate deploy keys", Owner: "rob"}})
	if r1.N != 1 || r1.Author != "rita" || r1.Reason != "" || r1.TextSHA256 != want1 || r1.At.Format("2006-01-02T15:04:05.999999Z07:00") != first {
		t.Errorf("revision 1: %+v (published_at %s)", r1, first)
	}
	if r2.N != 2 || r2.Author != "rob" || r2.Reason != reason || r2.TextSHA256 != want2 || r2.Body != "# Review v2" || !r2.At.After(r1.At) {
		t.Errorf("revision 2: %+v", r2)
	}
	// Each revision is an event on the hash chain.
	tl := s.call(t, "vera", "GET", "/api/v1/incidents/INC-1/timeline", "")
	var timeline struct {
		Items []struct {
			Seq  int64  `json:"seq"`
			Type string `json:"type"`
			Text string `json:"text"`
			Hash string `json:"hash"`
		} `json:"items"`
	}
	json.Unmarshal([]byte(tl.raw), &timeline)
	var texts []string
	for _, e := range timeline.Items {
		if e.Seq == r2.Seq && (e.Type != incident.EvPostmortemRevised || e.Hash == "") {
			t.Errorf("revision 2's event %d is %s", e.Seq, e.Type)
		}
		texts = append(texts, e.Text)
	}
	all := strings.Join(texts, "\n")
	for _, want := range []string{"action item 2 done: Rotate deploy keys", "post-mortem revised (text sha256 " + want2[:12] + "): " + reason} {
		if !strings.Contains(all, want) {
			t.Errorf("the timeline lacks %q:\n%s", want, all)
		}
	}
	s.verify(t)
}

// TestRolesHandOver is defect 3 of issue 12 through the API: a single-holder
// role given to someone else is handed over in one event with the note, the
// previous holder stays as a responder (and still sees the restricted
// incident); responders are many.
func TestRolesHandOver(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	s.steps(t, "admin",
		[4]string{"POST", "/api/v1/incidents", `{"title":"Restricted breach","severity":"SEV1","restricted":true}`, "201"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"incident_commander","user":"rita"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"ir_lead","user":"rita"}`, "200"},
	)
	if a := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1", ""); a.status != 200 {
		t.Fatalf("rita cannot see the incident she commands: %d", a.status)
	}
	for _, role := range []string{"incident_commander", "ir_lead", "comms_lead", "scribe"} {
		t.Run(role, func(t *testing.T) {
			// comms_lead and scribe are first given to rita here.
			s.call(t, "admin", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"`+role+`","user":"rita"}`)
			before := s.call(t, "admin", "GET", "/api/v1/incidents/INC-1", "")
			a := s.call(t, "admin", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"`+role+`","user":"rob","note":"rita is off shift at 18:00"}`)
			if a.status != 200 {
				t.Fatalf("hand over: %d %s", a.status, a.raw)
			}
			if v, w := a.body["version"].(float64), before.body["version"].(float64)+1; v != w {
				t.Errorf("the handover recorded %v events, want one", v-w+1)
			}
			holders := map[string][]string{}
			for _, r := range a.body["roles"].([]any) {
				m := r.(map[string]any)
				holders[m["role"].(string)] = append(holders[m["role"].(string)], m["user"].(string))
			}
			if h := holders[role]; len(h) != 1 || h[0] != "rob" {
				t.Errorf("%s holders %v, want [rob]", role, h)
			}
			if h := holders["responder"]; !slices.Contains(h, "rita") || len(h) != len(slices.Compact(slices.Sorted(slices.Values(h)))) {
				t.Errorf("responders %v, want rita once", h)
			}
			tl := s.call(t, "admin", "GET", "/api/v1/incidents/INC-1/timeline?order=desc", "")
			last := tl.body["items"].([]any)[0].(map[string]any)
			title := incident.Role(role).Title()
			if last["type"] != incident.EvRoleHandedOver || last["text"] != title+" handed over from rita to rob (rita stays as responder): rita is off shift at 18:00" {
				t.Errorf("the timeline's last entry: %v %v", last["type"], last["text"])
			}
			data, _ := last["data"].(map[string]any)
			if data["from"] != "rita" || data["to"] != "rob" || data["note"] != "rita is off shift at 18:00" {
				t.Errorf("event data %v", data)
			}
			// Give it back so the next role starts from rita again.
			if a := s.call(t, "admin", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"`+role+`","user":"rita"}`); a.status != 200 {
				t.Fatalf("hand back: %d %s", a.status, a.raw)
			}
		})
	}
	// rita keeps seeing the restricted incident, as a responder too.
	s.call(t, "admin", "POST", "/api/v1/incidents/INC-1/roles", `{"role":"incident_commander","user":"rob"}`)
	if a := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1", ""); a.status != 200 {
		t.Errorf("rita lost sight of the restricted incident after handing over: %d", a.status)
	}
	if a := s.call(t, "rita", "GET", "/api/v1/incidents?limit=10", ""); len(a.body["items"].([]any)) != 1 {
		t.Errorf("rita's list lost the restricted incident: %s", a.raw)
	}
	// Responders are many.
	s.steps(t, "admin",
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"responder","user":"rob"}`, "200"},
		[4]string{"POST", "/api/v1/incidents/INC-1/roles", `{"role":"responder","user":"vera"}`, "200"},
	)
	inc := s.call(t, "admin", "GET", "/api/v1/incidents/INC-1", "")
	n := 0
	for _, r := range inc.body["roles"].([]any) {
		if r.(map[string]any)["role"] == "responder" {
			n++
		}
	}
	if n != 3 {
		t.Errorf("%d responders, want rita, rob and vera: %v", n, inc.body["roles"])
	}
	s.verify(t)
}
