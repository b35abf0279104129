package client

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime/multipart"
	"net/http"
	"net/url"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

func evidencePath(ref string, rest ...string) string {
	p := "/api/v1/incidents/" + url.PathEscape(ref) + "/evidence"
	for _, r := range rest {
		p += "/" + url.PathEscape(r)
	}
	return p
}

// Evidence lists an incident's evidence.
func (c *Client) Evidence(ctx context.Context, ref string) ([]httpapi.EvidenceItem, error) {
	var out httpapi.EvidenceList
	err := c.do(ctx, request{method: http.MethodGet, path: evidencePath(ref)}, &out)
	return out.Items, err
}

// EvidenceItem returns an item with its custody history.
func (c *Client) EvidenceItem(ctx context.Context, ref, id string) (httpapi.EvidenceHistory, error) {
	var out httpapi.EvidenceHistory
	err := c.do(ctx, request{method: http.MethodGet, path: evidencePath(ref, id)}, &out)
	return out, err
}

// AddExternalEvidence describes an item Firebreak does not hold.
func (c *Client) AddExternalEvidence(ctx context.Context, ref string, in evidence.ExternalInput) (httpapi.EvidenceItem, error) {
	var out httpapi.EvidenceItem
	err := c.do(ctx, request{method: http.MethodPost, path: evidencePath(ref), body: in}, &out)
	return out, err
}

// TransferEvidence passes an item's custody to another holder.
func (c *Client) TransferEvidence(ctx context.Context, ref, id string, in evidence.TransferInput) (httpapi.EvidenceItem, error) {
	var out httpapi.EvidenceItem
	err := c.do(ctx, request{method: http.MethodPost, path: evidencePath(ref, id, "transfer"), body: in}, &out)
	return out, err
}

// DisposeEvidence ends an item's custody.
func (c *Client) DisposeEvidence(ctx context.Context, ref, id string, in evidence.DisposeInput) (httpapi.EvidenceItem, error) {
	var out httpapi.EvidenceItem
	err := c.do(ctx, request{method: http.MethodPost, path: evidencePath(ref, id, "dispose"), body: in}, &out)
	return out, err
}

// CustodyReport is an incident's custody report.
func (c *Client) CustodyReport(ctx context.Context, ref string) (httpapi.CustodyReport, error) {
	var out httpapi.CustodyReport
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/incidents/" + url.PathEscape(ref) + "/custody"}, &out)
	return out, err
}

// UploadEvidence streams a file to the incident's evidence (multipart,
// never held in memory whole).
func (c *Client) UploadEvidence(ctx context.Context, ref string, in evidence.FileInput, name string, r io.Reader) (httpapi.EvidenceItem, error) {
	pr, pw := io.Pipe()
	mw := multipart.NewWriter(pw)
	go func() {
		err := func() error {
			for _, f := range [][2]string{{"name", in.Name}, {"description", in.Description}, {"source", in.Acquisition.Source},
				{"method", in.Acquisition.Method}, {"acquired_by", in.Acquisition.By}} {
				if f[1] != "" {
					if err := mw.WriteField(f[0], f[1]); err != nil {
						return err
					}
				}
			}
			if in.Acquisition.At != nil {
				if err := mw.WriteField("acquired_at", in.Acquisition.At.Format("2006-01-02T15:04:05Z07:00")); err != nil {
					return err
				}
			}
			fw, err := mw.CreateFormFile("file", name)
			if err != nil {
				return err
			}
			if _, err := io.Copy(fw, r); err != nil {
				return err
			}
			return mw.Close()
		}()
		pw.CloseWithError(err)
	}()
	var out httpapi.EvidenceItem
	err := c.stream(ctx, http.MethodPost, evidencePath(ref), mw.FormDataContentType(), pr, func(body io.Reader) error {
		return json.NewDecoder(body).Decode(&out)
	})
	_ = pr.Close() // stops the writer when the server answered early
	return out, err
}

// DownloadEvidence writes an uploaded file to w; the server records the
// download first.
func (c *Client) DownloadEvidence(ctx context.Context, ref, id string, w io.Writer) (int64, error) {
	var n int64
	err := c.stream(ctx, http.MethodGet, evidencePath(ref, id, "file"), "", nil, func(body io.Reader) error {
		var err error
		n, err = io.Copy(w, body)
		return err
	})
	return n, err
}

// stream sends body as is and hands a successful answer's body to read.
func (c *Client) stream(ctx context.Context, method, path, contentType string, body io.Reader, read func(io.Reader) error) error {
	req, err := http.NewRequestWithContext(ctx, method, c.BaseURL+path, body)
	if err != nil {
		return fmt.Errorf("build request: %w", err)
	}
	if contentType != "" {
		req.Header.Set("Content-Type", contentType)
	}
	if c.Token != "" {
		req.Header.Set("Authorization", "Bearer "+c.Token)
	}
	resp, err := c.HTTP.Do(req)
	if err != nil {
		return fmt.Errorf("%s %s: %w", method, c.BaseURL, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		data, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
		e := &Error{Status: resp.StatusCode}
		if json.Unmarshal(data, &e.Problem) != nil {
			e.Problem.Detail = strings.TrimSpace(string(data))
		}
		return e
	}
	return read(resp.Body)
}
