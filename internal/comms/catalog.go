package comms

import (
	"bytes"
	_ "embed"
	"fmt"
	"maps"
	"slices"
	"sync"
	"time"
)

// LegalStatus says how binding an obligation is.
type LegalStatus string

const (
	InForce           LegalStatus = "in_force"
	Proposed          LegalStatus = "proposed"
	EnactedNotYetLive LegalStatus = "enacted_not_yet_applicable"
	Contractual       LegalStatus = "contractual"
	Internal          LegalStatus = "internal"
)

// Obligation is one duty to notify someone of an incident: a law, a
// regulation, a contract or an internal rule, with the conditions it
// applies under and the phases (reports) it asks for, each with its clock.
// The fields tagged yaml are the catalog schema (README, "Communication
// duties").
type Obligation struct {
	// ID is stable: people, records and tests refer to it.
	ID string `yaml:"id" json:"id"`
	// Jurisdiction as written by the source ("EU/EEA", "US (federal)").
	Jurisdiction string `yaml:"jurisdiction" json:"jurisdiction"`
	// Region is the jurisdiction as a code: an ISO 3166 country or
	// subdivision ("GB", "US-NY"), "EU", "EEA" or "GLOBAL". Holiday
	// calendars are chosen by it (Organization.Calendars).
	Region     string      `yaml:"region" json:"region"`
	Regulation string      `yaml:"regulation" json:"regulation"`
	Status     LegalStatus `yaml:"status" json:"status"`
	// AppliesFrom is the source's note on when it starts to apply.
	AppliesFrom string   `yaml:"applies_from,omitempty" json:"applies_from,omitempty"`
	Notify      []string `yaml:"notify,omitempty" json:"notify,omitempty"`
	Recipient   string   `yaml:"recipient" json:"recipient"`
	Trigger     string   `yaml:"trigger,omitempty" json:"trigger,omitempty"`
	// AppliesWhen is what the organisation and the facts must be for the
	// duty to apply; nil applies always.
	AppliesWhen *Condition `yaml:"applies_when,omitempty" json:"applies_when,omitempty"`
	// ConditionNotes are conditions people judge ("unlikely to result in a
	// risk"); they are shown with the duty, never evaluated.
	ConditionNotes []string   `yaml:"condition_notes,omitempty" json:"condition_notes,omitempty"`
	ClockStarts    ClockStart `yaml:"clock_starts,omitempty" json:"clock_starts"`
	DeadlineText   string     `yaml:"deadline_text,omitempty" json:"deadline_text,omitempty"`
	// HolidayCalendar is the calendar business days count on unless the
	// organisation names one for Region (a calendar code such as "US").
	HolidayCalendar    string   `yaml:"holiday_calendar,omitempty" json:"holiday_calendar,omitempty"`
	Phases             []Phase  `yaml:"phases" json:"phases"`
	DelaysOrExtensions []string `yaml:"delays_or_extensions,omitempty" json:"delays_or_extensions,omitempty"`
	Sources            []string `yaml:"sources,omitempty" json:"sources,omitempty"`
	// SourceQuality is primary (legal text), secondary (a summary),
	// contractual or internal.
	SourceQuality     string `yaml:"source_quality,omitempty" json:"source_quality,omitempty"`
	Verified          bool   `yaml:"verified" json:"verified"`
	VerificationNotes string `yaml:"verification_notes,omitempty" json:"verification_notes,omitempty"`
}

// ClockStart describes what starts the obligation's clock.
type ClockStart struct {
	Anchor      string `yaml:"anchor,omitempty" json:"anchor,omitempty"`
	Description string `yaml:"description,omitempty" json:"description,omitempty"`
}

