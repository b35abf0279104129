package cli

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"runtime/debug"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/spf13/cobra"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/app"
	"github.com/firebreak-ir/firebreak/internal/buildinfo"
	"github.com/firebreak-ir/firebreak/internal/config"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/store"
	"github.com/firebreak-ir/firebreak/internal/telemetry"
	"github.com/firebreak-ir/firebreak/internal/triage"
	"github.com/firebreak-ir/firebreak/internal/web"
)

func serveCmd(g *globals) *cobra.Command {
	var f dbFlags
	var addr, level, logFormat, policy, publicURL, catalogPath, trustProxy, plansPath string
	var af auditFlags
	var smtpAddr, smtpReports, smtpAlerts string
	var smtpMax int64
	var backupDir string
	var backupEvery time.Duration
	var backupKeep int
	var requestTimeout, idemStale time.Duration
	var diskReserveMiB, diskMinFreeMiB int64
	var pprofOn bool
	cmd := &cobra.Command{
		Use:   "serve",
		Short: "Run the server (API, metrics) on an embedded SQLite database or PostgreSQL", Example: `  firebreak serve
  firebreak serve --addr 0.0.0.0:8080 --data-dir /var/lib/firebreak --public-url https://firebreak.example.com
  firebreak serve --db postgres://firebreak@db.internal/firebreak --policy policy.yaml`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			var lvl slog.Level
			if err := lvl.UnmarshalText([]byte(level)); err != nil {
				return fmt.Errorf("--log-level: %w", err)
			}
			cfg, err := config.Load(first(policy, g.env.Getenv("FIREBREAK_POLICY")))
			if err != nil {
				return err
			}
			log, err := telemetry.NewLogger(g.env.Stderr, first(logFormat, g.env.Getenv("FIREBREAK_LOG_FORMAT"), cfg.LogFormat()), lvl)
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("--log-format: %w", err)}
			}
			tracing, err := serveTracing(cmd.Context(), g, cfg)
			if err != nil {
				return err
			}
			defer tracing.close(log)
			smtpCfg := app.SMTPConfig{MaxBytes: smtpMax, Mailboxes: triage.Mailboxes{Reports: splitList(smtpReports), Alerts: splitList(smtpAlerts)}}
			if smtpMax <= 0 {
				return fmt.Errorf("--smtp-max-size must be positive, got %d", smtpMax)
			}
			intake, err := intakeConfig(cfg, g.env.Getenv)
			if err != nil {
				return err
			}
			smtpOn := first(smtpAddr, g.env.Getenv("FIREBREAK_SMTP_ADDR")) != ""
			if smtpOn {
				// security.txt names the mailbox that files reports, when it
				// is a real address (not a local one such as security@localhost).
				for _, mb := range splitList(smtpReports) {
					if _, domain, ok := strings.Cut(mb, "@"); ok && domain != "" && domain != "localhost" {
						intake.SecurityTxt.Contacts = append(intake.SecurityTxt.Contacts, "mailto:"+mb)
					}
				}
			}
			// The organisation's own obligations (contracts, internal
			// rules), merged over the built-in catalog.
			catalog, err := config.LoadCatalog(first(catalogPath, g.env.Getenv("FIREBREAK_CATALOG")))
			if err != nil {
				return err
			}
			// The policy file's plans and the plans file's; a name in both
			// is refused at start.
			plans, err := loadPlans(first(plansPath, g.env.Getenv("FIREBREAK_PLANS")))
			if err != nil {
				return err
			}
			plans = append(slices.Clone(cfg.Plans), plans...)
			mail, err := emailConfig(cfg.Email, g.env.Getenv)
			if err != nil {
				return err
			}
			if mail != nil {
				mail.Timeout = cfg.OutboundTimeout() // outbound.timeout bounds an SMTP exchange too
			}
			// Only these peers' X-Forwarded-For and -Proto are believed.
			proxies, err := web.ParseTrustedProxies(first(trustProxy, g.env.Getenv("FIREBREAK_TRUST_PROXY")))
			if err != nil {
				return &exitError{code: 2, err: fmt.Errorf("--trust-proxy: %w", err)}
			}
			ac := auditSettings(g, &f, &af, cfg.Audit)
			bk := app.BackupConfig{Dir: first(backupDir, g.env.Getenv("FIREBREAK_BACKUP_DIR")), Every: backupEvery, Keep: backupKeep}
			if bk.Dir != "" && store.IsPostgres(f.dsn(g)) {
				return &exitError{code: 2, err: fmt.Errorf("--backup-dir: scheduled backups copy a SQLite database; back PostgreSQL up with pg_dump or PITR")}
			}
			if bk.Every < time.Minute || bk.Keep < 1 {
				return &exitError{code: 2, err: fmt.Errorf("--backup-every must be at least 1m and --backup-keep at least 1")}
			}
			if requestTimeout < 100*time.Millisecond || diskReserveMiB < 1 || diskMinFreeMiB < 1 {
				return &exitError{code: 2, err: fmt.Errorf("--request-timeout must be at least 100ms, --disk-reserve-mib and --disk-min-free-mib at least 1")}
			}
			if idemStale <= 0 {
				return &exitError{code: 2, err: fmt.Errorf("--idempotency-stale must be positive")}
			}
			tz, workStart, workEnd := cfg.InsightsHours()
			actionsCfg, err := cfg.ActionsConfig(g.env.Getenv)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			pprofOn, err = pprofEnabled(cmd, pprofOn, g.env.Getenv)
			if err != nil {
				return &exitError{code: 2, err: err}
			}
			a, err := app.New(cmd.Context(), app.Config{
				Pprof:     pprofOn,
				Insights:  app.InsightsConfig{TimeZone: tz, WorkStart: workStart, WorkEnd: workEnd},
				Actions:   actionsCfg,
				PublicURL: first(publicURL, g.env.Getenv("FIREBREAK_PUBLIC_URL"), cfg.PublicURL), Email: mail, TrustProxy: proxies,
				Routes: intake.Routes, Integrations: intake.Integrations, SecurityTxt: intake.SecurityTxt, ReportService: cfg.ReportService(),
				SMTPAddr: first(smtpAddr, g.env.Getenv("FIREBREAK_SMTP_ADDR")), SMTP: smtpCfg,
				Policy: cfg.Policy(), Outbound: cfg.OutboundPolicy(), OutboundTimeout: cfg.OutboundTimeout(), Organization: cfg.Organization, Catalog: catalog, Notices: cfg.NoticesConfig(), Tasks: cfg.TaskReminders(),
				Library: plan.Library(), Plans: plans, PostmortemTemplates: cfg.Templates(),
				Addr: first(addr, g.env.Getenv("FIREBREAK_ADDR"), "127.0.0.1:8080"), DSN: f.dsn(g),
				RequestTimeout: requestTimeout, DiskReserve: diskReserveMiB << 20, DiskMinFree: diskMinFreeMiB << 20, IdempotencyStale: idemStale,
				BootstrapToken: g.env.Getenv("FIREBREAK_BOOTSTRAP_ADMIN_TOKEN"),
				Version:        buildinfo.Read().Token(), Logger: log, Out: g.env.Stdout, Tracing: tracing.Provider(),
				Backup: bk,
				Audit:  &ac,
				// Uploaded evidence is kept in the data directory.
				Evidence: app.EvidenceConfig{Dir: app.EvidenceDir(dataDir(g, &f)), MaxBytes: cfg.EvidenceMaxBytes()},
			})
			if err != nil {
				return err
			}
			if err := a.Start(cmd.Context()); err != nil {
				_ = a.Stop(cmd.Context()) // the start failure is the one to report
				return err
			}
			// Start-up (migrations, parsing templates, building the API
			// document) leaves some 25 MB of garbage that the next GC would
			// only collect once the heap doubles, and the runtime returns
			// freed pages to the system slowly: collect it and give it back
			// once, now, so an idle server holds only what it uses.
			debug.FreeOSMemory()
			dsn := f.dsn(g)
			if i := strings.Index(dsn, "@"); i > 0 && strings.Contains(dsn, "://") {
				dsn = dsn[:strings.Index(dsn, "://")+3] + "…" + dsn[i:] // never print a password
			}
			fmt.Fprintf(g.env.Stdout, "Firebreak %s is serving on %s (database: %s)\n", buildinfo.Read().Token(), a.URL(), dsn)
			if a.SMTPAddr() != "" {
				fmt.Fprintf(g.env.Stdout, "SMTP listener on %s: reports to %s, alerts to %s\n", a.SMTPAddr(),
					orNone(smtpCfg.Mailboxes.Reports), orNone(smtpCfg.Mailboxes.Alerts))
			}
			err = a.Wait(cmd.Context())
			log.Info("stopped")
			return err
		},
	}
	f.add(cmd, g)
	cmd.Flags().StringVar(&addr, "addr", "", "address to listen on (default $FIREBREAK_ADDR or 127.0.0.1:8080)")
	cmd.Flags().StringVar(&policy, "policy", "", "YAML file with severity levels and post-mortem days (default $FIREBREAK_POLICY; built-in SEV1–SEV4)")
	cmd.Flags().StringVar(&level, "log-level", "info", "debug, info, warn or error")
	cmd.Flags().StringVar(&logFormat, "log-format", "", "text or json (default $FIREBREAK_LOG_FORMAT, logging.format in the --policy file, or text)")
	cmd.Flags().StringVar(&catalogPath, "catalog", "", "YAML file with the organisation's own notification obligations, merged over the built-in catalog (default $FIREBREAK_CATALOG)")
	cmd.Flags().StringVar(&plansPath, "plans", "", "YAML file of response plans (plans: a list), put at start whenever one differs from its stored version (default $FIREBREAK_PLANS)")
	cmd.Flags().StringVar(&trustProxy, "trust-proxy", "", "comma-separated addresses or CIDR prefixes of reverse proxies whose X-Forwarded-For and X-Forwarded-Proto are believed (default $FIREBREAK_TRUST_PROXY; none: the headers are ignored)")
	cmd.Flags().StringVar(&publicURL, "public-url", "", "URL people reach this server at, for links in pages (default $FIREBREAK_PUBLIC_URL, public_url in the --policy file, or the listening address)")
	cmd.Flags().StringVar(&smtpAddr, "smtp-addr", "", "address of the inbound SMTP listener, e.g. 10.0.0.5:2525 (default $FIREBREAK_SMTP_ADDR; off when empty)")
	cmd.Flags().StringVar(&smtpReports, "smtp-report-to", "security@localhost", "comma-separated mailboxes whose mail becomes external reports (security@ matches any domain)")
	cmd.Flags().StringVar(&smtpAlerts, "smtp-alert-to", "", "comma-separated mailboxes whose mail becomes alerts")
	cmd.Flags().StringVar(&af.keyFile, "audit-key", "", "Ed25519 key that signs audit checkpoints, created at first start (default $FIREBREAK_AUDIT_KEY, audit.key_file in the --policy file, or audit-key.pem in the data directory)")
	cmd.Flags().Int64Var(&smtpMax, "smtp-max-size", 10<<20, "largest message the SMTP listener accepts, in bytes")
	cmd.Flags().StringVar(&backupDir, "backup-dir", "", "take verified backups of the SQLite database into this directory (default $FIREBREAK_BACKUP_DIR; off when empty)")
	cmd.Flags().DurationVar(&backupEvery, "backup-every", 24*time.Hour, "how often to back up, with --backup-dir")
	cmd.Flags().IntVar(&backupKeep, "backup-keep", 7, "how many backups to keep, with --backup-dir (the oldest go first)")
	cmd.Flags().DurationVar(&requestTimeout, "request-timeout", 10*time.Second, "longest a request may wait for the database; past it the answer is 503 with Retry-After")
	cmd.Flags().Int64Var(&diskReserveMiB, "disk-reserve-mib", 8, "MiB the SQLite server keeps in reserve (firebreak.db.reserve), given back when the disk is full so the database can recover")
	cmd.Flags().DurationVar(&idemStale, "idempotency-stale", store.DefaultIdempotencyStale, "how long an Idempotency-Key reservation waits for its request before a retry may take it over (a request that committed nothing runs again; one that committed is answered from what it created)")
	cmd.Flags().Int64Var(&diskMinFreeMiB, "disk-min-free-mib", 16, "free MiB below which /readyz fails; with the reserve, what must be free for writes to resume after a full disk")
	cmd.Flags().BoolVar(&pprofOn, "pprof", false, "serve Go's runtime profiles under /debug/pprof/, to admins only (default $FIREBREAK_PPROF, or off)")
	return cmd
}

