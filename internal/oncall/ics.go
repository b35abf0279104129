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

// ICS returns the final schedule from from until to as an RFC 5545
// iCalendar feed: one VEVENT per Shift, of user only, or of everyone when
// user is "". Times are in UTC. Each event's UID is derived from the
// schedule, user, layer and times, so a re-fetched feed updates events in
// place rather than duplicating them. DTSTAMP is from, as this package
// never reads the clock: a live feed passes the current time as from.
// Lines end in CRLF and are folded at 75 octets. With no shifts (or when
// s does not validate) the calendar has no VEVENT, which calendar clients
// accept although RFC 5545 asks for at least one component.
func (s Schedule) ICS(from, to time.Time, user string) []byte {
	var b bytes.Buffer
	w := func(line string) { fold(&b, line) }
	w("BEGIN:VCALENDAR")
	w("VERSION:2.0")
	w("PRODID:-//Firebreak//On-call schedules//EN")
	w("CALSCALE:GREGORIAN")
	w("METHOD:PUBLISH")
	w("X-WR-CALNAME:" + escapeText("On call: "+s.Name))
	for _, sh := range s.Shifts(from, to) {
		if user != "" && sh.User != user {
			continue
		}
		via := sh.Layer
		if sh.Override {
			via = "override"
		}
		w("BEGIN:VEVENT")
		w("UID:" + uid(s.Name, sh) + "@firebreak")
		w("DTSTAMP:" + icsTime(from))
		w("DTSTART:" + icsTime(sh.Start))
		w("DTEND:" + icsTime(sh.End))
		w("SUMMARY:" + escapeText(fmt.Sprintf("%s on call: %s (%s)", sh.User, s.Name, via)))
		w("TRANSP:TRANSPARENT")
		w("END:VEVENT")
	}
	w("END:VCALENDAR")
	return b.Bytes()
}

func uid(schedule string, sh Shift) string {
	h := sha256.Sum256([]byte(fmt.Sprintf("%s\x00%s\x00%s\x00%t\x00%d\x00%d",
		schedule, sh.User, sh.Layer, sh.Override, sh.Start.Unix(), sh.End.Unix())))
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
