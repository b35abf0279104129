package storetest

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"reflect"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// testIntegrations: an integration is stored by its secret's hash and
// found by it; names and secrets are unique (Conflict, nothing stored);
// the list is by name; disabling shows in both reads; an unknown secret or
// ID is not found.
func testIntegrations(t *testing.T, s *Setup) {
	if its, err := s.DB.Integrations(ctx); err != nil || its == nil || len(its) != 0 {
		t.Fatalf("no integrations yet: %#v %v (want an empty list)", its, err)
	}
	at := s.Clock.Now()
	zeta := triage.Integration{ID: "int-1", Kind: alert.SourceAlertmanager, Name: "zeta", Service: "api", Team: "core", CreatedBy: "root", CreatedAt: at}
	alpha := triage.Integration{ID: "int-2", Kind: alert.SourceGeneric, Name: "alpha", Service: "db", Team: "data", CreatedBy: "alice", CreatedAt: at.Add(time.Minute)}
	for _, in := range []struct {
		it   triage.Integration
		hash string
	}{{zeta, "hash-zeta"}, {alpha, "hash-alpha"}} {
		if err := s.DB.CreateIntegration(ctx, in.it, in.hash); err != nil {
			t.Fatalf("create %s: %v", in.it.Name, err)
		}
	}
	for _, tt := range []struct {
		name  string
		it    triage.Integration
		hash  string
		field string
	}{
		{"same name", triage.Integration{ID: "int-3", Kind: alert.SourceGeneric, Name: "zeta", Service: "x", CreatedAt: at}, "hash-new", "name"},
		{"same secret", triage.Integration{ID: "int-4", Kind: alert.SourceGeneric, Name: "other", Service: "x", CreatedAt: at}, "hash-alpha", ""},
		{"same id", triage.Integration{ID: "int-1", Kind: alert.SourceGeneric, Name: "another", Service: "x", CreatedAt: at}, "hash-another", ""},
	} {
		err := s.DB.CreateIntegration(ctx, tt.it, tt.hash)
		if errs.CodeOf(err) != errs.Conflict {
			t.Errorf("%s: %v, want a conflict", tt.name, err)
		}
		if e, _ := errs.As(err); tt.field != "" && e.Field != tt.field {
			t.Errorf("%s: conflict on field %q, want %q", tt.name, e.Field, tt.field)
		}
	}
	list := func() []triage.Integration {
		t.Helper()
		its, err := s.DB.Integrations(ctx)
		if err != nil {
			t.Fatal(err)
		}
		for i := range its {
			its[i].CreatedAt = its[i].CreatedAt.UTC()
		}
		return its
	}
	if got := list(); !reflect.DeepEqual(got, []triage.Integration{alpha, zeta}) {
		t.Fatalf("integrations (refused ones must not be stored):\n got %+v\nwant %+v", got, []triage.Integration{alpha, zeta})
	}
	byToken := func(hash string) (triage.Integration, error) {
		it, err := s.DB.IntegrationByToken(ctx, hash)
		it.CreatedAt = it.CreatedAt.UTC()
		return it, err
	}
	if got, err := byToken("hash-zeta"); err != nil || !reflect.DeepEqual(got, zeta) {
		t.Fatalf("by token: %+v %v, want %+v", got, err, zeta)
	}
	for _, h := range []string{"hash-nope", "", "HASH-ZETA"} {
		_, err := s.DB.IntegrationByToken(ctx, h)
		wantCode(t, err, errs.NotFound)
	}

	if err := s.DB.DisableIntegration(ctx, zeta.ID); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.DisableIntegration(ctx, zeta.ID); err != nil {
		t.Fatalf("disabling twice: %v", err)
	}
	wantCode(t, s.DB.DisableIntegration(ctx, "int-nope"), errs.NotFound)
	if got, err := byToken("hash-zeta"); err != nil || !got.Disabled {
		t.Fatalf("a disabled integration by token: %+v %v", got, err)
	}
	if got := list(); got[0].Disabled || !got[1].Disabled {
		t.Fatalf("after disabling zeta: %+v", got)
	}
}

