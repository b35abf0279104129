package web

import (
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// SecurityTxt configures /.well-known/security.txt (RFC 9116).
type SecurityTxt struct {
	Contacts  []string // mailto: or https: URIs; the report form is always listed
	Policy    string   // URL of the disclosure policy, if any
	Languages string   // e.g. "en, de"
}

// reportDesk is the public report form's spam defences: a honeypot field,
// a signed timestamp that must be a few seconds old (people take longer to
// write than bots), and a per-address limit.
type reportDesk struct {
	key     []byte
	limiter *auth.Limiter
	now     func() time.Time
	sectxt  SecurityTxt
}

// minFillTime is how long a person at least takes to fill the form.
const minFillTime = 3 * time.Second

func newReportDesk(now func() time.Time, sectxt SecurityTxt) *reportDesk {
	key := make([]byte, 32)
	rand.Read(key)
	return &reportDesk{key: key, limiter: auth.NewLimiter(now), now: now, sectxt: sectxt}
}

func (d *reportDesk) stamp() string {
	ts := strconv.FormatInt(d.now().Unix(), 10)
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(ts))
	return ts + "." + hex.EncodeToString(m.Sum(nil))
}

// check says why a submission is refused, or "" when it may go on.
func (d *reportDesk) check(stamp, honeypot string) string {
	if honeypot != "" {
		return "Your report could not be accepted. If you are a person, leave the field labelled “Leave empty” empty."
	}
	ts, sig, ok := strings.Cut(stamp, ".")
	m := hmac.New(sha256.New, d.key)
	m.Write([]byte(ts))
	want := hex.EncodeToString(m.Sum(nil))
	sec, err := strconv.ParseInt(ts, 10, 64)
	if !ok || err != nil || !hmac.Equal([]byte(sig), []byte(want)) {
		return "This form has expired (the server restarted). Your text is kept below: submit it again."
	}
	age := d.now().Sub(time.Unix(sec, 0))
	switch {
	case age < minFillTime:
		return "That was quicker than a person can type. Wait a few seconds and submit again; your text is kept below."
	case age > 24*time.Hour:
		return "This form is more than a day old. Your text is kept below: submit it again."
	}
	return ""
}

type reportData struct {
	base
	Form      reportForm
	Stamp     string
	Reference string
	MaxMiB    int
}

type reportForm struct {
	Title, Description, Name, Contact string
}

func (s *Server) reportPage(w http.ResponseWriter, r *http.Request) {
	s.renderReport(w, r, http.StatusOK, reportForm{}, "", "")
}

func (s *Server) renderReport(w http.ResponseWriter, r *http.Request, status int, f reportForm, errMsg, ref string) {
	d := reportData{base: s.optionalBase(r, "Report a security issue"), Form: f, Stamp: s.desk.stamp(), Reference: ref, MaxMiB: triage.MaxAttachment >> 20}
	d.Error = errMsg
	s.render(w, r, status, "report", d)
}

// optionalBase is base for pages open to everyone: a signed-in colleague
// is recognised, an outsider is not asked to sign in.
func (s *Server) optionalBase(r *http.Request, title string) base {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if _, u, err := s.auth.SessionFor(r.Context(), c.Value); err == nil {
			b := base{Title: title, User: u, CanAct: u.Role.Allows(auth.Responder), IsAdmin: u.Role == auth.Admin, Nav: "report"}
			return b
		}
	}
	return base{Title: title}
}

