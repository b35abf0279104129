package web

import (
	"net/http"
	"net/url"
	"strings"
	"time"

	assetrec "github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/auth"
)

// The Assets section of an incident (/incidents/{ref}/assets): its
// affected assets with a button per state, its compromised credentials and
// its fixes; and the inventory across incidents (/assets). Forms post and
// come back with a flash, or show the section again with the problem.

const secAssets = "assets"

// assetsPanel is the Assets section's content.
type assetsPanel struct {
	Ref        string
	CanAct     bool
	Records    assetrec.Records
	Kinds      []assetrec.Kind
	States     []assetrec.State
	Crits      []assetrec.Criticality
	CredKinds  []assetrec.CredKind
	CredStates []assetrec.CredState
	FixKinds   []assetrec.FixKind
	Form       map[string]string // what was typed, when a form failed
	Errs       map[string]string // its problems by field
	FailedForm string            // which form failed: asset, credential, fix
	Links      *recordLinks      // each record's timeline lines
}

func (s *Server) registerAssets(page func(string, http.HandlerFunc, auth.Role)) {
	if s.assets == nil {
		return
	}
	page("GET /incidents/{ref}/assets", s.incidentAssetsPage, auth.Viewer)
	page("POST /incidents/{ref}/assets", s.addAsset, auth.Responder)
	page("POST /incidents/{ref}/assets/move", s.moveAsset, auth.Responder)
	page("POST /incidents/{ref}/assets/accept", s.acceptAsset, auth.Responder)
	page("POST /incidents/{ref}/credentials", s.addCredential, auth.Responder)
	page("POST /incidents/{ref}/credentials/{id}/move", s.moveCredential, auth.Responder)
	page("POST /incidents/{ref}/fixes", s.addFix, auth.Responder)
	page("POST /incidents/{ref}/fixes/{id}", s.updateFix, auth.Responder)
	page("GET /assets", s.inventoryPage, auth.Viewer)
	page("GET /assets/{kind}/{identifier}", s.inventoryAssetPage, auth.Viewer)
}

func (s *Server) incidentAssetsPage(w http.ResponseWriter, r *http.Request) {
	s.showAssets(w, r, http.StatusOK, nil, "", nil)
}

// showAssets renders the Assets section; err, form and values say what
// failed and what was typed.
func (s *Server) showAssets(w http.ResponseWriter, r *http.Request, status int, err error, form string, values map[string]string) {
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	d.setSection(secAssets)
	_, rec, lerr := s.assets.Records(r.Context(), viewerOf(userFrom(r)), d.Inc.Ref)
	if lerr != nil {
		s.fail(w, r, lerr)
		return
	}
	p := &assetsPanel{Ref: d.Inc.Ref, CanAct: d.CanAct, Records: rec, Kinds: assetrec.Kinds, States: assetrec.States, Crits: assetrec.Criticalities,
		CredKinds: assetrec.CredKinds, CredStates: assetrec.CredStates, FixKinds: assetrec.FixKinds, Form: values, FailedForm: form, Links: d.Links}
	if err != nil {
		p.Errs = fieldErrs(err)
		d.Error = "Not saved: " + message(err)
		if status == http.StatusConflict {
			d.Stale = "/incidents/" + url.PathEscape(d.Inc.Ref) + "/assets"
		}
	}
	d.AssetsPanel = p
	s.render(w, r, status, "incident", d)
}

// assetsDone redirects to the Assets section with a flash and an anchor.
func assetsDone(w http.ResponseWriter, r *http.Request, c flashCode, anchor string) {
	http.Redirect(w, r, withFlash("/incidents/"+url.PathEscape(r.PathValue("ref"))+"/assets", c)+"#"+anchor, http.StatusSeeOther)
}

// assetsFailed shows the section again with what went wrong.
func (s *Server) assetsFailed(w http.ResponseWriter, r *http.Request, err error, form string, keys ...string) {
	status := codeOf(err)
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	values := map[string]string{}
	for _, k := range keys {
		values[k] = r.PostFormValue(k)
	}
	s.showAssets(w, r, status, err, form, values)
}

func (s *Server) addAsset(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := r.PostFormValue
	_, err := s.assets.AddAsset(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), assetrec.AssetInput{Kind: assetrec.Kind(f("kind")),
		Identifier: f("identifier"), Owner: f("owner"), Criticality: assetrec.Criticality(f("criticality")), State: assetrec.State(f("state")), Note: f("note")})
	if err != nil {
		s.assetsFailed(w, r, err, "asset", "kind", "identifier", "owner", "criticality", "state", "note")
		return
	}
	assetsDone(w, r, flashAssetAdded, "assets")
}

func (s *Server) moveAsset(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := r.PostFormValue
	_, err := s.assets.MoveAsset(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), assetrec.Kind(f("kind")), f("identifier"),
		assetrec.MoveInput{To: f("to"), How: f("how"), Task: f("task")})
	if err != nil {
		s.assetsFailed(w, r, err, "move:"+f("kind")+":"+f("identifier"), "how", "task")
		return
	}
	assetsDone(w, r, flashAssetMoved, "assets")
}

func (s *Server) acceptAsset(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := r.PostFormValue
	yes := f("accepted") != "no"
	_, err := s.assets.UpdateAsset(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), assetrec.Kind(f("kind")), f("identifier"),
		assetrec.AssetUpdate{Accepted: &yes, AcceptedReason: f("accepted_reason")})
	if err != nil {
		s.assetsFailed(w, r, err, "accept:"+f("kind")+":"+f("identifier"), "accepted_reason")
		return
	}
	assetsDone(w, r, flashAssetAccepted, "assets")
}

