package httpapi_test

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// An Art. 34 notice with a part still to be written cannot be sent,
// submitted or approved: 422 names each part with its location (body) and
// line, and nothing reaches the relay.
func TestUnwrittenArt34NoticeIsRefused(t *testing.T) {
	t.Parallel()
	box := startSMTPBox(t)
	s := newNoticeSetup(t, app.Config{
		Email: &notify.Email{Host: "127.0.0.1", Port: box.port, From: "security@example.com", TLS: notify.TLSNone, Timeout: 5 * time.Second}})
	s.must(t, 201, "rita", "POST", "/api/v1/incidents", `{"title":"CRM copied","severity":"SEV1"}`)
	a := s.must(t, 201, "rita", "POST", "/api/v1/incidents/INC-1/notices", `{"template":"gdpr-art34","recipients":["dana@example.com"]}`)
	n := decodeNotice(t, a)
	if len(n.Placeholders) < 2 || n.Placeholders[0].Field != "body" {
		t.Fatalf("placeholders %+v", n.Placeholders)
	}
	path := "/api/v1/incidents/INC-1/notices/" + n.ID
	for _, c := range []struct{ user, path, body, doing string }{
		{"rita", "/send", `{}`, "sent"},
		{"rita", "/submit", `{"recipient":"Dana","channel":"letter"}`, "submitted"},
		{"rob", "/approve", `{}`, "approved"},
	} {
		a := s.refused(t, 422, "body", c.user, "POST", path+c.path, c.body)
		errs, _ := a.body["errors"].([]any)
		if len(errs) != len(n.Placeholders) {
			t.Fatalf("%s: %d errors for %d placeholders: %s", c.path, len(errs), len(n.Placeholders), a.raw)
		}
		for i, p := range n.Placeholders {
			e := errs[i].(map[string]any)
			want := fmt.Sprintf("line %d: %s is still to be written; replace it with the text before the notice is %s", p.Line, p.Text, c.doing)
			if e["location"] != p.Field || e["message"] != want {
				t.Fatalf("%s error %d: %v, want %s: %q", c.path, i, e, p.Field, want)
			}
			if line := strings.Split(n.Body, "\n")[p.Line-1]; !strings.Contains(line, p.Text) {
				t.Fatalf("line %d is %q, not holding %s", p.Line, line, p.Text)
			}
		}
	}
	if len(box.mail()) != 0 {
		t.Fatal("an unwritten notice reached the relay")
	}
	if got := decodeNotice(t, s.must(t, 200, "rita", "GET", path, "")); got.Status != "draft" || got.Approval != nil {
		t.Fatalf("a refused notice changed: %+v", got)
	}
}
