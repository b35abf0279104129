// Package app wires the store, the services and the HTTP edge together for
// `firebreak serve`, and runs them in-process for tests.
package app

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/google/uuid"
	"github.com/prometheus/client_golang/prometheus"
	"go.opentelemetry.io/otel/trace"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/audit"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/deliverylimit"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/insights"
	"github.com/firebreak-ir/firebreak/internal/mailin"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/outbox"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
	"github.com/firebreak-ir/firebreak/internal/related"
	"github.com/firebreak-ir/firebreak/internal/roster"
	"github.com/firebreak-ir/firebreak/internal/status"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/tasks"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
	"github.com/firebreak-ir/firebreak/internal/triage"
	"github.com/firebreak-ir/firebreak/internal/web"
)

// Config is what `serve` needs.
type Config struct {
	Addr           string // host:port; port 0 picks a free one
	DSN            string // a SQLite path or a postgres:// URL
	BootstrapToken string // FIREBREAK_BOOTSTRAP_ADMIN_TOKEN
	Version        string
	Logger         *slog.Logger
	// Tracing makes the spans of requests, jobs, the store and outgoing
	// requests; nil is the no-op tracer (telemetry.NewTracing).
	Tracing trace.TracerProvider
	// Policy is the lifecycle policy (severity levels, post-mortem days);
	// nil is the default.
	Policy *incident.Policy
	// Out receives the one-time admin token and password of a first start.
	Out io.Writer
	Now func() time.Time
	// SMTPAddr, when set, starts the inbound SMTP listener there (port 0
	// picks a free one); SMTP configures it.
	SMTPAddr string
	SMTP     SMTPConfig
	// Routes is the alert routing tree below each integration's default.
	Routes []*alert.Route
	// Integrations are declared by configuration, with their secrets.
	Integrations []ConfiguredIntegration
	// SecurityTxt configures /.well-known/security.txt.
	SecurityTxt web.SecurityTxt
	// PublicURL is the URL people reach this server at, for links in
	// pages (acknowledge, open the incident) and every absolute URL
	// (security.txt, webhook addresses); the listening URL when empty.
	PublicURL string
	// TrustProxy are the reverse proxies whose X-Forwarded-For and
	// X-Forwarded-Proto are believed; from any other peer they are ignored.
	TrustProxy web.TrustedProxies
	// Email is the outbound SMTP relay for email contacts; nil turns email
	// contacts off.
	Email *notify.Email
	// Notifier replaces the channels (email, webhook, Slack, Teams); for
	// tests.
	Notifier notify.Notifier
	// Outbound is the policy every outgoing HTTP request (webhook, Slack,
	// Teams, update subscriptions) is sent under: loopback, private,
	// link-local and metadata addresses are refused unless it allows them
	// (policy file: outbound.allow). Tests allow their loopback receivers.
	Outbound outbound.Policy
	// OutboundTimeout bounds one delivery attempt (an HTTP request, an
	// SMTP exchange without a timeout of its own); policy file
	// outbound.timeout; notify.DefaultTimeout (10 s) when zero.
	OutboundTimeout time.Duration
	// Notices configures notice templates, the organisation's names and
	// contacts in notices, and the stakeholder-update cadence.
	Notices notices.Config
	// ReportService is the on-call service reports from people are filed
	// on (policy file reports.service); "security" when empty.
	ReportService string
	// Library is the built-in response plans, put at start when new or
	// upgraded unless an administrator changed them (plan.Service.Sync);
	// serve passes plan.Library(). Nil puts none, so tests that walk an
	// incident through its phases are not gated by plan tasks they do
	// not mean to test.
	Library []plan.Plan
	// Plans are the configured response plans (the policy file's and the
	// plans file's), put at start whenever they differ from the stored
	// version.
	Plans []plan.Plan
	// Organization, when set, is the organisation profile obligations are
	// matched against, applied at start.
	Organization *duties.Profile
	// Catalog is the obligation catalog: the built-in one merged with the
	// organisation's own (contractual and internal duties); nil is the
	// built-in one.
	Catalog *comms.Catalog
	// Audit, when set, signs checkpoints of the audit record at start and
	// periodically.
	Audit *AuditConfig
	// Evidence says where uploaded evidence is kept and how large a file
	// may be.
	Evidence EvidenceConfig
	// Backup schedules verified backups of a SQLite database.
	Backup BackupConfig
	// RequestTimeout bounds each request's wait for the database; past it
	// the answer is 503 with Retry-After. httpapi.DefaultRequestTimeout
	// when zero.
	RequestTimeout time.Duration
	// DiskReserve and DiskMinFree configure the SQLite server's reserve
	// file and the free space /readyz wants (store.Options); the store's
	// defaults when zero.
	DiskReserve, DiskMinFree int64
	// IdempotencyStale is how long an Idempotency-Key reservation waits
	// for its answer before a retry may take it over (store.Options);
	// store.DefaultIdempotencyStale when zero.
	IdempotencyStale time.Duration
	// Actions configures action items (policy file actions:): the time
	// zone due dates are days in, reminders, webhooks and the GitHub
	// mapping.
	Actions actions.Config
	// Tasks is when task reminders go out (policy file tasks:); the
	// defaults when zero.
	Tasks tasks.Config
	// PostmortemTemplates are the policy file's post-mortem templates,
	// laid over the built-in ones (postmortem_templates:).
	PostmortemTemplates postmortem.Templates
	// Insights is the organisation's time zone and working hours for
	// the insights (policy file insights:).
	Insights InsightsConfig
	Pprof    bool // serve --pprof: Go's profiles under /debug/pprof/, admins only (pprof.go)
}

