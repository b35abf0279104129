package httpapi

import (
	"context"
	"fmt"
	"net/http"
	"reflect"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// The on-call configuration: teams, services, schedules, escalation
// policies and incident rules, each read by viewers and written by admins;
// who is on call and when; overrides and calendar feeds. Contacts,
// notification rules and escalations are in oncall_paging.go.

// Items is a list answer.
type Items[T any] struct {
	Items []T `json:"items"`
}

func items[T any](v []T) *struct{ Body Items[T] } {
	if v == nil {
		v = []T{}
	}
	return &struct{ Body Items[T] }{Body: Items[T]{Items: v}}
}

// NameParam names an on-call object in the path.
type NameParam struct {
	Name string `path:"name" maxLength:"64" doc:"The object's name; for incident rules, the severity (SEV1)."`
}

// objectKind describes one kind of on-call object for the generic routes.
type objectKind[T any] struct {
	kind       roster.Kind
	path       string // URL segment: "teams"
	one, many  string // "team", "teams": operation IDs and summaries
	prefix     string // how Objects.Check names them: "teams"
	nameField  string // the JSON field holding the name: "name" or "severity"
	all        func(roster.Objects) map[string]T
	name       func(T) string
	setName    func(*T, string)
	describeIt string
}

func (s *Server) registerOnCall(api huma.API) {
	// escalation.LogEntry shares its name with triage's in the schema registry.
	api.OpenAPI().Components.Schemas.RegisterTypeAlias(reflect.TypeFor[escalation.LogEntry](), reflect.TypeFor[EscalationLogEntry]())

	registerObjects(s, api, objectKind[roster.Team]{
		kind: roster.KindTeam, path: "teams", one: "team", many: "teams", prefix: "teams", nameField: "name",
		all:  func(o roster.Objects) map[string]roster.Team { return o.Teams },
		name: func(t roster.Team) string { return t.Name }, setName: func(t *roster.Team, n string) { t.Name = n },
		describeIt: "A team groups the people who answer for its services. Members must be existing users.",
	})
	registerObjects(s, api, objectKind[oncall.Schedule]{
		kind: roster.KindSchedule, path: "schedules", one: "schedule", many: "schedules", prefix: "schedules", nameField: "name",
		all:  func(o roster.Objects) map[string]oncall.Schedule { return o.Schedules },
		name: func(t oncall.Schedule) string { return t.Name }, setName: func(t *oncall.Schedule, n string) { t.Name = n },
		describeIt: "A schedule is layers of rotations in one time zone, with overrides above them. " +
			"Every user named must exist; policies naming a schedule keep it from being deleted.",
	})
	registerObjects(s, api, objectKind[oncall.Policy]{
		kind: roster.KindPolicy, path: "policies", one: "policy", many: "policies", prefix: "policies", nameField: "name",
		all:  func(o roster.Objects) map[string]oncall.Policy { return o.Policies },
		name: func(t oncall.Policy) string { return t.Name }, setName: func(t *oncall.Policy, n string) { t.Name = n },
		describeIt: "An escalation policy: ordered steps, each paging users, schedules or other policies and waiting " +
			"delay_minutes for an acknowledgement; repeat more passes. Targets must exist and policies must not loop.",
	})
	registerObjects(s, api, objectKind[roster.Service]{
		kind: roster.KindService, path: "services", one: "service", many: "services", prefix: "services", nameField: "name",
		all:  func(o roster.Objects) map[string]roster.Service { return o.Services },
		name: func(t roster.Service) string { return t.Name }, setName: func(t *roster.Service, n string) { t.Name = n },
		describeIt: "A service is something that can break: a new queue entry on it pages its escalation policy.",
	})
	registerObjects(s, api, objectKind[roster.IncidentRule]{
		kind: roster.KindIncidentRule, path: "incident-rules", one: "incident-rule", many: "incident-rules", prefix: "incident_rules",
		nameField: "severity",
		all:       func(o roster.Objects) map[string]roster.IncidentRule { return o.IncidentRules },
		name:      func(t roster.IncidentRule) string { return t.Severity },
		setName:   func(t *roster.IncidentRule, n string) { t.Severity = n },
		describeIt: "An incident rule pages a policy when an incident is declared at, or raised to, its severity and has " +
			"no Incident Commander. It is named by its severity.",
	})
	s.registerSchedules(api)
	s.registerContacts(api)
	s.registerEscalations(api)
}

// ---- who is on call ----

// OnCallOutput is who is on call in every schedule at an instant.
type OnCallOutput struct {
	Body struct {
		At    time.Time          `json:"at"`
		Items []roster.OnCallNow `json:"items"`
	}
}

// RangeInput is a time range in the query; it defaults to the next 14 days.
type RangeInput struct {
	From time.Time `query:"from" doc:"RFC 3339; defaults to now."`
	To   time.Time `query:"to" doc:"RFC 3339; defaults to from + 14 days, at most from + 90 days."`
}

const (
	defaultRange = 14 * 24 * time.Hour
	maxRange     = 90 * 24 * time.Hour
)

func (s *Server) span(r RangeInput) (time.Time, time.Time, error) {
	from, to := r.From, r.To
	if from.IsZero() {
		from = s.roster.Now()
	}
	if to.IsZero() {
		to = from.Add(defaultRange)
	}
	switch {
	case !from.Before(to):
		return from, to, errs.E(errs.Invalid, "to", "must be after from (%s)", from.UTC().Format(time.RFC3339))
	case to.Sub(from) > maxRange:
		return from, to, errs.E(errs.Invalid, "to", "is more than 90 days after from")
	}
	return from, to, nil
}

// ShiftsOutput is a schedule's final shifts in a range.
type ShiftsOutput struct {
	Body struct {
		Schedule string         `json:"schedule"`
		From     time.Time      `json:"from"`
		To       time.Time      `json:"to"`
		Items    []oncall.Shift `json:"items"`
	}
}

// UserShiftsOutput is a person's shifts in every schedule in a range.
type UserShiftsOutput struct {
	Body struct {
		User  string             `json:"user"`
		From  time.Time          `json:"from"`
		To    time.Time          `json:"to"`
		Items []roster.UserShift `json:"items"`
	}
}

// OverrideBody puts someone on call for a while.
type OverrideBody struct {
	User string    `json:"user" minLength:"1" maxLength:"63" doc:"Who is on call instead."`
	From time.Time `json:"from" doc:"RFC 3339."`
	To   time.Time `json:"to" doc:"RFC 3339, after from."`
}

// CalendarOutput is an iCalendar feed's URL. The URL carries its own
// secret: anyone with it can read the feed.
type CalendarOutput struct {
	Body struct {
		URL string `json:"url"`
	}
}

// RotatedCalendar is a person's new calendar feed URL after a rotation.
type RotatedCalendar struct {
	User string `json:"user"`
	URL  string `json:"url" doc:"The new URL of the person's own shifts; it works without sign-in, so keep it as secret as a token."`
}

func (c RotatedCalendar) secretShownOnce() (string, string) {
	return "new calendar feed URL of user", c.User
}

// RotatedCalendarOutput answers a rotation.
type RotatedCalendarOutput struct {
	Body RotatedCalendar
}

// UsernameParam names a user in the path.
type UsernameParam struct {
	Username string `path:"username" maxLength:"63"`
}

func calendarOut(url string) *CalendarOutput {
	o := &CalendarOutput{}
	o.Body.URL = url
	return o
}

func (s *Server) registerSchedules(api huma.API) {
	tags := []string{"On-call"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "who-is-on-call", Method: http.MethodGet, Path: "/api/v1/oncall", Tags: tags,
		Summary:     "Who is on call",
		Description: "Every schedule's on-call users at at (default now), with when the current shift ends when that is within 14 days.",
	}), s.whoIsOnCall)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "schedule-on-call", Method: http.MethodGet, Path: "/api/v1/schedules/{name}/oncall", Tags: tags,
		Summary: "Who is on call in a schedule", Description: "Who is on call in the schedule at a time (at; now by default).",
	}), s.scheduleOnCall)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "schedule-shifts", Method: http.MethodGet, Path: "/api/v1/schedules/{name}/shifts", Tags: tags,
		Summary: "A schedule's final shifts",
		Description: "Who is on call from from until to, through which layer or override, after restrictions and overrides; " +
			"gaps with nobody on call have no shift. Times are in the schedule's zone.",
	}), s.scheduleShifts)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "add-override", Method: http.MethodPost, Path: "/api/v1/schedules/{name}/overrides", Tags: tags,
		Summary: "Put someone on call for a while", DefaultStatus: http.StatusCreated,
		Description: "Adds an override above every layer of the schedule; it must not overlap another. Answers with the schedule.",
	}), s.addOverride)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "remove-override", Method: http.MethodDelete, Path: "/api/v1/schedules/{name}/overrides/{index}", Tags: tags,
		Summary: "Remove an override", Description: "index counts from 0 in the schedule's overrides. Answers with the schedule.",
	}), s.removeOverride)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "schedule-calendar", Method: http.MethodGet, Path: "/api/v1/schedules/{name}/calendar", Tags: tags,
		Summary: "The schedule's calendar feed URL",
		Description: "An iCalendar (.ics) URL to subscribe to; it works without sign-in, so keep it as secret as a token. " +
			"The URL is the caller's own: it stops working while they are deactivated, and when they rotate their feeds.",
	}), s.scheduleCalendar)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "user-shifts", Method: http.MethodGet, Path: "/api/v1/users/{username}/shifts", Tags: tags,
		Summary: "A person's shifts in every schedule", Description: "The person's shifts across every schedule between from and to (default 14 days, at most 90).",
	}), s.userShifts)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "user-calendar", Method: http.MethodGet, Path: "/api/v1/users/{username}/calendar", Tags: tags,
		Summary:     "A person's calendar feed URL",
		Description: "Their shifts in every schedule as an iCalendar (.ics) URL; for themselves or an admin.",
	})), s.userCalendar)

	huma.Register(api, s.own(op(auth.Viewer, huma.Operation{
		OperationID: "rotate-user-calendars", Method: http.MethodPost, Path: "/api/v1/users/{username}/calendar/rotate", Tags: tags,
		Summary: "Replace a person's calendar feed URLs", DefaultStatus: http.StatusOK,
		Description: "Every feed URL the person holds (their own shifts, and each schedule's) stops working at once. " +
			"Answers with the new URL of their own shifts, in this answer only; schedule URLs are fetched again. For themselves or an admin.",
	})), s.rotateUserCalendars)
}

