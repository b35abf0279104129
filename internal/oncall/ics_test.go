package oncall

import (
	"bytes"
	"io"
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
		data := s.ICS(from, to, tt.user)
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
			stamp, err3 := ev.Props.DateTime(ical.PropDateTimeStamp, time.UTC)
			if err1 != nil || err2 != nil || err3 != nil {
				t.Fatalf("times: %v, %v, %v", err1, err2, err3)
			}
			if !stamp.Equal(from) {
				t.Errorf("DTSTAMP = %s, want from %s", stamp, from)
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

func TestICSStableUIDs(t *testing.T) {
	t.Parallel()
	s := icsSchedule(t)
	a := s.ICS(ts(t, "2025-03-07T00:00:00Z"), ts(t, "2025-03-12T00:00:00Z"), "alice")
	b := s.ICS(ts(t, "2025-03-07T00:00:00Z"), ts(t, "2025-03-12T00:00:00Z"), "alice")
	if !bytes.Equal(a, b) {
		t.Error("the same range gives different feeds")
	}
}
