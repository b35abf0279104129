package browsertest

import (
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/app"
)

// Duties the browser tests name.
const (
	nis2 = "eu-nis2-art23-significant-incident"
	gdpr = "eu-gdpr-art33-supervisory-authority"
)

// site drives the console without a browser: a plain form post, as a
// browser with script off sends it.
type site struct {
	app *app.App
	url string
}

type resp struct {
	status   int
	location string
	body     string
}

// browser is a plain HTTP client with cookies that does not follow
// redirects, so tests see them.
func (s *site) browser(t *testing.T) *http.Client {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	return &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

func (s *site) post(t *testing.T, c *http.Client, path string, form url.Values) resp {
	t.Helper()
	req, err := http.NewRequest("POST", s.url+path, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	return resp{status: r.StatusCode, location: r.Header.Get("Location"), body: string(b)}
}
