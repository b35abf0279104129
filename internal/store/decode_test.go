package store

import (
	"encoding/json"
	"reflect"
	"syscall"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// benchIncident is an incident as the load tool leaves it: declared with
// three labels, an IR Lead assigned, activated.
func benchIncident(tb testing.TB) incident.Incident {
	tb.Helper()
	p := incident.DefaultPolicy()
	now := time.Date(2026, 12, 7, 22, 0, 0, 0, time.UTC)
	changes, err := p.Declare(incident.DeclareInput{
		Title: "bench incident 7", Summary: "Synthetic incident declared by the Firebreak load tool.",
		Type: "availability.latency", Severity: "SEV3", Source: incident.SourceAlert,
		Labels:   map[string]string{"team": "payments", "customer": "acme", "env": "prod"},
		Affected: []string{"checkout-api"},
	}, "0193a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b", 7, now)
	if err != nil {
		tb.Fatal(err)
	}
	steps := []func(inc *incident.Incident) ([]incident.Change, error){
		func(inc *incident.Incident) ([]incident.Change, error) {
			return p.Assign(inc, incident.IRLead, "lead", "")
		},
		func(inc *incident.Incident) ([]incident.Change, error) {
			return p.Transition(inc, incident.Active, "", now, incident.Known{})
		},
	}
	inc, _, err := incident.Record(incident.Incident{}, changes, "viewer", now)
	for _, step := range steps {
		if err != nil {
			tb.Fatal(err)
		}
		if changes, err = step(&inc); err != nil {
			tb.Fatal(err)
		}
		inc, _, err = incident.Record(inc, changes, "viewer", now)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return inc
}

func encodeDoc(tb testing.TB, inc incident.Incident) string {
	tb.Helper()
	b, err := json.Marshal(&inc)
	if err != nil {
		tb.Fatal(err)
	}
	return string(b)
}

// TestDecodeIncidentAsEncodingJSON: the store reads a projection exactly
// as encoding/json does, a post-mortem stored before the structured
// document and keys spelt in another case included.
func TestDecodeIncidentAsEncodingJSON(t *testing.T) {
	t.Parallel()
	inc := benchIncident(t)
	written := inc
	written.Postmortem.Doc = incident.PostmortemDoc{Summary: "It broke.", Whys: []string{"a", "b"},
		RootCauses: []incident.Cause{{Category: "software", Text: "a bug"}},
		Timeline:   []incident.TimelineItem{{Seq: 2, At: inc.DeclaredAt, RecordedAt: &inc.DeclaredAt, Text: "paged"}}}.Normalized()
	written.Postmortem.TextSHA256 = incident.DocHash(written.Postmortem.Doc)
	written.Postmortem.Authors = []string{"lead"}
	written.Postmortem.Reviews = []incident.Review{{Reviewer: "bob", Verdict: "approve", TextSHA256: written.Postmortem.TextSHA256, At: inc.DeclaredAt}}
	written.Postmortem.PublishedAt = &inc.DeclaredAt
	docs := map[string]string{
		"as the load leaves it":      encodeDoc(t, inc),
		"with a post-mortem written": encodeDoc(t, written),
		"legacy post-mortem": `{"ref":"INC-1","postmortem":{"status":"published","body":"old text","lessons":"l",` +
			`"action_items":[{"title":"x","owner":"y","done":false}],"published_at":"2026-11-25T10:00:00Z"}}`,
		"no post-mortem":       `{"ref":"INC-2","number":2,"labels":null,"roles":[]}`,
		"keys in another case": `{"Ref":"INC-3","TITLE":"x","Postmortem":{"STATUS":"draft","Doc":{"Summary":"s"}},"unknown":1}`,
	}
	for name, doc := range docs {
		var want incident.Incident
		if err := json.Unmarshal([]byte(doc), &want); err != nil {
			t.Fatalf("%s: encoding/json: %v", name, err)
		}
		got, err := decodeIncident(doc)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("%s: read\n%+v\nencoding/json reads\n%+v", name, got, want)
		}
	}
	if _, err := decodeIncident(`{"ref":`); err == nil {
		t.Error("a truncated projection read without an error")
	}
}

// BenchmarkDecodeIncident measures reading an incident's stored projection,
// which every command and every job about an incident does, in CPU per
// read (cpu-ns/op), which the other work on a shared machine leaves
// meaningful.
func BenchmarkDecodeIncident(b *testing.B) {
	doc := encodeDoc(b, benchIncident(b))
	b.ReportAllocs()
	start := processCPU(b)
	for b.Loop() {
		if _, err := decodeIncident(doc); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64((processCPU(b)-start).Nanoseconds())/float64(b.N), "cpu-ns/op")
}

// processCPU is the CPU time the process has used so far.
func processCPU(tb testing.TB) time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		tb.Fatal(err)
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
