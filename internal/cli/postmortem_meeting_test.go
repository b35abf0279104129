package cli_test

import (
	"bytes"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"
)

// TestPostmortemMeetingFromTheCLI schedules the review meeting, moves it,
// shows it and writes its invitation; bad input is refused naming the
// field.
func TestPostmortemMeetingFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.ok(t, "users", "create", "bob", "--role", "responder")
	h.env["FIREBREAK_TOKEN"] = h.tokenFor(t, "alice")
	h.ok(t, "declare", "Leaked key", "--severity", "SEV3")
	h.ok(t, "incidents", "assign", "INC-1", "ir_lead", "alice")
	h.ok(t, "incidents", "transition", "INC-1", "active")
	h.ok(t, "incidents", "transition", "INC-1", "contained")
	h.ok(t, "incidents", "update", "INC-1", "--root-cause", "a CI log printed the key")
	h.ok(t, "incidents", "transition", "INC-1", "eradicated")
	h.ok(t, "incidents", "transition", "INC-1", "recovered")

	start := time.Now().UTC().Add(2 * time.Hour).Truncate(time.Minute)
	h.fails(t, "--at", "incidents", "postmortem", "meeting", "INC-1", "--at", "tomorrow")
	h.fails(t, "start", "incidents", "postmortem", "meeting", "INC-1", "--at", start.Add(-4*time.Hour).Format(time.RFC3339))
	h.fails(t, "duration_minutes", "incidents", "postmortem", "meeting", "INC-1", "--at", start.Format(time.RFC3339), "--duration", "9h")
	h.fails(t, "participants[1]", "incidents", "postmortem", "meeting", "INC-1", "--at", start.Format(time.RFC3339), "--with", "alice,nobody-such-user")
	out := h.ok(t, "incidents", "postmortem", "meeting", "INC-1", "--at", start.Format(time.RFC3339), "--duration", "45m", "--with", "alice,bob", "--location", "Room 4")
	if !strings.Contains(out, "Review meeting of INC-1: "+start.Format("2006-01-02 15:04:05Z")) || !strings.Contains(out, "(45 min), invitation sequence 0") ||
		!strings.Contains(out, "Participants alice, bob") {
		t.Fatalf("meeting:\n%s", out)
	}
	local := start.Add(time.Hour).In(time.Local).Format("2006-01-02 15:04")
	h.ok(t, "incidents", "postmortem", "meeting", "INC-1", "--at", local, "--duration", "1h")
	if out := h.ok(t, "incidents", "postmortem", "meeting", "show", "INC-1"); !strings.Contains(out, "invitation sequence 1") ||
		!strings.Contains(out, start.Add(time.Hour).Format("2006-01-02 15:04:05Z")) {
		t.Fatalf("show:\n%s", out)
	}
	cal, err := ical.NewDecoder(bytes.NewReader([]byte(h.ok(t, "incidents", "postmortem", "meeting", "ics", "INC-1")))).Decode()
	if err != nil {
		t.Fatal(err)
	}
	ev := cal.Events()[0]
	if s := ev.Props.Get(ical.PropSequence).Value; s != "1" {
		t.Errorf("SEQUENCE %s", s)
	}
	if st, _ := ev.DateTimeStart(nil); !st.Equal(start.Add(time.Hour)) {
		t.Errorf("DTSTART %v", st)
	}
}