// Phase is one report of an obligation with its own clock.
type Phase struct {
	Name string `yaml:"name" json:"name"`
	// Anchor is the clock anchor the deadline runs from; empty when the
	// report is due only on request.
	Anchor string `yaml:"anchor,omitempty" json:"anchor,omitempty"`
	// AnchorPhases name the reports whose submission is the anchor (the
	// latest submission of any of them): a phase of the same obligation
	// ("initial_notification") or of another ("sg-pdpa-26d-pdpc/notification").
	AnchorPhases []string `yaml:"anchor_phases,omitempty" json:"anchor_phases,omitempty"`
	// Deadline is an ISO 8601 duration ("PT72H", "P30D", "P1M"), "N business
	// days" or "N working days"; empty for qualitative deadlines.
	Deadline     string       `yaml:"deadline,omitempty" json:"deadline,omitempty"`
	DeadlineKind DeadlineKind `yaml:"deadline_kind" json:"deadline_kind"`
	// AlsoNoLaterThan caps the deadline: the earlier of the two is due.
	AlsoNoLaterThan *Limit `yaml:"also_no_later_than,omitempty" json:"also_no_later_than,omitempty"`
	// Rules are named special rules applied to this phase's clock.
	Rules []Rule `yaml:"rules,omitempty" json:"rules,omitempty"`
	// AppliesWhen narrows the obligation's conditions for this phase.
	AppliesWhen *Condition `yaml:"applies_when,omitempty" json:"applies_when,omitempty"`
	// Condition is the source's own words on when this phase applies.
	Condition string `yaml:"condition,omitempty" json:"condition,omitempty"`
	// DeadlineText is the source's words for this phase's deadline; a
	// phase without it shows the obligation's deadline_text when it is the
	// only phase, else its own period ("1 calendar month after …").
	DeadlineText string `yaml:"deadline_text,omitempty" json:"deadline_text,omitempty"`
	// Cutoff is the last timely local time ("17:30") on the last day of a
	// period in days, months or business days, where a filing system
	// closes before midnight (EDGAR: Regulation S-T Rule 13(a)(2)); the
	// due instant is then that time rather than the end of the day.
	Cutoff string `yaml:"cutoff,omitempty" json:"cutoff,omitempty"`
	// Verified overrides the obligation's flag for this phase.
	Verified *bool  `yaml:"verified,omitempty" json:"verified,omitempty"`
	Notes    string `yaml:"notes,omitempty" json:"notes,omitempty"`

	span   span          // Deadline, parsed
	cutoff time.Duration // Cutoff, parsed: from midnight; 0 for none
}

// Limit is a second clock on a phase ("no later than 24 hours after
// becoming aware").
type Limit struct {
	Anchor   string `yaml:"anchor" json:"anchor"`
	Deadline string `yaml:"deadline" json:"deadline"` // an ISO 8601 duration

	span span
}

// RuleName names a special rule the evaluation knows.
type RuleName string

const (
	// RuleEventOnHolidayStartsNextBusinessDay: an event on a weekend day or
	// holiday starts the count on the first business day after it, which
	// counts as day one (SEC Form 8-K General Instruction B.1).
	RuleEventOnHolidayStartsNextBusinessDay RuleName = "event_on_holiday_starts_next_business_day"
	// RuleHolidayDeadlineMovesToNoon: a deadline falling on a weekend day
	// or a holiday of the entity's member state moves to 12:00 of the next
	// working day there (DORA RTS 2025/301 Art. 5(4)); not for entities of
	// the rule's UnlessEntityTypes (Art. 5(5)).
	RuleHolidayDeadlineMovesToNoon RuleName = "holiday_deadline_moves_to_noon_next_working_day"
)

var ruleNames = []RuleName{RuleEventOnHolidayStartsNextBusinessDay, RuleHolidayDeadlineMovesToNoon}

// Rule is a named special rule on a phase.
type Rule struct {
	Name RuleName `yaml:"name" json:"name"`
	// UnlessEntityTypes exempt organisations of these entity types or
	// sectors from the rule.
	UnlessEntityTypes []string `yaml:"unless_entity_types,omitempty" json:"unless_entity_types,omitempty"`
}

// AnchorCalendarYearEnd is derived when the facts do not set it: the last
// second (23:59:59 UTC) of 31 December of the year the breach was
// discovered.
const AnchorCalendarYearEnd = "calendar_year_end"

// Catalog is a set of obligations and the clock anchors they use. It is
// immutable once built and safe for concurrent use.
type Catalog struct {
	anchors     map[string]string // name → description
	obligations []Obligation
	index       map[string]int
}

//go:embed catalog/default.yaml
var defaultYAML []byte

var defaultCatalog = sync.OnceValues(func() (*Catalog, error) {
	c, err := parseCatalog(defaultYAML, nil)
	if err != nil {
		return nil, fmt.Errorf("comms: the embedded catalog: %w", err)
	}
	return c, nil
})

