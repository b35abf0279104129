package evidence

import (
	"context"
	"io"
	"log/slog"
	"os"
	"slices"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Store keeps the evidence rows; *store.DB implements it.
type Store interface {
	EvidenceItems(ctx context.Context, incidentID string) ([]Item, error)
	// WriteEvidence appends the batch and writes the item row in one
	// transaction.
	WriteEvidence(ctx context.Context, w Write) error
}

// Incidents is what evidence needs of the incident service.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
	Timeline(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, []incident.Event, error)
	Recorded(inc incident.Incident, events []incident.Event)
}

// Deps are the service's collaborators.
type Deps struct {
	Store     Store
	Incidents Incidents
	Files     *Files
	// MaxBytes is the largest file accepted; DefaultMaxBytes when zero.
	MaxBytes int64
	Now      func() time.Time
	Logger   *slog.Logger
}

// Service keeps evidence and its custody.
type Service struct{ Deps }

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if d.MaxBytes <= 0 {
		d.MaxBytes = DefaultMaxBytes
	}
	return &Service{Deps: d}
}

// List returns an incident's evidence in number order.
func (s *Service) List(ctx context.Context, v incident.Viewer, ref string) ([]Item, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	return s.Store.EvidenceItems(ctx, inc.ID)
}

// Item returns one item with its custody history.
func (s *Service) Item(ctx context.Context, v incident.Viewer, ref, id string) (History, error) {
	r, err := s.Report(ctx, v, ref)
	if err != nil {
		return History{}, err
	}
	n, err := ParseID(id)
	if err != nil {
		return History{}, err
	}
	for _, h := range r.Items {
		if h.Item.Number == n {
			return h, nil
		}
	}
	return History{}, errs.E(errs.NotFound, "id", "%s has no evidence %s", r.Ref, IDOf(n))
}

// Report is the custody report of an incident: each item with every
// event that names it, and the chain's last link.
func (s *Service) Report(ctx context.Context, v incident.Viewer, ref string) (Report, error) {
	inc, events, err := s.Incidents.Timeline(ctx, v, ref)
	if err != nil {
		return Report{}, err
	}
	items, err := s.Store.EvidenceItems(ctx, inc.ID)
	if err != nil {
		return Report{}, err
	}
	r := Report{Ref: inc.Ref, Title: inc.Title, GeneratedAt: incident.Now(s.Now()), Items: []History{}}
	byID := map[string]int{}
	for _, it := range items {
		byID[it.ID] = len(r.Items)
		r.Items = append(r.Items, History{Item: it, Custody: []Custody{}})
	}
	for _, e := range events {
		r.LastSeq, r.LastHash = e.Seq, e.Hash
		id, ok := EvidenceOf(e)
		if !ok {
			continue
		}
		i, ok := byID[id]
		if !ok {
			continue
		}
		line, _ := DescribeEvent(e)
		r.Items[i].Custody = append(r.Items[i].Custody, Custody{Seq: e.Seq, Type: e.Type, Actor: e.Actor, At: e.RecordedAt,
			Hash: e.Hash, Detail: line, Data: e.Data})
	}
	return r, nil
}

// decide works out a change on the incident's evidence as loaded: the
// events, and the item row they produce (nil when no row changes).
type decide func(inc incident.Incident, items []Item, now time.Time) ([]incident.Change, *Item, error)

// change loads the incident v may see and its evidence, decides, and
// writes the events with the row in one transaction, deciding again on a
// concurrent change to the incident.
func (s *Service) change(ctx context.Context, v incident.Viewer, ref string, fn decide) (Item, error) {
	var next incident.Incident
	var events []incident.Event
	var out Item
	err := incident.Retry(ctx, func(ctx context.Context) (incident.Write, error) {
		inc, err := s.Incidents.Get(ctx, v, ref)
		if err != nil {
			return nil, err
		}
		items, err := s.Store.EvidenceItems(ctx, inc.ID)
		if err != nil {
			return nil, err
		}
		now := incident.Now(s.Now())
		changes, row, err := fn(inc, items, now)
		if err != nil {
			return nil, err
		}
		if next, events, err = incident.Record(inc, changes, v.User, now); err != nil {
			return nil, err
		}
		w := Write{IncidentID: inc.ID, Batch: incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next}, Item: row}
		if row != nil {
			out = *row
		}
		return func(ctx context.Context) error { return s.Store.WriteEvidence(ctx, w) }, nil
	})
	if err != nil {
		return Item{}, err
	}
	s.Incidents.Recorded(next, events)
	return out, nil
}

