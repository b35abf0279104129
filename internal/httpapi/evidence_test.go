package httpapi_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"mime/multipart"
	"net/http"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/app"
)

// upload posts a multipart evidence upload as user.
func (s *setup) upload(t *testing.T, user, ref string, fields map[string]string, name string, data []byte) answer {
	t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, v := range fields {
		if err := mw.WriteField(k, v); err != nil {
			t.Fatal(err)
		}
	}
	fw, err := mw.CreateFormFile("file", name)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := fw.Write(data); err != nil {
		t.Fatal(err)
	}
	if err := mw.Close(); err != nil {
		t.Fatal(err)
	}
	return s.call(t, user, "POST", "/api/v1/incidents/"+ref+"/evidence", buf.String(), "Content-Type", mw.FormDataContentType())
}

func TestEvidenceAPI(t *testing.T) {
	t.Parallel()
	s := newSetupWith(t, func(c *app.Config) { c.Evidence.MaxBytes = 1024 })
	ref := s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Ransomware on FS-2"}`).body["ref"].(string)
	base := "/api/v1/incidents/" + ref + "/evidence"
	page := []byte("<html><script>alert(1)</script></html>")
	a := s.upload(t, "rita", ref, map[string]string{"source": "FS-2", "method": "copied from the share"}, "ransom note.html", page)
	if a.status != 201 || a.body["id"] != "EV-1" || a.body["sha256"] != hex.EncodeToString(func() []byte { h := sha256.Sum256(page); return h[:] }()) {
		t.Fatalf("upload: %d %s", a.status, a.raw)
	}
	if a := s.upload(t, "vera", ref, nil, "x.txt", []byte("x")); a.status != 403 {
		t.Fatalf("a viewer uploads: %d %s", a.status, a.raw)
	}
	if a := s.upload(t, "rita", ref, nil, "big.bin", make([]byte, 1025)); a.status != 422 || !strings.Contains(a.raw, "file") {
		t.Fatalf("over the limit: %d %s", a.status, a.raw)
	}
	ext := s.mustCall(t, 201, "rita", "POST", base, `{"name":"Memory dump of FS-2","sha256":"`+strings.Repeat("e", 64)+`","hashes":{"sha1":"`+strings.Repeat("1", 40)+`"},"size":17179869184,"location":"Evidence safe 3","acquisition":{"method":"winpmem"}}`)
	if ext.body["id"] != "EV-2" || ext.body["kind"] != "external" {
		t.Fatalf("external: %s", ext.raw)
	}
	if a := s.call(t, "rita", "POST", base, `{"name":"x","sha256":"nothex","size":1,"location":"l"}`); a.status != 422 || !strings.Contains(a.raw, "sha256") {
		t.Fatalf("bad hash: %d %s", a.status, a.raw)
	}

	// A download is an attachment, never rendered, and is recorded.
	req, _ := http.NewRequest("GET", s.url+base+"/EV-1/file", nil)
	req.Header.Set("Authorization", "Bearer "+s.tokens["vera"])
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 200 || !bytes.Equal(got, page) || resp.Header.Get("Content-Type") != "application/octet-stream" ||
		resp.Header.Get("X-Content-Type-Options") != "nosniff" || !strings.HasPrefix(resp.Header.Get("Content-Disposition"), "attachment;") {
		t.Fatalf("download: %d %v %q", resp.StatusCode, resp.Header, got)
	}
	if a := s.call(t, "vera", "GET", base+"/EV-2/file", ""); a.status != 422 {
		t.Fatalf("download of an external item: %d %s", a.status, a.raw)
	}

	s.mustCall(t, 200, "rita", "POST", base+"/EV-2/transfer", `{"to":"rob","purpose":"analysis","location":"Lab bench 2"}`)
	s.mustCall(t, 403, "vera", "POST", base+"/EV-2/transfer", `{"to":"vera","purpose":"x","location":"y"}`)
	d := s.mustCall(t, 200, "rob", "POST", base+"/EV-2/dispose", `{"reason":"destroyed after retention","authorised_by":"CISO"}`)
	if d.body["disposal"] == nil {
		t.Fatalf("dispose: %s", d.raw)
	}
	s.mustCall(t, 409, "rob", "POST", base+"/EV-2/dispose", `{"reason":"again","authorised_by":"CISO"}`)
	s.mustCall(t, 404, "rob", "GET", base+"/EV-9", "")

	h := s.mustCall(t, 200, "vera", "GET", base+"/EV-1", "")
	custody, _ := h.body["custody"].([]any)
	if len(custody) != 2 || custody[1].(map[string]any)["type"] != "evidence.accessed" || custody[1].(map[string]any)["actor"] != "vera" {
		t.Fatalf("EV-1 custody: %s", h.raw)
	}
	r := s.mustCall(t, 200, "vera", "GET", "/api/v1/incidents/"+ref+"/custody", "")
	tl := s.mustCall(t, 200, "vera", "GET", "/api/v1/incidents/"+ref+"/timeline", "")
	evs, _ := tl.body["items"].([]any)
	if len(evs) == 0 {
		t.Fatalf("timeline: %s", tl.raw)
	}
	last := evs[len(evs)-1].(map[string]any)
	if items, _ := r.body["items"].([]any); len(items) != 2 || r.body["last_hash"] != last["hash"] {
		t.Fatalf("custody report: %s\nlast event %v", r.raw, last)
	}
	if !strings.Contains(tl.raw, "disposed of evidence EV-2") {
		t.Fatalf("the timeline does not describe the disposal: %s", tl.raw)
	}

	// A restricted incident's evidence is not there for those who may not see it.
	sec := s.mustCall(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"Insider","restricted":true}`).body["ref"].(string)
	if a := s.upload(t, "rita", sec, nil, "a.txt", []byte("a")); a.status != 201 {
		t.Fatalf("upload to restricted: %d %s", a.status, a.raw)
	}
	for _, p := range []string{"/evidence", "/evidence/EV-1", "/evidence/EV-1/file", "/custody"} {
		s.mustCall(t, 404, "rob", "GET", "/api/v1/incidents/"+sec+p, "")
	}
	if a := s.upload(t, "rob", sec, nil, "b.txt", []byte("b")); a.status != 404 {
		t.Fatalf("rob uploads to a restricted incident: %d %s", a.status, a.raw)
	}
}
