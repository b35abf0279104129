package duties

import (
	"cmp"
	"context"
	"log/slog"
	"maps"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/comms"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// Catalog works out the dated duties (comms.Catalog).
type Catalog interface {
	Evaluate(org comms.Organization, f comms.Facts, records []comms.Record, now time.Time) []comms.Item
}

// Incidents is what duties need of the incident service.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
	// Recorded tells live views of events committed here.
	Recorded(inc incident.Incident, events []incident.Event)
}

// DefaultAnchors are the clock anchors people set as facts: the catalog's
// vocabulary without the ones that submissions set
// (incident_notification_submitted, …) or that follow from a date
// (calendar_year_end). Used when the catalog does not name its own.
var DefaultAnchors = []string{
	"aware", "discovered", "determined", "suspected", "classified_major", "materiality_determined",
	"assessment_completed", "statement_prepared", "ransom_paid", "information_determined_or_available",
	"reasonable_belief", "oral_report_given", "pdpc_notified", "corrective_measure_available",
	"incident_handled", "consumer_notice_sent", "noticed",
}

// Deps are the service's collaborators.
type Deps struct {
	Store     Store
	Incidents Incidents
	Catalog   Catalog
	// Anchors is the vocabulary facts may use; DefaultAnchors when empty.
	Anchors []string
	// People find the comms lead's and commander's contact methods, and
	// Outbox sends their reminders; reminders are not sent without both.
	People People
	Outbox Outbox
	Now    func() time.Time
	Logger *slog.Logger
}

// Service keeps notification duties.
type Service struct {
	Deps
	baseURL string
	vocab   *comms.Vocabulary // the catalog's, when it has one
}

// vocabularian is a catalog that knows its vocabulary (comms.Catalog).
type vocabularian interface{ Vocabulary() comms.Vocabulary }

// New builds the service.
func New(d Deps) *Service {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.Now == nil {
		d.Now = time.Now
	}
	if len(d.Anchors) == 0 {
		d.Anchors = DefaultAnchors
	}
	s := &Service{Deps: d}
	s.learnVocabulary()
	return s
}

func (s *Service) learnVocabulary() {
	s.vocab = nil
	if v, ok := s.Catalog.(vocabularian); ok {
		voc := v.Vocabulary()
		s.vocab = &voc
	}
}

// Vocabulary is the catalog's vocabulary: what profiles and facts are
// checked against, for forms and scripts. Empty when the catalog has
// none.
func (s *Service) Vocabulary() comms.Vocabulary {
	if s.vocab == nil {
		return comms.Vocabulary{}
	}
	return *s.vocab
}

// validProfile checks a profile's form and its words.
func (s *Service) validProfile(p Profile) error {
	if err := p.Validate(); err != nil {
		return err
	}
	if s.vocab != nil {
		return p.CheckVocabulary(*s.vocab)
	}
	return nil
}

// validFacts checks facts' form and words and turns them into the
// catalog's facts.
func (s *Service) validFacts(in FactsInput) (comms.Facts, error) {
	f, err := in.Validate(s.Anchors)
	if err != nil {
		return f, err
	}
	if s.vocab != nil {
		if err := in.CheckVocabulary(*s.vocab); err != nil {
			return f, err
		}
	}
	return f, nil
}

// SetCatalog replaces the catalog and its anchor vocabulary (an
// organisation's own obligations merged over the built-in ones); call it
// before serving.
func (s *Service) SetCatalog(c Catalog, anchors []string) {
	s.Catalog = c
	if len(anchors) > 0 {
		s.Anchors = anchors
	}
	s.learnVocabulary()
}

// SetBaseURL sets the URL links in reminders start with.
func (s *Service) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// AnchorNames is the anchor vocabulary facts may use.
func (s *Service) AnchorNames() []string { return slices.Clone(s.Anchors) }

// system sees every incident, for jobs.
var system = incident.Viewer{User: "firebreak", SeeAll: true}

// ---- organisation profile ----

// Profile returns the organisation profile; an empty one (and no error)
// when none was saved.
func (s *Service) Profile(ctx context.Context) (ProfileState, error) {
	st, err := s.Store.Profile(ctx)
	if errs.CodeOf(err) == errs.NotFound {
		return ProfileState{}, nil
	}
	return st, err
}