// find is item id among items.
func find(inc incident.Incident, items []Item, id string) (Item, error) {
	n, err := ParseID(id)
	if err != nil {
		return Item{}, err
	}
	for _, it := range items {
		if it.Number == n {
			return it, nil
		}
	}
	return Item{}, errs.E(errs.NotFound, "id", "%s has no evidence %s", inc.Ref, IDOf(n))
}

// fold applies the item's new events to its row as the audit will, so
// what is stored is what the events say.
func fold(items []Item, events []incident.Change, inc incident.Incident, actor string, now time.Time) (*Item, error) {
	_, evs, err := incident.Record(inc, events, actor, now)
	if err != nil {
		return nil, err
	}
	m := map[string]*Item{}
	for i := range items {
		it := items[i]
		m[it.ID] = &it
	}
	var last string
	for _, e := range evs {
		if err := Apply(m, e); err != nil {
			return nil, err
		}
		last, _ = EvidenceOf(e)
	}
	it := m[last]
	it.IncidentID = inc.ID
	return it, nil
}

// AddFile keeps an uploaded file (streamed to disk while hashing; the
// same bytes are kept once) and records it as evidence held in
// Firebreak's store by the person adding it.
func (s *Service) AddFile(ctx context.Context, v incident.Viewer, ref string, in FileInput, r io.Reader) (Item, error) {
	var p problems
	in.Name = p.line("name", in.Name, true, maxName)
	in.ContentType = p.line("content_type", in.ContentType, false, 200)
	in.Description = p.text("description", in.Description, false, maxDescription)
	acq := p.acquisition(in.Acquisition, v.User, incident.Now(s.Now()))
	if err := p.err(); err != nil {
		return Item{}, err
	}
	// See the incident before taking the bytes: one who may not see it
	// must not fill the disk.
	if _, err := s.Incidents.Get(ctx, v, ref); err != nil {
		return Item{}, err
	}
	if s.Files == nil {
		return Item{}, errs.E(errs.Rule, "file", "this server keeps no evidence files")
	}
	sha, size, err := s.Files.Put(ctx, r, s.MaxBytes)
	if err != nil {
		return Item{}, err
	}
	return s.add(ctx, v, ref, AddedData{Kind: KindFile, Name: in.Name, Description: in.Description, ContentType: in.ContentType,
		SHA256: sha, Size: size, Location: StoreLocation, Holder: v.User,
		AcquiredBy: acq.By, AcquiredAt: acq.At, Source: acq.Source, Method: acq.Method})
}

// StoreLocation is where uploaded files are kept, as custody records
// name it.
const StoreLocation = "Firebreak evidence store"

// AddExternal records an item Firebreak does not hold.
func (s *Service) AddExternal(ctx context.Context, v incident.Viewer, ref string, in ExternalInput) (Item, error) {
	var p problems
	now := incident.Now(s.Now())
	d := AddedData{Kind: KindExternal,
		Name:        p.line("name", in.Name, true, maxName),
		Description: p.text("description", in.Description, false, maxDescription),
		Location:    p.line("location", in.Location, true, maxShort),
		Holder:      p.line("holder", in.Holder, false, maxShort),
	}
	d.SHA256, d.Hashes = p.digests(in.SHA256, in.Hashes)
	switch {
	case in.Size == nil:
		p.add("size", "is required")
	case *in.Size < 0:
		p.add("size", "cannot be negative")
	default:
		d.Size = *in.Size
	}
	acq := p.acquisition(in.Acquisition, v.User, now)
	if err := p.err(); err != nil {
		return Item{}, err
	}
	if d.Holder == "" {
		d.Holder = v.User
	}
	d.AcquiredBy, d.AcquiredAt, d.Source, d.Method = acq.By, acq.At, acq.Source, acq.Method
	return s.add(ctx, v, ref, d)
}

