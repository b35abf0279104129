package incident

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"strconv"
	"time"
)

// Event types. Each is an immutable fact in an incident's stream.
const (
	EvDeclared        = "incident.declared"
	EvUpdated         = "incident.updated"
	EvSeverityChanged = "incident.severity_changed"
	EvTransitioned    = "incident.transitioned"
	EvRoleAssigned    = "incident.role_assigned"
	EvRoleUnassigned  = "incident.role_unassigned"
	EvMerged          = "incident.merged"
	EvMergeReceived   = "incident.merge_received"
	EvEntryAdded      = "timeline.entry_added"
	EvPostmortemSaved = "postmortem.saved"
	EvSignalLinked    = "signal.linked"  // an alert group or report now feeds this incident
	EvAlertFired      = "alert.fired"    // an alert of a linked group fired
	EvAlertResolved   = "alert.resolved" // an alert of a linked group resolved
)

// Event types of handovers and post-mortem revisions.
const (
	// EvRoleHandedOver passes a single-holder role from one person to
	// another; the previous holder stays as a responder.
	EvRoleHandedOver = "incident.role_handed_over"
	// EvPostmortemRevised is a change to a published post-mortem: a new
	// revision with its reason and the SHA-256 of its text.
	EvPostmortemRevised = "postmortem.revised"
	// EvActionItemUpdated ticks an action item of a published post-mortem
	// done (or not), leaving its text alone.
	EvActionItemUpdated = "postmortem.action_item_updated"
)

// Event types of the post-mortem's review.
const (
	// EvPostmortemReviewRequested sends the text to its reviewers (again,
	// to change them).
	EvPostmortemReviewRequested = "postmortem.review_requested"
	// EvPostmortemReviewed is a reviewer's verdict on a text.
	EvPostmortemReviewed = "postmortem.reviewed"
	// EvPostmortemPublished publishes the approved text: revision 1.
	EvPostmortemPublished = "postmortem.published"
)

// PostmortemEvent reports whether events of type t belong to the
// post-mortem.
func PostmortemEvent(t string) bool {
	switch t {
	case EvPostmortemSaved, EvPostmortemRevised, EvActionItemUpdated, EvPostmortemReviewRequested, EvPostmortemReviewed, EvPostmortemPublished,
		EvPostmortemMeetingScheduled:
		return true
	}
	return false
}

// Event is one recorded change. Seq is gapless per incident and starts at 1;
// GlobalSeq orders events across incidents and is assigned by the store.
type Event struct {
	IncidentID string          `json:"incident_id"`
	Seq        int64           `json:"seq"`
	GlobalSeq  int64           `json:"global_seq"`
	Type       string          `json:"type"`
	Actor      string          `json:"actor"`
	RecordedAt time.Time       `json:"recorded_at"`
	OccurredAt *time.Time      `json:"occurred_at,omitempty"`
	Data       json.RawMessage `json:"data"`
	PrevHash   string          `json:"prev_hash"`
	Hash       string          `json:"hash"`
}

// timeLayout is fixed-width so encodings are canonical; times are UTC and
// truncated to microseconds, which every store keeps exactly.
const timeLayout = "2006-01-02T15:04:05.000000Z"

// Canonical returns the byte encoding the hash covers: every field but
// GlobalSeq and Hash, length-prefixed so no field can bleed into the next.
func (e *Event) Canonical() []byte {
	var b bytes.Buffer
	field := func(s string) {
		b.WriteString(strconv.Itoa(len(s)))
		b.WriteByte(':')
		b.WriteString(s)
		b.WriteByte(';')
	}
	field("firebreak-event-v1")
	field(e.PrevHash)
	field(e.IncidentID)
	field(strconv.FormatInt(e.Seq, 10))
	field(e.Type)
	field(e.Actor)
	field(e.RecordedAt.UTC().Format(timeLayout))
	if e.OccurredAt != nil {
		field(e.OccurredAt.UTC().Format(timeLayout))
	} else {
		field("")
	}
	field(string(e.Data))
	return b.Bytes()
}

