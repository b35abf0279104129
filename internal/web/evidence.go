package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/base64"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// SetEvidence turns on the evidence section and the custody report.
func (s *Server) SetEvidence(e *evidence.Service) { s.evidence = e }

func (s *Server) registerEvidence(page func(string, http.HandlerFunc, auth.Role)) {
	page("GET /incidents/{ref}/evidence", s.evidencePage, auth.Viewer)
	page("POST /incidents/{ref}/evidence/upload", s.uploadEvidence, auth.Responder)
	page("POST /incidents/{ref}/evidence/external", s.addExternalEvidence, auth.Responder)
	page("POST /incidents/{ref}/evidence/{id}/transfer", s.transferEvidence, auth.Responder)
	page("POST /incidents/{ref}/evidence/{id}/dispose", s.disposeEvidence, auth.Responder)
	page("GET /incidents/{ref}/evidence/{id}/file", s.downloadEvidence, auth.Viewer)
	page("GET /incidents/{ref}/custody", s.custodyPage, auth.Viewer)
}

type evidenceData struct {
	base
	Inc   incident.Incident
	Head  incidentHead
	Items []evidence.Item
	Links *recordLinks // each item's timeline lines
	// Form holds what was typed into a refused form, by field.
	Form map[string]string
}

func evidenceURL(ref string, c flashCode) string {
	return withFlash("/incidents/"+url.PathEscape(ref)+"/evidence", c)
}

func (s *Server) evidencePage(w http.ResponseWriter, r *http.Request) {
	s.renderEvidence(w, r, http.StatusOK, nil, nil)
}

// renderEvidence shows the section; err, when set, is why a form was
// refused, shown above it with what was typed.
func (s *Server) renderEvidence(w http.ResponseWriter, r *http.Request, status int, failed error, form map[string]string) {
	if s.evidence == nil {
		s.errorPage(w, r, http.StatusNotFound, "Evidence is not kept on this server.")
		return
	}
	v := viewerOf(userFrom(r))
	inc, events, err := s.incidents.Timeline(r.Context(), v, r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	items, err := s.evidence.List(r.Context(), v, inc.Ref)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	moves, err := s.incidents.Moves(r.Context(), v, &inc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := evidenceData{base: s.base(r, "Evidence · "+inc.Ref+" · "+inc.Title, "incidents"), Inc: inc, Items: items, Form: form}
	d.Head = headFor(inc, secEvidence, d.CanAct, moves, s.dutiesPanelFor(r.Context(), inc, userFrom(r), nil))
	records, err := s.incidents.Records(r.Context(), inc)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d.Links = newRecordLinks(inc.Ref, d.CanAct, records)
	for _, e := range events {
		d.Links.add(e)
	}
	d.Live = "incident:" + inc.Ref
	if failed != nil {
		d.Error = failed.Error()
		if e, ok := errs.As(failed); ok {
			d.Error = e.Message
			if e.Field != "" && !strings.Contains(e.Message, e.Field) {
				d.Error = e.Field + ": " + e.Message
			}
		}
	}
	s.render(w, r, status, "evidence", d)
}

// refused shows the section again with the problem, or the error page
// for one that is not the form's (not found, not allowed).
func (s *Server) evidenceRefused(w http.ResponseWriter, r *http.Request, err error, form map[string]string) {
	switch errs.CodeOf(err) {
	case errs.Invalid, errs.Rule:
		s.renderEvidence(w, r, http.StatusUnprocessableEntity, err, form)
	case errs.Conflict, errs.Precondition:
		s.renderEvidence(w, r, http.StatusConflict, err, form)
	default:
		s.fail(w, r, err)
	}
}

// uploadEvidence streams the form's file part to the evidence store: the
// form's fields come before the file, so nothing is held in memory.
func (s *Server) uploadEvidence(w http.ResponseWriter, r *http.Request) {
	if s.evidence == nil {
		s.errorPage(w, r, http.StatusNotFound, "Evidence is not kept on this server.")
		return
	}
	mr, err := r.MultipartReader()
	if err != nil {
		s.evidenceRefused(w, r, errs.E(errs.Invalid, "file", "send the form as multipart/form-data with a file"), nil)
		return
	}
	in, part, err := evidence.UploadFields(mr)
	if err == nil {
		if part.FileName() == "" {
			err = errs.E(errs.Invalid, "file", "choose a file to upload")
		} else {
			_, err = s.evidence.AddFile(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), in, part)
		}
	}
	if err != nil {
		s.evidenceRefused(w, r, err, map[string]string{"name": in.Name, "description": in.Description, "source": in.Acquisition.Source, "method": in.Acquisition.Method})
		return
	}
	http.Redirect(w, r, evidenceURL(r.PathValue("ref"), flashEvidenceAdded), http.StatusSeeOther)
}

func (s *Server) addExternalEvidence(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	form := map[string]string{}
	for _, k := range []string{"name", "description", "sha256", "hashes", "size", "location", "holder", "source", "method"} {
		form[k] = r.PostFormValue(k)
	}
	in := evidence.ExternalInput{Name: form["name"], Description: form["description"], SHA256: form["sha256"], Location: form["location"], Holder: form["holder"],
		Acquisition: evidence.AcquisitionInput{Source: form["source"], Method: form["method"]}}
	for _, line := range strings.Split(form["hashes"], "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		alg, v, ok := strings.Cut(line, "=")
		if !ok {
			alg, v, ok = strings.Cut(line, ":")
		}
		if !ok {
			s.evidenceRefused(w, r, errs.E(errs.Invalid, "hashes", "write one digest a line as algorithm=hex, like md5=0f…"), form)
			return
		}
		if in.Hashes == nil {
			in.Hashes = map[string]string{}
		}
		in.Hashes[strings.TrimSpace(alg)] = strings.TrimSpace(v)
	}
	if t := strings.TrimSpace(form["size"]); t != "" {
		n, err := strconv.ParseInt(t, 10, 64)
		if err != nil {
			s.evidenceRefused(w, r, errs.E(errs.Invalid, "size", "the size is a number of bytes"), form)
			return
		}
		in.Size = &n
	}
	if _, err := s.evidence.AddExternal(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), in); err != nil {
		s.evidenceRefused(w, r, err, form)
		return
	}
	http.Redirect(w, r, evidenceURL(r.PathValue("ref"), flashEvidenceAdded), http.StatusSeeOther)
}

