package notices

import (
	"bytes"
	"fmt"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"text/template"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Template drafts notices: its Title and Body are Go text/template source
// over Data, producing a one-line title and a Markdown body.
type Template struct {
	Name        string   `json:"name" yaml:"name"`
	Audience    Audience `json:"audience" yaml:"audience"`
	Description string   `json:"description,omitempty" yaml:"description"`
	// Obligations are the obligation IDs the template is written for
	// (drafting for one of them picks it); Phase narrows it to one phase.
	Obligations []string `json:"obligations,omitempty" yaml:"obligations"`
	Phase       string   `json:"phase,omitempty" yaml:"phase"`
	Title       string   `json:"title" yaml:"title"`
	Body        string   `json:"body" yaml:"body"`
	// Source is builtin, config (the server's policy file) or custom
	// (stored through the API or UI).
	Source    string     `json:"source" yaml:"-"`
	UpdatedBy string     `json:"updated_by,omitempty" yaml:"-"`
	UpdatedAt *time.Time `json:"updated_at,omitempty" yaml:"-"`
}

// Template sources.
const (
	SourceBuiltin = "builtin"
	SourceConfig  = "config"
	SourceCustom  = "custom"
)

// Data is what a template sees.
type Data struct {
	Incident incident.Incident
	Facts    comms.Facts
	// Obligation is the duty the notice meets; zero for a notice to an
	// audience without one.
	Obligation   comms.Item
	Phase        string
	Organization Letterhead
	Now          time.Time
	// Previous is the first notification of the same duty, for a notice
	// that follows it (GDPR Art. 33(4)): nil when none was given.
	Previous *Previous
}

// Previous is an earlier notification of a duty as a later one refers
// to it.
type Previous struct {
	Title     string
	At        time.Time // when it was given
	Recipient string
	Reference string // the reference it was given (a portal's case number), when recorded
	Phase     string
}

// Letterhead is the organisation's profile as templates see it: the
// profile obligations are matched against, and the names and contacts a
// notice gives.
type Letterhead struct {
	comms.Organization
	Name string `json:"name,omitempty" yaml:"name"`
	// DPO is the data protection officer or other contact point, as a
	// regulator should read it (name, email, phone).
	DPO string `json:"dpo,omitempty" yaml:"dpo"`
	// Contact is where recipients turn with questions.
	Contact string `json:"contact,omitempty" yaml:"contact"`
}

var nameRE = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,63}$`)

// funcs are the helpers templates may call (with the guarded builtins
// of budget.funcs over them).
var funcs = template.FuncMap{
	// date formats an instant for people, in UTC; "unknown" when zero.
	"date": func(t any) string {
		v := timeOf(t)
		if v.IsZero() {
			return "unknown"
		}
		return v.UTC().Format("2 January 2006, 15:04 UTC")
	},
	"rfc3339": func(t any) string {
		v := timeOf(t)
		if v.IsZero() {
			return "unknown"
		}
		return v.UTC().Format(time.RFC3339)
	},
	// count shows an optional number; "unknown" when it is not known.
	"count": func(n any) string {
		switch v := n.(type) {
		case *int:
			if v != nil {
				return strconv.Itoa(*v)
			}
		case int:
			return strconv.Itoa(v)
		}
		return "unknown"
	},
	// join is budget.funcs'.
	// list joins with commas; "none" when empty.
	"list": func(list []string) string {
		if len(list) == 0 {
			return "none"
		}
		return strings.Join(list, ", ")
	},
	"default": func(def string, v any) string {
		s := fmt.Sprint(v)
		if v == nil || strings.TrimSpace(s) == "" {
			return def
		}
		return s
	},
	"upper": strings.ToUpper,
	"lower": strings.ToLower,
	// holders lists who holds a role on the incident.
	"holders": func(inc incident.Incident, role string) string {
		h := inc.Holders(incident.Role(role))
		if len(h) == 0 {
			return "not assigned"
		}
		return strings.Join(h, ", ")
	},
}

// writing are the helpers that make a notice's words, counted against
// the render's budget like every function that makes text.
func (b *budget) writing() template.FuncMap {
	made := func(s string) (string, error) { return s, b.spend(len(s)) }
	return template.FuncMap{
		// todo marks a part only a person can write: [[what]]. A notice
		// that still holds one cannot be approved, submitted or sent.
		"todo": func(what string) (string, error) {
			if err := b.spend(len(what) + 4); err != nil {
				return "", err
			}
			what = strings.Join(strings.Fields(strings.NewReplacer("[[", "[", "]]", "]").Replace(what)), " ")
			if what == "" {
				what = "to be written"
			}
			return made("[[" + what + "]]")
		},
		// datatypes writes data types as words ("contact details (names,
		// email and postal addresses, phone numbers)"), not tokens;
		// "not yet known" when none are recorded, never "none".
		"datatypes": func(types []string) (string, error) {
			if len(types) == 0 {
				return made("not yet known")
			}
			words := make([]string, len(types))
			n := 0
			for i, t := range types {
				words[i] = DataTypeWords(t)
				n += len(words[i]) + 2
			}
			if err := b.spend(n); err != nil {
				return "", err
			}
			return made(strings.Join(words, "; "))
		},
	}
}

// DataTypeWords writes a data type of the facts as people read it
// (contact_details: "contact details (names, email and postal addresses,
// phone numbers)"), without its token.
func DataTypeWords(token string) string {
	return strings.TrimSuffix(comms.DataTypeWords(token), " ("+token+")")
}

func timeOf(t any) time.Time {
	switch v := t.(type) {
	case time.Time:
		return v
	case *time.Time:
		if v != nil {
			return *v
		}
	}
	return time.Time{}
}

// compiled is a parsed template with the budget its runs share.
type compiled struct {
	title, body *template.Template
	budget      *budget
}

// errLine finds the line (and column) in a text/template error.
var errLine = regexp.MustCompile(`^template: [^:]*:(\d+):(?:(\d+):)?\s*(.*)$`)

// startedAt is how text/template points back at an earlier line.
var startedAt = regexp.MustCompile(`started at (?:title|body):(\d+)`)

// templateError turns a parse or execution error into one that names the
// field and the line: "body: line 3: function "nosuch" not defined".
func templateError(field string, err error) error {
	msg := err.Error()
	if m := errLine.FindStringSubmatch(msg); m != nil {
		rest := m[3]
		// "executing "body" at <.X>: can't …" reads better as "at <.X>: can't …".
		if i := strings.Index(rest, `" at <`); strings.HasPrefix(rest, "executing ") && i > 0 {
			rest = rest[i+2:]
		}
		rest = startedAt.ReplaceAllString(rest, "started on line $1")
		if rest == "unexpected EOF" {
			rest = "the template ends inside an {{if}}, {{range}}, {{with}} or {{block}} that has no {{end}}"
		}
		where := "line " + m[1]
		if m[2] != "" {
			where += ", column " + m[2]
		}
		e := errs.E(errs.Invalid, field, "%s: %s", where, rest)
		return e
	}
	return errs.E(errs.Invalid, field, "%s", strings.TrimPrefix(msg, "template: "))
}

