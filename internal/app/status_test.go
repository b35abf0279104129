package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"mime/multipart"
	"mime/quotedprintable"
	"net"
	"net/http"
	netmail "net/mail"
	"net/url"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/emersion/go-smtp"
	"github.com/mmcdole/gofeed"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// The public status page over a real loopback server: what a published
// incident shows on /status, in the Statuspage JSON and in the Atom feed,
// and that a restricted incident shows nowhere unless an administrator
// publishes it; then email subscriptions end to end through a real SMTP
// exchange.

const statusAdminToken = "fbk_status_bootstrap_admin_token_0123456789"

type statusEnv struct {
	fb     *app.App
	url    string
	tokens map[string]string
	box    *mailbox
	dsn    string
}

func newStatusEnv(t *testing.T, withMail bool) *statusEnv {
	t.Helper()
	ctx := context.Background()
	e := &statusEnv{tokens: map[string]string{"admin": statusAdminToken}, dsn: filepath.Join(t.TempDir(), "firebreak.db")}
	cfg := app.Config{Addr: "127.0.0.1:0", DSN: e.dsn, Version: "test", BootstrapToken: statusAdminToken}
	if withMail {
		e.box = startMailbox(t)
		cfg.Email = &notify.Email{Host: "127.0.0.1", Port: e.box.port, From: "Acme status <status@acme.test>", TLS: notify.TLSNone, Timeout: 5 * time.Second}
	}
	fb, err := app.New(ctx, cfg)
	if err != nil {
		t.Fatal(err)
	}
	if err := fb.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fb.Stop(context.Background()) })
	e.fb, e.url = fb, fb.URL()
	for _, u := range []string{"rita", "rob"} {
		if _, err := fb.Services.Auth.CreateUser(ctx, auth.UserInput{Username: u, Role: auth.Responder}); err != nil {
			t.Fatal(err)
		}
		_, secret, err := fb.Services.Auth.IssueToken(ctx, u, "test")
		if err != nil {
			t.Fatal(err)
		}
		e.tokens[u] = secret
	}
	return e
}

var noRedirect = &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}

type reply struct {
	code   int
	header http.Header
	body   string
}

func (r reply) json(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal([]byte(r.body), &v); err != nil {
		t.Fatalf("not JSON: %v\n%s", err, r.body)
	}
	return v
}

func (e *statusEnv) do(t *testing.T, user, method, path, ctype, body string) reply {
	t.Helper()
	req, err := http.NewRequest(method, e.url+path, strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		req.Header.Set("Authorization", "Bearer "+e.tokens[user])
	}
	if ctype != "" {
		req.Header.Set("Content-Type", ctype)
	}
	resp, err := noRedirect.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return reply{resp.StatusCode, resp.Header, string(b)}
}

func (e *statusEnv) api(t *testing.T, user, method, path, body string, want int) reply {
	t.Helper()
	r := e.do(t, user, method, path, "application/json", body)
	if r.code != want {
		t.Fatalf("%s %s as %s: %d, want %d\n%s", method, path, user, r.code, want, r.body)
	}
	return r
}

func (e *statusEnv) get(t *testing.T, path string, want int) reply {
	t.Helper()
	r := e.do(t, "", http.MethodGet, path, "", "")
	if r.code != want {
		t.Fatalf("GET %s: %d, want %d\n%s", path, r.code, want, r.body)
	}
	return r
}

func (e *statusEnv) form(t *testing.T, path string, v url.Values, want int) reply {
	t.Helper()
	r := e.do(t, "", http.MethodPost, path, "application/x-www-form-urlencoded", v.Encode())
	if r.code != want {
		t.Fatalf("POST %s: %d, want %d\n%s", path, r.code, want, r.body)
	}
	return r
}

// problemAt checks a problem+json answer names location.
func problemAt(t *testing.T, r reply, location string) {
	t.Helper()
	if !strings.HasPrefix(r.header.Get("Content-Type"), "application/problem+json") {
		t.Fatalf("not a problem: %s\n%s", r.header.Get("Content-Type"), r.body)
	}
	for _, d := range r.json(t)["errors"].([]any) {
		if d.(map[string]any)["location"] == location {
			return
		}
	}
	t.Fatalf("no problem at %s: %s", location, r.body)
}

