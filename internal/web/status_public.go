package web

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/status"
)

// The public status page, open to everyone without signing in: the page
// with components, their 90-day history and what is going on; the history
// of public incidents; one incident; the Atom feed; the Statuspage v2 JSON
// documents; and email subscriptions (subscribe, confirm, unsubscribe).
// Nothing here reads an internal incident: only what was published.

// statusSite is the public page's part of the console.
type statusSite struct {
	svc     *status.Service
	limiter *auth.Limiter // subscriptions per address and per email
}

func newStatusSite(svc *status.Service, now func() time.Time) *statusSite {
	if svc == nil {
		return nil
	}
	return &statusSite{svc: svc, limiter: auth.NewLimiter(now)}
}

// How long browsers and proxies may keep what the public reads: pages are
// checked on every visit (their ETag makes that cheap); the JSON and the
// feed, which widgets and readers poll, for a few seconds.
const (
	pageCache = "public, no-cache"
	docCache  = "public, max-age=15"
)

// statusPublic is what every public page's layout needs.
type statusPublic struct {
	Title         string
	PageName      string
	TimeZone      string
	Nav           string
	Subscriptions bool
	Flash, Error  string
}

type statusHomeData struct {
	statusPublic
	Indicator    status.Indicator
	Groups       []statusGroup
	Active       []statusIncView
	Maintenances []statusIncView
	Recent       []statusIncView
	Email        string
	First, Last  string // the history's first and last day
	First30      string // the first of the last 30 days, shown on phones
}

type statusGroup struct {
	Name       string // "" for components outside a group
	State      status.State
	Label      string
	Components []statusComp
}

type statusComp struct {
	status.Component
	Label string
	Days  []statusDay
}

type statusDay struct {
	Class string // the state, or "none" before the component existed
	Title string // "Nov 20: Partial outage"
}

type statusIncView struct {
	status.Incident
	URL        string
	ImpactText string
	StatusText string
	Affected   string
	Window     string // a maintenance's start and end
	Started    string
	Updates    []statusUpdView
}

type statusUpdView struct {
	Status string
	Body   string
	When   string
	ISO    string
	Affect string // "API: Degraded performance"
}

var impactText = map[status.Impact]string{
	status.ImpactNone: "No impact", status.ImpactMinor: "Minor", status.ImpactMajor: "Major",
	status.ImpactCritical: "Critical", status.ImpactMaintenance: "Maintenance",
}

func incView(p status.Public, inc status.Incident) statusIncView {
	v := statusIncView{Incident: inc, URL: "/status/incidents/" + inc.ID, ImpactText: impactText[inc.Impact],
		StatusText: inc.Status.Label(), Started: p.Stamp(inc.CreatedAt)}
	var names []string
	for _, id := range inc.Components {
		for _, c := range p.Components {
			if c.ID == id {
				names = append(names, c.Name)
			}
		}
	}
	v.Affected = strings.Join(names, ", ")
	if inc.ScheduledFor != nil && inc.ScheduledUntil != nil {
		v.Window = p.Stamp(*inc.ScheduledFor) + " – " + p.Stamp(*inc.ScheduledUntil)
	}
	for _, u := range inc.Updates {
		uv := statusUpdView{Status: u.Status.Label(), Body: u.Body, When: p.Stamp(u.CreatedAt), ISO: u.CreatedAt.UTC().Format(time.RFC3339)}
		var ch []string
		for _, c := range u.Components {
			if c.Old != c.New {
				ch = append(ch, c.Name+": "+c.New.Label())
			}
		}
		uv.Affect = strings.Join(ch, "; ")
		v.Updates = append(v.Updates, uv)
	}
	return v
}

func (st *statusSite) public(s *Server, r *http.Request, title, nav string, p status.Page) statusPublic {
	return statusPublic{Title: title, PageName: p.Name, TimeZone: p.TimeZone, Nav: nav, Subscriptions: st.svc.Subscriptions(), Flash: flashOf(r)}
}

