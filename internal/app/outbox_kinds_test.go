package app_test

import (
	"context"
	"path/filepath"
	"slices"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/app"
)

// outboxKinds are the kinds of outgoing message that go through the
// outbox. Moving a message onto the outbox adds its kind here (issue 14:
// every kind has moved).
var outboxKinds = []string{"status_email", "notice_email", "stakeholder_update", "update_reminder", "page", "contact_code", "contact_test",
	"duty_reminder", "task_reminder", "postmortem_reminder", "postmortem_meeting_invite", "action_reminder", "action_webhook", "action_github_issue"}

// TestOutboxKinds checks the server registers a renderer for every kind
// listed, and no other.
func TestOutboxKinds(t *testing.T) {
	t.Parallel()
	fb, err := app.New(context.Background(), app.Config{Addr: "127.0.0.1:0", DSN: filepath.Join(t.TempDir(), "firebreak.db"), Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { fb.DB.Close() })
	got := fb.Services.Outbox.Kinds()
	slices.Sort(got)
	want := slices.Clone(outboxKinds)
	slices.Sort(want)
	if !slices.Equal(got, want) {
		t.Fatalf("registered outbox kinds %v, want %v", got, want)
	}
}
