package httpapi

import (
	"context"
	"net/http"
	"strings"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// Contacts and notification rules (each person's own, or any for an
// admin: the pager checks), and escalations: who was paged, acknowledging,
// escalating and paging by hand.

// ContactBody adds a contact method. Address and secret are secrets: they
// are never shown again, and the schema does not constrain them because
// schema errors repeat the value.
type ContactBody struct {
	Name    string `json:"name,omitempty" maxLength:"64" doc:"A label such as \"work phone\"; defaults to the kind."`
	Kind    string `json:"kind" enum:"email,webhook,slack,teams"`
	Address string `json:"address,omitempty" doc:"email: the mailbox; webhook, slack, teams: the URL (Slack bot mode: empty)."`
	Secret  string `json:"secret,omitempty" doc:"webhook: the HMAC signing key (at least 16 bytes); Slack bot mode: the xoxb- token."`
	Channel string `json:"channel,omitempty" maxLength:"200" doc:"Slack bot mode: the channel."`
}

// VerifyBody carries the code a contact method received.
type VerifyBody struct {
	Code string `json:"code" minLength:"1" maxLength:"16"`
}

// TestResult is what a test page got back.
type TestResult struct {
	Channel    notify.Kind `json:"channel"`
	Target     string      `json:"target" doc:"Redacted."`
	StatusCode int         `json:"status_code,omitempty" doc:"HTTP status or SMTP reply code."`
	Response   string      `json:"response,omitempty" doc:"The status and its reason (HTTP 202 Accepted); the reply's body is never shown."`
	LatencyMS  float64     `json:"latency_ms"`
}

// RuleBody adds a notification rule.
type RuleBody struct {
	ContactID    string `json:"contact_id" minLength:"1" maxLength:"64" doc:"One of the user's contact methods."`
	DelayMinutes int    `json:"delay_minutes" doc:"Minutes after the page, 0 to 1440."`
}

// ContactParam names a user's contact method.
type ContactParam struct {
	UsernameParam
	ID string `path:"id" maxLength:"64" doc:"The contact method's ID."`
}

// EscalationLogEntry is one thing that happened to an escalation (the
// schema of escalation.LogEntry, whose name triage's takes).
type EscalationLogEntry escalation.LogEntry

// EscalationParam names an escalation.
type EscalationParam struct {
	ID string `path:"id" maxLength:"64" doc:"The escalation's ID."`
}

// PageBody pages people by hand.
type PageBody struct {
	Targets []oncall.Target `json:"targets" maxItems:"20" doc:"Users, schedules (whoever is on call) or policies (their first step)."`
	Message string          `json:"message,omitempty" maxLength:"2000" doc:"Shown at the top of the page."`
}

func (s *Server) registerContacts(api huma.API) {
	tags := []string{"Contacts"}
	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "list-contacts", Method: http.MethodGet, Path: "/api/v1/users/{username}/contacts", Tags: tags,
		Summary: "List a person's contact methods", Description: "For themselves or an admin. Addresses are redacted; secrets are never shown.",
	})), s.listContacts)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "add-contact", Method: http.MethodPost, Path: "/api/v1/users/{username}/contacts", Tags: tags,
		Errors:  []int{http.StatusTooManyRequests},
		Summary: "Add a contact method", DefaultStatus: http.StatusCreated,
		Description: "Sends a six-digit verification code to it, and stores it only if that message was delivered " +
			"(else 422 naming target, and nothing is stored). It is used for pages once verified with the code. " +
			"A URL at a loopback, private, link-local or metadata address is refused (422 naming address) unless the " +
			"policy file's outbound.allow permits it. Verification codes (and resends) are limited to 5 per 15 minutes " +
			"per person and per address (429 with Retry-After).",
	})), s.addContact)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "verify-contact", Method: http.MethodPost, Path: "/api/v1/users/{username}/contacts/{id}/verify", Tags: tags,
		Summary: "Verify a contact method with its code", DefaultStatus: http.StatusOK,
		Description: "Codes expire after 30 minutes; five wrong ones end the code (resend for a new one).",
	})), s.verifyContact)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "resend-contact-code", Method: http.MethodPost, Path: "/api/v1/users/{username}/contacts/{id}/resend", Tags: tags,
		Errors:  []int{http.StatusTooManyRequests},
		Summary: "Send a new verification code", Description: "Sends a new six-digit code to an unverified contact method. At most one a minute, and 5 codes per 15 minutes per person and per address (429 with Retry-After).", DefaultStatus: http.StatusNoContent,
	})), s.resendContactCode)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "test-contact", Method: http.MethodPost, Path: "/api/v1/users/{username}/contacts/{id}/test", Tags: tags,
		Errors:  []int{http.StatusTooManyRequests},
		Summary: "Send a test page", DefaultStatus: http.StatusOK,
		Description: "Answers with the receiver's status and the latency (never its reply's body); a failed delivery is a 422 " +
			"naming target with the reason. At most 5 test pages per 15 minutes per person and per address (429 with Retry-After).",
	})), s.testContact)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "delete-contact", Method: http.MethodDelete, Path: "/api/v1/users/{username}/contacts/{id}", Tags: tags,
		Summary: "Remove a contact method", DefaultStatus: http.StatusNoContent, Description: "Its notification rules go with it.",
	})), s.deleteContact)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "list-notification-rules", Method: http.MethodGet, Path: "/api/v1/users/{username}/rules", Tags: tags,
		Summary: "List a person's notification rules",
		Description: "When paged, each rule contacts one verified method after its delay. With no rules, every verified " +
			"method is contacted at once.",
	})), s.listNotificationRules)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "add-notification-rule", Method: http.MethodPost, Path: "/api/v1/users/{username}/rules", Tags: tags,
		Summary: "Add a notification rule", Description: "When the person is paged, the contact method (one of theirs) is used delay_minutes after the page. For themselves or an admin.", DefaultStatus: http.StatusCreated,
	})), s.addNotificationRule)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "delete-notification-rule", Method: http.MethodDelete, Path: "/api/v1/users/{username}/rules/{id}", Tags: tags,
		Summary: "Remove a notification rule", Description: "For themselves or an admin. The contact method stays.", DefaultStatus: http.StatusNoContent,
	})), s.deleteNotificationRule)
}