// ConfiguredIntegration is an integration from the configuration file.
type ConfiguredIntegration struct {
	triage.IntegrationInput
	Secret string
}

// SMTPConfig is the inbound SMTP listener's configuration.
type SMTPConfig struct {
	Mailboxes triage.Mailboxes // whose mail becomes reports, and alerts
	MaxBytes  int64            // per message; 10 MiB when zero
}

// App is a running Firebreak.
type App struct {
	cfg      Config
	DB       *store.DB
	Services *Services
	Engine   *engine.Engine
	stopJobs context.CancelFunc
	jobsDone chan struct{}
	srv      *http.Server
	ln       net.Listener
	smtp     *mailin.Server
	done     chan error
	stopOnce sync.Once
	public   *publicURL // where people reach us, for absolute URLs
	gauges   *insights.Gauges
	// Checkpoints signs checkpoints of the audit record; nil when off.
	Checkpoints     *audit.Checkpointer
	checkpointsDone chan struct{}
	live            *store.Listener // live updates from every node (live.go); nil on SQLite
}

// Services are the domain services over one store.
type Services struct {
	Incidents   *incident.Service
	Auth        *auth.Service
	Triage      *triage.Service
	Roster      *roster.Roster      // on-call configuration, who is on call, calendar feeds
	Contacts    *contacts.Service   // contact methods, verification, notification rules
	Escalations *escalation.Service // escalations, deliveries, acknowledgements, pages by hand
	Status      *status.Service     // the public status page
	Notices     *notices.Service
	Duties      *duties.Service     // notification duties: facts, obligations, reminders
	Outbox      *outbox.Outbox      // every outgoing message: status mail, notices, updates, reminders
	Tasks       *tasks.Service      // reminders of response tasks
	Plans       *plan.Service       // response plans, versioned
	Assets      *assets.Service     // affected assets and the inventory, credentials, fixes
	Indicators  *indicators.Service // indicators of compromise kept beside incidents
	Evidence    *evidence.Service   // evidence and its chain of custody
	Postmortem  *postmortem.Service // post-mortems drafted from the record: figures, drafts
	Actions     *actions.Service    // action items: follow-ups that outlive their incident
	Insights    *insights.Service   // the program's figures: counts, times to each phase, on-time rates, pages
	Related     *related.Service    // past incidents sharing a type, asset or indicator
}

