package web_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"mime/multipart"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// reportForm builds the public form's multipart body from the page's own
// stamp, as a browser would.
func reportBody(t *testing.T, page, title, honeypot string, file []byte) (string, *bytes.Buffer) {
	t.Helper()
	m := regexp.MustCompile(`name="stamp" value="([^"]+)"`).FindStringSubmatch(page)
	if m == nil {
		t.Fatal("no stamp on the report page")
	}
	var buf bytes.Buffer
	w := multipart.NewWriter(&buf)
	w.WriteField("stamp", m[1])
	w.WriteField("website", honeypot)
	w.WriteField("title", title)
	w.WriteField("description", "Port 8443 answers without auth")
	w.WriteField("contact", "eve@example.org")
	if file != nil {
		fw, _ := w.CreateFormFile("attachment", "curl.txt")
		fw.Write(file)
	}
	w.Close()
	return w.FormDataContentType(), &buf
}

func TestPublicReport(t *testing.T) {
	t.Parallel()
	clock := storetest.NewClock(time.Now())
	s := newSiteAt(t, clock.Now)
	c := s.browser(t)
	page := s.get(t, c, "/report")
	if page.status != 200 || !strings.Contains(page.body, "Report a security issue") {
		t.Fatalf("report page signed out: %d", page.status)
	}
	send := func(ct string, body *bytes.Buffer) resp {
		req, _ := http.NewRequest("POST", s.url+"/report", body)
		req.Header.Set("Content-Type", ct)
		return do(t, c, req)
	}
	// Too fast for a person: refused, text kept.
	ct, body := reportBody(t, page.body, "Open admin port", "", nil)
	if r := send(ct, body); r.status != 400 || !strings.Contains(r.body, "quicker than a person") || !strings.Contains(r.body, "Open admin port") {
		t.Fatalf("instant submit: %d", r.status)
	}
	clock.Advance(5 * time.Second) // a person takes a few seconds to write
	ct, body = reportBody(t, page.body, "Open admin port", "http://spam.example", nil)
	if r := send(ct, body); r.status != 400 {
		t.Fatalf("honeypot filled: %d", r.status)
	}
	file := []byte("curl -k https://203.0.113.7:8443/admin\n200 OK\n")
	ct, body = reportBody(t, page.body, "Open admin port", "", file)
	r := send(ct, body)
	ref := regexp.MustCompile(`RPT-[A-Z0-9]{5}-[A-Z0-9]{5}`).FindString(r.body)
	if r.status != 200 || ref == "" {
		t.Fatalf("report: %d %s", r.status, r.body)
	}
	entries, _ := s.app.Services.Triage.Queue(context.Background(), incident.Viewer{User: "admin", SeeAll: true}, false, 0)
	sum := sha256.Sum256(file)
	if len(entries) != 1 || entries[0].Group.Summary != "Open admin port" || entries[0].Annotations["attachment_sha256"] != hex.EncodeToString(sum[:]) {
		t.Fatalf("queue after report: %+v", entries)
	}
	// The IR Lead declares an incident from it in the console; its timeline
	// says where it came from.
	alice := s.signIn(t, "alice")
	if p := s.get(t, alice, "/triage"); !strings.Contains(p.body, "Open admin port") {
		t.Fatal("the report is not in the triage queue page")
	}
	d := s.post(t, alice, "/triage/"+entries[0].Group.ID+"/declare", url.Values{"title": {"Open admin port"}, "severity": {"SEV2"}})
	if d.status != http.StatusSeeOther || !strings.HasPrefix(d.location, "/incidents/INC-1") {
		t.Fatalf("declare from the report: %d %s", d.status, d.location)
	}
	if p := s.get(t, alice, "/incidents/INC-1/timeline"); !strings.Contains(p.body, "declared from report (external report)") {
		t.Fatal("the incident's timeline does not say it came from the external report")
	}
	// A colleague reporting is recorded as the reporter.
	if p := s.get(t, alice, "/report"); !strings.Contains(p.body, "Reporting as") {
		t.Fatal("signed-in report page does not say who reports")
	}
	// security.txt gives https URIs only: served over plain http with no
	// other contact it has none, so there is no file (the https case is
	// TestAbsoluteURLsFromPublicURL).
	if st := s.get(t, c, "/.well-known/security.txt"); st.status != 404 || strings.Contains(st.body, "Contact:") {
		t.Fatalf("security.txt over http: %d\n%s", st.status, st.body)
	}
}
