// Package client is a typed Go client of the Firebreak REST API. The CLI
// uses it, as gh uses GitHub's.
package client

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Client talks to one Firebreak server.
type Client struct {
	BaseURL string
	Token   string
	HTTP    *http.Client
}

// New returns a client with a sane timeout.
func New(baseURL, token string) *Client {
	return &Client{BaseURL: strings.TrimRight(baseURL, "/"), Token: token, HTTP: &http.Client{Timeout: 30 * time.Second}}
}

// Problem is an RFC 9457 answer.
type Problem struct {
	Type   string `json:"type,omitempty"`
	Title  string `json:"title"`
	Status int    `json:"status"`
	Detail string `json:"detail"`
	Errors []struct {
		Location string `json:"location"`
		Message  string `json:"message"`
	} `json:"errors"`
	Problems json.RawMessage `json:"problems,omitempty"` // an on-call file's, placed by line: see ApplyConfig
}

// Error is a non-2xx answer.
type Error struct {
	Status  int
	Problem Problem
}

func (e *Error) Error() string {
	msg := e.Problem.Detail
	if msg == "" {
		msg = e.Problem.Title
	}
	var parts []string
	for _, d := range e.Problem.Errors {
		p := d.Message
		if d.Location != "" {
			p = d.Location + ": " + d.Message
		}
		if !strings.Contains(msg, p) {
			parts = append(parts, p)
		}
	}
	if len(parts) > 0 {
		msg += " (" + strings.Join(parts, "; ") + ")"
	}
	return fmt.Sprintf("%d %s: %s", e.Status, http.StatusText(e.Status), msg)
}

// Fields lists the locations the server named.
func (e *Error) Fields() []string {
	var f []string
	for _, d := range e.Problem.Errors {
		f = append(f, d.Location)
	}
	return f
}

type request struct {
	method, path string
	query        url.Values
	body         any
	header       http.Header
}

func (c *Client) do(ctx context.Context, r request, out any) error {
	var body io.Reader
	if r.body != nil {
		b, err := json.Marshal(r.body)
		if err != nil {
			return fmt.Errorf("encode request: %w", err)
		}
		body = bytes.NewReader(b)
	}
	u := c.BaseURL + r.path
	if len(r.query) > 0 {
		u += "?" + r.query.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, r.method, u, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	for k, vs := range r.header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	if r.body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", r.method, c.BaseURL, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, 64<<20))
	if err != nil {
		return fmt.Errorf("read answer: %w", err)
	}
	if resp.StatusCode >= 300 {
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, &e.Problem) != nil {
			e.Problem.Detail = strings.TrimSpace(string(data))
		}
		return e
	}
	if out == nil || len(data) == 0 {
		return nil
	}
	if err := json.Unmarshal(data, out); err != nil {
		return fmt.Errorf("decode answer: %w", err)
	}
	return nil
}

func ifMatch(version int64) http.Header {
	if version <= 0 {
		return nil
	}
	return http.Header{"If-Match": {strconv.Quote(strconv.FormatInt(version, 10))}}
}

// Declare creates an incident. A non-empty idempotencyKey makes retries safe.
func (c *Client) Declare(ctx context.Context, in httpapi.DeclareBody, idempotencyKey string) (incident.Incident, error) {
	var out incident.Incident
	var h http.Header
	if idempotencyKey != "" {
		h = http.Header{"Idempotency-Key": {idempotencyKey}}
	}
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/incidents", body: in, header: h}, &out)
	return out, err
}

// ListOptions filter List.
type ListOptions struct {
	States     []string
	Severities []string
	Type       string
	Labels     []string // key=value
	Text       string
	Limit      int
	Cursor     string
	// OverdueTasks keeps incidents with an open task past due; Sort
	// "task_due" orders by the earliest open task due.
	OverdueTasks bool
	// Postmortem "overdue" keeps recovered incidents whose post-mortem is
	// past due and not published.
	Postmortem string
	Sort       string
}

// Page is a page of incidents.
type Page struct {
	Items      []httpapi.ListItem `json:"items"`
	NextCursor string             `json:"next_cursor"`
}

