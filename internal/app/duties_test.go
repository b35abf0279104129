package app_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestDutyRemindersThroughThePager: the organisation profile from the
// configuration, facts set on an incident, and the engine run with a fake
// clock. The comms lead gets the NIS2 early warning's half-time reminder
// on her verified webhook, signed, linking to the incident's duties.
func TestDutyRemindersThroughThePager(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	clock := storetest.NewClock(time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC))
	var mu sync.Mutex
	var got []notify.WebhookPayload
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if err := notify.VerifySignature([]byte(pagingHookKey), r.Header.Get("X-Firebreak-Timestamp"), r.Header.Get("X-Firebreak-Signature"), body, clock.Now(), 0); err != nil {
			t.Errorf("signature: %v", err)
		}
		var p notify.WebhookPayload
		json.Unmarshal(body, &p)
		if p.Fields["obligation"] == "" && !strings.Contains(p.Title, "code") {
			return // not a duty's reminder (stakeholder updates…)
		}
		mu.Lock()
		got = append(got, p)
		mu.Unlock()
	}))
	t.Cleanup(srv.Close)
	take := func() []notify.WebhookPayload {
		mu.Lock()
		defer mu.Unlock()
		out := got
		got = nil
		return out
	}
	org := &duties.Profile{Roles: []string{"controller"}, EntityTypes: []string{"essential_entity"}, Countries: []string{"DE"}}
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), Version: "test", Now: clock.Now,
		Outbound: outbound.LoopbackPolicy(), Organization: org})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	a.Services.Duties.SetBaseURL("http://firebreak.test")
	run := func() {
		t.Helper()
		for range 20 {
			if n, err := a.Engine.RunDue(ctx); err != nil {
				t.Fatal(err)
			} else if n == 0 {
				return
			}
		}
	}
	if st, err := a.Services.Duties.Profile(ctx); err != nil || st.UpdatedBy != "config" || st.Profile.EntityTypes[0] != "essential_entity" {
		t.Fatalf("the configured profile: %+v %v", st, err)
	}

	if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "cleo", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	me := contacts.Actor{User: "cleo"}
	c, err := a.Services.Contacts.AddContact(ctx, me, "cleo", contacts.ContactInput{Name: "phone", Target: notify.Target{Kind: notify.KindWebhook, Address: srv.URL + "/cleo", Secret: pagingHookKey}})
	if err != nil {
		t.Fatal(err)
	}
	code := verifyCode.FindStringSubmatch(take()[0].Title)
	if _, err := a.Services.Contacts.VerifyContact(ctx, me, c.ID, code[1]); err != nil {
		t.Fatal(err)
	}
	inc, err := a.Services.Incidents.Declare(ctx, "cleo", incident.DeclareInput{Title: "Customer records exposed", Severity: "SEV3", Source: incident.SourceInternal})
	if err != nil {
		t.Fatal(err)
	}
	cmd := incident.Command{Actor: incident.Viewer{User: "cleo"}, Ref: inc.Ref}
	if _, err := a.Services.Incidents.Assign(ctx, cmd, incident.CommsLead, "cleo"); err != nil {
		t.Fatal(err)
	}
	// Data types named, so the card brands' duties (which may apply while
	// they are unknown, and are reminded like the others) are ruled out.
	in := duties.FactsInput{Anchors: map[string]string{"aware": clock.Now().Format(time.RFC3339)}, PersonalData: true, AffectedIndividuals: ptr(1200),
		AffectedByJurisdiction: map[string]int{"EU": 1200}, DataTypes: []string{"credentials"}}
	if _, err := a.Services.Duties.PutFacts(ctx, incident.Viewer{User: "cleo"}, inc.Ref, in, nil); err != nil {
		t.Fatal(err)
	}
	run()
	clock.Advance(12*time.Hour - time.Minute)
	run()
	if ms := take(); len(ms) != 0 {
		t.Fatalf("%d reminders before half-time: %+v", len(ms), ms[0])
	}
	clock.Advance(time.Minute)
	run()
	ms := take()
	if len(ms) != 1 {
		t.Fatalf("%d reminders at half-time of the early warning, want 1: %+v", len(ms), ms)
	}
	m := ms[0]
	if m.Title != inc.Ref+": eu-nis2-art23-significant-incident early_warning due in 12 h 0 min" || m.URL != "http://firebreak.test/incidents/"+inc.Ref+"#duties" ||
		!strings.Contains(m.Body, "Due: 2026-11-28T09:00:00Z") || m.Fields["obligation"] != "eu-nis2-art23-significant-incident" {
		t.Fatalf("reminder: %+v", m)
	}

	// Submitted and waived duties are on the chain, which still verifies.
	if err := a.Services.Duties.RecordSubmission(ctx, incident.Viewer{User: "cleo"}, inc.Ref, "eu-nis2-art23-significant-incident", "early_warning", clock.Now(), "notice-1"); err != nil {
		t.Fatal(err)
	}
	if err := a.Services.Duties.Waive(ctx, incident.Viewer{User: "cleo"}, inc.Ref, "eu-gdpr-art33-supervisory-authority", "initial_notification", "data encrypted at rest"); err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(ctx, a.DB)
	if err != nil || !rep.OK() {
		t.Fatalf("audit: %+v %v", rep, err)
	}
}

func ptr[T any](v T) *T { return &v }
