package alert

import "context"

// State is what the pipeline reads: the store implements it inside the
// transaction that will persist the outcomes, so the reads and the writes
// see one consistent state.
type State interface {
	// LatestItem returns the most recent item, firing or resolved, for a
	// fingerprint at a destination path.
	LatestItem(ctx context.Context, path, fingerprint string) (Item, bool, error)
	// Group returns a group by its ID.
	Group(ctx context.Context, id string) (Group, bool, error)
	// OpenGroup returns the most recent group with this key that is not
	// Closed (the pipeline checks its window itself).
	OpenGroup(ctx context.Context, key string) (Group, bool, error)
}

// MemState is a State held in memory: the pipeline's view of its own
// changes within one batch, and a reference implementation for tests. It is
// not safe for concurrent use.
type MemState struct {
	items  map[[2]string]Item
	groups map[string]Group
	open   map[string]string // key → ID of the most recent group
}

var _ State = (*MemState)(nil)

// NewMemState returns an empty MemState.
func NewMemState() *MemState {
	return &MemState{items: map[[2]string]Item{}, groups: map[string]Group{}, open: map[string]string{}}
}

// LatestItem implements State.
func (m *MemState) LatestItem(_ context.Context, path, fingerprint string) (Item, bool, error) {
	it, ok := m.items[[2]string{path, fingerprint}]
	return it, ok, nil
}

// Group implements State.
func (m *MemState) Group(_ context.Context, id string) (Group, bool, error) {
	g, ok := m.groups[id]
	return g, ok, nil
}

// OpenGroup implements State.
func (m *MemState) OpenGroup(_ context.Context, key string) (Group, bool, error) {
	id, ok := m.open[key]
	if !ok {
		return Group{}, false, nil
	}
	g := m.groups[id]
	if g.Closed {
		return Group{}, false, nil
	}
	return g, true, nil
}

// PutItem stores it as the latest item of its path and fingerprint.
func (m *MemState) PutItem(it Item) { m.items[[2]string{it.Path, it.Fingerprint}] = it }

// PutGroup stores g; a group seen first becomes the most recent of its key.
func (m *MemState) PutGroup(g Group) {
	if _, seen := m.groups[g.ID]; !seen {
		m.open[g.Key] = g.ID
	}
	m.groups[g.ID] = g
}

// Apply writes the items and groups of outcomes, as a store would.
func (m *MemState) Apply(outcomes []Outcome) {
	if len(outcomes) == 1 { // a batch applies each alert's outcome as it goes: no need to net one
		if o := outcomes[0]; o.Kind != Ignored {
			m.PutItem(o.Item)
			m.PutGroup(o.Group)
		}
		return
	}
	items, groups := Net(outcomes)
	for _, it := range items {
		m.PutItem(it)
	}
	for _, g := range groups {
		m.PutGroup(g)
	}
}

// overlay reads this batch's own changes first, then the store's state.
type overlay struct {
	base    State
	changes *MemState
}

func (o *overlay) LatestItem(ctx context.Context, path, fp string) (Item, bool, error) {
	if it, ok, _ := o.changes.LatestItem(ctx, path, fp); ok {
		return it, true, nil
	}
	return o.base.LatestItem(ctx, path, fp)
}

func (o *overlay) Group(ctx context.Context, id string) (Group, bool, error) {
	if g, ok, _ := o.changes.Group(ctx, id); ok {
		return g, true, nil
	}
	return o.base.Group(ctx, id)
}

func (o *overlay) OpenGroup(ctx context.Context, key string) (Group, bool, error) {
	if g, ok, _ := o.changes.OpenGroup(ctx, key); ok {
		return g, true, nil
	}
	return o.base.OpenGroup(ctx, key)
}