func TestStatusPagePublishedAndRestricted(t *testing.T) {
	t.Parallel()
	e := newStatusEnv(t, false)
	ctx := context.Background()
	api := e.api(t, "admin", "POST", "/api/v1/status/components", `{"name":"API","description":"The public REST API"}`, 201).json(t)["id"].(string)
	e.api(t, "admin", "POST", "/api/v1/status/components", `{"name":"Website","group":"Web"}`, 201)
	e.api(t, "rita", "POST", "/api/v1/status/components", `{"name":"Console"}`, 403)
	problemAt(t, e.api(t, "admin", "POST", "/api/v1/status/components", `{"name":"API"}`, 409), "body.name")

	open, err := e.fb.Services.Incidents.Declare(ctx, "rita", incident.DeclareInput{Title: "INTERNAL db01 disk full", Summary: "db01 ran out of disk"})
	if err != nil {
		t.Fatal(err)
	}
	secret, err := e.fb.Services.Incidents.Declare(ctx, "admin", incident.DeclareInput{Title: "SECRET breach of billing", Restricted: true})
	if err != nil {
		t.Fatal(err)
	}

	// Problems are named by their place in the body.
	bad := e.api(t, "rita", "POST", "/api/v1/status/incidents", `{"incident":"`+open.Ref+`","title":" ","body":"","components":["nope"]}`, 422)
	for _, loc := range []string{"body.title", "body.impact", "body.body", "body.components[0]"} {
		problemAt(t, bad, loc)
	}
	pub := e.api(t, "rita", "POST", "/api/v1/status/incidents", fmt.Sprintf(`{"incident":%q,"title":"Slow API responses","impact":"minor",
		"body":"We are investigating slow responses from the API.","components":[%q],"component_states":{%q:"degraded_performance"}}`, open.Ref, api, api), 201).json(t)
	pubID := pub["id"].(string)
	problemAt(t, e.api(t, "rob", "POST", "/api/v1/status/incidents", `{"incident":"`+open.Ref+`","title":"x","impact":"minor","body":"x"}`, 409), "body.incident")

	// The restricted incident: rita cannot see it, an administrator must
	// confirm.
	restricted := `{"incident":"` + secret.Ref + `","title":"Billing delays","impact":"major","body":"Invoices are delayed."`
	e.api(t, "rita", "POST", "/api/v1/status/incidents", restricted+`}`, 404)
	problemAt(t, e.api(t, "admin", "POST", "/api/v1/status/incidents", restricted+`}`, 422), "body.confirm_restricted")

	home := e.get(t, "/status", 200)
	for _, want := range []string{"Slow API responses", "We are investigating slow responses from the API.", "Degraded performance", "Partially Degraded Service", "Website", "Web"} {
		if !strings.Contains(home.body, want) {
			t.Errorf("/status lacks %q", want)
		}
	}
	if cc := home.header.Get("Cache-Control"); !strings.Contains(cc, "public") {
		t.Errorf("/status Cache-Control %q", cc)
	}
	never := []string{"INTERNAL", "db01", "SECRET", "breach", "Billing delays", "Invoices are delayed", open.Ref, secret.Ref}
	docs := []string{"/status", "/status/history", "/status/feed.atom", "/status/api/v2/summary.json", "/status/api/v2/status.json",
		"/status/api/v2/incidents.json", "/status/api/v2/incidents/unresolved.json", "/status/api/v2/components.json", "/status/api/v2/scheduled-maintenances.json",
		"/status/api/v2/scheduled-maintenances/upcoming.json", "/status/api/v2/scheduled-maintenances/active.json",
		"/status/incidents/" + pubID}
	noneOf := func(when string, words []string) {
		t.Helper()
		for _, d := range docs {
			body := e.get(t, d, 200).body
			for _, w := range words {
				if strings.Contains(body, w) {
					t.Errorf("%s: %s shows %q", when, d, w)
				}
			}
		}
	}
	noneOf("before publishing the restricted incident", never)

	sum := e.get(t, "/status/api/v2/summary.json", 200)
	if got := sum.header.Get("Access-Control-Allow-Origin"); got != "*" {
		t.Errorf("summary.json CORS %q", got)
	}
	doc := sum.json(t)
	checkShape(t, "summary", doc, summaryShape)
	if ind := doc["status"].(map[string]any)["indicator"]; ind != "minor" {
		t.Errorf("indicator %v, want minor", ind)
	}
	incs := doc["incidents"].([]any)
	if len(incs) != 1 {
		t.Fatalf("summary incidents %v", incs)
	}
	inc0 := incs[0].(map[string]any)
	up0 := inc0["incident_updates"].([]any)[0].(map[string]any)
	if inc0["name"] != "Slow API responses" || inc0["impact"] != "minor" || up0["body"] != "We are investigating slow responses from the API." {
		t.Errorf("summary incident %v", inc0)
	}
	if ac := up0["affected_components"].([]any)[0].(map[string]any); ac["old_status"] != "operational" || ac["new_status"] != "degraded_performance" {
		t.Errorf("affected component %v", ac)
	}
	checkShape(t, "status", e.get(t, "/status/api/v2/status.json", 200).json(t), statusShape)
	checkShape(t, "incidents", e.get(t, "/status/api/v2/incidents.json", 200).json(t), incidentsShape)
	checkShape(t, "components", e.get(t, "/status/api/v2/components.json", 200).json(t), componentsShape)

	// A conditional GET of an unchanged document is 304.
	req, _ := http.NewRequest("GET", e.url+"/status/api/v2/summary.json", nil)
	req.Header.Set("If-None-Match", sum.header.Get("ETag"))
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 304 {
		t.Errorf("If-None-Match: %v %v", resp.StatusCode, err)
	} else {
		resp.Body.Close()
	}

	// HEAD answers as GET does, without the body: the same validators,
	// caching and length, so a monitor's HEAD probe is as good as a GET.
	for _, d := range append(docs, "/.well-known/security.txt") {
		var got [2]*http.Response
		for i, m := range []string{"GET", "HEAD"} {
			req, _ := http.NewRequest(m, e.url+d, nil)
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if m == "HEAD" && len(b) != 0 {
				t.Errorf("HEAD %s sent a body of %d bytes", d, len(b))
			}
			got[i] = resp
		}
		g, h := got[0], got[1]
		for _, k := range []string{"ETag", "Cache-Control", "Content-Type", "Content-Length", "Last-Modified"} {
			if g.Header.Get(k) != h.Header.Get(k) {
				t.Errorf("%s: %s is %q on GET, %q on HEAD", d, k, g.Header.Get(k), h.Header.Get(k))
			}
		}
		// security.txt is served only with an https public_url (404 here):
		// HEAD must still answer as GET does.
		if g.StatusCode != h.StatusCode || (d != "/.well-known/security.txt" && (g.StatusCode != 200 || g.Header.Get("ETag") == "")) {
			t.Errorf("%s: GET %d HEAD %d ETag %q", d, g.StatusCode, h.StatusCode, g.Header.Get("ETag"))
		}
	}

	feed := parseFeed(t, e.get(t, "/status/feed.atom", 200))
	if len(feed.Items) != 1 || feed.Items[0].Title != "Slow API responses" || !strings.Contains(feed.Items[0].Content, "We are investigating slow responses") ||
		feed.Items[0].Link != e.url+"/status/incidents/"+pubID {
		t.Fatalf("feed items %+v", feed.Items)
	}

	// An update: resolved, the component back to operational.
	e.api(t, "rob", "POST", "/api/v1/status/incidents/"+pubID+"/updates",
		fmt.Sprintf(`{"status":"resolved","body":"Responses are fast again.","component_states":{%q:"operational"}}`, api), 201)
	if ind := e.get(t, "/status/api/v2/status.json", 200).json(t)["status"].(map[string]any); ind["indicator"] != "none" || ind["description"] != "All Systems Operational" {
		t.Errorf("after resolving: %v", ind)
	}
	if u := e.get(t, "/status/incidents/"+pubID, 200).body; !strings.Contains(u, "Responses are fast again.") || !strings.Contains(u, "We are investigating") {
		t.Errorf("incident page lacks its updates")
	}

	// An administrator publishes the restricted incident, confirming: its
	// public title and text appear, its internal ones never.
	secretPub := e.api(t, "admin", "POST", "/api/v1/status/incidents", restricted+`,"confirm_restricted":true}`, 201).json(t)["id"].(string)
	for _, d := range []string{"/status", "/status/history", "/status/feed.atom", "/status/api/v2/summary.json", "/status/incidents/" + secretPub} {
		if !strings.Contains(e.get(t, d, 200).body, "Billing delays") {
			t.Errorf("%s lacks the published restricted incident", d)
		}
	}
	docs = append(docs, "/status/incidents/"+secretPub)
	noneOf("after publishing the restricted incident", []string{"INTERNAL", "SECRET", "breach", open.Ref, secret.Ref})
	// rita may not see it: its public page does not exist for her either.
	e.api(t, "rita", "POST", "/api/v1/status/incidents/"+secretPub+"/updates", `{"status":"identified","body":"x"}`, 404)

	// An incident restricted after it was published disappears from every
	// public view until an administrator confirms it.
	yes := true
	if _, err := e.fb.Services.Incidents.Update(ctx, incident.Command{Actor: incident.Viewer{User: "rita"}, Ref: open.Ref}, incident.UpdateInput{Restricted: &yes}); err != nil {
		t.Fatal(err)
	}
	e.get(t, "/status/incidents/"+pubID, 404)
	docs = slices.DeleteFunc(docs, func(d string) bool { return d == "/status/incidents/"+pubID })
	noneOf("after restricting the first incident", []string{"Slow API responses", "Responses are fast again."})
	staff := e.api(t, "admin", "GET", "/api/v1/status/incidents", "", 200).json(t)["items"].([]any)
	hidden := 0
	for _, it := range staff {
		if it.(map[string]any)["hidden"] == true {
			hidden++
		}
	}
	if len(staff) != 2 || hidden != 1 {
		t.Errorf("staff list: %d items, %d hidden", len(staff), hidden)
	}
	// rob may not see the restricted incidents, nor their public faces in
	// the staff list.
	if got := e.api(t, "rob", "GET", "/api/v1/status/incidents", "", 200).json(t)["items"].([]any); len(got) != 0 {
		t.Errorf("rob sees %v", got)
	}

	// Subscriptions are off without a relay.
	if !strings.Contains(home.body, "Email subscriptions are off") {
		t.Errorf("/status does not say subscriptions are off")
	}
	e.form(t, "/status/subscribe", url.Values{"email": {"ann@example.com"}}, 409)
}

