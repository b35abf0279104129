package triage

import (
	"context"
	"encoding/json"
	"fmt"
	"log/slog"
	"maps"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/intake"
)

// Service runs intake and the queue.
type Service struct {
	store     Store
	files     Attachments
	incidents *incident.Service
	log       *slog.Logger
	now       func() time.Time
	newID     func() string
	routes    []*alert.Route // below each integration's own default route
	observers []func(Signal)
	reports   string         // the service reports are filed on
	metrics   *intakeMetrics // nil until Instrument
	tokens    tokenCache     // integrations by token, for webhook deliveries
}

// DefaultReportService is the service reports are filed on unless the
// policy file names another (reports.service).
const DefaultReportService = "security"

// SetReportService sets the service reports from people are filed on (its
// escalation policy pages when one arrives); DefaultReportService when
// empty. Call before serving.
func (s *Service) SetReportService(name string) {
	if name == "" {
		name = DefaultReportService
	}
	s.reports = name
}

// ReportService is the service reports are filed on.
func (s *Service) ReportService() string { return s.reports }

// Observe registers fn to hear that the queue changed (after the change is
// committed), with who may hear of it; the web console refreshes open
// queue pages with it. fn must not block. Set at wiring, before serving.
// Observers are in-memory live notifications only, lost with the process:
// a side effect that must happen is a job written with the change.
func (s *Service) Observe(fn func(Signal)) { s.observers = append(s.observers, fn) }

func (s *Service) signalled(sig Signal) {
	for _, fn := range s.observers {
		fn(sig)
	}
}

// SetRoutes sets the routing tree below every integration's default (from
// configuration, validated). Call before serving.
func (s *Service) SetRoutes(routes []*alert.Route) { s.routes = routes }

// ApplyIntegration declares an integration from configuration: created, or
// updated to match, with the given secret.
func (s *Service) ApplyIntegration(ctx context.Context, in IntegrationInput, secret string) error {
	if len(secret) < 16 {
		return errs.E(errs.Invalid, "token", "the secret of integration %s must be at least 16 characters", in.Name)
	}
	if _, ok := intake.ParserFor(in.Kind); !ok || !namePattern.MatchString(in.Name) {
		return errs.E(errs.Invalid, "name", "integration %q of kind %q is not valid", in.Name, in.Kind)
	}
	if in.Service == "" {
		in.Service = in.Name
	}
	it := Integration{ID: s.newID(), Kind: in.Kind, Name: in.Name, Service: in.Service, Team: in.Team, CreatedBy: "config", CreatedAt: incident.Now(s.now())}
	defer s.tokens.Forget() // after the write: the old secret stops working at once
	return s.store.PutIntegration(ctx, it, auth.HashToken(secret))
}

// NewService wires the queue to its store and the incident service.
func NewService(store Store, files Attachments, incidents *incident.Service, log *slog.Logger, now func() time.Time, newID func() string) *Service {
	return &Service{store: store, files: files, incidents: incidents, log: log, now: now, newID: newID, reports: DefaultReportService}
}

var namePattern = regexp.MustCompile(`^[a-z0-9][a-z0-9._-]{0,62}$`)

// IntegrationInput is what an admin gives to add an integration.
type IntegrationInput struct {
	Kind    alert.Source
	Name    string
	Service string
	Team    string
}

// CreateIntegration adds an integration and returns its secret, shown once.
func (s *Service) CreateIntegration(ctx context.Context, actor string, in IntegrationInput) (Integration, string, error) {
	var details []errs.Detail
	bad := func(f, m string) { details = append(details, errs.Detail{Field: f, Message: m}) }
	if _, ok := intake.ParserFor(in.Kind); !ok {
		bad("kind", fmt.Sprintf("unknown kind %q; one of alertmanager, grafana, generic, pagerduty", in.Kind))
	}
	if !namePattern.MatchString(in.Name) {
		bad("name", "must be 1–63 lowercase letters, digits, or . _ -")
	}
	if in.Service == "" {
		in.Service = in.Name
	}
	if len(in.Service) > 100 || len(in.Team) > 100 {
		bad("service", "service and team are at most 100 bytes")
	}
	if len(details) > 0 {
		return Integration{}, "", &errs.Error{Code: errs.Invalid, Field: details[0].Field, Message: details[0].Message, Details: details}
	}
	secret := auth.NewSecret()
	it := Integration{ID: s.newID(), Kind: in.Kind, Name: in.Name, Service: in.Service, Team: in.Team, CreatedBy: actor, CreatedAt: incident.Now(s.now())}
	if err := s.store.CreateIntegration(ctx, it, auth.HashToken(secret)); err != nil {
		return Integration{}, "", err
	}
	return it, secret, nil
}

