package httpapi

import (
	"context"
	"encoding/json"
	"io"
	"mime"
	"mime/multipart"
	"net/http"
	"strconv"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/evidence"
)

// maxEvidenceJSON bounds an external item's description and a multipart
// upload's form fields.
const maxEvidenceJSON = 64 << 10

// EvidenceItem is one piece of evidence as it stands now.
type EvidenceItem evidence.Item

// EvidenceList is an incident's evidence.
type EvidenceList struct {
	Items []EvidenceItem `json:"items"`
}

// EvidenceHistory is an item with every custody event that names it.
type EvidenceHistory struct {
	Item    EvidenceItem       `json:"item"`
	Custody []evidence.Custody `json:"custody"`
}

// CustodyReport is every item with its history, and the chain's last link.
type CustodyReport struct {
	Ref         string            `json:"ref"`
	Title       string            `json:"title"`
	GeneratedAt time.Time         `json:"generated_at"`
	Items       []EvidenceHistory `json:"items"`
	LastSeq     int64             `json:"last_seq"`
	LastHash    string            `json:"last_hash"`
}

func evidenceItems(items []evidence.Item) []EvidenceItem {
	out := make([]EvidenceItem, len(items))
	for i, it := range items {
		out[i] = EvidenceItem(it)
	}
	return out
}

func evidenceHistory(h evidence.History) EvidenceHistory {
	return EvidenceHistory{Item: EvidenceItem(h.Item), Custody: h.Custody}
}

// EvidenceParams names an item of an incident's evidence.
type EvidenceParams struct {
	RefParam
	ID string `path:"id" maxLength:"24" doc:"The item: EV-3 (or 3)."`
}

// addEvidenceInput takes the request body itself (Resolve), so a file of
// gigabytes streams to disk instead of into memory.
type addEvidenceInput struct {
	RefParam
	contentType string
	body        io.Reader
}

// Resolve keeps the body unread for the handler.
func (in *addEvidenceInput) Resolve(ctx huma.Context) []error {
	in.contentType, in.body = ctx.Header("Content-Type"), ctx.BodyReader()
	return nil
}

type transferEvidenceInput struct {
	EvidenceParams
	Body evidence.TransferInput
}

type disposeEvidenceInput struct {
	EvidenceParams
	Body evidence.DisposeInput
}

func (s *Server) registerEvidence(api huma.API) {
	if s.evidence == nil {
		return
	}
	tags := []string{"Evidence"}
	base := "/api/v1/incidents/{ref}/evidence"
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-evidence", Method: http.MethodGet, Path: base, Tags: tags,
		Summary: "List an incident's evidence", Description: "Every item in number order, disposed ones included (nothing is deleted).",
	}), s.listEvidence)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "add-evidence", Method: http.MethodPost, Path: base, Tags: tags, DefaultStatus: http.StatusCreated,
		Summary: "Add evidence: upload a file or describe an external item",
		Description: "multipart/form-data uploads a file: the part named file (last; its filename is the item's name unless a name " +
			"field comes before it) streams to disk while it is hashed and is kept by its SHA-256; fields description, source, method, " +
			"acquired_by and acquired_at (RFC 3339) say how it was acquired. application/json describes an item Firebreak does not hold " +
			"(a disk image, a memory dump, a device): name, sha256, hashes (md5, sha1, sha512…), size, location, holder, acquisition. " +
			"Either is an evidence.added event on the incident's chain. A file over the policy's evidence.max_bytes answers 422.",
	}), s.addEvidence)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-evidence", Method: http.MethodGet, Path: base + "/{id}", Tags: tags,
		Summary: "Get an item with its custody history", Description: "Every event that names it, with its hash on the incident's chain.",
	}), s.getEvidence)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "download-evidence", Method: http.MethodGet, Path: base + "/{id}/file", Tags: tags,
		Summary: "Download an uploaded file",
		Description: "Always application/octet-stream with Content-Disposition: attachment and nosniff; never rendered. " +
			"The download is recorded first (evidence.accessed, who and when); one that could not be recorded does not happen.",
		Responses: map[string]*huma.Response{"200": {Description: "The file.", Content: map[string]*huma.MediaType{
			"application/octet-stream": {Schema: &huma.Schema{Type: "string", Format: "binary"}}}}},
	}), s.downloadEvidence)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "transfer-evidence", Method: http.MethodPost, Path: base + "/{id}/transfer", Tags: tags,
		Summary: "Transfer custody", DefaultStatus: http.StatusOK,
		Description: "From the current holder to another: to, purpose, location and when (default now). Refused once disposed of.",
	}), s.transferEvidence)
	huma.Register(api, op(auth.Responder, huma.Operation{
		OperationID: "dispose-evidence", Method: http.MethodPost, Path: base + "/{id}/dispose", Tags: tags,
		Summary: "Dispose of an item", DefaultStatus: http.StatusOK,
		Description: "Ends its custody with a reason and who authorised it. The item, its history and its file stay.",
	}), s.disposeEvidence)
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "get-custody-report", Method: http.MethodGet, Path: "/api/v1/incidents/{ref}/custody", Tags: tags,
		Summary: "The custody report",
		Description: "Every item with its full custody history, and the incident chain's last link (sequence and hash) when the " +
			"report was made. /incidents/{ref}/custody in the console is the printable page.",
	}), s.custodyReport)
}