func (s *Server) transferEvidence(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	_, err := s.evidence.Transfer(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"),
		evidence.TransferInput{To: r.PostFormValue("to"), Purpose: r.PostFormValue("purpose"), Location: r.PostFormValue("location")})
	if err != nil {
		s.evidenceRefused(w, r, err, nil)
		return
	}
	http.Redirect(w, r, evidenceURL(r.PathValue("ref"), flashEvidenceTransferred), http.StatusSeeOther)
}

func (s *Server) disposeEvidence(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	_, err := s.evidence.Dispose(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"),
		evidence.DisposeInput{Reason: r.PostFormValue("reason"), AuthorisedBy: r.PostFormValue("authorised_by")})
	if err != nil {
		s.evidenceRefused(w, r, err, nil)
		return
	}
	http.Redirect(w, r, evidenceURL(r.PathValue("ref"), flashEvidenceDisposed), http.StatusSeeOther)
}

// downloadEvidence serves a file as a download only, recorded first.
func (s *Server) downloadEvidence(w http.ResponseWriter, r *http.Request) {
	if s.evidence == nil {
		s.errorPage(w, r, http.StatusNotFound, "Evidence is not kept on this server.")
		return
	}
	it, f, err := s.evidence.Open(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	defer func() { _ = f.Close() }()
	h := w.Header()
	h.Set("Content-Type", "application/octet-stream")
	h.Set("Content-Disposition", attachmentDisposition(it.Name))
	h.Set("X-Content-Type-Options", "nosniff")
	h.Set("Cache-Control", "no-store")
	h.Set("Content-Length", strconv.FormatInt(it.Size, 10))
	if _, err := io.Copy(w, f); err != nil {
		s.log.WarnContext(r.Context(), "evidence download cut short", "evidence", it.ID, "err", err)
	}
}

// custodyPage is the printable custody report; it carries its own style,
// allowed by its hash.
func (s *Server) custodyPage(w http.ResponseWriter, r *http.Request) {
	if s.evidence == nil {
		s.errorPage(w, r, http.StatusNotFound, "Evidence is not kept on this server.")
		return
	}
	rep, err := s.evidence.Report(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := rep.WriteHTML(&buf); err != nil {
		s.log.ErrorContext(r.Context(), "custody report", "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	sum := sha256.Sum256([]byte(evidence.ReportStyle()))
	w.Header().Set("Content-Security-Policy", "default-src 'none'; style-src 'sha256-"+base64.StdEncoding.EncodeToString(sum[:])+"'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'")
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, _ = w.Write(buf.Bytes())
}

// attachmentDisposition always downloads, the name encoded as RFC 6266 asks.
func attachmentDisposition(name string) string {
	if d := mime.FormatMediaType("attachment", map[string]string{"filename": name}); d != "" {
		return d
	}
	return "attachment"
}
