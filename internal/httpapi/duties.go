package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Notification duties: the organisation profile, an incident's facts, its
// dated duties, submissions and waivers, and planning without an incident.

// ProfileOutput is the organisation profile.
type ProfileOutput struct {
	Body struct {
		duties.Profile
		UpdatedBy string     `json:"updated_by,omitempty"`
		UpdatedAt *time.Time `json:"updated_at,omitempty"`
	}
}

func profileOut(st duties.ProfileState) *ProfileOutput {
	o := &ProfileOutput{}
	o.Body.Profile, o.Body.UpdatedBy, o.Body.UpdatedAt = st.Profile, st.UpdatedBy, st.UpdatedAt
	if o.Body.Reminders == nil {
		r := duties.DefaultReminders()
		o.Body.Reminders = &r
	}
	return o
}

// FactsOutput is an incident's facts with their version as an ETag.
type FactsOutput struct {
	ETag string `header:"ETag"`
	Body FactsView
}

// FactsView is an incident's facts as the API shows them.
type FactsView struct {
	Ref       string     `json:"ref"`
	Version   int64      `json:"version" doc:"0 until facts are first set; send it as If-Match to change them only if nobody else did."`
	UpdatedBy string     `json:"updated_by,omitempty"`
	UpdatedAt *time.Time `json:"updated_at,omitempty"`
	duties.FactsInput
}

func factsOut(ref string, st duties.FactsState) *FactsOutput {
	v := FactsView{Ref: ref, Version: st.Version, UpdatedBy: st.UpdatedBy, UpdatedAt: st.UpdatedAt, FactsInput: duties.InputOf(st.Facts)}
	if v.Anchors == nil {
		v.Anchors = map[string]string{}
	}
	if v.DataTypes == nil {
		v.DataTypes = []string{}
	}
	return &FactsOutput{ETag: etag(st.Version), Body: v}
}

// ObligationsOutput is a list of dated duties, earliest first.
type ObligationsOutput struct {
	Body struct {
		Ref   string       `json:"ref,omitempty"`
		Now   time.Time    `json:"now" doc:"The instant the statuses were worked out at."`
		Items []Obligation `json:"items"`
		// Warnings are about input that is valid but probably not meant.
		Warnings []Warning `json:"warnings,omitempty" doc:"Input that is valid but probably not meant, such as CA (Canada) where US-CA was likely meant."`
	}
}

// Warning names a field and what may be wrong with it.
type Warning struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// VocabularyOutput is the catalog's vocabulary.
type VocabularyOutput struct {
	Body comms.Vocabulary
}

// Obligation is one phase of one duty, dated (comms.Item; named apart
// from alert items in the OpenAPI document).
type Obligation struct {
	comms.Item
}

// ObligationParams name one phase of one duty of an incident.
type ObligationParams struct {
	RefParam
	ID    string `path:"id" maxLength:"200" doc:"The obligation ID, such as eu-gdpr-art33-supervisory-authority."`
	Phase string `path:"phase" maxLength:"200" doc:"The phase, such as initial_notification."`
}

// WaiveBody says why a duty is not met.
type WaiveBody struct {
	Reason string `json:"reason" maxLength:"2000" doc:"Why the duty is not met, such as \"unlikely to result in a risk (GDPR Art. 33(1))\"."`
}

// SubmitBody records a phase met by hand, without a notice.
type SubmitBody struct {
	At        *time.Time `json:"at,omitempty" doc:"When it was submitted; now when left out."`
	Recipient string     `json:"recipient,omitempty" maxLength:"500"`
	Channel   string     `json:"channel,omitempty" maxLength:"100" doc:"regulator_portal, email, letter, phone, other."`
	Reference string     `json:"reference,omitempty" maxLength:"500" doc:"The recipient's reference number, if any."`
	NoticeID  string     `json:"notice_id,omitempty" maxLength:"200" doc:"The notice that met it, when one was recorded."`
}

// EvaluateBody is facts, and optionally a profile, to plan with.
type EvaluateBody struct {
	Organization *duties.Profile   `json:"organization,omitempty" doc:"The profile to match; the stored one when left out."`
	Facts        duties.FactsInput `json:"facts"`
}

