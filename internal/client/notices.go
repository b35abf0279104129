package client

import (
	"context"
	"net/http"
	"net/url"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

func noticePath(ref, id string) string {
	p := "/api/v1/incidents/" + url.PathEscape(ref) + "/notices"
	if id != "" {
		p += "/" + url.PathEscape(id)
	}
	return p
}

// Notices lists an incident's notices, oldest first.
func (c *Client) Notices(ctx context.Context, ref string) ([]notices.Notice, error) {
	var out []notices.Notice
	err := c.do(ctx, request{method: http.MethodGet, path: noticePath(ref, "")}, &out)
	return out, err
}

// Notice returns one notice.
func (c *Client) Notice(ctx context.Context, ref, id string) (notices.Notice, error) {
	var out notices.Notice
	err := c.do(ctx, request{method: http.MethodGet, path: noticePath(ref, id)}, &out)
	return out, err
}

// DraftNotice starts a notice.
func (c *Client) DraftNotice(ctx context.Context, ref string, in httpapi.NoticeDraftBody) (notices.Notice, error) {
	var out notices.Notice
	err := c.do(ctx, request{method: http.MethodPost, path: noticePath(ref, ""), body: in}, &out)
	return out, err
}

// EditNotice changes a draft; version (when > 0) is the one the edit is
// based on.
func (c *Client) EditNotice(ctx context.Context, ref, id string, in httpapi.NoticeEditBody, version int64) (notices.Notice, error) {
	var out notices.Notice
	err := c.do(ctx, request{method: http.MethodPatch, path: noticePath(ref, id), body: in, header: ifMatch(version)}, &out)
	return out, err
}

// ApproveNotice approves a notice's text.
func (c *Client) ApproveNotice(ctx context.Context, ref, id string, in httpapi.NoticeApproveBody) (notices.Notice, error) {
	var out notices.Notice
	err := c.do(ctx, request{method: http.MethodPost, path: noticePath(ref, id) + "/approve", body: in}, &out)
	return out, err
}

// AttachToNotice adds a file to a notice.
func (c *Client) AttachToNotice(ctx context.Context, ref, id string, in httpapi.NoticeAttachmentBody) (notices.Notice, error) {
	var out notices.Notice
	err := c.do(ctx, request{method: http.MethodPost, path: noticePath(ref, id) + "/attachments", body: in}, &out)
	return out, err
}

// SubmitNotice records a notice as given.
func (c *Client) SubmitNotice(ctx context.Context, ref, id string, in httpapi.NoticeSubmitBody) (notices.Notice, error) {
	var out notices.Notice
	err := c.do(ctx, request{method: http.MethodPost, path: noticePath(ref, id) + "/submit", body: in}, &out)
	return out, err
}

// SendNotice emails a notice.
func (c *Client) SendNotice(ctx context.Context, ref, id string, in httpapi.NoticeSendBody) (notices.Notice, error) {
	var out notices.Notice
	err := c.do(ctx, request{method: http.MethodPost, path: noticePath(ref, id) + "/send", body: in}, &out)
	return out, err
}

// Dossier returns an incident's notification dossier.
func (c *Client) Dossier(ctx context.Context, ref string) (notices.Dossier, error) {
	var out notices.Dossier
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/incidents/" + url.PathEscape(ref) + "/dossier"}, &out)
	return out, err
}

// NoticeTemplates lists the templates in force.
func (c *Client) NoticeTemplates(ctx context.Context) ([]notices.Template, error) {
	var out []notices.Template
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/notice-templates"}, &out)
	return out, err
}

// NoticeTemplate returns one template.
func (c *Client) NoticeTemplate(ctx context.Context, name string) (notices.Template, error) {
	var out notices.Template
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/notice-templates/" + url.PathEscape(name)}, &out)
	return out, err
}

// PutNoticeTemplate creates or replaces a stored template.
func (c *Client) PutNoticeTemplate(ctx context.Context, name string, in httpapi.TemplateBody) (notices.Template, error) {
	var out notices.Template
	err := c.do(ctx, request{method: http.MethodPut, path: "/api/v1/notice-templates/" + url.PathEscape(name), body: in}, &out)
	return out, err
}

// PostUpdate posts a stakeholder update.
func (c *Client) PostUpdate(ctx context.Context, ref, text string) (notices.StakeholderUpdate, error) {
	var out notices.StakeholderUpdate
	err := c.do(ctx, request{method: http.MethodPost, path: "/api/v1/incidents/" + url.PathEscape(ref) + "/updates", body: httpapi.UpdateBody{Text: text}}, &out)
	return out, err
}

// Updates returns an incident's stakeholder updates and cadence.
func (c *Client) Updates(ctx context.Context, ref string) (notices.UpdatesView, error) {
	var out notices.UpdatesView
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/incidents/" + url.PathEscape(ref) + "/updates"}, &out)
	return out, err
}

func subscriptionsPath(ref string) string {
	if ref == "" {
		return "/api/v1/subscriptions"
	}
	return "/api/v1/incidents/" + url.PathEscape(ref) + "/subscriptions"
}

// Subscriptions lists the channels receiving an incident's updates (ref
// "": the global ones).
func (c *Client) Subscriptions(ctx context.Context, ref string) ([]notices.UpdateSubscription, error) {
	var out []notices.UpdateSubscription
	err := c.do(ctx, request{method: http.MethodGet, path: subscriptionsPath(ref)}, &out)
	return out, err
}

// Subscribe sends an incident's updates (ref "": every incident's) to a
// channel.
func (c *Client) Subscribe(ctx context.Context, ref string, in httpapi.SubscriptionBody) (notices.UpdateSubscription, error) {
	var out notices.UpdateSubscription
	err := c.do(ctx, request{method: http.MethodPost, path: subscriptionsPath(ref), body: in}, &out)
	return out, err
}

// Unsubscribe removes a subscription.
func (c *Client) Unsubscribe(ctx context.Context, ref, id string) error {
	return c.do(ctx, request{method: http.MethodDelete, path: subscriptionsPath(ref) + "/" + url.PathEscape(id)}, nil)
}