// renderPublic renders a public page in its own layout; cacheable unless
// it answers a form.
func (s *Server) renderPublic(w http.ResponseWriter, r *http.Request, code int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.log.ErrorContext(r.Context(), "no such page", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "status_layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	// HEAD answers exactly as GET, without the body (RFC 9110 §9.3.2).
	read := r.Method == http.MethodGet || r.Method == http.MethodHead
	if read && code == http.StatusOK && w.Header().Get("Cache-Control") == "" {
		// Kept by browsers and proxies, but checked every time: people
		// reload a status page to see the latest, and get a 304 when
		// nothing changed.
		serveDoc(w, r, "text/html; charset=utf-8", pageCache, time.Time{}, buf.Bytes())
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	if w.Header().Get("Cache-Control") == "" {
		w.Header().Set("Cache-Control", "no-store")
	}
	w.WriteHeader(code)
	w.Write(buf.Bytes())
}

// publicFail answers a failure on a public page without internal detail.
func (s *Server) publicFail(w http.ResponseWriter, r *http.Request, err error) {
	if errs.CodeOf(err) == errs.NotFound {
		http.Error(w, "Not found: there is no such incident on this status page.", http.StatusNotFound)
		return
	}
	if errs.CodeOf(err) == errs.Unavailable {
		s.log.WarnContext(r.Context(), "status page: refused for now", "err", err)
		retryAfter(w, err)
		http.Error(w, "The status page is unavailable for a moment. Try again shortly.", http.StatusServiceUnavailable)
		return
	}
	s.log.ErrorContext(r.Context(), "status page", "err", err)
	http.Error(w, "The status page is unavailable for a moment. Try again shortly.", http.StatusInternalServerError)
}

func (s *Server) statusHome(w http.ResponseWriter, r *http.Request) {
	s.renderStatusHome(w, r, http.StatusOK, "", "")
}

func (s *Server) renderStatusHome(w http.ResponseWriter, r *http.Request, code int, email, errMsg string) {
	st := s.status
	ctx := r.Context()
	now := st.svc.Now()
	p, err := st.svc.Public(ctx, status.Query{Since: now.AddDate(0, 0, -7)})
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	hist, err := st.svc.Histories(ctx, p)
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	d := statusHomeData{statusPublic: st.public(s, r, "Status", "status", p.Page), Indicator: p.Indicator(), Email: email}
	d.Error = errMsg
	inc, mnt := p.Split()
	for _, i := range inc {
		d.Active = append(d.Active, incView(p, i))
	}
	for _, i := range mnt {
		d.Maintenances = append(d.Maintenances, incView(p, i))
	}
	for _, i := range p.Incidents {
		if !i.Active() {
			d.Recent = append(d.Recent, incView(p, i))
		}
	}
	for _, c := range p.Components {
		sc := statusComp{Component: c, Label: c.State.Label()}
		for _, day := range hist[c.ID] {
			sd := statusDay{Class: string(day.Worst), Title: day.Date.Format("Jan 2") + ": " + day.Worst.Label()}
			if day.NoData {
				sd = statusDay{Class: "none", Title: day.Date.Format("Jan 2") + ": no data"}
			}
			sc.Days = append(sc.Days, sd)
		}
		if n := len(hist[c.ID]); n > 0 {
			d.First, d.Last = hist[c.ID][0].Date.Format("Jan 2"), hist[c.ID][n-1].Date.Format("Jan 2")
			d.First30 = hist[c.ID][max(n-30, 0)].Date.Format("Jan 2")
		}
		if k := len(d.Groups) - 1; k >= 0 && c.Group != "" && d.Groups[k].Name == c.Group {
			d.Groups[k].Components = append(d.Groups[k].Components, sc)
			d.Groups[k].State = status.Worst(d.Groups[k].State, c.State)
			d.Groups[k].Label = d.Groups[k].State.Label()
			continue
		}
		d.Groups = append(d.Groups, statusGroup{Name: c.Group, State: c.State, Label: c.State.Label(), Components: []statusComp{sc}})
	}
	s.renderPublic(w, r, code, "status", d)
}

type statusListData struct {
	statusPublic
	Incidents []statusIncView
	Single    bool
}

// statusHistory lists every public incident and maintenance of the last
// 90 days.
func (s *Server) statusHistory(w http.ResponseWriter, r *http.Request) {
	st := s.status
	p, err := st.svc.Public(r.Context(), status.Query{Since: st.svc.Now().AddDate(0, 0, -status.HistoryDays)})
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	d := statusListData{statusPublic: st.public(s, r, "History", "history", p.Page)}
	for _, i := range p.Incidents {
		d.Incidents = append(d.Incidents, incView(p, i))
	}
	s.renderPublic(w, r, http.StatusOK, "status_history", d)
}

func (s *Server) statusIncident(w http.ResponseWriter, r *http.Request) {
	st := s.status
	p, err := st.svc.PublicIncident(r.Context(), r.PathValue("id"))
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	v := incView(p, p.Incidents[0])
	d := statusListData{statusPublic: st.public(s, r, v.Title, "", p.Page), Incidents: []statusIncView{v}, Single: true}
	s.renderPublic(w, r, http.StatusOK, "status_history", d)
}

// serveDoc answers a generated document with a strong ETag and its last
// change as Last-Modified, so readers polling it get 304 until it changes.
func serveDoc(w http.ResponseWriter, r *http.Request, ctype, cache string, modified time.Time, body []byte) {
	sum := sha256.Sum256(body)
	h := w.Header()
	h.Set("Content-Type", ctype)
	h.Set("Cache-Control", cache)
	h.Set("ETag", `"`+hex.EncodeToString(sum[:12])+`"`)
	http.ServeContent(w, r, "", modified, bytes.NewReader(body))
}

func (s *Server) statusFeed(w http.ResponseWriter, r *http.Request) {
	st := s.status
	p, err := st.svc.Public(r.Context(), status.Query{Since: st.svc.Now().AddDate(0, 0, -status.HistoryDays), Limit: 50})
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	body, err := p.Atom(p.URL + "/feed.atom")
	if err != nil {
		s.publicFail(w, r, err)
		return
	}
	serveDoc(w, r, "application/atom+xml; charset=utf-8", docCache, p.UpdatedAt(), body)
}

// statusJSON serves one of the Statuspage v2 documents, made from the
// last 90 days.
func (s *Server) statusJSON(doc func(status.Public) any) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := s.status
		p, err := st.svc.Public(r.Context(), status.Query{Since: st.svc.Now().AddDate(0, 0, -status.HistoryDays)})
		if err != nil {
			code := http.StatusInternalServerError
			if errs.CodeOf(err) == errs.Unavailable {
				// Widgets and monitors poll these: tell them when to
				// come back rather than that something broke.
				code = http.StatusServiceUnavailable
				s.log.WarnContext(r.Context(), "status json: refused for now", "err", err)
				retryAfter(w, err)
			} else {
				s.log.ErrorContext(r.Context(), "status json", "err", err)
			}
			w.Header().Set("Content-Type", "application/json")
			w.Header().Set("Access-Control-Allow-Origin", "*")
			w.WriteHeader(code)
			w.Write([]byte(`{"error":"the status page is unavailable for a moment"}` + "\n"))
			return
		}
		body, err := json.MarshalIndent(doc(p), "", "  ")
		if err != nil {
			s.publicFail(w, r, err)
			return
		}
		// Widgets on other sites read these documents.
		w.Header().Set("Access-Control-Allow-Origin", "*")
		serveDoc(w, r, "application/json; charset=utf-8", docCache, p.UpdatedAt(), append(body, '\n'))
	}
}