// List returns one page of incidents, newest first or, with Text, best
// match first with where each matched.
func (c *Client) List(ctx context.Context, o ListOptions) (Page, error) {
	q := url.Values{}
	for _, s := range o.States {
		q.Add("state", s)
	}
	for _, s := range o.Severities {
		q.Add("severity", s)
	}
	for _, l := range o.Labels {
		q.Add("label", l)
	}
	if o.Type != "" {
		q.Set("type", o.Type)
	}
	if o.Text != "" {
		q.Set("q", o.Text)
	}
	if o.Limit > 0 {
		q.Set("limit", strconv.Itoa(o.Limit))
	}
	if o.Cursor != "" {
		q.Set("cursor", o.Cursor)
	}
	if o.OverdueTasks {
		q.Set("overdue_tasks", "true")
	}
	if o.Postmortem != "" {
		q.Set("postmortem", o.Postmortem)
	}
	if o.Sort != "" {
		q.Set("sort", o.Sort)
	}
	var out Page
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/incidents", query: q}, &out)
	return out, err
}

func incPath(ref string, rest ...string) string {
	p := "/api/v1/incidents/" + url.PathEscape(ref)
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// Get returns one incident.
func (c *Client) Get(ctx context.Context, ref string) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref)}, &out)
	return out, err
}

// Update changes fields; version, when > 0, is sent as If-Match.
func (c *Client) Update(ctx context.Context, ref string, in httpapi.PatchBody, version int64) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPatch, path: incPath(ref), body: in, header: ifMatch(version)}, &out)
	return out, err
}

// Transition moves an incident to another state.
func (c *Client) Transition(ctx context.Context, ref, to, reason string) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "transition"), body: httpapi.TransitionBody{To: to, Reason: reason}}, &out)
	return out, err
}

// TransitionWith moves an incident with every option of the move (the
// status page's final update on closing).
func (c *Client) TransitionWith(ctx context.Context, ref string, b httpapi.TransitionBody) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "transition"), body: b}, &out)
	return out, err
}

// Merge merges ref into another incident.
func (c *Client) Merge(ctx context.Context, ref, into, reason string) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "merge"), body: httpapi.MergeBody{Into: into, Reason: reason}}, &out)
	return out, err
}

// Assign gives role to user.
func (c *Client) Assign(ctx context.Context, ref, role, user string) (incident.Incident, error) {
	return c.AssignRole(ctx, ref, httpapi.RoleBody{Role: role, User: user})
}

// AssignRole gives a role; a single-holder role someone holds is handed
// over, with the body's note.
func (c *Client) AssignRole(ctx context.Context, ref string, in httpapi.RoleBody) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "roles"), body: in}, &out)
	return out, err
}

// Unassign takes role from user.
func (c *Client) Unassign(ctx context.Context, ref, role, user string) (incident.Incident, error) {
	var out incident.Incident
	err := c.do(ctx, request{method: http.MethodDelete, path: incPath(ref, "roles", role, user)}, &out)
	return out, err
}

// Timeline is an incident's timeline.
type Timeline struct {
	Ref   string                 `json:"ref"`
	Items []httpapi.TimelineItem `json:"items"`
}

// Timeline reads the timeline; kinds filter people's entries, desc reverses.
func (c *Client) Timeline(ctx context.Context, ref string, kinds []string, desc bool) (Timeline, error) {
	q := url.Values{}
	for _, k := range kinds {
		q.Add("kind", k)
	}
	if desc {
		q.Set("order", "desc")
	}
	var out Timeline
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "timeline"), query: q}, &out)
	return out, err
}

// AddEntry writes a timeline entry.
func (c *Client) AddEntry(ctx context.Context, ref string, in httpapi.EntryBody) (httpapi.TimelineItem, error) {
	var out httpapi.TimelineItem
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "timeline"), body: in}, &out)
	return out, err
}

// Postmortem is the post-mortem with its due date and its review.
type Postmortem = httpapi.PostmortemView

// Postmortem reads the post-mortem.
func (c *Client) Postmortem(ctx context.Context, ref string) (Postmortem, error) {
	var out Postmortem
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "postmortem")}, &out)
	return out, err
}