// pprofEnabled is --pprof when given, else $FIREBREAK_PPROF (a boolean
// such as true or 1), else off.
func pprofEnabled(cmd *cobra.Command, flag bool, getenv func(string) string) (bool, error) {
	if cmd.Flags().Changed("pprof") {
		return flag, nil
	}
	v := getenv("FIREBREAK_PPROF")
	if v == "" {
		return false, nil
	}
	on, err := strconv.ParseBool(v)
	if err != nil {
		return false, fmt.Errorf("FIREBREAK_PPROF: %q is not true or false", v)
	}
	return on, nil
}

// splitList splits a comma-separated flag value, dropping empty items.
func splitList(s string) []string {
	var out []string
	for _, p := range strings.Split(s, ",") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

func orNone(l []string) string {
	if len(l) == 0 {
		return "(none)"
	}
	return strings.Join(l, ", ")
}

// intakeConfig turns the configuration file's routes, integrations and
// security.txt into the app's, reading each integration's secret from the
// environment variable the file names.
func intakeConfig(cfg config.File, getenv func(string) string) (app.Config, error) {
	var out app.Config
	routes, err := cfg.Routes()
	if err != nil {
		return app.Config{}, fmt.Errorf("config: %w", err)
	}
	out.Routes = routes
	for _, in := range cfg.Integrations {
		secret := getenv(in.TokenEnv)
		if len(secret) < 16 {
			return app.Config{}, fmt.Errorf("config: integration %s: set %s to its secret (at least 16 characters)", in.Name, in.TokenEnv)
		}
		out.Integrations = append(out.Integrations, app.ConfiguredIntegration{Secret: secret,
			IntegrationInput: triage.IntegrationInput{Kind: alert.Source(in.Kind), Name: in.Name, Service: in.Service, Team: in.Team}})
	}
	out.SecurityTxt = web.SecurityTxt{Contacts: cfg.SecurityTxt.Contacts, Policy: cfg.SecurityTxt.Policy, Languages: cfg.SecurityTxt.Languages}
	return out, nil
}

// emailConfig builds the outbound SMTP relay from the configuration file,
// with its password from the environment variable the file names.
func emailConfig(f *config.EmailFile, getenv func(string) string) (*notify.Email, error) {
	if f == nil {
		return nil, nil
	}
	e := &notify.Email{Host: f.Host, Port: f.Port, From: f.From, TLS: notify.TLSMode(f.TLS), Username: f.Username}
	if f.PasswordEnv != "" {
		if e.Password = getenv(f.PasswordEnv); e.Password == "" {
			return nil, fmt.Errorf("config: email: set %s to the SMTP password", f.PasswordEnv)
		}
	}
	if err := e.Validate(); err != nil {
		return nil, fmt.Errorf("config: %w", err)
	}
	return e, nil
}

// serveTracing is OpenTelemetry tracing as configured: exported over
// OTLP/HTTP to $OTEL_EXPORTER_OTLP_ENDPOINT or tracing.otlp_endpoint in
// the policy file, off (the no-op tracer) when neither is set.
func serveTracing(ctx context.Context, g *globals, cfg config.File) (serverTracing, error) {
	endpoint := first(g.env.Getenv("OTEL_EXPORTER_OTLP_ENDPOINT"), cfg.OTLPEndpoint())
	if endpoint != "" {
		if err := config.CheckOTLPEndpoint(endpoint); err != nil {
			return serverTracing{}, &exitError{code: 2, err: fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)}
		}
	}
	var client *http.Client
	if endpoint != "" {
		var err error
		if client, err = outbound.ExporterClient(cfg.OutboundPolicy(), endpoint); err != nil {
			return serverTracing{}, &exitError{code: 2, err: fmt.Errorf("OTEL_EXPORTER_OTLP_ENDPOINT: %w", err)}
		}
	}
	t, err := telemetry.NewTracing(ctx, endpoint, buildinfo.Read().Token(), client)
	return serverTracing{t}, err
}

type serverTracing struct{ *telemetry.Tracing }

// close exports the spans still buffered, for at most five seconds.
func (t serverTracing) close(log *slog.Logger) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := t.Shutdown(ctx); err != nil {
		log.Warn("export the last spans", "err", err)
	}
}
