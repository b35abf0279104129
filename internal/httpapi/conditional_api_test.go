package httpapi_test

import (
	"strings"
	"testing"
)

// Through the API: an unchanged incident is 304 with its ETag, a changed
// one 200; a caller who may not see it gets 404 whatever it names.
func TestIncidentReadHonoursIfNoneMatch(t *testing.T) {
	t.Parallel()
	s := newSetup(t)
	a := s.call(t, "rita", "POST", "/api/v1/incidents", `{"title":"cond","restricted":true}`)
	etag := a.header.Get("ETag")
	if a.status != 201 || etag == "" {
		t.Fatalf("declare: %d ETag %q %s", a.status, etag, a.raw)
	}
	if b := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1", "", "If-None-Match", etag); b.status != 304 || b.header.Get("ETag") != etag || b.raw != "" {
		t.Fatalf("unchanged: %d ETag %q body %q", b.status, b.header.Get("ETag"), b.raw)
	}
	if b := s.call(t, "vera", "GET", "/api/v1/incidents/INC-1", "", "If-None-Match", etag); b.status != 404 {
		t.Fatalf("restricted, named ETag: %d %s", b.status, b.raw)
	}
	s.call(t, "rita", "PATCH", "/api/v1/incidents/INC-1", `{"title":"cond 2"}`)
	b := s.call(t, "rita", "GET", "/api/v1/incidents/INC-1", "", "If-None-Match", etag)
	if b.status != 200 || b.header.Get("ETag") == etag || !strings.Contains(b.raw, "cond 2") {
		t.Fatalf("changed: %d ETag %q %s", b.status, b.header.Get("ETag"), b.raw)
	}
}
