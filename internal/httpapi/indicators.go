package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// Indicators of compromise kept beside an incident: list, add one or a
// pasted text's worth, change, and find a value across incidents.

// IndicatorView is an indicator with the other incidents that hold it.
type IndicatorView struct {
	indicators.Indicator
	SeenBefore []indicators.Sighting `json:"seen_before" doc:"Other incidents you may see that hold the same type and value, newest first."`
}

// IndicatorsOutput lists an incident's indicators.
type IndicatorsOutput struct {
	Body struct {
		Ref   string          `json:"ref"`
		Items []IndicatorView `json:"items"`
	}
}

// IndicatorOutput is one indicator.
type IndicatorOutput struct {
	Body IndicatorView
}

// AddIndicatorsBody adds one indicator (type and value) or every
// indicator found in text.
type AddIndicatorsBody struct {
	Type       indicators.Type  `json:"type,omitempty" doc:"ipv4, ipv6, cidr, domain, url, email, sha256, sha1, md5, file_name, file_path, registry_key, user_agent, account, process, mutex or cve."`
	Value      string           `json:"value,omitempty" maxLength:"4096"`
	TLP        indicators.TLP   `json:"tlp,omitempty" doc:"clear, green, amber (the default), amber+strict or red; TLP:AMBER and white are read too."`
	State      indicators.State `json:"state,omitempty" doc:"active (the default), blocked, false_positive or expired."`
	Source     string           `json:"source,omitempty" maxLength:"200"`
	Confidence *int             `json:"confidence,omitempty" doc:"0–100; 50 when left out."`
	Notes      string           `json:"notes,omitempty" maxLength:"4000"`
	FirstSeen  *time.Time       `json:"first_seen,omitempty"`
	LastSeen   *time.Time       `json:"last_seen,omitempty"`
	Text       string           `json:"text,omitempty" maxLength:"1048576" doc:"A report, an e-mail or a SIEM export to find indicators in, defanged or not (hxxp, [.], [@]); type and value are then left out, and tlp, state, source and confidence apply to each found."`
	Preview    bool             `json:"preview,omitempty" doc:"With text: only return the candidates found, saving nothing."`
}

// AddIndicatorsOutput says what was added.
type AddIndicatorsOutput struct {
	Status int
	Body   AddIndicatorsResult
}

// AddIndicatorsResult says what an add did.
type AddIndicatorsResult struct {
	Ref        string                 `json:"ref"`
	Added      []indicators.Indicator `json:"added"`
	Existing   []indicators.Indicator `json:"existing" doc:"Indicators found that the incident already held; left as they were."`
	Candidates []indicators.Candidate `json:"candidates,omitempty" doc:"With preview: the indicators found, typed and normalised, none saved."`
}

// addIndicatorsInput is what add-indicators takes.
type addIndicatorsInput struct {
	RefParam
	Body AddIndicatorsBody
}

// IndicatorParams name one indicator of an incident.
type IndicatorParams struct {
	RefParam
	ID string `path:"id" maxLength:"200" doc:"The indicator's ID."`
}

// patchIndicatorInput is what update-indicator takes.
type patchIndicatorInput struct {
	IndicatorParams
	Body indicators.Patch
}

// lookupInput is what lookup-indicator takes.
type lookupInput struct {
	Value string `query:"value" maxLength:"4096" doc:"A value as written anywhere, defanged or not: 198.51.100.7, evil[.]example, a hash."`
}

// LookupOutput lists the incidents holding a value.
type LookupOutput struct {
	Body LookupResult
}

// LookupResult is what a lookup found.
type LookupResult struct {
	Value     string                 `json:"value"`
	ReadAs    []indicators.Candidate `json:"read_as" doc:"Each type the value is valid as, with its normal form."`
	Sightings []indicators.Sighting  `json:"sightings" doc:"The indicators of incidents you may see with one of those, newest first."`
}

