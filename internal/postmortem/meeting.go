package postmortem

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"unicode"

	ical "github.com/emersion/go-ical"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// ICSMediaType is the media type of an invitation: an iTIP request
// (RFC 5546) that calendar clients offer to accept.
const ICSMediaType = "text/calendar; method=REQUEST; charset=utf-8"

// Invitee is someone an invitation names: their username, the name shown
// (CN) and the address to invite them at ("" when they have none).
type Invitee struct {
	User  string
	Name  string
	Email string
	// SeeAll: they see every incident, restricted ones too.
	SeeAll bool
}

// Invitation is the review meeting's invitation as one reader receives it.
type Invitation struct {
	Incident incident.Incident
	Meeting  incident.Meeting
	// URL is the post-mortem's page (public URL + /incidents/{ref}/postmortem);
	// "" when the server knows no public URL.
	URL string
	// ShowTitle: the reader may see the incident, so its title is named.
	// A restricted incident's title is left out for anyone else.
	ShowTitle bool
	Organizer Invitee
	// Attendees are the meeting's participants, in its order.
	Attendees []Invitee
}

// Summary is the invitation's subject: "Post-mortem review: INC-7 Title".
func (inv Invitation) Summary() string {
	s := "Post-mortem review: " + inv.Incident.Ref
	if inv.ShowTitle || !inv.Incident.Restricted {
		s += " " + inv.Incident.Title
	}
	return oneLine(s)
}

// UID is the meeting's iCalendar UID, derived from the incident's ID so
// that every reschedule updates the same event in a calendar.
func UID(incidentID string) string {
	h := sha256.Sum256([]byte("firebreak-postmortem-review\x00" + incidentID))
	return hex.EncodeToString(h[:16]) + "@firebreak"
}

// Description is the invitation's text: what the meeting is for, when,
// where and the link to the draft.
func (inv Invitation) Description() string {
	m := inv.Meeting
	var b strings.Builder
	fmt.Fprintf(&b, "Review of the post-mortem of %s before it is due", inv.Incident.Ref)
	if inv.Incident.PostmortemDue != nil {
		fmt.Fprintf(&b, " (%s)", inv.Incident.PostmortemDue.UTC().Format("2006-01-02 15:04 UTC"))
	}
	b.WriteString(".\n")
	fmt.Fprintf(&b, "When: %s to %s\n", m.Start.UTC().Format("2006-01-02 15:04"), m.End.UTC().Format("15:04 UTC"))
	if m.Location != "" {
		fmt.Fprintf(&b, "Where: %s\n", m.Location)
	}
	fmt.Fprintf(&b, "Participants: %s\n", strings.Join(m.Participants, ", "))
	if inv.URL != "" {
		fmt.Fprintf(&b, "\nThe draft: %s\n", inv.URL)
	}
	return b.String()
}

// ICS is the invitation as an iCalendar object: METHOD:REQUEST, one
// VEVENT with the stable UID, SEQUENCE (one more per reschedule), DTSTAMP
// the time it was (re)scheduled, start and end in UTC, ORGANIZER (mailto
// when they have an address, else a CN only) and an ATTENDEE for each
// participant with an address.
func (inv Invitation) ICS() ([]byte, error) {
	m := inv.Meeting
	if m.Start.IsZero() {
		return nil, errors.New("postmortem: no meeting to invite to")
	}
	cal := ical.NewCalendar()
	cal.Props.SetText(ical.PropVersion, "2.0")
	cal.Props.SetText(ical.PropProductID, "-//Firebreak//Post-mortem review//EN")
	cal.Props.SetText(ical.PropCalendarScale, "GREGORIAN")
	cal.Props.SetText(ical.PropMethod, "REQUEST")

	ev := ical.NewEvent()
	ev.Props.SetText(ical.PropUID, UID(inv.Incident.ID))
	seq := ical.NewProp(ical.PropSequence)
	seq.Value = strconv.Itoa(m.Sequence)
	ev.Props.Set(seq)
	ev.Props.SetDateTime(ical.PropDateTimeStamp, m.ScheduledAt.UTC())
	ev.Props.SetDateTime(ical.PropDateTimeStart, m.Start.UTC())
	ev.Props.SetDateTime(ical.PropDateTimeEnd, m.End.UTC())
	ev.Props.SetText(ical.PropSummary, inv.Summary())
	ev.Props.SetText(ical.PropDescription, inv.Description())
	if m.Location != "" {
		ev.Props.SetText(ical.PropLocation, oneLine(m.Location))
	}
	if inv.URL != "" {
		u, err := url.Parse(inv.URL)
		if err != nil {
			return nil, fmt.Errorf("postmortem: the invitation's URL: %w", err)
		}
		ev.Props.SetURI(ical.PropURL, u)
	}
	ev.Props.SetText(ical.PropStatus, string(ical.EventConfirmed))
	org := ical.NewProp(ical.PropOrganizer)
	org.Params.Set(ical.ParamCommonName, cn(inv.Organizer))
	if inv.Organizer.Email != "" {
		org.Value = "mailto:" + inv.Organizer.Email
	} else {
		// RFC 5545 wants a cal-address; a CN with no address is what the
		// brief asks when the organiser has none: an empty mailto.
		org.Value = "mailto:"
	}
	ev.Props.Set(org)
	for _, p := range inv.Attendees {
		if p.Email == "" {
			continue
		}
		a := ical.NewProp(ical.PropAttendee)
		a.Params.Set(ical.ParamCommonName, cn(p))
		a.Params.Set(ical.ParamRole, "REQ-PARTICIPANT")
		a.Params.Set(ical.ParamParticipationStatus, "NEEDS-ACTION")
		a.Params.Set(ical.ParamRSVP, "TRUE")
		a.Value = "mailto:" + p.Email
		ev.Props.Add(a)
	}
	cal.Children = append(cal.Children, ev.Component)

	var b bytes.Buffer
	if err := ical.NewEncoder(&b).Encode(cal); err != nil {
		return nil, fmt.Errorf("postmortem: encoding the invitation: %w", err)
	}
	return b.Bytes(), nil
}

// cn is a person's name as a parameter value: one line, no double quote
// (which a parameter cannot hold).
func cn(p Invitee) string {
	name := strings.TrimSpace(p.Name)
	if name == "" {
		name = p.User
	}
	return strings.ReplaceAll(oneLine(name), `"`, "'")
}

// oneLine drops control characters (line breaks included) from s.
func oneLine(s string) string {
	return strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, s)
}
