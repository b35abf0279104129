package client

import (
	"context"
	"net/http"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// Profile is the organisation profile as the API shows it.
type Profile struct {
	duties.Profile
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
}

// Obligations are dated duties, earliest first, and the instant their
// statuses were worked out at.
type Obligations struct {
	Ref      string            `json:"ref,omitempty"`
	Now      time.Time         `json:"now"`
	Items    []comms.Item      `json:"items"`
	Warnings []httpapi.Warning `json:"warnings,omitempty"`
}

// Vocabulary returns the words profiles and facts may use.
func (c *Client) Vocabulary(ctx context.Context) (comms.Vocabulary, error) {
	var out comms.Vocabulary
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/obligations/vocabulary"}, &out)
	return out, err
}

// Organization returns the organisation profile.
func (c *Client) Organization(ctx context.Context) (Profile, error) {
	var out Profile
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/organization"}, &out)
	return out, err
}

// PutOrganization replaces the organisation profile (admin).
func (c *Client) PutOrganization(ctx context.Context, p duties.Profile) (Profile, error) {
	var out Profile
	err := c.do(ctx, request{method: http.MethodPut, path: "/api/v1/organization", body: p}, &out)
	return out, err
}

// Facts returns an incident's facts with their version.
func (c *Client) Facts(ctx context.Context, ref string) (httpapi.FactsView, error) {
	var out httpapi.FactsView
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "facts")}, &out)
	return out, err
}

// PutFacts replaces an incident's facts; version, when > 0, is sent as
// If-Match: the facts are replaced only if they are still at it.
func (c *Client) PutFacts(ctx context.Context, ref string, in duties.FactsInput, version int64) (httpapi.FactsView, error) {
	var out httpapi.FactsView
	err := c.do(ctx, request{method: http.MethodPut, path: incPath(ref, "facts"), body: in, header: ifMatch(version)}, &out)
	return out, err
}

// Obligations returns an incident's duties.
func (c *Client) Obligations(ctx context.Context, ref string) (Obligations, error) {
	var out Obligations
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "obligations")}, &out)
	return out, err
}

// Waive waives a phase of a duty with a reason.
func (c *Client) Waive(ctx context.Context, ref, obligationID, phase, reason string) (Obligations, error) {
	var out Obligations
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "obligations", obligationID, phase, "waive"),
		body: httpapi.WaiveBody{Reason: reason}}, &out)
	return out, err
}

// SubmitObligation records a phase of a duty as submitted by hand.
func (c *Client) SubmitObligation(ctx context.Context, ref, obligationID, phase string, in httpapi.SubmitBody) (Obligations, error) {
	var out Obligations
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "obligations", obligationID, phase, "submit"), body: in}, &out)
	return out, err
}

// EvaluateObligations works out the duties facts would bring, without an
// incident; a nil profile is the stored one.
func (c *Client) EvaluateObligations(ctx context.Context, org *duties.Profile, f duties.FactsInput) (Obligations, error) {
	var out Obligations
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/obligations/evaluate",
		body: httpapi.EvaluateBody{Organization: org, Facts: f}}, &out)
	return out, err
}