// ComputeHash returns the SHA-256 of the canonical encoding, hex encoded.
func (e *Event) ComputeHash() string {
	sum := sha256.Sum256(e.Canonical())
	return hex.EncodeToString(sum[:])
}

// Seal links e to the previous event's hash and sets its own hash.
func (e *Event) Seal(prevHash string) {
	e.PrevHash = prevHash
	e.Hash = e.ComputeHash()
}

// Break describes the first broken link found by VerifyChain.
type Break struct {
	Seq    int64
	Reason string
}

// VerifyChain checks that events (one incident's, in stored order) have
// gapless sequence numbers from 1, each linked to the one before, and each
// hash matching its content. It returns the first break, or nil.
func VerifyChain(events []Event) *Break {
	prev := ""
	for i, e := range events {
		want := int64(i + 1)
		switch {
		case e.Seq != want:
			return &Break{Seq: want, Reason: "sequence " + strconv.FormatInt(want, 10) + " missing or out of order (found " + strconv.FormatInt(e.Seq, 10) + ")"}
		case e.PrevHash != prev:
			return &Break{Seq: e.Seq, Reason: "previous-hash link does not match the event before"}
		case e.ComputeHash() != e.Hash:
			return &Break{Seq: e.Seq, Reason: "content does not match its hash"}
		}
		prev = e.Hash
	}
	return nil
}

// Data payloads, one per event type.

// DeclaredData is the payload of EvDeclared.
type DeclaredData struct {
	ID          string            `json:"id"`
	Number      int64             `json:"number"`
	Title       string            `json:"title"`
	Summary     string            `json:"summary,omitempty"`
	Type        string            `json:"type,omitempty"`
	Severity    string            `json:"severity,omitempty"`
	Significant bool              `json:"significant,omitempty"`
	Source      Source            `json:"source"`
	Labels      map[string]string `json:"labels,omitempty"`
	Affected    []string          `json:"affected,omitempty"`
	Restricted  bool              `json:"restricted,omitempty"`
	DetectedAt  time.Time         `json:"detected_at"`
}

// UpdatedData is the payload of EvUpdated; only the fields set changed.
// From holds the same fields' values before the change (events recorded
// before it existed have none).
type UpdatedData struct {
	Title      *string            `json:"title,omitempty"`
	Summary    *string            `json:"summary,omitempty"`
	Type       *string            `json:"type,omitempty"`
	Labels     *map[string]string `json:"labels,omitempty"`
	Affected   *[]string          `json:"affected,omitempty"`
	RootCause  *string            `json:"root_cause,omitempty"`
	Resolution *string            `json:"resolution,omitempty"`
	Restricted *bool              `json:"restricted,omitempty"`
	From       *UpdatedData       `json:"from,omitempty"`
}

// SeverityData is the payload of EvSeverityChanged.
type SeverityData struct {
	From        string `json:"from"`
	To          string `json:"to"`
	Significant bool   `json:"significant"`
}

// TransitionData is the payload of EvTransitioned.
type TransitionData struct {
	From          State      `json:"from"`
	To            State      `json:"to"`
	Reason        string     `json:"reason,omitempty"`
	PostmortemDue *time.Time `json:"postmortem_due,omitempty"`
}

// RoleData is the payload of EvRoleAssigned and EvRoleUnassigned.
type RoleData struct {
	Role Role   `json:"role"`
	User string `json:"user"`
	Note string `json:"note,omitempty"`
}

// HandoverData is the payload of EvRoleHandedOver: a single-holder role
// passes from From to To; From (and any other holder left from before roles
// were single, in Also) stays on the incident as a responder.
type HandoverData struct {
	Role Role     `json:"role"`
	From string   `json:"from"`
	To   string   `json:"to"`
	Also []string `json:"also,omitempty"`
	Note string   `json:"note,omitempty"`
}