// compile parses t's title and body, refuses sub-templates, and puts a
// step of the budget at the head of every loop.
func (t *Template) compile() (*compiled, error) {
	b := &budget{}
	parse := func(field, src string) (*template.Template, error) {
		tpl, err := template.New(field).Funcs(funcs).Funcs(b.funcs()).Funcs(b.writing()).Option("missingkey=zero").Parse(src)
		if err != nil {
			return nil, templateError(field, err)
		}
		if err := guard(field, tpl); err != nil {
			return nil, err
		}
		return tpl, nil
	}
	title, err := parse("title", t.Title)
	if err != nil {
		return nil, err
	}
	body, err := parse("body", t.Body)
	if err != nil {
		return nil, err
	}
	return &compiled{title: title, body: body, budget: b}, nil
}

// Validate checks the template's fields, parses it, and runs it over a
// sample incident so a field that does not exist fails now, with its
// line, rather than when someone drafts a notice at 3 a.m.
func (t *Template) Validate() error {
	switch {
	case !nameRE.MatchString(t.Name):
		return errs.E(errs.Invalid, "name", "%q must be 1–64 lower-case letters, digits, . _ or -, starting with a letter or digit", t.Name)
	case !t.Audience.Valid():
		return errs.E(errs.Invalid, "audience", "%q is not one of regulator, customer, individuals, internal", t.Audience)
	case strings.TrimSpace(t.Title) == "":
		return errs.E(errs.Invalid, "title", "a template needs a title")
	case len(t.Title) > 1000:
		return errs.E(errs.Invalid, "title", "at most 1000 bytes")
	case strings.TrimSpace(t.Body) == "":
		return errs.E(errs.Invalid, "body", "a template needs a body")
	case len(t.Body) > maxBody:
		return errs.E(errs.Invalid, "body", "at most %d bytes", maxBody)
	case len(t.Obligations) > 50:
		return errs.E(errs.Invalid, "obligations", "at most 50")
	}
	for i, o := range t.Obligations {
		if strings.TrimSpace(o) == "" || len(o) > 128 {
			return errs.E(errs.Invalid, fmt.Sprintf("obligations[%d]", i), "an obligation ID of 1–128 bytes")
		}
	}
	if len(t.Phase) > 128 {
		return errs.E(errs.Invalid, "phase", "at most 128 bytes")
	}
	c, err := t.compile()
	if err != nil {
		return err
	}
	for _, d := range []*Data{sampleData(true), sampleData(false)} {
		if _, _, err := c.render(d); err != nil {
			return err
		}
	}
	return nil
}

