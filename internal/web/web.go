// Package web is the responder's console: server-rendered pages over the
// same services as the API, with a small script of our own for live updates
// and keyboard use. Every flow works without the script.
package web

import (
	"bytes"
	"context"
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"html/template"
	"log/slog"
	"net/http"
	"net/url"
	"path"
	"strings"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	assetrec "github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/insights"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
	"github.com/firebreak-ir/firebreak/internal/related"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/status"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

//go:embed templates static
var assets embed.FS

// Counter counts incidents per state for the list page.
type Counter interface {
	CountByState(ctx context.Context, v incident.Viewer) (map[incident.State]int, error)
}

// Deps are what the console serves.
type Deps struct {
	Incidents   *incident.Service
	Auth        *auth.Service
	Counts      Counter
	Triage      *triage.Service
	Roster      *roster.Roster
	Contacts    *contacts.Service
	Escalations *escalation.Service
	// Duties are the notification duties (facts, obligations); nil leaves
	// their panel and pages out.
	Duties *duties.Service
	// Status is the public status page and its console; nil leaves them out.
	Status *status.Service
	// Notices are notices, the dossier and stakeholder updates; nil leaves them out.
	Notices *notices.Service
	// Assets are the affected assets, credentials and fixes, and the
	// inventory; nil leaves their section and pages out.
	Assets *assetrec.Service
	// Indicators are the indicators of compromise; nil leaves their
	// section out.
	Indicators *indicators.Service
	// Insights are the program's figures; nil leaves /insights out.
	Insights *insights.Service
	// SecurityTxt configures /.well-known/security.txt.
	SecurityTxt SecurityTxt
	// BaseURL is the URL people reach this server at (the configured
	// public URL, else the listening one), for absolute URLs in pages and
	// documents; never taken from a request's Host.
	BaseURL func() string
	Logger  *slog.Logger
	Now     func() time.Time
	// LiveFromStore: incident and queue changes reach live pages through
	// Changed and QueueChanged, from the database's announcements (PostgreSQL, where several nodes
	// serve), not from this process's services (see live_nodes.go).
	LiveFromStore bool
}

// Server is the web console.
type Server struct {
	incidents   *incident.Service
	auth        *auth.Service
	counts      Counter
	triage      *triage.Service
	roster      *roster.Roster
	contacts    *contacts.Service
	escalations *escalation.Service
	duties      *duties.Service
	desk        *reportDesk
	status      *statusSite // the public status page; nil when off
	notices     *notices.Service
	jobs        DeadJobs            // the dead jobs page; nil when off (SetJobs)
	outbox      *outboxPage         // the deliveries page; nil when off (SetDeliveries)
	plans       *plan.Service       // the plans pages; nil when off (SetPlans)
	assets      *assetrec.Service   // the Assets section and inventory; nil when off
	evidence    *evidence.Service   // the evidence section; nil when off (SetEvidence)
	actions     *actions.Service    // the action items page; nil when off (SetActions)
	indicators  *indicators.Service // the Indicators section; nil when off
	insights    *insights.Service   // /insights; nil when off
	postmortems *postmortem.Service // post-mortem drafts and exports; nil when off (SetPostmortems)
	related     *related.Service    // the overview's related incidents; nil when off (SetRelated)
	baseURL     func() string
	log         *slog.Logger
	now         func() time.Time
	pages       map[string]*template.Template
	static      map[string]staticFile // by versioned name
	staticURL   map[string]string     // plain name → versioned URL
	live        *broker
	closing     chan struct{} // closed by Close: live streams end
	closeOnce   sync.Once
}

// Close ends every live stream, so a graceful shutdown does not wait for
// browsers that keep their event stream open forever. Safe to call twice.
func (s *Server) Close() { s.closeOnce.Do(func() { close(s.closing) }) }

type staticFile struct {
	body  []byte
	ctype string
}

// New parses every template now, so a broken page fails the start rather
// than a request, and subscribes the live broker to committed changes.
func New(d Deps) (*Server, error) {
	s := &Server{incidents: d.Incidents, auth: d.Auth, counts: d.Counts, triage: d.Triage, roster: d.Roster, contacts: d.Contacts, escalations: d.Escalations, desk: newReportDesk(d.Now, d.SecurityTxt), log: d.Logger, now: d.Now,
		pages: map[string]*template.Template{}, static: map[string]staticFile{}, staticURL: map[string]string{}, live: newBroker(), closing: make(chan struct{})}
	s.status = newStatusSite(d.Status, d.Now)
	s.notices = d.Notices
	s.duties = d.Duties
	s.baseURL = d.BaseURL
	s.assets = d.Assets
	s.indicators = d.Indicators
	s.insights = d.Insights
	if err := s.loadStatic(); err != nil {
		return nil, err
	}
	pages, err := parsePages(assets, s.funcs())
	if err != nil {
		return nil, err
	}
	s.pages = pages
	// Observers are only for live pages (SSE): in memory, lost with the
	// process, which is fine for a refresh hint; durable effects are jobs.
	if !d.LiveFromStore {
		d.Incidents.Observe(s.live.publish)
	}
	if d.Triage != nil && !d.LiveFromStore {
		d.Triage.Observe(s.live.triageChanged)
	}
	return s, nil
}

func (s *Server) loadStatic() error {
	for _, name := range []string{"app.css", "app.js"} {
		b, err := assets.ReadFile("static/" + name)
		if err != nil {
			return fmt.Errorf("web: %w", err)
		}
		sum := sha256.Sum256(b)
		ext := path.Ext(name)
		versioned := strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:6]) + ext
		ctype := "text/css; charset=utf-8"
		if ext == ".js" {
			ctype = "text/javascript; charset=utf-8"
		}
		s.static[versioned] = staticFile{body: b, ctype: ctype}
		s.staticURL[name] = "/static/" + versioned
	}
	return nil
}