// Organization is the profile as the catalog matches it.
func (s *Service) Organization(ctx context.Context) (comms.Organization, error) {
	st, err := s.Profile(ctx)
	return st.Profile.Organization(), err
}

// PutProfile validates and replaces the organisation profile. The
// reminders of every incident with duties are planned again, by a job
// written with the profile.
func (s *Service) PutProfile(ctx context.Context, actor string, p Profile) (ProfileState, error) {
	if err := s.validProfile(p); err != nil {
		return ProfileState{}, err
	}
	return s.Store.PutProfile(ctx, p, actor, incident.Now(s.Now()), []Job{replanJob()})
}

// ---- facts ----

// FactsState returns an incident's facts with their version.
func (s *Service) FactsState(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, FactsState, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return inc, FactsState{}, err
	}
	st, err := s.Store.Facts(ctx, inc.ID)
	return inc, st, err
}

// Facts returns an incident's facts.
func (s *Service) Facts(ctx context.Context, v incident.Viewer, ref string) (comms.Facts, error) {
	_, st, err := s.FactsState(ctx, v, ref)
	return st.Facts, err
}

// PutFacts validates and replaces an incident's facts, if they are still
// at expectedVersion when it is given. A changed anchor in the future is
// refused unless in.AllowFuture; one further before the incident was
// detected than the profile's anchor_lead unless in.ConfirmEarlyAnchors. The change is a facts.updated event
// naming each field that changed; reminders are planned again. Facts equal
// to the stored ones change nothing.
func (s *Service) PutFacts(ctx context.Context, actor incident.Viewer, ref string, in FactsInput, expectedVersion *int64) (FactsState, error) {
	f, err := s.validFacts(in)
	if err != nil {
		return FactsState{}, err
	}
	var out FactsState
	err = s.change(ctx, actor, ref, expectedVersion != nil, func(c *change) ([]incident.Change, error) {
		cur := c.facts
		if expectedVersion != nil && *expectedVersion != cur.Version {
			return nil, errs.E(errs.Precondition, "version", "the facts of %s changed since you loaded them: they are at version %d; reload and try again", c.inc.Ref, cur.Version)
		}
		if err := in.checkAnchors(f, cur.Facts, s.Now(), c.inc.DetectedAt, c.org.anchorLead()); err != nil {
			return nil, err
		}
		diff := diffFacts(cur.Facts, f)
		if len(diff) == 0 {
			out = cur
			return nil, nil
		}
		now := incident.Now(s.Now())
		next := FactsState{Facts: f, Version: cur.Version + 1, UpdatedBy: actor.User, UpdatedAt: &now}
		c.write.Facts, c.write.ExpectedFactsVersion = &next, cur.Version
		c.facts.Facts = f
		out = next
		return []incident.Change{{Type: incident.EvFactsUpdated, Data: FactsUpdatedData{Version: next.Version, Changes: diff}}}, nil
	})
	return out, err
}

// ---- records ----

// Records lists an incident's submissions and waivers.
func (s *Service) Records(ctx context.Context, v incident.Viewer, ref string) ([]RecordRow, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	return s.Store.Records(ctx, inc.ID)
}

// RecordSubmission records that a phase of a duty was met at at (now when
// zero), by the notice noticeID when one was recorded. It anchors the
// phases that follow it (a NIS2 final report is due a month after the
// incident notification). A phase that does not apply to the incident is
// refused (422); a phase already recorded is a conflict, except the same
// notice recorded again, which changes nothing.
func (s *Service) RecordSubmission(ctx context.Context, actor incident.Viewer, ref, obligationID, phase string, at time.Time, noticeID string) error {
	return s.Submit(ctx, actor, ref, Submission{ObligationID: obligationID, Phase: phase, At: at, NoticeID: noticeID})
}

// Submission is a phase of a duty met, as recorded by hand: when, and
// optionally to whom, how and under which reference (a notice recorded
// with package notices holds all that itself: NoticeID names it).
type Submission struct {
	ObligationID string    `json:"obligation_id"`
	Phase        string    `json:"phase"`
	At           time.Time `json:"at"`
	Recipient    string    `json:"recipient,omitempty"`
	Channel      string    `json:"channel,omitempty"`
	Reference    string    `json:"reference,omitempty"`
	NoticeID     string    `json:"notice_id,omitempty"`
}