// userContact checks that the contact in the path is the user's, so that
// /users/a/contacts/{b's contact} is a 404 even for an admin.
func (s *Server) userContact(ctx context.Context, p ContactParam) error {
	cs, err := s.contacts.Contacts(ctx, actor(ctx), p.Username)
	if err != nil {
		return err
	}
	for _, c := range cs {
		if c.ID == p.ID {
			return nil
		}
	}
	return errs.E(errs.NotFound, "id", "%s has no contact method %s", p.Username, p.ID)
}

// untarget names a contact's problems by the body's fields: the pager
// names them within the target ("target.address").
func untarget(err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	if f, ok := strings.CutPrefix(c.Field, "target."); ok {
		c.Field = f
	}
	c.Details = nil
	for _, d := range e.Details {
		d.Field = strings.TrimPrefix(d.Field, "target.")
		c.Details = append(c.Details, d)
	}
	return &c
}

// ---- escalations ----

func (s *Server) registerEscalations(api huma.API) {
	tags := []string{"Escalations"}
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "list-escalations", Method: http.MethodGet, Path: "/api/v1/escalations", Tags: tags,
		Summary: "List escalations", Description: "Newest first; open=true lists only those still climbing their policy.",
	}), s.listEscalations)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "get-escalation", Method: http.MethodGet, Path: "/api/v1/escalations/{id}", Tags: tags,
		Summary: "Get an escalation", Description: "With its record and every delivery, each with its attempts.",
	}), s.getEscalation)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "acknowledge-escalation", Method: http.MethodPost, Path: "/api/v1/escalations/{id}/ack", Tags: tags,
		Summary: "Acknowledge: you have it", DefaultStatus: http.StatusOK,
		Description: "Stops the escalation. You become the incident's IR Lead (or, for a commander page, its Incident " +
			"Commander) when it has none, or the queue entry is acknowledged by you.",
	}), s.acknowledgeEscalation)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "escalate-now", Method: http.MethodPost, Path: "/api/v1/escalations/{id}/escalate", Tags: tags,
		Summary: "Escalate now", DefaultStatus: http.StatusOK,
		Description: "Runs the next step at once instead of waiting for its delay; past the last step, starts another pass.",
	}), s.escalateNow)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "incident-escalations", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/escalations", Tags: tags,
		Summary: "An incident's escalations", Description: "Newest first, with their deliveries.",
	}), s.incidentEscalations)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "page-for-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/page", Tags: tags,
		Summary: "Page people about an incident", DefaultStatus: http.StatusCreated,
		Description: "Starts an escalation that pages the targets at once, through their notification rules, and counts as " +
			"unanswered after 15 minutes. Send an Idempotency-Key to make retries safe.",
	}), s.pageForIncident)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "triage-escalations", Method: http.MethodGet, Path: "/api/v1/triage/{id}/escalations", Tags: tags,
		Summary: "A queue entry's escalations", Description: "Newest first, with their deliveries.",
	}), s.triageEscalations)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "page-for-triage-entry", Method: http.MethodPost, Path: "/api/v1/triage/{id}/page", Tags: tags,
		Summary: "Page people about a queue entry", DefaultStatus: http.StatusCreated,
		Description: "As for an incident. Send an Idempotency-Key to make retries safe.",
	}), s.pageForTriageEntry)
}