// NewServices builds the services over db with the default policy.
func NewServices(db *store.DB, now func() time.Time) *Services {
	notifier := channels(Config{Now: now})
	return newServices(db, now, incident.DefaultPolicy(), slog.New(slog.DiscardHandler), notifier,
		outbox.New(outbox.Deps{Store: db, Notifier: notifier, Now: now}))
}

func newServices(db *store.DB, now func() time.Time, policy *incident.Policy, log *slog.Logger, notifier notify.Notifier, ob *outbox.Outbox) *Services {
	as := auth.NewService(db, now, newID, auth.WithLimiter(auth.NewLimiter(now)))
	inc := incident.NewService(db, as, policy, now, newID)
	inc.SetTaskFinder(db)
	plans := plan.NewService(db, now)
	plans.Roles = func(r string) bool { return incident.Role(r).Valid() }
	inc.SetPlans(plans)
	tr := triage.NewService(db, db, inc, log, now, newID)
	var sevs []string
	for _, l := range policy.Levels {
		sevs = append(sevs, l.Name)
	}
	ro := roster.New(roster.Deps{Store: db, Users: as, Severities: sevs, Now: now, NewID: newID, Logger: log})
	cs := contacts.New(contacts.Deps{Store: db, Users: as, Notifier: notifier, Outbox: ob, Now: now, NewID: newID, Logger: log})
	cs.RegisterKinds(ob)
	es := escalation.New(escalation.Deps{Store: db, Roster: ro, Contacts: cs, Incidents: inc, Queue: tr, Outbox: ob,
		Now: now, NewID: newID, Logger: log})
	es.RegisterKinds(ob)
	du := newDuties(db, inc, cs, ob, now, log)
	ts := tasks.New(tasks.Deps{Incidents: inc, People: cs, Outbox: ob, Deliveries: db, Calendar: policy.Calendar, Now: now, Logger: log})
	ts.RegisterKinds(ob)
	am := assets.New(assets.Deps{Store: db, Incidents: inc, Now: now, Logger: log})
	inc.SetAssets(am)
	ac := actions.New(actions.Deps{Store: db, Incidents: inc, Users: as, Teams: rosterTeams{ro}, Outbox: ob, People: cs, Deliveries: db, Now: now, Logger: log})
	ac.RegisterKinds(ob)
	inc.SetRecords(recordRefs{db})
	ns := notices.New(notices.Deps{Store: db, Incidents: inc, Duties: du, Channels: notifier, People: noticePeople(cs), Now: now, NewID: newID, Logger: log})
	// The side effects of incident events and new queue entries (pages,
	// update cadences, closing an ended incident's alert groups) are jobs
	// the store writes in the transaction of the event or entry (see
	// package incident, "How a change is written").
	db.SetTriggers(store.Triggers{
		Incident: func(i incident.Incident, evs []incident.Event) []engine.Job {
			return slices.Concat(escalation.IncidentJobs(i, evs), notices.IncidentJobs(i, evs), triage.IncidentJobs(i, evs), ts.IncidentJobs(i, evs), ts.PostmortemJobs(i, evs), tasks.MeetingJobs(i, evs),
				duties.AssessmentJobs(i, evs), ac.IncidentJobs(i, evs))
		},
		Entry:    func(e triage.Entry) []engine.Job { return []engine.Job{escalation.QueueEntryJob(e.Group.ID)} },
		Resolved: func(e triage.Entry) []engine.Job { return []engine.Job{escalation.QueueResolvedJob(e.Group.ID)} },
	})
	iocs := indicators.New(indicators.Deps{Store: db, Incidents: inc, Now: now, NewID: newID, Logger: log})
	return &Services{Auth: as, Incidents: inc, Triage: tr, Roster: ro, Contacts: cs, Escalations: es, Notices: ns, Duties: du, Outbox: ob, Tasks: ts, Plans: plans, Assets: am,
		Indicators: iocs,
		Evidence:   evidence.New(evidence.Deps{Store: db, Incidents: inc, Now: now, Logger: log}),
		Postmortem: newPostmortem(inc, &postmortemSources{escalations: es, duties: du, assets: am, indicators: iocs}, ac, invitees{users: as, contacts: cs}, ts),
		Actions:    ac,
		Insights:   newInsights(db, du, policy, sevs, InsightsConfig{}, now, log),
		Related:    related.New(related.Deps{Store: db, Incidents: inc, Actions: relatedActions{db}, Now: now, Logger: log})}
}