func parseFeed(t *testing.T, r reply) *gofeed.Feed {
	t.Helper()
	if ct := r.header.Get("Content-Type"); !strings.HasPrefix(ct, "application/atom+xml") {
		t.Errorf("feed Content-Type %q", ct)
	}
	f, err := gofeed.NewParser().ParseString(r.body)
	if err != nil {
		t.Fatalf("the feed does not parse: %v\n%s", err, r.body)
	}
	if f.FeedType != "atom" || f.FeedVersion != "1.0" || f.Title == "" || f.UpdatedParsed == nil {
		t.Fatalf("feed %s %s %q updated %v", f.FeedType, f.FeedVersion, f.Title, f.UpdatedParsed)
	}
	for _, it := range f.Items {
		if it.GUID == "" || it.UpdatedParsed == nil || it.Title == "" {
			t.Errorf("entry without id, updated or title: %+v", it)
		}
	}
	return f
}

// ---- the Statuspage v2 shape ----

// shape is a JSON-schema-like description of an object: each required
// field's type ("string", "number", "bool", "time", "array", "object",
// "enum:a,b", with "|null" when it may be null) and, for arrays of
// objects and objects, the shape of their items.
type shape struct {
	fields map[string]string
	nested map[string]*shape
}

var (
	pageShape   = &shape{fields: map[string]string{"id": "string", "name": "string", "url": "string", "time_zone": "string", "updated_at": "time"}}
	statusPart  = &shape{fields: map[string]string{"indicator": "enum:none,minor,major,critical,maintenance", "description": "string"}}
	compStates  = "enum:operational,degraded_performance,partial_outage,major_outage,under_maintenance"
	compShape   = &shape{fields: map[string]string{"id": "string", "name": "string", "status": compStates, "created_at": "time", "updated_at": "time", "position": "number", "description": "string|null", "showcase": "bool", "start_date": "string|null", "group_id": "string|null", "page_id": "string", "group": "bool", "only_show_if_degraded": "bool"}}
	affectShape = &shape{fields: map[string]string{"code": "string", "name": "string", "old_status": compStates, "new_status": compStates}}
	updateShape = &shape{fields: map[string]string{"id": "string", "status": "string", "body": "string", "incident_id": "string", "created_at": "time", "updated_at": "time", "display_at": "time", "affected_components": "array|null", "deliver_notifications": "bool", "custom_tweet": "string|null", "tweet_id": "string|null"},
		nested: map[string]*shape{"affected_components": affectShape}}
	incShape = &shape{fields: map[string]string{"id": "string", "name": "string", "status": "enum:investigating,identified,monitoring,resolved,postmortem", "created_at": "time", "updated_at": "time", "monitoring_at": "time|null", "resolved_at": "time|null", "impact": "enum:none,minor,major,critical", "shortlink": "string", "started_at": "time", "page_id": "string", "incident_updates": "array", "components": "array"},
		nested: map[string]*shape{"incident_updates": updateShape, "components": compShape}}
	mntShape = &shape{fields: map[string]string{"id": "string", "name": "string", "status": "enum:scheduled,in_progress,verifying,completed", "created_at": "time", "updated_at": "time", "monitoring_at": "time|null", "resolved_at": "time|null", "impact": "enum:maintenance,none,minor,major,critical", "shortlink": "string", "started_at": "time", "page_id": "string", "incident_updates": "array", "components": "array", "scheduled_for": "time", "scheduled_until": "time"},
		nested: map[string]*shape{"incident_updates": updateShape, "components": compShape}}
	summaryShape = &shape{fields: map[string]string{"page": "object", "status": "object", "components": "array", "incidents": "array", "scheduled_maintenances": "array"},
		nested: map[string]*shape{"page": pageShape, "status": statusPart, "components": compShape, "incidents": incShape, "scheduled_maintenances": mntShape}}
	statusShape     = &shape{fields: map[string]string{"page": "object", "status": "object"}, nested: map[string]*shape{"page": pageShape, "status": statusPart}}
	incidentsShape  = &shape{fields: map[string]string{"page": "object", "incidents": "array"}, nested: map[string]*shape{"page": pageShape, "incidents": incShape}}
	componentsShape = &shape{fields: map[string]string{"page": "object", "components": "array"}, nested: map[string]*shape{"page": pageShape, "components": compShape}}
)

