package web_test

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/notify"
	ob "github.com/firebreak-ir/firebreak/internal/outbox"
)

// TestDeliveriesPage: /admin/deliveries lists the outbox to admins only,
// filtered by kind and state, with each delivery's attempts; recipients
// are shown as the API shows them (an address, or scheme://host/… of a
// URL), never a secret or the payload.
func TestDeliveriesPage(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	if err := s.app.Services.Auth.SetPassword(ctx, "admin", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	hook := notify.Target{Kind: notify.KindWebhook, Address: "https://hooks.example/T0KEN-in-path", Secret: "hmac-s3cret-0123456789"}
	failed := ob.Delivery{ID: "rem_failed", Kind: "duty_reminder", Subject: ob.Subject{Kind: "duty", ID: "nis2:early_warning", Incident: "inc-7"},
		Target: hook, Ref: "c-bob", Payload: []byte(`{"user":"bob","secret_payload":"PAYLOAD-TEXT"}`), State: ob.Failed,
		CreatedAt: now.Add(-time.Minute)}
	later := ob.Delivery{ID: "status-email:u1:s1", Kind: "status_email", Subject: ob.Subject{Kind: "status_update", ID: "u1"},
		Target: notify.Target{Kind: notify.KindEmail, Address: "reader@example.org"}, Payload: []byte(`{"update":"u1"}`),
		DueAt: now.Add(24 * time.Hour)} // pending, not due: nothing sends it during the test
	if err := s.app.DB.WriteOutbox(ctx, ob.Plan(now, failed, later)); err != nil {
		t.Fatal(err)
	}
	failed.Attempts, failed.LastError = 2, "webhook: HTTP 410"
	for n, a := range []ob.Attempt{
		{N: 1, At: now.Add(-50 * time.Second), StatusCode: 503, LatencyMS: 12, Error: "webhook: HTTP 503"},
		{N: 2, At: now.Add(-40 * time.Second), StatusCode: 410, LatencyMS: 7, Error: "webhook: HTTP 410"},
	} {
		a.Delivery = failed.ID
		if err := s.app.DB.RecordOutbox(ctx, failed, &a, false); err != nil {
			t.Fatalf("attempt %d: %v", n, err)
		}
	}

	admin := s.signIn(t, "admin")
	page := s.get(t, admin, "/admin/deliveries")
	if page.status != http.StatusOK {
		t.Fatalf("/admin/deliveries: %d\n%s", page.status, page.body)
	}
	for _, want := range []string{`id="delivery-rem_failed"`, `id="delivery-status-email:u1:s1"`, "https://hooks.example/…", "reader@example.org",
		"incident inc-7", "duty nis2:early_warning", "#1", "HTTP 503", "#2", "HTTP 410", `<option value="duty_reminder"`, `<option value="status_email"`,
		`href="/admin/deliveries"`} {
		if !strings.Contains(page.body, want) {
			t.Errorf("/admin/deliveries lacks %q", want)
		}
	}
	for _, secret := range []string{"T0KEN", "hmac-s3cret", "PAYLOAD-TEXT", "secret_payload"} {
		if strings.Contains(page.body, secret) {
			t.Errorf("/admin/deliveries shows %q", secret)
		}
	}
	if strings.Index(page.body, "delivery-status-email:u1:s1") > strings.Index(page.body, "delivery-rem_failed") {
		t.Error("deliveries are not newest first")
	}

	for _, f := range []struct {
		query      string
		shown, not string
	}{
		{"kind=duty_reminder", "delivery-rem_failed", "delivery-status-email"},
		{"kind=status_email", "delivery-status-email", "delivery-rem_failed"},
		{"state=failed", "delivery-rem_failed", "delivery-status-email"},
		{"state=pending&kind=status_email", "delivery-status-email", "delivery-rem_failed"},
		{"state=sent", "No deliveries match", "delivery-"},
	} {
		p := s.get(t, admin, "/admin/deliveries?"+f.query)
		if p.status != http.StatusOK || !strings.Contains(p.body, f.shown) || strings.Contains(p.body, f.not) {
			t.Errorf("?%s: %d, want %q shown and %q not\n%s", f.query, p.status, f.shown, f.not, p.body)
		}
	}
	for _, q := range []string{"state=lost", "kind=carrier_pigeon"} {
		if p := s.get(t, admin, "/admin/deliveries?"+q); p.status != http.StatusBadRequest {
			t.Errorf("?%s: %d, want 400", q, p.status)
		}
	}
	if p := s.get(t, s.signIn(t, "alice"), "/admin/deliveries"); p.status != http.StatusForbidden || strings.Contains(p.body, "rem_failed") {
		t.Fatalf("/admin/deliveries as a responder: %d", p.status)
	}
}
