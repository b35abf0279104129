// Package comms is the pure core of communication duties: the catalog of
// notice obligations (laws, regulations, contracts, internal rules), the
// organisation profile and incident facts they apply to, and the
// evaluation that turns them into dated duties. Nothing here touches SQL,
// HTTP or the wall clock.
package comms

import "time"

// DeadlineKind is how a phase's deadline is counted.
type DeadlineKind string

const (
	CalendarHours DeadlineKind = "calendar_hours" // elapsed hours: nights, weekends and holidays count
	CalendarDays  DeadlineKind = "calendar_days"
	CalendarMonth DeadlineKind = "calendar_month"
	BusinessDays  DeadlineKind = "business_days" // on the jurisdiction's holiday calendar
	Qualitative   DeadlineKind = "qualitative"   // "without undue delay": no due instant
)

// ItemStatus is where one duty stands.
type ItemStatus string

const (
	Pending   ItemStatus = "pending"
	DueSoon   ItemStatus = "due_soon" // within DueSoonWindow of its due instant
	Overdue   ItemStatus = "overdue"
	Submitted ItemStatus = "submitted"
	Waived    ItemStatus = "waived"
	// NotInForce: the obligation is proposed, or does not apply yet
	// (applies_from in the future); dated for planning, never reminded.
	NotInForce ItemStatus = "not_in_force"
)

// Applicability says whether a duty applies for sure or may apply.
type Applicability string

const (
	// Applies: every condition holds on what is known.
	Applies Applicability = "applies"
	// Possible: a condition needs a fact that is not known yet; the
	// item's Questions say which. Unknown facts count in the duty's
	// favour, so it is dated, counted and reminded like the others.
	Possible Applicability = "possible"
)

// Flag codes: something about a duty's record that people should look at.
const (
	// FlagLate: submitted after its due instant.
	FlagLate = "late"
	// FlagOutOfOrder: submitted before the report it follows.
	FlagOutOfOrder = "out_of_order"
)

// Flag is a remark on a duty's record.
type Flag struct {
	Code    string `json:"code" enum:"late,out_of_order"`
	Message string `json:"message"`
}

// Organization is the profile obligations are matched against.
type Organization struct {
	// Roles such as "controller", "processor".
	Roles []string `json:"roles" yaml:"roles"`
	// EntityTypes such as "essential_entity", "SEC_registrant",
	// "HIPAA_covered_entity", "financial_entity_in_DORA_scope".
	EntityTypes []string `json:"entity_types" yaml:"entity_types"`
	Sectors     []string `json:"sectors" yaml:"sectors"`
	// Countries of establishment, ISO 3166 codes ("DE", "US"; "US-CA" for
	// a state).
	Countries []string `json:"countries" yaml:"countries"`
	// Calendars names the holiday calendar per jurisdiction ("EU": "DE",
	// "US": "US", "BR": "BR"); business days in a jurisdiction without one
	// count Monday to Friday.
	Calendars map[string]string `json:"calendars" yaml:"calendars"`
	// Targets are internal targets for qualitative duties, by obligation
	// ID ("eu-gdpr-art34-data-subjects": 48h): shown as a due instant of
	// kind qualitative.
	Targets map[string]Duration `json:"targets,omitempty" yaml:"targets"`
	// Margin, when set, shows each legal deadline this long earlier as a
	// separate internal due instant (Item.InternalDueAt); the legal due
	// instant is never changed by it.
	Margin Duration `json:"margin,omitempty" yaml:"margin"`
}

// Duration is a time.Duration written as "48h" or "90m".
type Duration time.Duration

// Facts are what is known about an incident that obligations depend on.
type Facts struct {
	// Anchors map a clock anchor of the catalog ("aware", "discovered",
	// "classified_major", …) to when it happened.
	Anchors      map[string]time.Time `json:"anchors"`
	PersonalData bool                 `json:"personal_data"`
	// DataTypes such as "unsecured_PHI", "payment_card", "credentials",
	// "special_category".
	DataTypes           []string `json:"data_types"`
	AffectedIndividuals *int     `json:"affected_individuals,omitempty"`
	// AffectedByJurisdiction such as {"US-CA": 600, "EU": 400}.
	AffectedByJurisdiction map[string]int `json:"affected_by_jurisdiction,omitempty"`
	Notes                  string         `json:"notes,omitempty"`
}

// RecordKind is what was done about a duty.
type RecordKind string

const (
	RecordSubmitted RecordKind = "submitted" // the notice was given; anchors the next phase
	RecordWaived    RecordKind = "waived"    // not given, with a reason
)

// Record is a submission or waiver of one phase of one obligation.
type Record struct {
	ObligationID string     `json:"obligation_id"`
	Phase        string     `json:"phase"`
	Kind         RecordKind `json:"kind"`
	At           time.Time  `json:"at"`
	Reason       string     `json:"reason,omitempty"` // a waiver's
}

// Item is one phase of one applicable obligation, dated.
type Item struct {
	ObligationID string `json:"obligation_id"`
	Phase        string `json:"phase"`
	Recipient    string `json:"recipient"`
	// DueAt is nil for qualitative duties without an internal target, and
	// for phases whose anchor has not happened yet.
	DueAt *time.Time `json:"due_at"`
	// InternalDueAt is DueAt less the organisation's margin, labelled by
	// InternalDueNote; never instead of DueAt.
	InternalDueAt   *time.Time   `json:"internal_due_at,omitempty"`
	InternalDueNote string       `json:"internal_due_note,omitempty"`
	DeadlineKind    DeadlineKind `json:"deadline_kind"`
	Status          ItemStatus   `json:"status"`
	// Applicability is applies or possible; Questions are what decides a
	// possible duty ("Are any affected people resident in the EEA?").
	Applicability Applicability `json:"applicability" enum:"applies,possible"`
	Questions     []string      `json:"questions,omitempty"`
	// Basis is the legal reference and its source.
	Basis string `json:"basis"`
	// Anchor is the clock anchor the deadline runs from; AnchorAt when it
	// is known.
	Anchor   string     `json:"anchor,omitempty"`
	AnchorAt *time.Time `json:"anchor_at,omitempty"`
	// Deadline as the catalog states it ("PT72H", "4 business days").
	Deadline     string `json:"deadline,omitempty"`
	DeadlineText string `json:"deadline_text,omitempty"`
	// Verified and LegalStatus ("in_force", "proposed", "contractual",
	// "internal") are shown with the duty so unverified and proposed ones
	// read as such.
	Verified     bool   `json:"verified"`
	LegalStatus  string `json:"legal_status"`
	Jurisdiction string `json:"jurisdiction,omitempty"`
	// Explanation says how the due instant was worked out (the special
	// rule applied, the calendar used).
	Explanation string  `json:"explanation,omitempty"`
	Record      *Record `json:"record,omitempty"`
	// Notes are the catalog's notes on the phase; Conditions the
	// conditions people judge (the catalog's condition notes and the
	// phase's own condition), shown so a duty that does not apply can be
	// waived with its reason.
	Notes      string   `json:"notes,omitempty"`
	Conditions []string `json:"conditions,omitempty"`
	// InForceFrom says when an obligation not yet in force starts to
	// apply, as the catalog states it.
	InForceFrom string `json:"in_force_from,omitempty"`
	// Flags: a submission after the due instant, or before the report it
	// follows.
	Flags []Flag `json:"flags,omitempty"`
}
