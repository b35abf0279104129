package client

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// ---- on-call objects: teams, services, schedules, policies, incident rules ----

func objPath(kind string, name ...string) string {
	p := "/api/v1/" + kind
	for _, n := range name {
		p += "/" + url.PathEscape(n)
	}
	return p
}

func listObjects[T any](ctx context.Context, c *Client, kind string) ([]T, error) {
	var out httpapi.Items[T]
	err := c.do(ctx, request{method: http.MethodGet, path: objPath(kind)}, &out)
	return out.Items, err
}

func getObject[T any](ctx context.Context, c *Client, kind, name string) (T, error) {
	var out T
	err := c.do(ctx, request{method: http.MethodGet, path: objPath(kind, name)}, &out)
	return out, err
}

func putObject[T any](ctx context.Context, c *Client, kind, name string, v T) (T, error) {
	var out T
	err := c.do(ctx, request{method: http.MethodPut, path: objPath(kind, name), body: v}, &out)
	return out, err
}

func (c *Client) deleteObject(ctx context.Context, kind, name string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: objPath(kind, name)}, nil)
}

// Teams lists teams by name.
func (c *Client) Teams(ctx context.Context) ([]roster.Team, error) {
	return listObjects[roster.Team](ctx, c, "teams")
}

// Team returns one team.
func (c *Client) Team(ctx context.Context, name string) (roster.Team, error) {
	return getObject[roster.Team](ctx, c, "teams", name)
}

// PutTeam creates or replaces a team (admin).
func (c *Client) PutTeam(ctx context.Context, t roster.Team) (roster.Team, error) {
	return putObject(ctx, c, "teams", t.Name, t)
}

// DeleteTeam removes a team (admin).
func (c *Client) DeleteTeam(ctx context.Context, name string) error {
	return c.deleteObject(ctx, "teams", name)
}

// Services lists services by name.
func (c *Client) Services(ctx context.Context) ([]roster.Service, error) {
	return listObjects[roster.Service](ctx, c, "services")
}

// Service returns one service.
func (c *Client) Service(ctx context.Context, name string) (roster.Service, error) {
	return getObject[roster.Service](ctx, c, "services", name)
}

// PutService creates or replaces a service (admin).
func (c *Client) PutService(ctx context.Context, s roster.Service) (roster.Service, error) {
	return putObject(ctx, c, "services", s.Name, s)
}

// DeleteService removes a service (admin).
func (c *Client) DeleteService(ctx context.Context, name string) error {
	return c.deleteObject(ctx, "services", name)
}

// Schedules lists schedules by name.
func (c *Client) Schedules(ctx context.Context) ([]oncall.Schedule, error) {
	return listObjects[oncall.Schedule](ctx, c, "schedules")
}

// Schedule returns one schedule.
func (c *Client) Schedule(ctx context.Context, name string) (oncall.Schedule, error) {
	return getObject[oncall.Schedule](ctx, c, "schedules", name)
}

// PutSchedule creates or replaces a schedule (admin).
func (c *Client) PutSchedule(ctx context.Context, s oncall.Schedule) (oncall.Schedule, error) {
	return putObject(ctx, c, "schedules", s.Name, s)
}

// DeleteSchedule removes a schedule (admin).
func (c *Client) DeleteSchedule(ctx context.Context, name string) error {
	return c.deleteObject(ctx, "schedules", name)
}

// Policies lists escalation policies by name.
func (c *Client) Policies(ctx context.Context) ([]oncall.Policy, error) {
	return listObjects[oncall.Policy](ctx, c, "policies")
}

// Policy returns one escalation policy.
func (c *Client) Policy(ctx context.Context, name string) (oncall.Policy, error) {
	return getObject[oncall.Policy](ctx, c, "policies", name)
}

// PutPolicy creates or replaces an escalation policy (admin).
func (c *Client) PutPolicy(ctx context.Context, p oncall.Policy) (oncall.Policy, error) {
	return putObject(ctx, c, "policies", p.Name, p)
}

// DeletePolicy removes an escalation policy (admin).
func (c *Client) DeletePolicy(ctx context.Context, name string) error {
	return c.deleteObject(ctx, "policies", name)
}

// IncidentRules lists incident rules by severity.
func (c *Client) IncidentRules(ctx context.Context) ([]roster.IncidentRule, error) {
	return listObjects[roster.IncidentRule](ctx, c, "incident-rules")
}

// IncidentRule returns the rule of one severity.
func (c *Client) IncidentRule(ctx context.Context, severity string) (roster.IncidentRule, error) {
	return getObject[roster.IncidentRule](ctx, c, "incident-rules", severity)
}

// PutIncidentRule creates or replaces the rule of r.Severity (admin).
func (c *Client) PutIncidentRule(ctx context.Context, r roster.IncidentRule) (roster.IncidentRule, error) {
	return putObject(ctx, c, "incident-rules", r.Severity, r)
}

