package alert

import "time"

// Item is one occurrence of one alert at one destination: the unit of dedup.
// Repeats of a firing alert update it; its resolve closes it; a later firing
// of the same fingerprint is a new item.
type Item struct {
	ID          string    `json:"id"`
	GroupID     string    `json:"group_id"`
	Path        string    `json:"path"` // the destination's route path
	Fingerprint string    `json:"fingerprint"`
	Status      Status    `json:"status"`
	Alert       Alert     `json:"alert"` // as last received, with the first StartsAt
	FirstSeen   time.Time `json:"first_seen"`
	LastSeen    time.Time `json:"last_seen"`
	Count       int       `json:"count"` // firing deliveries seen, the first included

	// alertDoc is Alert as appendAlertJSON writes it, when rendered
	// before the store's write transaction (Pipeline.Prepare) for an item
	// made from the prepared alert unchanged; MarshalItem copies it
	// instead of encoding Alert again inside the single writer. nil
	// whenever Alert differs from what it was rendered from: a repeat or a
	// resolve, an item read back from the store.
	alertDoc []byte
}

// Group is the alerts of one destination that share its group-by label
// values while the group is open: one entry in the triage queue, or, once
// IncidentID is set, the alerts feeding that incident's timeline.
type Group struct {
	ID           string            `json:"id"`
	Key          string            `json:"key"` // GroupKey: path + group-by label values
	Destination  Destination       `json:"destination"`
	GroupLabels  map[string]string `json:"group_labels"`
	CommonLabels map[string]string `json:"common_labels"` // labels every alert of the group shares
	Summary      string            `json:"summary"`       // the first alert's
	FirstSeen    time.Time         `json:"first_seen"`
	LastSeen     time.Time         `json:"last_seen"`
	Firing       int               `json:"firing"`   // items firing
	Resolved     int               `json:"resolved"` // items resolved
	// IncidentID is set by the store when the group is attached to an
	// incident; the pipeline never sets it.
	IncidentID string `json:"incident_id,omitempty"`
	// Closed is set by the store when the group leaves the queue (dismissed,
	// or its incident closed): a closed group takes no new alerts.
	Closed bool `json:"closed,omitempty"`
}

// Open reports whether an alert seen at t may still join g: it is not
// closed, and it is attached to an incident, has a firing alert, or saw its
// last alert no longer than its window ago.
func (g Group) Open(t time.Time) bool {
	if g.Closed {
		return false
	}
	return g.IncidentID != "" || g.Firing > 0 || !t.After(g.LastSeen.Add(g.Destination.Window))
}

// Kind says what an alert did.
type Kind string

const (
	// NewGroup: a new item that opened a new group (a new queue entry).
	NewGroup Kind = "new_group"
	// JoinedGroup: a new item that joined an open, unattached group.
	JoinedGroup Kind = "joined_group"
	// Repeat: a firing alert seen again; its item's LastSeen and Count moved.
	Repeat Kind = "repeat"
	// Resolved: a firing item resolved, in an unattached group.
	Resolved Kind = "resolved"
	// IncidentTimeline: a new item fired, or an item resolved, in a group
	// attached to an incident; Item.Status says which. The store appends it
	// to the incident's timeline instead of touching the queue.
	IncidentTimeline Kind = "incident_timeline"
	// Ignored: nothing to change; Reason says why (a resolve for an alert
	// never seen firing, a repeated resolve, a stale delivery).
	Ignored Kind = "ignored"
)

// Outcome is what one alert did at one destination. An alert routed to
// several destinations (Continue) has one Outcome per destination. Item
// and Group are their states after the change, ready to be written; both
// are zero for Ignored.
type Outcome struct {
	Kind        Kind        `json:"kind"`
	Alert       Alert       `json:"alert"`
	Destination Destination `json:"destination"`
	Item        Item        `json:"item"`
	Group       Group       `json:"group"`
	Reason      string      `json:"reason,omitempty"`

	// pre is what Pipeline.Prepare computed for the stages that read state
	// from Alert and Destination alone, so they do not compute it inside
	// the store's single writer; nil when not prepared.
	pre *prepared
}

// prepared is the state-free part of an alert's dedup and grouping at one
// destination: the ID its item has if it is new, its rendered JSON, and
// its group labels and key.
type prepared struct {
	itemID      string
	alertDoc    []byte // nil if it could not be rendered: MarshalItem reports why
	groupLabels map[string]string
	groupKey    string
}

// Net folds outcomes into the final state of every item and group they
// touch, each once, in order of first appearance: what the store upserts.
func Net(outcomes []Outcome) (items []Item, groups []Group) {
	// Sized for a body of new alerts (an item each, a group or a few):
	// grown by append, the large Items were copied again at every doubling.
	itemAt, groupAt := make(map[string]int, len(outcomes)), map[string]int{}
	items = make([]Item, 0, len(outcomes))
	for _, o := range outcomes {
		if o.Kind == Ignored {
			continue
		}
		if i, ok := itemAt[o.Item.ID]; ok {
			items[i] = o.Item
		} else {
			itemAt[o.Item.ID] = len(items)
			items = append(items, o.Item)
		}
		if i, ok := groupAt[o.Group.ID]; ok {
			groups[i] = o.Group
		} else {
			groupAt[o.Group.ID] = len(groups)
			groups = append(groups, o.Group)
		}
	}
	return items, groups
}
