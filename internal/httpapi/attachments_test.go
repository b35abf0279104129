package httpapi_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// TestReporterAttachmentDownload is issue 12 defect 5: a file a reporter
// sent is served to those who may see its entry, as a download whose name
// is safely encoded, each access recorded on the entry and on the linked
// incident's timeline; for those who may not see the entry (linked to a
// restricted incident) it answers as a missing file does.
func TestReporterAttachmentDownload(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	ctx := context.Background()
	file := []byte("<html><script>alert(1)</script></html>\n")
	sum := sha256.Sum256(file)
	sha := hex.EncodeToString(sum[:])
	if _, err := s.app.Services.Triage.Report(ctx, triage.ReportInput{Title: "Credentials in a public paste", Contact: "eve@example.org",
		File: &triage.File{Name: "résumé \"leak\";.html", ContentType: "text/html", Data: file}}); err != nil {
		t.Fatal(err)
	}
	q, err := s.app.Services.Triage.Queue(ctx, incident.Viewer{User: "admin", SeeAll: true}, false, 0)
	if err != nil || len(q) != 1 {
		t.Fatalf("queue: %v %+v", err, q)
	}
	id := q[0].Group.ID
	path := "/api/v1/triage/" + id + "/attachments/" + sha

	// A viewer downloads it: the bytes, never rendered.
	a := s.call(t, "vera", "GET", path, "")
	if a.status != 200 || a.raw != string(file) {
		t.Fatalf("viewer download: %d %q", a.status, a.raw)
	}
	for h, want := range map[string]string{
		"Content-Type":           "application/octet-stream",
		"Content-Disposition":    `attachment; filename="r_sum_ _leak__.html"; filename*=UTF-8''r%C3%A9sum%C3%A9%20%22leak%22%3B.html`,
		"X-Content-Type-Options": "nosniff",
		"Cache-Control":          "no-store",
	} {
		if got := a.header.Get(h); got != want {
			t.Errorf("%s: %q, want %q", h, got, want)
		}
	}
	// Recorded on the entry: who, when, which file.
	d, err := s.app.Services.Triage.Get(ctx, incident.Viewer{User: "admin", SeeAll: true}, id)
	if err != nil {
		t.Fatal(err)
	}
	if l := d.Log[len(d.Log)-1]; l.Action != "attachment" || l.Actor != "vera" || l.At.IsZero() || !strings.Contains(l.Data, sha) {
		t.Fatalf("entry log after the download: %+v", d.Log)
	}
	logged := len(d.Log)

	// Signed out, a file the entry does not name, a malformed hash.
	if a := s.call(t, "", "GET", path, ""); a.status != 401 {
		t.Errorf("signed out: %d", a.status)
	}
	for _, p := range []string{"/api/v1/triage/" + id + "/attachments/" + strings.Repeat("0", 64), "/api/v1/triage/" + id + "/attachments/..%2f..%2fetc",
		"/api/v1/triage/grp_missing/attachments/" + sha} {
		if a := s.call(t, "vera", "GET", p, ""); a.status != 404 {
			t.Errorf("%s: %d %s", p, a.status, a.raw)
		}
	}

	// rita declares a restricted incident from it: rob and vera no longer
	// see the entry, and its file answers as a missing one.
	if a := s.call(t, "rita", "POST", "/api/v1/triage/"+id+"/declare", `{"restricted":true,"severity":"SEV2"}`); a.status != 201 && a.status != 200 {
		t.Fatalf("declare: %d %s", a.status, a.raw)
	}
	missingPath := "/api/v1/triage/grp_missing/attachments/" + sha
	for _, u := range []string{"rob", "vera"} {
		got, missing := s.call(t, u, "GET", path, ""), s.call(t, u, "GET", missingPath, "")
		if got.status != 404 || strings.ReplaceAll(got.raw, id, "grp_missing") != missing.raw {
			t.Errorf("%s on a restricted entry's file: %d %s\nmissing: %d %s", u, got.status, got.raw, missing.status, missing.raw)
		}
	}
	if d, _ := s.app.Services.Triage.Get(ctx, incident.Viewer{User: "admin", SeeAll: true}, id); len(d.Log) != logged+1 { // + declared
		t.Errorf("refused downloads were recorded: %+v", d.Log)
	}
	// rita takes part: she downloads it, and the incident's timeline says so.
	if a := s.call(t, "rita", "GET", path, ""); a.status != 200 || a.raw != string(file) {
		t.Fatalf("participant download: %d", a.status)
	}
	_, events, err := s.app.Services.Incidents.Timeline(ctx, incident.Viewer{User: "admin", SeeAll: true}, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	var accessed []incident.Event
	for _, e := range events {
		if e.Type == incident.EvAttachmentAccessed {
			accessed = append(accessed, e)
		}
	}
	if len(accessed) != 1 || accessed[0].Actor != "rita" || incident.Describe(accessed[0]) != `opened the reporter's attachment "résumé \"leak\";.html" (sha256 `+sha+`)` {
		t.Fatalf("timeline accesses: %+v", accessed)
	}
	// The operation is in the OpenAPI document as a binary download for viewers.
	doc := s.call(t, "", "GET", "/api/v1/openapi.json", "")
	if !strings.Contains(doc.raw, `"operationId":"get-triage-attachment"`) || !strings.Contains(doc.raw, `"application/octet-stream"`) {
		t.Errorf("the OpenAPI document lacks the download operation")
	}
}
