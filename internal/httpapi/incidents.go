package httpapi

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// IncidentOutput is one incident, with its version as an ETag.
type IncidentOutput struct {
	ETag string `header:"ETag"`
	Body incident.Incident
}

func incidentOut(inc incident.Incident) *IncidentOutput {
	return &IncidentOutput{ETag: etag(inc.Version), Body: inc}
}

func etag(v int64) string { return `"` + strconv.FormatInt(v, 10) + `"` }

// RefParam names the incident in the path.
type RefParam struct {
	Ref string `path:"ref" maxLength:"64" doc:"The incident's reference (INC-7) or ID."`
}

// IfMatch carries the version the client last saw; when given, a newer
// incident answers 412 Precondition Failed (RFC 9110 §13.1.1) instead of
// applying the change to a state the client never saw.
type IfMatch struct {
	IfMatch string `header:"If-Match" doc:"The version (its ETag) the change is based on; when it is no longer current the answer is 412."`
}

func (m IfMatch) version() (*int64, error) {
	if m.IfMatch == "" || m.IfMatch == "*" {
		return nil, nil
	}
	v, err := strconv.ParseInt(strings.Trim(strings.TrimPrefix(m.IfMatch, "W/"), `"`), 10, 64)
	if err != nil {
		return nil, errs.E(errs.Invalid, "If-Match", "must be an incident version such as \"3\"")
	}
	return &v, nil
}

// DeclareBody is what POST /incidents takes.
type DeclareBody struct {
	Title      string            `json:"title" minLength:"1" maxLength:"200" doc:"What is happening, in a line."`
	Summary    string            `json:"summary,omitempty" maxLength:"20000"`
	Severity   string            `json:"severity,omitempty" maxLength:"32" doc:"A configured severity level, such as SEV1."`
	Type       string            `json:"type,omitempty" maxLength:"100" doc:"Free classification such as security.credential-compromise."`
	Source     string            `json:"source,omitempty" enum:"alert,internal,external" doc:"Defaults to internal."`
	Labels     map[string]string `json:"labels,omitempty"`
	Affected   []string          `json:"affected,omitempty" maxItems:"100" doc:"Affected services and assets."`
	Restricted bool              `json:"restricted,omitempty" doc:"Visible only to participants, the declarer and admins."`
	DetectedAt *time.Time        `json:"detected_at,omitempty" doc:"When the incident was detected; defaults to now."`
}

// stateFilter reads the state filter: states by name, "open" for every
// open state, "all" for every state (no filter), as the console's list
// offers them. Unknown names are left for the service to refuse.
func stateFilter(names []string) []incident.State {
	var out []incident.State
	for _, n := range names {
		switch n {
		case "all":
			return nil
		case "open":
			for _, st := range incident.States {
				if st.Open() {
					out = append(out, st)
				}
			}
		default:
			out = append(out, incident.State(n))
		}
	}
	return out
}

// ListInput filters GET /incidents.
type ListInput struct {
	State    []string `query:"state,explode" doc:"Repeat or comma-separate for several; open is every open state, all every state (as no filter)."`
	Severity []string `query:"severity,explode" doc:"Repeat or comma-separate for several."`
	Type     string   `query:"type" doc:"A type; matches its subtypes too."`
	Label    []string `query:"label,explode" doc:"key=value; repeat for several (all must match)."`
	Q        string   `query:"q" maxLength:"200" doc:"Words to find in the title, summary, timeline notes and post-mortem (all must match, stemmed; \"quoted words\" a phrase; no operators), or a ref. Results are ranked by relevance unless sort is task_due, and each item carries its match."`
	Limit    int      `query:"limit" minimum:"1" maximum:"200" default:"50"`
	Cursor   string   `query:"cursor" maxLength:"200"`
	// OverdueTasks and Sort serve the list of incidents whose work is late.
	OverdueTasks bool   `query:"overdue_tasks" doc:"Only incidents with an open task past its due time."`
	Postmortem   string `query:"postmortem" enum:"overdue" doc:"overdue: only recovered incidents whose post-mortem is past its due time and not published."`
	Sort         string `query:"sort" enum:"newest,task_due" default:"newest" doc:"newest: newest first; task_due: the incident whose open task is due soonest first, those without a dated open task last (newest first)."`
}

// ListOutput is a page of incidents.
type ListOutput struct {
	Body struct {
		Items      []ListItem `json:"items"`
		NextCursor string     `json:"next_cursor,omitempty"`
	}
}

