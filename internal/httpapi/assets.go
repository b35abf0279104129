package httpapi

import (
	"bytes"
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/auth"
)

// The records kept beside an incident: affected assets and the inventory,
// compromised credentials, fixes (issue #16).

// AssetBody adds an asset to an incident.
type AssetBody struct {
	Kind        string `json:"kind" enum:"host,service,account,database,repository,cloud_resource,device,network_segment,dataset,application"`
	Identifier  string `json:"identifier" minLength:"1" maxLength:"300" doc:"What names it: a hostname, an account, an ARN. The same kind and identifier are the same asset in every incident."`
	Owner       string `json:"owner,omitempty" maxLength:"200" doc:"A person or team; sets the inventory's when given."`
	Criticality string `json:"criticality,omitempty" enum:"low,medium,high,critical" doc:"Sets the inventory's when given."`
	State       string `json:"state,omitempty" enum:"suspected,confirmed,contained,eradicated,restored,verified,not_affected" doc:"Defaults to suspected."`
	Note        string `json:"note,omitempty" maxLength:"4000"`
}

// MoveBody moves an asset or a credential to another state.
type MoveBody struct {
	To   string `json:"to" minLength:"1" maxLength:"32" doc:"An asset: suspected, confirmed, contained (isolated), eradicated, restored, verified or not_affected. A credential: suspected, confirmed, revoked, rotated or verified_unused."`
	How  string `json:"how" maxLength:"4000" doc:"What was done (422, how, when empty)."`
	Task string `json:"task,omitempty" maxLength:"200" doc:"The key of the incident's response task that did it."`
}

// AssetPatchBody changes an incident's asset; fields left out keep their value.
type AssetPatchBody struct {
	Owner          *string `json:"owner,omitempty" maxLength:"200" doc:"The inventory's: seen from every incident."`
	Criticality    *string `json:"criticality,omitempty" enum:"low,medium,high,critical" doc:"The inventory's: seen from every incident."`
	Note           *string `json:"note,omitempty" maxLength:"4000"`
	Accepted       *bool   `json:"accepted,omitempty" doc:"The incident may recover with the asset unrestored; needs accepted_reason."`
	AcceptedReason string  `json:"accepted_reason,omitempty" maxLength:"4000"`
}

// CredentialBody adds a compromised credential.
type CredentialBody struct {
	Kind      string     `json:"kind" enum:"password,api_key,ssh_key,certificate,cloud_access_key,oauth_grant,service_account"`
	Name      string     `json:"name" minLength:"1" maxLength:"200" doc:"What it is — never the secret itself."`
	WhereUsed string     `json:"where_used,omitempty" maxLength:"4000"`
	Owner     string     `json:"owner,omitempty" maxLength:"200"`
	ExposedIn string     `json:"exposed_in,omitempty" maxLength:"4000" doc:"Where it was exposed."`
	ExposedAt *time.Time `json:"exposed_at,omitempty" doc:"When it was exposed."`
	State     string     `json:"state,omitempty" enum:"suspected,confirmed,revoked,rotated,verified_unused" doc:"Defaults to suspected."`
}

// FixBody is a fix: all its fields, to add one or to replace one's.
type FixBody struct {
	Vulnerability string     `json:"vulnerability" minLength:"1" maxLength:"4000" doc:"A CVE (CVE-2024-3094) or words."`
	Assets        []string   `json:"assets,omitempty" maxItems:"50" doc:"The incident's assets it fixes, as kind:identifier."`
	Kind          string     `json:"kind" enum:"patch,config,rule"`
	Description   string     `json:"description" minLength:"1" maxLength:"4000"`
	AppliedAt     *time.Time `json:"applied_at,omitempty"`
	AppliedBy     string     `json:"applied_by,omitempty" maxLength:"200"`
	VerifiedAt    *time.Time `json:"verified_at,omitempty" doc:"Needs applied_at and verified_how."`
	VerifiedHow   string     `json:"verified_how,omitempty" maxLength:"4000"`
}

func (b FixBody) input() assets.FixInput {
	return assets.FixInput{Vulnerability: b.Vulnerability, Assets: b.Assets, Kind: assets.FixKind(b.Kind), Description: b.Description,
		AppliedAt: b.AppliedAt, AppliedBy: b.AppliedBy, VerifiedAt: b.VerifiedAt, VerifiedHow: b.VerifiedHow}
}