// obligationsOut lists an incident's duties (all of them when ref is empty) as of now.
func obligationsOut(ref string, its []comms.Item, now time.Time) *ObligationsOutput {
	o := &ObligationsOutput{}
	o.Body.Ref, o.Body.Now, o.Body.Items = ref, now.UTC(), make([]Obligation, len(its))
	for i, it := range its {
		o.Body.Items[i] = Obligation{it}
	}
	return o
}

func (s *Server) registerDuties(api huma.API) {
	if s.duties == nil {
		return
	}
	tags := []string{"Notification duties"}

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-organization", Method: http.MethodGet, Path: "/api/v1/organization", Tags: tags,
		Summary: "Read the organisation profile", Description: "Roles, entity types, sectors, countries, holiday calendars, internal targets and reminder moments that obligations are matched against.",
	}), s.getOrganization)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "put-organization", Method: http.MethodPut, Path: "/api/v1/organization", Tags: tags,
		Summary: "Replace the organisation profile", Description: "Every incident's reminders are planned again.",
	}), s.putOrganization)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-facts", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/facts", Tags: tags,
		Summary: "Read an incident's facts", Description: "What obligations depend on: clock anchors, personal data, data types, people affected.",
	}), s.getFacts)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "put-facts", Method: http.MethodPut, Path: "/api/v1/incidents/{ref}/facts", Tags: tags,
		Summary: "Replace an incident's facts",
		Description: "Answers 422 naming each bad field (anchors.foo for an unknown anchor or a time that is not RFC 3339, affected_individuals for a negative count) and stores nothing. " +
			"If-Match takes the facts' version. The change is an event on the timeline and plans the reminders again.",
	}), s.putFacts)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-obligations", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/obligations", Tags: tags,
		Summary: "List an incident's notification duties",
		Description: "Every phase of every obligation that applies, earliest due first: recipient, due_at (RFC 3339 UTC, null when there is no due instant yet), deadline_kind, " +
			"status (pending, due_soon, overdue, submitted, waived), basis, and whether the duty is verified and in force.",
	}), s.listObligations)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "waive-obligation", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/obligations/{id}/{phase}/waive", Tags: tags,
		Summary: "Waive a duty with a reason", DefaultStatus: http.StatusOK,
		Description: "Answers 422 without a reason or for a phase that does not apply, 409 when the phase was already submitted or waived. Returns the duties.",
	}), s.waiveObligation)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "submit-obligation", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/obligations/{id}/{phase}/submit", Tags: tags,
		Summary: "Record a duty as submitted", DefaultStatus: http.StatusOK,
		Description: "Records that the phase was met (by hand: a portal, a letter, a call), which anchors the phases that follow it. " +
			"Answers 422 for a phase that does not apply or a time in the future, 409 when it was already recorded. Returns the duties.",
	}), s.submitObligation)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "evaluate-obligations", Method: http.MethodPost, Path: "/api/v1/obligations/evaluate", Tags: tags,
		Summary: "Work out the duties that facts would bring", DefaultStatus: http.StatusOK,
		Description: "For planning and tabletop exercises: the same list as an incident's, without an incident. Nothing is stored. " +
			"Anchors in the future need facts.allow_future. warnings name input that is valid but probably not meant.",
	}), s.evaluateObligations)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-obligation-vocabulary", Method: http.MethodGet, Path: "/api/v1/obligations/vocabulary", Tags: tags,
		Summary: "List the words profiles and facts may use",
		Description: "The catalog's roles, entity types and sectors (which match one another), data types, clock anchors, jurisdictions and holiday calendars (with their time zones). " +
			"A profile or facts using a word outside it are refused with 422, naming the field and suggesting the word probably meant.",
	}), s.getObligationVocabulary)
}

