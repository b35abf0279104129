package web_test

import (
	"bytes"
	"context"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

func TestEvidenceSectionWithoutScript(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	if _, err := s.app.Services.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Phishing", Source: incident.SourceInternal}); err != nil {
		t.Fatal(err)
	}
	alice, vera := s.signIn(t, "alice"), s.signIn(t, "vera")

	page := s.get(t, alice, "/incidents/INC-1/evidence")
	if page.status != 200 || !strings.Contains(page.body, `enctype="multipart/form-data"`) || !strings.Contains(page.body, "No evidence yet.") {
		t.Fatalf("evidence section: %d\n%s", page.status, page.body)
	}
	if !strings.Contains(s.get(t, alice, "/incidents/INC-1").body, `href="/incidents/INC-1/evidence"`) {
		t.Fatal("the workspace has no Evidence tab")
	}

	// The upload form, as a browser sends it: fields, then the file.
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	_ = mw.WriteField("source", "mail gateway")
	fw, _ := mw.CreateFormFile("file", "invoice.html")
	body := []byte("<script>steal()</script>")
	_, _ = fw.Write(body)
	_ = mw.Close()
	req, _ := http.NewRequest("POST", s.url+"/incidents/INC-1/evidence/upload", &buf)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	if r := do(t, alice, req); r.status != http.StatusSeeOther || r.location != "/incidents/INC-1/evidence?flash=evidenceadded" {
		t.Fatalf("upload: %d %s\n%s", r.status, r.location, r.body)
	}
	if r := s.post(t, alice, "/incidents/INC-1/evidence/external", url.Values{"name": {"Laptop image"}, "sha256": {strings.Repeat("d", 64)},
		"hashes": {"md5=" + strings.Repeat("e", 32)}, "size": {"2048"}, "location": {"Safe 1"}}); r.status != http.StatusSeeOther {
		t.Fatalf("external: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, alice, "/incidents/INC-1/evidence/external", url.Values{"name": {"Bad"}, "sha256": {"xyz"}, "size": {"1"}, "location": {"Safe"}}); r.status != 422 ||
		!strings.Contains(r.body, "sha256") || !strings.Contains(r.body, `value="Bad"`) {
		t.Fatalf("a bad hash: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, vera, "/incidents/INC-1/evidence/external", url.Values{"name": {"x"}}); r.status != http.StatusForbidden {
		t.Fatalf("a viewer adds evidence: %d", r.status)
	}
	if r := s.post(t, alice, "/incidents/INC-1/evidence/EV-2/transfer", url.Values{"to": {"bob"}, "purpose": {"analysis"}, "location": {"Lab"}}); r.status != http.StatusSeeOther {
		t.Fatalf("transfer: %d\n%s", r.status, r.body)
	}
	if r := s.post(t, alice, "/incidents/INC-1/evidence/EV-2/dispose", url.Values{"reason": {"wiped"}, "authorised_by": {"CISO"}}); r.status != http.StatusSeeOther {
		t.Fatalf("dispose: %d\n%s", r.status, r.body)
	}

	// The download is an attachment and is recorded against vera.
	req, _ = http.NewRequest("GET", s.url+"/incidents/INC-1/evidence/EV-1/file", nil)
	res, err := vera.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	var got bytes.Buffer
	_, _ = got.ReadFrom(res.Body)
	res.Body.Close()
	if res.StatusCode != 200 || !bytes.Equal(got.Bytes(), body) || res.Header.Get("Content-Type") != "application/octet-stream" ||
		res.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(res.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %v", res.StatusCode, res.Header)
	}

	page = s.get(t, vera, "/incidents/INC-1/evidence")
	if !strings.Contains(page.body, "invoice.html") || !strings.Contains(page.body, "disposed") || strings.Contains(page.body, `action="/incidents/INC-1/evidence/upload"`) {
		t.Fatalf("the section as a viewer:\n%s", page.body)
	}
	rep := s.get(t, vera, "/incidents/INC-1/custody")
	for _, want := range []string{"Chain of custody — INC-1", "downloaded evidence EV-1", "transferred evidence EV-2 from alice to bob", "disposed of evidence EV-2: wiped", "chain ends at event #6"} {
		if !strings.Contains(rep.body, want) {
			t.Fatalf("custody report lacks %q:\n%s", want, rep.body)
		}
	}
	if strings.Contains(rep.body, "<script>steal") {
		t.Fatal("the report renders a file's bytes")
	}
}