// AssetKeyParams name an asset in a path.
type AssetKeyParams struct {
	Kind       string `path:"kind" maxLength:"32" doc:"The asset's kind."`
	Identifier string `path:"identifier" maxLength:"900" doc:"The asset's identifier, percent-encoded (a / as %2F)."`
}

// IncidentAssetsOutput is an incident's assets.
type IncidentAssetsOutput struct {
	Body struct {
		Ref   string                 `json:"ref"`
		Items []assets.IncidentAsset `json:"items"`
	}
}

// IncidentAssetOutput is one asset of an incident.
type IncidentAssetOutput struct{ Body assets.IncidentAsset }

// CredentialsOutput is an incident's credentials.
type CredentialsOutput struct {
	Body struct {
		Ref   string              `json:"ref"`
		Items []assets.Credential `json:"items"`
	}
}

// CredentialOutput is one credential.
type CredentialOutput struct{ Body assets.Credential }

// FixesOutput is an incident's fixes.
type FixesOutput struct {
	Body struct {
		Ref   string       `json:"ref"`
		Items []assets.Fix `json:"items"`
	}
}

// FixOutput is one fix.
type FixOutput struct{ Body assets.Fix }

// InventoryInput filters GET /assets.
type InventoryInput struct {
	Kind  string `query:"kind" enum:"host,service,account,database,repository,cloud_resource,device,network_segment,dataset,application"`
	Q     string `query:"q" maxLength:"300" doc:"Part of the identifier or owner."`
	Limit int    `query:"limit" minimum:"1" maximum:"500" default:"500"`
}

// InventoryOutput is the asset inventory.
type InventoryOutput struct {
	Body struct {
		Items []assets.Asset `json:"items"`
	}
}

// InventoryAssetOutput is an inventory asset with its incidents.
type InventoryAssetOutput struct{ Body assets.InventoryAsset }

func (s *Server) registerAssets(api huma.API) {
	if s.assets == nil {
		return
	}
	tags := []string{"Assets, credentials and fixes"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-incident-assets", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/assets", Tags: tags,
		Summary:     "List an incident's affected assets",
		Description: "In the order added, each with its state, the moves that brought it there (who, when, how), and the inventory's owner and criticality.",
	}), s.listIncidentAssets)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "add-incident-asset", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/assets", Tags: tags,
		Summary: "Add an affected asset", DefaultStatus: http.StatusCreated,
		Description: "An asset.added event. The asset joins the inventory (the same kind and identifier are the same asset across incidents); 409 when the incident has it already.",
	}), s.addIncidentAsset)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "update-incident-asset", Method: http.MethodPatch, Path: "/api/v1/incidents/{ref}/assets/{kind}/{identifier}", Tags: tags,
		Summary:     "Change an incident's asset",
		Description: "Owner, criticality (the inventory's), note, or accepting it unrestored with a reason — which lets the incident recover without it. An asset.updated event naming what changed; nothing when nothing did.",
	}), s.updateIncidentAsset)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "move-incident-asset", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/assets/{kind}/{identifier}/moves", Tags: tags,
		Summary: "Move an asset to another state", DefaultStatus: http.StatusOK,
		Description: "suspected → confirmed → contained → eradicated → restored → verified, or not_affected; any state may follow another (an asset reinfected goes back). An asset.moved event with how and optionally the task. Recovering the incident is refused while a confirmed, contained or eradicated asset is neither restored nor accepted (422, assets.<identifier>).",
	}), s.moveIncidentAsset)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-credentials", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/credentials", Tags: tags,
		Summary: "List an incident's compromised credentials", Description: "C1, C2… in the order added, with their moves.",
	}), s.listCredentials)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "add-credential", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/credentials", Tags: tags,
		Summary: "Add a compromised credential", DefaultStatus: http.StatusCreated,
		Description: "A credential.added event. Describe it; never paste the secret.",
	}), s.addCredential)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "move-credential", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/credentials/{cred}/moves", Tags: tags,
		Summary: "Move a credential to another state", DefaultStatus: http.StatusOK,
		Description: "suspected → confirmed → revoked → rotated → verified_unused. A credential.moved event. Eradicating the incident is refused while a confirmed credential is not revoked (422, credentials.<id>).",
	}), s.moveCredential)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-fixes", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/fixes", Tags: tags,
		Summary: "List an incident's fixes", Description: "F1, F2… in the order added.",
	}), s.listFixes)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "add-fix", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/fixes", Tags: tags,
		Summary: "Add a fix", DefaultStatus: http.StatusCreated,
		Description: "The vulnerability (a CVE or words), the incident's assets it fixes, the fix (patch, config or rule), when and by whom it was applied, when and how verified. A fix.added event.",
	}), s.addFix)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "update-fix", Method: http.MethodPut, Path: "/api/v1/incidents/{ref}/fixes/{fix}", Tags: tags,
		Summary:     "Replace a fix's fields",
		Description: "A fix.updated event naming the fields that changed; nothing when none did.",
	}), s.updateFix)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-assets", Method: http.MethodGet, Path: "/api/v1/assets", Tags: tags,
		Summary:     "List the asset inventory",
		Description: "Every asset any incident named, by kind and identifier; an asset only restricted incidents the caller may not see named is left out.",
	}), s.listAssets)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "import-assets", Method: http.MethodPost, Path: "/api/v1/assets/import", Tags: tags,
		Summary: "Import an inventory CSV", DefaultStatus: http.StatusOK, MaxBodyBytes: 8 << 20,
		Description: "A header naming the columns — kind and identifier, optionally owner and criticality, in any order — then an asset a line. New assets are added, known ones get the owner and criticality given (an empty cell keeps the stored value). All or nothing: every problem is named with its line (422, csv).",
	}), s.importAssets)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-asset", Method: http.MethodGet, Path: "/api/v1/assets/{kind}/{identifier}", Tags: tags,
		Summary:     "Read an inventory asset",
		Description: "Its owner and criticality and the incidents it was in, newest first, with its state in each — those the caller may see.",
	}), s.getAsset)
}

