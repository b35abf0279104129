package indicators

import (
	"cmp"
	"context"
	"encoding/json"
	"log/slog"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Key is what makes an indicator the same one in two incidents.
type Key struct {
	Type  Type
	Value string
}

// Key returns the indicator's key.
func (i Indicator) Key() Key { return Key{i.Type, i.Value} }

// Write is one change of an incident's indicators: the events and the
// rows, committed in one transaction.
type Write struct {
	IncidentID string
	Batch      incident.Batch
	Add        []Indicator
	Update     []Indicator
}

// Store keeps indicators.
type Store interface {
	// Indicators lists an incident's indicators, oldest first.
	Indicators(ctx context.Context, incidentID string) ([]Indicator, error)
	// WriteIndicators commits w in one transaction: a stale incident
	// version, or an indicator the incident already holds, is a conflict.
	WriteIndicators(ctx context.Context, w Write) error
	// Sightings lists the indicators with any of keys held by incidents
	// other than exceptIncidentID that v may see, newest first, at most
	// limit.
	Sightings(ctx context.Context, v incident.Viewer, keys []Key, exceptIncidentID string, limit int) ([]Sighting, error)
}

// Incidents is what indicators need of the incident service.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
	Recorded(inc incident.Incident, events []incident.Event)
}

// Deps are the service's collaborators.
type Deps struct {
	Store     Store
	Incidents Incidents
	Now       func() time.Time
	NewID     func() string
	Logger    *slog.Logger
}

// Service keeps the indicators of incidents.
type Service struct{ Deps }

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{Deps: d}
}

// MaxSightings is how many other incidents "seen before" and lookups
// list.
const MaxSightings = 200

// DefaultConfidence is the confidence of an indicator added without one.
const DefaultConfidence = 50

// Input is an indicator to add. Empty TLP is DefaultTLP, empty state
// active, nil confidence DefaultConfidence.
type Input struct {
	Type       Type       `json:"type"`
	Value      string     `json:"value"`
	TLP        TLP        `json:"tlp,omitempty"`
	State      State      `json:"state,omitempty"`
	Source     string     `json:"source,omitempty"`
	Confidence *int       `json:"confidence,omitempty"`
	Notes      string     `json:"notes,omitempty"`
	FirstSeen  *time.Time `json:"first_seen,omitempty"`
	LastSeen   *time.Time `json:"last_seen,omitempty"`
}

// Patch changes an indicator; nil fields stay. An empty FirstSeen or
// LastSeen (the zero time) clears it.
type Patch struct {
	TLP        *TLP       `json:"tlp,omitempty"`
	State      *State     `json:"state,omitempty"`
	Source     *string    `json:"source,omitempty"`
	Confidence *int       `json:"confidence,omitempty"`
	Notes      *string    `json:"notes,omitempty"`
	FirstSeen  *time.Time `json:"first_seen,omitempty"`
	LastSeen   *time.Time `json:"last_seen,omitempty"`
}

// AddResult says what a bulk add did: the indicators added, and those the
// incident already held (left as they were).
type AddResult struct {
	Added    []Indicator `json:"added"`
	Existing []Indicator `json:"existing"`
}

// List returns an incident's indicators.
func (s *Service) List(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, []Indicator, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return inc, nil, err
	}
	list, err := s.Store.Indicators(ctx, inc.ID)
	return inc, list, err
}

// Get returns one indicator of an incident.
func (s *Service) Get(ctx context.Context, v incident.Viewer, ref, id string) (Indicator, error) {
	_, list, err := s.List(ctx, v, ref)
	if err != nil {
		return Indicator{}, err
	}
	return find(list, ref, id)
}

func find(list []Indicator, ref, id string) (Indicator, error) {
	for _, i := range list {
		if i.ID == id {
			return i, nil
		}
	}
	return Indicator{}, errs.E(errs.NotFound, "id", "%s has no indicator %s", ref, id)
}

// Add adds one indicator; one the incident already holds is a conflict.
func (s *Service) Add(ctx context.Context, actor incident.Viewer, ref string, in Input) (Indicator, error) {
	r, err := s.add(ctx, actor, ref, []Input{in}, true)
	if err != nil {
		return Indicator{}, err
	}
	return r.Added[0], nil
}

// AddMany adds indicators in one event and one transaction; duplicates
// among them, and ones the incident already holds, are folded (reported
// in Existing). Each is checked first: one bad value refuses them all,
// naming it ("indicators[3].value").
func (s *Service) AddMany(ctx context.Context, actor incident.Viewer, ref string, in []Input) (AddResult, error) {
	return s.add(ctx, actor, ref, in, false)
}