func (s *Service) add(ctx context.Context, v incident.Viewer, ref string, d AddedData) (Item, error) {
	return s.change(ctx, v, ref, func(inc incident.Incident, items []Item, now time.Time) ([]incident.Change, *Item, error) {
		n := 1
		for _, it := range items {
			n = max(n, it.Number+1)
		}
		d := d
		d.Evidence = IDOf(n)
		ch := []incident.Change{{Type: EvAdded, Data: d}}
		row, err := fold(items, ch, inc, v.User, now)
		return ch, row, err
	})
}

// Transfer passes an item's custody to another holder.
func (s *Service) Transfer(ctx context.Context, v incident.Viewer, ref, id string, in TransferInput) (Item, error) {
	var p problems
	to := p.line("to", in.To, true, maxShort)
	purpose := p.text("purpose", in.Purpose, true, maxReason)
	loc := p.line("location", in.Location, true, maxShort)
	at := p.when("at", in.At, incident.Now(s.Now()))
	if err := p.err(); err != nil {
		return Item{}, err
	}
	return s.change(ctx, v, ref, func(inc incident.Incident, items []Item, now time.Time) ([]incident.Change, *Item, error) {
		it, err := find(inc, items, id)
		if err != nil {
			return nil, nil, err
		}
		if it.Disposed() {
			return nil, nil, errs.E(errs.Rule, "id", "%s was disposed of; its custody cannot be transferred", it.ID)
		}
		if it.Holder == to && it.Location == loc {
			return nil, nil, errs.E(errs.Rule, "to", "%s is already held by %s at %s", it.ID, to, loc)
		}
		ch := []incident.Change{{Type: EvTransferred, Data: TransferredData{Evidence: it.ID, From: it.Holder, To: to, At: at, Purpose: purpose, Location: loc}}}
		row, err := fold(items, ch, inc, v.User, now)
		return ch, row, err
	})
}

// Dispose ends an item's custody; the item, its history and its file stay.
func (s *Service) Dispose(ctx context.Context, v incident.Viewer, ref, id string, in DisposeInput) (Item, error) {
	var p problems
	reason := p.text("reason", in.Reason, true, maxReason)
	auth := p.line("authorised_by", in.AuthorisedBy, true, maxShort)
	at := p.when("at", in.At, incident.Now(s.Now()))
	if err := p.err(); err != nil {
		return Item{}, err
	}
	return s.change(ctx, v, ref, func(inc incident.Incident, items []Item, now time.Time) ([]incident.Change, *Item, error) {
		it, err := find(inc, items, id)
		if err != nil {
			return nil, nil, err
		}
		if it.Disposed() {
			return nil, nil, errs.E(errs.Conflict, "id", "%s was already disposed of", it.ID)
		}
		ch := []incident.Change{{Type: EvDisposed, Data: DisposedData{Evidence: it.ID, At: at, Reason: reason, AuthorisedBy: auth}}}
		row, err := fold(items, ch, inc, v.User, now)
		return ch, row, err
	})
}

// Open opens an uploaded file for v to download and records the access
// on the incident's chain first: a download that was not recorded does
// not happen. The caller closes the file.
func (s *Service) Open(ctx context.Context, v incident.Viewer, ref, id string) (Item, *os.File, error) {
	var f *os.File
	var got Item
	_, err := s.change(ctx, v, ref, func(inc incident.Incident, items []Item, now time.Time) ([]incident.Change, *Item, error) {
		it, err := find(inc, items, id)
		if err != nil {
			return nil, nil, err
		}
		if it.Kind != KindFile {
			return nil, nil, errs.E(errs.Rule, "id", "%s is an external item; Firebreak does not hold its bytes", it.ID)
		}
		if s.Files == nil {
			return nil, nil, errs.E(errs.Rule, "id", "this server keeps no evidence files")
		}
		if f == nil {
			if f, err = s.Files.Open(it.SHA256); err != nil {
				return nil, nil, err
			}
		}
		got = it
		return []incident.Change{{Type: EvAccessed, Data: AccessedData{Evidence: it.ID, SHA256: it.SHA256, Size: it.Size}}}, nil, nil
	})
	if err != nil {
		if f != nil {
			_ = f.Close()
		}
		return Item{}, nil, err
	}
	return got, f, nil
}

// Sorted orders items by number.
func Sorted(items []Item) []Item {
	slices.SortFunc(items, func(a, b Item) int { return a.Number - b.Number })
	return items
}
