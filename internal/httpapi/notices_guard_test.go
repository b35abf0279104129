package httpapi_test

import (
	"encoding/json"
	"runtime"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Issue #10: what reaches a notice email's headers, what an approval
// covers, and what a notice template may cost.

func noticeRelaySetup(t *testing.T) (*setup, *smtpBox) {
	t.Helper()
	box := startSMTPBox(t)
	s := newNoticeSetup(t, app.Config{
		Email: &notify.Email{Host: "127.0.0.1", Port: box.port, From: "Example Security <security@example.com>", TLS: notify.TLSNone, Timeout: 5 * time.Second},
	})
	return s, box
}

func wantProblem(t *testing.T, a answer, status int, field, text string) {
	t.Helper()
	if a.status != status || !strings.Contains(strings.Join(a.locations(), ","), field) || !strings.Contains(a.raw, text) {
		t.Fatalf("got %d %s, want %d naming %s and saying %q", a.status, a.raw, status, field, text)
	}
}

// Item 4: a line break (or another control character) in anything that
// reaches a header is refused with 422 naming the field, and nothing is
// stored; a media type not on the list is refused; an accepted one is
// re-serialised; the message that reaches a real SMTP server carries
// exactly the expected headers.
func TestNoticeHeaderInjection(t *testing.T) {
	t.Parallel()
	s, box := noticeRelaySetup(t)
	a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Payment page skimmer","severity":"SEV1"}`)
	ref := a.body["ref"].(string)
	base := "/api/v1/incidents/" + ref + "/notices"

	// Drafting: a title or recipient with a control character.
	for _, c := range []struct{ body, field, text string }{
		{mustJSON(t, map[string]any{"audience": "customer", "title": "Notice\r\nBcc: victim@example.com", "body": "x"}), "title", "must be one line of text"},
		{mustJSON(t, map[string]any{"audience": "customer", "title": "Notice\x1b[31m", "body": "x"}), "title", "control character (U+001B"},
		{mustJSON(t, map[string]any{"audience": "customer", "title": "N", "body": "x", "recipients": []string{"ops@acme.test\r\nBcc: victim@example.com"}}), "recipients", "one line"},
	} {
		wantProblem(t, s.call(t, "rita", "POST", base, c.body), 422, c.field, c.text)
	}
	a = s.call(t, "rita", "GET", base, "")
	var list []notices.Notice
	if err := json.Unmarshal([]byte(a.raw), &list); err != nil || len(list) != 0 {
		t.Fatalf("a refused draft was stored: %s", a.raw)
	}
	a = s.call(t, "rita", "POST", base, `{"audience":"customer","title":"Security notice","body":"Dear customer.\n","recipients":["ops@acme.test"]}`)
	if a.status != 201 {
		t.Fatalf("draft: %d %s", a.status, a.raw)
	}
	n := decodeNotice(t, a)
	path := base + "/" + n.ID

	file := func(name, ct string) string {
		return mustJSON(t, map[string]any{"name": name, "content_type": ct, "content": []byte("a,b\n1,2\n")})
	}
	for _, c := range []struct{ body, field, text string }{
		{file("data.csv", "text/plain\r\nBcc: victim@example.com"), "content_type", "control character (U+000D"},
		{file("data.csv", "text/csv\nX-Injected: 1"), "content_type", "control character (U+000A"},
		{file("data.csv", "text/csv; charset=\"utf-8\r\nBcc: victim@example.com\""), "content_type", "control character"},
		{file("data.csv", "text/html"), "content_type", "text/html is not accepted"},
		{file("data.csv", "application/x-msdownload"), "content_type", "is not accepted"},
		{file("data.csv", "application/pdf; name=\"x.pdf\""), "content_type", "is not accepted (only charset, on text types)"},
		{file("data.csv\r\nBcc: victim@example.com", "text/csv"), "name", "control character (U+000D"},
		{file("data\x00.csv", "text/csv"), "name", "control character (U+0000"},
		{file("data\u2028.csv", "text/csv"), "name", "control character (U+2028"},
		{mustJSON(t, map[string]any{"name": "tool.exe", "content": []byte("MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff\x00\x00")}), "content_type", "not accepted: name its content_type"},
	} {
		wantProblem(t, s.call(t, "rita", "POST", path+"/attachments", c.body), 422, c.field, c.text)
	}
	for _, c := range []struct{ body, field, text string }{
		{mustJSON(t, map[string]any{"title": "Notice\r\nBcc: victim@example.com"}), "title", "must be one line of text"},
		{mustJSON(t, map[string]any{"title": "Notice\u0085Bcc: victim@example.com"}), "title", "control character (U+0085"},
		{mustJSON(t, map[string]any{"recipients": []string{"ops@acme.test", "x@acme.test\nBcc: victim@example.com"}}), "recipients", "one line"},
	} {
		wantProblem(t, s.call(t, "rita", "PATCH", path, c.body), 422, c.field, c.text)
	}
	wantProblem(t, s.call(t, "rita", "POST", path+"/send", mustJSON(t, map[string]any{"to": []string{"ops@acme.test\r\nBcc: victim@example.com"}})), 422, "to", "one line")
	wantProblem(t, s.call(t, "rita", "POST", path+"/submit", mustJSON(t, map[string]any{"recipient": "BfDI\r\nBcc: victim@example.com", "channel": "letter"})), 422, "recipient", "one line")
	wantProblem(t, s.call(t, "rita", "POST", path+"/submit", mustJSON(t, map[string]any{"recipient": "BfDI", "channel": "letter", "reference": "R\x00"})), 422, "reference", "one line")
	if got := decodeNotice(t, s.call(t, "rita", "GET", path, "")); got.Version != n.Version || len(got.Attachments) != 0 || got.Title != "Security notice" ||
		!slices.Equal(got.Recipients, []string{"ops@acme.test"}) || got.Status != notices.Draft {
		t.Fatalf("a refused change was stored: %+v", got)
	}
	if len(box.mail()) != 0 {
		t.Fatal("a refused send reached the relay")
	}

	// An accepted media type is stored as mime.FormatMediaType writes it.
	a = s.call(t, "rita", "POST", path+"/attachments", file("data.csv", `TEXT/CSV; Charset="utf-8"`))
	if n = decodeNotice(t, a); a.status != 200 || len(n.Attachments) != 1 || n.Attachments[0].ContentType != "text/csv; charset=utf-8" {
		t.Fatalf("attach: %d %s", a.status, a.raw)
	}
	if a = s.call(t, "admin", "POST", path+"/approve", `{}`); a.status != 200 {
		t.Fatalf("approve: %d %s", a.status, a.raw)
	}
	a = s.call(t, "rita", "POST", path+"/send", `{}`)
	if n = decodeNotice(t, a); a.status != 200 || n.Status != notices.Sent {
		t.Fatalf("send to the notice's recipients: %d %s", a.status, a.raw)
	}
	got := box.mail()
	if len(got) != 1 || !slices.Equal(got[0].to, []string{"ops@acme.test"}) {
		t.Fatalf("the relay got %d messages: %+v", len(got), got)
	}
	raw := string(got[0].data)
	body, files, hdr := plainBody(t, got[0].data)
	var keys []string
	for k := range hdr {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	if want := []string{"Content-Type", "Date", "From", "Message-Id", "Mime-Version", "Subject", "To", "User-Agent", "X-Mailer"}; !slices.Equal(keys, want) {
		t.Errorf("headers %v, want exactly %v", keys, want)
	}
	if hdr.Get("To") != "<ops@acme.test>" || hdr.Get("Subject") != "Security notice" || hdr.Get("From") != `"Example Security" <security@example.com>` {
		t.Errorf("headers %v", hdr)
	}
	if body != "Dear customer.\n" || string(files["data.csv"]) != "a,b\n1,2\n" {
		t.Errorf("body %q, files %v", body, files)
	}
	if strings.Contains(strings.ToLower(raw), "bcc") || !strings.Contains(raw, "Content-Type: text/csv; charset=utf-8; name=\"data.csv\"\r\n") {
		t.Errorf("the message:\n%s", raw)
	}
}

// timeline returns an incident's events of the given types, oldest first.
func noticeEvents(t *testing.T, s *setup, ref string, types ...string) []notices.DossierEvent {
	t.Helper()
	a := s.call(t, "rita", "GET", "/api/v1/incidents/"+ref+"/dossier", "")
	var d notices.Dossier
	if err := json.Unmarshal([]byte(a.raw), &d); err != nil {
		t.Fatalf("dossier: %d %v", a.status, err)
	}
	var out []notices.DossierEvent
	for _, e := range d.Timeline {
		if slices.Contains(types, e.Type) {
			out = append(out, e)
		}
	}
	return out
}

// Item 6: the approval covers title, body, audience, recipients and the
// attachments; each change is an event and withdraws it (an event that
// says what changed); sending goes only to what was approved.
func TestNoticeApprovalCoversEverything(t *testing.T) {
	t.Parallel()
	s, box := noticeRelaySetup(t)
	a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Checkout data exposed","severity":"SEV1"}`)
	ref := a.body["ref"].(string)
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/notices", `{"audience":"customer","title":"Security notice","body":"Dear customer.\n","recipients":["ops@acme.test"]}`)
	n := decodeNotice(t, a)
	path := "/api/v1/incidents/" + ref + "/notices/" + n.ID
	approve := func() notices.Notice {
		t.Helper()
		cur := decodeNotice(t, s.call(t, "rob", "GET", path, ""))
		a := s.call(t, "rob", "POST", path+"/approve", mustJSON(t, map[string]string{"content_sha256": cur.ContentSHA256}))
		n := decodeNotice(t, a)
		if a.status != 200 || n.Status != notices.Approved || n.Approval == nil || n.Approval.ContentSHA256 != cur.ContentSHA256 {
			t.Fatalf("approve: %d %s", a.status, a.raw)
		}
		return n
	}
	n = approve()
	ev := noticeEvents(t, s, ref, "notice.approved")
	var ad struct {
		ContentSHA256 string   `json:"content_sha256"`
		Recipients    []string `json:"recipients"`
		Audience      string   `json:"audience"`
	}
	json.Unmarshal(ev[0].Data, &ad)
	if len(ev) != 1 || ad.ContentSHA256 != n.ContentSHA256 || ad.Audience != "customer" || !slices.Equal(ad.Recipients, []string{"ops@acme.test"}) {
		t.Fatalf("approval event %+v %+v", ev, ad)
	}
	// A stale read of the notice cannot be approved.
	wantProblem(t, s.call(t, "rob", "POST", path+"/approve", `{"content_sha256":"`+strings.Repeat("0", 64)+`"}`), 409, "content_sha256", "changed since you read it")

	pdf := mustJSON(t, map[string]any{"name": "summary.pdf", "content_type": "application/pdf", "content": []byte("%PDF-1.7 summary")})
	changes := []struct {
		changed      string
		method, body string
		sub          string
	}{
		{"title", "PATCH", `{"title":"Security notice about your data"}`, ""},
		{"body", "PATCH", `{"body":"Dear customer, we are sorry.\n"}`, ""},
		{"audience", "PATCH", `{"audience":"individuals"}`, ""},
		{"recipients", "PATCH", `{"recipients":["ops@acme.test","cfo@acme.test"]}`, ""},
		{"attachments", "POST", pdf, "/attachments"},
		{"attachments", "DELETE", "", "/attachments/SHA"},
	}
	sha := ""
	for i, c := range changes {
		sub := strings.Replace(c.sub, "SHA", sha, 1)
		before := n.ContentSHA256
		a := s.call(t, "rita", c.method, path+sub, c.body)
		n = decodeNotice(t, a)
		if a.status != 200 || n.Status != notices.Draft || n.Approval != nil || n.ContentSHA256 == before {
			t.Fatalf("%s: %d %s", c.changed, a.status, a.raw)
		}
		if len(n.Attachments) > 0 {
			sha = n.Attachments[0].SHA256
		}
		withdrawn := noticeEvents(t, s, ref, "notice.approval_withdrawn")
		edited := noticeEvents(t, s, ref, "notice.edited")
		if len(withdrawn) != i+1 || len(edited) != i+1 {
			t.Fatalf("%s: %d withdrawals, %d edits", c.changed, len(withdrawn), len(edited))
		}
		w, e := withdrawn[i], edited[i]
		var wd struct {
			ApprovedBy            string   `json:"approved_by"`
			ApprovedContentSHA256 string   `json:"approved_content_sha256"`
			Changed               []string `json:"changed"`
		}
		json.Unmarshal(w.Data, &wd)
		if wd.ApprovedBy != "rob" || wd.ApprovedContentSHA256 != before || !slices.Equal(wd.Changed, []string{c.changed}) ||
			!strings.Contains(w.Text, "approval withdrawn: "+c.changed+" changed") || w.Actor != "rita" {
			t.Errorf("%s: withdrawal %+v %+v", c.changed, w, wd)
		}
		if !strings.Contains(e.Text, "edited") || !strings.Contains(string(e.Data), `"changed":["`+c.changed+`"]`) {
			t.Errorf("%s: edit event %+v", c.changed, e)
		}
		if c.changed == "title" && !strings.Contains(e.Text, `title changed (was "Security notice")`) {
			t.Errorf("title edit event: %s", e.Text)
		}
		n = approve()
	}
	// An edit that changes nothing the approval covers keeps it.
	a = s.call(t, "rita", "PATCH", path, mustJSON(t, map[string]string{"title": n.Title}))
	if n = decodeNotice(t, a); a.status != 200 || n.Status != notices.Approved {
		t.Fatalf("an unchanged save: %d %s", a.status, a.raw)
	}
	// Sending goes only to the approved recipients.
	wantProblem(t, s.call(t, "rita", "POST", path+"/send", `{"to":["attacker@evil.test"]}`), 409, "to", "covers sending to ops@acme.test, cfo@acme.test only")
	wantProblem(t, s.call(t, "rita", "POST", path+"/send", `{"to":["ops@acme.test"]}`), 409, "to", "covers sending to")
	if len(box.mail()) != 0 {
		t.Fatal("a refused send reached the relay")
	}
	a = s.call(t, "rita", "POST", path+"/send", `{"to":["CFO@acme.test","ops@acme.test"]}`)
	if n = decodeNotice(t, a); a.status != 200 || n.Status != notices.Sent || len(box.mail()) != 2 {
		t.Fatalf("send: %d %s", a.status, a.raw)
	}
	for _, e := range noticeEvents(t, s, ref, "notice.sent") {
		var sd struct {
			ApprovedBy    string `json:"approved_by"`
			ContentSHA256 string `json:"content_sha256"`
		}
		json.Unmarshal(e.Data, &sd)
		if sd.ApprovedBy != "rob" || sd.ContentSHA256 != n.Approval.ContentSHA256 {
			t.Errorf("sent event %s", e.Data)
		}
	}
}

// Item 7: a template that would loop, write or build without bound is
// refused when it is saved — quickly, naming the field, without using
// much memory.
func TestNoticeTemplateLimits(t *testing.T) {
	// Not parallel: the memory bound reads the process's allocations.
	s := newNoticeSetup(t, app.Config{})
	// A loop is stopped by its count, or on a very slow machine by the
	// time budget: either is a refusal.
	const slow = "the template takes more than 2s to run"
	bombs := []struct{ name, field, body, text string }{
		{"nested loops that write", "body", "{{range 3000}}{{range 5000}}x{{end}}{{end}}", "runs its loops more than 10000 times|" + slow},
		{"one loop that writes a lot", "body", "{{range 300}}" + strings.Repeat("0123456789", 100) + "{{end}}", "writes more than 262144 bytes"},
		{"nested loops that write nothing", "body", "{{range 100000}}{{range 100000}}{{range 100000}}{{end}}{{end}}{{end}}", "line 1: the template runs its loops more than 10000 times|" + slow},
		{"a printf width", "body", `{{printf "%999999999d" 1}}`, "printf width or precision above 1000"},
		{"a printf width from an argument", "body", `{{printf "%*d" 999999999 1}}`, "printf width or precision from an argument"},
		{"text that doubles in a variable", "body", `{{$x := "0123456789abcdef"}}{{range 40}}{{$x = printf "%s%s" $x $x}}{{end}}{{len $x}}`, "makes more than 4194304 bytes of text"},
		{"escapes that grow", "body", `{{$x := "<<<<<<<<<<<<<<<<"}}{{range 40}}{{$x = html $x $x}}{{end}}{{len $x}}`, "makes more than"},
		{"a title that loops", "title", "{{range 1000000000}}{{end}}", "runs its loops more than 10000 times|" + slow},
		{"a template that calls itself", "body", `{{define "x"}}{{template "x"}}{{end}}{{template "x"}}`, "{{define}} and {{block}} are not supported"},
		{"a call", "body", `{{template "body"}}`, "{{template}} is not supported"},
	}
	for _, c := range bombs {
		title, body := "Notice", "Text"
		if c.field == "title" {
			title = c.body
		} else {
			body = c.body
		}
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		a := s.call(t, "admin", "PUT", "/api/v1/notice-templates/bomb", mustJSON(t, map[string]string{"audience": "customer", "title": title, "body": body}))
		runtime.ReadMemStats(&after)
		says := false
		for alt := range strings.SplitSeq(c.text, "|") {
			says = says || strings.Contains(a.raw, alt)
		}
		if a.status != 422 || !strings.Contains(strings.Join(a.locations(), ","), c.field) || !says {
			t.Errorf("%s: %d %s, want 422 naming %s and saying %q", c.name, a.status, a.raw, c.field, c.text)
		}
		if used := after.TotalAlloc - before.TotalAlloc; used > 64<<20 {
			t.Errorf("%s: refusing it allocated %d MiB", c.name, used>>20)
		}
	}
	if a := s.call(t, "admin", "GET", "/api/v1/notice-templates/bomb", ""); a.status != 404 {
		t.Fatalf("a refused template was stored: %d", a.status)
	}
	// Loops within the limits, over the incident's data, still work.
	a := s.call(t, "admin", "PUT", "/api/v1/notice-templates/fine", mustJSON(t, map[string]string{"audience": "customer", "title": "Notice {{.Incident.Ref}}",
		"body": "{{range .Facts.DataTypes}}- {{.}}\n{{end}}{{range $i := 100}}{{if eq $i 99}}{{printf \"%05d\" $i}}{{end}}{{end}}\n{{join .Incident.Affected \", \"}}\n"}))
	if a.status != 200 {
		t.Fatalf("a good template: %d %s", a.status, a.raw)
	}
	a = s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"Outage","severity":"SEV2"}`)
	ref := a.body["ref"].(string)
	a = s.call(t, "rita", "POST", "/api/v1/incidents/"+ref+"/notices", `{"template":"fine"}`)
	if n := decodeNotice(t, a); a.status != 201 || !strings.Contains(n.Body, "00099") || n.Title != "Notice "+ref {
		t.Fatalf("draft from it: %d %s", a.status, a.raw)
	}
}
