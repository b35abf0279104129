package postmortem

import (
	"bytes"
	"os/exec"
	"slices"
	"strings"
	"testing"
	"time"

	ical "github.com/emersion/go-ical"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

func invitation(seq int, restricted, show bool) Invitation {
	start := time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)
	due := time.Date(2026, 12, 2, 9, 0, 0, 0, time.UTC)
	return Invitation{
		Incident: incident.Incident{ID: "0190-aaaa", Ref: "INC-7", Title: "Deploy key, leaked; again", Restricted: restricted, PostmortemDue: &due},
		Meeting: incident.Meeting{Start: start, End: start.Add(45 * time.Minute), DurationMinutes: 45, Participants: []string{"lena", "bob", "nomail"},
			Location: "Room 4; or https://meet.example/x", Sequence: seq, ScheduledBy: "lena", ScheduledAt: time.Date(2026, 11, 30, 8, 1, 2, 0, time.UTC)},
		URL:       "https://firebreak.example/incidents/INC-7/postmortem",
		ShowTitle: show,
		Organizer: Invitee{User: "lena", Name: "Lena \"L\" Ops", Email: "lena@example.org"},
		Attendees: []Invitee{{User: "lena", Name: "Lena \"L\" Ops", Email: "lena@example.org"}, {User: "bob", Email: "bob@example.org"}, {User: "nomail"}},
	}
}

// The invitation parses back with go-ical to what was scheduled: a
// request, the UID of the incident whatever the sequence, times in UTC,
// one attendee per participant with an address.
func TestInvitationICS(t *testing.T) {
	t.Parallel()
	var uids []string
	for _, seq := range []int{0, 3} {
		b, err := invitation(seq, false, true).ICS()
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte("\r\n")) || bytes.Contains(bytes.ReplaceAll(b, []byte("\r\n"), nil), []byte("\n")) {
			t.Errorf("lines do not end in CRLF")
		}
		cal, err := ical.NewDecoder(bytes.NewReader(b)).Decode()
		if err != nil {
			t.Fatalf("decode: %v\n%s", err, b)
		}
		if m, _ := cal.Props.Text(ical.PropMethod); m != "REQUEST" {
			t.Errorf("METHOD %q", m)
		}
		if id, _ := cal.Props.Text(ical.PropProductID); id == "" {
			t.Error("no PRODID")
		}
		evs := cal.Events()
		if len(evs) != 1 {
			t.Fatalf("%d events", len(evs))
		}
		ev := evs[0]
		uid, _ := ev.Props.Text(ical.PropUID)
		uids = append(uids, uid)
		if s := ev.Props.Get(ical.PropSequence); s == nil || s.Value != map[int]string{0: "0", 3: "3"}[seq] {
			t.Errorf("SEQUENCE %+v", s)
		}
		start, err1 := ev.DateTimeStart(nil)
		end, err2 := ev.DateTimeEnd(nil)
		stamp, err3 := ev.Props.DateTime(ical.PropDateTimeStamp, nil)
		if err1 != nil || err2 != nil || err3 != nil || !start.Equal(time.Date(2026, 12, 1, 14, 0, 0, 0, time.UTC)) || end.Sub(start) != 45*time.Minute ||
			!stamp.Equal(time.Date(2026, 11, 30, 8, 1, 2, 0, time.UTC)) {
			t.Errorf("start %v end %v stamp %v (%v %v %v)", start, end, stamp, err1, err2, err3)
		}
		if v := ev.Props.Get(ical.PropDateTimeStart).Value; !strings.HasSuffix(v, "Z") {
			t.Errorf("DTSTART %q not in UTC", v)
		}
		if s, _ := ev.Props.Text(ical.PropSummary); s != "Post-mortem review: INC-7 Deploy key, leaked; again" {
			t.Errorf("SUMMARY %q", s)
		}
		if u, err := ev.Props.URI(ical.PropURL); err != nil || u.String() != "https://firebreak.example/incidents/INC-7/postmortem" {
			t.Errorf("URL %v %v", u, err)
		}
		if d, _ := ev.Props.Text(ical.PropDescription); !strings.Contains(d, "https://firebreak.example/incidents/INC-7/postmortem") {
			t.Errorf("DESCRIPTION %q", d)
		}
		if l, _ := ev.Props.Text(ical.PropLocation); l != "Room 4; or https://meet.example/x" {
			t.Errorf("LOCATION %q", l)
		}
		org := ev.Props.Get(ical.PropOrganizer)
		if org == nil || org.Value != "mailto:lena@example.org" || org.Params.Get(ical.ParamCommonName) != "Lena 'L' Ops" {
			t.Errorf("ORGANIZER %+v", org)
		}
		var att []string
		for _, a := range ev.Props.Values(ical.PropAttendee) {
			att = append(att, a.Params.Get(ical.ParamCommonName)+" "+a.Value+" "+a.Params.Get(ical.ParamRole)+" "+a.Params.Get(ical.ParamRSVP))
		}
		if want := []string{"Lena 'L' Ops mailto:lena@example.org REQ-PARTICIPANT TRUE", "bob mailto:bob@example.org REQ-PARTICIPANT TRUE"}; !slices.Equal(att, want) {
			t.Errorf("ATTENDEEs %q, want %q", att, want)
		}
	}
	if uids[0] != uids[1] || uids[0] != UID("0190-aaaa") || UID("0190-aaaa") == UID("0190-bbbb") {
		t.Errorf("UIDs %q: want one per incident, the same across sequences", uids)
	}
}

