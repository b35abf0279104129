// Package config loads the server's YAML configuration. Decoding is strict:
// an unknown key is an error that names its line.
package config

import (
	"bytes"
	"fmt"
	"net/url"
	"os"
	"regexp"

	"github.com/goccy/go-yaml"

	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// File is the server configuration file (serve --policy).
type File struct {
	// Severities replace the default SEV1–SEV4, most severe first.
	Severities []incident.Level `yaml:"severities"`
	// PostmortemBusinessDays is the time from recovery to the post-mortem
	// due date (default 5).
	PostmortemBusinessDays *int `yaml:"postmortem_business_days"`
	// PostmortemApprovals is how many named reviewers must approve a
	// post-mortem's text before it is published (default 1, at most 10).
	PostmortemApprovals *int `yaml:"postmortem_approvals"`
	// CloseRequiresDuties relaxes, per severity, the rule that an incident
	// closes only once every notification duty that applies or may apply
	// is submitted or waived: {SEV4: false} lets SEV4 incidents close with
	// duties open. Severities left out (and true) keep the rule.
	CloseRequiresDuties map[string]bool `yaml:"close_requires_duties"`
	// HolidayCalendar is the team's holiday calendar the post-mortem due
	// date counts business days on: a code of calendar.Lookup such as US,
	// GB, DE or FR; Monday to Friday when empty.
	HolidayCalendar string `yaml:"holiday_calendar"`
	// RouteTree routes alerts to services and teams below each
	// integration's own default, Alertmanager-style: first match wins
	// unless continue.
	RouteTree []RouteFile `yaml:"routes"`
	// Integrations are declared here as well as in the UI and API; their
	// secrets come from environment variables.
	Integrations []IntegrationFile `yaml:"integrations"`
	SecurityTxt  SecurityTxtFile   `yaml:"security_txt"`
	// PublicURL is the URL people reach the server at, for links in pages.
	PublicURL string `yaml:"public_url"`
	// Email is the outbound SMTP relay that email contacts are paged
	// through; email contacts are off without it.
	Email *EmailFile `yaml:"email"`
	// Organization is the organisation profile notification duties are
	// matched against (see duties.Profile), applied at start.
	Organization *duties.Profile `yaml:"organization"`
	// UpdateCadence is how often stakeholder updates are due per severity
	// while an incident is open ("30m"); SEV1 30m and SEV2 1h when left
	// out, none when empty.
	UpdateCadence map[string]string `yaml:"update_cadence"`
	// Notices name the organisation in notices and add its templates.
	Notices *NoticesFile `yaml:"notices"`
	// Outbound allows otherwise refused destinations of outgoing HTTP
	// requests (outbound.allow: CIDRs or host names).
	Outbound *OutboundFile `yaml:"outbound"`
	// Audit configures signed checkpoints of the audit record.
	Audit *AuditFile `yaml:"audit"`
	// Evidence limits uploaded evidence files.
	Evidence *EvidenceFile `yaml:"evidence"`
	// Reports names the service reports from people are filed on.
	Reports *ReportsFile `yaml:"reports"`
	// Plans are response plans kept with the policy, with the same schema
	// as a plans file (docs/plans.md).
	Plans []plan.Plan `yaml:"plans"`
	// Tasks configures when response tasks are reminded of.
	Tasks *TasksFile `yaml:"tasks"`
	// Insights sets the organisation's time zone and working hours for
	// the insights.
	Insights *InsightsFile `yaml:"insights"`
	// Actions configures action items: their time zone, reminders,
	// webhooks and the GitHub mapping.
	Actions *ActionsFile `yaml:"actions"`
	// Impact replaces the default impact assessment form: dimensions,
	// their answers with the severity each suggests, and rules for
	// combinations (incident.Impact).
	Impact *incident.Impact `yaml:"impact"`
	// PostmortemTemplates set the prompts of drafted post-mortems per
	// incident type pattern over the built-in templates (postmortem.go).
	PostmortemTemplates postmortem.Templates `yaml:"postmortem_templates"`
	// Logging sets the server's log format (telemetry.go).
	Logging *LoggingFile `yaml:"logging"`
	// Tracing exports OpenTelemetry spans over OTLP (telemetry.go).
	Tracing *TracingFile `yaml:"tracing"`
}

// EmailFile configures the outbound SMTP relay.
type EmailFile struct {
	Host string `yaml:"host"`
	Port int    `yaml:"port"` // 587 when zero
	From string `yaml:"from"`
	// TLS is required (the default), opportunistic or none.
	TLS      string `yaml:"tls"`
	Username string `yaml:"username"`
	// PasswordEnv names the environment variable holding the password.
	PasswordEnv string `yaml:"password_env"`
}

var levelName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,31}$`)

// Parse decodes and validates a configuration.
func Parse(data []byte) (File, error) {
	var f File
	if len(bytes.TrimSpace(data)) == 0 {
		return f, nil
	}
	if err := yaml.UnmarshalWithOptions(data, &f, yaml.Strict()); err != nil {
		// The strict decoding stops at its first problem; when the plans
		// have any, list them all, each at its place.
		if perr := f.checkPlans(data); perr != nil && hasPlanProblem(perr) {
			return File{}, perr
		}
		return File{}, fmt.Errorf("%s", yaml.FormatError(err, false, false))
	}
	if err := f.checkPlans(data); err != nil {
		return File{}, err
	}
	seen := map[string]bool{}
	for i, l := range f.Severities {
		switch {
		case !levelName.MatchString(l.Name):
			return File{}, fmt.Errorf("severities[%d].name: %q must be 1–32 letters, digits, or . _ -", i, l.Name)
		case seen[l.Name]:
			return File{}, fmt.Errorf("severities[%d].name: %s is listed twice", i, l.Name)
		case len(l.Description) > 500:
			return File{}, fmt.Errorf("severities[%d].description: at most 500 bytes", i)
		}
		seen[l.Name] = true
	}
	if d := f.PostmortemBusinessDays; d != nil && (*d < 1 || *d > 60) {
		return File{}, fmt.Errorf("postmortem_business_days: %d is not between 1 and 60", *d)
	}
	if n := f.PostmortemApprovals; n != nil && (*n < 1 || *n > 10) {
		return File{}, fmt.Errorf("postmortem_approvals: %d is not between 1 and 10", *n)
	}
	if err := f.checkClosing(); err != nil {
		return File{}, err
	}
	if c := f.HolidayCalendar; c != "" {
		if _, err := calendar.ByCode(c); err != nil {
			return File{}, fmt.Errorf("holiday_calendar: %w", err)
		}
	}
	if err := f.checkIntake(); err != nil {
		return File{}, err
	}
	if err := f.checkNotices(); err != nil {
		return File{}, err
	}
	if f.PublicURL != "" {
		u, err := url.Parse(f.PublicURL)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return File{}, fmt.Errorf("public_url: %q is not an http(s) URL", f.PublicURL)
		}
	}
	if err := checkOrganization(f.Organization); err != nil {
		return File{}, err
	}
	if err := f.checkOutbound(data); err != nil {
		return File{}, err
	}
	if err := f.checkTelemetry(); err != nil {
		return File{}, err
	}
	if err := f.Audit.check(); err != nil {
		return File{}, err
	}
	if err := f.Reports.check(); err != nil {
		return File{}, err
	}
	if err := f.Evidence.check(); err != nil {
		return File{}, err
	}
	if err := f.checkTasks(data); err != nil {
		return File{}, err
	}
	if err := f.checkImpact(data); err != nil {
		return File{}, err
	}
	if err := f.checkPostmortemTemplates(data); err != nil {
		return File{}, err
	}
	if err := f.checkInsights(data); err != nil {
		return File{}, err
	}
	if e := f.Email; e != nil {
		switch {
		case e.Host == "":
			return File{}, fmt.Errorf("email.host: is required")
		case e.Port < 0 || e.Port > 65535:
			return File{}, fmt.Errorf("email.port: %d is not a port", e.Port)
		case e.From == "":
			return File{}, fmt.Errorf("email.from: is required")
		}
		switch e.TLS {
		case "", "required", "opportunistic", "none":
		default:
			return File{}, fmt.Errorf("email.tls: %q is not required, opportunistic or none", e.TLS)
		}
	}
	return f, nil
}

// Load reads a configuration file; an empty path is the defaults.
func Load(path string) (File, error) {
	if path == "" {
		return File{}, nil
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return File{}, fmt.Errorf("config: %w", err)
	}
	f, err := Parse(data)
	if err != nil {
		return File{}, fmt.Errorf("config %s: %w", path, err)
	}
	return f, nil
}

// Policy returns the lifecycle policy the file describes.
func (f File) Policy() *incident.Policy {
	p := &incident.Policy{Levels: f.levels(), Calendar: calendar.Weekdays{}, PostmortemDays: 5, Impact: f.Impact}
	if f.PostmortemBusinessDays != nil {
		p.PostmortemDays = *f.PostmortemBusinessDays
	}
	p.PostmortemApprovals = 1
	if f.PostmortemApprovals != nil {
		p.PostmortemApprovals = *f.PostmortemApprovals
	}
	if h, ok := calendar.Lookup(f.HolidayCalendar); ok {
		p.Calendar = h
	}
	for sev, required := range f.CloseRequiresDuties {
		if !required {
			if p.CloseWithDutiesOpen == nil {
				p.CloseWithDutiesOpen = map[string]bool{}
			}
			p.CloseWithDutiesOpen[sev] = true
		}
	}
	return p
}
