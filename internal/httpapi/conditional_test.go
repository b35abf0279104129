package httpapi

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestETagMatches(t *testing.T) {
	for _, tt := range []struct {
		inm, etag string
		want      bool
	}{
		{`"3"`, `"3"`, true},
		{`W/"3"`, `"3"`, true},
		{`"3"`, `W/"3"`, true},
		{`"1", "2" ,"3"`, `"3"`, true},
		{`*`, `"3"`, true},
		{`"2"`, `"3"`, false},
		{`"3"`, ``, false},
		{`*`, ``, false},
		{`3`, `"3"`, false},
	} {
		if got := etagMatches(tt.inm, tt.etag); got != tt.want {
			t.Errorf("etagMatches(%q, %q) = %v, want %v", tt.inm, tt.etag, got, tt.want)
		}
	}
}

func FuzzETagMatches(f *testing.F) {
	for _, s := range []string{`"3"`, `W/"3", "4"`, "*", "", ",,,", `W/`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, inm string) {
		if etagMatches(inm, "") {
			t.Fatalf("%q matched an answer without an ETag", inm)
		}
		if !etagMatches(inm+`, "x"`, `"x"`) {
			t.Fatalf("%q followed by the tag did not match it", inm)
		}
	})
}

// Only a 200 with the ETag asked about becomes a 304; other answers and
// methods pass as they are.
func TestNotModified(t *testing.T) {
	h := notModified(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("ETag", `"7"`)
		w.Header().Set("Content-Type", "application/json")
		if r.URL.Path == "/missing" {
			w.WriteHeader(http.StatusNotFound)
		}
		w.Write([]byte(`{"version":7}`))
	}))
	for _, tt := range []struct {
		method, path, inm string
		status            int
		body              string
	}{
		{"GET", "/x", `"7"`, 304, ""},
		{"HEAD", "/x", `W/"7"`, 304, ""},
		{"GET", "/x", `"6"`, 200, `{"version":7}`},
		{"GET", "/x", "", 200, `{"version":7}`},
		{"GET", "/missing", `"7"`, 404, `{"version":7}`},
		{"POST", "/x", `"7"`, 200, `{"version":7}`},
	} {
		req := httptest.NewRequest(tt.method, tt.path, nil)
		if tt.inm != "" {
			req.Header.Set("If-None-Match", tt.inm)
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Code != tt.status || rec.Body.String() != tt.body || rec.Header().Get("ETag") != `"7"` {
			t.Errorf("%s %s If-None-Match %q: %d %q ETag %q, want %d %q", tt.method, tt.path, tt.inm, rec.Code, rec.Body, rec.Header().Get("ETag"), tt.status, tt.body)
		}
		if tt.status == 304 && rec.Header().Get("Content-Type") != "" {
			t.Errorf("304 with Content-Type %q", rec.Header().Get("Content-Type"))
		}
	}
}