// JobIncidentEnded closes the alert groups of an incident that ended
// (closed, dismissed, merged), so later alerts open a new queue entry. The
// store writes it with the event that ended the incident (IncidentJobs), in
// the same transaction: a crash after the commit cannot lose it.
const JobIncidentEnded = "triage.incident_ended"

type incidentArgs struct {
	Incident string `json:"incident"`
}

// IncidentJobs returns the job to write with an incident's new events when
// they end it.
func IncidentJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	if inc.State.Open() {
		return nil
	}
	for _, e := range events {
		if e.Type == incident.EvTransitioned || e.Type == incident.EvMerged {
			args, _ := json.Marshal(incidentArgs{Incident: inc.ID}) // a struct of strings always encodes
			return []engine.Job{{Kind: JobIncidentEnded, Args: args}}
		}
	}
	return nil
}

// Register attaches the service's job handlers to an engine.
func (s *Service) Register(e interface {
	Handle(kind string, h engine.Handler)
}) {
	e.Handle(JobIncidentEnded, s.handleIncidentEnded)
}

// handleIncidentEnded closes the groups of an incident that is still ended
// (one reopened since keeps them). Closing closed groups changes nothing,
// so a job run twice — after a crash before its completion was recorded —
// does no harm.
func (s *Service) handleIncidentEnded(ctx context.Context, j engine.Job) error {
	var a incidentArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	inc, err := s.incidents.Get(ctx, system, a.Incident)
	if errs.CodeOf(err) == errs.NotFound {
		return engine.Permanent(err)
	}
	if err != nil {
		return err
	}
	if inc.State.Open() {
		return nil
	}
	if err := s.store.CloseGroupsOf(ctx, inc.ID); err != nil {
		return fmt.Errorf("close the alert groups of %s: %w", inc.Ref, err)
	}
	return nil
}

// Integrations lists every integration.
func (s *Service) Integrations(ctx context.Context) ([]Integration, error) {
	return s.store.Integrations(ctx)
}

// DisableIntegration stops an integration's token from working.
func (s *Service) DisableIntegration(ctx context.Context, id string) error {
	defer s.tokens.Forget() // after the write: a lookup racing it is not kept
	return s.store.DisableIntegration(ctx, id)
}

// Receipt says what a delivery did.
type Receipt struct {
	Integration string `json:"integration"`
	Accepted    int    `json:"accepted"`
	NewGroups   int    `json:"new_groups"`
	Repeats     int    `json:"repeats"`
	Resolved    int    `json:"resolved"`
	Ignored     int    `json:"ignored"`
	Truncated   int    `json:"truncated,omitempty"`
	// Acknowledged counts the entries a sender's acknowledge (PagerDuty's)
	// acknowledged.
	Acknowledged int              `json:"acknowledged,omitempty"`
	Problems     []intake.Problem `json:"problems"`
	// DedupKey is the key of a single-event delivery (PagerDuty's answer
	// carries it, made up when a trigger had none).
	DedupKey string `json:"dedup_key,omitempty"`
}

