package client

import (
	"context"
	"io"
	"net/http"
	"net/url"

	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// DraftPostmortem drafts an incident's post-mortem from its record: the
// figures, the template's prompts and the draft. Nothing is saved.
func (c *Client) DraftPostmortem(ctx context.Context, ref string) (httpapi.PostmortemDraft, error) {
	var out httpapi.PostmortemDraft
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "postmortem", "draft")}, &out)
	return out, err
}

// ExportPostmortem writes an incident's saved post-mortem to w as Markdown
// ("md"), a printable HTML page ("html") or JSON ("json").
func (c *Client) ExportPostmortem(ctx context.Context, ref, format string, w io.Writer) error {
	path := incPath(ref, "postmortem", "export") + "?" + url.Values{"format": {format}}.Encode()
	return c.stream(ctx, http.MethodGet, path, "", nil, func(body io.Reader) error {
		_, err := io.Copy(w, body)
		return err
	})
}
