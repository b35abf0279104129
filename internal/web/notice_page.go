package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
)

// The notice editor: the text (Markdown) with a preview rendered here,
// approval, attachments, and recording it as submitted or emailing it.
// Once final, the exact text with its SHA-256 and what was done with it.

type noticeData struct {
	base
	Inc        incident.Incident
	N          notices.Notice
	Preview    template.HTML
	Channels   []notices.Channel
	Audiences  []notices.Audience
	CanApprove bool // the reader wrote none of the text
	HasMailer  bool
	Form       noticeForm
}

// noticeForm keeps what was typed when a change fails, or is previewed.
type noticeForm struct {
	Title, Body, Version, Audience, Recipients string
	Recipient, Channel, At, Reference, To      string
}

func (s *Server) loadNotice(w http.ResponseWriter, r *http.Request, f *noticeForm) (noticeData, bool) {
	u := userFrom(r)
	v := viewerOf(u)
	inc, err := s.incidents.Get(r.Context(), v, r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return noticeData{}, false
	}
	n, err := s.notices.Get(r.Context(), v, inc.ID, r.PathValue("id"))
	if err != nil {
		s.fail(w, r, err)
		return noticeData{}, false
	}
	d := noticeData{base: s.base(r, n.Title+" · "+inc.Ref, "incidents"), Inc: inc, N: n, Channels: notices.Channels, Audiences: notices.Audiences,
		HasMailer: s.notices.HasMailer()}
	d.CanApprove = d.CanAct && !n.Status.Final() && !slices.Contains(n.Editors, u.Username)
	if f != nil {
		d.Form = *f
	} else {
		d.Form = noticeForm{Title: n.Title, Body: n.Body, Version: strconv.FormatInt(n.Version, 10), Channel: string(notices.RegulatorPortal),
			Audience: string(n.Audience), Recipients: strings.Join(n.Recipients, "\n"), To: strings.Join(n.Recipients, "\n")}
	}
	d.Preview = markdown(d.Form.Body)
	if n.Status.Final() {
		d.Preview = markdown(n.Body)
	}
	return d, true
}

func (s *Server) noticePage(w http.ResponseWriter, r *http.Request) {
	d, ok := s.loadNotice(w, r, nil)
	if !ok {
		return
	}
	s.render(w, r, http.StatusOK, "notice", d)
}

// noticeDone finishes a change: back to the notice, or the page again
// with the error and everything typed.
func (s *Server) noticeDone(w http.ResponseWriter, r *http.Request, err error, f noticeForm, anchor, flash string) {
	if err == nil {
		http.Redirect(w, r, "/incidents/"+url.PathEscape(r.PathValue("ref"))+"/notices/"+url.PathEscape(r.PathValue("id"))+
			"?flash="+url.QueryEscape(flash)+"#"+anchor, http.StatusSeeOther)
		return
	}
	if codeOf(err) == 0 {
		s.fail(w, r, err)
		return
	}
	d, ok := s.loadNotice(w, r, &f)
	if !ok {
		return
	}
	d.Error = message(err)
	s.render(w, r, codeOf(err), "notice", d)
}

func noticeFormOf(r *http.Request) noticeForm {
	return noticeForm{Title: r.PostFormValue("title"), Body: r.PostFormValue("body"), Version: r.PostFormValue("notice_version"),
		Audience: r.PostFormValue("audience"), Recipients: r.PostFormValue("recipients"),
		Recipient: r.PostFormValue("recipient"), Channel: r.PostFormValue("channel"), At: r.PostFormValue("submitted_at"),
		Reference: r.PostFormValue("reference"), To: r.PostFormValue("to")}
}

// saveNotice saves the text, or with action=preview only shows it.
func (s *Server) saveNotice(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := noticeFormOf(r)
	if r.PostFormValue("action") == "preview" {
		d, ok := s.loadNotice(w, r, &f)
		if !ok {
			return
		}
		d.Flash = "Preview of the text below; it is not saved yet."
		s.render(w, r, http.StatusOK, "notice", d)
		return
	}
	in := notices.EditInput{Title: &f.Title, Body: &f.Body}
	// Audience and recipients change only when the form has them.
	if r.PostForm.Has("audience") {
		a := notices.Audience(f.Audience)
		in.Audience = &a
	}
	if r.PostForm.Has("recipients") {
		rcpts := addressList(f.Recipients)
		in.Recipients = &rcpts
	}
	if v, err := strconv.ParseInt(f.Version, 10, 64); err == nil {
		in.Version = &v
	}
	_, err := s.notices.Edit(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), in)
	s.noticeDone(w, r, err, f, "text", "Saved.")
}