func checkShape(t *testing.T, path string, v any, s *shape) {
	t.Helper()
	obj, ok := v.(map[string]any)
	if !ok {
		t.Errorf("%s: not an object: %v", path, v)
		return
	}
	for name, typ := range s.fields {
		val, present := obj[name]
		at := path + "." + name
		if !present {
			t.Errorf("%s: missing", at)
			continue
		}
		if strings.HasSuffix(typ, "|null") {
			if val == nil {
				continue
			}
			typ = strings.TrimSuffix(typ, "|null")
		}
		ok := false
		switch {
		case typ == "string":
			_, ok = val.(string)
		case typ == "number":
			_, ok = val.(float64)
		case typ == "bool":
			_, ok = val.(bool)
		case typ == "time":
			var str string
			if str, ok = val.(string); ok {
				_, err := time.Parse(time.RFC3339Nano, str)
				ok = err == nil
			}
		case typ == "object":
			_, ok = val.(map[string]any)
		case typ == "array":
			_, ok = val.([]any)
		case strings.HasPrefix(typ, "enum:"):
			str, _ := val.(string)
			ok = slices.Contains(strings.Split(strings.TrimPrefix(typ, "enum:"), ","), str)
		}
		if !ok {
			t.Errorf("%s: %v is not %s", at, val, typ)
			continue
		}
		sub := s.nested[name]
		switch x := val.(type) {
		case map[string]any:
			if sub != nil {
				checkShape(t, at, x, sub)
			}
		case []any:
			for i, it := range x {
				if sub != nil {
					checkShape(t, fmt.Sprintf("%s[%d]", at, i), it, sub)
				}
			}
		}
	}
}

