package oncall

import (
	"bytes"
	"io"
	"os/exec"
	"strconv"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/emersion/go-ical"
)

func icsSchedule(t *testing.T) Schedule {
	const ny = "America/New_York"
	s := daily("Plattform-Bereitschaft: Zahlungen, Köln; Nord\\Süd — eine recht lange Bezeichnung", ny,
		day(t, ny, "2025-03-07"), "09:00", "alice", "bob")
	s.Overrides = []Override{{User: "carol", From: ts(t, "2025-03-08T12:00:00-05:00"), To: ts(t, "2025-03-08T18:00:00-05:00")}}
	return mustValid(t, s)
}

// TestICSImports parses the feed with a real iCalendar library
// (emersion/go-ical) and re-encodes it, which checks the properties RFC
// 5545 requires of a VCALENDAR and a VEVENT.
func TestICSImports(t *testing.T) {
	t.Parallel()
	s := icsSchedule(t)
	from, to := ts(t, "2025-03-07T00:00:00-05:00"), ts(t, "2025-03-11T00:00:00-04:00")
	stamp := ts(t, "2025-03-06T10:11:12Z")
	tests := []struct {
		user string
		want []string // "SUMMARY START END"
	}{
		{"", []string{
			"alice 2025-03-07T14:00:00Z 2025-03-08T14:00:00Z",
			"bob 2025-03-08T14:00:00Z 2025-03-08T17:00:00Z",
			"carol 2025-03-08T17:00:00Z 2025-03-08T23:00:00Z",
			"bob 2025-03-08T23:00:00Z 2025-03-09T13:00:00Z", // 09:00 EDT
			"alice 2025-03-09T13:00:00Z 2025-03-10T13:00:00Z",
			"bob 2025-03-10T13:00:00Z 2025-03-11T04:00:00Z",
		}},
		{"bob", []string{
			"bob 2025-03-08T14:00:00Z 2025-03-08T17:00:00Z",
			"bob 2025-03-08T23:00:00Z 2025-03-09T13:00:00Z",
			"bob 2025-03-10T13:00:00Z 2025-03-11T04:00:00Z",
		}},
		{"nobody", nil},
	}
	for _, tt := range tests {
		data := Feed{Name: "On call: " + s.Name, Schedules: []Schedule{s}, User: tt.user, From: from, To: to, Stamp: stamp}.ICS()
		checkLines(t, data)
		cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
		if err != nil {
			t.Fatalf("user %q: decode: %v\n%s", tt.user, err, data)
		}
		// RFC 5545 wants at least one component; a feed with no shifts has
		// none (calendar clients accept that), so only a non-empty one is
		// re-encoded.
		if err := ical.NewEncoder(io.Discard).Encode(cal); len(tt.want) > 0 && err != nil {
			t.Errorf("user %q: the parsed calendar does not re-encode: %v", tt.user, err)
		}
		name, err := cal.Props.Text("X-WR-CALNAME")
		if err != nil || name != "On call: "+s.Name {
			t.Errorf("X-WR-CALNAME = %q, %v; want the schedule name unescaped", name, err)
		}
		var got []string
		uids := map[string]bool{}
		for _, ev := range cal.Events() {
			summary, _ := ev.Props.Text(ical.PropSummary)
			user, _, _ := strings.Cut(summary, " on call: ")
			if !strings.HasSuffix(summary, s.Name+" (primary)") && !strings.HasSuffix(summary, s.Name+" (override)") {
				t.Errorf("SUMMARY %q does not end with the unescaped schedule name and layer", summary)
			}
			start, err1 := ev.DateTimeStart(time.UTC)
			end, err2 := ev.DateTimeEnd(time.UTC)
			_, err3 := ev.Props.DateTime(ical.PropDateTimeStamp, time.UTC)
			if err1 != nil || err2 != nil || err3 != nil {
				t.Fatalf("times: %v, %v, %v", err1, err2, err3)
			}
			if got, _ := ev.Props.DateTime(ical.PropDateTimeStamp, time.UTC); !got.Equal(stamp) {
				t.Errorf("DTSTAMP = %s, want the generation time %s", got, stamp)
			}
			uid, _ := ev.Props.Text(ical.PropUID)
			if uid == "" || uids[uid] {
				t.Errorf("UID %q empty or repeated", uid)
			}
			uids[uid] = true
			got = append(got, user+" "+start.Format(time.RFC3339)+" "+end.Format(time.RFC3339))
		}
		if strings.Join(got, "\n") != strings.Join(tt.want, "\n") {
			t.Errorf("user %q: events:\n%s\nwant:\n%s", tt.user, strings.Join(got, "\n"), strings.Join(tt.want, "\n"))
		}
	}
}

// checkLines checks CRLF line endings and 75-octet folding that never
// splits a UTF-8 sequence.
func checkLines(t *testing.T, data []byte) {
	t.Helper()
	if !bytes.HasSuffix(data, []byte("\r\n")) {
		t.Fatal("feed does not end in CRLF")
	}
	folded := false
	for i, line := range strings.Split(strings.TrimSuffix(string(data), "\r\n"), "\r\n") {
		if strings.ContainsAny(line, "\r\n") {
			t.Errorf("line %d has a bare CR or LF: %q", i, line)
		}
		if len(line) > 75 {
			t.Errorf("line %d is %d octets: %q", i, len(line), line)
		}
		if !utf8.ValidString(line) {
			t.Errorf("line %d splits a UTF-8 sequence: %q", i, line)
		}
		folded = folded || strings.HasPrefix(line, " ")
	}
	if !folded {
		t.Error("no line was folded; the test schedule name is meant to force folding")
	}
}