// ListItem is an incident of a list and, when the list was searched,
// where it matched.
type ListItem struct {
	incident.Incident
	Match *Match `json:"match,omitempty" doc:"With q: the field that matched and a passage of it (absent for an incident found by its ref alone)."`
}

// Match is where a search found an incident.
type Match struct {
	Field     string              `json:"field" enum:"title,summary,timeline,postmortem"`
	Snippet   string              `json:"snippet" doc:"The passage as HTML: its text escaped, each matched word in <mark></mark>."`
	Fragments []incident.Fragment `json:"fragments" doc:"The same passage as runs of text; hit marks the matched words."`
}

// PatchBody is what PATCH /incidents/{ref} takes; fields left out keep their value.
type PatchBody struct {
	Title      *string            `json:"title,omitempty" minLength:"1" maxLength:"200"`
	Summary    *string            `json:"summary,omitempty" maxLength:"20000"`
	Severity   *string            `json:"severity,omitempty" maxLength:"32"`
	Type       *string            `json:"type,omitempty" maxLength:"100"`
	Labels     *map[string]string `json:"labels,omitempty" doc:"Replaces every label."`
	Affected   *[]string          `json:"affected,omitempty" maxItems:"100" doc:"Replaces the list."`
	RootCause  *string            `json:"root_cause,omitempty" maxLength:"20000"`
	Resolution *string            `json:"resolution,omitempty" maxLength:"20000"`
	Restricted *bool              `json:"restricted,omitempty"`
}

// TransitionBody moves an incident.
type TransitionBody struct {
	To     string `json:"to" enum:"triage,active,contained,eradicated,recovered,closed,dismissed" doc:"The state to move to."`
	Reason string `json:"reason,omitempty" maxLength:"20000" doc:"Needed to dismiss, reopen or move backwards."`
	// ResolveStatusPage, on closing, resolves the incident's public
	// incident on the status page (default true).
	ResolveStatusPage *bool  `json:"resolve_status_page,omitempty" doc:"On closing: post a final public update to the incident's public incident on the status page, if one is still open — resolved, its components put back to the state they had before it changed them. Default true; false leaves the status page alone."`
	StatusPageText    string `json:"status_page_text,omitempty" maxLength:"20000" doc:"The final public update's text; a standard sentence when empty."`
}

// RoleBody assigns a role. IR Lead, Incident Commander, Comms Lead and
// Scribe have one holder at a time: giving one that someone holds hands it
// over, and the previous holder stays on as a responder.
type RoleBody struct {
	Role string `json:"role" enum:"ir_lead,incident_commander,comms_lead,scribe,responder"`
	User string `json:"user" minLength:"1" maxLength:"63"`
	Note string `json:"note,omitempty" maxLength:"20000" doc:"Why, for the record; shown with a handover."`
}

// MergeBody merges one incident into another.
type MergeBody struct {
	Into   string `json:"into" minLength:"1" maxLength:"64" doc:"The open incident that absorbs this one."`
	Reason string `json:"reason,omitempty" maxLength:"20000"`
}

// EntryBody is a timeline entry written by a person.
type EntryBody struct {
	Kind       string     `json:"kind" enum:"note,decision,action,evidence,communication"`
	Body       string     `json:"body" minLength:"1" maxLength:"65536"`
	OccurredAt *time.Time `json:"occurred_at,omitempty" doc:"When it happened in the world, if known; distinct from when it is recorded."`
	Refs       []string   `json:"refs,omitempty" maxItems:"20" doc:"Records of this incident the entry is about: asset:<kind>:<identifier>, indicator:<id or value>, evidence:EV-<n>, credential:C<n>, fix:F<n>. Stored in canonical form; an unknown record is refused naming refs[i]."`
}

// TimelineItem is one event as the timeline shows it.
type TimelineItem struct {
	Seq        int64              `json:"seq"`
	Type       string             `json:"type"`
	Kind       incident.EntryKind `json:"kind,omitempty" doc:"For entries written by people."`
	Actor      string             `json:"actor"`
	RecordedAt time.Time          `json:"recorded_at"`
	OccurredAt *time.Time         `json:"occurred_at,omitempty"`
	Text       string             `json:"text" doc:"What happened, in a line."`
	Refs       []string           `json:"refs,omitempty" doc:"For entries: the records of the incident they reference, canonical."`
	Data       json.RawMessage    `json:"data"`
	Hash       string             `json:"hash"`
	PrevHash   string             `json:"prev_hash"`
}