// Submit records a submission; see RecordSubmission.
func (s *Service) Submit(ctx context.Context, actor incident.Viewer, ref string, in Submission) error {
	now := incident.Now(s.Now())
	at := in.At
	if at.IsZero() {
		at = now
	}
	at = incident.Now(at)
	if at.After(now.Add(5 * time.Minute)) {
		return errs.E(errs.Invalid, "at", "%s is in the future; a submission is recorded once it was made", at.Format(time.RFC3339))
	}
	for _, f := range []struct{ name, v string }{{"recipient", in.Recipient}, {"channel", in.Channel}, {"reference", in.Reference}} {
		if len(f.v) > 500 {
			return errs.E(errs.Invalid, f.name, "at most 500 bytes")
		}
	}
	return s.record(ctx, actor, ref, RecordRow{Record: comms.Record{ObligationID: in.ObligationID, Phase: in.Phase, Kind: comms.RecordSubmitted, At: at},
		Actor: actor.User, NoticeID: in.NoticeID, RecordedAt: now}, in)
}

// Waive records that a phase of a duty will not be met, and why (GDPR Art.
// 33(1): "unlikely to result in a risk"). The reason is required.
func (s *Service) Waive(ctx context.Context, actor incident.Viewer, ref, obligationID, phase, reason string) error {
	reason = strings.TrimSpace(reason)
	switch {
	case reason == "":
		return errs.E(errs.Invalid, "reason", "a waiver needs a reason, such as \"unlikely to result in a risk to individuals (GDPR Art. 33(1))\"")
	case len(reason) > 2000:
		return errs.E(errs.Invalid, "reason", "at most 2000 bytes")
	}
	now := incident.Now(s.Now())
	return s.record(ctx, actor, ref, RecordRow{Record: comms.Record{ObligationID: obligationID, Phase: phase, Kind: comms.RecordWaived, At: now, Reason: reason},
		Actor: actor.User, RecordedAt: now}, Submission{})
}

func (s *Service) record(ctx context.Context, actor incident.Viewer, ref string, r RecordRow, how Submission) error {
	switch {
	case strings.TrimSpace(r.ObligationID) == "":
		return errs.E(errs.Invalid, "obligation_id", "is required")
	case strings.TrimSpace(r.Phase) == "":
		return errs.E(errs.Invalid, "phase", "is required")
	case len(r.NoticeID) > 200:
		return errs.E(errs.Invalid, "notice_id", "at most 200 bytes")
	}
	return s.change(ctx, actor, ref, false, func(c *change) ([]incident.Change, error) {
		for _, old := range c.records {
			if old.ObligationID != r.ObligationID || old.Phase != r.Phase {
				continue
			}
			if old.Kind == r.Kind && r.Kind == comms.RecordSubmitted && r.NoticeID != "" && old.NoticeID == r.NoticeID {
				return nil, nil // the same notice again
			}
			return nil, errs.E(errs.Conflict, "phase", "%s %s was already recorded as %s by %s at %s", r.ObligationID, r.Phase, old.Kind, old.Actor, old.At.Format(time.RFC3339))
		}
		items := s.evaluate(c.org, c.facts.Facts, c.records, r.RecordedAt)
		if err := applies(items, r.ObligationID, r.Phase); err != nil {
			return nil, err
		}
		c.write.Record = &r
		c.records = append(c.records, r)
		typ, at := incident.EvObligationWaived, (*time.Time)(nil)
		if r.Kind == comms.RecordSubmitted {
			typ, at = incident.EvObligationSubmitted, &r.At
		}
		return []incident.Change{{Type: typ, OccurredAt: at,
			Data: ObligationData{ObligationID: r.ObligationID, Phase: r.Phase, At: r.At, Reason: r.Reason, Notice: r.NoticeID,
				Recipient: strings.TrimSpace(how.Recipient), Channel: strings.TrimSpace(how.Channel), Reference: strings.TrimSpace(how.Reference)}}}, nil
	})
}

