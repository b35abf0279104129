// Package httpapi serves the REST API under /api/v1, its OpenAPI 3.1
// document, health checks and metrics. Every /api/v1 operation states the
// role it needs; an operation that states none is denied.
package httpapi

import (
	"context"
	"log/slog"
	"net/http"
	"reflect"
	"time"

	"github.com/danielgtaylor/huma/v2"
	"github.com/danielgtaylor/huma/v2/adapters/humago"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/insights"
	"github.com/firebreak-ir/firebreak/internal/markdown"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
	"github.com/firebreak-ir/firebreak/internal/related"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/status"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Idempotency remembers answers to POSTs with an Idempotency-Key.
type Idempotency interface {
	ReserveIdempotency(ctx context.Context, user, key string, r store.IdemRecord) (*store.IdemRecord, error)
	CompleteIdempotency(ctx context.Context, user, key string, status int, contentType string, body []byte) error
	ReleaseIdempotency(ctx context.Context, user, key string) error
}

// Pinger reports whether the database can serve, for /readyz: it answers
// in time and (SQLite) writes are not refused for lack of space.
type Pinger interface {
	Ready(ctx context.Context) error
}

// Deps are what the API serves.
type Deps struct {
	Incidents   *incident.Service
	Auth        *auth.Service
	Triage      *triage.Service
	Roster      *roster.Roster
	Contacts    *contacts.Service
	Escalations *escalation.Service
	Duties      *duties.Service // notification duties; nil leaves their routes out
	Notices     *notices.Service
	Status      *status.Service // the status page; nil leaves its routes out
	Plans       *plan.Service   // response plans; nil leaves their routes out
	// Assets are the affected assets, credentials and fixes; nil leaves
	// their routes out.
	Assets *assets.Service
	// Indicators of compromise; nil leaves their routes out.
	Indicators *indicators.Service
	// Evidence and its custody; nil leaves its routes out.
	Evidence *evidence.Service
	// Actions are the action items; nil leaves their routes out.
	Actions *actions.Service
	// Insights are the program's figures; nil leaves their routes out.
	Insights *insights.Service
	// Postmortem drafts post-mortems from the record and exports them;
	// nil leaves the draft and export routes out.
	Postmortem *postmortem.Service
	// Related finds past incidents sharing a type, asset or indicator;
	// nil leaves its route out.
	Related *related.Service
	// Pprof mounts Go's profiling handlers under /debug/pprof/, for
	// admins only (serve --pprof; pprof.go).
	Pprof       bool
	Jobs        Jobs
	Deliveries  Deliveries // the outbox; nil leaves its route out
	Idempotency Idempotency
	DB          Pinger
	Logger      *slog.Logger
	Registry    *prometheus.Registry
	Version     string
	// HTTP observes every request (access log, metrics, spans); the app
	// passes the one that wraps all its routes. When nil the API wraps
	// its own handler in one, on Logger and Registry.
	HTTP *telemetry.HTTP
	// BaseURL is the URL people reach this server at (the configured
	// public URL, else the listening one), for absolute URLs in answers;
	// never taken from a request's Host.
	BaseURL func() string
}

// Server is the HTTP API.
type Server struct {
	incidents   *incident.Service
	auth        *auth.Service
	triage      *triage.Service
	roster      *roster.Roster
	contacts    *contacts.Service
	escalations *escalation.Service
	duties      *duties.Service  // nil: no notification duties
	notices     *notices.Service // nil: no notices
	status      *status.Service
	plans       *plan.Service       // nil: no plans routes
	assets      *assets.Service     // nil: no asset, credential or fix routes
	indicators  *indicators.Service // nil: no indicator routes
	evidence    *evidence.Service   // nil: no evidence routes
	actions     *actions.Service    // nil: no action item routes
	insights    *insights.Service   // nil: no insights routes
	postmortem  *postmortem.Service // nil: no post-mortem draft and export routes
	markdown    *markdown.Renderer  // renders exported post-mortems
	related     *related.Service    // nil: no related-incidents route
	jobs        Jobs
	deliveries  Deliveries
	idem        Idempotency
	db          Pinger
	log         *slog.Logger
	handler     http.Handler
	api         huma.API
	baseURL     func() string
}

// New builds the API and its route table.
func New(d Deps) *Server {
	s := &Server{incidents: d.Incidents, auth: d.Auth, triage: d.Triage, roster: d.Roster, contacts: d.Contacts, escalations: d.Escalations, duties: d.Duties, notices: d.Notices, status: d.Status, plans: d.Plans, jobs: d.Jobs, deliveries: d.Deliveries, idem: d.Idempotency, db: d.DB, log: d.Logger}
	s.indicators = d.Indicators
	mux := http.NewServeMux()
	cfg := huma.DefaultConfig("Firebreak API", d.Version)
	cfg.OpenAPIPath = "/api/v1/openapi"
	cfg.Components.Schemas = huma.NewMapRegistry("#/components/schemas/", schemaName)
	// A destination is written in its JSON form (alert.Destination.MarshalJSON).
	cfg.Components.Schemas.RegisterTypeAlias(reflect.TypeFor[alert.Destination](), reflect.TypeFor[alert.DestinationJSON]())
	// No docs page: huma's loads its viewer from a CDN, and Firebreak must
	// work with no outside service. The OpenAPI document is enough.
	cfg.DocsPath = ""
	cfg.SchemasPath = "/api/v1/schemas"
	cfg.Info.Description = "Incident response: declare, classify, and carry incidents through the lifecycle with a tamper-evident timeline."
	cfg.Components.SecuritySchemes = map[string]*huma.SecurityScheme{
		"bearer": {Type: "http", Scheme: "bearer", Description: "An API token: firebreak token create, or POST /api/v1/tokens."},
	}
	cfg.Security = []map[string][]string{{"bearer": {}}}
	// Responses are plain JSON; no $schema links pointing back at us.
	cfg.CreateHooks = nil
	cfg.Transformers = append(cfg.Transformers, trimErrorValues, noteSecrets)
	cfg.Formats = map[string]huma.Format{"application/json": jsonFormat, "json": jsonFormat}
	s.baseURL = d.BaseURL
	s.assets = d.Assets
	s.evidence = d.Evidence
	s.actions = d.Actions
	s.insights = d.Insights
	s.postmortem, s.markdown = d.Postmortem, newMarkdown()
	s.related = d.Related
	api := humago.New(mux, cfg)
	// A repeated Idempotency-Key is answered from memory only after the
	// caller is authorised again (idempotency.go).
	api.UseMiddleware(s.authorize, s.idemReplay)
	s.api = api

	s.registerIncidents(api)
	s.registerUsers(api)
	s.registerTriage(api)
	s.registerReports(api)
	s.registerOnCall(api)
	s.registerJobs(api)
	s.registerDeliveries(api)
	s.registerConfig(api)
	s.registerDuties(api)
	s.registerNotices(api)
	s.registerStatus(api)
	s.registerPlans(api)
	s.registerAssets(api)
	s.registerIndicators(api)
	s.registerEvidence(api)
	s.registerActions(api)
	s.registerInsights(api)
	s.registerPostmortemDraft(api)
	s.registerPostmortemMeeting(api)
	s.registerRelated(api)
	if d.Pprof {
		s.registerPprof(api)
	}
	s.documentHooks(api)
	s.documentPagerDuty(api)
	completeDocument(api.OpenAPI())

	mux.HandleFunc("POST /hooks/pagerduty/{token}", s.pagerduty)
	mux.HandleFunc("POST /hooks/pagerduty", s.pagerduty)
	mux.HandleFunc("POST /v2/enqueue", s.pagerduty) // PagerDuty's own path
	mux.HandleFunc("POST /hooks/{kind}/{token}", s.hooks)
	mux.HandleFunc("POST /hooks/{kind}", s.hooks)
	mux.HandleFunc("GET /healthz", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.Write([]byte("ok\n"))
	})
	mux.HandleFunc("GET /readyz", s.readyz)
	mux.Handle("GET /metrics", promhttp.HandlerFor(d.Registry, promhttp.HandlerOpts{}))
	mux.HandleFunc("/api/", func(w http.ResponseWriter, r *http.Request) {
		writeProblem(w, http.StatusNotFound, "no such API route: "+r.Method+" "+r.URL.Path)
	})
	s.handler = s.authenticate(s.idempotent(telemetry.Route(notModified(mux))))
	if d.HTTP == nil {
		s.handler = telemetry.NewHTTP(telemetry.HTTPOptions{Logger: d.Logger, Registry: d.Registry}).Handler(s.handler)
	}
	return s
}

// Handler returns the root handler.
func (s *Server) Handler() http.Handler { return s.handler }

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	if err := s.db.Ready(ctx); err != nil {
		s.log.WarnContext(ctx, "not ready", "err", err)
		msg := "the database does not answer"
		if e, ok := errs.As(err); ok && e.Code == errs.Unavailable {
			msg = e.Message
		}
		w.Header().Set("Retry-After", retryAfterSeconds(5*time.Second))
		writeProblem(w, http.StatusServiceUnavailable, msg)
		return
	}
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Write([]byte("ready\n"))
}