func timelineItem(e incident.Event) TimelineItem {
	return TimelineItem{Seq: e.Seq, Type: e.Type, Kind: incident.EntryKindOf(e), Actor: e.Actor, RecordedAt: e.RecordedAt,
		OccurredAt: e.OccurredAt, Text: incident.Describe(e, notices.DescribeEvent, duties.DescribeEvent, evidence.DescribeEvent,
			assets.DescribeEvent, indicators.DescribeEvent, actions.DescribeEvent), Refs: incident.EntryRefsOf(e), Data: e.Data, Hash: e.Hash, PrevHash: e.PrevHash}
}

// TimelineInput filters GET /timeline.
type TimelineInput struct {
	RefParam
	Kind  []string `query:"kind" doc:"Only people's entries of these kinds (note, decision, action, evidence, communication)."`
	Order string   `query:"order" enum:"asc,desc" default:"asc" doc:"asc is oldest first."`
}

// TimelineOutput is an incident's timeline.
type TimelineOutput struct {
	Body struct {
		Ref   string         `json:"ref"`
		Items []TimelineItem `json:"items"`
	}
}

// SeveritiesOutput lists the configured severity levels.
type SeveritiesOutput struct {
	Body []incident.Level
}

func splitList(vs []string) []string {
	var out []string
	for _, v := range vs {
		for p := range strings.SplitSeq(v, ",") {
			if p = strings.TrimSpace(p); p != "" {
				out = append(out, p)
			}
		}
	}
	return out
}

func (s *Server) command(ctx context.Context, ref string, m IfMatch) (incident.Command, error) {
	v, err := m.version()
	return incident.Command{Actor: viewer(ctx), Ref: ref, ExpectedVersion: v}, err
}

func (s *Server) registerIncidents(api huma.API) {
	tags := []string{"Incidents"}
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "declare-incident", Method: http.MethodPost, Path: "/api/v1/incidents", Tags: tags,
		Summary: "Declare an incident", DefaultStatus: http.StatusCreated,
		Description: "Creates an incident in triage and answers with its ref. Honours Idempotency-Key.",
	}), s.declareIncident)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-incidents", Method: http.MethodGet, Path: "/api/v1/incidents", Tags: tags,
		Summary: "List incidents", Description: "Newest first, filtered; page with next_cursor.",
	}), s.listIncidents)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-incident", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}", Tags: tags, Summary: "Get an incident", Description: "Its ETag is its version, for If-Match on changes. A restricted incident is 404 to those who may not see it.",
	}), s.getIncident)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "update-incident", Method: http.MethodPatch, Path: "/api/v1/incidents/{ref}", Tags: tags,
		Summary: "Update an incident", Description: "Changes the fields given; severity may change at any time.",
	}), s.updateIncident)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "transition-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/transition", Tags: tags,
		Summary: "Move an incident to another state", DefaultStatus: http.StatusOK,
		Description: "Answers 422 naming what is missing (severity, ir_lead, incident_commander, root_cause, postmortem, reason) when a rule blocks the move. Each required task still open that gates the state asked for (assess and contain gate contained, eradicate eradicated, recover recovered, communicate and post_incident closed) is one detail tasks.<key>, naming the task, its state and its assignee. Closing also needs every notification duty that applies or may apply submitted or waived: each open one is named obligations.<obligation_id>, with its phase and due instant (the policy file's close_requires_duties relaxes this per severity). Closing also resolves the incident's public incident on the status page, if still open, unless resolve_status_page is false.",
	}), s.transitionIncident)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "merge-incident", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/merge", Tags: tags,
		Summary: "Merge an incident into another open incident", Description: "This incident becomes merged, linked both ways with the open incident named by into; the reason is recorded.", DefaultStatus: http.StatusOK,
	}), s.mergeIncident)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "assign-role", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/roles", Tags: tags,
		Summary: "Assign a role", DefaultStatus: http.StatusOK,
		Description: "IR Lead, Incident Commander, Comms Lead and Scribe have one holder at a time: assigning one that someone else holds hands it over (event incident.role_handed_over, with the note), and the previous holder stays as a responder. Responders are as many as needed.",
	}), s.assignRole)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "unassign-role", Method: http.MethodDelete, Path: "/api/v1/incidents/{ref}/roles/{role}/{user}", Tags: tags,
		Summary: "Unassign a role", Description: "Removes the user from the role on the incident; the change is an event on the timeline.",
	}), s.unassignRole)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-timeline", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/timeline", Tags: tags,
		Summary: "Read the timeline", Description: "Every event with actor, recorded time, world time and its hash-chain link.",
	}), s.getTimeline)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "add-timeline-entry", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/timeline", Tags: tags,
		Summary: "Add a note, decision, action, evidence or communication", Description: "A person's entry on the timeline: kind says which, occurred_at when it happened in the world (defaults to now). Entries are events of the incident's hash chain and are never changed.", DefaultStatus: http.StatusCreated,
	}), s.addTimelineEntry)

	s.registerPostmortem(api, tags)
	s.registerTasks(api, tags)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-severities", Method: http.MethodGet, Path: "/api/v1/severities", Tags: []string{"Configuration"},
		Summary: "List the severity levels", Description: "The severity levels of the policy: the built-in SEV1–SEV4 unless the policy file defines its own.",
	}), s.listSeverities)
}