// listEvidence serves GET /api/v1/incidents/{ref}/evidence: list an incident's evidence.
func (s *Server) listEvidence(ctx context.Context, in *RefParam) (*struct{ Body EvidenceList }, error) {
	items, err := s.evidence.List(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body EvidenceList }{EvidenceList{Items: evidenceItems(items)}}, nil
}

// addEvidence serves POST /api/v1/incidents/{ref}/evidence: upload a file or describe an external item.
func (s *Server) addEvidence(ctx context.Context, in *addEvidenceInput) (*struct{ Body EvidenceItem }, error) {
	mt, params, err := mime.ParseMediaType(in.contentType)
	if err != nil {
		mt = ""
	}
	var it evidence.Item
	switch mt {
	case "multipart/form-data":
		it, err = s.uploadEvidence(ctx, in.Ref, multipart.NewReader(in.body, params["boundary"]))
	case "application/json":
		var b evidence.ExternalInput
		dec := json.NewDecoder(io.LimitReader(in.body, maxEvidenceJSON))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&b); err != nil {
			return nil, s.problem(ctx, errs.E(errs.Invalid, "body", "the item does not decode: %v", err))
		}
		it, err = s.evidence.AddExternal(ctx, viewer(ctx), in.Ref, b)
	default:
		err = errs.E(errs.Invalid, "Content-Type", "send multipart/form-data (a file) or application/json (an external item)")
	}
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body EvidenceItem }{EvidenceItem(it)}, nil
}

func (s *Server) uploadEvidence(ctx context.Context, ref string, mr *multipart.Reader) (evidence.Item, error) {
	in, part, err := evidence.UploadFields(mr)
	if err != nil {
		return evidence.Item{}, err
	}
	return s.evidence.AddFile(ctx, viewer(ctx), ref, in, part)
}

// getEvidence serves GET /api/v1/incidents/{ref}/evidence/{id}: an item with its custody history.
func (s *Server) getEvidence(ctx context.Context, in *EvidenceParams) (*struct{ Body EvidenceHistory }, error) {
	h, err := s.evidence.Item(ctx, viewer(ctx), in.Ref, in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body EvidenceHistory }{evidenceHistory(h)}, nil
}

// Disposition is the Content-Disposition of a download: always an
// attachment, the name encoded as RFC 6266 asks.
func Disposition(name string) string {
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": name}); d != "" {
		return d
	}
	return "attachment"
}

// downloadEvidence serves GET /api/v1/incidents/{ref}/evidence/{id}/file: download an uploaded file, recorded.
func (s *Server) downloadEvidence(ctx context.Context, in *EvidenceParams) (*huma.StreamResponse, error) {
	it, f, err := s.evidence.Open(ctx, viewer(ctx), in.Ref, in.ID)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &huma.StreamResponse{Body: func(hc huma.Context) {
		defer func() { _ = f.Close() }()
		hc.SetHeader("Content-Type", "application/octet-stream")
		hc.SetHeader("Content-Disposition", Disposition(it.Name))
		hc.SetHeader("X-Content-Type-Options", "nosniff")
		hc.SetHeader("Cache-Control", "no-store")
		hc.SetHeader("Content-Length", strconv.FormatInt(it.Size, 10))
		hc.SetStatus(http.StatusOK)
		if _, err := io.Copy(hc.BodyWriter(), f); err != nil {
			s.log.WarnContext(ctx, "evidence download cut short", "evidence", it.ID, "err", err)
		}
	}}, nil
}

// transferEvidence serves POST /api/v1/incidents/{ref}/evidence/{id}/transfer: transfer custody.
func (s *Server) transferEvidence(ctx context.Context, in *transferEvidenceInput) (*struct{ Body EvidenceItem }, error) {
	it, err := s.evidence.Transfer(ctx, viewer(ctx), in.Ref, in.ID, in.Body)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body EvidenceItem }{EvidenceItem(it)}, nil
}

// disposeEvidence serves POST /api/v1/incidents/{ref}/evidence/{id}/dispose: dispose of an item.
func (s *Server) disposeEvidence(ctx context.Context, in *disposeEvidenceInput) (*struct{ Body EvidenceItem }, error) {
	it, err := s.evidence.Dispose(ctx, viewer(ctx), in.Ref, in.ID, in.Body)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body EvidenceItem }{EvidenceItem(it)}, nil
}

// custodyReport serves GET /api/v1/incidents/{ref}/custody: the custody report.
func (s *Server) custodyReport(ctx context.Context, in *RefParam) (*struct{ Body CustodyReport }, error) {
	r, err := s.evidence.Report(ctx, viewer(ctx), in.Ref)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := CustodyReport{Ref: r.Ref, Title: r.Title, GeneratedAt: r.GeneratedAt, LastSeq: r.LastSeq, LastHash: r.LastHash, Items: []EvidenceHistory{}}
	for _, h := range r.Items {
		out.Items = append(out.Items, evidenceHistory(h))
	}
	return &struct{ Body CustodyReport }{out}, nil
}