func (s *Server) report(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, triage.MaxAttachment+64<<10)
	if err := r.ParseMultipartForm(1 << 20); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.renderReport(w, r, http.StatusRequestEntityTooLarge, reportForm{}, fmt.Sprintf("The attachment is larger than %d MiB. Send a smaller file, or describe it and we will ask for it.", triage.MaxAttachment>>20), "")
			return
		}
		if err := r.ParseForm(); err != nil {
			http.Error(w, "Bad request: the form could not be read.", http.StatusBadRequest)
			return
		}
	}
	f := reportForm{Title: r.PostFormValue("title"), Description: r.PostFormValue("description"), Name: r.PostFormValue("name"), Contact: r.PostFormValue("contact")}
	if why := s.desk.check(r.PostFormValue("stamp"), r.PostFormValue("website")); why != "" {
		s.renderReport(w, r, http.StatusBadRequest, f, why, "")
		return
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if err := s.desk.limiter.Attempt("report:" + host); err != nil {
		retryAfter(w, err)
		s.renderReport(w, r, http.StatusTooManyRequests, f, "Too many reports from your address in a short time. Your text is kept below; try again later.", "")
		return
	}
	in := triage.ReportInput{Name: f.Name, Contact: f.Contact, Title: f.Title, Description: f.Description}
	if b := s.optionalBase(r, ""); b.User.Username != "" {
		in.Reporter = b.User.Username
	}
	if file, hdr, err := r.FormFile("attachment"); err == nil {
		data, err := io.ReadAll(io.LimitReader(file, triage.MaxAttachment+1))
		_ = file.Close() // read only; ReadAll reports
		if err != nil {
			s.renderReport(w, r, http.StatusBadRequest, f, "The attachment could not be read; try again.", "")
			return
		}
		in.File = &triage.File{Name: hdr.Filename, ContentType: hdr.Header.Get("Content-Type"), Data: data}
	}
	ref, err := s.triage.Report(r.Context(), in)
	if err != nil {
		if e, ok := errs.As(err); ok && e.Code == errs.Invalid {
			s.renderReport(w, r, http.StatusUnprocessableEntity, f, message(err), "")
			return
		}
		s.fail(w, r, err)
		return
	}
	s.renderReport(w, r, http.StatusOK, reportForm{}, "", ref)
}

// securityTxt serves RFC 9116's file, pointing at the report form. Every
// URI is built from the public URL (never the request's Host) and web URIs
// must be https (RFC 9116 section 2.5): over plain http the form and
// Canonical are left out, and with no contact left the file is not served.
func (s *Server) securityTxt(w http.ResponseWriter, r *http.Request) {
	base := s.siteURL()
	secure := strings.HasPrefix(base, "https://")
	var b strings.Builder
	contacts := 0
	for _, c := range s.desk.sectxt.Contacts {
		if strings.HasPrefix(c, "https://") || strings.HasPrefix(c, "mailto:") || strings.HasPrefix(c, "tel:") {
			fmt.Fprintf(&b, "Contact: %s\n", c)
			contacts++
		}
	}
	if secure {
		fmt.Fprintf(&b, "Contact: %s/report\n", base)
		contacts++
	}
	if contacts == 0 {
		http.NotFound(w, r)
		return
	}
	fmt.Fprintf(&b, "Expires: %s\n", securityTxtExpires(s.desk.now()).Format(time.RFC3339))
	if strings.HasPrefix(s.desk.sectxt.Policy, "https://") {
		fmt.Fprintf(&b, "Policy: %s\n", s.desk.sectxt.Policy)
	}
	langs := s.desk.sectxt.Languages
	if langs == "" {
		langs = "en"
	}
	fmt.Fprintf(&b, "Preferred-Languages: %s\n", langs)
	if secure {
		fmt.Fprintf(&b, "Canonical: %s/.well-known/security.txt\n", base)
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte(b.String()))
}

// securityTxtExpires is the file's Expires: the first day of the month six
// months after now's, in UTC. It is the same date all month (not a moment
// recomputed on every request) and is renewed when the month turns, so it
// always lies five to six months ahead: under the year RFC 9116 asks.
func securityTxtExpires(now time.Time) time.Time {
	y, m, _ := now.UTC().Date()
	return time.Date(y, m+6, 1, 0, 0, 0, 0, time.UTC)
}
