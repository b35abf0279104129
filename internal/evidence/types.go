package evidence

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Kind says whether Firebreak holds an item's bytes.
type Kind string

// The kinds of evidence.
const (
	KindFile     Kind = "file"     // uploaded; Files holds the bytes
	KindExternal Kind = "external" // held elsewhere; described by its hashes
)

// DefaultMaxBytes is the largest file accepted when the policy file does
// not say (evidence: {max_bytes: …}).
const DefaultMaxBytes int64 = 2 << 30

// Acquisition says how an item was obtained.
type Acquisition struct {
	By     string    `json:"by"`
	At     time.Time `json:"at"`
	Source string    `json:"source,omitempty"` // the asset it came from (free text)
	Method string    `json:"method,omitempty"` // how: "dd over write blocker", "export from SIEM"…
}

// Disposal is how an item's custody ended; the item and its file stay.
type Disposal struct {
	At           time.Time `json:"at"`
	By           string    `json:"by"`
	Reason       string    `json:"reason"`
	AuthorisedBy string    `json:"authorised_by"`
}

// Item is one piece of evidence as it stands now; its history is the
// events that name it.
type Item struct {
	IncidentID  string            `json:"-"`
	Number      int               `json:"number"`
	ID          string            `json:"id"` // "EV-<number>", unique within the incident
	Kind        Kind              `json:"kind"`
	Name        string            `json:"name"`
	Description string            `json:"description,omitempty"`
	ContentType string            `json:"content_type,omitempty"` // a file's, as uploaded; never used to render it
	SHA256      string            `json:"sha256"`
	Hashes      map[string]string `json:"hashes,omitempty"` // other digests by algorithm ("md5", "sha1", "sha512")
	Size        int64             `json:"size"`
	Location    string            `json:"location"` // where it is kept now
	Holder      string            `json:"holder"`   // who has custody now
	Acquisition Acquisition       `json:"acquisition"`
	AddedBy     string            `json:"added_by"`
	AddedAt     time.Time         `json:"added_at"`
	Disposal    *Disposal         `json:"disposal,omitempty"`
	// Version counts the events that changed the row (added, transferred,
	// disposed).
	Version int64 `json:"version"`
}

// Disposed reports whether the item's custody has ended.
func (it Item) Disposed() bool { return it.Disposal != nil }

// IDOf is the identifier of an item number.
func IDOf(n int) string { return "EV-" + strconv.Itoa(n) }

// ParseID reads "EV-7", "ev-7" or "7".
func ParseID(s string) (int, error) {
	t := strings.TrimSpace(s)
	if len(t) > 3 && strings.EqualFold(t[:3], "EV-") {
		t = t[3:]
	}
	n, err := strconv.Atoi(t)
	if err != nil || n < 1 || n > 1<<30 {
		return 0, errs.E(errs.NotFound, "id", "%q is not an evidence identifier (EV-<number>)", clip(s))
	}
	return n, nil
}

// Write is one change to an incident's evidence: its events and the item
// row they produce (nil when only the chain changes, as for an access).
type Write struct {
	IncidentID string
	Batch      incident.Batch
	Item       *Item
}

// Custody is one event of an item's history.
type Custody struct {
	Seq    int64     `json:"seq"`
	Type   string    `json:"type"`
	Actor  string    `json:"actor"`
	At     time.Time `json:"at"`
	Hash   string    `json:"hash"`
	Detail string    `json:"detail"` // one line, as the timeline says it
	Data   any       `json:"data"`
}

// History is an item with its custody events in order.
type History struct {
	Item    Item      `json:"item"`
	Custody []Custody `json:"custody"`
}

// Report is the custody report of an incident: every item with its full
// history, and the chain's last link at the time of the report.
type Report struct {
	Ref         string    `json:"ref"`
	Title       string    `json:"title"`
	GeneratedAt time.Time `json:"generated_at"`
	Items       []History `json:"items"`
	LastSeq     int64     `json:"last_seq"`
	LastHash    string    `json:"last_hash"`
}

func clip(s string) string {
	if r := []rune(s); len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

// String names an item for messages.
func (it Item) String() string { return fmt.Sprintf("%s (%s)", it.ID, it.Name) }