func (s *Server) approveNotice(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	_, err := s.notices.Approve(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), r.PostFormValue("text_sha256"),
		r.PostFormValue("content_sha256"), r.PostFormValue("note"))
	s.noticeDone(w, r, err, noticeFormOf(r), "review", "Approved.")
}

func (s *Server) attachToNotice(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, notices.MaxAttachmentBytes+1<<20)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		http.Error(w, "Bad request: the file could not be read (at most 10 MiB).", http.StatusBadRequest)
		return
	}
	defer func() { _ = r.MultipartForm.RemoveAll() }() // temporary files of the upload; the request is done
	file, hdr, err := r.FormFile("file")
	if err != nil {
		s.noticeDone(w, r, invalid("file", "choose a file to attach"), noticeForm{}, "files", "")
		return
	}
	defer func() { _ = file.Close() }() // read only
	data, err := io.ReadAll(file)
	if err != nil {
		http.Error(w, "Bad request: the file could not be read.", http.StatusBadRequest)
		return
	}
	_, err = s.notices.AddAttachment(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), hdr.Filename, hdr.Header.Get("Content-Type"), data)
	s.noticeDone(w, r, err, noticeForm{}, "files", "Attached "+hdr.Filename+".")
}

func (s *Server) removeNoticeAttachment(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	_, err := s.notices.RemoveAttachment(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), r.PathValue("sha"))
	s.noticeDone(w, r, err, noticeForm{}, "files", "Removed the file.")
}

func (s *Server) noticeAttachment(w http.ResponseWriter, r *http.Request) {
	a, data, err := s.notices.AttachmentData(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), r.PathValue("sha"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	// Served as a download, never rendered here.
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Disposition", `attachment; filename="`+strings.NewReplacer(`"`, "", "\r", "", "\n", "").Replace(a.Name)+`"`)
	w.Header().Set("Cache-Control", "no-store")
	w.Write(data)
}

func (s *Server) submitNotice(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := noticeFormOf(r)
	at, err := parseLocalTime(f.At, r.PostFormValue("tz_offset"))
	if err != nil {
		s.noticeDone(w, r, invalid("submitted_at", "%s", err.Error()), f, "record", "")
		return
	}
	_, err = s.notices.Submit(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), notices.SubmitInput{
		Recipient: f.Recipient, Channel: notices.Channel(f.Channel), At: at, Reference: f.Reference, TextSHA256: r.PostFormValue("text_sha256")})
	s.noticeDone(w, r, err, f, "record", "Recorded as submitted; the text is final.")
}

func (s *Server) sendNotice(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := noticeFormOf(r)
	to := addressList(f.To)
	n, err := s.notices.Send(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), r.PathValue("id"), to, r.PostFormValue("text_sha256"))
	flash := ""
	if err == nil {
		flash = "Sent: " + string(n.Status) + "."
	}
	s.noticeDone(w, r, err, f, "record", flash)
}

// addressList splits addresses typed one a line, or by commas, spaces
// or semicolons.
func addressList(s string) []string {
	return strings.FieldsFunc(s, func(c rune) bool { return c == ',' || c == '\n' || c == '\r' || c == ' ' || c == ';' })
}

// dossierPage is the printable notification dossier.
func (s *Server) dossierPage(w http.ResponseWriter, r *http.Request) {
	d, err := s.notices.Dossier(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
	if err != nil {
		s.fail(w, r, err)
		return
	}
	var buf bytes.Buffer
	if err := d.WriteHTML(&buf, notices.HTMLOptions{StyleHref: "/static/dossier.css?v=" + dossierCSSVersion, Back: "/incidents/" + url.PathEscape(d.Incident.Ref)}); err != nil {
		s.fail(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.Write(buf.Bytes())
}

// dossierCSSVersion makes the stylesheet's URL change with its content.
var dossierCSSVersion = func() string {
	sum := sha256.Sum256([]byte(notices.DossierCSS))
	return hex.EncodeToString(sum[:6])
}()

func (s *Server) dossierCSS(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/css; charset=utf-8")
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	io.WriteString(w, notices.DossierCSS)
}