// Register adds the console's routes to mux. Every page but sign-in and
// the assets needs a session; every state change is also guarded against
// cross-origin requests.
func (s *Server) Register(mux *http.ServeMux) {
	page := func(pattern string, h http.HandlerFunc, need auth.Role) {
		mux.Handle(pattern, s.signedIn(need, h))
	}
	mux.HandleFunc("GET /static/{name}", s.serveStatic)
	mux.HandleFunc("GET /{$}", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/incidents", http.StatusSeeOther) })
	mux.HandleFunc("GET /signin", s.signinPage)
	// Open to everyone: outsiders report here; colleagues signed in are
	// recorded as the reporter.
	mux.HandleFunc("GET /report", s.reportPage)
	mux.HandleFunc("POST /report", s.report)
	mux.HandleFunc("GET /.well-known/security.txt", s.securityTxt)
	mux.HandleFunc("POST /signin", s.signin)
	mux.HandleFunc("POST /signout", s.signout)

	page("GET /incidents", s.listPage, auth.Viewer)
	page("GET /incidents/new", s.declarePage, auth.Responder)
	page("POST /incidents", s.declare, auth.Responder)
	page("GET /incidents/{ref}", s.incidentPage, auth.Viewer)
	page("GET /incidents/{ref}/postmortem", s.postmortemPage, auth.Viewer)
	page("POST /incidents/{ref}/transition", s.transition, auth.Responder)
	page("POST /incidents/{ref}/severity", s.severity, auth.Responder)
	page("POST /incidents/{ref}/details", s.details, auth.Responder)
	page("POST /incidents/{ref}/roles", s.assign, auth.Responder)
	page("POST /incidents/{ref}/roles/remove", s.unassign, auth.Responder)
	page("POST /incidents/{ref}/entries", s.addEntry, auth.Responder)
	page("POST /incidents/{ref}/postmortem", s.savePostmortem, auth.Responder)
	page("POST /incidents/{ref}/postmortem/review", s.requestPostmortemReview, auth.Responder)
	page("POST /incidents/{ref}/postmortem/reviews", s.reviewPostmortem, auth.Responder)
	page("POST /incidents/{ref}/postmortem/publish", s.publishPostmortem, auth.Responder)
	s.registerPostmortemExports(page)
	page("GET /events", s.events, auth.Viewer)
	page("GET /account", s.accountPage, auth.Viewer)
	page("POST /account/password", s.changePassword, auth.Viewer)
	page("GET /admin/users", s.usersPage, auth.Admin)
	page("POST /admin/users", s.createUser, auth.Admin)
	page("POST /admin/users/{username}", s.updateUser, auth.Admin)
	page("GET /admin/tokens", s.tokensPage, auth.Admin)
	page("POST /admin/tokens", s.createToken, auth.Admin)
	page("POST /admin/tokens/{id}/revoke", s.revokeToken, auth.Admin)
	page("GET /triage", s.triagePage, auth.Viewer)
	page("GET /triage/{id}", s.triageEntryPage, auth.Viewer)
	page("GET /triage/{id}/attachments/{sha}", s.triageAttachment, auth.Viewer)
	page("POST /triage/{id}/acknowledge", s.triageAcknowledge, auth.Responder)
	page("POST /triage/{id}/declare", s.triageDeclare, auth.Responder)
	page("POST /triage/{id}/attach", s.triageAttach, auth.Responder)
	page("POST /triage/{id}/dismiss", s.triageDismiss, auth.Responder)
	page("POST /triage/{id}/snooze", s.triageSnooze, auth.Responder)
	page("GET /admin/integrations", s.integrationsPage, auth.Admin)
	page("POST /admin/integrations", s.createIntegration, auth.Admin)
	page("POST /admin/integrations/{id}/disable", s.disableIntegration, auth.Admin)
	page("GET /admin/jobs", s.jobsPage, auth.Admin)
	page("POST /admin/jobs/{id}/retry", s.retryJob, auth.Admin)
	page("POST /admin/jobs/{id}/discard", s.discardJob, auth.Admin)
	page("GET /admin/deliveries", s.deliveriesPage, auth.Admin)
	s.registerWorkspace(page)
	s.registerPlans(page)
	s.registerOnCall(mux, page)
	s.registerDuties(page)
	s.registerStatus(mux, page)
	s.registerNotices(mux, page)
	s.registerTasks(page)
	s.registerAssess(page)
	s.registerAssets(page)
	s.registerIndicators(page)
	s.registerInsights(page)
}

// Protect wraps the whole site: cross-origin state changes are refused
// (Sec-Fetch-Site / Origin checks, Go's CrossOriginProtection), and every
// page gets conservative security headers.
func Protect(next http.Handler) http.Handler {
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		http.Error(w, "Forbidden: this form was sent from another site. Go back to Firebreak and submit it there.", http.StatusForbidden)
	}))
	h := cop.Handler(next)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hd := w.Header()
		hd.Set("X-Content-Type-Options", "nosniff")
		hd.Set("Referrer-Policy", "same-origin")
		if !strings.HasPrefix(r.URL.Path, "/api/") {
			hd.Set("X-Frame-Options", "DENY")
			hd.Set("Content-Security-Policy", "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'")
		}
		h.ServeHTTP(w, r)
	})
}