// testPutIntegration: configuration as code creates an integration by name
// or updates it in place (same ID, creator and creation time; new kind,
// service, team and secret, enabled again); a secret that is another
// integration's is a conflict that changes nothing.
func testPutIntegration(t *testing.T, s *Setup) {
	at := s.Clock.Now()
	in := triage.Integration{ID: "int-1", Kind: alert.SourceAlertmanager, Name: "prom", Service: "api", Team: "core", CreatedBy: "config", CreatedAt: at}
	if err := s.DB.PutIntegration(ctx, in, "hash-1"); err != nil {
		t.Fatal(err)
	}
	other := triage.Integration{ID: "int-2", Kind: alert.SourceGeneric, Name: "other", Service: "x", CreatedBy: "root", CreatedAt: at}
	if err := s.DB.CreateIntegration(ctx, other, "hash-other"); err != nil {
		t.Fatal(err)
	}
	if err := s.DB.DisableIntegration(ctx, in.ID); err != nil {
		t.Fatal(err)
	}
	// A second put under another ID and time: the stored identity stays.
	changed := triage.Integration{ID: "int-9", Kind: alert.SourceGrafana, Name: "prom", Service: "web", Team: "edge", CreatedBy: "someone", CreatedAt: at.Add(time.Hour)}
	if err := s.DB.PutIntegration(ctx, changed, "hash-2"); err != nil {
		t.Fatal(err)
	}
	want := in
	want.Kind, want.Service, want.Team = alert.SourceGrafana, "web", "edge"
	got, err := s.DB.IntegrationByToken(ctx, "hash-2")
	got.CreatedAt = got.CreatedAt.UTC()
	if err != nil || !reflect.DeepEqual(got, want) {
		t.Fatalf("after the update:\n got %+v %v\nwant %+v", got, err, want)
	}
	_, err = s.DB.IntegrationByToken(ctx, "hash-1")
	wantCode(t, err, errs.NotFound)

	err = s.DB.PutIntegration(ctx, triage.Integration{ID: "int-1", Kind: alert.SourceGeneric, Name: "prom", Service: "stolen", CreatedAt: at}, "hash-other")
	if e, ok := errs.As(err); !ok || e.Code != errs.Conflict || e.Field != "token" {
		t.Fatalf("put with another integration's secret: %v, want a conflict on token", err)
	}
	if got, err := s.DB.IntegrationByToken(ctx, "hash-2"); err != nil || got.Service != "web" {
		t.Fatalf("the refused put changed the integration: %+v %v", got, err)
	}
	if got, err := s.DB.IntegrationByToken(ctx, "hash-other"); err != nil || got.Name != "other" {
		t.Fatalf("the refused put changed the other integration: %+v %v", got, err)
	}
	if its, err := s.DB.Integrations(ctx); err != nil || len(its) != 2 {
		t.Fatalf("integrations: %+v %v, want two", its, err)
	}
}

// testAttachments: a file is stored by its SHA-256 and read back byte for
// byte (binary content included); storing the same content again keeps the
// first record; an unknown hash is not found.
func testAttachments(t *testing.T, s *Setup) {
	data := []byte("line one\r\n\x00\xff\xfe binary \x1b tail")
	sum := sha256.Sum256(data)
	a := triage.Attachment{SHA256: hex.EncodeToString(sum[:]), Name: "evidence.bin", ContentType: "application/octet-stream", Size: int64(len(data))}
	if err := s.DB.PutAttachment(ctx, a, data, s.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	again := a
	again.Name, again.ContentType = "renamed.txt", "text/plain"
	if err := s.DB.PutAttachment(ctx, again, data, s.Clock.Now().Add(time.Hour)); err != nil {
		t.Fatalf("storing the same content twice: %v", err)
	}
	got, body, err := s.DB.Attachment(ctx, a.SHA256)
	if err != nil || got != a || !bytes.Equal(body, data) {
		t.Fatalf("attachment: %+v %q %v, want %+v %q", got, body, err, a, data)
	}
	empty := sha256.Sum256(nil)
	e := triage.Attachment{SHA256: hex.EncodeToString(empty[:]), Name: "empty", ContentType: "text/plain"}
	if err := s.DB.PutAttachment(ctx, e, []byte{}, s.Clock.Now()); err != nil {
		t.Fatal(err)
	}
	if got, body, err := s.DB.Attachment(ctx, e.SHA256); err != nil || got != e || len(body) != 0 {
		t.Fatalf("empty attachment: %+v %q %v", got, body, err)
	}
	_, _, err = s.DB.Attachment(ctx, "0000")
	if ee, ok := errs.As(err); !ok || ee.Code != errs.NotFound || ee.Field != "sha256" {
		t.Fatalf("unknown attachment: %v, want not found on sha256", err)
	}
}
