package app_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

const adminToken = "fbk_test_bootstrap_admin_token_0123456789"

type setup struct {
	app   *app.App
	admin *client.Client
	clock *storetest.Clock
}

// newSetup runs the whole app in-process on a loopback port against backend.
func newSetup(t *testing.T, backend storetest.Backend) *setup {
	t.Helper()
	dsn := storetest.SQLiteDSN(t)
	if backend.Name == "postgres" {
		dsn = storetest.PostgresDSN(t)
	}
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC)) // Wednesday
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken, Version: "test", Now: clock.Now})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	return &setup{app: a, admin: client.New(a.URL(), adminToken), clock: clock}
}

// user creates a user with role and returns a client holding their token.
func (s *setup) user(t *testing.T, name, role string) *client.Client {
	t.Helper()
	ctx := context.Background()
	if _, err := s.admin.CreateUser(ctx, httpapi.UserBody{Username: name, Role: role}); err != nil {
		t.Fatalf("create user %s: %v", name, err)
	}
	tok, err := s.admin.CreateToken(ctx, name, "test")
	if err != nil {
		t.Fatal(err)
	}
	return client.New(s.app.URL(), tok.Secret)
}

func wantStatus(t *testing.T, err error, status int, field string) {
	t.Helper()
	var e *client.Error
	if !errors.As(err, &e) {
		t.Fatalf("got %v, want a %d problem", err, status)
	}
	if e.Status != status {
		t.Fatalf("got %d (%v), want %d", e.Status, err, status)
	}
	if field != "" && !slices.Contains(e.Fields(), field) {
		t.Fatalf("problem %v names %v, want %q", err, e.Fields(), field)
	}
}

func TestLifecycleThroughAPI(t *testing.T) {
	t.Parallel()
	for _, b := range storetest.Backends() {
		t.Run(b.Name, func(t *testing.T) {
			t.Parallel()
			testLifecycle(t, newSetup(t, b))
		})
	}
}