// Paste extracts the indicators in text (Extract) and adds them with the
// TLP, state, source and confidence of defaults.
func (s *Service) Paste(ctx context.Context, actor incident.Viewer, ref, text string, defaults Input) (AddResult, error) {
	cands, err := Preview(text)
	if err != nil {
		return AddResult{}, err
	}
	in := make([]Input, len(cands))
	for i, c := range cands {
		d := defaults
		d.Type, d.Value = c.Type, c.Value
		in[i] = d
	}
	return s.add(ctx, actor, ref, in, false)
}

// Preview extracts the indicators in pasted text without saving them.
func Preview(text string) ([]Candidate, error) {
	switch {
	case len(text) > MaxPaste:
		return nil, errs.E(errs.Invalid, "text", "at most %d bytes; paste it in parts", MaxPaste)
	case strings.TrimSpace(text) == "":
		return nil, errs.E(errs.Invalid, "text", "is empty")
	}
	c := Extract(text)
	if len(c) == 0 {
		return nil, errs.E(errs.Invalid, "text", "no indicators were found in it")
	}
	if len(c) > MaxBulk {
		return nil, errs.E(errs.Invalid, "text", "holds %d indicators; at most %d are added at once", len(c), MaxBulk)
	}
	return c, nil
}

func (s *Service) add(ctx context.Context, actor incident.Viewer, ref string, in []Input, strictOne bool) (AddResult, error) {
	switch {
	case len(in) == 0:
		return AddResult{}, errs.E(errs.Invalid, "indicators", "name at least one")
	case len(in) > MaxBulk:
		return AddResult{}, errs.E(errs.Invalid, "indicators", "at most %d at once", MaxBulk)
	}
	now := incident.Now(s.Now())
	fresh := make([]Indicator, 0, len(in))
	for n, x := range in {
		ind, err := s.build(x, actor.User, now)
		if err != nil {
			if !strictOne {
				err = prefixed("indicators["+strconv.Itoa(n)+"].", err)
			}
			return AddResult{}, err
		}
		fresh = append(fresh, ind)
	}
	var res AddResult
	done, err := s.change(ctx, actor, ref, func(inc incident.Incident, have []Indicator, w *Write) ([]incident.Change, error) {
		res = AddResult{Added: []Indicator{}, Existing: []Indicator{}}
		held := map[Key]Indicator{}
		for _, h := range have {
			held[h.Key()] = h
		}
		var items []AddedItem
		for _, f := range fresh {
			if h, ok := held[f.Key()]; ok {
				if strictOne {
					return nil, errs.E(errs.Conflict, "value", "%s already holds %s %s (indicator %s)", inc.Ref, f.Type, f.Value, h.ID)
				}
				if h.ID != "" && !slices.ContainsFunc(res.Existing, func(e Indicator) bool { return e.ID == h.ID }) {
					res.Existing = append(res.Existing, h)
				}
				continue
			}
			f.ID, f.IncidentID = s.NewID(), inc.ID
			held[f.Key()] = Indicator{} // a duplicate within the request is folded silently
			res.Added = append(res.Added, f)
			items = append(items, AddedItem{ID: f.ID, Type: f.Type, Value: f.Value, TLP: f.TLP, State: f.State, Source: f.Source, Confidence: f.Confidence,
				Notes: f.Notes, FirstSeen: f.FirstSeen, LastSeen: f.LastSeen})
		}
		if len(items) == 0 {
			return nil, nil
		}
		return []incident.Change{{Type: EvAdded, Data: AddedData{Indicators: items}}}, nil
	})
	if err != nil {
		return AddResult{}, err
	}
	if len(done.Add) > 0 {
		res.Added = done.Add // as the events made them
	}
	return res, nil
}

// build checks an input and makes the indicator it describes.
func (s *Service) build(x Input, actor string, now time.Time) (Indicator, error) {
	v, err := Normalise(x.Type, x.Value)
	if err != nil {
		return Indicator{}, err
	}
	ind := Indicator{Type: x.Type, Value: v, TLP: DefaultTLP, State: Active, Confidence: DefaultConfidence,
		Source: strings.TrimSpace(x.Source), Notes: strings.TrimSpace(x.Notes), CreatedBy: actor, CreatedAt: now, UpdatedAt: now}
	if x.TLP != "" {
		if ind.TLP, err = ParseTLP(string(x.TLP)); err != nil {
			return Indicator{}, err
		}
	}
	if x.State != "" {
		if ind.State, err = ParseState(string(x.State)); err != nil {
			return Indicator{}, err
		}
	}
	if x.Confidence != nil {
		ind.Confidence = *x.Confidence
	}
	ind.FirstSeen, ind.LastSeen = seen(x.FirstSeen), seen(x.LastSeen)
	return ind, check(ind, now)
}