// Receive authenticates a delivery by its integration's secret, parses it,
// and stores every valid alert before it returns: the sender's 2xx means
// committed. Malformed alerts in a batch are reported in the receipt; the
// rest are stored. A body that is not the format at all stores nothing.
func (s *Service) Receive(ctx context.Context, kind alert.Source, secret string, body []byte) (Receipt, error) {
	if secret == "" {
		return Receipt{}, errs.E(errs.Unauthorized, "", "missing integration token: use /hooks/{kind}/{token} or Authorization: Bearer <token>")
	}
	it, err := s.integrationByToken(ctx, secret)
	if errs.CodeOf(err) == errs.NotFound || (err == nil && (it.Disabled || it.Kind != kind)) {
		return Receipt{}, errs.E(errs.Unauthorized, "", "the integration token is not valid for /hooks/%s", kind)
	}
	if err != nil {
		return Receipt{}, err
	}
	parse, _ := intake.ParserFor(kind)
	now := incident.Now(s.now())
	batch, err := parse(body, intake.Delivery{Integration: it.Name, ReceivedAt: now})
	if err != nil {
		return Receipt{}, err
	}
	r := Receipt{Integration: it.Name, Accepted: len(batch.Alerts) + len(batch.Acks), Truncated: batch.Truncated, Problems: batch.Problems}
	if r.Problems == nil {
		r.Problems = []intake.Problem{}
	}
	switch {
	case len(batch.Alerts) == 1 && len(batch.Acks) == 0:
		r.DedupKey = batch.Alerts[0].DedupKey
	case len(batch.Alerts) == 0 && len(batch.Acks) == 1:
		r.DedupKey = batch.Acks[0]
	}
	for _, key := range batch.Acks {
		n, err := s.acknowledgeAlert(ctx, it, key, now)
		if err != nil {
			return Receipt{}, err
		}
		r.Acknowledged += n
	}
	if len(batch.Alerts) == 0 {
		return r, nil
	}
	route := &alert.Route{Service: it.Service, Team: it.Team, GroupBy: []string{"alertname"}, Routes: s.routes}
	// The stages that read no state run here, outside the store's single
	// write transaction; only dedup and grouping run inside it.
	prepared, err := alert.NewPipeline(route).Prepare(ctx, now, batch.Alerts)
	if err != nil {
		return Receipt{}, fmt.Errorf("ingest: %w", err)
	}
	outcomes, err := s.store.Ingest(ctx,
		func(st alert.State) ([]alert.Outcome, error) { return prepared.Process(ctx, st) },
		func(g alert.Group, o alert.Outcome) Entry {
			return Entry{Group: g, Status: New, Source: it.Kind, Integration: it.Name, Severity: o.Alert.Severity,
				Rank: rankOf(strings.ToLower(o.Alert.Severity)), Annotations: o.Alert.Annotations, Links: o.Alert.Links, UpdatedAt: now}
		}, fedBy(it.Kind, batch))
	if err != nil {
		return Receipt{}, fmt.Errorf("ingest: %w", err)
	}
	s.metrics.ingested(it.Kind, len(batch.Alerts), outcomes)
	s.signalled(s.signalOf(ctx, "alerts", "integration:"+it.Name, outcomes))
	for _, o := range outcomes {
		switch o.Kind {
		case alert.NewGroup:
			r.NewGroups++
		case alert.Repeat:
			r.Repeats++
		case alert.Resolved:
			r.Resolved++
		case alert.Ignored:
			r.Ignored++
		case alert.IncidentTimeline:
			// A resolve in a group linked to an incident is a resolve too.
			if o.Item.Status == alert.StatusResolved {
				r.Resolved++
			}
			s.toTimeline(ctx, it, o)
		}
	}
	return r, nil
}

// toTimeline puts an alert of a linked group on its incident's timeline.
// The alert itself is already stored; a failure here is logged, and the
// alert stays visible on the group.
func (s *Service) toTimeline(ctx context.Context, it Integration, o alert.Outcome) {
	at, resolved := o.Alert.StartsAt, o.Item.Status == alert.StatusResolved
	if resolved && !o.Alert.EndsAt.IsZero() {
		at = o.Alert.EndsAt
	}
	if at.IsZero() {
		at = o.Alert.ReceivedAt
	}
	c := incident.Command{Actor: incident.Viewer{User: "integration:" + it.Name, SeeAll: true}, Ref: o.Group.IncidentID}
	err := s.incidents.RecordAlert(ctx, c, resolved, at, incident.AlertData{GroupID: o.Group.ID, Fingerprint: o.Item.Fingerprint,
		Summary: o.Alert.Summary, Labels: o.Alert.Labels, URL: o.Alert.GeneratorURL, Apart: apart(o.Alert.Labels, o.Group.CommonLabels)})
	if err != nil {
		s.log.ErrorContext(ctx, "alert to incident timeline", "group", o.Group.ID, "incident", o.Group.IncidentID, "err", err)
	}
}

// apart names the labels that tell an alert from the others of its group
// (those not every alert of the group shares), such as
// "instance=web-1:9100", so two alerts of a group with one summary read
// apart on the timeline.
func apart(labels, common map[string]string) string {
	var parts []string
	for _, k := range sortedKeys(labels) {
		if v, ok := common[k]; ok && v == labels[k] {
			continue
		}
		parts = append(parts, k+"="+labels[k])
	}
	out := strings.Join(parts, ", ")
	if r := []rune(out); len(r) > 200 {
		out = string(r[:199]) + "…"
	}
	return out
}

// Queue lists the entries v may see, most severe first, then newest.
func (s *Service) Queue(ctx context.Context, v incident.Viewer, all bool, limit int) ([]Entry, error) {
	return s.store.Queue(ctx, Filter{Viewer: v, All: all, Limit: limit, Now: s.now()})
}

// QueuePage lists one page of the entries v may see in Queue's order,
// after the page whose NextCursor is cursor ("" for the first).
func (s *Service) QueuePage(ctx context.Context, v incident.Viewer, all bool, limit int, cursor string) (Page, error) {
	return s.store.QueuePage(ctx, Filter{Viewer: v, All: all, Limit: limit, Cursor: cursor, Now: s.now()})
}

// Detail is one entry with its alerts and its record.
type Detail struct {
	Entry
	Alerts []alert.Item `json:"alerts"`
	Log    []LogEntry   `json:"log"`
}