// DefaultCatalog returns the built-in catalog (catalog/default.yaml).
func DefaultCatalog() (*Catalog, error) { return defaultCatalog() }

// ParseCatalog decodes and checks a catalog file: an organisation's own
// obligations, to be merged over the default with Merge. Decoding is
// strict; the error is CatalogErrors, each placed at its line and column.
// Phases may name phases of the default catalog's obligations as anchors.
func ParseCatalog(data []byte) (*Catalog, error) {
	base, err := DefaultCatalog()
	if err != nil {
		return nil, err
	}
	return parseCatalog(data, base)
}

// Merge returns a catalog of c's obligations with over's on top: an
// obligation of over replaces c's of the same ID in its place; new ones
// follow in over's order. Neither catalog changes.
func (c *Catalog) Merge(over *Catalog) *Catalog {
	out := &Catalog{anchors: maps.Clone(c.anchors), obligations: slices.Clone(c.obligations), index: maps.Clone(c.index)}
	if over == nil {
		return out
	}
	maps.Copy(out.anchors, over.anchors)
	for _, o := range over.obligations {
		if i, ok := out.index[o.ID]; ok {
			out.obligations[i] = o
			continue
		}
		out.index[o.ID] = len(out.obligations)
		out.obligations = append(out.obligations, o)
	}
	return out
}

// Get returns the obligation with id.
func (c *Catalog) Get(id string) (Obligation, bool) {
	i, ok := c.index[id]
	if !ok {
		return Obligation{}, false
	}
	return c.obligations[i].clone(), true
}

// All returns every obligation in catalog order.
func (c *Catalog) All() []Obligation {
	out := make([]Obligation, len(c.obligations))
	for i, o := range c.obligations {
		out[i] = o.clone()
	}
	return out
}

// Len is the number of obligations.
func (c *Catalog) Len() int { return len(c.obligations) }

// Anchors lists the clock anchors facts may set, sorted: the catalog's
// vocabulary and every anchor a phase uses.
func (c *Catalog) Anchors() []string {
	set := maps.Clone(c.anchors)
	if set == nil {
		set = map[string]string{}
	}
	for _, o := range c.obligations {
		if o.ClockStarts.Anchor != "" {
			addAnchor(set, o.ClockStarts.Anchor)
		}
		for _, p := range o.Phases {
			if p.Anchor != "" {
				addAnchor(set, p.Anchor)
			}
			if p.AlsoNoLaterThan != nil {
				addAnchor(set, p.AlsoNoLaterThan.Anchor)
			}
		}
	}
	return slices.Sorted(maps.Keys(set))
}

// addAnchor puts an anchor a phase uses into set, keeping the vocabulary's
// description when it has one.
func addAnchor(set map[string]string, anchor string) {
	if _, ok := set[anchor]; !ok {
		set[anchor] = ""
	}
}

// AnchorDescription describes an anchor of the vocabulary.
func (c *Catalog) AnchorDescription(name string) string { return c.anchors[name] }

func (o Obligation) clone() Obligation {
	o.Notify = slices.Clone(o.Notify)
	o.ConditionNotes = slices.Clone(o.ConditionNotes)
	o.DelaysOrExtensions = slices.Clone(o.DelaysOrExtensions)
	o.Sources = slices.Clone(o.Sources)
	o.Phases = slices.Clone(o.Phases)
	return o
}

// CatalogError is one problem of a catalog file: Path is where in the
// document ("obligations[3].phases[0].deadline_kind"); Line and Column
// (1-based, 0 when unknown) where it is written.
type CatalogError struct {
	Line    int    `json:"line,omitempty"`
	Column  int    `json:"column,omitempty"`
	Path    string `json:"path,omitempty"`
	Message string `json:"message"`
}

func (e CatalogError) Error() string {
	var b bytes.Buffer
	if e.Line > 0 {
		fmt.Fprintf(&b, "%d:%d: ", e.Line, e.Column)
	}
	if e.Path != "" {
		b.WriteString(e.Path + ": ")
	}
	b.WriteString(e.Message)
	return b.String()
}

// CatalogErrors is every problem of a catalog file, in file order.
type CatalogErrors []CatalogError

func (es CatalogErrors) Error() string {
	var b bytes.Buffer
	for i, e := range es {
		if i > 0 {
			b.WriteByte('\n')
		}
		b.WriteString(e.Error())
	}
	return b.String()
}