func seen(t *time.Time) *time.Time {
	if t == nil || t.IsZero() {
		return nil
	}
	u := incident.Now(*t)
	return &u
}

// check checks what a person may set on an indicator.
func check(i Indicator, now time.Time) error {
	switch {
	case i.Confidence < 0 || i.Confidence > 100:
		return errs.E(errs.Invalid, "confidence", "from 0 to 100")
	case len(i.Source) > MaxSource:
		return errs.E(errs.Invalid, "source", "at most %d bytes", MaxSource)
	case len(i.Notes) > MaxNotes:
		return errs.E(errs.Invalid, "notes", "at most %d bytes", MaxNotes)
	case i.FirstSeen != nil && i.FirstSeen.After(now.Add(5*time.Minute)):
		return errs.E(errs.Invalid, "first_seen", "is in the future")
	case i.LastSeen != nil && i.LastSeen.After(now.Add(5*time.Minute)):
		return errs.E(errs.Invalid, "last_seen", "is in the future")
	case i.FirstSeen != nil && i.LastSeen != nil && i.LastSeen.Before(*i.FirstSeen):
		return errs.E(errs.Invalid, "last_seen", "is before first_seen")
	}
	return nil
}

// Update changes an indicator's TLP, state, source, confidence, notes or
// sightings; an unchanged patch changes nothing.
func (s *Service) Update(ctx context.Context, actor incident.Viewer, ref, id string, p Patch) (Indicator, error) {
	var out Indicator
	done, err := s.change(ctx, actor, ref, func(inc incident.Incident, have []Indicator, w *Write) ([]incident.Change, error) {
		old, err := find(have, inc.Ref, id)
		if err != nil {
			return nil, err
		}
		now := incident.Now(s.Now())
		next, err := apply(old, p)
		if err != nil {
			return nil, err
		}
		if err := check(next, now); err != nil {
			return nil, err
		}
		changes := diff(old, next)
		out = old
		if len(changes) == 0 {
			return nil, nil
		}
		return []incident.Change{{Type: EvUpdated, Data: UpdatedData{ID: next.ID, Type: next.Type, Value: next.Value, Changes: changes}}}, nil
	})
	if err != nil || len(done.Update) == 0 { // a patch that changed nothing
		return out, err
	}
	return done.Update[0], nil
}

func apply(i Indicator, p Patch) (Indicator, error) {
	var err error
	if p.TLP != nil {
		if i.TLP, err = ParseTLP(string(*p.TLP)); err != nil {
			return i, err
		}
	}
	if p.State != nil {
		if i.State, err = ParseState(string(*p.State)); err != nil {
			return i, err
		}
	}
	if p.Source != nil {
		i.Source = strings.TrimSpace(*p.Source)
	}
	if p.Notes != nil {
		i.Notes = strings.TrimSpace(*p.Notes)
	}
	if p.Confidence != nil {
		i.Confidence = *p.Confidence
	}
	if p.FirstSeen != nil {
		i.FirstSeen = seen(p.FirstSeen)
	}
	if p.LastSeen != nil {
		i.LastSeen = seen(p.LastSeen)
	}
	return i, nil
}

func diff(a, b Indicator) []FieldChange {
	var out []FieldChange
	add := func(field, from, to string) {
		if from != to {
			out = append(out, FieldChange{Field: field, From: from, To: to})
		}
	}
	stamp := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339Nano)
	}
	add("tlp", string(a.TLP), string(b.TLP))
	add("state", string(a.State), string(b.State))
	add("source", a.Source, b.Source)
	add("confidence", strconv.Itoa(a.Confidence), strconv.Itoa(b.Confidence))
	if a.Notes != b.Notes {
		// The new notes only: the old ones are in the event before.
		out = append(out, FieldChange{Field: "notes", To: b.Notes})
	}
	add("first_seen", stamp(a.FirstSeen), stamp(b.FirstSeen))
	add("last_seen", stamp(a.LastSeen), stamp(b.LastSeen))
	return out
}