// Entry returns one queue entry without its alerts and log, whoever may
// see it: for Firebreak's own work (paging reads the entry it pages
// about). What a person reads goes through EntryFor or Get.
func (s *Service) Entry(ctx context.Context, id string) (Entry, error) {
	return s.store.Entry(ctx, system, id)
}

// EntryFor returns one queue entry v may see, without its alerts and log;
// an entry linked to an incident v may not see is not found, with the same
// answer as a missing one.
func (s *Service) EntryFor(ctx context.Context, v incident.Viewer, id string) (Entry, error) {
	return s.store.Entry(ctx, v, id)
}

// Get returns an entry v may see with its alerts and log.
func (s *Service) Get(ctx context.Context, v incident.Viewer, id string) (Detail, error) {
	e, err := s.store.Entry(ctx, v, id)
	if err != nil {
		return Detail{}, err
	}
	d := Detail{Entry: e}
	if d.Alerts, err = s.store.Items(ctx, id); err != nil {
		return Detail{}, err
	}
	if d.Log, err = s.store.Log(ctx, id); err != nil {
		return Detail{}, err
	}
	return d, nil
}

func waiting(e *Entry) error {
	if !e.Status.Waiting() {
		msg := fmt.Sprintf("this entry is already %s", e.Status)
		if e.IncidentRef != "" {
			msg += " (" + e.IncidentRef + ")"
		}
		return errs.E(errs.Rule, "status", "%s", msg)
	}
	return nil
}

// Acknowledge records that someone started the assessment.
func (s *Service) Acknowledge(ctx context.Context, actor incident.Viewer, id string) (Entry, error) {
	now := incident.Now(s.now())
	e, err := s.store.UpdateEntry(ctx, actor, id, LogEntry{Action: "acknowledge", Actor: actor.User, At: now}, func(e *Entry) error {
		if err := waiting(e); err != nil {
			return err
		}
		e.Status, e.AckedBy, e.AckedAt, e.SnoozedUntil, e.UpdatedAt = Acknowledged, actor.User, &now, nil, now
		return nil
	})
	if err == nil {
		s.touched(ctx, "acknowledge", actor.User, e)
	}
	return e, err
}

// Dismiss takes an entry out of the queue as a false positive or duplicate.
func (s *Service) Dismiss(ctx context.Context, actor incident.Viewer, id, reason string) (Entry, error) {
	reason = strings.TrimSpace(reason)
	if reason == "" || len(reason) > 2000 {
		return Entry{}, errs.E(errs.Invalid, "reason", "dismissing needs a reason (at most 2000 bytes), such as \"false positive: load test\"")
	}
	now := incident.Now(s.now())
	e, err := s.store.UpdateEntry(ctx, actor, id, LogEntry{Action: "dismiss", Actor: actor.User, At: now, Data: reason}, func(e *Entry) error {
		if err := waiting(e); err != nil {
			return err
		}
		e.Status, e.Reason, e.Group.Closed, e.UpdatedAt = Dismissed, reason, true, now
		return nil
	})
	if err == nil {
		s.touched(ctx, "dismiss", actor.User, e)
	}
	return e, err
}

// Snooze hides an entry until a time.
func (s *Service) Snooze(ctx context.Context, actor incident.Viewer, id string, until time.Time) (Entry, error) {
	now := incident.Now(s.now())
	if !until.After(now) || until.After(now.Add(30*24*time.Hour)) {
		return Entry{}, errs.E(errs.Invalid, "until", "must be in the future and within 30 days")
	}
	until = incident.Now(until)
	e, err := s.store.UpdateEntry(ctx, actor, id, LogEntry{Action: "snooze", Actor: actor.User, At: now, Data: until.Format(time.RFC3339)}, func(e *Entry) error {
		if err := waiting(e); err != nil {
			return err
		}
		e.Status, e.SnoozedUntil, e.UpdatedAt = Snoozed, &until, now
		return nil
	})
	if err == nil {
		s.touched(ctx, "snooze", actor.User, e)
	}
	return e, err
}

// declarableLabels keeps the labels an incident accepts (names of letters,
// digits and . _ - /), so a declaration from alerts never fails on them.
func declarableLabels(l map[string]string) map[string]string {
	out := map[string]string{}
	for _, k := range sortedKeys(l) {
		if len(out) == incident.MaxLabels {
			break
		}
		ok := k != "" && len(k) <= incident.MaxLabelKey && len(l[k]) <= incident.MaxLabelValue
		for _, r := range k {
			if !(r < 128 && (r == '.' || r == '_' || r == '-' || r == '/' || r >= '0' && r <= '9' || r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z')) {
				ok = false
			}
		}
		if ok {
			out[k] = l[k]
		}
	}
	return out
}

func sortedKeys(m map[string]string) []string {
	keys := make([]string, 0, len(m))
	for k := range maps.Keys(m) {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