// applies checks that a phase of an obligation is among the incident's
// duties.
func applies(items []comms.Item, obligationID, phase string) error {
	var phases []string
	for _, it := range items {
		if it.ObligationID == obligationID {
			if it.Phase == phase {
				return nil
			}
			phases = append(phases, it.Phase)
		}
	}
	if len(phases) == 0 {
		return errs.E(errs.Invalid, "obligation_id", "%s does not apply to this incident with its facts and the organisation profile", obligationID)
	}
	return errs.E(errs.Invalid, "phase", "%s has no phase %q that applies here; its phases are %s", obligationID, phase, strings.Join(phases, ", "))
}

// ---- dated duties ----

// Items returns an incident's duties, dated and with their status,
// earliest first (duties without a due instant last).
func (s *Service) Items(ctx context.Context, v incident.Viewer, ref string) ([]comms.Item, error) {
	inc, err := s.Incidents.Get(ctx, v, ref)
	if err != nil {
		return nil, err
	}
	return s.itemsOf(ctx, inc.ID)
}

func (s *Service) itemsOf(ctx context.Context, incidentID string) ([]comms.Item, error) {
	st, err := s.Store.Facts(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	records, err := s.Store.Records(ctx, incidentID)
	if err != nil {
		return nil, err
	}
	prof, err := s.Profile(ctx)
	if err != nil {
		return nil, err
	}
	return s.evaluate(prof.Profile, st.Facts, records, s.Now()), nil
}

// EvaluatePlan works out the duties that facts would bring, without an
// incident: for planning and tabletop exercises. org nil is the stored
// profile.
func (s *Service) EvaluatePlan(ctx context.Context, org *Profile, in FactsInput) ([]comms.Item, error) {
	items, _, err := s.Plan(ctx, org, in)
	return items, err
}

// Plan is EvaluatePlan with the hints about the profile and facts used
// (see Hints). Anchors in the future need in.AllowFuture here too.
func (s *Service) Plan(ctx context.Context, org *Profile, in FactsInput) ([]comms.Item, []errs.Detail, error) {
	f, err := s.validFacts(in)
	if err == nil {
		err = in.checkAnchors(f, comms.Facts{}, s.Now(), time.Time{}, 0)
	}
	if err != nil {
		return nil, nil, err
	}
	var p Profile
	if org != nil {
		if err := s.validProfile(*org); err != nil {
			return nil, nil, prefixed("organization.", err)
		}
		p = *org
	} else {
		st, err := s.Profile(ctx)
		if err != nil {
			return nil, nil, err
		}
		p = st.Profile
	}
	return s.evaluate(p, f, nil, s.Now()), Hints(p, in), nil
}

func (s *Service) evaluate(p Profile, f comms.Facts, records []RecordRow, now time.Time) []comms.Item {
	if s.Catalog == nil {
		return []comms.Item{}
	}
	rs := make([]comms.Record, len(records))
	for i, r := range records {
		rs[i] = r.Record
	}
	items := s.Catalog.Evaluate(p.Organization(), f, rs, now)
	for i := range items {
		if d := items[i].DueAt; d != nil {
			u := d.UTC()
			items[i].DueAt = &u
		}
		if a := items[i].AnchorAt; a != nil {
			u := a.UTC()
			items[i].AnchorAt = &u
		}
	}
	SortItems(items)
	if items == nil {
		items = []comms.Item{}
	}
	return items
}

// SortItems orders duties earliest due first; those without a due
// instant follow, in catalog order.
func SortItems(items []comms.Item) {
	slices.SortStableFunc(items, func(a, b comms.Item) int {
		switch {
		case a.DueAt == nil && b.DueAt == nil:
			return 0
		case a.DueAt == nil:
			return 1
		case b.DueAt == nil:
			return -1
		}
		return cmp.Or(a.DueAt.Compare(*b.DueAt), cmp.Compare(a.ObligationID, b.ObligationID))
	})
}

// ---- changing ----

// change is one change being decided: what is stored now, and the write
// that the decision fills in.
type change struct {
	inc     incident.Incident
	facts   FactsState
	records []RecordRow
	org     Profile
	write   Write
}

// change loads the incident's duties, lets decide fill in the write and
// name the events, plans the reminders again on the result, and commits
// it all at once. A concurrent change makes it decide again on the fresh
// state (incident.Retry), unless the caller named the version it saw
// (strict).
func (s *Service) change(ctx context.Context, actor incident.Viewer, ref string, strict bool, decide func(c *change) ([]incident.Change, error)) error {
	var next incident.Incident
	var events []incident.Event
	decideWrite := func(ctx context.Context) (incident.Write, error) {
		inc, err := s.Incidents.Get(ctx, actor, ref)
		if err != nil {
			return nil, err
		}
		c := &change{inc: inc}
		if c.facts, err = s.Store.Facts(ctx, inc.ID); err != nil {
			return nil, err
		}
		if c.records, err = s.Store.Records(ctx, inc.ID); err != nil {
			return nil, err
		}
		prof, err := s.Profile(ctx)
		if err != nil {
			return nil, err
		}
		c.org = prof.Profile
		events = nil
		changes, err := decide(c)
		if err != nil || len(changes) == 0 {
			return nil, err
		}
		now := s.Now()
		if next, events, err = incident.Record(inc, changes, actor.User, now); err != nil {
			return nil, err
		}
		c.write.IncidentID = inc.ID
		c.write.Batch = incident.Batch{ExpectedVersion: inc.Version, Events: events, Next: next}
		c.write.ExpectedPlan, c.write.Plan = c.facts.Plan, c.facts.Plan+1
		c.write.Jobs = s.plan(next, c.write.Plan, s.evaluate(c.org, c.facts.Facts, c.records, now), c.org, now)
		return func(ctx context.Context) error { return s.Store.WriteDuties(ctx, c.write) }, nil
	}
	var err error
	if strict {
		err = incident.Once(ctx, decideWrite)
	} else {
		err = incident.Retry(ctx, decideWrite)
	}
	if err != nil || len(events) == 0 {
		return err
	}
	s.Incidents.Recorded(next, events)
	return nil
}

// diffFacts names each field that differs between two facts.
func diffFacts(a, b comms.Facts) []FactChange {
	var out []FactChange
	add := func(field, from, to string) {
		if from != to {
			out = append(out, FactChange{Field: field, From: from, To: to})
		}
	}
	stamp := func(m map[string]time.Time, k string) string {
		if t, ok := m[k]; ok {
			return t.UTC().Format(time.RFC3339Nano)
		}
		return ""
	}
	for _, k := range slices.Sorted(maps.Keys(union(a.Anchors, b.Anchors))) {
		add("anchors."+k, stamp(a.Anchors, k), stamp(b.Anchors, k))
	}
	add("personal_data", strconv.FormatBool(a.PersonalData), strconv.FormatBool(b.PersonalData))
	add("data_types", strings.Join(a.DataTypes, ", "), strings.Join(b.DataTypes, ", "))
	count := func(n *int) string {
		if n == nil {
			return ""
		}
		return strconv.Itoa(*n)
	}
	add("affected_individuals", count(a.AffectedIndividuals), count(b.AffectedIndividuals))
	for _, k := range slices.Sorted(maps.Keys(union(a.AffectedByJurisdiction, b.AffectedByJurisdiction))) {
		get := func(m map[string]int) string {
			if n, ok := m[k]; ok {
				return strconv.Itoa(n)
			}
			return ""
		}
		add("affected_by_jurisdiction."+k, get(a.AffectedByJurisdiction), get(b.AffectedByJurisdiction))
	}
	if a.Notes != b.Notes {
		out = append(out, FactChange{Field: "notes", From: short(a.Notes), To: short(b.Notes)})
	}
	return out
}

func union[V any](a, b map[string]V) map[string]bool {
	out := map[string]bool{}
	for k := range a {
		out[k] = true
	}
	for k := range b {
		out[k] = true
	}
	return out
}

func short(s string) string {
	if len([]rune(s)) > 80 {
		return string([]rune(s)[:80]) + "…"
	}
	return s
}

// prefixed puts prefix before the fields an error names.
func prefixed(prefix string, err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	c.Field = prefix + c.Field
	c.Details = nil
	for _, d := range e.Details {
		c.Details = append(c.Details, errs.Detail{Field: prefix + d.Field, Message: d.Message})
	}
	return &c
}
