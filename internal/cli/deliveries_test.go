package cli_test

import (
	"context"
	"encoding/json"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// TestDeliveriesList: `deliveries list` shows the outbox newest first,
// filtered and paged, with the recipient shown and never a secret.
func TestDeliveriesList(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(dir, "firebreak.db"), BootstrapToken: adminToken})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	h := &harness{env: map[string]string{"FIREBREAK_URL": a.URL(), "FIREBREAK_TOKEN": adminToken, "HOME": dir}}
	now := time.Now()
	hook := notify.Target{Kind: notify.KindWebhook, Address: "https://hooks.example.test/T0123456789/secret-token", Secret: "s3cr3t-0123456789abcdef"}
	ds := []outbox.Delivery{
		{ID: "d-1", Kind: "status_email", Subject: outbox.Subject{Kind: "status_update", ID: "u1"}, Target: notify.Target{Kind: notify.KindEmail, Address: "dee@example.com"},
			Payload: json.RawMessage(`{"update":"u1","subscriber":"s1"}`), CreatedAt: now.Add(-2 * time.Second)},
		{ID: "d-2", Kind: "test_unregistered", Subject: outbox.Subject{Kind: "thing", ID: "t1"}, Target: hook, CreatedAt: now.Add(-time.Second)},
		{ID: "d-3", Kind: "test_unregistered", Subject: outbox.Subject{Kind: "thing", ID: "t2"}, Target: hook, CreatedAt: now, DueAt: now.Add(time.Hour)},
	}
	if err := a.DB.WriteOutbox(context.Background(), outbox.Plan(now, ds...)); err != nil {
		t.Fatal(err)
	}
	var list struct {
		Items []httpapi.DeliveryView `json:"items"`
		Next  string                 `json:"next"`
	}
	// d-1 fails (no mail relay), d-2 fails (no renderer), d-3 waits.
	for deadline := time.Now().Add(10 * time.Second); ; {
		if err := json.Unmarshal([]byte(h.ok(t, "deliveries", "list", "--state", "failed", "-o", "json")), &list); err != nil {
			t.Fatal(err)
		}
		if len(list.Items) == 2 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("deliveries not failed in time: %+v", list)
		}
		time.Sleep(20 * time.Millisecond)
	}
	if list.Items[0].ID != "d-2" || list.Items[1].ID != "d-1" || list.Items[1].To != "dee@example.com" || list.Next != "" {
		t.Fatalf("failed deliveries %+v", list)
	}
	out := h.ok(t, "deliveries", "list")
	for _, want := range []string{"KIND", "LAST ERROR", "d-3", "pending", "https://hooks.example.test/…", "status_update u1", "no outbound mail relay"} {
		if !strings.Contains(out, want) {
			t.Fatalf("deliveries list lacks %q:\n%s", want, out)
		}
	}
	js := h.ok(t, "deliveries", "list", "-o", "json")
	for _, secret := range []string{"s3cr3t", "secret-token", "subscriber"} {
		if strings.Contains(out, secret) || strings.Contains(js, secret) {
			t.Fatalf("the list shows %q:\n%s\n%s", secret, out, js)
		}
	}
	if out := h.ok(t, "deliveries", "list", "--limit", "2"); !strings.Contains(out, "more: --before d-2") || strings.Contains(out, "d-1") {
		t.Fatalf("deliveries list --limit 2:\n%s", out)
	}
	if out := h.ok(t, "deliveries", "list", "--before", "d-2"); !strings.Contains(out, "d-1") || strings.Contains(out, "d-3") {
		t.Fatalf("deliveries list --before d-2:\n%s", out)
	}
	if out := h.ok(t, "deliveries", "list", "--kind", "status_email"); !strings.Contains(out, "d-1") || strings.Contains(out, "d-2") {
		t.Fatalf("deliveries list --kind:\n%s", out)
	}
	h.fails(t, "--limit must be from 1 to 500, not 0", "deliveries", "list", "--limit", "0")
}