// overrideFields names the problems of a new override (at index i of the
// schedule's overrides) by the fields of its body.
func overrideFields(err error, prefix string, i int) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	ov := fmt.Sprintf("%s.overrides[%d]", prefix, i)
	rel := func(f string) string {
		switch {
		case f == ov:
			return "from" // "from … is not before to …", or an overlap
		case strings.HasPrefix(f, ov+"."):
			return strings.TrimPrefix(f, ov+".")
		}
		return strings.TrimPrefix(f, prefix+".")
	}
	c := *e
	c.Field = rel(c.Field)
	c.Details = nil
	for _, d := range e.Details {
		c.Details = append(c.Details, errs.Detail{Field: rel(d.Field), Message: d.Message})
	}
	return &c
}

// actor is the request's principal as the pager checks it.
func actor(ctx context.Context) contacts.Actor {
	p, _ := principalFrom(ctx)
	return contacts.Actor{User: p.User.Username, Admin: p.User.Role == auth.Admin}
}

// ownerExtension names, in the OpenAPI document, the path parameter that
// must be the caller unless the caller is an administrator.
const ownerExtension = "x-firebreak-owner"

// own limits an operation under /users/{username} to that user and admins,
// answering 403 before the body is read.
func (s *Server) own(o huma.Operation) huma.Operation {
	if o.Extensions == nil {
		o.Extensions = map[string]any{}
	}
	o.Extensions[ownerExtension] = "username"
	o.Middlewares = append(o.Middlewares, func(ctx huma.Context, next func(huma.Context)) {
		user := ctx.Param("username")
		if a := actor(ctx.Context()); a.User != user && !a.Admin {
			huma.WriteErr(s.api, ctx, http.StatusForbidden, "only "+user+" or an administrator may do this")
			return
		}
		next(ctx)
	})
	return o
}