// A restricted incident's title goes only to readers who may see it; an
// organiser with no address is named by CN alone.
func TestInvitationRestricted(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		restricted, show bool
		want             string
	}{
		{false, false, "Post-mortem review: INC-7 Deploy key, leaked; again"},
		{true, true, "Post-mortem review: INC-7 Deploy key, leaked; again"},
		{true, false, "Post-mortem review: INC-7"},
	} {
		inv := invitation(0, tt.restricted, tt.show)
		inv.Organizer = Invitee{User: "nomail"}
		b, err := inv.ICS()
		if err != nil {
			t.Fatal(err)
		}
		cal, err := ical.NewDecoder(bytes.NewReader(b)).Decode()
		if err != nil {
			t.Fatal(err)
		}
		ev := cal.Events()[0]
		if s, _ := ev.Props.Text(ical.PropSummary); s != tt.want {
			t.Errorf("restricted %v show %v: SUMMARY %q, want %q", tt.restricted, tt.show, s, tt.want)
		}
		if tt.restricted && !tt.show && bytes.Contains(b, []byte("Deploy key")) {
			t.Errorf("the title leaks:\n%s", b)
		}
		if org := ev.Props.Get(ical.PropOrganizer); org == nil || org.Params.Get(ical.ParamCommonName) != "nomail" || strings.Contains(org.Value, "@") {
			t.Errorf("ORGANIZER %+v", org)
		}
	}
}

// python3-icalendar, an independent parser, reads the invitation the same.
func TestInvitationPythonICalendar(t *testing.T) {
	t.Parallel()
	py := ""
	for _, p := range []string{"python3", "/usr/bin/python3"} {
		if exec.Command(p, "-c", "import icalendar").Run() == nil {
			py = p
			break
		}
	}
	if py == "" {
		t.Skip("python3 with icalendar (Debian python3-icalendar) is not installed")
	}
	b, err := invitation(2, false, true).ICS()
	if err != nil {
		t.Fatal(err)
	}
	const script = `
import sys, icalendar
cal = icalendar.Calendar.from_ical(sys.stdin.buffer.read())
print(cal['METHOD'])
for ev in cal.walk('VEVENT'):
    print(ev['UID']); print(ev['SEQUENCE'])
    print(ev.decoded('DTSTART').isoformat()); print(ev.decoded('DTEND').isoformat())
    print(ev['SUMMARY']); print(ev['URL']); print(ev['ORGANIZER'])
    att = ev.get('ATTENDEE'); att = att if isinstance(att, list) else [att]
    for a in att: print(a, a.params['CN'], a.params['ROLE'], a.params['RSVP'])
`
	cmd := exec.Command(py, "-c", script)
	cmd.Stdin = bytes.NewReader(b)
	out, err := cmd.CombinedOutput()
	if err != nil {
		t.Fatalf("python3-icalendar: %v\n%s", err, out)
	}
	want := strings.Join([]string{"REQUEST", UID("0190-aaaa"), "2", "2026-12-01T14:00:00+00:00", "2026-12-01T14:45:00+00:00",
		"Post-mortem review: INC-7 Deploy key, leaked; again", "https://firebreak.example/incidents/INC-7/postmortem", "mailto:lena@example.org",
		"mailto:lena@example.org Lena 'L' Ops REQ-PARTICIPANT TRUE", "mailto:bob@example.org bob REQ-PARTICIPANT TRUE"}, "\n") + "\n"
	if string(out) != want {
		t.Errorf("python3-icalendar read\n%s\nwant\n%s", out, want)
	}
}