// noticePeople reaches people for notices' reminders through their
// verified contact methods.
func noticePeople(c *contacts.Service) notices.People {
	return notices.PeopleFunc(func(ctx context.Context, user string) ([]notices.Contact, error) {
		cs, err := c.VerifiedContacts(ctx, user)
		out := make([]notices.Contact, 0, len(cs))
		for _, c := range cs {
			out = append(out, notices.Contact{ID: c.ID, Target: c.Target})
		}
		return out, err
	})
}

// documents is the outbox's mailer: the notices' relay as it is when a
// document is sent.
type documents struct{ notices *notices.Service }

func (d *documents) SendDocument(ctx context.Context, to string, doc notify.Document) (notify.Sent, error) {
	return d.notices.DocumentMailer().SendDocument(ctx, to, doc)
}

// channels builds the outbound channels from the configuration.
func channels(cfg Config) notify.Notifier {
	if cfg.Notifier != nil {
		return cfg.Notifier
	}
	// One guarded client for every delivery, so connections to a receiver
	// are reused between pages.
	h := notify.NewHTTPConfig(cfg.Outbound, "Firebreak/"+cfg.Version)
	h.Timeout = cfg.OutboundTimeout
	m := notify.Mux{
		notify.KindWebhook: &notify.Webhook{HTTPConfig: h, Now: cfg.Now},
		notify.KindSlack:   &notify.Slack{HTTPConfig: h},
		notify.KindTeams:   &notify.Teams{HTTPConfig: h},
	}
	if cfg.Email != nil {
		m[notify.KindEmail] = cfg.Email
	}
	return m
}

// newID returns a UUIDv7: time-ordered, so IDs index well.
func newID() string { return uuid.Must(uuid.NewV7()).String() }