// declareIncidentInput is what declare-incident takes.
type declareIncidentInput struct {
	IdempotencyKey string `header:"Idempotency-Key" maxLength:"255" doc:"Retries with the same key return the first answer."`
	Body           DeclareBody
}

// declareIncident serves POST /api/v1/incidents: declare an incident.
func (s *Server) declareIncident(ctx context.Context, in *declareIncidentInput) (*IncidentOutput, error) {
	b := in.Body
	inc, err := s.incidents.Declare(ctx, viewer(ctx).User, incident.DeclareInput{
		Title: b.Title, Summary: b.Summary, Type: b.Type, Severity: b.Severity, Source: incident.Source(b.Source),
		Labels: b.Labels, Affected: b.Affected, Restricted: b.Restricted, DetectedAt: b.DetectedAt,
	})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// listIncidents serves GET /api/v1/incidents: list incidents.
func (s *Server) listIncidents(ctx context.Context, in *ListInput) (*ListOutput, error) {
	f := incident.Filter{Severities: splitList(in.Severity), Type: in.Type, Text: in.Q, Limit: in.Limit, Cursor: in.Cursor, Viewer: viewer(ctx),
		OverdueTasks: in.OverdueTasks, PostmortemOverdue: in.Postmortem == "overdue"}
	if in.Sort == incident.SortTaskDue {
		f.Sort = in.Sort
	}
	f.States = stateFilter(splitList(in.State))
	for _, l := range in.Label {
		k, v, ok := strings.Cut(l, "=")
		if !ok || k == "" {
			return nil, s.problem(ctx, errs.E(errs.Invalid, "label", "must be key=value, got %q", l))
		}
		if f.Labels == nil {
			f.Labels = map[string]string{}
		}
		f.Labels[k] = v
	}
	page, err := s.incidents.List(ctx, f)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &ListOutput{}
	out.Body.Items, out.Body.NextCursor = make([]ListItem, len(page.Items)), page.NextCursor
	for i, inc := range page.Items {
		out.Body.Items[i].Incident = inc
		if m, ok := page.Matches[inc.ID]; ok {
			out.Body.Items[i].Match = &Match{Field: m.Field, Snippet: m.HTML(), Fragments: m.Fragments}
		}
	}
	return out, nil
}

// getIncident serves GET /api/v1/incidents/{ref}: get an incident.
func (s *Server) getIncident(ctx context.Context, in *RefParam) (*IncidentOutput, error) {
	inc, err := s.incidents.Get(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// updateIncidentInput is what update-incident takes.
type updateIncidentInput struct {
	RefParam
	IfMatch
	Body PatchBody
}

// updateIncident serves PATCH /api/v1/incidents/{ref}: update an incident.
func (s *Server) updateIncident(ctx context.Context, in *updateIncidentInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	b := in.Body
	inc, err := s.incidents.Update(ctx, c, incident.UpdateInput{Title: b.Title, Summary: b.Summary, Severity: b.Severity, Type: b.Type,
		Labels: b.Labels, Affected: b.Affected, RootCause: b.RootCause, Resolution: b.Resolution, Restricted: b.Restricted})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// transitionIncidentInput is what transition-incident takes.
type transitionIncidentInput struct {
	RefParam
	IfMatch
	Body TransitionBody
}

// transitionIncident serves POST /api/v1/incidents/{ref}/transition: move an incident to another state.
func (s *Server) transitionIncident(ctx context.Context, in *transitionIncidentInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.Transition(ctx, c, incident.State(in.Body.To), in.Body.Reason)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	if inc.State == incident.Closed && (in.Body.ResolveStatusPage == nil || *in.Body.ResolveStatusPage) && s.status != nil {
		// The incident is closed either way; a status page that could
		// not be resolved is said in the answer's warnings.
		if _, _, err := s.status.ResolveOnClose(ctx, statusActor(ctx), inc.ID, in.Body.StatusPageText); err != nil {
			s.log.WarnContext(ctx, "resolve the status page on close", "incident", inc.Ref, "err", err)
			msg := "internal error"
			if e, ok := errs.As(err); ok {
				msg = e.Message
			}
			inc.Warnings = append(inc.Warnings, "the status page was not resolved: "+msg)
		}
	}
	return incidentOut(inc), nil
}

// mergeIncidentInput is what merge-incident takes.
type mergeIncidentInput struct {
	RefParam
	IfMatch
	Body MergeBody
}

// mergeIncident serves POST /api/v1/incidents/{ref}/merge: merge an incident into another open incident.
func (s *Server) mergeIncident(ctx context.Context, in *mergeIncidentInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.Merge(ctx, c, in.Body.Into, in.Body.Reason)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// assignRoleInput is what assign-role takes.
type assignRoleInput struct {
	RefParam
	IfMatch
	Body RoleBody
}

// assignRole serves POST /api/v1/incidents/{ref}/roles: assign a role.
func (s *Server) assignRole(ctx context.Context, in *assignRoleInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.AssignNote(ctx, c, incident.Role(in.Body.Role), in.Body.User, in.Body.Note)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// unassignRoleInput is what unassign-role takes.
type unassignRoleInput struct {
	RefParam
	IfMatch
	Role string `path:"role" enum:"ir_lead,incident_commander,comms_lead,scribe,responder"`
	User string `path:"user" maxLength:"63"`
}

// unassignRole serves DELETE /api/v1/incidents/{ref}/roles/{role}/{user}: unassign a role.
func (s *Server) unassignRole(ctx context.Context, in *unassignRoleInput) (*IncidentOutput, error) {
	c, err := s.command(ctx, in.Ref, in.IfMatch)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.Unassign(ctx, c, incident.Role(in.Role), in.User)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return incidentOut(inc), nil
}

// getTimeline serves GET /api/v1/incidents/{ref}/timeline: read the timeline.
func (s *Server) getTimeline(ctx context.Context, in *TimelineInput) (*TimelineOutput, error) {
	kinds := splitList(in.Kind)
	for _, k := range kinds {
		if !incident.EntryKind(k).Valid() {
			return nil, s.problem(ctx, errs.E(errs.Invalid, "kind", "unknown kind %q; one of note, decision, action, evidence, communication", k))
		}
	}
	inc, events, err := s.incidents.Timeline(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &TimelineOutput{}
	out.Body.Ref = inc.Ref
	out.Body.Items = make([]TimelineItem, 0, len(events))
	for _, e := range events {
		if len(kinds) > 0 && !slices.Contains(kinds, string(incident.EntryKindOf(e))) {
			continue
		}
		out.Body.Items = append(out.Body.Items, timelineItem(e))
	}
	if in.Order == "desc" {
		slices.Reverse(out.Body.Items)
	}
	return out, nil
}

// addTimelineEntryInput is what add-timeline-entry takes.
type addTimelineEntryInput struct {
	RefParam
	Body EntryBody
}

// addTimelineEntry serves POST /api/v1/incidents/{ref}/timeline: add a note, decision, action, evidence or communication.
func (s *Server) addTimelineEntry(ctx context.Context, in *addTimelineEntryInput) (*struct{ Body TimelineItem }, error) {
	e, err := s.incidents.AddEntryWith(ctx, incident.Command{Actor: viewer(ctx), Ref: in.Ref}, incident.EntryInput{Kind: incident.EntryKind(in.Body.Kind),
		Body: in.Body.Body, OccurredAt: in.Body.OccurredAt, Refs: in.Body.Refs})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body TimelineItem }{Body: timelineItem(e)}, nil
}

// listSeverities serves GET /api/v1/severities: list the severity levels.
func (s *Server) listSeverities(ctx context.Context, _ *struct{}) (*SeveritiesOutput, error) {
	return &SeveritiesOutput{Body: s.incidents.Policy().Levels}, nil
}