// DeleteIncidentRule removes the rule of a severity (admin).
func (c *Client) DeleteIncidentRule(ctx context.Context, severity string) error {
	return c.deleteObject(ctx, "incident-rules", severity)
}

// ---- who is on call ----

func timeQuery(q url.Values, name string, t time.Time) {
	if !t.IsZero() {
		q.Set(name, t.Format(time.RFC3339Nano))
	}
}

// OnCall lists who is on call in every schedule at at (zero: now).
func (c *Client) OnCall(ctx context.Context, at time.Time) ([]roster.OnCallNow, error) {
	q := url.Values{}
	timeQuery(q, "at", at)
	var out struct {
		Items []roster.OnCallNow `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/oncall", query: q}, &out)
	return out.Items, err
}

// ScheduleOnCall is who is on call in one schedule at at (zero: now).
func (c *Client) ScheduleOnCall(ctx context.Context, schedule string, at time.Time) (roster.OnCallNow, error) {
	q := url.Values{}
	timeQuery(q, "at", at)
	var out roster.OnCallNow
	err := c.do(ctx, request{method: http.MethodGet, path: objPath("schedules", schedule) + "/oncall", query: q}, &out)
	return out, err
}

// Shifts lists a schedule's final shifts from from until to; zero times
// are the server's defaults (now, and 14 days later).
func (c *Client) Shifts(ctx context.Context, schedule string, from, to time.Time) ([]oncall.Shift, error) {
	q := url.Values{}
	timeQuery(q, "from", from)
	timeQuery(q, "to", to)
	var out struct {
		Items []oncall.Shift `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: objPath("schedules", schedule) + "/shifts", query: q}, &out)
	return out.Items, err
}

// UserShifts lists a person's shifts in every schedule.
func (c *Client) UserShifts(ctx context.Context, user string, from, to time.Time) ([]roster.UserShift, error) {
	q := url.Values{}
	timeQuery(q, "from", from)
	timeQuery(q, "to", to)
	var out struct {
		Items []roster.UserShift `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: userPath(user, "shifts"), query: q}, &out)
	return out.Items, err
}

// AddOverride puts someone on call in a schedule for a while (responder).
func (c *Client) AddOverride(ctx context.Context, schedule string, in httpapi.OverrideBody) (oncall.Schedule, error) {
	var out oncall.Schedule
	err := c.do(ctx, request{method: http.MethodPost, path: objPath("schedules", schedule) + "/overrides", body: in}, &out)
	return out, err
}

// RemoveOverride removes a schedule's override i, counted from 0.
func (c *Client) RemoveOverride(ctx context.Context, schedule string, i int) (oncall.Schedule, error) {
	var out oncall.Schedule
	err := c.do(ctx, request{method: http.MethodDelete, path: objPath("schedules", schedule) + "/overrides/" + strconv.Itoa(i)}, &out)
	return out, err
}

// ScheduleCalendar returns a schedule's iCalendar feed URL.
func (c *Client) ScheduleCalendar(ctx context.Context, schedule string) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: objPath("schedules", schedule) + "/calendar"}, &out)
	return out.URL, err
}

// UserCalendar returns the iCalendar feed URL of a person's shifts.
func (c *Client) UserCalendar(ctx context.Context, user string) (string, error) {
	var out struct {
		URL string `json:"url"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: userPath(user, "calendar")}, &out)
	return out.URL, err
}

// RotateUserCalendars replaces every calendar feed URL user holds and
// returns the new URL of their own shifts.
func (c *Client) RotateUserCalendars(ctx context.Context, user string) (string, error) {
	var out httpapi.RotatedCalendar
	err := c.do(ctx, request{method: http.MethodPost, path: userPath(user, "calendar", "rotate")}, &out)
	return out.URL, err
}

// ---- contacts and notification rules ----

func userPath(user string, rest ...string) string {
	p := "/api/v1/users/" + url.PathEscape(user)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// Contacts lists a person's contact methods (their own, or any for an admin).
func (c *Client) Contacts(ctx context.Context, user string) ([]contacts.Contact, error) {
	var out httpapi.Items[contacts.Contact]
	err := c.do(ctx, request{method: http.MethodGet, path: userPath(user, "contacts")}, &out)
	return out.Items, err
}

// AddContact adds a contact method; the server sends it a verification
// code and keeps it only if that was delivered. A non-empty idempotencyKey
// makes retries safe.
func (c *Client) AddContact(ctx context.Context, user string, in httpapi.ContactBody, idempotencyKey string) (contacts.Contact, error) {
	var out contacts.Contact
	err := c.do(ctx, request{method: http.MethodPost, path: userPath(user, "contacts"), body: in, header: idempotency(idempotencyKey)}, &out)
	return out, err
}

// VerifyContact confirms a contact method with the code it received.
func (c *Client) VerifyContact(ctx context.Context, user, id, code string) (contacts.Contact, error) {
	var out contacts.Contact
	err := c.do(ctx, request{method: http.MethodPost, path: userPath(user, "contacts", id, "verify"), body: httpapi.VerifyBody{Code: code}}, &out)
	return out, err
}

// ResendCode sends a contact method a new verification code.
func (c *Client) ResendCode(ctx context.Context, user, id string) error {
	return c.do(ctx, request{method: http.MethodPost, path: userPath(user, "contacts", id, "resend")}, nil)
}

// TestContact sends a contact method a test page.
func (c *Client) TestContact(ctx context.Context, user, id string) (httpapi.TestResult, error) {
	var out httpapi.TestResult
	err := c.do(ctx, request{method: http.MethodPost, path: userPath(user, "contacts", id, "test")}, &out)
	return out, err
}

// DeleteContact removes a contact method and its notification rules.
func (c *Client) DeleteContact(ctx context.Context, user, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: userPath(user, "contacts", id)}, nil)
}