// ---- subscriptions ----

// parsedMail is a received message: its header and its text part.
type parsedMail struct {
	header netmail.Header
	text   string
}

func parseMail(t *testing.T, raw string) parsedMail {
	t.Helper()
	m, err := netmail.ReadMessage(strings.NewReader(raw))
	if err != nil {
		t.Fatalf("mail: %v", err)
	}
	pm := parsedMail{header: m.Header}
	var walk func(ctype string, r io.Reader, enc string)
	walk = func(ctype string, r io.Reader, enc string) {
		mt, params, _ := mime.ParseMediaType(ctype)
		switch {
		case strings.HasPrefix(mt, "multipart/"):
			mr := multipart.NewReader(r, params["boundary"])
			for {
				p, err := mr.NextRawPart()
				if err != nil {
					return
				}
				walk(p.Header.Get("Content-Type"), p, p.Header.Get("Content-Transfer-Encoding"))
			}
		case mt == "text/plain" && pm.text == "":
			if strings.EqualFold(enc, "quoted-printable") {
				r = quotedprintable.NewReader(r)
			}
			b, _ := io.ReadAll(r)
			pm.text = string(b)
		}
	}
	walk(m.Header.Get("Content-Type"), m.Body, m.Header.Get("Content-Transfer-Encoding"))
	return pm
}

