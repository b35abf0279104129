package actions

import (
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// State is where an action item stands.
type State string

// The states. Done and won't do end an item; either may be reopened.
const (
	Open       State = "open"
	InProgress State = "in_progress"
	Done       State = "done"
	WontDo     State = "wont_do"
)

// States in the order forms and filters offer them.
var States = []State{Open, InProgress, Done, WontDo}

// Closed reports whether s ends the item.
func (s State) Closed() bool { return s == Done || s == WontDo }

// Title is the state as people read it.
func (s State) Title() string {
	switch s {
	case InProgress:
		return "in progress"
	case WontDo:
		return "won't do"
	}
	return string(s)
}

// moves are the state changes allowed: forward to work and to an end,
// back to open from anywhere (work stopped, or an end undone).
var moves = map[State][]State{
	Open:       {InProgress, Done, WontDo},
	InProgress: {Open, Done, WontDo},
	Done:       {Open},
	WontDo:     {Open},
}

// CanMove reports whether an item in from may move to to.
func CanMove(from, to State) bool {
	for _, s := range moves[from] {
		if s == to {
			return true
		}
	}
	return false
}

// Priority is how urgent an item is, p1 the most.
type Priority string

// The priorities.
const (
	P1 Priority = "p1"
	P2 Priority = "p2"
	P3 Priority = "p3"
	P4 Priority = "p4"
)

// Priorities from the most urgent.
var Priorities = []Priority{P1, P2, P3, P4}

// Kind is what an item does against a recurrence.
type Kind string

// The kinds.
const (
	Prevent  Kind = "prevent"  // stops the cause happening again
	Detect   Kind = "detect"   // finds it sooner next time
	Mitigate Kind = "mitigate" // makes it hurt less next time
	Process  Kind = "process"  // changes how people work
)

// Kinds in the order forms offer them.
var Kinds = []Kind{Prevent, Detect, Mitigate, Process}

// Tracker links an item to an issue in an external tracker (Jira, GitHub,
// Linear…): its URL and its key there (PROJ-12, #34).
type Tracker struct {
	URL string `json:"url,omitempty"`
	Key string `json:"key,omitempty"`
}

// Empty reports whether no tracker is linked.
func (t Tracker) Empty() bool { return t.URL == "" && t.Key == "" }

// Action is an action item as it stands.
type Action struct {
	ID          string    `json:"id" doc:"ACT-<number>, global and stable."`
	Number      int64     `json:"number"`
	IncidentID  string    `json:"incident_id"`
	Incident    string    `json:"incident" doc:"The reference of the incident it came from (INC-7)."`
	Title       string    `json:"title"`
	Description string    `json:"description,omitempty" doc:"Markdown."`
	Owner       string    `json:"owner" doc:"A user name."`
	Team        string    `json:"team,omitempty"`
	Due         string    `json:"due" doc:"The due date (YYYY-MM-DD) in the organisation's time zone."`
	DueAt       time.Time `json:"due_at" doc:"The end of the due date in the organisation's time zone: overdue from then."`
	Priority    Priority  `json:"priority" enum:"p1,p2,p3,p4"`
	Kind        Kind      `json:"kind" enum:"prevent,detect,mitigate,process"`
	State       State     `json:"state" enum:"open,in_progress,done,wont_do"`
	Reason      string    `json:"reason,omitempty" doc:"Why it won't be done."`
	Tracker     Tracker   `json:"tracker"`
	CreatedBy   string    `json:"created_by"`
	CreatedAt   time.Time `json:"created_at"`
	UpdatedBy   string    `json:"updated_by"`
	UpdatedAt   time.Time `json:"updated_at"`
	// ClosedAt is when it last became done or won't do; nil while open.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// Version counts the events that made it: an If-Match names it.
	Version int64 `json:"version"`
}

// Overdue reports whether the item is still open past its due date.
func (a Action) Overdue(now time.Time) bool { return !a.State.Closed() && !now.Before(a.DueAt) }

// ClosedOnTime reports whether the item was done by its due date.
func (a Action) ClosedOnTime() bool {
	return a.State == Done && a.ClosedAt != nil && a.ClosedAt.Before(a.DueAt)
}

// IDOf names action item n.
func IDOf(n int64) string { return "ACT-" + strconv.FormatInt(n, 10) }

// ParseID reads ACT-12 (or act-12, or 12) as 12.
func ParseID(s string) (int64, error) {
	t := strings.TrimSpace(s)
	if len(t) > 4 && strings.EqualFold(t[:4], "ACT-") {
		t = t[4:]
	}
	n, err := strconv.ParseInt(t, 10, 64)
	if err != nil || n < 1 {
		return 0, errs.E(errs.NotFound, "id", "%q is not an action item (expected ACT-<number>)", clip(s))
	}
	return n, nil
}

// Limits of what a person writes.
const (
	MaxTitle       = incident.MaxTitle
	MaxDescription = incident.MaxBody
	MaxName        = 200
	MaxReason      = incident.MaxText
	MaxURL         = 2048
	MaxKey         = 100
	// MaxPerIncident bounds how many items one incident keeps.
	MaxPerIncident = 500
	// MaxList is the most items a list returns.
	MaxList = 500
)

// clip shortens s for an error or a log line, on a rune boundary.
func clip(s string) string {
	r := []rune(s)
	if len(r) > 40 {
		return string(r[:40]) + "…"
	}
	return s
}

func (a Action) String() string { return fmt.Sprintf("%s (%s)", a.ID, clip(a.Title)) }
