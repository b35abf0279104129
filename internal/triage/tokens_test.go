package triage

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// integrationStore is the integrations half of a Store, counting reads;
// change stands for a write through another node.
type integrationStore struct {
	Store // the rest is not used: a call panics
	mu    sync.Mutex
	byKey map[string]Integration
	reads int
}

func (s *integrationStore) IntegrationByToken(_ context.Context, hash string) (Integration, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.reads++
	it, ok := s.byKey[hash]
	if !ok {
		return Integration{}, errs.E(errs.NotFound, "", "no integration")
	}
	return it, nil
}

func (s *integrationStore) DisableIntegration(_ context.Context, id string) error {
	s.change(func(it *Integration) { it.Disabled = it.ID == id || it.Disabled })
	return nil
}

func (s *integrationStore) PutIntegration(_ context.Context, in Integration, hash string) error {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, it := range s.byKey {
		if it.Name == in.Name {
			delete(s.byKey, k)
		}
	}
	s.byKey[hash] = in
	return nil
}

func (s *integrationStore) change(fn func(*Integration)) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for k, it := range s.byKey {
		fn(&it)
		s.byKey[k] = it
	}
}

// authorised reports whether Receive let the secret in: an empty body gets
// past the token check and is refused as Invalid.
func authorised(t *testing.T, s *Service, secret string) bool {
	t.Helper()
	_, err := s.Receive(context.Background(), alert.SourceAlertmanager, secret, nil)
	switch errs.CodeOf(err) {
	case errs.Invalid:
		return true
	case errs.Unauthorized:
		return false
	}
	t.Fatalf("Receive: %v", err)
	return false
}

func TestIntegrationTokensAreCachedSafely(t *testing.T) {
	const secret = "0123456789abcdef-secret"
	now := time.Date(2026, 12, 7, 12, 0, 0, 0, time.UTC)
	st := &integrationStore{byKey: map[string]Integration{
		auth.HashToken(secret): {ID: "i1", Kind: alert.SourceAlertmanager, Name: "prom", Service: "checkout"},
	}}
	svc := NewService(st, nil, nil, slog.New(slog.NewTextHandler(io.Discard, nil)), func() time.Time { return now }, func() string { return "i2" })

	for range 2 {
		if !authorised(t, svc, secret) {
			t.Fatal("a valid token was refused")
		}
	}
	if st.reads != 1 {
		t.Fatalf("two deliveries read the integration %d times, want 1", st.reads)
	}
	for range 2 {
		if authorised(t, svc, "wrong-secret-0123456789") {
			t.Fatal("an unknown token was accepted")
		}
	}
	if st.reads != 3 {
		t.Fatalf("unknown tokens: want refused and not cached (reads %d, want 3)", st.reads)
	}

	// Disabled through another node: trusted for at most IntegrationTTL.
	st.change(func(it *Integration) { it.Disabled = true })
	now = now.Add(IntegrationTTL - time.Millisecond)
	if !authorised(t, svc, secret) {
		t.Fatal("the cached integration was read again before its time")
	}
	now = now.Add(time.Millisecond)
	if authorised(t, svc, secret) {
		t.Fatal("an integration disabled through another node still worked after IntegrationTTL")
	}

	// Re-enabled, cached, then disabled through this node: refused at once.
	st.change(func(it *Integration) { it.Disabled = false })
	now = now.Add(IntegrationTTL)
	if !authorised(t, svc, secret) {
		t.Fatal("re-enabled integration refused")
	}
	if err := svc.DisableIntegration(context.Background(), "i1"); err != nil {
		t.Fatal(err)
	}
	if authorised(t, svc, secret) {
		t.Fatal("an integration disabled through this node still worked")
	}

	// A secret replaced by configuration: the old one stops at once.
	const next = "fedcba9876543210-secret"
	st.change(func(it *Integration) { it.Disabled = false })
	now = now.Add(IntegrationTTL)
	if !authorised(t, svc, secret) {
		t.Fatal("re-enabled integration refused")
	}
	if err := svc.ApplyIntegration(context.Background(), IntegrationInput{Kind: alert.SourceAlertmanager, Name: "prom"}, next); err != nil {
		t.Fatal(err)
	}
	if authorised(t, svc, secret) || !authorised(t, svc, next) {
		t.Fatal("after the secret was replaced: the old one must be refused and the new one taken")
	}
}