func (e *statusEnv) mailTo(t *testing.T, addr string) []parsedMail {
	t.Helper()
	var out []parsedMail
	for _, m := range e.box.messages() {
		if slices.Contains(m.to, addr) {
			out = append(out, parseMail(t, m.data))
		}
	}
	return out
}

func (e *statusEnv) waitMail(t *testing.T, addr string, n int) []parsedMail {
	t.Helper()
	waitUntil(t, fmt.Sprintf("mail %d to %s", n, addr), 10*time.Second, func() bool { return len(e.mailTo(t, addr)) >= n })
	return e.mailTo(t, addr)
}

var (
	confirmLink = regexp.MustCompile(`https?://\S+/status/confirm/([A-Za-z0-9_-]+)`)
	unsubLink   = regexp.MustCompile(`https?://\S+/status/unsubscribe/(\S+)`)
)

func TestStatusSubscriptionDoubleOptIn(t *testing.T) {
	t.Parallel()
	e := newStatusEnv(t, true)
	home := e.get(t, "/status", 200).body
	if !strings.Contains(home, `action="/status/subscribe"`) {
		t.Fatal("/status has no subscribe form")
	}
	// Bad addresses are refused; the honeypot too.
	e.form(t, "/status/subscribe", url.Values{"email": {"not an address"}}, 422)
	e.form(t, "/status/subscribe", url.Values{"email": {"bot@example.com"}, "website": {"http://spam"}}, 400)

	r := e.form(t, "/status/subscribe", url.Values{"email": {"Ann@Example.com"}}, 303)
	// The flash is a code: the page says its fixed sentence.
	if loc := r.header.Get("Location"); loc != "/status?flash=subscribed#subscribe" {
		t.Fatalf("redirect to %q", loc)
	}
	if b := e.get(t, "/status?flash=subscribed", 200).body; !strings.Contains(b, "Check your inbox: we sent a link to confirm your subscription.") {
		t.Error("the status page does not say what the subscribed code means")
	}
	msgs := e.waitMail(t, "ann@example.com", 1)
	m := confirmLink.FindStringSubmatch(msgs[0].text)
	if m == nil {
		t.Fatalf("no confirmation link in:\n%s", msgs[0].text)
	}
	token := m[1]
	// Only the token's hash is kept.
	db, err := sql.Open("sqlite", "file:"+e.dsn+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var clear int
	if err := db.QueryRow(`SELECT COUNT(*) FROM status_subscribers WHERE token_hash = ? OR id = ? OR email = ?`, token, token, token).Scan(&clear); err != nil || clear != 0 {
		t.Fatalf("the token is stored in the clear (%d rows, %v)", clear, err)
	}

	// Opening the link asks; it confirms nothing (mail scanners open links).
	page := e.get(t, "/status/confirm/"+token, 200)
	if !strings.Contains(page.body, "Confirm subscription") || !strings.Contains(page.body, "ann@example.com") || page.header.Get("Cache-Control") != "no-store" {
		t.Fatalf("confirm page: %s", page.body)
	}
	if n := e.api(t, "admin", "GET", "/api/v1/status/subscribers", "", 200).json(t)["confirmed"]; n != 0.0 {
		t.Fatalf("confirmed before the button: %v", n)
	}
	if !strings.Contains(e.form(t, "/status/confirm/"+token, nil, 200).body, "Subscribed") {
		t.Fatal("confirming did not say so")
	}
	e.form(t, "/status/confirm/"+token, nil, 404) // once only
	e.get(t, "/status/confirm/forged-token", 404)
	if n := e.api(t, "admin", "GET", "/api/v1/status/subscribers", "", 200).json(t)["confirmed"]; n != 1.0 {
		t.Fatalf("confirmed subscribers: %v", n)
	}
	// Subscribing a confirmed address again sends nothing new and says the
	// same as for anyone.
	e.form(t, "/status/subscribe", url.Values{"email": {"ann@example.com"}}, 303)

	// A published update reaches the subscriber, with one-click
	// unsubscribe headers.
	pub := e.api(t, "rita", "POST", "/api/v1/status/incidents", `{"title":"Login failures","impact":"major","body":"Some customers cannot sign in."}`, 201).json(t)["id"].(string)
	msgs = e.waitMail(t, "ann@example.com", 2)
	got := msgs[1]
	if subj := got.header.Get("Subject"); !strings.Contains(subj, "Login failures") || !strings.Contains(subj, "Investigating") {
		t.Errorf("subject %q", subj)
	}
	if !strings.Contains(got.text, "Some customers cannot sign in.") {
		t.Errorf("mail text:\n%s", got.text)
	}
	lu, lup := got.header.Get("List-Unsubscribe"), got.header.Get("List-Unsubscribe-Post")
	if lup != "List-Unsubscribe=One-Click" || !strings.HasPrefix(lu, "<"+e.url+"/status/unsubscribe/") || !strings.HasSuffix(lu, ">") {
		t.Fatalf("List-Unsubscribe %q, List-Unsubscribe-Post %q", lu, lup)
	}
	unsub := strings.TrimPrefix(strings.Trim(lu, "<>"), e.url)
	if m := unsubLink.FindStringSubmatch(got.text); m == nil || "/status/unsubscribe/"+m[1] != unsub {
		t.Errorf("the text's unsubscribe link %v is not the header's %s", m, unsub)
	}

	// The unsubscribe page asks; a one-click POST (RFC 8058) unsubscribes,
	// once.
	if p := e.get(t, unsub, 200).body; !strings.Contains(p, "Unsubscribe?") {
		t.Fatalf("unsubscribe page:\n%s", p)
	}
	oneClick := e.do(t, "", http.MethodPost, unsub, "application/x-www-form-urlencoded", "List-Unsubscribe=One-Click")
	if oneClick.code != 200 || !strings.Contains(oneClick.body, "Unsubscribed") {
		t.Fatalf("one-click unsubscribe: %d\n%s", oneClick.code, oneClick.body)
	}
	e.form(t, unsub, nil, 410)
	e.get(t, unsub+"x", 404)

	// bea, still subscribed, is the positive signal: once her copy of the
	// update has arrived and no status email job is left to run, every
	// delivery of the update has been made.
	e.form(t, "/status/subscribe", url.Values{"email": {"bea@example.com"}}, 303)
	bm := confirmLink.FindStringSubmatch(e.waitMail(t, "bea@example.com", 1)[0].text)
	if bm == nil {
		t.Fatal("no confirmation link for bea")
	}
	e.form(t, "/status/confirm/"+bm[1], nil, 200)
	e.api(t, "rita", "POST", "/api/v1/status/incidents/"+pub+"/updates", `{"status":"resolved","body":"Sign-in works again."}`, 201)
	e.fb.Engine.Notify()
	e.waitMail(t, "bea@example.com", 2)
	waitUntil(t, "no status email job left to run", 10*time.Second, func() bool {
		var n int
		if err := db.QueryRow(`SELECT COUNT(*) FROM jobs WHERE kind = 'status.email.v1' AND state IN ('pending', 'running')`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n == 0
	})
	if n := len(e.mailTo(t, "ann@example.com")); n != 2 {
		t.Fatalf("an unsubscribed address got %d messages", n)
	}

	// Subscriptions are rate-limited per address: the sixth from here in a
	// quarter of an hour is refused (ann's three and bea's counted).
	for i := range 2 {
		e.form(t, "/status/subscribe", url.Values{"email": {fmt.Sprintf("p%d@example.com", i)}}, 303)
	}
	e.form(t, "/status/subscribe", url.Values{"email": {"p9@example.com"}}, 429)
}

// flakyBox is an SMTP server that refuses the next messages with a chosen
// reply, then accepts.
type flakyBox struct {
	mu      sync.Mutex
	refuse  []int // reply codes for the next messages, in order
	refused int
	got     []string
	port    int
}

func (f *flakyBox) NewSession(*smtp.Conn) (smtp.Session, error) { return &flakySession{f}, nil }

type flakySession struct{ f *flakyBox }

func (s *flakySession) Mail(string, *smtp.MailOptions) error { return nil }
func (s *flakySession) Rcpt(string, *smtp.RcptOptions) error { return nil }
func (s *flakySession) Reset()                               {}
func (s *flakySession) Logout() error                        { return nil }
func (s *flakySession) Data(r io.Reader) error {
	b, err := io.ReadAll(r)
	if err != nil {
		return err
	}
	s.f.mu.Lock()
	defer s.f.mu.Unlock()
	if len(s.f.refuse) > 0 {
		code := s.f.refuse[0]
		s.f.refuse = s.f.refuse[1:]
		s.f.refused++
		return &smtp.SMTPError{Code: code, EnhancedCode: smtp.EnhancedCode{code / 100, 0, 0}, Message: "not now"}
	}
	s.f.got = append(s.f.got, string(b))
	return nil
}

func (f *flakyBox) state() (refused int, got []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.refused, append([]string(nil), f.got...)
}

// TestStatusEmailRetried: a delivery the relay refuses for now (451) is
// retried with backoff and arrives; one it refuses for good (550) is
// dead-lettered with the reply kept.
func TestStatusEmailRetried(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	box := &flakyBox{}
	srv := smtp.NewServer(box)
	srv.Domain = "mx.test"
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	box.port = ln.Addr().(*net.TCPAddr).Port
	fb, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(t.TempDir(), "firebreak.db"), Version: "test",
		Email: &notify.Email{Host: "127.0.0.1", Port: box.port, From: "status@acme.test", TLS: notify.TLSNone, Timeout: 5 * time.Second}})
	if err != nil {
		t.Fatal(err)
	}
	if err := fb.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fb.Stop(context.Background()) })
	svc := fb.Services.Status
	for _, addr := range []string{"dee@example.com", "eve@example.com"} {
		if err := svc.Subscribe(ctx, addr); err != nil {
			t.Fatal(err)
		}
	}
	_, got := box.state()
	for _, m := range got {
		tok := confirmLink.FindStringSubmatch(parseMail(t, m).text)
		if tok == nil {
			t.Fatalf("no link in %s", m)
		}
		if _, err := svc.Confirm(ctx, tok[1]); err != nil {
			t.Fatal(err)
		}
	}
	box.mu.Lock()
	box.refuse = []int{451, 550} // the two deliveries' first attempts
	box.mu.Unlock()
	if _, err := svc.Publish(ctx, status.Actor{User: "admin", Admin: true}, status.PublishInput{Title: "Queue delays", Impact: status.ImpactMinor, Body: "Jobs start late."}); err != nil {
		t.Fatal(err)
	}
	// One delivery is refused for now and retried about a second later;
	// the other is refused for good.
	waitUntil(t, "the retried delivery", 15*time.Second, func() bool { _, g := box.state(); return len(g) == 3 })
	refused, _ := box.state()
	if refused != 2 {
		t.Fatalf("%d refusals, want 2", refused)
	}
	var dead []string
	waitUntil(t, "the dead letter", 5*time.Second, func() bool {
		jobs, err := fb.DB.DeadJobs(ctx, 10)
		if err != nil {
			t.Fatal(err)
		}
		dead = dead[:0]
		for _, j := range jobs {
			if j.Kind == outbox.JobDeliver && strings.HasPrefix(j.LastError, status.KindEmail+": ") {
				dead = append(dead, j.LastError)
			}
		}
		return len(dead) == 1
	})
	if !strings.Contains(dead[0], "550") {
		t.Fatalf("dead letter %q does not keep the reply", dead[0])
	}
	// Both are outbox deliveries with their attempts: one sent on its
	// second, one failed on its first.
	var ds []outbox.Delivery
	waitUntil(t, "both deliveries recorded", 5*time.Second, func() bool {
		ds, err = fb.DB.OutboxDeliveries(ctx, outbox.Query{Kind: status.KindEmail})
		if err != nil {
			t.Fatal(err)
		}
		states := map[outbox.State]int{}
		for _, d := range ds {
			states[d.State] += d.Attempts
		}
		return len(ds) == 2 && states[outbox.Sent] == 2 && states[outbox.Failed] == 1
	})
}