var errNoEscalation = func(id string) error { return errs.E(errs.NotFound, "id", "no escalation %s", id) }

// canSee reports whether the caller may see e: escalations about a
// restricted incident, or about a queue entry linked to one, are visible
// only to those who can see the incident. seen caches subjects already
// found visible.
func (s *Server) canSee(ctx context.Context, e escalation.Escalation, seen map[string]bool) (bool, error) {
	key := string(e.Subject.Kind) + ":" + e.Subject.ID
	if seen[key] {
		return true, nil
	}
	var err error
	switch e.Subject.Kind {
	case escalation.SubjectIncident:
		_, err = s.incidents.Get(ctx, viewer(ctx), e.Subject.ID)
	case escalation.SubjectQueue:
		_, err = s.triage.EntryFor(ctx, viewer(ctx), e.Subject.ID)
	default:
		return true, nil
	}
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		return false, nil
	case err != nil:
		return false, err
	}
	seen[key] = true
	return true, nil
}

func (s *Server) mustSee(ctx context.Context, e escalation.Escalation) error {
	ok, err := s.canSee(ctx, e, map[string]bool{})
	if err == nil && !ok {
		err = errNoEscalation(e.ID)
	}
	return err
}

func (s *Server) seeEscalation(ctx context.Context, id string) error {
	e, _, err := s.escalations.Escalation(ctx, id)
	if err != nil {
		return err
	}
	return s.mustSee(ctx, e)
}

func (s *Server) listContacts(ctx context.Context, in *UsernameParam) (*struct{ Body Items[contacts.Contact] }, error) {
	cs, err := s.contacts.Contacts(ctx, actor(ctx), in.Username)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return items(cs), nil
}

// addContactInput is the input of add-contact.
type addContactInput struct {
	UsernameParam
	Body ContactBody
}

func (s *Server) addContact(ctx context.Context, in *addContactInput) (*struct{ Body contacts.Contact }, error) {
	b := in.Body
	c, err := s.contacts.AddContact(ctx, actor(ctx), in.Username, contacts.ContactInput{Name: b.Name,
		Target: notify.Target{Kind: notify.Kind(b.Kind), Address: strings.TrimSpace(b.Address), Secret: b.Secret, Channel: strings.TrimSpace(b.Channel)}})
	if err != nil {
		return nil, s.problem(ctx, untarget(err))
	}
	return &struct{ Body contacts.Contact }{Body: c}, nil
}

// verifyContactInput is the input of verify-contact.
type verifyContactInput struct {
	ContactParam
	Body VerifyBody
}

func (s *Server) verifyContact(ctx context.Context, in *verifyContactInput) (*struct{ Body contacts.Contact }, error) {
	if err := s.userContact(ctx, in.ContactParam); err != nil {
		return nil, s.problem(ctx, err)
	}
	c, err := s.contacts.VerifyContact(ctx, actor(ctx), in.ID, in.Body.Code)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body contacts.Contact }{Body: c}, nil
}

func (s *Server) resendContactCode(ctx context.Context, in *ContactParam) (*struct{}, error) {
	if err := s.userContact(ctx, *in); err != nil {
		return nil, s.problem(ctx, err)
	}
	if err := s.contacts.ResendCode(ctx, actor(ctx), in.ID); err != nil {
		return nil, s.problem(ctx, untarget(err))
	}
	return nil, nil
}