// New opens the store (migrating it), makes sure an admin can get in, and
// builds the HTTP server. It does not listen yet.
func New(ctx context.Context, cfg Config) (*App, error) {
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	if cfg.Out == nil {
		cfg.Out = io.Discard
	}
	db, err := store.Open(ctx, cfg.DSN, store.Options{Logger: cfg.Logger, Now: cfg.Now, Exclusive: true,
		DiskReserve: cfg.DiskReserve, DiskMinFree: cfg.DiskMinFree, IdempotencyStale: cfg.IdempotencyStale})
	if err != nil {
		return nil, err
	}
	if cfg.Policy == nil {
		cfg.Policy = incident.DefaultPolicy()
	}
	reg := prometheus.NewRegistry()
	eng := engine.New(db, engine.Options{Now: cfg.Now, Logger: cfg.Logger, Registry: reg, Tracing: cfg.Tracing,
		// One SQLite file has one server: jobs a killed process had claimed
		// resume at once instead of after their lease.
		SingleNode: db.Backend() == "sqlite"})
	// Every delivery goes through per-destination limits and circuit
	// breakers: a receiver that hangs holds a few workers, never every
	// one, and deliveries it refuses wait as snoozed jobs, not on a worker
	// (issue #13 item 5).
	limiter := deliverylimit.New(deliverylimit.Options{Workers: eng.Workers(), Now: cfg.Now, Registry: reg})
	notifier := channels(cfg)
	od := outbox.Deps{Store: db, Notifier: notifier, Limiter: limiter, SendTimeout: cfg.OutboundTimeout, Now: cfg.Now,
		Logger: cfg.Logger, Registry: reg}
	// Documents (emailed notices) go through the relay the notices are
	// configured with (cfg.Email, or what Configure set since).
	docs := &documents{}
	od.Mailer = docs
	svc := newServices(db, cfg.Now, cfg.Policy, cfg.Logger, notifier, outbox.New(od))
	svc.Insights = newInsights(db, svc.Duties, cfg.Policy, levelNames(cfg.Policy), cfg.Insights, cfg.Now, cfg.Logger)
	// The insights gauges read every incident of 90 days: worked out in
	// the background (Start), never per scrape.
	gauges := insights.NewGauges(svc.Insights, 0)
	reg.MustRegister(gauges)
	configureEvidence(svc.Evidence, cfg.Evidence, cfg.DSN)
	docs.notices = svc.Notices
	svc.Triage.SetReportService(cfg.ReportService)
	svc.Tasks.Configure(cfg.Tasks)
	configureActions(svc.Actions, cfg)
	svc.Postmortem.Configure(cfg.PostmortemTemplates)
	svc.Triage.SetRoutes(cfg.Routes)
	svc.Status = newStatus(db, svc, cfg)
	var mailer notices.Mailer // a nil *notify.Email must stay a nil interface
	if cfg.Email != nil {
		mailer = cfg.Email
	}
	svc.Notices.Configure(cfg.Notices, mailer)
	for _, ci := range cfg.Integrations {
		if err := svc.Triage.ApplyIntegration(ctx, ci.IntegrationInput, ci.Secret); err != nil {
			_ = db.Close() // the failure being returned is the one to report
			return nil, fmt.Errorf("integration %s from the configuration: %w", ci.Name, err)
		}
	}
	if cfg.Catalog != nil {
		svc.Duties.SetCatalog(cfg.Catalog, cfg.Catalog.Anchors())
	}
	if err := svc.Plans.Sync(ctx, cfg.Library, cfg.Plans); err != nil {
		_ = db.Close() // the failure being returned is the one to report
		return nil, fmt.Errorf("response plans: %w", err)
	}
	if err := applyOrganization(ctx, svc.Duties, cfg.Organization); err != nil {
		_ = db.Close() // the failure being returned is the one to report
		return nil, fmt.Errorf("organization from the configuration: %w", err)
	}
	token, password, err := svc.Auth.Bootstrap(ctx, cfg.BootstrapToken)
	if revoked := (*auth.RevokedBootstrapError)(nil); errors.As(err, &revoked) {
		cfg.Logger.Warn(revoked.Error(), "token_id", revoked.TokenID, "revoked_at", revoked.RevokedAt)
		fmt.Fprintf(cfg.Out, "\nWarning: %s\n\n", revoked)
		err = nil
	}
	if err != nil {
		_ = db.Close() // the failure being returned is the one to report
		return nil, fmt.Errorf("bootstrap admin: %w", err)
	}
	if token != "" {
		fmt.Fprintf(cfg.Out, "\nFirst start: created user \"admin\" with this API token. It is shown once; keep it safe:\n\n    %s\n", token)
	}
	if password != "" {
		fmt.Fprintf(cfg.Out, "\nSign in as admin with password %s\n(shown once; change it after signing in, or reset it with `firebreak password reset admin`)\n", password)
	}
	if token != "" || password != "" {
		fmt.Fprintln(cfg.Out)
	}
	public := &publicURL{configured: cfg.PublicURL}
	registerMetrics(reg, db, eng.Kinds, svc, cfg.Logger)
	observe := telemetry.NewHTTP(telemetry.HTTPOptions{Logger: cfg.Logger, Registry: reg, Tracing: cfg.Tracing, Now: cfg.Now})
	api := httpapi.New(httpapi.Deps{
		Incidents: svc.Incidents, Auth: svc.Auth, Triage: svc.Triage, Roster: svc.Roster, Contacts: svc.Contacts, Escalations: svc.Escalations, Duties: svc.Duties, Notices: svc.Notices, Jobs: db, Deliveries: db, Idempotency: db, DB: db,
		Logger: cfg.Logger, Registry: reg, Version: cfg.Version, HTTP: observe,
		Status: svc.Status, Plans: svc.Plans, BaseURL: public.String,
		Assets:     svc.Assets,
		Indicators: svc.Indicators,
		Evidence:   svc.Evidence,
		Actions:    svc.Actions,
		Insights:   svc.Insights,
		Postmortem: svc.Postmortem,
		Related:    svc.Related, Pprof: cfg.Pprof,
	})
	console, err := web.New(web.Deps{Incidents: svc.Incidents, Auth: svc.Auth, Counts: db, Triage: svc.Triage, Roster: svc.Roster, Contacts: svc.Contacts, Escalations: svc.Escalations, Status: svc.Status, Duties: svc.Duties, Notices: svc.Notices, Assets: svc.Assets, Indicators: svc.Indicators, Insights: svc.Insights, SecurityTxt: cfg.SecurityTxt, BaseURL: public.String, Logger: cfg.Logger, Now: cfg.Now, LiveFromStore: db.Backend() == "postgres"})
	if err != nil {
		_ = db.Close() // the failure being returned is the one to report
		return nil, err
	}
	root := http.NewServeMux()
	console.Register(root)
	for _, p := range append([]string{"/api/", "/hooks/", "/v2/enqueue", "/healthz", "/readyz", "/metrics"}, pprofPaths(cfg.Pprof)...) {
		root.Handle(p, api.Handler())
	}
	a := &App{cfg: cfg, DB: db, Services: svc, public: public, done: make(chan error, 1), gauges: gauges}
	if err := newCheckpointer(a); err != nil {
		_ = db.Close() // the failure being returned is the one to report
		return nil, err
	}
	a.Engine = eng
	console.SetJobs(db)
	svc.Triage.Register(a.Engine)
	svc.Escalations.Register(a.Engine)
	svc.Status.RegisterKinds(svc.Outbox)
	svc.Notices.UseOutbox(svc.Outbox)
	svc.Duties.RegisterKinds(svc.Outbox)
	svc.Notices.Register(a.Engine)
	svc.Duties.Register(a.Engine)
	svc.Tasks.Register(a.Engine)
	svc.Actions.Register(a.Engine)
	svc.Outbox.Register(a.Engine) // after every kind is registered
	console.SetDeliveries(db, svc.Outbox.Kinds())
	console.SetPlans(svc.Plans)
	console.SetEvidence(svc.Evidence)
	console.SetActions(svc.Actions)
	console.SetPostmortems(svc.Postmortem)
	console.SetRelated(svc.Related)
	a.live = newLive(db, console, svc.Triage, reg, cfg.Logger)
	// Remembered Idempotency-Key answers are deleted hourly once expired.
	a.Engine.Handle(store.JobIdempotencySweep, db.SweepIdempotency)
	if err := db.ScheduleIdempotencySweep(ctx); err != nil {
		_ = db.Close() // the failure being returned is the one to report
		return nil, fmt.Errorf("schedule the idempotency sweep: %w", err)
	}
	db.UseEngine(a.Engine) // wakes it after jobs commit; hands it the jobs it holds
	a.srv = &http.Server{
		// The access log sees the client TrustForwarded found, and every
		// answer, a refused form post's too.
		Handler:           web.TrustForwarded(observe.Handler(web.Protect(telemetry.Route(root))), cfg.TrustProxy),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       30 * time.Second,
		WriteTimeout:      60 * time.Second,
		IdleTimeout:       2 * time.Minute,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(cfg.Logger.Handler(), slog.LevelWarn),
	}
	// Every request but a live-update stream has a deadline (503 past it).
	a.srv.Handler = httpapi.Deadline(a.srv.Handler, cfg.RequestTimeout)
	a.srv.RegisterOnShutdown(console.Close)
	if cfg.SMTPAddr != "" {
		a.smtp, err = mailin.New(mailin.Config{Addr: cfg.SMTPAddr, Mailboxes: cfg.SMTP.Mailboxes, MaxBytes: cfg.SMTP.MaxBytes,
			Logger: cfg.Logger, Now: cfg.Now, Registry: reg}, svc.Triage)
		if err != nil {
			_ = db.Close() // the failure being returned is the one to report
			return nil, fmt.Errorf("smtp: %w", err)
		}
	}
	return a, nil
}

