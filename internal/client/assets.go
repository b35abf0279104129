package client

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strconv"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
)

// IncidentAssets lists an incident's affected assets.
func (c *Client) IncidentAssets(ctx context.Context, ref string) ([]assets.IncidentAsset, error) {
	var out struct {
		Items []assets.IncidentAsset `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "assets")}, &out)
	return out.Items, err
}

// AddAsset adds an affected asset to an incident.
func (c *Client) AddAsset(ctx context.Context, ref string, b httpapi.AssetBody) (assets.IncidentAsset, error) {
	var out assets.IncidentAsset
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "assets"), body: b}, &out)
	return out, err
}

// MoveAsset moves an incident's asset to another state.
func (c *Client) MoveAsset(ctx context.Context, ref, kind, identifier string, b httpapi.MoveBody) (assets.IncidentAsset, error) {
	var out assets.IncidentAsset
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "assets", kind, identifier, "moves"), body: b}, &out)
	return out, err
}

// UpdateAsset changes an incident's asset.
func (c *Client) UpdateAsset(ctx context.Context, ref, kind, identifier string, b httpapi.AssetPatchBody) (assets.IncidentAsset, error) {
	var out assets.IncidentAsset
	err := c.do(ctx, request{method: http.MethodPatch, path: incPath(ref, "assets", kind, identifier), body: b}, &out)
	return out, err
}

// Credentials lists an incident's compromised credentials.
func (c *Client) Credentials(ctx context.Context, ref string) ([]assets.Credential, error) {
	var out struct {
		Items []assets.Credential `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "credentials")}, &out)
	return out.Items, err
}

// AddCredential adds a compromised credential to an incident.
func (c *Client) AddCredential(ctx context.Context, ref string, b httpapi.CredentialBody) (assets.Credential, error) {
	var out assets.Credential
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "credentials"), body: b}, &out)
	return out, err
}

// MoveCredential moves a credential to another state.
func (c *Client) MoveCredential(ctx context.Context, ref, id string, b httpapi.MoveBody) (assets.Credential, error) {
	var out assets.Credential
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "credentials", id, "moves"), body: b}, &out)
	return out, err
}

// Fixes lists an incident's fixes.
func (c *Client) Fixes(ctx context.Context, ref string) ([]assets.Fix, error) {
	var out struct {
		Items []assets.Fix `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: incPath(ref, "fixes")}, &out)
	return out.Items, err
}

// AddFix adds a fix to an incident.
func (c *Client) AddFix(ctx context.Context, ref string, b httpapi.FixBody) (assets.Fix, error) {
	var out assets.Fix
	err := c.do(ctx, request{method: http.MethodPost, path: incPath(ref, "fixes"), body: b}, &out)
	return out, err
}

// UpdateFix replaces a fix's fields.
func (c *Client) UpdateFix(ctx context.Context, ref, id string, b httpapi.FixBody) (assets.Fix, error) {
	var out assets.Fix
	err := c.do(ctx, request{method: http.MethodPut, path: incPath(ref, "fixes", id), body: b}, &out)
	return out, err
}

// Inventory lists the asset inventory; kind and q may be empty.
func (c *Client) Inventory(ctx context.Context, kind, q string, limit int) ([]assets.Asset, error) {
	v := url.Values{}
	if kind != "" {
		v.Set("kind", kind)
	}
	if q != "" {
		v.Set("q", q)
	}
	if limit > 0 {
		v.Set("limit", strconv.Itoa(limit))
	}
	var out struct {
		Items []assets.Asset `json:"items"`
	}
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/assets", query: v}, &out)
	return out.Items, err
}

// InventoryAsset reads an inventory asset with the incidents it was in.
func (c *Client) InventoryAsset(ctx context.Context, kind, identifier string) (assets.InventoryAsset, error) {
	var out assets.InventoryAsset
	err := c.do(ctx, request{method: http.MethodGet, path: "/api/v1/assets/" + url.PathEscape(kind) + "/" + url.PathEscape(identifier)}, &out)
	return out, err
}

// ImportInventory sends an inventory CSV; it answers how many assets it took.
func (c *Client) ImportInventory(ctx context.Context, csv []byte) (int, error) {
	var out struct {
		Imported int `json:"imported"`
	}
	err := c.stream(ctx, http.MethodPost, "/api/v1/assets/import", "text/csv", bytes.NewReader(csv), func(body io.Reader) error {
		return json.NewDecoder(body).Decode(&out)
	})
	return out.Imported, err
}