// whoIsOnCallInput is the input of who-is-on-call.
type whoIsOnCallInput struct {
	At time.Time `query:"at" doc:"RFC 3339; defaults to now."`
}

func (s *Server) whoIsOnCall(ctx context.Context, in *whoIsOnCallInput) (*OnCallOutput, error) {
	at := in.At
	if at.IsZero() {
		at = s.roster.Now()
	}
	now, err := s.roster.OnCall(ctx, at)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &OnCallOutput{}
	out.Body.At, out.Body.Items = at.UTC(), now
	return out, nil
}

// scheduleOnCallInput is the input of schedule-on-call.
type scheduleOnCallInput struct {
	NameParam
	At time.Time `query:"at" doc:"RFC 3339; defaults to now."`
}

func (s *Server) scheduleOnCall(ctx context.Context, in *scheduleOnCallInput) (*struct{ Body roster.OnCallNow }, error) {
	if _, err := s.roster.Schedule(ctx, in.Name); err != nil {
		return nil, s.problem(ctx, err)
	}
	at := in.At
	if at.IsZero() {
		at = s.roster.Now()
	}
	all, err := s.roster.OnCall(ctx, at)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	for _, n := range all {
		if n.Schedule == in.Name {
			return &struct{ Body roster.OnCallNow }{Body: n}, nil
		}
	}
	return nil, s.problem(ctx, errs.E(errs.NotFound, "name", "no schedule named %q", in.Name))
}