// Start listens and serves in the background.
func (a *App) Start(ctx context.Context) error {
	ln, err := (&net.ListenConfig{}).Listen(ctx, "tcp", a.cfg.Addr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", a.cfg.Addr, err)
	}
	a.ln = ln
	a.public.setListening(a.URL())
	if a.smtp != nil {
		if err := a.smtp.Start(ctx); err != nil {
			_ = ln.Close() // the failure being returned is the one to report
			a.ln = nil
			return err
		}
	}
	go func() {
		err := a.srv.Serve(ln)
		if errors.Is(err, http.ErrServerClosed) {
			err = nil
		}
		a.done <- err
	}()
	a.Services.Status.SetBaseURL(a.baseURL())
	base := a.cfg.PublicURL
	if base == "" {
		base = a.URL()
	}
	for _, s := range []interface{ SetBaseURL(string) }{a.Services.Roster, a.Services.Contacts, a.Services.Escalations, a.Services.Notices, a.Services.Postmortem} {
		s.SetBaseURL(base)
	}
	a.Services.Duties.SetBaseURL(a.Services.Escalations.BaseURL())
	a.Services.Tasks.SetBaseURL(a.Services.Escalations.BaseURL())
	a.Services.Actions.SetBaseURL(a.Services.Escalations.BaseURL())
	// The engine outlives the request that started the server; Stop ends it.
	jctx, cancel := context.WithCancel(context.WithoutCancel(ctx))
	a.stopJobs, a.jobsDone = cancel, make(chan struct{})
	go func() {
		defer close(a.jobsDone)
		var wg sync.WaitGroup
		a.runBeside(jctx, &wg)
		if err := a.Engine.Run(jctx); err != nil && !errors.Is(err, context.Canceled) {
			a.cfg.Logger.Error("job engine stopped", "err", err)
		}
		wg.Wait()
	}()
	a.runCheckpoints(jctx)
	a.waitLive(ctx)
	a.warnReportsPageNobody(ctx)
	a.cfg.Logger.Info("serving", "url", a.URL(), "backend", a.DB.Backend())
	return nil
}

