package apiclient_test

import (
	"context"
	"net/http"
	"slices"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/apiclient"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

const adminToken = "fbk_test_bootstrap_admin_token_0123456789"

// TestGeneratedClientRunsAScenario drives a real server on loopback through
// the generated client only, and reads every answer through its typed
// fields: a client generated from the document works against the server
// that serves it, refusals included.
func TestGeneratedClientRunsAScenario(t *testing.T) {
	t.Parallel()
	for name, dsn := range map[string]func(testing.TB) string{
		"sqlite":   storetest.SQLiteDSN,
		"postgres": storetest.PostgresDSN,
	} {
		t.Run(name, func(t *testing.T) {
			t.Parallel()
			runScenario(t, startServer(t, dsn(t)))
		})
	}
}

func startServer(t *testing.T, dsn string) string {
	t.Helper()
	a, err := app.New(t.Context(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken,
		Version: "test", Outbound: outbound.LoopbackPolicy()})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	return a.URL()
}

// as returns a client that authenticates with token.
func as(t *testing.T, url, token string) *apiclient.ClientWithResponses {
	t.Helper()
	c, err := apiclient.NewClientWithResponses(url, apiclient.WithRequestEditorFn(
		func(_ context.Context, req *http.Request) error {
			req.Header.Set("Authorization", "Bearer "+token)
			return nil
		}))
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// answer is what every generated response type has.
type answer interface{ StatusCode() int }

// must fails the test unless the call succeeded with status.
func must[A answer](t *testing.T, status int) func(A, error) A {
	return func(a A, err error) A {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		if a.StatusCode() != status {
			t.Fatalf("%T: status %d, want %d", a, a.StatusCode(), status)
		}
		return a
	}
}

func runScenario(t *testing.T, url string) {
	ctx := t.Context()
	admin := as(t, url, adminToken)

	// An admin makes a responder and a token for her; she works with it.
	must[*apiclient.CreateUserResponse](t, http.StatusCreated)(admin.CreateUserWithResponse(ctx,
		apiclient.UserBody{Username: "rita", Role: ptr(apiclient.UserBodyRoleResponder)}))
	tok := must[*apiclient.CreateTokenResponse](t, http.StatusCreated)(admin.CreateTokenWithResponse(ctx,
		apiclient.TokenBody{User: "rita", Name: "genclient"})).JSON201
	if tok == nil || tok.Secret == "" || tok.Username != "rita" {
		t.Fatalf("new token: %+v", tok)
	}
	rita := as(t, url, tok.Secret)
	if me := must[*apiclient.MeResponse](t, http.StatusOK)(rita.MeWithResponse(ctx)).JSON200; me.Username != "rita" || me.Role != "responder" {
		t.Fatalf("me: %+v", me)
	}

	// Declare, then read it back.
	declared := must[*apiclient.DeclareIncidentResponse](t, http.StatusCreated)(rita.DeclareIncidentWithResponse(ctx, nil,
		apiclient.DeclareBody{Title: "Checkout errors", Summary: ptr("5xx on pay"), Severity: ptr("SEV2"),
			Labels: &map[string]string{"team": "sre"}}))
	inc := declared.JSON201
	if inc == nil || inc.Ref == "" || inc.State != "triage" || inc.Title != "Checkout errors" || inc.DeclaredBy != "rita" {
		t.Fatalf("declared: %+v", inc)
	}
	firstETag := declared.Headers201.ETag
	if firstETag == nil || *firstETag == "" {
		t.Fatal("the declaration has no ETag")
	}
	got := must[*apiclient.GetIncidentResponse](t, http.StatusOK)(rita.GetIncidentWithResponse(ctx, inc.Ref))
	if got.JSON200.Ref != inc.Ref || got.JSON200.Version != inc.Version || got.JSON200.Labels["team"] != "sre" {
		t.Fatalf("read back: %+v, declared %+v", got.JSON200, inc)
	}
	if *got.Headers200.ETag != *firstETag {
		t.Fatalf("ETag %s on reading, %s on declaring", *got.Headers200.ETag, *firstETag)
	}

	// Assign the roles leaving triage needs, each on the version before.
	etag := firstETag
	for _, role := range []apiclient.RoleBodyRole{apiclient.RoleBodyRoleIrLead, apiclient.RoleBodyRoleIncidentCommander} {
		a := must[*apiclient.AssignRoleResponse](t, http.StatusOK)(rita.AssignRoleWithResponse(ctx, inc.Ref,
			&apiclient.AssignRoleParams{IfMatch: etag}, apiclient.RoleBody{Role: role, User: "rita"}))
		if a.JSON200.Roles == nil || !slices.ContainsFunc(*a.JSON200.Roles, func(r apiclient.Assignment) bool {
			return r.Role == string(role) && r.User == "rita"
		}) {
			t.Fatalf("after assigning %s: roles %+v", role, a.JSON200.Roles)
		}
		etag = a.Headers200.ETag
	}

	// A change based on the first version is refused: it is stale.
	stale := must[*apiclient.TransitionIncidentResponse](t, http.StatusPreconditionFailed)(rita.TransitionIncidentWithResponse(ctx, inc.Ref,
		&apiclient.TransitionIncidentParams{IfMatch: firstETag}, apiclient.TransitionBody{To: apiclient.TransitionBodyToActive}))
	if p := stale.ApplicationProblemJSON412; p == nil || p.Status == nil || *p.Status != http.StatusPreconditionFailed {
		t.Fatalf("stale If-Match: %+v (%s)", p, stale.Body)
	}
	active := must[*apiclient.TransitionIncidentResponse](t, http.StatusOK)(rita.TransitionIncidentWithResponse(ctx, inc.Ref,
		&apiclient.TransitionIncidentParams{IfMatch: etag}, apiclient.TransitionBody{To: apiclient.TransitionBodyToActive}))
	if active.JSON200.State != "active" || active.JSON200.Phases["active"].IsZero() {
		t.Fatalf("after the transition: state %s, phases %v", active.JSON200.State, active.JSON200.Phases)
	}

	// A note on the timeline, read back in order.
	note := must[*apiclient.AddTimelineEntryResponse](t, http.StatusCreated)(rita.AddTimelineEntryWithResponse(ctx, inc.Ref,
		apiclient.EntryBody{Kind: apiclient.EntryBodyKindNote, Body: "Error rate 30%"})).JSON201
	if note.Actor != "rita" || note.Kind == nil || *note.Kind != "note" || note.Hash == "" {
		t.Fatalf("note: %+v", note)
	}
	timeline := must[*apiclient.GetTimelineResponse](t, http.StatusOK)(rita.GetTimelineWithResponse(ctx, inc.Ref, nil)).JSON200
	if timeline.Items == nil || !slices.ContainsFunc(*timeline.Items, func(e apiclient.TimelineItem) bool {
		return e.Seq == note.Seq && e.Hash == note.Hash
	}) {
		t.Fatalf("the timeline has no note %d: %+v", note.Seq, timeline.Items)
	}

	// A second incident stays in triage; declared again with the same
	// Idempotency-Key, it is answered, not made twice. The filter tells
	// the two incidents apart.
	key := &apiclient.DeclareIncidentParams{IdempotencyKey: ptr("genclient-odd-login")}
	other := must[*apiclient.DeclareIncidentResponse](t, http.StatusCreated)(rita.DeclareIncidentWithResponse(ctx, key,
		apiclient.DeclareBody{Title: "Odd login"})).JSON201
	again := must[*apiclient.DeclareIncidentResponse](t, http.StatusCreated)(rita.DeclareIncidentWithResponse(ctx, key,
		apiclient.DeclareBody{Title: "Odd login"}))
	if again.JSON201.Ref != other.Ref || again.HTTPResponse.Header.Get("Idempotent-Replayed") != "true" {
		t.Fatalf("the repeat: %s (Idempotent-Replayed %q), the first %s", again.JSON201.Ref,
			again.HTTPResponse.Header.Get("Idempotent-Replayed"), other.Ref)
	}
	for _, tc := range []struct {
		state string
		want  []string
	}{
		{"active", []string{inc.Ref}},
		{"triage", []string{other.Ref}},
		{"open", []string{other.Ref, inc.Ref}}, // newest first
	} {
		list := must[*apiclient.ListIncidentsResponse](t, http.StatusOK)(rita.ListIncidentsWithResponse(ctx,
			&apiclient.ListIncidentsParams{State: &[]string{tc.state}})).JSON200
		var refs []string
		for _, i := range *list.Items {
			refs = append(refs, i.Ref)
		}
		if !slices.Equal(refs, tc.want) {
			t.Errorf("state=%s: %v, want %v", tc.state, refs, tc.want)
		}
	}

	// Refusals arrive as typed problems.
	missing := must[*apiclient.GetIncidentResponse](t, http.StatusNotFound)(rita.GetIncidentWithResponse(ctx, "INC-999"))
	if p := missing.ApplicationProblemJSON404; p == nil || p.Status == nil || *p.Status != http.StatusNotFound || p.Detail == nil {
		t.Fatalf("unknown incident: %+v (%s)", p, missing.Body)
	}
	blank := must[*apiclient.DeclareIncidentResponse](t, http.StatusUnprocessableEntity)(rita.DeclareIncidentWithResponse(ctx, nil,
		apiclient.DeclareBody{Title: "   "}))
	p := blank.ApplicationProblemJSON422
	if p == nil || p.Errors == nil || !slices.ContainsFunc(*p.Errors, func(e apiclient.ErrorDetail) bool {
		return e.Location != nil && *e.Location == "title"
	}) {
		t.Fatalf("blank title: %+v (%s)", p, blank.Body)
	}
	// A viewer may read but not declare; a token nobody issued gets nothing.
	must[*apiclient.CreateUserResponse](t, http.StatusCreated)(admin.CreateUserWithResponse(ctx,
		apiclient.UserBody{Username: "vera", Role: ptr(apiclient.UserBodyRoleViewer)}))
	veraTok := must[*apiclient.CreateTokenResponse](t, http.StatusCreated)(admin.CreateTokenWithResponse(ctx,
		apiclient.TokenBody{User: "vera", Name: "genclient"})).JSON201
	vera := as(t, url, veraTok.Secret)
	must[*apiclient.GetIncidentResponse](t, http.StatusOK)(vera.GetIncidentWithResponse(ctx, inc.Ref))
	if refused := must[*apiclient.DeclareIncidentResponse](t, http.StatusForbidden)(vera.DeclareIncidentWithResponse(ctx, nil,
		apiclient.DeclareBody{Title: "Not mine to declare"})); refused.ApplicationProblemJSON403 == nil {
		t.Fatalf("a viewer declaring: %s", refused.Body)
	}
	if list := must[*apiclient.ListIncidentsResponse](t, http.StatusUnauthorized)(as(t, url, "fbk_not_a_token").ListIncidentsWithResponse(ctx, nil)); list.ApplicationProblemJSON401 == nil {
		t.Fatalf("a bad token: %s", list.Body)
	}
}

func ptr[T any](v T) *T { return &v }
