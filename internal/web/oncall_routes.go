package web

import (
	"net/http"

	"github.com/firebreak-ir/firebreak/internal/auth"
)

// registerOnCall adds the on-call pages, the paging panels' actions and
// the public acknowledgement links and calendar feeds to the route table.
func (s *Server) registerOnCall(mux *http.ServeMux, page func(string, http.HandlerFunc, auth.Role)) {
	if s.roster == nil {
		return
	}
	// Open to everyone: the link or the feed's token is the credential.
	mux.HandleFunc("GET /ack/{token}", s.ackPage)
	mux.HandleFunc("POST /ack/{token}", s.ack)
	mux.HandleFunc("GET /calendars/schedules/{name}/{file}", s.scheduleFeed)
	mux.HandleFunc("GET /calendars/users/{username}/{file}", s.userFeed)

	page("GET /oncall", s.oncallPage, auth.Viewer)
	page("GET /oncall/me", s.mePage, auth.Viewer)
	page("POST /oncall/me/contacts", s.addContact, auth.Viewer)
	page("POST /oncall/me/contacts/{id}/verify", s.verifyContact, auth.Viewer)
	page("POST /oncall/me/contacts/{id}/resend", s.resendCode, auth.Viewer)
	page("POST /oncall/me/contacts/{id}/test", s.testContact, auth.Viewer)
	page("POST /oncall/me/contacts/{id}/delete", s.deleteContact, auth.Viewer)
	page("POST /oncall/me/rules", s.addRule, auth.Viewer)
	page("POST /oncall/me/rules/{id}/delete", s.deleteRule, auth.Viewer)
	page("POST /oncall/me/calendar/rotate", s.rotateFeeds, auth.Viewer)
	for _, k := range objectKinds {
		base := "/oncall/" + k.Slug
		page("GET "+base, s.objectsPage(k), auth.Viewer)
		page("POST "+base, s.createObject(k), auth.Admin)
		page("GET "+base+"/{name}", s.objectPage(k), auth.Viewer)
		page("POST "+base+"/{name}", s.saveObject(k), auth.Admin)
		page("POST "+base+"/{name}/delete", s.deleteObject(k), auth.Admin)
	}
	page("POST /oncall/schedules/{name}/overrides", s.addOverride, auth.Responder)
	page("POST /oncall/schedules/{name}/overrides/remove", s.removeOverride, auth.Responder)

	page("POST /incidents/{ref}/page", s.incidentPageSomeone, auth.Responder)
	page("POST /incidents/{ref}/escalations/{id}/acknowledge", s.incidentAcknowledgePage, auth.Responder)
	page("POST /incidents/{ref}/escalations/{id}/escalate", s.incidentEscalateNow, auth.Responder)
	page("POST /triage/{id}/page", s.triagePageSomeone, auth.Responder)
	page("POST /triage/{id}/escalations/{eid}/acknowledge", s.triageAcknowledgePage, auth.Responder)
	page("POST /triage/{id}/escalations/{eid}/escalate", s.triageEscalateNow, auth.Responder)
}