// SMTPAddr is the address the SMTP listener is on; "" when it is off.
func (a *App) SMTPAddr() string {
	if a.smtp == nil || a.smtp.Addr() == nil {
		return ""
	}
	return a.smtp.Addr().String()
}

// URL is the base URL the app serves on.
func (a *App) URL() string { return "http://" + a.ln.Addr().String() }

// Stop shuts down gracefully; calling it again does nothing.
func (a *App) Stop(ctx context.Context) error {
	var err error
	a.stopOnce.Do(func() {
		if a.smtp != nil {
			err = a.smtp.Stop(ctx)
		}
		if a.ln != nil {
			err = errors.Join(err, a.srv.Shutdown(ctx))
		}
		if a.stopJobs != nil {
			a.stopJobs()
			select {
			case <-a.jobsDone:
			case <-ctx.Done():
			}
			if a.checkpointsDone != nil {
				select {
				case <-a.checkpointsDone:
				case <-ctx.Done():
				}
			}
		}
		err = errors.Join(err, a.DB.Close())
	})
	return err
}

// Run starts, then waits as Wait does.
func (a *App) Run(ctx context.Context) error {
	if err := a.Start(ctx); err != nil {
		_ = a.Stop(context.Background()) // the start failure is the one to report
		return err
	}
	return a.Wait(ctx)
}

// Wait blocks until ctx ends or the server fails, then stops gracefully.
func (a *App) Wait(ctx context.Context) error {
	var err error
	select {
	case <-ctx.Done():
	case err = <-a.done:
	}
	stopCtx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	return errors.Join(err, a.Stop(stopCtx))
}
