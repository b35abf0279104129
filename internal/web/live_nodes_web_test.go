package web_test

import (
	"context"
	"database/sql"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// stream is a live-update stream read in the background.
type stream struct {
	mu   sync.Mutex
	text strings.Builder
	more chan struct{}
}

func openStream(t *testing.T, c *http.Client, url string) *stream {
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	req, _ := http.NewRequestWithContext(ctx, "GET", url+"/events", nil)
	r, err := c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { r.Body.Close() })
	s := &stream{more: make(chan struct{}, 1)}
	go func() {
		buf := make([]byte, 4096)
		for {
			n, err := r.Body.Read(buf)
			s.mu.Lock()
			s.text.Write(buf[:n])
			s.mu.Unlock()
			select {
			case s.more <- struct{}{}:
			default:
			}
			if err != nil {
				return
			}
		}
	}()
	return s
}

// waitFor waits until the stream has said want, at most 10s, and returns
// what it said up to there.
func (s *stream) waitFor(t *testing.T, want string) string {
	t.Helper()
	deadline := time.After(10 * time.Second)
	for {
		s.mu.Lock()
		all := s.text.String()
		s.mu.Unlock()
		if i := strings.Index(all, want); i >= 0 {
			return all[:i+len(want)]
		}
		select {
		case <-s.more:
		case <-deadline:
			t.Fatalf("the stream did not say %q within 10s; it said:\n%s", want, all)
		}
	}
}

// TestLiveThroughPostgres: on PostgreSQL the console hears changes through
// the database (LISTEN/NOTIFY), filtered as on one node; when the node's
// listening connection is cut, it reconnects and tells open streams to
// resync, then hears changes again.
func TestLiveThroughPostgres(t *testing.T) {
	t.Parallel()
	dsn := storetest.PostgresDSN(t)
	s := newSiteOn(t, dsn, time.Now)
	ctx := context.Background()
	st := openStream(t, s.signIn(t, "vera"), s.url)
	st.waitFor(t, "event: hello")
	listening(t, s)
	svc := s.app.Services.Incidents
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "secret", Restricted: true}); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "open"}); err != nil {
		t.Fatal(err)
	}
	if got := st.waitFor(t, `"ref":"INC-2"`); strings.Contains(got, "INC-1") || strings.Count(got, "event: change") != 1 {
		t.Fatalf("vera's stream said, before INC-2's change:\n%s", got)
	}

	db, err := sql.Open("pgx", dsn)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var cut int
	err = db.QueryRow(`SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
		WHERE application_name = 'firebreak-live' AND query = 'LISTEN "firebreak:' || current_schema() || '"'`).Scan(&cut)
	if err != nil || cut != 1 {
		t.Fatalf("cut %d listening connections (%v), want this node's one", cut, err)
	}
	st.waitFor(t, "event: resync")
	if _, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "after"}); err != nil {
		t.Fatal(err)
	}
	st.waitFor(t, `"ref":"INC-3"`)
	listening(t, s)
}

// listening checks /metrics says the node listens.
func listening(t *testing.T, s *site) {
	t.Helper()
	r, err := http.Get(s.url + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer r.Body.Close()
	b, _ := io.ReadAll(r.Body)
	if !strings.Contains(string(b), "\nfirebreak_live_listening 1\n") {
		t.Errorf("/metrics does not say firebreak_live_listening 1:\n%s", b)
	}
}

// A change of the triage queue announced through the database reaches the
// streams of those who may hear of it, as one made in this process does:
// an entry linked to a restricted incident (or to one that cannot be read)
// only its viewers, a public one everybody; too many incidents to name
// make every page refresh.
func TestQueueLiveThroughPostgres(t *testing.T) {
	t.Parallel()
	s := newSiteOn(t, storetest.PostgresDSN(t), time.Now)
	ctx := context.Background()
	st := openStream(t, s.signIn(t, "vera"), s.url)
	st.waitFor(t, "event: hello")
	listening(t, s)
	svc := s.app.Services.Incidents
	secret, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "secret", Restricted: true})
	if err != nil {
		t.Fatal(err)
	}
	open, err := svc.Declare(ctx, "alice", incident.DeclareInput{Title: "open"})
	if err != nil {
		t.Fatal(err)
	}
	st.waitFor(t, `"ref":"INC-2"`)
	db := s.app.DB
	for _, a := range []struct {
		action string
		public bool
		linked []string
	}{
		{"acknowledge", false, []string{secret.ID, "no-such-incident"}},
		{"attach", false, []string{secret.ID, open.ID}},
		{"alerts", true, nil},
	} {
		if err := db.AnnounceQueue(ctx, a.action, "alice", a.public, a.linked); err != nil {
			t.Fatal(err)
		}
	}
	got := st.waitFor(t, `"type":"triage.alerts"`)
	if strings.Contains(got, "triage.acknowledge") || !strings.Contains(got, `"type":"triage.attach"`) || strings.Contains(got, "event: resync") {
		t.Fatalf("vera's stream said, up to the public change:\n%s", got)
	}
	many := make([]string, 300)
	for i := range many {
		many[i] = open.ID
	}
	if err := db.AnnounceQueue(ctx, "acknowledge", "alice", false, many); err != nil {
		t.Fatal(err)
	}
	st.waitFor(t, "event: resync")
}