func (s *Server) serveStatic(w http.ResponseWriter, r *http.Request) {
	f, ok := s.static[r.PathValue("name")]
	if !ok {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", f.ctype)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(f.body)
}

// base is what every page's layout needs.
type base struct {
	Title   string
	User    auth.User
	CanAct  bool
	IsAdmin bool
	Live    string // what the script keeps live: "list" or "incident:INC-7"
	Flash   string
	Error   string
	Stale   string // when set, the error is a stale edit: a link to reload this
	Nav     string
}

type ctxKey int

const userKey ctxKey = 0

func userFrom(r *http.Request) auth.User {
	u, _ := r.Context().Value(userKey).(auth.User)
	return u
}

func viewerOf(u auth.User) incident.Viewer {
	return incident.Viewer{User: u.Username, SeeAll: u.Role == auth.Admin}
}

func (s *Server) base(r *http.Request, title, nav string) base {
	u := userFrom(r)
	// A flash code (flash.go) shows its fixed sentence; the older pages
	// still carry their sentence itself.
	flash := r.URL.Query().Get("flash")
	if t := flashOf(r); t != "" {
		flash = t
	}
	return base{Title: title, User: u, CanAct: u.Role.Allows(auth.Responder), IsAdmin: u.Role == auth.Admin, Nav: nav, Flash: flash}
}

const sessionCookie = auth.SessionCookie

// signedIn resolves the session; without one, pages redirect to sign-in
// (remembering where the person was going) and posts answer 401. A role
// below need gets 403.
func (s *Server) signedIn(need auth.Role, next http.HandlerFunc) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		c, err := r.Cookie(sessionCookie)
		var u auth.User
		if err == nil {
			_, u, err = s.auth.SessionFor(r.Context(), c.Value)
		}
		if err != nil {
			if errs.CodeOf(err) == errs.Unavailable {
				s.fail(w, r, err) // 503 with Retry-After, not a sign-in page
				return
			}
			if errs.CodeOf(err) != errs.Unauthorized && err != http.ErrNoCookie {
				s.log.ErrorContext(r.Context(), "session", "err", err)
				s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. Try again in a moment.")
				return
			}
			if r.Method == http.MethodGet && r.URL.Path != "/events" {
				http.Redirect(w, r, "/signin?next="+url.QueryEscape(r.URL.RequestURI()), http.StatusSeeOther)
				return
			}
			http.Error(w, "Unauthorized: sign in first.", http.StatusUnauthorized)
			return
		}
		telemetry.SetUser(r.Context(), u.Username)
		if !u.Role.Allows(need) {
			r = r.WithContext(context.WithValue(r.Context(), userKey, u))
			s.errorPage(w, r, http.StatusForbidden, "Your role ("+string(u.Role)+") may not do this; it needs "+string(need)+".")
			return
		}
		next(w, r.WithContext(context.WithValue(r.Context(), userKey, u)))
	})
}

