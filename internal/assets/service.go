package assets

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Incidents is what this package needs of the incident service.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
	// Recorded tells live views of events committed here.
	Recorded(inc incident.Incident, events []incident.Event)
}

// Store keeps the records.
type Store interface {
	// IncidentRecords are an incident's assets, credentials and fixes, in
	// the order they were added.
	IncidentRecords(ctx context.Context, incidentID string) (Records, error)
	// WriteRecords commits one change: the incident's events and the rows
	// they describe, all or nothing.
	WriteRecords(ctx context.Context, w Write) error
	// Inventory lists inventory assets; an asset whose every incident the
	// viewer may not see is left out.
	Inventory(ctx context.Context, f InventoryFilter) ([]Asset, error)
	// InventoryAsset is one inventory asset with the incidents it was in
	// that the viewer may see, newest first.
	InventoryAsset(ctx context.Context, v incident.Viewer, kind Kind, identifier string) (InventoryAsset, error)
	// ImportAssets adds inventory assets or updates them outside any
	// incident; an empty owner or criticality keeps the stored one.
	ImportAssets(ctx context.Context, as []Asset) error
}

// Write is one change of an incident's records.
type Write struct {
	IncidentID  string
	Batch       incident.Batch
	Inventory   []Asset // inventory rows to add or update
	Assets      []IncidentAsset
	Credentials []Credential
	Fixes       []Fix
}

// InventoryFilter narrows the inventory.
type InventoryFilter struct {
	Viewer incident.Viewer
	Kind   Kind
	Text   string // part of the identifier or owner
	Limit  int    // MaxInventoryRows when 0
}

// MaxInventoryRows is the most rows an inventory listing returns.
const MaxInventoryRows = 500

// Deps are the service's collaborators.
type Deps struct {
	Store     Store
	Incidents Incidents
	Now       func() time.Time
	Logger    *slog.Logger
}

// Service keeps the assets, credentials and fixes of incidents.
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

// Records returns an incident's assets, credentials and fixes.
func (s *Service) Records(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, Records, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return inc, Records{}, err
	}
	r, err := s.Store.IncidentRecords(ctx, inc.ID)
	return inc, r, err
}

// Inventory lists inventory assets v may see.
func (s *Service) Inventory(ctx context.Context, f InventoryFilter) ([]Asset, error) {
	var c checker
	oneOf(&c, "kind", f.Kind, Kinds, false)
	c.text("q", strings.TrimSpace(f.Text), MaxIdentifier, false)
	if err := c.err(); err != nil {
		return nil, err
	}
	if f.Limit <= 0 || f.Limit > MaxInventoryRows {
		f.Limit = MaxInventoryRows
	}
	return s.Store.Inventory(ctx, f)
}

// InventoryAsset is one inventory asset with the incidents v may see.
func (s *Service) InventoryAsset(ctx context.Context, v incident.Viewer, kind Kind, identifier string) (InventoryAsset, error) {
	return s.Store.InventoryAsset(ctx, v, kind, strings.TrimSpace(identifier))
}

// ImportInventory adds the assets of an inventory CSV (ParseInventory)
// or updates their owner and criticality; an empty owner or criticality
// keeps the stored one. Imported outside any incident, it is no event on
// an incident's chain. It answers how many assets it took.
func (s *Service) ImportInventory(ctx context.Context, r io.Reader) (int, error) {
	as, err := ParseInventory(r, incident.Now(s.Now()))
	if err != nil {
		return 0, err
	}
	if err := s.Store.ImportAssets(ctx, as); err != nil {
		return 0, err
	}
	return len(as), nil
}

// OpenRecords are an incident's assets that hold up recovery and its
// credentials that hold up eradication (incident.AssetSource).
func (s *Service) OpenRecords(ctx context.Context, _ incident.Viewer, inc incident.Incident) (assets, credentials []incident.OpenRecord, err error) {
	r, err := s.Store.IncidentRecords(ctx, inc.ID)
	if err != nil {
		return nil, nil, err
	}
	for _, a := range r.Assets {
		if a.Blocks() {
			assets = append(assets, incident.OpenRecord{Field: "assets." + a.Identifier, What: string(a.Kind) + " " + a.Identifier, State: words(string(a.State))})
		}
	}
	for _, c := range r.Credentials {
		if c.Blocks() {
			credentials = append(credentials, incident.OpenRecord{Field: "credentials." + c.ID, What: c.ID + " (" + c.Name + ")", State: words(string(c.State))})
		}
	}
	return assets, credentials, nil
}

// change is one change being decided: the incident and its records as
// stored, and the write the decision fills in.
type change struct {
	inc   incident.Incident
	rec   Records
	now   time.Time
	write Write
}

// change loads the incident's records, lets decide name the events (and
// the inventory rows to write), folds the events into the records (Apply:
// the rows are what the events say, as the audit rebuilds them), and
// commits it all at once; a concurrent change of the incident makes it
// decide again on the fresh state (incident.Retry). It returns the
// records the events touched, as written.
func (s *Service) change(ctx context.Context, actor incident.Viewer, ref string, decide func(c *change) ([]incident.Change, error)) (Records, error) {
	var next incident.Incident
	var events []incident.Event
	var done Records
	err := incident.Retry(ctx, func(ctx context.Context) (incident.Write, error) {
		inc, err := s.Incidents.Get(ctx, actor, ref)
		if err != nil {
			return nil, err
		}
		c := &change{inc: inc, now: incident.Now(s.Now())}
		if c.rec, err = s.Store.IncidentRecords(ctx, inc.ID); err != nil {
			return nil, err
		}
		events, done = nil, Records{}
		changes, err := decide(c)
		if err != nil || len(changes) == 0 {
			return nil, err
		}
		if next, events, err = incident.Record(inc, changes, actor.User, c.now); err != nil {
			return nil, err
		}
		if done, err = c.rec.fold(events); err != nil {
			return nil, err
		}
		c.write.Assets, c.write.Credentials, c.write.Fixes = done.Assets, done.Credentials, done.Fixes
		c.write.IncidentID = inc.ID
		c.write.Batch = incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next}
		return func(ctx context.Context) error { return s.Store.WriteRecords(ctx, c.write) }, nil
	})
	if err != nil || len(events) == 0 {
		return Records{}, err
	}
	s.Incidents.Recorded(next, events)
	return done, nil
}

// checkTask checks that a task named as the one that did a move is the
// incident's.
func checkTask(c *checker, inc *incident.Incident, key string) {
	if key == "" {
		return
	}
	for _, t := range inc.Tasks {
		if t.Key == key {
			return
		}
	}
	c.add("task", "no task "+key+" on "+inc.Ref)
}

// open reports whether the incident still takes changes to its records:
// a merged incident's records live on in the one it was merged into.
func open(inc *incident.Incident) error {
	if inc.State == incident.Merged {
		return errs.E(errs.Rule, "state", "%s was merged into %s; record this there", inc.Ref, inc.MergedInto)
	}
	return nil
}