// MergeData is the payload of EvMerged (Other is the target) and
// EvMergeReceived (Other is the merged incident).
type MergeData struct {
	Other    string `json:"other"`
	OtherRef string `json:"other_ref"`
	Reason   string `json:"reason,omitempty"`
}

// EntryData is the payload of EvEntryAdded.
type EntryData struct {
	Kind EntryKind `json:"kind"`
	Body string    `json:"body"`
	// Refs are the records of the incident the entry is about, canonical
	// (entry_refs.go); omitted when none, so older entries hash as before.
	Refs []string `json:"refs,omitempty"`
}

// SignalData is the payload of EvSignalLinked: where the incident's signals
// came from, so the timeline shows it.
type SignalData struct {
	GroupID     string            `json:"group_id"`
	Source      string            `json:"source"`
	Integration string            `json:"integration,omitempty"`
	Summary     string            `json:"summary"`
	Alerts      int               `json:"alerts"`
	FirstSeen   time.Time         `json:"first_seen"`
	Labels      map[string]string `json:"labels,omitempty"`
	How         string            `json:"how"` // declared or attached
}

// AlertData is the payload of EvAlertFired and EvAlertResolved.
type AlertData struct {
	GroupID     string            `json:"group_id"`
	Fingerprint string            `json:"fingerprint"`
	Summary     string            `json:"summary"`
	Labels      map[string]string `json:"labels,omitempty"`
	URL         string            `json:"url,omitempty"`
	// Apart names the labels that tell this alert from the others of its
	// group, such as "instance=web-1:9100".
	Apart string `json:"apart,omitempty"`
}

// PostmortemData is the payload of EvPostmortemSaved. Since the structured
// post-mortem it holds the whole text in Doc, with its hash (DocHash), and
// the status it was saved in, which it does not change. Older events hold
// Body, Lessons and ActionItems instead, and their Status set the status
// (TextSHA256, by PostmortemTextHash, on the first publication).
type PostmortemData struct {
	Status      PostmortemStatus `json:"status"`
	Doc         *PostmortemDoc   `json:"doc,omitempty"`
	Body        string           `json:"body,omitempty"`
	Lessons     string           `json:"lessons,omitempty"`
	ActionItems []ActionItem     `json:"action_items,omitempty"`
	TextSHA256  string           `json:"text_sha256,omitempty"`
}

// RevisedData is the payload of EvPostmortemRevised: the whole new text of
// a published post-mortem (Doc; Body, Lessons and ActionItems in older
// events), why it changed, and its hash.
type RevisedData struct {
	Reason      string         `json:"reason"`
	TextSHA256  string         `json:"text_sha256"`
	Doc         *PostmortemDoc `json:"doc,omitempty"`
	Body        string         `json:"body,omitempty"`
	Lessons     string         `json:"lessons,omitempty"`
	ActionItems []ActionItem   `json:"action_items,omitempty"`
}

// ReviewRequestedData is the payload of EvPostmortemReviewRequested.
type ReviewRequestedData struct {
	Reviewers  []string `json:"reviewers"`
	TextSHA256 string   `json:"text_sha256"`
}

// ReviewedData is the payload of EvPostmortemReviewed.
type ReviewedData struct {
	Reviewer   string  `json:"reviewer"`
	Verdict    Verdict `json:"verdict"`
	Comment    string  `json:"comment,omitempty"`
	TextSHA256 string  `json:"text_sha256"`
}

// PublishedData is the payload of EvPostmortemPublished: the text
// published and who approved it.
type PublishedData struct {
	TextSHA256 string   `json:"text_sha256"`
	Approvals  []string `json:"approvals"`
}

// ActionItemData is the payload of EvActionItemUpdated: the item at Index
// (its title, to read the record by) is now done or not.
type ActionItemData struct {
	Index int    `json:"index"`
	Title string `json:"title"`
	Done  bool   `json:"done"`
}