func (s *Server) testContact(ctx context.Context, in *ContactParam) (*struct{ Body TestResult }, error) {
	if err := s.userContact(ctx, *in); err != nil {
		return nil, s.problem(ctx, err)
	}
	r, err := s.contacts.TestContact(ctx, actor(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body TestResult }{Body: TestResult{Channel: r.Channel, Target: r.Target, StatusCode: r.StatusCode,
		Response: r.Response, LatencyMS: float64(r.Latency.Microseconds()) / 1000}}, nil
}

func (s *Server) deleteContact(ctx context.Context, in *ContactParam) (*struct{}, error) {
	if err := s.userContact(ctx, *in); err != nil {
		return nil, s.problem(ctx, err)
	}
	if err := s.contacts.DeleteContact(ctx, actor(ctx), in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

func (s *Server) listNotificationRules(ctx context.Context, in *UsernameParam) (*struct{ Body Items[contacts.Rule] }, error) {
	rs, err := s.contacts.Rules(ctx, actor(ctx), in.Username)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return items(rs), nil
}

// addNotificationRuleInput is the input of add-notification-rule.
type addNotificationRuleInput struct {
	UsernameParam
	Body RuleBody
}

func (s *Server) addNotificationRule(ctx context.Context, in *addNotificationRuleInput) (*struct{ Body contacts.Rule }, error) {
	err := s.userContact(ctx, ContactParam{UsernameParam: in.UsernameParam, ID: in.Body.ContactID})
	if errs.CodeOf(err) == errs.NotFound {
		err = errs.E(errs.Invalid, "contact_id", "%s has no contact method %s", in.Username, in.Body.ContactID)
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	r, err := s.contacts.AddRule(ctx, actor(ctx), in.Username, in.Body.ContactID, in.Body.DelayMinutes)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body contacts.Rule }{Body: r}, nil
}

// deleteNotificationRuleInput is the input of delete-notification-rule.
type deleteNotificationRuleInput struct {
	UsernameParam
	ID string `path:"id" maxLength:"64"`
}

func (s *Server) deleteNotificationRule(ctx context.Context, in *deleteNotificationRuleInput) (*struct{}, error) {
	if err := s.contacts.DeleteRule(ctx, actor(ctx), in.Username, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// listEscalationsInput is the input of list-escalations.
type listEscalationsInput struct {
	Open  bool `query:"open" doc:"Only open escalations."`
	Limit int  `query:"limit" minimum:"1" maximum:"200" default:"50"`
}

func (s *Server) listEscalations(ctx context.Context, in *listEscalationsInput) (*struct{ Body Items[escalation.Escalation] }, error) {
	es, err := s.escalations.List(ctx, in.Open, in.Limit)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := make([]escalation.Escalation, 0, len(es))
	seen := map[string]bool{}
	for _, e := range es {
		ok, err := s.canSee(ctx, e, seen)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		if ok {
			out = append(out, e)
		}
	}
	return items(out), nil
}

func (s *Server) getEscalation(ctx context.Context, in *EscalationParam) (*struct{ Body escalation.EscalationView }, error) {
	e, ds, err := s.escalations.Escalation(ctx, in.ID)
	if err == nil {
		err = s.mustSee(ctx, e)
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	if ds == nil {
		ds = []escalation.Delivery{}
	}
	return &struct{ Body escalation.EscalationView }{Body: escalation.EscalationView{Escalation: e, Deliveries: ds}}, nil
}

func (s *Server) acknowledgeEscalation(ctx context.Context, in *EscalationParam) (*struct{ Body escalation.Escalation }, error) {
	if err := s.seeEscalation(ctx, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	e, err := s.escalations.Acknowledge(ctx, viewer(ctx).User, in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body escalation.Escalation }{Body: e}, nil
}

func (s *Server) escalateNow(ctx context.Context, in *EscalationParam) (*struct{ Body escalation.Escalation }, error) {
	if err := s.seeEscalation(ctx, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	e, err := s.escalations.EscalateNow(ctx, viewer(ctx).User, in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body escalation.Escalation }{Body: e}, nil
}

func (s *Server) incidentEscalations(ctx context.Context, in *RefParam) (*struct {
	Body Items[escalation.EscalationView]
}, error) {
	inc, err := s.incidents.Get(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	es, err := s.escalations.For(ctx, escalation.SubjectIncident, inc.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return items(es), nil
}

// pageForIncidentInput is the input of page-for-incident.
type pageForIncidentInput struct {
	RefParam
	Body PageBody
}

func (s *Server) pageForIncident(ctx context.Context, in *pageForIncidentInput) (*struct{ Body escalation.Escalation }, error) {
	e, err := s.escalations.PageIncident(ctx, viewer(ctx), in.Ref, escalation.PageInput{Targets: in.Body.Targets, Message: in.Body.Message})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body escalation.Escalation }{Body: e}, nil
}

func (s *Server) triageEscalations(ctx context.Context, in *EntryParam) (*struct {
	Body Items[escalation.EscalationView]
}, error) {
	e, err := s.triage.EntryFor(ctx, viewer(ctx), in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	es, err := s.escalations.For(ctx, escalation.SubjectQueue, e.Group.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return items(es), nil
}

// pageForTriageEntryInput is the input of page-for-triage-entry.
type pageForTriageEntryInput struct {
	EntryParam
	Body PageBody
}

func (s *Server) pageForTriageEntry(ctx context.Context, in *pageForTriageEntryInput) (*struct{ Body escalation.Escalation }, error) {
	e, err := s.escalations.PageQueueEntry(ctx, viewer(ctx), in.ID, escalation.PageInput{Targets: in.Body.Targets, Message: in.Body.Message})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body escalation.Escalation }{Body: e}, nil
}