// Rules lists a person's notification rules.
func (c *Client) Rules(ctx context.Context, user string) ([]contacts.Rule, error) {
	var out httpapi.Items[contacts.Rule]
	err := c.do(ctx, request{method: http.MethodGet, path: userPath(user, "rules")}, &out)
	return out.Items, err
}

// AddRule contacts contactID delayMinutes after a page.
func (c *Client) AddRule(ctx context.Context, user, contactID string, delayMinutes int) (contacts.Rule, error) {
	var out contacts.Rule
	err := c.do(ctx, request{method: http.MethodPost, path: userPath(user, "rules"),
		body: httpapi.RuleBody{ContactID: contactID, DelayMinutes: delayMinutes}}, &out)
	return out, err
}

// DeleteRule removes a notification rule.
func (c *Client) DeleteRule(ctx context.Context, user, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: userPath(user, "rules", id)}, nil)
}

// ---- escalations ----

func idempotency(key string) http.Header {
	if key == "" {
		return nil
	}
	return http.Header{"Idempotency-Key": {key}}
}

// Escalations lists escalations newest first (responder); open keeps only
// those still climbing. limit ≤ 0 is the server's default.
func (c *Client) Escalations(ctx context.Context, open bool, limit int) ([]escalation.Escalation, error) {
	q := url.Values{}
	if open {
		q.Set("open", "true")
	}
	if limit > 0 {
		q.Set("limit", strconv.Itoa(limit))
	}
	var out httpapi.Items[escalation.Escalation]
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/escalations", query: q}, &out)
	return out.Items, err
}

func escPath(id string, action ...string) string {
	p := "/api/v1/escalations/" + url.PathEscape(id)
	for _, a := range action {
		p += "/" + a
	}
	return p
}

// Escalation returns an escalation with its deliveries.
func (c *Client) Escalation(ctx context.Context, id string) (escalation.EscalationView, error) {
	var out escalation.EscalationView
	err := c.do(ctx, request{method: http.MethodGet, path: escPath(id)}, &out)
	return out, err
}

// AckEscalation acknowledges an escalation: the caller has it.
func (c *Client) AckEscalation(ctx context.Context, id string) (escalation.Escalation, error) {
	var out escalation.Escalation
	err := c.do(ctx, request{method: http.MethodPost, path: escPath(id, "ack")}, &out)
	return out, err
}

// EscalateNow runs an escalation's next step at once.
func (c *Client) EscalateNow(ctx context.Context, id string) (escalation.Escalation, error) {
	var out escalation.Escalation
	err := c.do(ctx, request{method: http.MethodPost, path: escPath(id, "escalate")}, &out)
	return out, err
}

// IncidentEscalations lists an incident's escalations with their deliveries.
func (c *Client) IncidentEscalations(ctx context.Context, ref string) ([]escalation.EscalationView, error) {
	var out httpapi.Items[escalation.EscalationView]
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "escalations")}, &out)
	return out.Items, err
}

// PageIncident pages people about an incident. A non-empty idempotencyKey
// makes retries safe.
func (c *Client) PageIncident(ctx context.Context, ref string, in httpapi.PageBody, idempotencyKey string) (escalation.Escalation, error) {
	var out escalation.Escalation
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "page"), body: in, header: idempotency(idempotencyKey)}, &out)
	return out, err
}

// QueueEscalations lists a queue entry's escalations with their deliveries.
func (c *Client) QueueEscalations(ctx context.Context, id string) ([]escalation.EscalationView, error) {
	var out httpapi.Items[escalation.EscalationView]
	err := c.do(ctx, request{method: http.MethodGet, path: triagePath(id, "escalations")}, &out)
	return out.Items, err
}

// PageQueueEntry pages people about a queue entry. A non-empty
// idempotencyKey makes retries safe.
func (c *Client) PageQueueEntry(ctx context.Context, id string, in httpapi.PageBody, idempotencyKey string) (escalation.Escalation, error) {
	var out escalation.Escalation
	err := c.do(ctx, request{method: http.MethodPost, path: triagePath(id, "page"), body: in, header: idempotency(idempotencyKey)}, &out)
	return out, err
}