// scheduleShiftsInput is the input of schedule-shifts.
type scheduleShiftsInput struct {
	NameParam
	RangeInput
}

func (s *Server) scheduleShifts(ctx context.Context, in *scheduleShiftsInput) (*ShiftsOutput, error) {
	from, to, err := s.span(in.RangeInput)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	sch, err := s.roster.Schedule(ctx, in.Name)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &ShiftsOutput{}
	out.Body.Schedule, out.Body.From, out.Body.To, out.Body.Items = sch.Name, from.UTC(), to.UTC(), sch.Shifts(from, to)
	if out.Body.Items == nil {
		out.Body.Items = []oncall.Shift{}
	}
	return out, nil
}

// addOverrideInput is the input of add-override.
type addOverrideInput struct {
	NameParam
	Body OverrideBody
}

func (s *Server) addOverride(ctx context.Context, in *addOverrideInput) (*struct{ Body oncall.Schedule }, error) {
	sch, err := s.roster.Schedule(ctx, in.Name)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	b, i := in.Body, len(sch.Overrides)
	sch, err = s.roster.AddOverride(ctx, viewer(ctx).User, in.Name, oncall.Override{User: strings.TrimSpace(b.User), From: b.From, To: b.To})
	if err != nil {
		return nil, s.problem(ctx, overrideFields(err, "schedules."+in.Name, i))
	}
	return &struct{ Body oncall.Schedule }{Body: sch}, nil
}

// removeOverrideInput is the input of remove-override.
type removeOverrideInput struct {
	NameParam
	Index int `path:"index" minimum:"0"`
}

func (s *Server) removeOverride(ctx context.Context, in *removeOverrideInput) (*struct{ Body oncall.Schedule }, error) {
	sch, err := s.roster.RemoveOverride(ctx, viewer(ctx).User, in.Name, in.Index)
	if err != nil {
		return nil, s.problem(ctx, relativeTo(err, "schedules."+in.Name))
	}
	return &struct{ Body oncall.Schedule }{Body: sch}, nil
}

func (s *Server) scheduleCalendar(ctx context.Context, in *NameParam) (*CalendarOutput, error) {
	if _, err := s.roster.Schedule(ctx, in.Name); err != nil {
		return nil, s.problem(ctx, err)
	}
	u, err := s.roster.CalendarURL(ctx, "schedule", in.Name, viewer(ctx).User)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return calendarOut(u), nil
}

// userShiftsInput is the input of user-shifts.
type userShiftsInput struct {
	UsernameParam
	RangeInput
}

func (s *Server) userShifts(ctx context.Context, in *userShiftsInput) (*UserShiftsOutput, error) {
	from, to, err := s.span(in.RangeInput)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	if _, err := s.auth.User(ctx, in.Username); err != nil {
		return nil, s.problem(ctx, err)
	}
	shifts, err := s.roster.ShiftsOf(ctx, in.Username, from, to)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &UserShiftsOutput{}
	out.Body.User, out.Body.From, out.Body.To, out.Body.Items = in.Username, from.UTC(), to.UTC(), shifts
	return out, nil
}

func (s *Server) userCalendar(ctx context.Context, in *UsernameParam) (*CalendarOutput, error) {
	if _, err := s.auth.User(ctx, in.Username); err != nil {
		return nil, s.problem(ctx, err)
	}
	u, err := s.roster.CalendarURL(ctx, "user", in.Username, in.Username)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return calendarOut(u), nil
}

func (s *Server) rotateUserCalendars(ctx context.Context, in *UsernameParam) (*RotatedCalendarOutput, error) {
	u, err := s.roster.RotateCalendars(ctx, actor(ctx), in.Username)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &RotatedCalendarOutput{}
	out.Body.User, out.Body.URL = in.Username, u
	return out, nil
}