// change loads the incident and its indicators, lets decide name the
// events, folds them into the indicators (Apply: the rows are what the
// events say, as the audit rebuilds them), and commits them together; a
// concurrent change of the incident makes it decide again
// (incident.Retry). It returns the write as committed.
func (s *Service) change(ctx context.Context, actor incident.Viewer, ref string, decide func(inc incident.Incident, have []Indicator, w *Write) ([]incident.Change, error)) (Write, error) {
	var next incident.Incident
	var events []incident.Event
	var w Write
	err := incident.Retry(ctx, func(ctx context.Context) (incident.Write, error) {
		events, w = nil, Write{}
		inc, err := s.Incidents.Get(ctx, actor, ref)
		if err != nil {
			return nil, err
		}
		have, err := s.Store.Indicators(ctx, inc.ID)
		if err != nil {
			return nil, err
		}
		changes, err := decide(inc, have, &w)
		if err != nil || len(changes) == 0 {
			return nil, err
		}
		if next, events, err = incident.Record(inc, changes, actor.User, s.Now()); err != nil {
			return nil, err
		}
		if err := w.fold(have, events); err != nil {
			return nil, err
		}
		w.IncidentID = inc.ID
		w.Batch = incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next}
		return func(ctx context.Context) error { return s.Store.WriteIndicators(ctx, w) }, nil
	})
	if err != nil || len(events) == 0 {
		return Write{}, err
	}
	s.Incidents.Recorded(next, events)
	return w, nil
}

// fold sets the rows of w to the indicators the events add and change,
// as Apply makes them from the stored ones.
func (w *Write) fold(have []Indicator, events []incident.Event) error {
	m := make(map[string]*Indicator, len(have))
	for _, h := range have {
		m[h.ID] = &h
	}
	stored := make(map[string]bool, len(have))
	for id := range m {
		stored[id] = true
	}
	var ids []string
	for _, e := range events {
		if err := Apply(m, e); err != nil {
			return err
		}
		switch e.Type {
		case EvAdded:
			var d AddedData
			_ = json.Unmarshal(e.Data, &d) // Apply decoded it just now
			for _, it := range d.Indicators {
				ids = append(ids, it.ID)
			}
		case EvUpdated:
			var d UpdatedData
			_ = json.Unmarshal(e.Data, &d)
			ids = append(ids, d.ID)
		}
	}
	w.Add, w.Update = nil, nil
	seen := map[string]bool{}
	for _, id := range ids {
		switch {
		case seen[id]:
		case stored[id]:
			w.Update = append(w.Update, *m[id])
		default:
			w.Add = append(w.Add, *m[id])
		}
		seen[id] = true
	}
	return nil
}

// SeenBefore returns, for each of an incident's indicators, the other
// incidents v may see that hold the same type and value.
func (s *Service) SeenBefore(ctx context.Context, v incident.Viewer, inc incident.Incident, list []Indicator) (map[Key][]Sighting, error) {
	out := map[Key][]Sighting{}
	if len(list) == 0 {
		return out, nil
	}
	keys := make([]Key, len(list))
	for i, ind := range list {
		keys[i] = ind.Key()
	}
	for chunk := range slices.Chunk(keys, 400) {
		got, err := s.Store.Sightings(ctx, v, chunk, inc.ID, MaxSightings*len(chunk))
		if err != nil {
			return nil, err
		}
		for _, g := range got {
			k := Key{g.Type, g.Value}
			if len(out[k]) < MaxSightings {
				out[k] = append(out[k], g)
			}
		}
	}
	return out, nil
}

// Lookup finds a value across every incident v may see: the value is
// read as each type it is valid as (198.51.100.7 as an IPv4 address,
// evil[.]example as a domain), and every incident holding one of those is
// listed, newest first.
func (s *Service) Lookup(ctx context.Context, v incident.Viewer, value string) ([]Key, []Sighting, error) {
	keys := Interpret(value)
	if len(keys) == 0 {
		return nil, nil, errs.E(errs.Invalid, "value", "%q is not a valid value of any type of indicator", short(strings.TrimSpace(value)))
	}
	got, err := s.Store.Sightings(ctx, v, keys, "", MaxSightings)
	if err != nil {
		return nil, nil, err
	}
	return keys, got, nil
}

// Interpret lists the types a value is valid as, with its normal form in
// each: the specific types (addresses, hashes, domains…) before the free
// text ones (account, process…), which hold anything.
func Interpret(value string) []Key {
	var out []Key
	for _, t := range Types {
		if v, err := Normalise(t, value); err == nil {
			out = append(out, Key{t, v})
		}
	}
	slices.SortStableFunc(out, func(a, b Key) int { return cmp.Compare(freeText(a.Type), freeText(b.Type)) })
	return out
}

func freeText(t Type) int {
	switch t {
	case FileName, UserAgent, Account, Process, Mutex:
		return 1
	}
	return 0
}

// prefixed puts prefix before the field an error names.
func prefixed(prefix string, err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	c.Field = prefix + c.Field
	return &c
}
