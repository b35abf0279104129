package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

// A webhook's bearer token is its integration's secret: authenticate
// passes those routes on without looking it up as an API token (the
// server here has no auth service, so a lookup would panic), and the
// routes check the secret themselves. Other routes still get a verdict.
func TestAuthenticateSkipsIntegrationPaths(t *testing.T) {
	s := &Server{}
	for _, tc := range []struct {
		path, authorization string
		reaches             bool // the handler sees no principal and no error
	}{
		{"/hooks/alertmanager", "Bearer integration-secret", true},
		{"/hooks/alertmanager/integration-secret", "Bearer whatever", true},
		{"/hooks/pagerduty", "Bearer integration-secret", true},
		{"/v2/enqueue", "Bearer integration-secret", true},
		// An unsupported scheme is judged without a lookup: the error is
		// there for authorize.
		{"/api/v1/incidents", "Basic dXNlcjpwYXNz", false},
		{"/v2/enqueue/more", "Basic dXNlcjpwYXNz", false},
	} {
		t.Run(tc.path, func(t *testing.T) {
			var principal, authErr bool
			h := s.authenticate(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				_, principal = principalFrom(r.Context())
				_, authErr = r.Context().Value(authErrKey).(error)
			}))
			r := httptest.NewRequest(http.MethodPost, tc.path, nil)
			r.Header.Set("Authorization", tc.authorization)
			func() {
				defer func() {
					if p := recover(); p != nil {
						t.Fatalf("looked the token up as an API token: %v", p)
					}
				}()
				h.ServeHTTP(httptest.NewRecorder(), r)
			}()
			if principal || authErr == tc.reaches {
				t.Errorf("principal %v, auth error %v; want none and an error %v", principal, authErr, !tc.reaches)
			}
		})
	}
}
