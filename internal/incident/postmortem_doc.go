package incident

import "time"

// PostmortemDoc is the structured text of a post-mortem: each section is
// editable, drafted from the record (package postmortem) when the review
// is first opened. The timeline is a selection of the incident's events
// with captions; choosing and captioning never changes the events.
type PostmortemDoc struct {
	Summary      string         `json:"summary" doc:"Markdown."`
	Impact       string         `json:"impact" doc:"Markdown; drafted from the figures computed from the record."`
	Timeline     []TimelineItem `json:"timeline"`
	RootCauses   []Cause        `json:"root_causes"`
	Contributing []Cause        `json:"contributing_factors"`
	Whys         []string       `json:"whys" doc:"The optional \"5 whys\", in order."`
	WentWell     string         `json:"went_well" doc:"Markdown."`
	Hard         string         `json:"hard" doc:"Markdown: what was hard or went badly."`
	Lessons      string         `json:"lessons" doc:"Markdown."`
}

// TimelineItem is one line of a post-mortem's timeline: an event of the
// incident chosen by Seq (its times copied from the event) with a caption,
// or, when Seq is 0, a line the author adds for something the record does
// not hold (At is then the author's word).
type TimelineItem struct {
	Seq        int64      `json:"seq" doc:"The event chosen; 0 for a line the author added."`
	At         time.Time  `json:"at" doc:"When it happened (world time)."`
	RecordedAt *time.Time `json:"recorded_at,omitempty" doc:"When the event was recorded; absent for a line the author added."`
	Text       string     `json:"text"`
}

// Cause is a root cause or contributing factor: a category and the words.
type Cause struct {
	Category CauseCategory `json:"category" enum:"software,configuration,capacity,dependency,change,process,access,security_control,human,unknown"`
	Text     string        `json:"text"`
}

// CauseCategory classifies a cause so that causes can be counted across
// post-mortems.
type CauseCategory string

// The cause categories.
const (
	CauseSoftware        CauseCategory = "software"         // a defect in code
	CauseConfiguration   CauseCategory = "configuration"    // a wrong setting
	CauseCapacity        CauseCategory = "capacity"         // load beyond what was provisioned
	CauseDependency      CauseCategory = "dependency"       // a supplier or third-party service
	CauseChange          CauseCategory = "change"           // a deployment or change gone wrong
	CauseProcess         CauseCategory = "process"          // a missing or unfollowed procedure
	CauseAccess          CauseCategory = "access"           // credentials, keys, permissions
	CauseSecurityControl CauseCategory = "security_control" // a control missing or ineffective
	CauseHuman           CauseCategory = "human"            // a mistake the system made easy
	CauseUnknown         CauseCategory = "unknown"
)

// CauseCategories lists the categories in the order forms offer them.
var CauseCategories = []CauseCategory{CauseSoftware, CauseConfiguration, CauseCapacity, CauseDependency, CauseChange,
	CauseProcess, CauseAccess, CauseSecurityControl, CauseHuman, CauseUnknown}
