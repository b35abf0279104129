package incident

import (
	"slices"
	"time"
)

// State is a lifecycle state. See ARCHITECTURE.md, "Lifecycle".
type State string

const (
	Triage     State = "triage"
	Active     State = "active"
	Contained  State = "contained"
	Eradicated State = "eradicated"
	Recovered  State = "recovered"
	Closed     State = "closed"
	Dismissed  State = "dismissed"
	Merged     State = "merged"
)

// States lists every state in lifecycle order.
var States = []State{Triage, Active, Contained, Eradicated, Recovered, Closed, Dismissed, Merged}

// forward is the main line of the lifecycle; the index orders states.
var forward = []State{Triage, Active, Contained, Eradicated, Recovered, Closed}

func (s State) rank() int { return slices.Index(forward, s) }

// Valid reports whether s is a known state.
func (s State) Valid() bool { return slices.Contains(States, s) }

// Open reports whether an incident in s is still being worked on.
func (s State) Open() bool { return s != Closed && s != Dismissed && s != Merged }

// Role is a responsibility a person holds on an incident.
type Role string

const (
	IRLead            Role = "ir_lead"
	IncidentCommander Role = "incident_commander"
	CommsLead         Role = "comms_lead"
	Scribe            Role = "scribe"
	Responder         Role = "responder"
)

// Title is the role's name for people.
func (r Role) Title() string {
	switch r {
	case IRLead:
		return "IR Lead"
	case IncidentCommander:
		return "Incident Commander"
	case CommsLead:
		return "Comms Lead"
	case Scribe:
		return "Scribe"
	case Responder:
		return "Responder"
	}
	return string(r)
}

// Roles lists every role.
var Roles = []Role{IRLead, IncidentCommander, CommsLead, Scribe, Responder}

// Valid reports whether r is a known role.
func (r Role) Valid() bool { return slices.Contains(Roles, r) }

// Single reports whether one person at a time holds r: giving it to another
// is a handoff. Responders are as many as needed.
func (r Role) Single() bool { return r.Valid() && r != Responder }

// Source says where an incident came from.
type Source string

const (
	SourceAlert    Source = "alert"
	SourceInternal Source = "internal"
	SourceExternal Source = "external"
)

// Valid reports whether s is a known source.
func (s Source) Valid() bool {
	return s == SourceAlert || s == SourceInternal || s == SourceExternal
}

// Assignment is one person holding one role.
type Assignment struct {
	Role       Role      `json:"role"`
	User       string    `json:"user"`
	AssignedAt time.Time `json:"assigned_at"`
}

// Incident is the current state of an incident: a fold over its events.
type Incident struct {
	ID            string              `json:"id"`
	Ref           string              `json:"ref"`
	Number        int64               `json:"number"`
	Title         string              `json:"title"`
	Summary       string              `json:"summary"`
	Type          string              `json:"type"`
	Severity      string              `json:"severity"`
	Significant   bool                `json:"significant"`
	State         State               `json:"state"`
	Source        Source              `json:"source"`
	Labels        map[string]string   `json:"labels"`
	Affected      []string            `json:"affected"`
	Restricted    bool                `json:"restricted"`
	Roles         []Assignment        `json:"roles"`
	RootCause     string              `json:"root_cause"`
	Resolution    string              `json:"resolution"`
	DetectedAt    time.Time           `json:"detected_at"`
	DeclaredAt    time.Time           `json:"declared_at"`
	DeclaredBy    string              `json:"declared_by"`
	UpdatedAt     time.Time           `json:"updated_at"`
	Phases        map[State]time.Time `json:"phases"`
	PostmortemDue *time.Time          `json:"postmortem_due"`
	Postmortem    Postmortem          `json:"postmortem"`
	StateReason   string              `json:"state_reason,omitempty"`
	MergedInto    string              `json:"merged_into,omitempty"`
	MergedFrom    []string            `json:"merged_from"`
	Warnings      []string            `json:"warnings"`
	// Assessment is the latest assessment of potential impact, nil
	// before the first (and then left out of the JSON).
	Assessment *Assessment `json:"assessment,omitempty"`
	// Plans are the response plans applied, as they were then; Tasks the
	// response work, from the plans and added by hand.
	Plans   []AppliedPlan `json:"plans"`
	Tasks   []Task        `json:"tasks"`
	Version int64         `json:"version"`
}