// subscribe takes an address from the form. What it answers never says
// whether the address was subscribed already.
func (s *Server) subscribe(w http.ResponseWriter, r *http.Request) {
	st := s.status
	if !parseForm(w, r) {
		return
	}
	email := strings.TrimSpace(r.PostFormValue("email"))
	if r.PostFormValue("website") != "" { // the honeypot people do not see
		s.renderStatusHome(w, r, http.StatusBadRequest, email, "Your subscription could not be accepted. If you are a person, leave the field labelled “Leave empty” empty.")
		return
	}
	if !st.svc.Subscriptions() {
		s.renderStatusHome(w, r, http.StatusConflict, email, "Email subscriptions are off on this status page.")
		return
	}
	addr, err := status.NormaliseEmail(email)
	if err != nil {
		s.renderStatusHome(w, r, http.StatusUnprocessableEntity, email, "Enter an email address such as name@example.com.")
		return
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	if err := st.limiter.Attempt("subscribe-from:"+host, "subscribe-to:"+addr); err != nil {
		retryAfter(w, err)
		s.renderStatusHome(w, r, http.StatusTooManyRequests, email, "Too many subscriptions from your address, or to this email, in a short time. Try again in 15 minutes.")
		return
	}
	err = st.svc.Subscribe(r.Context(), addr)
	switch {
	case errors.Is(err, status.ErrMailFailed):
		s.renderStatusHome(w, r, http.StatusServiceUnavailable, email, "We could not send the confirmation email just now. Try again in a few minutes.")
		return
	case err != nil:
		s.log.ErrorContext(r.Context(), "subscribe", "err", err)
		s.renderStatusHome(w, r, http.StatusInternalServerError, email, "Something went wrong on our side. Try again in a few minutes.")
		return
	}
	s.log.InfoContext(r.Context(), "status subscription requested", slog.String("from", host))
	http.Redirect(w, r, withFlash("/status", flashSubscribeStarted)+"#subscribe", http.StatusSeeOther)
}

type statusLinkData struct {
	statusPublic
	Kind    string // confirm or unsubscribe
	Token   string
	Email   string
	Done    bool
	Problem string
}

// linkProblem is the status and text for a link that does not work.
func linkProblem(err error) (int, string, bool) {
	switch {
	case errors.Is(err, status.ErrBadLink):
		return http.StatusNotFound, "This link is not valid, or has already been used: each link works once.", true
	case errors.Is(err, status.ErrExpired):
		return http.StatusGone, "This confirmation link has expired. Subscribe again to get a new one.", true
	case errors.Is(err, status.ErrUnsubscribed):
		return http.StatusGone, "This address is already unsubscribed: you get no more email from this status page.", true
	}
	return 0, "", false
}

// subscriptionLink answers the confirm and unsubscribe links: the GET asks
// (mail scanners open links), only the POST acts. An RFC 8058 one-click
// POST from a mail provider is the same POST.
func (s *Server) subscriptionLink(kind string, act bool) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		st := s.status
		ctx := r.Context()
		p, err := st.svc.Page(ctx)
		if err != nil {
			s.publicFail(w, r, err)
			return
		}
		title := "Confirm your subscription"
		if kind == "unsubscribe" {
			title = "Unsubscribe"
		}
		d := statusLinkData{statusPublic: st.public(s, r, title, "", p), Kind: kind, Token: r.PathValue("token")}
		var sub status.Subscriber
		switch {
		case kind == "confirm" && act:
			sub, err = st.svc.Confirm(ctx, d.Token)
		case kind == "confirm":
			sub, err = st.svc.CheckConfirm(ctx, d.Token)
		case act:
			sub, err = st.svc.Unsubscribe(ctx, d.Token)
		default:
			sub, err = st.svc.CheckUnsubscribe(ctx, d.Token)
		}
		code := http.StatusOK
		if err != nil {
			var ok bool
			if code, d.Problem, ok = linkProblem(err); !ok {
				s.publicFail(w, r, err)
				return
			}
		}
		d.Email, d.Done = sub.Email, err == nil && act
		w.Header().Set("Referrer-Policy", "no-referrer") // the token is in the URL
		w.Header().Set("Cache-Control", "no-store")
		s.renderPublic(w, r, code, "status_link", d)
	}
}