// render executes a page into a buffer first, so a template error never
// sends half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		s.log.ErrorContext(r.Context(), "no such page", "page", name)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", data); err != nil {
		s.log.ErrorContext(r.Context(), "render", "page", name, "err", err)
		http.Error(w, "internal error", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

type errorData struct {
	base
	Status  int
	Message string
}

func (s *Server) errorPage(w http.ResponseWriter, r *http.Request, status int, msg string) {
	s.render(w, r, status, "error", errorData{base: s.base(r, http.StatusText(status), ""), Status: status, Message: msg})
}

// fail shows an error from a service as a page with its code's status
// (errs.HTTPStatus); internal ones are logged and shown as a plain apology.
func (s *Server) fail(w http.ResponseWriter, r *http.Request, err error) {
	e, ok := errs.As(err)
	status := errs.StatusOf(err)
	switch {
	case !ok || status == http.StatusInternalServerError:
		if errors.Is(r.Context().Err(), context.DeadlineExceeded) {
			s.log.WarnContext(r.Context(), "web: request deadline passed", "err", err)
			w.Header().Set("Retry-After", "5")
			s.errorPage(w, r, http.StatusServiceUnavailable, "The database did not answer in time. Nothing you typed may have been saved; go back and try again in a moment.")
			return
		}
		s.log.ErrorContext(r.Context(), "web", "err", err)
		s.errorPage(w, r, http.StatusInternalServerError, "Something went wrong on our side. Nothing you typed was saved; go back and try again.")
	case e.Code == errs.Forbidden:
		s.errorPage(w, r, status, "You may not do this.")
	case e.Code == errs.Precondition:
		s.errorPage(w, r, codeOf(err), message(err))
	case e.Code == errs.Unavailable:
		// A full disk or a database out of reach: trying again later works.
		s.log.WarnContext(r.Context(), "web: refused for now", "err", err)
		w.Header().Set("Retry-After", "5")
		retryAfter(w, err)
		s.errorPage(w, r, status, e.Message+" Go back and try again in a moment.")
	default:
		retryAfter(w, err)
		s.errorPage(w, r, status, e.Message)
	}
}

// message is what a person reads for a failed change.
func message(err error) string {
	e, ok := errs.As(err)
	if !ok {
		return "Something went wrong on our side; nothing was changed. Try again."
	}
	if e.Code == errs.Conflict || e.Code == errs.Precondition {
		return "Someone else changed this incident while you were working on it. What you typed is kept below; reload to see their change, then submit again."
	}
	if len(e.Details) > 1 {
		var parts []string
		for _, d := range e.Details {
			parts = append(parts, d.Message)
		}
		return strings.Join(parts, "; ")
	}
	return e.Message
}
