package web_test

import (
	"bytes"
	"context"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// syncBuffer is a log destination safe for the server's goroutines.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// TestReportsThatPageNobodySaySo is issue 12 defect 6: reports land on the
// service the policy file names (reports.service); while that service is
// missing or has no escalation policy, the start logs a warning and /triage
// says reports page nobody; once it pages, the notice goes and a report
// starts its escalation.
func TestReportsThatPageNobodySaySo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	var logs syncBuffer
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), ReportService: "sec-reports",
		Logger: slog.New(slog.NewTextHandler(&logs, nil))})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	if got := logs.String(); !strings.Contains(got, `level=WARN msg="reports page nobody: no on-call service is named \"sec-reports\"; they wait in the triage queue`) {
		t.Fatalf("no warning at start:\n%s", got)
	}
	if _, err := a.Services.Auth.CreateUser(ctx, auth.UserInput{Username: "alice", Role: auth.Responder}); err != nil {
		t.Fatal(err)
	}
	if err := a.Services.Auth.SetPassword(ctx, "alice", "correct horse battery"); err != nil {
		t.Fatal(err)
	}
	s := &site{app: a, url: a.URL()}
	c := s.signIn(t, "alice")
	notice := func() string {
		t.Helper()
		r := s.get(t, c, "/triage")
		if r.status != 200 {
			t.Fatalf("/triage: %d", r.status)
		}
		i := strings.Index(r.body, `id="reports-nobody"`)
		if i < 0 {
			return ""
		}
		return r.body[i : i+strings.Index(r.body[i:], "</p>")]
	}
	if n := notice(); !strings.Contains(n, "Reports from people page nobody: they are filed on the service <b>sec-reports</b>, and no on-call service is named &#34;sec-reports&#34;.") {
		t.Fatalf("/triage without the service: %q", n)
	}
	pg := a.Services
	if err := pg.Roster.Put(ctx, "admin", roster.Service{Name: "sec-reports"}); err != nil {
		t.Fatal(err)
	}
	if n := notice(); !strings.Contains(n, "service &#34;sec-reports&#34; has no escalation policy") {
		t.Fatalf("/triage with a service without a policy: %q", n)
	}
	pol := oncall.Policy{Name: "security", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: "alice"}}, Delay: 5}}}
	if err := pg.Roster.Change(ctx, "admin", []any{pol, roster.Service{Name: "sec-reports", Policy: "security"}}, nil); err != nil {
		t.Fatal(err)
	}
	if n := notice(); n != "" {
		t.Fatalf("/triage once reports page: %q", n)
	}
	// A report lands on the configured service and pages its policy.
	if _, err := a.Services.Triage.Report(ctx, triage.ReportInput{Title: "Leaked key in a public repository", Contact: "eve@example.org"}); err != nil {
		t.Fatal(err)
	}
	entries, err := a.Services.Triage.Queue(ctx, incident.Viewer{User: "admin", SeeAll: true}, false, 0)
	if err != nil || len(entries) != 1 || entries[0].Group.Destination.Service != "sec-reports" {
		t.Fatalf("queue: %v %+v", err, entries)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		views, err := pg.Escalations.For(ctx, escalation.SubjectQueue, entries[0].Group.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(views) == 1 && views[0].Policy.Name == "security" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("the report started no escalation of policy security: %+v", views)
		}
		time.Sleep(20 * time.Millisecond)
	}
}
