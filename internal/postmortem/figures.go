package postmortem

import (
	"encoding/json"
	"slices"
	"sort"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// SystemActor is who the system records its own events as; it is not a
// person involved.
const SystemActor = "firebreak"

// Records are what the figures read beside the incident's stream: the
// records other packages keep, as plain values (Service gathers them).
type Records struct {
	// Pages are the escalations that paged people about the incident or
	// the signals that became it.
	Pages []Page
	// Duties are the notification duties that apply, with their due
	// instants and what was done about them (duties' items).
	Duties []comms.Item
	// Facts are the incident's facts: people affected, data types.
	Facts comms.Facts
	// Assets and Credentials are the incident's affected assets and
	// compromised credentials with where they stand now.
	Assets      []Asset
	Credentials []Credential
	// Indicators counts the incident's indicators of compromise by type.
	Indicators map[string]int
}

// Page is one escalation: when it started paging and who acknowledged it
// when.
type Page struct {
	At      time.Time  `json:"at"`
	AckedAt *time.Time `json:"acked_at,omitempty"`
	AckedBy string     `json:"acked_by,omitempty"`
}

// Asset is an affected asset as it stands (assets' states).
type Asset struct {
	Kind       string `json:"kind"`
	Identifier string `json:"identifier"`
	State      string `json:"state"`
	Accepted   bool   `json:"accepted,omitempty"`
}

// Credential is a compromised credential as it stands.
type Credential struct {
	ID    string `json:"id"`
	Name  string `json:"name"`
	State string `json:"state"`
}

// Figures are an incident's numbers for its post-mortem, every one
// computed from its events and records; none is typed in. A duration
// that cannot be computed yet (no signal, never acknowledged, not
// recovered) is nil.
type Figures struct {
	DeclaredAt time.Time `json:"declared_at"`
	DetectedAt time.Time `json:"detected_at"`
	// FirstSignalAt is the earliest first-seen of the alert groups and
	// reports linked to the incident (signal.linked), or of a linked
	// alert that fired.
	FirstSignalAt *time.Time `json:"first_signal_at,omitempty"`
	// DetectionLag runs from the first signal to the declaration.
	DetectionLag *Duration `json:"detection_lag,omitempty"`
	// AcknowledgedAt is the first acknowledgement of a page; TimeToAck
	// runs to it from the first signal (the declaration without one).
	AcknowledgedAt *time.Time `json:"acknowledged_at,omitempty"`
	AcknowledgedBy string     `json:"acknowledged_by,omitempty"`
	TimeToAck      *Duration  `json:"time_to_acknowledge,omitempty"`
	// Phases are the time spent in each state, in lifecycle order; a
	// state entered again (a backwards move) adds up.
	Phases []PhaseTime `json:"phases"`
	// RecoveredAt is the last move to recovered; TimeToRecover runs to
	// it from the declaration.
	RecoveredAt   *time.Time `json:"recovered_at,omitempty"`
	TimeToRecover *Duration  `json:"time_to_recover,omitempty"`
	// ClosedAt is the last move to closed.
	ClosedAt *time.Time `json:"closed_at,omitempty"`
	// People are the role holders and everyone who recorded something,
	// by name.
	People []Person `json:"people"`
	// Affected people and data, from the facts.
	AffectedIndividuals    *int           `json:"affected_individuals,omitempty"`
	AffectedByJurisdiction map[string]int `json:"affected_by_jurisdiction,omitempty"`
	PersonalData           bool           `json:"personal_data"`
	DataTypes              []string       `json:"data_types"`
	// Duties are the notification duties with their timeliness.
	Duties []DutyFigure `json:"duties"`
	// DutiesMet counts duties submitted by their due instant; DutiesLate
	// after it; DutiesWaived and DutiesOpen the rest.
	DutiesMet    int `json:"duties_met"`
	DutiesLate   int `json:"duties_late"`
	DutiesWaived int `json:"duties_waived"`
	DutiesOpen   int `json:"duties_open"`
	// Assets: affected (confirmed at some point: any state but suspected
	// and not affected), restored (restored or verified), and accepted
	// unrestored.
	AssetsAffected   int `json:"assets_affected"`
	AssetsRestored   int `json:"assets_restored"`
	AssetsAccepted   int `json:"assets_accepted_unrestored"`
	Credentials      int `json:"credentials"`
	CredentialsReset int `json:"credentials_revoked"`
	// Indicators counts indicators of compromise by type; IndicatorsTotal all.
	Indicators      map[string]int `json:"indicators"`
	IndicatorsTotal int            `json:"indicators_total"`
	// Tasks of the response: done, skipped and still open.
	TasksDone    int `json:"tasks_done"`
	TasksSkipped int `json:"tasks_skipped"`
	TasksOpen    int `json:"tasks_open"`
	// Events counts the incident's events the figures were computed from.
	Events int `json:"events"`
}

// Duration is a time span as whole seconds beside a text such as
// "2h 5m", so people and programs read it alike.
type Duration struct {
	Seconds int64  `json:"seconds"`
	Text    string `json:"text"`
}

// DurationOf is d as a Duration.
func DurationOf(d time.Duration) Duration {
	return Duration{Seconds: int64(d / time.Second), Text: durationText(d)}
}

// String is the text.
func (d Duration) String() string { return d.Text }

// durationText reads like "3d 2h 5m", "12m" or "40s"; seconds show only
// under a minute.
func durationText(t time.Duration) string {
	neg := t < 0
	if neg {
		t = -t
	}
	if t < time.Minute {
		return sign(neg) + itoa(int64(t/time.Second)) + "s"
	}
	t = t.Truncate(time.Minute)
	days, hours, mins := int64(t/(24*time.Hour)), int64(t%(24*time.Hour)/time.Hour), int64(t%time.Hour/time.Minute)
	s := ""
	if days > 0 {
		s += itoa(days) + "d "
	}
	if hours > 0 {
		s += itoa(hours) + "h "
	}
	if mins > 0 || s == "" {
		s += itoa(mins) + "m "
	}
	return sign(neg) + s[:len(s)-1]
}

// PhaseTime is how long the incident spent in one state.
type PhaseTime struct {
	State incident.State `json:"state"`
	// Entered is the first time the state was entered.
	Entered time.Time `json:"entered"`
	// Duration is the total time in the state; nil while it is the
	// current state (it has no end yet).
	Duration *Duration `json:"duration,omitempty"`
	// Times counts how often it was entered (more than once after a
	// backwards move).
	Times int `json:"times"`
}

// Person is someone involved: the roles they held and how many events
// they recorded.
type Person struct {
	User   string          `json:"user"`
	Roles  []incident.Role `json:"roles"`
	Events int             `json:"events"`
}

// DutyTimeliness says how a duty was met.
type DutyTimeliness string

// The timeliness of a duty.
const (
	DutyOnTime DutyTimeliness = "on_time" // submitted by its due instant (or it had none)
	DutyLate   DutyTimeliness = "late"    // submitted after it
	DutyWaived DutyTimeliness = "waived"  // not given, with a reason
	DutyOpen   DutyTimeliness = "open"    // nothing recorded yet
)

// DutyFigure is one phase of one notification duty and how it was met.
type DutyFigure struct {
	Obligation string         `json:"obligation"`
	Phase      string         `json:"phase"`
	Recipient  string         `json:"recipient"`
	Due        *time.Time     `json:"due,omitempty"`
	Done       *time.Time     `json:"done,omitempty"`
	Timeliness DutyTimeliness `json:"timeliness"`
	// LateBy is how long after its due instant it was submitted.
	LateBy *Duration `json:"late_by,omitempty"`
	Reason string    `json:"reason,omitempty"` // a waiver's
}

// worldTime is when an event happened: its occurred time where it has
// one, else when it was recorded.
func worldTime(e incident.Event) time.Time {
	if e.OccurredAt != nil {
		return *e.OccurredAt
	}
	return e.RecordedAt
}

func span(from, to time.Time) *Duration {
	d := DurationOf(to.Sub(from))
	return &d
}

func ptr[T any](v T) *T { return &v }

// Compute works out an incident's figures from its events (its whole
// stream, in order) and the records beside it.
func Compute(inc incident.Incident, events []incident.Event, r Records) Figures {
	f := Figures{DeclaredAt: inc.DeclaredAt, DetectedAt: inc.DetectedAt, Events: len(events),
		DataTypes: []string{}, Duties: []DutyFigure{}, Indicators: map[string]int{}, Phases: []PhaseTime{}, People: []Person{}}
	f.signals(events)
	if f.FirstSignalAt != nil && !f.FirstSignalAt.After(inc.DeclaredAt) {
		f.DetectionLag = span(*f.FirstSignalAt, inc.DeclaredAt)
	}
	f.acknowledged(inc, r.Pages)
	f.phases(events)
	f.people(inc, events)
	f.facts(r.Facts)
	f.duties(r.Duties)
	f.records(r)
	for _, t := range inc.Tasks {
		switch t.State {
		case incident.TaskDone:
			f.TasksDone++
		case incident.TaskSkipped:
			f.TasksSkipped++
		default:
			f.TasksOpen++
		}
	}
	return f
}

// signals finds the first signal: the earliest first-seen of a linked
// group, or the earliest linked alert that fired.
func (f *Figures) signals(events []incident.Event) {
	first := func(t time.Time) {
		if !t.IsZero() && (f.FirstSignalAt == nil || t.Before(*f.FirstSignalAt)) {
			f.FirstSignalAt = ptr(t)
		}
	}
	for _, e := range events {
		switch e.Type {
		case incident.EvSignalLinked:
			var d incident.SignalData
			if json.Unmarshal(e.Data, &d) == nil {
				first(d.FirstSeen)
			}
		case incident.EvAlertFired:
			first(worldTime(e))
		}
	}
}

// acknowledged finds the first acknowledged page.
func (f *Figures) acknowledged(inc incident.Incident, pages []Page) {
	for _, p := range pages {
		if p.AckedAt != nil && (f.AcknowledgedAt == nil || p.AckedAt.Before(*f.AcknowledgedAt)) {
			f.AcknowledgedAt, f.AcknowledgedBy = ptr(*p.AckedAt), p.AckedBy
		}
	}
	if f.AcknowledgedAt == nil {
		return
	}
	from := inc.DeclaredAt
	if f.FirstSignalAt != nil && f.FirstSignalAt.Before(from) {
		from = *f.FirstSignalAt
	}
	if !f.AcknowledgedAt.Before(from) {
		f.TimeToAck = span(from, *f.AcknowledgedAt)
	}
}

// phases adds up the time in each state from the declaration (triage)
// and every transition; the current state has no end.
func (f *Figures) phases(events []incident.Event) {
	total := map[incident.State]time.Duration{}
	entered := map[incident.State]time.Time{}
	times := map[incident.State]int{}
	var cur incident.State
	var since time.Time
	enter := func(s incident.State, at time.Time) {
		if cur != "" {
			total[cur] += at.Sub(since)
		}
		cur, since = s, at
		if _, ok := entered[s]; !ok {
			entered[s] = at
		}
		times[s]++
	}
	for _, e := range events {
		switch e.Type {
		case incident.EvDeclared:
			enter(incident.Triage, worldTime(e))
		case incident.EvTransitioned:
			var d incident.TransitionData
			if json.Unmarshal(e.Data, &d) != nil {
				continue
			}
			at := worldTime(e)
			enter(d.To, at)
			switch d.To {
			case incident.Recovered:
				f.RecoveredAt = ptr(at)
			case incident.Closed:
				f.ClosedAt = ptr(at)
			}
		}
	}
	for _, s := range incident.States {
		at, ok := entered[s]
		if !ok {
			continue
		}
		p := PhaseTime{State: s, Entered: at, Times: times[s]}
		if s != cur {
			p.Duration = ptr(DurationOf(total[s]))
		}
		f.Phases = append(f.Phases, p)
	}
	if f.RecoveredAt != nil && len(events) > 0 {
		f.TimeToRecover = span(f.DeclaredAt, *f.RecoveredAt)
	}
}

// people lists role holders (every role they held) and the actors of
// events, but not the system itself.
func (f *Figures) people(inc incident.Incident, events []incident.Event) {
	by := map[string]*Person{}
	get := func(u string) *Person {
		p, ok := by[u]
		if !ok {
			p = &Person{User: u, Roles: []incident.Role{}}
			by[u] = p
		}
		return p
	}
	role := func(u string, r incident.Role) {
		if u == "" {
			return
		}
		p := get(u)
		if !slices.Contains(p.Roles, r) {
			p.Roles = append(p.Roles, r)
		}
	}
	for _, e := range events {
		if e.Actor != "" && e.Actor != SystemActor {
			get(e.Actor).Events++
		}
		switch e.Type {
		case incident.EvRoleAssigned:
			var d incident.RoleData
			if json.Unmarshal(e.Data, &d) == nil {
				role(d.User, d.Role)
			}
		case incident.EvRoleHandedOver:
			var d incident.HandoverData
			if json.Unmarshal(e.Data, &d) == nil {
				role(d.From, d.Role)
				role(d.To, d.Role)
			}
		}
	}
	for _, a := range inc.Roles {
		role(a.User, a.Role)
	}
	for _, p := range by {
		slices.SortFunc(p.Roles, func(a, b incident.Role) int { return slices.Index(incident.Roles, a) - slices.Index(incident.Roles, b) })
		f.People = append(f.People, *p)
	}
	sort.Slice(f.People, func(i, j int) bool { return f.People[i].User < f.People[j].User })
}

func (f *Figures) facts(x comms.Facts) {
	f.AffectedIndividuals, f.PersonalData = x.AffectedIndividuals, x.PersonalData
	if len(x.AffectedByJurisdiction) > 0 {
		f.AffectedByJurisdiction = x.AffectedByJurisdiction
	}
	f.DataTypes = append(f.DataTypes, x.DataTypes...)
	slices.Sort(f.DataTypes)
}

// duties reads each duty's record against its due instant. Duties that
// do not apply (only possible, or not in force) and were never acted on
// are left out: they were not duties of this incident.
func (f *Figures) duties(items []comms.Item) {
	for _, it := range items {
		if it.Record == nil && (it.Applicability != comms.Applies || it.Status == comms.NotInForce) {
			continue
		}
		d := DutyFigure{Obligation: it.ObligationID, Phase: it.Phase, Recipient: it.Recipient, Due: it.DueAt, Timeliness: DutyOpen}
		if r := it.Record; r != nil {
			switch r.Kind {
			case comms.RecordWaived:
				d.Timeliness, d.Reason = DutyWaived, r.Reason
			default:
				d.Done, d.Timeliness = ptr(r.At), DutyOnTime
				if it.DueAt != nil && r.At.After(*it.DueAt) {
					d.Timeliness, d.LateBy = DutyLate, span(*it.DueAt, r.At)
				}
			}
		}
		switch d.Timeliness {
		case DutyOnTime:
			f.DutiesMet++
		case DutyLate:
			f.DutiesLate++
		case DutyWaived:
			f.DutiesWaived++
		default:
			f.DutiesOpen++
		}
		f.Duties = append(f.Duties, d)
	}
	sort.SliceStable(f.Duties, func(i, j int) bool {
		a, b := f.Duties[i], f.Duties[j]
		if a.Obligation != b.Obligation {
			return a.Obligation < b.Obligation
		}
		return a.Phase < b.Phase
	})
}

// The asset and credential states the figures read (package assets'
// names, kept here as words: the figures only count them).
const (
	assetSuspected   = "suspected"
	assetNotAffected = "not_affected"
	assetRestored    = "restored"
	assetVerified    = "verified"
	credRevoked      = "revoked"
	credRotated      = "rotated"
)

func (f *Figures) records(r Records) {
	for _, a := range r.Assets {
		if a.State == assetSuspected || a.State == assetNotAffected {
			continue
		}
		f.AssetsAffected++
		switch {
		case a.State == assetRestored || a.State == assetVerified:
			f.AssetsRestored++
		case a.Accepted:
			f.AssetsAccepted++
		}
	}
	for _, c := range r.Credentials {
		f.Credentials++
		if c.State == credRevoked || c.State == credRotated {
			f.CredentialsReset++
		}
	}
	for k, n := range r.Indicators {
		f.Indicators[k] = n
		f.IndicatorsTotal += n
	}
}
