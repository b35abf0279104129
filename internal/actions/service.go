package actions

import (
	"context"
	"log/slog"
	"net/http"
	"slices"
	"sync"
	"time"

	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Store keeps the action rows; *store.DB implements it.
type Store interface {
	// IncidentActions lists an incident's items by number.
	IncidentActions(ctx context.Context, incidentID string) ([]Action, error)
	// ActionByNumber is one item; errs.NotFound when there is none.
	ActionByNumber(ctx context.Context, number int64) (Action, error)
	// NextActionNumber is one past the highest number taken. Two writers
	// may be told the same; the second write of it is a conflict
	// (errs.Conflict), and the change is decided again.
	NextActionNumber(ctx context.Context) (int64, error)
	// WriteActions appends the batch and writes the rows (a row of
	// version 1 is new) and the deliveries in one transaction.
	WriteActions(ctx context.Context, w Write) error
	// ListActions lists items across the incidents f.Viewer may see.
	ListActions(ctx context.Context, f Filter) ([]Action, error)
}

// Write is one change of an incident's action items.
type Write struct {
	IncidentID string
	Batch      incident.Batch
	Items      []Action
	Outbox     outbox.Writes
}

// Filter narrows a list of items.
type Filter struct {
	Viewer incident.Viewer
	// Owner, when set, keeps only that person's items.
	Owner string
	// Teams, when set, keeps only items of these teams.
	Teams []string
	// States keeps only items in these states; every state when empty.
	States []State
	// Overdue keeps only items still open past their due date at Now.
	Overdue bool
	Now     time.Time
	// IncidentID keeps only one incident's items.
	IncidentID string
	Limit      int // MaxList when 0
}

// Incidents is what this package needs of the incident service.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
	Recorded(inc incident.Incident, events []incident.Event)
}

// Users tells whether a user name exists (auth.Service).
type Users interface {
	UserExists(ctx context.Context, username string) (bool, error)
}

// Teams are the configured teams and their members (from the roster).
type Teams interface {
	Teams(ctx context.Context) (map[string][]string, error)
}

// Outbox plans and sends the webhook, tracker and reminder deliveries
// (outbox.Outbox).
type Outbox interface {
	PlanNow(now time.Time, ds ...outbox.Delivery) outbox.Writes
	Write(ctx context.Context, w outbox.Writes) error
	SendNow(ctx context.Context, ids ...string) []outbox.Result
}

// People find a user's verified contact methods (contacts.Service).
type People interface {
	VerifiedContacts(ctx context.Context, user string) ([]contacts.Contact, error)
}

// Deliveries finds a delivery planned already (the store).
type Deliveries interface {
	// OutboxDelivery returns one delivery; errs.NotFound when unknown.
	OutboxDelivery(ctx context.Context, id string) (outbox.Delivery, error)
}

// Deps are the service's collaborators.
type Deps struct {
	Store     Store
	Incidents Incidents
	Users     Users
	Teams     Teams // nil: any team name is taken
	Outbox    Outbox
	// People and Deliveries reach owners with reminders.
	People     People
	Deliveries Deliveries
	Now        func() time.Time
	Logger     *slog.Logger
}

// Service keeps action items.
type Service struct {
	d Deps

	mu      sync.RWMutex
	cfg     Config
	baseURL string
	hook    *notify.Webhook // signs and posts webhooks (UseHTTP)
	http    *http.Client    // the guarded client GitHub is called with (UseHTTP)
}

// New builds the service with the default Config.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	return &Service{d: d, cfg: Config{}.WithDefaults()}
}

// Configure sets the time zone, reminders and outgoing hooks; call it
// before serving.
func (s *Service) Configure(c Config) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.cfg = c.WithDefaults()
}

// SetBaseURL sets the URL links in reminders and hooks start with.
func (s *Service) SetBaseURL(u string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for len(u) > 0 && u[len(u)-1] == '/' {
		u = u[:len(u)-1]
	}
	s.baseURL = u
}

func (s *Service) config() (Config, string) {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.cfg, s.baseURL
}

// Zone is the organisation's time zone due dates are days in.
func (s *Service) Zone() *time.Location {
	c, _ := s.config()
	return c.Zone
}

// Now is the service's clock.
func (s *Service) Now() time.Time { return s.d.Now() }

// Get returns item id if v may see the incident it came from; one v may
// not see is not found, as if it did not exist.
func (s *Service) Get(ctx context.Context, v incident.Viewer, id string) (Action, error) {
	n, err := ParseID(id)
	if err != nil {
		return Action{}, err
	}
	a, err := s.d.Store.ActionByNumber(ctx, n)
	if err != nil {
		return Action{}, err
	}
	if _, err := s.d.Incidents.Get(ctx, v, a.Incident); err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return Action{}, notFound(n)
		}
		return Action{}, err
	}
	return a, nil
}

func notFound(n int64) error { return errs.E(errs.NotFound, "id", "no action item %s", IDOf(n)) }

// ForIncident lists the items of incident ref, by number.
func (s *Service) ForIncident(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, []Action, error) {
	inc, err := s.d.Incidents.Get(ctx, v, ref)
	if err != nil {
		return inc, nil, err
	}
	items, err := s.d.Store.IncidentActions(ctx, inc.ID)
	return inc, items, err
}

// List lists the items f.Viewer may see that f keeps, soonest due first.
func (s *Service) List(ctx context.Context, f Filter) ([]Action, error) {
	var c checker
	for _, st := range f.States {
		oneOf(&c, "state", st, States, true)
	}
	if err := c.err(); err != nil {
		return nil, err
	}
	if f.Now.IsZero() {
		f.Now = s.d.Now()
	}
	if f.Limit <= 0 || f.Limit > MaxList {
		f.Limit = MaxList
	}
	return s.d.Store.ListActions(ctx, f)
}

// TeamsOf names the teams user is a member of.
func (s *Service) TeamsOf(ctx context.Context, user string) ([]string, error) {
	if s.d.Teams == nil {
		return nil, nil
	}
	ts, err := s.d.Teams.Teams(ctx)
	if err != nil {
		return nil, err
	}
	var out []string
	for name, members := range ts {
		if slices.Contains(members, user) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// TeamNames lists the configured teams, for forms.
func (s *Service) TeamNames(ctx context.Context) ([]string, error) {
	if s.d.Teams == nil {
		return nil, nil
	}
	ts, err := s.d.Teams.Teams(ctx)
	if err != nil {
		return nil, err
	}
	out := make([]string, 0, len(ts))
	for name := range ts {
		out = append(out, name)
	}
	slices.Sort(out)
	return out, nil
}