// getOrganization serves GET /api/v1/organization: read the organisation profile.
func (s *Server) getOrganization(ctx context.Context, _ *struct{}) (*ProfileOutput, error) {
	st, err := s.duties.Profile(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return profileOut(st), nil
}

// putOrganizationInput is what put-organization takes.
type putOrganizationInput struct{ Body duties.Profile }

// putOrganization serves PUT /api/v1/organization: replace the organisation profile.
func (s *Server) putOrganization(ctx context.Context, in *putOrganizationInput) (*ProfileOutput, error) {
	st, err := s.duties.PutProfile(ctx, viewer(ctx).User, in.Body)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return profileOut(st), nil
}

// getFacts serves GET /api/v1/incidents/{ref}/facts: read an incident's facts.
func (s *Server) getFacts(ctx context.Context, in *RefParam) (*FactsOutput, error) {
	inc, st, err := s.duties.FactsState(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return factsOut(inc.Ref, st), nil
}

// putFactsInput is what put-facts takes.
type putFactsInput struct {
	RefParam
	IfMatch
	Body duties.FactsInput
}

// putFacts serves PUT /api/v1/incidents/{ref}/facts: replace an incident's facts.
func (s *Server) putFacts(ctx context.Context, in *putFactsInput) (*FactsOutput, error) {
	v, err := in.IfMatch.version()
	if err != nil {
		return nil, s.problem(ctx, errs.E(errs.Invalid, "If-Match", "must be a facts version such as \"3\""))
	}
	st, err := s.duties.PutFacts(ctx, viewer(ctx), in.Ref, in.Body, v)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.Get(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return factsOut(inc.Ref, st), nil
}

// listObligations serves GET /api/v1/incidents/{ref}/obligations: list an incident's notification duties.
func (s *Server) listObligations(ctx context.Context, in *RefParam) (*ObligationsOutput, error) {
	inc, err := s.incidents.Get(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	its, err := s.duties.Items(ctx, viewer(ctx), inc.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return obligationsOut(inc.Ref, its, s.duties.Now()), nil
}

// waiveObligationInput is what waive-obligation takes.
type waiveObligationInput struct {
	ObligationParams
	Body WaiveBody
}

// waiveObligation serves POST /api/v1/incidents/{ref}/obligations/{id}/{phase}/waive: waive a duty with a reason.
func (s *Server) waiveObligation(ctx context.Context, in *waiveObligationInput) (*ObligationsOutput, error) {
	if err := s.duties.Waive(ctx, viewer(ctx), in.Ref, in.ID, in.Phase, in.Body.Reason); err != nil {
		return nil, s.problem(ctx, err)
	}
	its, err := s.duties.Items(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return obligationsOut(in.Ref, its, s.duties.Now()), nil
}

// submitObligationInput is what submit-obligation takes.
type submitObligationInput struct {
	ObligationParams
	Body SubmitBody
}

// submitObligation serves POST /api/v1/incidents/{ref}/obligations/{id}/{phase}/submit: record a duty as submitted.
func (s *Server) submitObligation(ctx context.Context, in *submitObligationInput) (*ObligationsOutput, error) {
	b := in.Body
	sub := duties.Submission{ObligationID: in.ID, Phase: in.Phase, Recipient: b.Recipient, Channel: b.Channel, Reference: b.Reference, NoticeID: b.NoticeID}
	if b.At != nil {
		sub.At = *b.At
	}
	if err := s.duties.Submit(ctx, viewer(ctx), in.Ref, sub); err != nil {
		return nil, s.problem(ctx, err)
	}
	its, err := s.duties.Items(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return obligationsOut(in.Ref, its, s.duties.Now()), nil
}

// evaluateObligationsInput is what evaluate-obligations takes.
type evaluateObligationsInput struct{ Body EvaluateBody }

// evaluateObligations serves POST /api/v1/obligations/evaluate: work out the duties that facts would bring.
func (s *Server) evaluateObligations(ctx context.Context, in *evaluateObligationsInput) (*ObligationsOutput, error) {
	its, hints, err := s.duties.Plan(ctx, in.Body.Organization, in.Body.Facts)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	o := obligationsOut("", its, s.duties.Now())
	for _, h := range hints {
		o.Body.Warnings = append(o.Body.Warnings, Warning{Field: h.Field, Message: h.Message})
	}
	return o, nil
}

// getObligationVocabulary serves GET /api/v1/obligations/vocabulary: list the words profiles and facts may use.
func (s *Server) getObligationVocabulary(ctx context.Context, _ *struct{}) (*VocabularyOutput, error) {
	return &VocabularyOutput{Body: s.duties.Vocabulary()}, nil
}