func (s *Server) registerIndicators(api huma.API) {
	if s.indicators == nil {
		return
	}
	tags := []string{"Indicators"}

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-indicators", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/indicators", Tags: tags,
		Summary:     "List an incident's indicators of compromise",
		Description: "Oldest first, each with type, normalised value, TLP 2.0 marking, state, source, confidence and the other incidents you may see that hold it (seen_before).",
	}), s.listIndicators)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "add-indicators", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/indicators", Tags: tags,
		Summary: "Add an indicator, or those found in pasted text", DefaultStatus: http.StatusCreated, MaxBodyBytes: 2*indicators.MaxPaste + 64<<10,
		Description: "Either type and value (refanged and normalised: evil[.]example is stored as evil.example; 409 when the incident already holds it), " +
			"or text: every indicator found is added in one event, duplicates folded and ones already held listed in existing. " +
			"With preview, the candidates found are returned (200) and nothing is saved. 422 names the bad field (indicators[3].value in a bulk add).",
	}), s.addIndicators)
	alsoAnswers(api, http.MethodPost, "/api/v1/incidents/{ref}/indicators", http.StatusOK, "A preview: the candidates found, nothing saved.")

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "update-indicator", Method: http.MethodPatch, Path: "/api/v1/incidents/{ref}/indicators/{id}", Tags: tags,
		Summary:     "Change an indicator",
		Description: "State (active, blocked, false_positive, expired), TLP (clear, green, amber, amber+strict, red), source, confidence (0–100), notes, first_seen, last_seen; fields left out stay. The change is an event on the timeline.",
	}), s.updateIndicator)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "export-indicators", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/indicators/export", Tags: tags,
		Summary: "Export an incident's indicators as STIX 2.1 or CSV",
		Description: "format=stix (the default): a STIX 2.1 bundle with an indicator per indicator (pattern_type stix, such as [ipv4-addr:value = '198.51.100.1'], " +
			"its ID a UUIDv5 of type and value, so stable), a vulnerability per CVE, and the TLP 2.0 marking-definitions they reference. format=csv: one row per indicator.",
		Responses: fileAnswer("The bundle, or the CSV.", map[string]*huma.Schema{
			"application/stix+json": {Type: huma.TypeObject, Description: "A STIX 2.1 bundle (version=2.1)."}, "text/csv": text}),
	}), s.exportIndicators)

	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "import-indicators", Method: http.MethodPost, Path: "/api/v1/incidents/{ref}/indicators/import", Tags: tags,
		Summary: "Import indicators from a STIX 2.1 bundle", DefaultStatus: http.StatusCreated, MaxBodyBytes: indicators.MaxBundle,
		Description: "The body is the bundle. Indicators whose patterns are comparisons with = joined by OR are added (one per comparison), and vulnerabilities named by a CVE; " +
			"TLP 2.0 and TLP 1.0 markings are read. Others are counted in skipped. One event; ones the incident holds are left as they are.",
	}), s.importIndicators)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "lookup-indicator", Method: http.MethodGet, Path: "/api/v1/indicators/lookup", Tags: tags,
		Summary:     "Find a value across incidents",
		Description: "The value is read as every type it is valid as (defanged or not), and the incidents you may see that hold one of those are listed. 422 when it is valid as no type.",
	}), s.lookupIndicator)
}