func (s *Server) addCredential(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := r.PostFormValue
	in := assetrec.CredentialInput{Kind: assetrec.CredKind(f("kind")), Name: f("name"), WhereUsed: f("where_used"), Owner: f("owner"),
		ExposedIn: f("exposed_in"), State: assetrec.CredState(f("state"))}
	keys := []string{"kind", "name", "where_used", "owner", "exposed_in", "exposed_at", "state"}
	at, err := parseLocalTime(f("exposed_at"), f("tz_offset"))
	if err != nil {
		s.assetsFailed(w, r, invalid("exposed_at", "%s", err.Error()), "credential", keys...)
		return
	}
	in.ExposedAt = at
	if _, err := s.assets.AddCredential(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), in); err != nil {
		s.assetsFailed(w, r, err, "credential", keys...)
		return
	}
	assetsDone(w, r, flashCredentialAdded, "credentials")
}

func (s *Server) moveCredential(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := r.PostFormValue
	_, err := s.assets.MoveCredential(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"),
		assetrec.MoveInput{To: f("to"), How: f("how"), Task: f("task")})
	if err != nil {
		s.assetsFailed(w, r, err, "cred:"+r.PathValue("id"), "how", "task")
		return
	}
	assetsDone(w, r, flashCredentialMoved, "credentials")
}

var fixKeys = []string{"vulnerability", "kind", "description", "assets", "applied_at", "applied_by", "verified_at", "verified_how"}

// fixInput reads a fix form; the assets are one kind:identifier a line.
func fixInput(r *http.Request) (assetrec.FixInput, error) {
	f := r.PostFormValue
	in := assetrec.FixInput{Vulnerability: f("vulnerability"), Kind: assetrec.FixKind(f("kind")), Description: f("description"),
		AppliedBy: f("applied_by"), VerifiedHow: f("verified_how")}
	for _, line := range strings.Split(f("assets"), "\n") {
		if line = strings.TrimSpace(line); line != "" {
			in.Assets = append(in.Assets, line)
		}
	}
	var err error
	if in.AppliedAt, err = parseLocalTime(f("applied_at"), f("tz_offset")); err != nil {
		return in, invalid("applied_at", "%s", err.Error())
	}
	if in.VerifiedAt, err = parseLocalTime(f("verified_at"), f("tz_offset")); err != nil {
		return in, invalid("verified_at", "%s", err.Error())
	}
	return in, nil
}

func (s *Server) addFix(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	in, err := fixInput(r)
	if err == nil {
		_, err = s.assets.AddFix(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), in)
	}
	if err != nil {
		s.assetsFailed(w, r, err, "fix", fixKeys...)
		return
	}
	assetsDone(w, r, flashFixAdded, "fixes")
}

func (s *Server) updateFix(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	in, err := fixInput(r)
	if err == nil {
		_, err = s.assets.UpdateFix(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), in)
	}
	if err != nil {
		s.assetsFailed(w, r, err, "fix:"+r.PathValue("id"), fixKeys...)
		return
	}
	assetsDone(w, r, flashFixUpdated, "fixes")
}

// inventoryData is the /assets page: the inventory, or one asset.
type inventoryData struct {
	base
	Kinds []assetrec.Kind
	Kind  string
	Q     string
	Items []assetrec.Asset
	Asset *assetrec.InventoryAsset
}

func (s *Server) inventoryPage(w http.ResponseWriter, r *http.Request) {
	d := inventoryData{base: s.base(r, "Assets", "assets"), Kinds: assetrec.Kinds, Kind: r.URL.Query().Get("kind"), Q: r.URL.Query().Get("q")}
	items, err := s.assets.Inventory(r.Context(), assetrec.InventoryFilter{Viewer: viewerOf(userFrom(r)), Kind: assetrec.Kind(d.Kind), Text: d.Q})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Items = items
	s.render(w, r, http.StatusOK, "assets", d)
}

func (s *Server) inventoryAssetPage(w http.ResponseWriter, r *http.Request) {
	a, err := s.assets.InventoryAsset(r.Context(), viewerOf(userFrom(r)), assetrec.Kind(r.PathValue("kind")), r.PathValue("identifier"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := inventoryData{base: s.base(r, string(a.Kind)+" "+a.Identifier+" · Assets", "assets"), Asset: &a}
	s.render(w, r, http.StatusOK, "assets", d)
}

// lastMove is a record's latest move; a record always has its first.
func lastMove(ms []assetrec.Move) *assetrec.Move {
	if len(ms) == 0 {
		return nil
	}
	return &ms[len(ms)-1]
}

// fixFields fill a fix form: a fix's values, or what was typed when that
// form failed.
type fixFields struct {
	ID    string
	V     map[string]string
	E     map[string]string
	Kinds []assetrec.FixKind
}

// fixForm is the form of f, or of a new fix when f is nil.
func fixForm(p *assetsPanel, f *assetrec.Fix) fixFields {
	out := fixFields{ID: "new", Kinds: p.FixKinds, V: map[string]string{}, E: map[string]string{}}
	form := "fix"
	if f != nil {
		out.ID, form = f.ID, "fix:"+f.ID
		local := func(t *time.Time) string {
			if t == nil {
				return ""
			}
			return t.UTC().Format("2006-01-02T15:04")
		}
		out.V = map[string]string{"vulnerability": f.Vulnerability, "kind": string(f.Kind), "description": f.Description,
			"assets": strings.Join(f.Assets, "\n"), "applied_at": local(f.AppliedAt), "applied_by": f.AppliedBy,
			"verified_at": local(f.VerifiedAt), "verified_how": f.VerifiedHow}
	}
	if p.FailedForm == form {
		out.V, out.E = p.Form, p.Errs
	}
	return out
}
