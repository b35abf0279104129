package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// TestContactSendsThroughOutbox: a verification code and a test page are
// outbox deliveries sent inline (contact_code, contact_test) whose result
// the caller gets at once; the code is in no stored delivery; a code that
// could not be delivered stores no contact, and its delivery is never
// resent.
func TestContactSendsThroughOutbox(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	fb, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(t.TempDir(), "firebreak.db"), Version: "test",
		BootstrapToken: adminToken, Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	if err := fb.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fb.Stop(context.Background()) })
	var status atomic.Int64
	status.Store(http.StatusAccepted)
	var mu sync.Mutex
	var got []notify.WebhookPayload
	recv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		var p notify.WebhookPayload
		b, _ := io.ReadAll(r.Body)
		json.Unmarshal(b, &p)
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
		w.WriteHeader(int(status.Load()))
	}))
	t.Cleanup(recv.Close)
	if _, err := fb.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "ann", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	ann := contacts.Actor{User: "ann"}
	target := notify.Target{Kind: notify.KindWebhook, Address: recv.URL + "/ann", Secret: "0123456789abcdef-contacts"}

	c, err := fb.Services.Contacts.AddContact(ctx, ann, "ann", contacts.ContactInput{Name: "hook", Target: target})
	if err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	code := regexp.MustCompile(`\d{6}`).FindString(got[0].Title)
	mu.Unlock()
	ds, err := fb.DB.OutboxDeliveries(ctx, outbox.Query{Kind: contacts.KindCode})
	if err != nil || len(ds) != 1 || ds[0].State != outbox.Sent || ds[0].Subject.ID != c.ID || ds[0].Attempts != 1 {
		t.Fatalf("code deliveries %+v, %v", ds, err)
	}
	if code == "" || strings.Contains(string(ds[0].Payload), code) {
		t.Fatalf("code %q, stored payload %s", code, ds[0].Payload)
	}
	if _, err := fb.Services.Contacts.VerifyContact(ctx, ann, c.ID, code); err != nil {
		t.Fatal(err)
	}

	r, err := fb.Services.Contacts.TestContact(ctx, ann, c.ID)
	if err != nil || r.StatusCode != http.StatusAccepted || r.Response != "HTTP 202 Accepted" || r.Channel != notify.KindWebhook {
		t.Fatalf("test page: %+v, %v", r, err)
	}
	if ds, err := fb.DB.OutboxDeliveries(ctx, outbox.Query{Kind: contacts.KindTest}); err != nil || len(ds) != 1 || ds[0].State != outbox.Sent {
		t.Fatalf("test deliveries %+v, %v", ds, err)
	}

	// A receiver that fails: no contact stored, the error said at once,
	// the delivery recorded and skipped when its job runs.
	status.Store(http.StatusServiceUnavailable)
	_, err = fb.Services.Contacts.AddContact(ctx, ann, "ann", contacts.ContactInput{Name: "down", Target: notify.Target{Kind: notify.KindWebhook,
		Address: recv.URL + "/down", Secret: "0123456789abcdef-contacts"}})
	if err == nil || !strings.Contains(err.Error(), "could not be delivered, so the contact was not added") || !strings.Contains(err.Error(), "503") {
		t.Fatalf("adding an unreachable contact: %v", err)
	}
	cs, err := fb.Services.Contacts.Contacts(ctx, ann, "ann")
	if err != nil || len(cs) != 1 {
		t.Fatalf("contacts after a failed code: %+v, %v", cs, err)
	}
	ds, err = fb.DB.OutboxDeliveries(ctx, outbox.Query{Kind: contacts.KindCode})
	if err != nil || len(ds) != 2 || ds[0].State != outbox.Pending || ds[0].Attempts != 1 {
		t.Fatalf("code deliveries %+v, %v", ds, err)
	}
	if err := fb.DB.Snooze(ctx, ds[0].ID, time.Now()); err != nil { // its job due now
		t.Fatal(err)
	}
	waitUntil(t, "the failed code's job skipping it", 10*time.Second, func() bool {
		d, err := fb.DB.OutboxDelivery(ctx, ds[0].ID)
		return err == nil && d.State == outbox.Skipped
	})
	mu.Lock()
	defer mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("%d messages received, want 3 (no resent code)", len(got))
	}
}