// listIndicators serves GET /api/v1/incidents/{ref}/indicators.
func (s *Server) listIndicators(ctx context.Context, in *RefParam) (*IndicatorsOutput, error) {
	v := viewer(ctx)
	inc, list, err := s.indicators.List(ctx, v, in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	seen, err := s.indicators.SeenBefore(ctx, v, inc, list)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	o := &IndicatorsOutput{}
	o.Body.Ref, o.Body.Items = inc.Ref, make([]IndicatorView, len(list))
	for i, ind := range list {
		o.Body.Items[i] = indicatorView(ind, seen[ind.Key()])
	}
	return o, nil
}

func indicatorView(ind indicators.Indicator, seen []indicators.Sighting) IndicatorView {
	if seen == nil {
		seen = []indicators.Sighting{}
	}
	return IndicatorView{Indicator: ind, SeenBefore: seen}
}

// addIndicators serves POST /api/v1/incidents/{ref}/indicators.
func (s *Server) addIndicators(ctx context.Context, in *addIndicatorsInput) (*AddIndicatorsOutput, error) {
	v, b := viewer(ctx), in.Body
	x := indicators.Input{Type: b.Type, Value: b.Value, TLP: b.TLP, State: b.State, Source: b.Source, Confidence: b.Confidence,
		Notes: b.Notes, FirstSeen: b.FirstSeen, LastSeen: b.LastSeen}
	o := &AddIndicatorsOutput{Status: http.StatusCreated}
	o.Body.Ref, o.Body.Added, o.Body.Existing = in.Ref, []indicators.Indicator{}, []indicators.Indicator{}
	if b.Text == "" {
		if b.Preview {
			return nil, s.problem(ctx, errs.E(errs.Invalid, "text", "a preview needs text to find indicators in"))
		}
		ind, err := s.indicators.Add(ctx, v, in.Ref, x)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		o.Body.Added = []indicators.Indicator{ind}
		return o, nil
	}
	if b.Type != "" || b.Value != "" {
		return nil, s.problem(ctx, errs.E(errs.Invalid, "text", "send either type and value, or text"))
	}
	if b.Preview {
		// The incident is looked up first, so a preview of one you may
		// not see is refused as any other request about it.
		if _, err := s.incidents.Get(ctx, v, in.Ref); err != nil {
			return nil, s.problem(ctx, err)
		}
		c, err := indicators.Preview(b.Text)
		if err != nil {
			return nil, s.problem(ctx, err)
		}
		o.Status, o.Body.Candidates = http.StatusOK, c
		return o, nil
	}
	res, err := s.indicators.Paste(ctx, v, in.Ref, b.Text, x)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	o.Body.Added, o.Body.Existing = res.Added, res.Existing
	return o, nil
}

// updateIndicator serves PATCH /api/v1/incidents/{ref}/indicators/{id}.
func (s *Server) updateIndicator(ctx context.Context, in *patchIndicatorInput) (*IndicatorOutput, error) {
	v := viewer(ctx)
	ind, err := s.indicators.Update(ctx, v, in.Ref, in.ID, in.Body)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	inc, err := s.incidents.Get(ctx, v, in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	seen, err := s.indicators.SeenBefore(ctx, v, inc, []indicators.Indicator{ind})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &IndicatorOutput{Body: indicatorView(ind, seen[ind.Key()])}, nil
}

// lookupIndicator serves GET /api/v1/indicators/lookup.
func (s *Server) lookupIndicator(ctx context.Context, in *lookupInput) (*LookupOutput, error) {
	keys, found, err := s.indicators.Lookup(ctx, viewer(ctx), in.Value)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	o := &LookupOutput{}
	o.Body.Value, o.Body.Sightings = in.Value, found
	for _, k := range keys {
		o.Body.ReadAs = append(o.Body.ReadAs, indicators.Candidate(k))
	}
	return o, nil
}

// exportInput is what export-indicators takes.
type exportInput struct {
	RefParam
	Format string `query:"format" enum:"stix,csv" default:"stix" doc:"stix or csv."`
}

// ExportOutput is an export file.
type ExportOutput struct {
	ContentType        string `header:"Content-Type"`
	ContentDisposition string `header:"Content-Disposition"`
	Body               []byte
}

// exportIndicators serves GET /api/v1/incidents/{ref}/indicators/export.
func (s *Server) exportIndicators(ctx context.Context, in *exportInput) (*ExportOutput, error) {
	format := in.Format
	if format == "" {
		format = "stix"
	}
	data, err := s.indicators.Export(ctx, viewer(ctx), in.Ref, format)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	o := &ExportOutput{ContentType: "application/stix+json;version=2.1", Body: data,
		ContentDisposition: `attachment; filename="` + in.Ref + `-indicators.json"`}
	if format == "csv" {
		o.ContentType, o.ContentDisposition = "text/csv; charset=utf-8", `attachment; filename="`+in.Ref+`-indicators.csv"`
	}
	return o, nil
}

// importInput is what import-indicators takes: the bundle.
type importInput struct {
	RefParam
	RawBody []byte
}

// ImportOutput says what an import did.
type ImportOutput struct {
	Body indicators.ImportResult
}

// importIndicators serves POST /api/v1/incidents/{ref}/indicators/import.
func (s *Server) importIndicators(ctx context.Context, in *importInput) (*ImportOutput, error) {
	res, err := s.indicators.Import(ctx, viewer(ctx), in.Ref, in.RawBody)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &ImportOutput{Body: res}, nil
}