// listIncidentAssets serves GET /api/v1/incidents/{ref}/assets.
func (s *Server) listIncidentAssets(ctx context.Context, in *RefParam) (*IncidentAssetsOutput, error) {
	inc, r, err := s.assets.Records(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &IncidentAssetsOutput{}
	out.Body.Ref, out.Body.Items = inc.Ref, r.Assets
	return out, nil
}

type addIncidentAssetInput struct {
	RefParam
	Body AssetBody
}

// addIncidentAsset serves POST /api/v1/incidents/{ref}/assets.
func (s *Server) addIncidentAsset(ctx context.Context, in *addIncidentAssetInput) (*IncidentAssetOutput, error) {
	b := in.Body
	a, err := s.assets.AddAsset(ctx, viewer(ctx), in.Ref, assets.AssetInput{Kind: assets.Kind(b.Kind), Identifier: b.Identifier, Owner: b.Owner,
		Criticality: assets.Criticality(b.Criticality), State: assets.State(b.State), Note: b.Note})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &IncidentAssetOutput{Body: a}, nil
}

type updateIncidentAssetInput struct {
	RefParam
	AssetKeyParams
	Body AssetPatchBody
}

// updateIncidentAsset serves PATCH /api/v1/incidents/{ref}/assets/{kind}/{identifier}.
func (s *Server) updateIncidentAsset(ctx context.Context, in *updateIncidentAssetInput) (*IncidentAssetOutput, error) {
	b := in.Body
	u := assets.AssetUpdate{Owner: b.Owner, Note: b.Note, Accepted: b.Accepted, AcceptedReason: b.AcceptedReason}
	if b.Criticality != nil {
		c := assets.Criticality(*b.Criticality)
		u.Criticality = &c
	}
	a, err := s.assets.UpdateAsset(ctx, viewer(ctx), in.Ref, assets.Kind(in.Kind), in.Identifier, u)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &IncidentAssetOutput{Body: a}, nil
}

type moveIncidentAssetInput struct {
	RefParam
	AssetKeyParams
	Body MoveBody
}

// moveIncidentAsset serves POST /api/v1/incidents/{ref}/assets/{kind}/{identifier}/moves.
func (s *Server) moveIncidentAsset(ctx context.Context, in *moveIncidentAssetInput) (*IncidentAssetOutput, error) {
	a, err := s.assets.MoveAsset(ctx, viewer(ctx), in.Ref, assets.Kind(in.Kind), in.Identifier, assets.MoveInput(in.Body))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &IncidentAssetOutput{Body: a}, nil
}

// listCredentials serves GET /api/v1/incidents/{ref}/credentials.
func (s *Server) listCredentials(ctx context.Context, in *RefParam) (*CredentialsOutput, error) {
	inc, r, err := s.assets.Records(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &CredentialsOutput{}
	out.Body.Ref, out.Body.Items = inc.Ref, r.Credentials
	return out, nil
}

type addCredentialInput struct {
	RefParam
	Body CredentialBody
}

// addCredential serves POST /api/v1/incidents/{ref}/credentials.
func (s *Server) addCredential(ctx context.Context, in *addCredentialInput) (*CredentialOutput, error) {
	b := in.Body
	c, err := s.assets.AddCredential(ctx, viewer(ctx), in.Ref, assets.CredentialInput{Kind: assets.CredKind(b.Kind), Name: b.Name, WhereUsed: b.WhereUsed,
		Owner: b.Owner, ExposedIn: b.ExposedIn, ExposedAt: b.ExposedAt, State: assets.CredState(b.State)})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &CredentialOutput{Body: c}, nil
}

type moveCredentialInput struct {
	RefParam
	Cred string `path:"cred" maxLength:"16" doc:"The credential's id: C1, C2…"`
	Body MoveBody
}

// moveCredential serves POST /api/v1/incidents/{ref}/credentials/{cred}/moves.
func (s *Server) moveCredential(ctx context.Context, in *moveCredentialInput) (*CredentialOutput, error) {
	c, err := s.assets.MoveCredential(ctx, viewer(ctx), in.Ref, in.Cred, assets.MoveInput(in.Body))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &CredentialOutput{Body: c}, nil
}

// listFixes serves GET /api/v1/incidents/{ref}/fixes.
func (s *Server) listFixes(ctx context.Context, in *RefParam) (*FixesOutput, error) {
	inc, r, err := s.assets.Records(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &FixesOutput{}
	out.Body.Ref, out.Body.Items = inc.Ref, r.Fixes
	return out, nil
}

type addFixInput struct {
	RefParam
	Body FixBody
}

// addFix serves POST /api/v1/incidents/{ref}/fixes.
func (s *Server) addFix(ctx context.Context, in *addFixInput) (*FixOutput, error) {
	f, err := s.assets.AddFix(ctx, viewer(ctx), in.Ref, in.Body.input())
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &FixOutput{Body: f}, nil
}

type updateFixInput struct {
	RefParam
	Fix  string `path:"fix" maxLength:"16" doc:"The fix's id: F1, F2…"`
	Body FixBody
}

// updateFix serves PUT /api/v1/incidents/{ref}/fixes/{fix}.
func (s *Server) updateFix(ctx context.Context, in *updateFixInput) (*FixOutput, error) {
	f, err := s.assets.UpdateFix(ctx, viewer(ctx), in.Ref, in.Fix, in.Body.input())
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &FixOutput{Body: f}, nil
}

// listAssets serves GET /api/v1/assets.
func (s *Server) listAssets(ctx context.Context, in *InventoryInput) (*InventoryOutput, error) {
	as, err := s.assets.Inventory(ctx, assets.InventoryFilter{Viewer: viewer(ctx), Kind: assets.Kind(in.Kind), Text: in.Q, Limit: in.Limit})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &InventoryOutput{}
	out.Body.Items = as
	return out, nil
}

type getAssetInput struct {
	AssetKeyParams
}

// getAsset serves GET /api/v1/assets/{kind}/{identifier}.
func (s *Server) getAsset(ctx context.Context, in *getAssetInput) (*InventoryAssetOutput, error) {
	a, err := s.assets.InventoryAsset(ctx, viewer(ctx), assets.Kind(in.Kind), in.Identifier)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &InventoryAssetOutput{Body: a}, nil
}

type importAssetsInput struct {
	RawBody []byte `contentType:"text/csv"`
}

// AssetImportOutput says how many assets an import took.
type AssetImportOutput struct {
	Body struct {
		Imported int `json:"imported"`
	}
}

// importAssets serves POST /api/v1/assets/import.
func (s *Server) importAssets(ctx context.Context, in *importAssetsInput) (*AssetImportOutput, error) {
	n, err := s.assets.ImportInventory(ctx, bytes.NewReader(in.RawBody))
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &AssetImportOutput{}
	out.Body.Imported = n
	return out, nil
}
