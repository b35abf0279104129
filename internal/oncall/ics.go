package oncall

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Feed is one iCalendar feed: the shifts of one or more schedules, of one
// user or of everyone. The schedule feed and a person's feed are both
// written by Feed.ICS, so an event is the same, UID included, in both.
type Feed struct {
	Name      string     // X-WR-CALNAME: "On call: payments"
	Schedules []Schedule // in the order their events are written
	User      string     // only this user's shifts; everyone's when ""
	From, To  time.Time  // the window: shifts overlapping it are written
	Stamp     time.Time  // DTSTAMP: when the feed is generated
}

// ICS returns the feed as RFC 5545 iCalendar: one VEVENT per Shift of the
// final schedules overlapping [From, To). Times are in UTC. A shift that
// started before the window keeps its real DTSTART, and its UID is made
// from the unclipped shift (schedule, user, layer or override, real
// start), never from the window, so a re-fetched feed updates each event
// in place however the window has moved. DTSTAMP is Stamp, as this package
// never reads the clock. Lines end in CRLF and are folded at 75 octets.
// With no shifts (or a schedule that does not validate) the calendar has
// no VEVENT, which calendar clients accept although RFC 5545 asks for at
// least one component.
func (f Feed) ICS() []byte {
	var b bytes.Buffer
	w := func(line string) { fold(&b, line) }
	w("BEGIN:VCALENDAR")
	w("VERSION:2.0")
	w("PRODID:-//Firebreak//On-call schedules//EN")
	w("CALSCALE:GREGORIAN")
	w("METHOD:PUBLISH")
	w("X-WR-CALNAME:" + escapeText(f.Name))
	for _, s := range f.Schedules {
		for _, sh := range s.Shifts(f.From, f.To) {
			if f.User != "" && sh.User != f.User {
				continue
			}
			via := sh.Layer
			if sh.Override {
				via = "override"
			}
			start := sh.Start
			if start.Equal(f.From) {
				start = s.realStart(sh)
			}
			w("BEGIN:VEVENT")
			w("UID:" + uid(s.Name, sh.User, via, start) + "@firebreak")
			w("DTSTAMP:" + icsTime(f.Stamp))
			w("DTSTART:" + icsTime(start))
			w("DTEND:" + icsTime(sh.End))
			w("SUMMARY:" + escapeText(fmt.Sprintf("%s on call: %s (%s)", sh.User, s.Name, via)))
			w("TRANSP:TRANSPARENT")
			w("END:VEVENT")
		}
	}
	w("END:VCALENDAR")
	return b.Bytes()
}

// realStart is when sh, which Shifts clipped at its window's start, really
// started: the start of the same stretch (same user, through the same
// layer or override) in a window reaching further back, widened until the
// stretch no longer touches its edge or the edge is the schedule's
// earliest instant (its first layer start or override). A few calls, each
// proportional to the hand-offs in its window.
func (s Schedule) realStart(sh Shift) time.Time {
	earliest := sh.Start
	for _, l := range s.Layers {
		if l.Start.Before(earliest) {
			earliest = l.Start
		}
	}
	for _, o := range s.Overrides {
		if o.From.Before(earliest) {
			earliest = o.From
		}
	}
	const far = 100 * 365 * 24 * time.Hour // time.Duration tops out near 292 years
	for back := 7 * 24 * time.Hour; ; back = min(back*4, far) {
		lo := sh.Start.Add(-back)
		if back == far || lo.Before(earliest) {
			lo = earliest
		}
		if !lo.Before(sh.Start) {
			return sh.Start
		}
		prev := s.Shifts(lo, sh.Start)
		if len(prev) == 0 {
			return sh.Start
		}
		p := prev[len(prev)-1]
		if !p.End.Equal(sh.Start) || p.User != sh.User || p.Layer != sh.Layer || p.Override != sh.Override {
			return sh.Start
		}
		if p.Start.After(lo) || lo.Equal(earliest) {
			return p.Start
		}
	}
}

// uid names a shift by what it is, not by the window it is seen through.
func uid(schedule, user, via string, start time.Time) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%d", schedule, user, via, start.Unix())))
	return hex.EncodeToString(h[:16])
}

func icsTime(t time.Time) string { return t.UTC().Format("20060102T150405Z") }

// escapeText escapes a TEXT value (RFC 5545 section 3.3.11).
var escapeText = strings.NewReplacer(`\`, `\\`, `;`, `\;`, `,`, `\,`, "\r\n", `\n`, "\n", `\n`, "\r", `\n`).Replace

// fold writes one content line, folded so that no line exceeds 75 octets
// (the leading space of a continuation counts), never inside a UTF-8
// sequence, and ended with CRLF (RFC 5545 section 3.1).
func fold(b *bytes.Buffer, line string) {
	limit := 75
	for len(line) > limit {
		cut := limit
		for cut > 0 && !utf8.RuneStart(line[cut]) {
			cut--
		}
		b.WriteString(line[:cut])
		b.WriteString("\r\n ")
		line = line[cut:]
		limit = 74
	}
	b.WriteString(line)
	b.WriteString("\r\n")
}