// event is what a test compares of a VEVENT.
type event struct {
	start, end, stamp time.Time
	summary           string
}

func events(t *testing.T, data []byte) map[string]event {
	t.Helper()
	cal, err := ical.NewDecoder(bytes.NewReader(data)).Decode()
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, data)
	}
	out := map[string]event{}
	for _, ev := range cal.Events() {
		uid, _ := ev.Props.Text(ical.PropUID)
		var e event
		e.start, _ = ev.DateTimeStart(time.UTC)
		e.end, _ = ev.DateTimeEnd(time.UTC)
		e.stamp, _ = ev.Props.DateTime(ical.PropDateTimeStamp, time.UTC)
		e.summary, _ = ev.Props.Text(ical.PropSummary)
		if _, dup := out[uid]; dup || uid == "" {
			t.Fatalf("UID %q empty or repeated", uid)
		}
		out[uid] = e
	}
	return out
}

// TestICSStableUIDs is the feed as a calendar client polls it: two feeds
// generated an hour apart (the window moved by an hour) have the same
// events under the same UIDs; the shift in progress at the window's start
// keeps its real start; DTSTAMP is when each was generated; a person's
// feed has the schedule feed's events, UIDs included.
func TestICSStableUIDs(t *testing.T) {
	t.Parallel()
	s := icsSchedule(t)
	other := mustValid(t, daily("secondary", "Europe/Berlin", day(t, "Europe/Berlin", "2025-03-01"), "08:00", "bob", "dave"))
	gen := func(now time.Time, user string, schedules ...Schedule) map[string]event {
		from := now.Truncate(time.Hour)
		return events(t, Feed{Name: "On call", Schedules: schedules, User: user, From: from.Add(-7 * 24 * time.Hour), To: from.Add(90 * 24 * time.Hour), Stamp: now}.ICS())
	}
	now := ts(t, "2025-03-20T10:30:00Z")
	later := now.Add(time.Hour)
	a, b := gen(now, "", s), gen(later, "", s)
	if len(a) < 90 || len(a) != len(b) {
		t.Fatalf("%d then %d events", len(a), len(b))
	}
	first := ts(t, "2025-03-12T13:00:00Z") // 09:00 EDT: the shift under way at the window's start (03-13 10:00Z)
	sawFirst := false
	for uid, ea := range a {
		eb, ok := b[uid]
		if !ok {
			t.Errorf("UID %s (%s from %s) is gone an hour later", uid, ea.summary, ea.start)
			continue
		}
		if !ea.start.Equal(eb.start) || ea.summary != eb.summary {
			t.Errorf("UID %s: %s %s, then %s %s", uid, ea.summary, ea.start, eb.summary, eb.start)
		}
		if !ea.stamp.Equal(now) || !eb.stamp.Equal(later) {
			t.Errorf("DTSTAMP %s and %s, want the generation times %s and %s", ea.stamp, eb.stamp, now, later)
		}
		if ea.start.Equal(first) {
			sawFirst = true
		}
	}
	if !sawFirst {
		t.Errorf("no event starts at %s, the real start of the shift under way at the window's start", first)
	}
	// A shift that started long before the window (one user, no hand-off
	// since the layer began) keeps its real start too.
	solo := mustValid(t, daily("solo", "UTC", day(t, "UTC", "2024-01-01"), "00:00", "erin"))
	for _, e := range gen(now, "", solo) {
		if !e.start.Equal(ts(t, "2024-01-01T00:00:00Z")) {
			t.Errorf("solo: DTSTART %s, want the layer's start", e.start)
		}
	}
	// bob's feed over both schedules: each of its events is the one the
	// schedule's own feed has.
	both := gen(now, "", s)
	for uid, e := range gen(now, "", other) {
		both[uid] = e
	}
	mine := gen(now, "bob", s, other)
	if len(mine) < 60 {
		t.Fatalf("bob has %d events", len(mine))
	}
	for uid, e := range mine {
		if !strings.HasPrefix(e.summary, "bob on call: ") || both[uid] != e {
			t.Errorf("bob's event %s %+v; in the schedule feeds %+v", uid, e, both[uid])
		}
	}
	pythonICalendar(t, Feed{Name: "On call", Schedules: []Schedule{s, other}, From: now.Add(-7 * 24 * time.Hour), To: now.Add(30 * 24 * time.Hour), Stamp: now}.ICS())
}

// pythonICalendar parses the feed with the python icalendar library when it
// is importable (Debian's python3-icalendar), as a second, independent
// reader; skipped otherwise.
func pythonICalendar(t *testing.T, data []byte) {
	t.Helper()
	const script = `
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
n = 0
for ev in cal.walk("VEVENT"):
    assert ev.decoded("DTSTART") < ev.decoded("DTEND"), ev
    assert str(ev["UID"]).endswith("@firebreak"), ev
    ev.decoded("DTSTAMP")
    n += 1
print(n)
`
	for _, py := range []string{"python3", "/usr/bin/python3"} {
		if err := exec.Command(py, "-c", "import icalendar").Run(); err != nil {
			continue
		}
		cmd := exec.Command(py, "-c", script)
		cmd.Stdin = bytes.NewReader(data)
		out, err := cmd.CombinedOutput()
		if err != nil {
			t.Fatalf("python icalendar (%s): %v\n%s", py, err, out)
		}
		if want := strings.Count(string(data), "BEGIN:VEVENT"); strings.TrimSpace(string(out)) != strconv.Itoa(want) {
			t.Errorf("python icalendar read %s events, want %d", out, want)
		}
		return
	}
	t.Log("python icalendar is not importable: the second reader is skipped")
}
