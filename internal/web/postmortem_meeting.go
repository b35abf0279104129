package web

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// meetingForm is the review meeting's form: the meeting as scheduled (or
// the defaults), or what was typed with the refusal of each field.
type meetingForm struct {
	Start        string // datetime-local, UTC
	Duration     string // minutes
	Participants string
	Location     string
	Errs         map[string]string
}

// registerPostmortemMeeting adds the review meeting's routes.
func (s *Server) registerPostmortemMeeting(page func(string, http.HandlerFunc, auth.Role)) {
	page("POST /incidents/{ref}/postmortem/meeting", s.schedulePostmortemMeeting, auth.Responder)
	page("GET /incidents/{ref}/postmortem/meeting.ics", s.postmortemMeetingICS, auth.Viewer)
}

// meetingFormOf is the form of inc's meeting, or its defaults: an hour,
// everyone holding a role and the reviewers.
func meetingFormOf(inc *incident.Incident) meetingForm {
	if m := inc.Postmortem.Meeting; m != nil {
		return meetingForm{Start: m.Start.UTC().Format("2006-01-02T15:04"), Duration: strconv.Itoa(m.DurationMinutes),
			Participants: strings.Join(m.Participants, ", "), Location: m.Location}
	}
	return meetingForm{Duration: "60", Participants: strings.Join(incident.DefaultParticipants(inc), ", ")}
}

// schedulePostmortemMeeting schedules (or moves) the review meeting from
// the form; a refusal re-renders the page with it beside its field.
func (s *Server) schedulePostmortemMeeting(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := meetingForm{Start: strings.TrimSpace(r.PostFormValue("start")), Duration: strings.TrimSpace(r.PostFormValue("duration")),
		Participants: r.PostFormValue("participants"), Location: r.PostFormValue("location")}
	in := incident.MeetingInput{Start: parseLocalUTC(f.Start), Location: f.Location,
		Participants: strings.FieldsFunc(f.Participants, func(c rune) bool { return c == ',' || c == ' ' || c == '\n' || c == '\t' })}
	var err error
	if in.DurationMinutes, err = strconv.Atoi(f.Duration); err != nil {
		err = errs.E(errs.Invalid, "duration_minutes", "%q is not a number of minutes", f.Duration)
	} else {
		var inc incident.Incident
		if inc, err = s.incidents.ScheduleMeeting(r.Context(), s.command(r), in); err == nil {
			flash := "Review meeting scheduled; the invitation goes to " + strings.Join(inc.Postmortem.Meeting.Participants, ", ") + "."
			http.Redirect(w, r, "/incidents/"+inc.Ref+"/postmortem?flash="+urlQuery(flash)+"#meeting", http.StatusSeeOther)
			return
		}
	}
	if codeOf(err) == 0 {
		s.fail(w, r, err)
		return
	}
	cur, gerr := s.incidents.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if gerr != nil {
		s.fail(w, r, gerr)
		return
	}
	f.Errs = map[string]string{}
	msg := ""
	if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
		details := e.Details
		if len(details) == 0 {
			details = []errs.Detail{{Field: e.Field, Message: e.Message}}
		}
		for _, d := range details {
			field, _, _ := strings.Cut(d.Field, "[")
			f.Errs[field] = strings.TrimSpace(f.Errs[field] + " " + d.Message)
		}
	} else {
		msg = message(err)
	}
	s.renderPostmortem(w, r, codeOf(err), cur, cur.Postmortem.Doc, "", msg, f)
}

// postmortemMeetingICS serves the review meeting's invitation to a
// signed-in user who may see the incident.
func (s *Server) postmortemMeetingICS(w http.ResponseWriter, r *http.Request) {
	if s.postmortems == nil {
		http.NotFound(w, r)
		return
	}
	v := viewerOf(userFrom(r))
	inv, err := s.postmortems.Invitation(r.Context(), v, r.PathValue("ref"), v.User)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	b, err := inv.ICS()
	if err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", postmortem.ICSMediaType)
	w.Header().Set("X-Content-Type-Options", "nosniff")
	w.Header().Set("Content-Disposition", `attachment; filename="`+inv.Incident.Ref+`-review.ics"`)
	_, _ = w.Write(b) // a client gone away is nothing to report
}
