package triage_test

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Every queue action tells the observers (the console's open queue pages,
// and on PostgreSQL every node's) once it has committed, whoever called it:
// the console, the API or the CLI; a refused action tells nobody.
func TestQueueActionsSignal(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	a, err := app.New(ctx, app.Config{Addr: "127.0.0.1:0", DSN: storetest.SQLiteDSN(t), BootstrapToken: "fbk_test_bootstrap_admin_token_0123456789"})
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	var heard []string
	q := a.Services.Triage
	q.Observe(func(sig triage.Signal) {
		var linked []string
		for _, inc := range sig.Linked {
			linked = append(linked, inc.Ref)
		}
		mu.Lock()
		defer mu.Unlock()
		heard = append(heard, fmt.Sprintf("%s by %s public=%t linked=%v", sig.Action, sig.Actor, sig.Public, linked))
	})
	if err := a.Start(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })

	ids := map[string]string{}
	for _, title := range []string{"ack", "snooze", "dismiss", "attach"} {
		if _, err := q.Report(ctx, triage.ReportInput{Reporter: "admin", Title: title}); err != nil {
			t.Fatal(err)
		}
	}
	entries, err := q.Queue(ctx, admin, false, 0)
	if err != nil || len(entries) != 4 {
		t.Fatalf("%d entries, %v", len(entries), err)
	}
	for _, e := range entries {
		ids[e.Group.Summary] = e.Group.ID
	}
	mu.Lock()
	heard = nil // the reports' own signals are intake's, tested elsewhere
	mu.Unlock()

	steps := []struct {
		name string
		do   func() error
	}{
		{"acknowledge", func() error { _, err := q.Acknowledge(ctx, admin, ids["ack"]); return err }},
		{"snooze", func() error { _, err := q.Snooze(ctx, admin, ids["snooze"], time.Now().Add(time.Hour)); return err }},
		{"dismiss", func() error { _, err := q.Dismiss(ctx, admin, ids["dismiss"], "duplicate"); return err }},
		{"dismiss again (refused)", func() error {
			if _, err := q.Dismiss(ctx, admin, ids["dismiss"], "duplicate"); err == nil {
				return fmt.Errorf("a second dismissal was accepted")
			}
			return nil
		}},
		{"dismiss without a reason (refused)", func() error {
			if _, err := q.Dismiss(ctx, admin, ids["attach"], " "); err == nil {
				return fmt.Errorf("a dismissal without a reason was accepted")
			}
			return nil
		}},
		{"declare", func() error { _, err := q.Declare(ctx, admin, ids["ack"], incident.DeclareInput{}); return err }},
		{"attach", func() error { _, err := q.Attach(ctx, admin, ids["attach"], "INC-1"); return err }},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
	}
	want := strings.Join([]string{
		"acknowledge by admin public=true linked=[]",
		"snooze by admin public=true linked=[]",
		"dismiss by admin public=true linked=[]",
		"declare by admin public=false linked=[INC-1]",
		"attach by admin public=false linked=[INC-1]",
	}, "\n")
	mu.Lock()
	defer mu.Unlock()
	if got := strings.Join(heard, "\n"); got != want {
		t.Errorf("the observers heard\n%s\nwant\n%s", got, want)
	}
}