// Render drafts a notice's title and body from t over d.
func (t *Template) Render(d *Data) (title, body string, err error) {
	c, err := t.compile()
	if err != nil {
		return "", "", err
	}
	return c.render(d)
}

func (c *compiled) render(d *Data) (string, string, error) {
	c.budget.start(time.Now())
	title, err := c.run("title", c.title, d, maxTitleOutput)
	if err != nil {
		return "", "", err
	}
	body, err := c.run("body", c.body, d, maxBody)
	if err != nil {
		return "", "", err
	}
	return strings.Join(strings.Fields(title), " "), strings.TrimSpace(normalise(body)) + "\n", nil
}

// run executes one part into a writer that stops it past limit bytes.
func (c *compiled) run(field string, t *template.Template, d *Data, limit int) (string, error) {
	var buf bytes.Buffer
	w := &limitedWriter{w: &buf, limit: limit, budget: c.budget}
	err := t.Execute(w, d)
	if c.budget.err != nil {
		return "", budgetError(field, c.budget.err, err)
	}
	if err != nil {
		return "", templateError(field, err)
	}
	return buf.String(), nil
}

// matches reports whether t is written for obligation id at phase.
func (t *Template) matches(id, phase string) bool {
	return id != "" && slices.Contains(t.Obligations, id) && (t.Phase == "" || t.Phase == phase)
}

// sampleData is a filled-in incident for checking templates.
func sampleData(withObligation bool) *Data {
	now := time.Date(2026, 11, 27, 9, 30, 0, 0, time.UTC)
	aware := now.Add(-5 * time.Hour)
	n := 1200
	d := &Data{
		Incident: incident.Incident{ID: "sample", Ref: "INC-1", Number: 1, Title: "Sample incident", Summary: "What happened",
			Type: "security.data-breach", Severity: "SEV1", Significant: true, State: incident.Contained,
			Roles: []incident.Assignment{{Role: incident.CommsLead, User: "alice", AssignedAt: now}}, DetectedAt: aware, DeclaredAt: aware,
			Labels: map[string]string{"env": "prod"}, Affected: []string{"web"}, Phases: map[incident.State]time.Time{incident.Triage: aware}},
		Facts: comms.Facts{Anchors: map[string]time.Time{"aware": aware}, PersonalData: true, DataTypes: []string{"contact_details"},
			AffectedIndividuals: &n, AffectedByJurisdiction: map[string]int{"EU": n}},
		Organization: Letterhead{Name: "Example Ltd", DPO: "dpo@example.com", Contact: "security@example.com",
			Organization: comms.Organization{Roles: []string{"controller"}, Countries: []string{"DE"}}},
		Now: now,
	}
	if withObligation {
		due := aware.Add(72 * time.Hour)
		d.Obligation = comms.Item{ObligationID: "eu-gdpr-art33-supervisory-authority", Phase: "initial_notification",
			Recipient: "Supervisory authority", DueAt: &due, DeadlineKind: comms.CalendarHours, Status: comms.Pending, Basis: "GDPR Art. 33",
			Anchor: "aware", AnchorAt: &aware}
		d.Phase = d.Obligation.Phase
		d.Previous = &Previous{Title: "Personal data breach notification", At: aware.Add(20 * time.Hour), Recipient: "Supervisory authority",
			Reference: "SA-2026-0001", Phase: "initial_notification"}
	}
	return d
}
