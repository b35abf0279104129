package app_test

import (
	"context"
	"database/sql"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/netip"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// secretReply is what a receiver answers that nobody may read through
// Firebreak: a service on the internal network, a metadata endpoint.
const secretReply = "ami-id: i-0123 aws_secret_access_key=wJalrXUtnFEMI-outbound-canary"

const outboundHookKey = "0123456789abcdef-outbound"

// hookReceiver is a loopback HTTP receiver that records every request and
// answers as told: 200, a status with secretReply as its body, or a
// redirect.
type hookReceiver struct {
	srv      *httptest.Server
	mu       sync.Mutex
	got      []notify.WebhookPayload
	status   int    // 0: 200
	location string // a redirect's target
}

func newHookReceiver(t *testing.T) *hookReceiver {
	r := &hookReceiver{}
	r.srv = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
		body, _ := io.ReadAll(req.Body)
		var p notify.WebhookPayload
		json.Unmarshal(body, &p)
		r.mu.Lock()
		r.got = append(r.got, p)
		status, location := r.status, r.location
		r.mu.Unlock()
		switch {
		case location != "":
			http.Redirect(w, req, location, http.StatusFound)
		case status != 0:
			w.WriteHeader(status)
			io.WriteString(w, secretReply)
		default:
			io.WriteString(w, secretReply) // a 200's body is not shown either
		}
	}))
	t.Cleanup(r.srv.Close)
	return r
}

func (r *hookReceiver) port() string {
	_, p, _ := net.SplitHostPort(r.srv.Listener.Addr().String())
	return p
}

func (r *hookReceiver) answer(status int, location string) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.status, r.location = status, location
}

// take returns and forgets what arrived.
func (r *hookReceiver) take() []notify.WebhookPayload {
	r.mu.Lock()
	defer r.mu.Unlock()
	got := r.got
	r.got = nil
	return got
}

// names resolves host names without DNS.
type names map[string]netip.Addr

func (n names) LookupNetIP(_ context.Context, _, host string) ([]netip.Addr, error) {
	if a, ok := n[strings.TrimSuffix(strings.ToLower(host), ".")]; ok {
		return []netip.Addr{a}, nil
	}
	return nil, &net.DNSError{Err: "no such host", Name: host, IsNotFound: true}
}

type outboundEnv struct {
	app   *app.App
	dsn   string
	clock *storetest.Clock
	admin *client.Client
	setup *setup
}

// newOutboundEnv runs the app with an outbound policy that allows one
// host name, allowed.test, and nothing else private; allowed.test and
// sneaky.test both resolve to 127.0.0.1.
func newOutboundEnv(t *testing.T) *outboundEnv {
	t.Helper()
	clock := storetest.NewClock(time.Date(2026, 11, 25, 9, 0, 0, 0, time.UTC))
	lo := netip.MustParseAddr("127.0.0.1")
	dsn := storetest.SQLiteDSN(t)
	a, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: dsn, BootstrapToken: adminToken,
		Version: "test", Now: clock.Now, PublicURL: "http://firebreak.test",
		Outbound: outbound.Policy{AllowHosts: []string{"allowed.test"}, Resolver: names{"allowed.test": lo, "sneaky.test": lo}}})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	s := &setup{app: a, admin: client.New(a.URL(), adminToken), clock: clock}
	return &outboundEnv{app: a, dsn: dsn, clock: clock, admin: s.admin, setup: s}
}

// addHook adds a webhook contact for user through the API and returns its
// ID, or the error.
func addHook(c *client.Client, user, address string) (string, error) {
	name := address[strings.LastIndex(address, "/")+1:] // unique per person in these tests
	ct, err := c.AddContact(context.Background(), user, httpapi.ContactBody{Name: name, Kind: "webhook", Address: address, Secret: outboundHookKey}, "")
	return ct.ID, err
}

func problemOf(t *testing.T, err error) *client.Error {
	t.Helper()
	e, ok := err.(*client.Error)
	if !ok {
		t.Fatalf("got %v, want a problem", err)
	}
	return e
}