// Holders returns the users holding role r, in assignment order.
func (inc *Incident) Holders(r Role) []string {
	var users []string
	for _, a := range inc.Roles {
		if a.Role == r {
			users = append(users, a.User)
		}
	}
	return users
}

// Viewer is who is reading or acting, for restricted incidents.
type Viewer struct {
	User   string
	SeeAll bool // admins see every incident
}

// CanSee reports whether v may see inc: restricted incidents are visible only
// to their participants, the person who declared them, and admins.
func (v Viewer) CanSee(inc *Incident) bool {
	return !inc.Restricted || v.SeeAll || inc.DeclaredBy == v.User || inc.Participant(v.User)
}

// Participant reports whether user holds any role on the incident.
func (inc *Incident) Participant(user string) bool {
	for _, a := range inc.Roles {
		if a.User == user {
			return true
		}
	}
	return false
}

// PostmortemStatus is draft, in_review or published.
type PostmortemStatus string

const (
	PostmortemDraft     PostmortemStatus = "draft"
	PostmortemInReview  PostmortemStatus = "in_review"
	PostmortemPublished PostmortemStatus = "published"
)

// Postmortem is the review written after recovery: its text, who wrote
// and who reviews it, and the verdicts given.
type Postmortem struct {
	Status PostmortemStatus `json:"status" enum:"draft,in_review,published"`
	Doc    PostmortemDoc    `json:"doc"`
	// TextSHA256 is DocHash(Doc): approvals are given to a text.
	TextSHA256 string `json:"text_sha256"`
	// Authors wrote the text since it was last published (or ever, before
	// the first publication).
	Authors   []string `json:"authors"`
	Reviewers []string `json:"reviewers"`
	// Reviews are every verdict given, oldest first; those on an older
	// text no longer count (see Verdicts).
	Reviews []Review `json:"reviews"`
	// ActionItems are those of a post-mortem written before action items
	// were kept on their own (package actions); new texts hold none.
	ActionItems []ActionItem `json:"action_items"`
	// PublishedAt is the first publication: the evidence that the
	// post-mortem was on time; later revisions leave it.
	PublishedAt *time.Time `json:"published_at,omitempty"`
	UpdatedAt   *time.Time `json:"updated_at,omitempty"`
	// Meeting is the review meeting as last scheduled; nil: none yet.
	Meeting *Meeting `json:"meeting,omitempty"`
}

// Review is one reviewer's verdict on one text.
type Review struct {
	Reviewer   string    `json:"reviewer"`
	Verdict    Verdict   `json:"verdict" enum:"approve,changes_requested"`
	Comment    string    `json:"comment"`
	TextSHA256 string    `json:"text_sha256" doc:"The text the verdict was given to."`
	At         time.Time `json:"at"`
}

// ActionItem is one follow-up with an owner.
type ActionItem struct {
	Title string `json:"title"`
	Owner string `json:"owner"`
	Due   string `json:"due,omitempty"` // a calendar date, YYYY-MM-DD
	Done  bool   `json:"done"`
}

// EntryKind classifies a timeline entry written by a person.
type EntryKind string

const (
	KindNote          EntryKind = "note"
	KindDecision      EntryKind = "decision"
	KindAction        EntryKind = "action"
	KindEvidence      EntryKind = "evidence"
	KindCommunication EntryKind = "communication"
)

// EntryKinds lists every entry kind.
var EntryKinds = []EntryKind{KindNote, KindDecision, KindAction, KindEvidence, KindCommunication}

// Valid reports whether k is a known kind.
func (k EntryKind) Valid() bool { return slices.Contains(EntryKinds, k) }