// SavePostmortem replaces the post-mortem's text.
func (c *Client) SavePostmortem(ctx context.Context, ref string, in httpapi.PostmortemBody) (Postmortem, error) {
	var out Postmortem
	err := c.do(ctx, request{method: http.MethodPut, path: incPath(ref, "postmortem"), body: in}, &out)
	return out, err
}

// RequestPostmortemReview sends the post-mortem to reviewers (none: the
// defaults).
func (c *Client) RequestPostmortemReview(ctx context.Context, ref string, reviewers []string) (Postmortem, error) {
	var out Postmortem
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "postmortem", "review"), body: httpapi.ReviewRequestBody{Reviewers: reviewers}}, &out)
	return out, err
}

// ReviewPostmortem gives the caller's verdict on the current text.
func (c *Client) ReviewPostmortem(ctx context.Context, ref string, in httpapi.ReviewBody) (Postmortem, error) {
	var out Postmortem
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "postmortem", "reviews"), body: in}, &out)
	return out, err
}

// PublishPostmortem publishes the approved text.
func (c *Client) PublishPostmortem(ctx context.Context, ref string) (Postmortem, error) {
	var out Postmortem
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "postmortem", "publish")}, &out)
	return out, err
}

// Revisions lists the post-mortem's published texts, oldest first.
type Revisions struct {
	Ref         string              `json:"ref"`
	PublishedAt *time.Time          `json:"published_at"`
	Items       []incident.Revision `json:"items"`
}

// PostmortemRevisions reads the post-mortem's revisions.
func (c *Client) PostmortemRevisions(ctx context.Context, ref string) (Revisions, error) {
	var out Revisions
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "postmortem", "revisions")}, &out)
	return out, err
}

// SetActionItem marks action item n (1 for the first) done or not.
func (c *Client) SetActionItem(ctx context.Context, ref string, n int, done bool) (Postmortem, error) {
	var out Postmortem
	err := c.do(ctx, request{method: http.MethodPut, path: incPath(ref, "postmortem", "action-items", strconv.Itoa(n)), body: httpapi.ActionItemBody{Done: done}}, &out)
	return out, err
}

// Severities lists the configured levels.
func (c *Client) Severities(ctx context.Context) ([]incident.Level, error) {
	var out []incident.Level
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/severities"}, &out)
	return out, err
}

// Me returns the caller.
func (c *Client) Me(ctx context.Context) (auth.User, error) {
	var out auth.User
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/me"}, &out)
	return out, err
}

// Users lists users.
func (c *Client) Users(ctx context.Context) ([]auth.User, error) {
	var out []auth.User
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/users"}, &out)
	return out, err
}

// CreateUser creates a user.
func (c *Client) CreateUser(ctx context.Context, in httpapi.UserBody) (auth.User, error) {
	var out auth.User
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/users", body: in}, &out)
	return out, err
}

// UpdateUser changes a user.
func (c *Client) UpdateUser(ctx context.Context, username string, in httpapi.UserPatchBody) (auth.User, error) {
	var out auth.User
	err := c.do(ctx, request{method: http.MethodPatch, path: "/api/v1/users/" + url.PathEscape(username), body: in}, &out)
	return out, err
}

// SetPassword sets a user's password (admin); the user's sessions end.
func (c *Client) SetPassword(ctx context.Context, username, password string) error {
	return c.do(ctx, request{method: http.MethodPut, path: "/api/v1/users/" + url.PathEscape(username) + "/password", body: httpapi.PasswordBody{Password: password}}, nil)
}

// NewToken is a created token with its one-time secret.
type NewToken struct {
	auth.Token
	Secret string `json:"secret"`
}

// CreateToken creates an API token for user.
func (c *Client) CreateToken(ctx context.Context, user, name string) (NewToken, error) {
	var out NewToken
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/tokens", body: httpapi.TokenBody{User: user, Name: name}}, &out)
	return out, err
}

// Tokens lists a user's tokens.
func (c *Client) Tokens(ctx context.Context, user string) ([]auth.Token, error) {
	var out []auth.Token
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/tokens", query: url.Values{"user": {user}}}, &out)
	return out, err
}

// RevokeToken revokes a token.
func (c *Client) RevokeToken(ctx context.Context, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: "/api/v1/tokens/" + url.PathEscape(id)}, nil)
}