// TestOutboundGuardThroughTheAPI: a viewer's webhook contact reaches an
// allow-listed receiver (verified, tested), but not one on loopback
// however written, nor a private or metadata address, nor a redirect to
// one; a receiver's reply body is never shown; verification and test
// sends are rate limited.
func TestOutboundGuardThroughTheAPI(t *testing.T) {
	t.Parallel()
	e := newOutboundEnv(t)
	ctx := context.Background()
	vic := e.setup.user(t, "vic", "viewer")
	allowed, loop := newHookReceiver(t), newHookReceiver(t)

	// The positive case: an allow-listed receiver gets the code, and tests.
	id, err := addHook(vic, "vic", "http://allowed.test:"+allowed.port()+"/hook")
	if err != nil {
		t.Fatal(err)
	}
	msgs := allowed.take()
	if len(msgs) != 1 {
		t.Fatalf("the allowed receiver got %d messages, want the code", len(msgs))
	}
	code := verifyCode.FindStringSubmatch(msgs[0].Title)
	if code == nil {
		t.Fatalf("no code in %q", msgs[0].Title)
	}
	if _, err := vic.VerifyContact(ctx, "vic", id, code[1]); err != nil {
		t.Fatal(err)
	}
	res, err := vic.TestContact(ctx, "vic", id)
	if err != nil || res.StatusCode != 200 || res.Response != "HTTP 200 OK" || len(allowed.take()) != 1 {
		t.Fatalf("test page: %+v %v", res, err)
	}

	// Loopback without an allow-list, however written: refused, nothing
	// stored, nothing received. A literal address or localhost is refused
	// when entered; a name is refused when it is dialled, after DNS.
	for _, tc := range []struct{ url, field, msg string }{
		{"http://127.0.0.1:" + loop.port() + "/hook", "address", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		{"http://localhost:" + loop.port() + "/hook", "address", "refused: localhost is a loopback name (outbound.allow can permit it)"},
		{"http://[::1]:" + loop.port() + "/hook", "address", "refused: ::1 is a loopback address (outbound.allow can permit it)"},
		{"http://0.0.0.0:" + loop.port() + "/hook", "address", "refused: 0.0.0.0 is an unspecified address (outbound.allow can permit it)"},
		{"http://sneaky.test:" + loop.port() + "/hook", "target", "refused: 127.0.0.1 is a loopback address (outbound.allow can permit it)"},
		// Never sent to: refused when entered.
		{"http://169.254.169.254/latest/meta-data/", "address", "refused: 169.254.169.254 is a cloud metadata address (outbound.allow can permit it)"},
		{"http://10.0.0.1/hook", "address", "refused: 10.0.0.1 is a private address (outbound.allow can permit it)"},
		{"http://[fd00:ec2::254]/latest/meta-data/", "address", "refused: fd00:ec2::254 is a cloud metadata address (outbound.allow can permit it)"},
		{"http://100.100.100.200/latest/meta-data/", "address", "refused: 100.100.100.200 is a cloud metadata address (outbound.allow can permit it)"},
	} {
		_, err := addHook(vic, "vic", tc.url)
		wantStatus(t, err, http.StatusUnprocessableEntity, tc.field)
		if p := problemOf(t, err); !strings.Contains(p.Problem.Detail, tc.msg) {
			t.Errorf("%s: %q, want %q", tc.url, p.Problem.Detail, tc.msg)
		}
	}
	// Every refusal above was answered after the send was refused, so
	// nothing can still be on its way.
	if got := loop.take(); len(got) != 0 {
		t.Fatalf("the loopback receiver got %d messages", len(got))
	}
	if cs, err := vic.Contacts(ctx, "vic"); err != nil || len(cs) != 1 {
		t.Fatalf("contacts %+v %v; want only the allowed one", cs, err)
	}

	// A redirect from the allowed receiver to loopback is not followed.
	allowed.answer(0, "http://127.0.0.1:"+loop.port()+"/stolen")
	_, err = vic.TestContact(ctx, "vic", id)
	wantStatus(t, err, http.StatusUnprocessableEntity, "target")
	allowed.answer(0, "http://sneaky.test:"+loop.port()+"/stolen")
	_, err = vic.TestContact(ctx, "vic", id)
	wantStatus(t, err, http.StatusUnprocessableEntity, "target")
	if len(allowed.take()) != 2 || len(loop.take()) != 0 {
		t.Fatal("a redirect reached the loopback receiver")
	}

	// A failing receiver's body appears in no answer: not the failed
	// test, not the failed verification send.
	allowed.answer(http.StatusInternalServerError, "")
	_, err = vic.TestContact(ctx, "vic", id)
	wantStatus(t, err, http.StatusUnprocessableEntity, "target")
	if d := problemOf(t, err).Problem.Detail; strings.Contains(d, "canary") || !strings.Contains(d, "500: Internal Server Error") {
		t.Fatalf("failed test: %q", d)
	}
	_, err = addHook(vic, "vic", "http://allowed.test:"+allowed.port()+"/second")
	wantStatus(t, err, http.StatusUnprocessableEntity, "target")
	if d := problemOf(t, err).Problem.Detail; strings.Contains(d, "canary") || !strings.Contains(d, "500: Internal Server Error") {
		t.Fatalf("failed verification send: %q", d)
	}
	allowed.take()
}

// TestOutboundRepliesStayHidden: update subscriptions to private
// addresses are refused, and one whose receiver fails with a body shows
// it neither in the delivery's last_error nor in its job's errors.
func TestOutboundRepliesStayHidden(t *testing.T) {
	t.Parallel()
	e := newOutboundEnv(t)
	ctx := context.Background()
	rcv := newHookReceiver(t)
	inc, err := e.admin.Declare(ctx, httpapi.DeclareBody{Title: "Database down", Severity: "SEV2"}, "")
	if err != nil {
		t.Fatal(err)
	}
	// Refused when entered, never sent to.
	for _, a := range []string{"http://169.254.169.254/hook", "http://10.0.0.1/hook", "http://[fd00:ec2::254]/hook", "http://localhost:" + rcv.port() + "/hook"} {
		_, err := e.admin.Subscribe(ctx, inc.Ref, httpapi.SubscriptionBody{Name: "internal", Kind: "webhook", Address: a, Secret: outboundHookKey})
		wantStatus(t, err, http.StatusUnprocessableEntity, "address")
	}
	// A name that resolves to loopback is refused when dialled.
	if _, err := e.admin.Subscribe(ctx, inc.Ref, httpapi.SubscriptionBody{Name: "sneaky", Kind: "webhook",
		Address: "http://sneaky.test:" + rcv.port() + "/hook", Secret: outboundHookKey}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.admin.Subscribe(ctx, inc.Ref, httpapi.SubscriptionBody{Name: "allowed", Kind: "webhook",
		Address: "http://allowed.test:" + rcv.port() + "/hook", Secret: outboundHookKey}); err != nil {
		t.Fatal(err)
	}
	rcv.answer(http.StatusServiceUnavailable, "")
	if _, err := e.admin.PostUpdate(ctx, inc.Ref, "We are restoring from backup."); err != nil {
		t.Fatal(err)
	}
	deliveries := func() map[string]notices.UpdateDelivery {
		v, err := e.admin.Updates(ctx, inc.Ref)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]notices.UpdateDelivery{}
		for _, d := range v.Deliveries {
			out[d.Name] = d
		}
		return out
	}
	ds := deliveries()
	if d := ds["sneaky"]; d.State != notices.DeliveryFailed || !strings.Contains(d.LastError, "refused: 127.0.0.1 is a loopback address") {
		t.Fatalf("sneaky: %+v", d)
	}
	if d := ds["allowed"]; d.State != notices.DeliveryPending || d.StatusCode != 503 || strings.Contains(d.LastError, "canary") || !strings.Contains(d.LastError, "503: Service Unavailable") {
		t.Fatalf("allowed, after a 503: %+v", d)
	}
	if n := len(rcv.take()); n != 1 {
		t.Fatalf("the receiver got %d requests; want the allowed subscription's one", n)
	}
	// The delivery's job retries until the delivery fails for good; the
	// errors the jobs table keeps between tries, and the dead-letter list,
	// hide the body too.
	var jobErrs []string
	for range 30 {
		e.clock.Advance(10 * time.Minute)
		if _, err := e.app.Engine.RunDue(ctx); err != nil {
			t.Fatal(err)
		}
		jobErrs = append(jobErrs, jobErrors(t, e.dsn)...)
		if deliveries()["allowed"].State == notices.DeliveryFailed {
			break
		}
	}
	if d := deliveries()["allowed"]; d.State != notices.DeliveryFailed || d.Attempts < 2 || strings.Contains(d.LastError, "canary") {
		t.Fatalf("allowed, at the end: %+v", d)
	}
	if len(jobErrs) == 0 {
		t.Fatal("no job error was recorded between the tries")
	}
	// The refused delivery's job is dead at once (an outbox delivery that
	// fails for good is dead-lettered with its kind); every other error
	// is the allowed one's 503.
	refused := "stakeholder_update: notify webhook http://sneaky.test:" + rcv.port() + "/…: refused: 127.0.0.1 is a loopback address"
	for _, je := range jobErrs {
		if strings.Contains(je, "canary") || !strings.Contains(je, "503: Service Unavailable") && !strings.HasPrefix(je, refused) {
			t.Fatalf("job error %q", je)
		}
	}
	if code, body := deadJobs(t, e); code != http.StatusOK || strings.Contains(body, "canary") || !strings.Contains(body, "sneaky.test") {
		t.Fatalf("dead jobs: %d %s", code, body)
	}
}

// jobErrors reads the errors the jobs table keeps.
func jobErrors(t *testing.T, dsn string) []string {
	t.Helper()
	db, err := sql.Open("sqlite", "file:"+dsn+"?mode=ro")
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rows, err := db.Query(`SELECT last_error FROM jobs WHERE last_error <> ''`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	var out []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		out = append(out, s)
	}
	return out
}

func deadJobs(t *testing.T, e *outboundEnv) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, e.app.URL()+"/api/v1/jobs/dead", nil)
	req.Header.Set("Authorization", "Bearer "+adminToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// TestContactSendLimits: five verification sends and five test pages per
// person and per address in fifteen minutes; the sixth is a 429 with
// Retry-After, and the window slides with the clock.
func TestContactSendLimits(t *testing.T) {
	t.Parallel()
	e := newOutboundEnv(t)
	ctx := context.Background()
	rcv := newHookReceiver(t)
	base := "http://allowed.test:" + rcv.port()
	rita := e.setup.user(t, "rita", "viewer")
	tok, err := e.admin.CreateToken(ctx, "rita", "raw")
	if err != nil {
		t.Fatal(err)
	}

	// Per person: five contacts, each sent a code; the sixth is refused
	// before anything is sent.
	var first string
	for i := range 5 {
		id, err := addHook(rita, "rita", base+"/rita/"+strconv.Itoa(i))
		if err != nil {
			t.Fatalf("contact %d: %v", i+1, err)
		}
		if first == "" {
			first = id
		}
	}
	if n := len(rcv.take()); n != 5 {
		t.Fatalf("%d codes sent, want 5", n)
	}
	status, body, h := raw(t, e.setup, http.MethodPost, "/api/v1/users/rita/contacts", tok.Secret,
		`{"kind":"webhook","address":"`+base+`/rita/6","secret":"`+outboundHookKey+`"}`)
	if status != http.StatusTooManyRequests || h.Get("Retry-After") != "900" ||
		!strings.Contains(body["detail"].(string), "too many verification messages: at most 5 every 15 minutes per person and per address; try again in 15m0s") {
		t.Fatalf("sixth contact: %d %v Retry-After %q", status, body, h.Get("Retry-After"))
	}
	// A resend is a verification send too.
	wantStatus(t, rita.ResendCode(ctx, "rita", first), http.StatusTooManyRequests, "")
	if n := len(rcv.take()); n != 0 {
		t.Fatalf("%d messages sent past the limit", n)
	}
	e.clock.Advance(15 * time.Minute)
	if err := rita.ResendCode(ctx, "rita", first); err != nil {
		t.Fatalf("after the window: %v", err)
	}
	if n := len(rcv.take()); n != 1 {
		t.Fatalf("%d codes after the window, want 1", n)
	}

	// Per address: five people adding the same address; the sixth is
	// refused although it is their first.
	same := base + "/shared"
	for i := range 6 {
		u := "p" + strconv.Itoa(i)
		c := e.setup.user(t, u, "viewer")
		_, err := addHook(c, u, same)
		if i < 5 && err != nil {
			t.Fatalf("%s: %v", u, err)
		}
		if i == 5 {
			wantStatus(t, err, http.StatusTooManyRequests, "")
		}
	}
	if n := len(rcv.take()); n != 5 {
		t.Fatalf("the shared address got %d codes, want 5", n)
	}

	// Test pages: five, then 429.
	v := e.setup.user(t, "tess", "viewer")
	id, err := addHook(v, "tess", base+"/tess")
	if err != nil {
		t.Fatal(err)
	}
	code := verifyCode.FindStringSubmatch(rcv.take()[0].Title)
	if _, err := v.VerifyContact(ctx, "tess", id, code[1]); err != nil {
		t.Fatal(err)
	}
	for i := range 5 {
		if _, err := v.TestContact(ctx, "tess", id); err != nil {
			t.Fatalf("test %d: %v", i+1, err)
		}
	}
	_, err = v.TestContact(ctx, "tess", id)
	wantStatus(t, err, http.StatusTooManyRequests, "")
	if n := len(rcv.take()); n != 5 {
		t.Fatalf("%d test pages arrived, want 5", n)
	}
}