func testLifecycle(t *testing.T, s *setup) {
	ctx := context.Background()
	alice := s.user(t, "alice", "responder")
	bob := s.user(t, "bob", "responder")
	step := func() { s.clock.Advance(10 * time.Minute) }

	inc, err := alice.Declare(ctx, httpapi.DeclareBody{Title: "Credential leak on build server", Type: "security.credential-compromise"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if inc.Ref != "INC-1" || inc.State != "triage" {
		t.Fatalf("declared %+v", inc)
	}
	ref := inc.Ref
	step()
	_, err = alice.Transition(ctx, ref, "active", "")
	wantStatus(t, err, 422, "severity")
	wantStatus(t, err, 422, "ir_lead")
	sev := "SEV1"
	if inc, err = alice.Update(ctx, ref, httpapi.PatchBody{Severity: &sev}, 0); err != nil {
		t.Fatal(err)
	}
	if len(inc.Warnings) == 0 {
		t.Fatal("a SEV1 without a commander is not flagged")
	}
	step()
	if _, err = alice.Assign(ctx, ref, "ir_lead", "alice"); err != nil {
		t.Fatal(err)
	}
	step()
	if _, err = alice.Transition(ctx, ref, "active", ""); err != nil {
		t.Fatal(err)
	}
	step()
	_, err = alice.Transition(ctx, ref, "contained", "")
	wantStatus(t, err, 422, "incident_commander")
	if _, err = alice.Assign(ctx, ref, "incident_commander", "bob"); err != nil {
		t.Fatal(err)
	}
	step()
	if _, err = alice.Transition(ctx, ref, "contained", ""); err != nil {
		t.Fatal(err)
	}
	step()
	_, err = alice.Transition(ctx, ref, "eradicated", "")
	wantStatus(t, err, 422, "root_cause")
	rc := "CI token committed to a public repository"
	if _, err = alice.Update(ctx, ref, httpapi.PatchBody{RootCause: &rc}, 0); err != nil {
		t.Fatal(err)
	}
	if _, err = alice.Transition(ctx, ref, "eradicated", ""); err != nil {
		t.Fatal(err)
	}
	// Recovery on Friday 2026-11-27 10:00 UTC: five business days later
	// skips the weekend and lands on the next Friday.
	s.clock.Advance(2 * 24 * time.Hour)
	inc, err = alice.Transition(ctx, ref, "recovered", "")
	if err != nil {
		t.Fatal(err)
	}
	want := time.Date(2026, 12, 4, 10, 0, 0, 0, time.UTC)
	if rec := inc.Phases["recovered"]; rec.Weekday() != time.Friday {
		t.Fatalf("recovered on %s, want a Friday", rec.Weekday())
	}
	if inc.PostmortemDue == nil || !inc.PostmortemDue.Equal(want) {
		t.Fatalf("postmortem_due %v, want %v (recovered %v)", inc.PostmortemDue, want, inc.Phases["recovered"])
	}
	step()
	_, err = alice.Transition(ctx, ref, "closed", "")
	wantStatus(t, err, 422, "postmortem")
	if _, err = alice.SavePostmortem(ctx, ref, httpapi.PostmortemBody{Summary: "# What happened\n...",
		RootCauses: []incident.Cause{{Category: incident.CauseAccess, Text: "a CI token in a public repository"}}}); err != nil {
		t.Fatal(err)
	}
	step()
	// The review: the IR Lead (alice, who wrote it) and the commander
	// (bob); bob's approval is the one the policy asks for.
	_, err = alice.PublishPostmortem(ctx, ref)
	wantStatus(t, err, 422, "status")
	if pm, err := alice.RequestPostmortemReview(ctx, ref, nil); err != nil || !slices.Equal(pm.Reviewers, []string{"alice", "bob"}) {
		t.Fatalf("request review: %v %+v", err, pm)
	}
	_, err = alice.ReviewPostmortem(ctx, ref, httpapi.ReviewBody{Verdict: "approve"})
	wantStatus(t, err, 403, "reviewer")
	step()
	if _, err = bob.ReviewPostmortem(ctx, ref, httpapi.ReviewBody{Verdict: "approve", Comment: "clear"}); err != nil {
		t.Fatal(err)
	}
	step()
	if pm, err := alice.PublishPostmortem(ctx, ref); err != nil || pm.Status != "published" || pm.PublishedAt == nil {
		t.Fatalf("publish: %v %+v", err, pm)
	}
	step()
	waiveOpenDuties(t, s.app.Services.Duties, ref)
	if inc, err = alice.Transition(ctx, ref, "closed", ""); err != nil {
		t.Fatal(err)
	}
	if inc.State != "closed" {
		t.Fatalf("state %s", inc.State)
	}
	tl, err := alice.Timeline(ctx, ref, nil, false)
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for i, it := range tl.Items {
		if it.Seq != int64(i+1) || it.RecordedAt.IsZero() || it.Hash == "" {
			t.Fatalf("timeline item %d: %+v", i, it)
		}
		if it.Type == "obligation.waived" {
			continue // the possible duties the admin waived so it could close
		}
		if it.Actor != "alice" && !(it.Actor == "bob" && it.Type == incident.EvPostmortemReviewed) {
			t.Fatalf("timeline item %d: %+v", i, it)
		}
		got = append(got, it.Text)
	}
	wantText := []string{`declared INC-1 "Credential leak on build server"`, "severity  → SEV1", "alice is IR Lead", "triage → active",
		"bob is Incident Commander", "active → contained", `root cause set to "CI token committed to a public repository"`, "contained → eradicated",
		"eradicated → recovered", "task added (post_incident): Hold the post-mortem review", "post-mortem text saved", "post-mortem review requested from alice, bob", "bob approved the post-mortem", "post-mortem published", "recovered → closed"}
	wantText[1] = "classified as SEV1"
	// The post-mortem's lines end with the hash of their text.
	if !slices.EqualFunc(got, wantText, strings.HasPrefix) {
		t.Fatalf("timeline:\n%s\nwant:\n%s", strings.Join(got, "\n"), strings.Join(wantText, "\n"))
	}
}

func raw(t *testing.T, s *setup, method, path, token, body string) (int, map[string]any, http.Header) {
	t.Helper()
	req, _ := http.NewRequest(method, s.app.URL()+path, strings.NewReader(body))
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	data, _ := io.ReadAll(resp.Body)
	var m map[string]any
	json.Unmarshal(data, &m)
	return resp.StatusCode, m, resp.Header
}

var _ = bytes.NewReader
