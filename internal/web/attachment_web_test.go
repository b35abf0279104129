package web_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// TestEntryPageLinksTheReportersFile is issue 12 defect 5 in the console:
// the entry page links each file the report came with; the link downloads
// it (never rendered) and the entry's record shows who did.
func TestEntryPageLinksTheReportersFile(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	file := []byte("curl -k https://203.0.113.7:8443/admin\n")
	sum := sha256.Sum256(file)
	sha := hex.EncodeToString(sum[:])
	if _, err := s.app.Services.Triage.Report(ctx, triage.ReportInput{Title: "Open admin port", File: &triage.File{Name: "curl.txt", Data: file}}); err != nil {
		t.Fatal(err)
	}
	q, _ := s.app.Services.Triage.Queue(ctx, incident.Viewer{User: "admin", SeeAll: true}, false, 0)
	if len(q) != 1 {
		t.Fatalf("queue: %+v", q)
	}
	c := s.signIn(t, "vera")
	entry := "/triage/" + q[0].Group.ID
	page := s.get(t, c, entry)
	link := `<a href="` + entry + `/attachments/` + sha + `" download>curl.txt</a>`
	if page.status != 200 || !strings.Contains(page.body, link) {
		t.Fatalf("entry page lacks %s:\n%s", link, page.body)
	}
	req := entry + "/attachments/" + sha
	r, err := c.Get(s.url + req)
	if err != nil {
		t.Fatal(err)
	}
	r.Body.Close()
	if r.StatusCode != 200 || r.Header.Get("Content-Type") != "application/octet-stream" || r.Header.Get("Content-Disposition") != `attachment; filename="curl.txt"` ||
		r.Header.Get("X-Content-Type-Options") != "nosniff" {
		t.Fatalf("download: %d %v", r.StatusCode, r.Header)
	}
	if page := s.get(t, c, entry); !strings.Contains(page.body, "downloaded the attachment curl.txt") {
		t.Fatalf("the record does not show the download:\n%s", page.body)
	}
	if r := s.get(t, c, entry+"/attachments/"+strings.Repeat("a", 64)); r.status != 404 {
		t.Fatalf("a file the entry does not name: %d", r.status)
	}
}
