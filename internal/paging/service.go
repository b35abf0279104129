package paging

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"math/big"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/firebreak-ir/firebreak/internal/deliverylimit"
	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Job kinds the service handles.
const (
	JobQueueEntry      = "paging.queue_entry"      // a new queue entry: page its service's policy
	JobIncidentChanged = "paging.incident_changed" // an incident's severity or roles changed
	JobStep            = "paging.step"             // run an escalation step
	JobDeliver         = "paging.deliver"          // send one delivery
	JobAcked           = "paging.acked"            // follow up an acknowledgement
	JobQueueResolved   = "paging.queue_resolved"   // every alert of a queue entry resolved: stop its paging
)

// Incidents is what paging needs of the incident service.
type Incidents interface {
	Get(ctx context.Context, v incident.Viewer, ref string) (incident.Incident, error)
	Assign(ctx context.Context, c incident.Command, role incident.Role, user string) (incident.Incident, error)
}

// Queue is what paging needs of the triage queue.
type Queue interface {
	// Entry reads any entry, for paging's own work.
	Entry(ctx context.Context, id string) (triage.Entry, error)
	// EntryFor reads an entry as v may see it: one linked to an incident v
	// may not see is not found.
	EntryFor(ctx context.Context, v incident.Viewer, id string) (triage.Entry, error)
	Acknowledge(ctx context.Context, actor incident.Viewer, id string) (triage.Entry, error)
}

// Deps are the Service's collaborators.
type Deps struct {
	Store     Store
	Users     Users
	Incidents Incidents
	Queue     Queue
	Notifier  notify.Notifier
	// Pages, when set, is what escalation pages are sent through instead
	// of Notifier: within per-destination limits and circuit breakers
	// (deliverylimit), whose refusals snooze the page's job. Verification,
	// test and reminder messages go through Notifier.
	Pages notify.Notifier
	// Severities are the policy's levels, for incident rules.
	Severities []string
	// SendTimeout bounds one delivery attempt (outbound.timeout), so a
	// page sent right after its commit is retried by its job only once
	// that attempt must be over; notify.DefaultTimeout when zero.
	SendTimeout time.Duration
	Now         func() time.Time
	NewID       func() string
	Logger      *slog.Logger
}

// Pager runs on-call: configuration, contacts, escalations, deliveries.
type Pager struct {
	Deps
	baseURL string
	mu      sync.Mutex
	// codeFails counts wrong verification codes per contact; five end the
	// code, so six digits cannot be guessed.
	codeFails map[string]int
	lastCode  map[string]time.Time // when a code was last resent, per contact
	sends     *sendLimiter         // verification and test messages per person and address
	notifyJob func()
	keys      atomic.Pointer[[]byte] // the ack-link key, once loaded
	// owner is the engine's lease owner name (set by Register): a page
	// sent inline holds its delivery job, so if this process dies before
	// recording the send, a restart resends it at once.
	owner string
}

// NewPager builds the service.
func NewPager(d Deps) *Pager {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	return &Pager{Deps: d, codeFails: map[string]int{}, lastCode: map[string]time.Time{}, sends: newSendLimiter(), notifyJob: func() {}}
}

// SetBaseURL sets the URL links in messages start with.
func (s *Pager) SetBaseURL(u string) { s.baseURL = strings.TrimRight(u, "/") }

// BaseURL is the URL links start with.
func (s *Pager) BaseURL() string { return s.baseURL }

// Actor is who asks, for the checks the service makes itself.
type Actor struct {
	User  string
	Admin bool
}

// ---- configuration ----

// Objects returns the whole on-call configuration.
func (s *Pager) Objects(ctx context.Context) (Objects, error) { return s.Store.Objects(ctx) }

// userSet lists every user that exists.
func (s *Pager) userSet(ctx context.Context) (map[string]bool, error) {
	names, err := s.Users.Usernames(ctx)
	if err != nil {
		return nil, err
	}
	set := make(map[string]bool, len(names))
	for _, n := range names {
		set[n] = true
	}
	return set, nil
}

// Change applies puts and deletes atomically after checking the whole
// resulting configuration.
func (s *Pager) Change(ctx context.Context, actor string, puts []any, deletes []Key) error {
	users, err := s.userSet(ctx)
	if err != nil {
		return err
	}
	return s.Store.ChangeObjects(ctx, actor, puts, deletes, func(before, after Objects) error {
		return CheckChange(before, after, users, s.Severities)
	})
}

// Put creates or replaces one object.
func (s *Pager) Put(ctx context.Context, actor string, v any) error {
	return s.Change(ctx, actor, []any{v}, nil)
}

// Delete removes one object; anything still referring to it fails the
// check.
func (s *Pager) Delete(ctx context.Context, actor string, k Key) error {
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return err
	}
	if _, ok := o.Get(k); !ok {
		return errs.E(errs.NotFound, "name", "no %s named %q", k.Kind, k.Name)
	}
	return s.Change(ctx, actor, nil, []Key{k})
}

// Schedule returns one schedule.
func (s *Pager) Schedule(ctx context.Context, name string) (oncall.Schedule, error) {
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return oncall.Schedule{}, err
	}
	sch, ok := o.Schedules[name]
	if !ok {
		return oncall.Schedule{}, errs.E(errs.NotFound, "name", "no schedule named %q", name)
	}
	return sch, nil
}

// AddOverride puts user on call in a schedule from from until to.
func (s *Pager) AddOverride(ctx context.Context, actor, schedule string, ov oncall.Override) (oncall.Schedule, error) {
	sch, err := s.Schedule(ctx, schedule)
	if err != nil {
		return sch, err
	}
	sch.Overrides = append(slices.Clone(sch.Overrides), ov)
	return sch, s.Put(ctx, actor, sch)
}

// RemoveOverride removes a schedule's override i.
func (s *Pager) RemoveOverride(ctx context.Context, actor, schedule string, i int) (oncall.Schedule, error) {
	sch, err := s.Schedule(ctx, schedule)
	if err != nil {
		return sch, err
	}
	if i < 0 || i >= len(sch.Overrides) {
		return sch, errs.E(errs.NotFound, "override", "schedule %s has no override %d", schedule, i)
	}
	sch.Overrides = slices.Delete(slices.Clone(sch.Overrides), i, i+1)
	return sch, s.Put(ctx, actor, sch)
}

// OnCallNow is who is on call in each schedule at an instant.
type OnCallNow struct {
	Schedule string   `json:"schedule"`
	Users    []string `json:"users"`
	// Until is when the current shift of the first user ends, when known
	// within the next 14 days.
	Until *time.Time `json:"until,omitempty"`
}

// OnCall reports every schedule's on-call users at t.
func (s *Pager) OnCall(ctx context.Context, at time.Time) ([]OnCallNow, error) {
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return nil, err
	}
	out := []OnCallNow{}
	for _, name := range sorted(o.Schedules) {
		sch := o.Schedules[name]
		n := OnCallNow{Schedule: name, Users: sch.OnCall(at)}
		if n.Users == nil {
			n.Users = []string{}
		}
		for _, sh := range sch.Shifts(at, at.Add(14*24*time.Hour)) {
			if !sh.Start.After(at) && sh.End.After(at) {
				end := sh.End
				n.Until = &end
				break
			}
		}
		out = append(out, n)
	}
	return out, nil
}

// UserShift is a shift with its schedule, for a person's own view.
type UserShift struct {
	Schedule string `json:"schedule"`
	oncall.Shift
}

// ShiftsOf lists user's shifts across every schedule in [from, to).
func (s *Pager) ShiftsOf(ctx context.Context, user string, from, to time.Time) ([]UserShift, error) {
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return nil, err
	}
	out := []UserShift{}
	for _, name := range sorted(o.Schedules) {
		for _, sh := range o.Schedules[name].Shifts(from, to) {
			if sh.User == user {
				out = append(out, UserShift{Schedule: name, Shift: sh})
			}
		}
	}
	slices.SortFunc(out, func(a, b UserShift) int { return a.Start.Compare(b.Start) })
	return out, nil
}

// ---- contacts ----

const codeTTL = 30 * time.Minute

// ContactInput is a new contact method.
type ContactInput struct {
	Name   string        `json:"name"`
	Target notify.Target `json:"target"`
}

func (s *Pager) mayManage(a Actor, user string) error {
	if a.User != user && !a.Admin {
		return errs.E(errs.Forbidden, "user", "only %s or an administrator may change %s's contact methods", user, user)
	}
	return nil
}

// AddContact validates a new contact method and sends it a verification
// code; the contact is stored only if that message was delivered, so an
// address that cannot be reached changes nothing. It is used for pages once
// the code comes back through VerifyContact.
func (s *Pager) AddContact(ctx context.Context, a Actor, user string, in ContactInput) (Contact, error) {
	if err := s.mayManage(a, user); err != nil {
		return Contact{}, err
	}
	if ok, err := s.Users.UserExists(ctx, user); err != nil {
		return Contact{}, err
	} else if !ok {
		return Contact{}, errs.E(errs.NotFound, "user", "no user named %q", user)
	}
	in.Name = strings.TrimSpace(in.Name)
	if in.Name == "" {
		in.Name = string(in.Target.Kind)
	}
	if len(in.Name) > 64 {
		return Contact{}, errs.E(errs.Invalid, "name", "is longer than 64 characters")
	}
	// Validated, and refused if the channel will not send there (a private
	// or metadata address), before anything is sent.
	if err := notify.CheckTarget(s.Notifier, in.Target); err != nil {
		return Contact{}, prefixField("target", err)
	}
	if err := s.sends.take(s.Now(), sendVerify, a.User, in.Target); err != nil {
		return Contact{}, err
	}
	c := Contact{ID: s.NewID(), User: user, Name: in.Name, Kind: in.Target.Kind, Target: in.Target,
		Address: redact(in.Target), Source: "api", CreatedAt: s.Now().UTC()}
	code, err := newCode()
	if err != nil {
		return Contact{}, err
	}
	if err := s.sendCode(ctx, c, code); err != nil {
		return Contact{}, err
	}
	if err := s.Store.CreateContact(ctx, c, hashCode(c.ID, code), s.Now().Add(codeTTL)); err != nil {
		return Contact{}, err
	}
	s.mu.Lock()
	s.lastCode[c.ID] = s.Now()
	s.mu.Unlock()
	return c, nil
}

func (s *Pager) sendCode(ctx context.Context, c Contact, code string) error {
	msg := notify.Message{
		ID:    "verify-" + c.ID + "-" + code[:2],
		Title: "Firebreak verification code " + code,
		Body: fmt.Sprintf("Enter %s in Firebreak to confirm this contact method (%s) for %s. It expires in %d minutes. "+
			"If you did not ask for this, ignore it.", code, c.Name, c.User, int(codeTTL/time.Minute)),
		URL:  s.baseURL + "/oncall/me",
		Time: s.Now().UTC(),
	}
	sctx, cancel := context.WithTimeout(ctx, notify.DefaultTimeout)
	defer cancel()
	if _, err := s.Notifier.Notify(sctx, c.Target, msg); err != nil {
		return errs.E(errs.Invalid, "target", "the verification message could not be delivered, so the contact was not added: %v", err)
	}
	return nil
}

// ResendCode sends a fresh verification code to an unverified contact.
func (s *Pager) ResendCode(ctx context.Context, a Actor, id string) error {
	c, err := s.ownContact(ctx, a, id)
	if err != nil {
		return err
	}
	if c.Verified {
		return errs.E(errs.Rule, "id", "contact %s is already verified", c.Name)
	}
	s.mu.Lock()
	last, now := s.lastCode[id], s.Now()
	if now.Sub(last) < time.Minute {
		s.mu.Unlock()
		return errs.E(errs.RateLimited, "id", "a code was sent less than a minute ago; wait before asking for another")
	}
	if err := s.sends.take(now, sendVerify, a.User, c.Target); err != nil {
		s.mu.Unlock()
		return err
	}
	s.lastCode[id] = now
	s.mu.Unlock()
	code, err := newCode()
	if err != nil {
		return err
	}
	if err := s.sendCode(ctx, c, code); err != nil {
		return err
	}
	s.mu.Lock()
	delete(s.codeFails, id)
	s.mu.Unlock()
	return s.Store.SetContactCode(ctx, id, hashCode(id, code), s.Now().Add(codeTTL))
}

// VerifyContact checks the code a contact method received.
func (s *Pager) VerifyContact(ctx context.Context, a Actor, id, code string) (Contact, error) {
	c, err := s.ownContact(ctx, a, id)
	if err != nil {
		return c, err
	}
	if c.Verified {
		return c, nil
	}
	hash, expires, err := s.Store.ContactCode(ctx, id)
	if err != nil {
		return c, err
	}
	s.mu.Lock()
	fails := s.codeFails[id]
	s.mu.Unlock()
	switch {
	case hash == "":
		return c, errs.E(errs.Rule, "code", "no code is pending for this contact: send a new one")
	case fails >= 5:
		return c, errs.E(errs.Rule, "code", "too many wrong codes: send a new one")
	case s.Now().After(expires):
		return c, errs.E(errs.Rule, "code", "the code has expired: send a new one")
	case hashCode(id, strings.TrimSpace(code)) != hash:
		s.mu.Lock()
		s.codeFails[id]++
		s.mu.Unlock()
		return c, errs.E(errs.Invalid, "code", "that is not the code we sent")
	}
	now := s.Now().UTC()
	if err := s.Store.MarkContactVerified(ctx, id, now); err != nil {
		return c, err
	}
	c.Verified, c.VerifiedAt = true, &now
	return c, nil
}

func (s *Pager) ownContact(ctx context.Context, a Actor, id string) (Contact, error) {
	c, err := s.Store.Contact(ctx, id)
	if err != nil {
		return c, err
	}
	if err := s.mayManage(a, c.User); err != nil {
		return Contact{}, err
	}
	return c, nil
}

// Contacts lists a user's contact methods.
func (s *Pager) Contacts(ctx context.Context, a Actor, user string) ([]Contact, error) {
	if err := s.mayManage(a, user); err != nil {
		return nil, err
	}
	return s.Store.Contacts(ctx, user)
}

// DeleteContact removes a contact method and its rules.
func (s *Pager) DeleteContact(ctx context.Context, a Actor, id string) error {
	if _, err := s.ownContact(ctx, a, id); err != nil {
		return err
	}
	return s.Store.DeleteContact(ctx, id)
}

// TestContact sends a test page to a verified contact, recorded like any
// delivery would be, and returns its result.
func (s *Pager) TestContact(ctx context.Context, a Actor, id string) (notify.Result, error) {
	c, err := s.ownContact(ctx, a, id)
	if err != nil {
		return notify.Result{}, err
	}
	if !c.Verified {
		return notify.Result{}, errs.E(errs.Rule, "id", "contact %s is not verified yet: enter the code it received first", c.Name)
	}
	if err := s.sends.take(s.Now(), sendTest, a.User, c.Target); err != nil {
		return notify.Result{}, err
	}
	msg := notify.Message{ID: "test-" + s.NewID(), Title: "Firebreak test page", Body: "This is a test of " + c.Name + " for " + c.User + ".",
		URL: s.baseURL + "/oncall/me", Time: s.Now().UTC()}
	r, err := s.Notifier.Notify(ctx, c.Target, msg)
	if err != nil {
		return r, errs.E(errs.Invalid, "target", "%v", err)
	}
	return r, nil
}

// AddRule adds a notification rule for one of user's contacts.
func (s *Pager) AddRule(ctx context.Context, a Actor, user, contactID string, delayMinutes int) (Rule, error) {
	if err := s.mayManage(a, user); err != nil {
		return Rule{}, err
	}
	c, err := s.Store.Contact(ctx, contactID)
	if err != nil {
		return Rule{}, prefixField("contact_id", err)
	}
	if c.User != user {
		return Rule{}, errs.E(errs.Invalid, "contact_id", "contact %s is not %s's", contactID, user)
	}
	if delayMinutes < 0 || delayMinutes > 1440 {
		return Rule{}, errs.E(errs.Invalid, "delay_minutes", "must be between 0 and 1440, not %d", delayMinutes)
	}
	r := Rule{ID: s.NewID(), User: user, ContactID: contactID, DelayMinutes: delayMinutes}
	return r, s.Store.PutRule(ctx, r)
}

// Rules lists a user's notification rules.
func (s *Pager) Rules(ctx context.Context, a Actor, user string) ([]Rule, error) {
	if err := s.mayManage(a, user); err != nil {
		return nil, err
	}
	return s.Store.Rules(ctx, user)
}

// DeleteRule removes one of user's rules.
func (s *Pager) DeleteRule(ctx context.Context, a Actor, user, id string) error {
	if err := s.mayManage(a, user); err != nil {
		return err
	}
	rules, err := s.Store.Rules(ctx, user)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(rules, func(r Rule) bool { return r.ID == id }) {
		return errs.E(errs.NotFound, "id", "%s has no rule %s", user, id)
	}
	return s.Store.DeleteRule(ctx, id)
}

func newCode() (string, error) {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		return "", fmt.Errorf("verification code: %w", err)
	}
	return fmt.Sprintf("%06d", n.Int64()), nil
}

func hashCode(id, code string) string {
	h := sha256.Sum256([]byte(id + "\x00" + code))
	return hex.EncodeToString(h[:])
}

func redact(t notify.Target) string {
	switch t.Kind {
	case notify.KindEmail:
		return t.Address
	case notify.KindSlack:
		if t.Address == "" {
			return "slack bot → " + t.Channel
		}
	}
	return notify.RedactURL(t.Address)
}

// prefixField puts field in front of an errs.Error's field.
func prefixField(field string, err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	if c.Field == "" {
		c.Field = field
	} else {
		c.Field = field + "." + c.Field
	}
	c.Details = nil
	for _, d := range e.Details {
		d.Field = field + "." + d.Field
		c.Details = append(c.Details, d)
	}
	return &c
}

// ---- escalations ----

// SetJobNotifier sets what is called after jobs are written outside the
// store's own hooks (the engine's Notify).
func (s *Pager) SetJobNotifier(fn func()) { s.notifyJob = fn }

func jobArgs(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		panic(err) // our own argument structs always marshal
	}
	return b
}

type stepArgs struct {
	Escalation string `json:"escalation"`
	Round      int    `json:"round"`
	Step       int    `json:"step"`
}

type idArgs struct {
	ID string `json:"id"`
}

// start begins an escalation of subject with policy and runs its first
// step in the same transaction; the step's immediate deliveries are sent
// right after the commit. An escalation with the same subject and cause is
// returned instead of a second one. doneJob, when set, is the job that
// caused it, completed in that transaction.
func (s *Pager) start(ctx context.Context, subject Subject, cause string, pol oncall.Policy, actor, message, doneJob string) (Escalation, bool, error) {
	now := s.Now().UTC()
	first := oncall.Position{}
	e := Escalation{ID: s.NewID(), Subject: subject, Cause: cause, Policy: pol, State: Open, Message: message,
		Next: &first, NextAt: &now, CreatedBy: actor, CreatedAt: now,
		Log: []LogEntry{{At: now, Action: "started", Actor: actor, Detail: startDetail(cause, pol)}}}
	plan, err := s.prepareStep(ctx, e, first)
	if err != nil {
		return e, false, err
	}
	fx := plan.apply(&e, now)
	fx.DoneJob = doneJob
	got, created, err := s.Store.StartEscalation(ctx, e, fx)
	if err != nil || !created {
		return got, false, err
	}
	if doneJob != "" {
		engine.Completed(ctx)
	}
	s.notifyJob()
	if sendInBackground(ctx) {
		go s.sendNow(context.WithoutCancel(ctx), fx.Deliveries, now)
	} else {
		s.sendNow(ctx, fx.Deliveries, now)
	}
	return got, true, nil
}

type backgroundSendKey struct{}

// sendInBackground reports whether ctx asks start to send an escalation's
// first messages without waiting for them (a person's request must not
// wait on a receiver; the delivery jobs retry what does not go out).
func sendInBackground(ctx context.Context) bool {
	v, _ := ctx.Value(backgroundSendKey{}).(bool)
	return v
}

// SettleIncident runs now what paging does about incident id's latest
// change (the job written with the change does the same later and finds
// it done): a page that reloads right after a declaration then shows the
// escalation it started, with its first messages pending or sent. Those
// are sent in the background. Errors are the caller's to log; the job
// still runs.
func (s *Pager) SettleIncident(ctx context.Context, id string) error {
	return s.incidentChanged(context.WithValue(ctx, backgroundSendKey{}, true), id, "")
}

func startDetail(cause string, pol oncall.Policy) string {
	switch {
	case cause == CauseQueue:
		return "new queue entry; policy " + pol.Name
	case strings.HasPrefix(cause, CauseCommander):
		return strings.TrimPrefix(cause, CauseCommander) + " incident without a commander; policy " + pol.Name
	default:
		return "paged by hand"
	}
}

// QueueEntryJob is the job the store writes with every new queue entry.
func QueueEntryJob(entryID string) engine.Job {
	return engine.Job{Kind: JobQueueEntry, Args: jobArgs(idArgs{ID: entryID})}
}

// QueueResolvedJob is the job the store writes when the last firing alert
// of a queue entry not linked to an incident resolves.
func QueueResolvedJob(entryID string) engine.Job {
	return engine.Job{Kind: JobQueueResolved, Args: jobArgs(idArgs{ID: entryID})}
}

// IncidentJobs returns the job to write with an incident's new events
// when they may change who must be paged: a declaration, a severity
// change, a role change, a state change.
func IncidentJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	for _, ev := range events {
		switch ev.Type {
		case incident.EvDeclared, incident.EvSeverityChanged, incident.EvRoleAssigned, incident.EvRoleUnassigned, incident.EvTransitioned:
			return []engine.Job{{Kind: JobIncidentChanged, Args: jobArgs(idArgs{ID: inc.ID})}}
		}
	}
	return nil
}

// Register attaches the service's job handlers to an engine.
func (s *Pager) Register(e interface {
	Handle(kind string, h engine.Handler)
}) {
	e.Handle(JobQueueEntry, s.handleQueueEntry)
	e.Handle(JobIncidentChanged, s.handleIncidentChanged)
	e.Handle(JobStep, s.handleStep)
	e.Handle(JobDeliver, s.handleDeliver)
	e.Handle(JobAcked, s.handleAcked)
	e.Handle(JobQueueResolved, s.handleQueueResolved)
	if o, ok := e.(interface{ Owner() string }); ok {
		s.owner = o.Owner()
	}
}

var system = incident.Viewer{User: "firebreak", SeeAll: true}

func (s *Pager) handleQueueEntry(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	entry, err := s.Queue.Entry(ctx, a.ID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	if entry.Status != triage.New {
		return nil // someone is already on it
	}
	if stop, err := s.alertsResolved(ctx, entry); err != nil || stop {
		if stop {
			s.Logger.Info("queue entry not paged: its alerts resolved before paging began", "entry", a.ID)
		}
		return err
	}
	service := entry.Group.Destination.Service
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return err
	}
	svc, ok := o.Services[service]
	if !ok || svc.Policy == "" {
		s.Logger.Debug("queue entry on a service without an escalation policy", "entry", a.ID, "service", service)
		return nil
	}
	pol, ok := o.Policies[svc.Policy]
	if !ok {
		return nil
	}
	subj := Subject{Kind: SubjectQueue, ID: entry.Group.ID, Title: entry.Group.Summary, Severity: entry.Severity, Service: service}
	_, _, err = s.start(ctx, subj, CauseQueue, pol, "firebreak", "", j.ID)
	return err
}

// stoppedResolved is the log detail of an escalation stopped because every
// alert of its queue entry resolved before anyone acknowledged it.
const stoppedResolved = "alerts resolved"

// alertsResolved reports whether entry's escalations stop because its
// alerts all resolved: nobody acknowledged it (it is new, or snoozed), it
// had alerts and none fires now, and its service does not keep paging.
func (s *Pager) alertsResolved(ctx context.Context, entry triage.Entry) (bool, error) {
	if entry.Status != triage.New && entry.Status != triage.Snoozed {
		return false, nil
	}
	if entry.Group.Firing > 0 || entry.Group.Resolved == 0 || entry.Group.IncidentID != "" {
		return false, nil
	}
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return false, err
	}
	return !o.Services[entry.Group.Destination.Service].KeepPagingWhenResolved, nil
}

// handleQueueResolved stops the open escalations of a queue entry whose
// alerts all resolved before anyone acknowledged it.
func (s *Pager) handleQueueResolved(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	entry, err := s.Queue.Entry(ctx, a.ID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	stop, err := s.alertsResolved(ctx, entry)
	if err != nil || !stop {
		return err
	}
	open, err := s.Store.Escalations(ctx, SubjectQueue, entry.Group.ID, true, 100)
	if err != nil {
		return err
	}
	for _, e := range open {
		if _, err := s.resolve(ctx, e.ID, stoppedResolved); err != nil {
			return err
		}
	}
	return nil
}

func (s *Pager) handleIncidentChanged(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	return s.incidentChanged(ctx, a.ID, j.ID)
}

// incidentChanged stops the commander escalations incident id no longer
// needs and starts the one it needs; doneJob is completed with the start.
func (s *Pager) incidentChanged(ctx context.Context, id, doneJob string) error {
	inc, err := s.Incidents.Get(ctx, system, id)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	// Stop commander escalations that are no longer needed.
	open, err := s.Store.Escalations(ctx, SubjectIncident, inc.ID, true, 100)
	if err != nil {
		return err
	}
	for _, e := range open {
		if reason := s.incidentResolves(e, inc); reason != "" {
			if _, err := s.resolve(ctx, e.ID, reason); err != nil {
				return err
			}
		}
	}
	if !inc.State.Open() || inc.Severity == "" || len(inc.Holders(incident.IncidentCommander)) > 0 {
		return nil
	}
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return err
	}
	rule, ok := o.IncidentRules[inc.Severity]
	if !ok {
		return nil
	}
	pol, ok := o.Policies[rule.Policy]
	if !ok {
		return nil
	}
	_, _, err = s.start(ctx, incidentSubject(inc), CauseCommander+inc.Severity, pol, "firebreak", "", doneJob)
	return err
}

func incidentSubject(inc incident.Incident) Subject {
	return Subject{Kind: SubjectIncident, ID: inc.ID, Ref: inc.Ref, Title: inc.Title, Severity: inc.Severity}
}

// incidentResolves says why an open escalation about inc is no longer
// needed, or "".
func (s *Pager) incidentResolves(e Escalation, inc incident.Incident) string {
	if !inc.State.Open() {
		return "incident is " + string(inc.State)
	}
	if strings.HasPrefix(e.Cause, CauseCommander) && len(inc.Holders(incident.IncidentCommander)) > 0 {
		return "incident commander assigned: " + inc.Holders(incident.IncidentCommander)[0]
	}
	return ""
}

func (s *Pager) resolve(ctx context.Context, id, reason string) (Escalation, error) {
	return s.Store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		if e.State != Open {
			return Effects{}, nil
		}
		now := s.Now().UTC()
		e.State, e.Next, e.NextAt = Resolved, nil, nil
		action := "resolved"
		if reason == stoppedResolved {
			action = "stopped"
		}
		e.Log = append(e.Log, LogEntry{At: now, Action: action, Detail: reason})
		return Effects{}, nil
	})
}

// pause moves the step at pos to until: the entry was snoozed, and paging
// resumes where it stood when the snooze ends.
func (s *Pager) pause(ctx context.Context, id string, pos oncall.Position, until time.Time, doneJob string) error {
	_, err := s.Store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		if e.State != Open || e.Next == nil || *e.Next != pos {
			return Effects{}, nil
		}
		u := until.UTC()
		e.NextAt = &u
		e.Log = append(e.Log, LogEntry{At: s.Now().UTC(), Action: "paused", Detail: "queue entry snoozed until " + u.Format(time.RFC3339)})
		return Effects{DoneJob: doneJob, Jobs: []engine.Job{{Kind: JobStep, RunAt: u,
			Args: jobArgs(stepArgs{Escalation: e.ID, Round: pos.Round, Step: pos.Step})}}}, nil
	})
	if err == nil {
		engine.Completed(ctx)
		s.notifyJob()
	}
	return err
}

// subjectState looks at an escalation's subject now: reason says why it
// no longer needs anyone ("" when it does), and snoozed until when a
// snoozed queue entry comes back (its escalation waits for it).
func (s *Pager) subjectState(ctx context.Context, e Escalation) (reason string, snoozed *time.Time, err error) {
	switch e.Subject.Kind {
	case SubjectQueue:
		entry, err := s.Queue.Entry(ctx, e.Subject.ID)
		if err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return "queue entry is gone", nil, nil
			}
			return "", nil, err
		}
		if stop, err := s.alertsResolved(ctx, entry); err != nil || stop {
			if stop {
				return stoppedResolved, nil, nil
			}
			return "", nil, err
		}
		switch {
		case entry.Status == triage.Snoozed && entry.SnoozedUntil != nil && entry.SnoozedUntil.After(s.Now()):
			return "", entry.SnoozedUntil, nil
		case entry.Status != triage.New && entry.Status != triage.Snoozed && entry.AckedBy == "":
			return "queue entry is " + string(entry.Status), nil, nil
		case entry.Status != triage.New && entry.Status != triage.Snoozed:
			return "queue entry is " + string(entry.Status) + " (acknowledged by " + entry.AckedBy + ")", nil, nil
		}
	case SubjectIncident:
		inc, err := s.Incidents.Get(ctx, system, e.Subject.ID)
		if err != nil {
			if errs.CodeOf(err) == errs.NotFound {
				return "incident is gone", nil, nil
			}
			return "", nil, err
		}
		return s.incidentResolves(e, inc), nil, nil
	}
	return "", nil, nil
}

// handleStep runs the step the job names, if the escalation is still open
// and still at that step: it pages the step's users through their
// notification rules and schedules the next step.
func (s *Pager) handleStep(ctx context.Context, j engine.Job) error {
	var a stepArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	e, err := s.Store.Escalation(ctx, a.Escalation)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	if a.Round == -1 {
		return s.exhaust(ctx, e.ID)
	}
	pos := oncall.Position{Round: a.Round, Step: a.Step}
	if e.State != Open || e.Next == nil || *e.Next != pos {
		return nil // acknowledged, or this step already ran (a retry or "escalate now")
	}
	reason, snoozed, err := s.subjectState(ctx, e)
	switch {
	case err != nil:
		return err
	case reason != "":
		_, err := s.resolve(ctx, e.ID, reason)
		return err
	case snoozed != nil:
		return s.pause(ctx, e.ID, pos, *snoozed, j.ID)
	}
	plan, err := s.prepareStep(ctx, e, pos)
	if err != nil {
		return err
	}
	var fx Effects
	now := s.Now().UTC()
	_, err = s.Store.UpdateEscalation(ctx, e.ID, func(cur *Escalation) (Effects, error) {
		if cur.State != Open || cur.Next == nil || *cur.Next != pos {
			return Effects{}, nil
		}
		fx = plan.apply(cur, now)
		fx.DoneJob = j.ID
		return fx, nil
	})
	if err != nil {
		return err
	}
	if fx.DoneJob != "" {
		engine.Completed(ctx)
	}
	s.notifyJob()
	s.sendNow(ctx, fx.Deliveries, now)
	return nil
}

// stepPlan is what a step will do, worked out before its transaction:
// who is paged and through which contacts.
type stepPlan struct {
	pos   oncall.Position
	step  oncall.Step
	paged []string
	plans map[string][]plannedDelivery
	newID func() string
	owner string // holds the jobs of pages sent inline; see Pager.owner
	grace time.Duration
}

// prepareStep resolves the step at pos of e against the current
// configuration: who is on call is a fact of now, so schedules and
// policies named by the snapshot are looked up as they are.
func (s *Pager) prepareStep(ctx context.Context, e Escalation, pos oncall.Position) (*stepPlan, error) {
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return nil, err
	}
	p := &stepPlan{pos: pos, step: e.Policy.Steps[pos.Step], plans: map[string][]plannedDelivery{}, newID: s.NewID, owner: s.owner,
		grace: inlineGrace(s.SendTimeout)}
	// Resolving needs no user list: a user who cannot be reached has no
	// verified contact, and the log says so.
	p.paged = o.Directory(nil).Resolve(p.step, s.Now())
	for _, u := range p.paged {
		pl, err := s.plan(ctx, u)
		if err != nil {
			return nil, err
		}
		p.plans[u] = pl
	}
	return p, nil
}

// inlineGrace is when a delivery that is sent at once right after its
// commit is retried by its job if that send never got recorded (the
// process died): longer than one attempt may take.
func inlineGrace(sendTimeout time.Duration) time.Duration {
	if sendTimeout <= 0 {
		sendTimeout = notify.DefaultTimeout
	}
	return sendTimeout + 10*time.Second
}

// apply records the step on cur and returns its effects: deliveries with
// their jobs, and the job of the next step (or of the end).
func (p *stepPlan) apply(cur *Escalation, now time.Time) Effects {
	var fx Effects
	pos, step := p.pos, p.step
	detail := fmt.Sprintf("step %d of %d", pos.Step+1, len(cur.Policy.Steps))
	if pos.Round > 0 {
		detail += fmt.Sprintf(", repeat %d of %d", pos.Round, cur.Policy.Repeat)
	}
	if len(p.paged) == 0 {
		cur.Log = append(cur.Log, LogEntry{At: now, Action: "nobody to page", Detail: detail + ": no one is on call for " + targetsText(step.Targets)})
	}
	for _, u := range p.paged {
		if len(p.plans[u]) == 0 {
			cur.Log = append(cur.Log, LogEntry{At: now, Action: "cannot page", Actor: u, Detail: detail + ": " + u + " has no verified contact method"})
			continue
		}
		cur.Log = append(cur.Log, LogEntry{At: now, Action: "paged", Actor: u, Detail: detail})
		for _, pd := range p.plans[u] {
			d := Delivery{ID: p.newID(), EscalationID: cur.ID, User: u, ContactID: pd.contact.ID, Channel: pd.contact.Kind,
				Target: pd.contact.Address, State: DeliveryPending, Step: pos, CreatedAt: now, DueAt: now.Add(pd.delay), Kind: "page"}
			fx.Deliveries = append(fx.Deliveries, d)
			// The job carries the delivery's ID. A delivery due now is sent
			// right after the commit; its job is the safety net, held by
			// this process for the grace: due then, or at once when a
			// restart finds this process gone (a crash mid-send).
			runAt, holder := d.DueAt, ""
			if pd.delay == 0 {
				runAt, holder = now.Add(p.grace), p.owner
			}
			fx.Jobs = append(fx.Jobs, engine.Job{ID: d.ID, Kind: JobDeliver, RunAt: runAt, Holder: holder, Args: jobArgs(idArgs{ID: d.ID})})
		}
	}
	cur.StepsRun++
	at := now.Add(step.Delay.Duration())
	next, ok := cur.Policy.Next(pos)
	if !ok {
		// The last step still gets its delay to be acknowledged before the
		// escalation counts as exhausted.
		next = oncall.Position{Round: -1}
	}
	cur.Next, cur.NextAt = &next, &at
	fx.Jobs = append(fx.Jobs, engine.Job{Kind: JobStep, RunAt: at, Args: jobArgs(stepArgs{Escalation: cur.ID, Round: next.Round, Step: next.Step})})
	return fx
}

// sendNow sends the deliveries due at now, in parallel, recording each
// attempt; their jobs retry what fails or never got recorded.
func (s *Pager) sendNow(ctx context.Context, ds []Delivery, now time.Time) {
	var wg sync.WaitGroup
	for _, d := range ds {
		if d.DueAt.After(now) {
			continue
		}
		wg.Go(func() {
			if err := s.deliver(ctx, d, true, 0, 1); err != nil {
				s.Logger.Info("page not delivered at once; its job retries", "delivery", d.ID, "err", err)
			}
		})
	}
	wg.Wait()
}

func targetsText(ts []oncall.Target) string {
	var parts []string
	for _, t := range ts {
		parts = append(parts, t.String())
	}
	return strings.Join(parts, ", ")
}

type plannedDelivery struct {
	contact Contact
	delay   time.Duration
}

// plan lists how a paged user is contacted: through their notification
// rules, or every verified contact at once when they have none. Contacts
// not verified are never used.
func (s *Pager) plan(ctx context.Context, user string) ([]plannedDelivery, error) {
	contacts, err := s.Store.Contacts(ctx, user)
	if err != nil {
		return nil, err
	}
	verified := map[string]Contact{}
	for _, c := range contacts {
		if c.Verified {
			verified[c.ID] = c
		}
	}
	rules, err := s.Store.Rules(ctx, user)
	if err != nil {
		return nil, err
	}
	var out []plannedDelivery
	for _, r := range rules {
		if c, ok := verified[r.ContactID]; ok {
			out = append(out, plannedDelivery{contact: c, delay: time.Duration(r.DelayMinutes) * time.Minute})
		}
	}
	if len(out) == 0 {
		for _, c := range contacts {
			if c.Verified {
				out = append(out, plannedDelivery{contact: c})
			}
		}
	}
	slices.SortStableFunc(out, func(a, b plannedDelivery) int { return int(a.delay - b.delay) })
	return out, nil
}

// exhaust is the step job with Round -1: the last step's delay passed.
func (s *Pager) exhaust(ctx context.Context, id string) error {
	_, err := s.Store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		if e.State != Open || e.Next == nil || e.Next.Round != -1 {
			return Effects{}, nil
		}
		e.State, e.Next, e.NextAt = Exhausted, nil, nil
		e.Log = append(e.Log, LogEntry{At: s.Now().UTC(), Action: "exhausted", Detail: "every step ran and nobody acknowledged"})
		return Effects{}, nil
	})
	return err
}

// ErrAckedBeforeDue marks a delivery skipped because the page was
// acknowledged first.
var errAcked = errors.New("acknowledged before it was due")

// handleDeliver sends one delivery and records the attempt. Failures that
// may pass are retried by the engine with backoff; the last one marks the
// delivery failed, visible where the escalation is shown.
func (s *Pager) handleDeliver(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	d, err := s.Store.Delivery(ctx, a.ID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	return s.deliver(ctx, d, false, j.Attempt, max(j.MaxAttempts, 1))
}

// deliver sends d unless its escalation no longer needs it, and records
// the attempt; the delivery's state becomes final (and its job goes) when
// it is sent, skipped, or failed for good. inline is a send right after
// the commit that created d: its failure is left to d's job.
func (s *Pager) deliver(ctx context.Context, d Delivery, inline bool, attempt, maxAttempts int) error {
	if d.State != DeliveryPending {
		return nil
	}
	e, err := s.Store.Escalation(ctx, d.EscalationID)
	if err != nil {
		return err
	}
	now := s.Now().UTC()
	if e.State != Open {
		d.State = DeliverySkipped
		d.LastError = errAcked.Error() + " (" + string(e.State) + ")"
		return s.Store.RecordAttempt(ctx, d, Attempt{})
	}
	c, err := s.Store.Contact(ctx, d.ContactID)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			d.State, d.LastError = DeliveryFailed, "the contact method was removed"
			return errors.Join(s.Store.RecordAttempt(ctx, d, Attempt{}), engine.Permanent(err))
		}
		return err
	}
	msg, err := s.message(ctx, e, d)
	if err != nil {
		return err
	}
	pages := s.Pages
	if pages == nil {
		pages = s.Notifier
	}
	res, sendErr := pages.Notify(ctx, c.Target, msg)
	if in, busy := deliverylimit.Busy(sendErr); busy {
		// Not sent and not an attempt: its destination has every slot in
		// use or is failing (circuit breaker open). The job runs again
		// shortly instead of a worker waiting for a slot.
		if !inline {
			return engine.Snooze(in)
		}
		if err := s.Store.Snooze(ctx, d.ID, now.Add(in)); err != nil {
			return errors.Join(sendErr, err)
		}
		return sendErr
	}
	att := Attempt{N: d.Attempts + 1, At: now, OK: sendErr == nil, StatusCode: res.StatusCode,
		LatencyMS: float64(res.Latency.Microseconds()) / 1000}
	d.Attempts++
	if sendErr == nil {
		sent := s.Now().UTC()
		d.State, d.SentAt, d.LastError = DeliverySent, &sent, ""
		if err := s.Store.RecordAttempt(ctx, d, att); err != nil {
			return err
		}
		engine.Completed(ctx) // the final state removed the job
		return nil
	}
	att.Error = sendErr.Error()
	d.LastError = sendErr.Error()
	retryable := notify.Retryable(sendErr)
	if !retryable || (!inline && attempt+1 >= maxAttempts) {
		d.State = DeliveryFailed
	}
	if err := s.Store.RecordAttempt(ctx, d, att); err != nil {
		return err
	}
	if !retryable {
		return engine.Permanent(sendErr)
	}
	return sendErr
}

// message renders a page.
func (s *Pager) message(ctx context.Context, e Escalation, d Delivery) (notify.Message, error) {
	key, err := s.ackKey(ctx)
	if err != nil {
		return notify.Message{}, err
	}
	exp := s.Now().Add(AckLinkTTL)
	token := signAck(key, d.ID, exp)
	m := notify.Message{ID: d.ID, Severity: e.Subject.Severity, Time: e.CreatedAt, AckURL: s.baseURL + "/ack/" + token,
		Fields: map[string]string{"escalation": e.ID}}
	switch e.Subject.Kind {
	case SubjectIncident:
		m.Title = fmt.Sprintf("%s %s", e.Subject.Ref, e.Subject.Title)
		m.URL = s.baseURL + "/incidents/" + e.Subject.Ref
		m.Fields["incident"] = e.Subject.Ref
	default:
		m.Title = "Alert: " + e.Subject.Title
		m.URL = s.baseURL + "/triage/" + e.Subject.ID
		if e.Subject.Service != "" {
			m.Fields["service"] = e.Subject.Service
		}
	}
	if e.Subject.Severity != "" {
		m.Title = "[" + e.Subject.Severity + "] " + m.Title
	}
	var body strings.Builder
	if e.Message != "" {
		fmt.Fprintf(&body, "%s\n\n", e.Message)
	}
	fmt.Fprintf(&body, "%s is paged (%s). Acknowledge to stop the escalation.", d.User, startDetail(e.Cause, e.Policy))
	m.Body = body.String()
	return m, nil
}

// ---- acknowledging ----

// Acknowledge stops an escalation: actor has it. Following up (making
// actor the incident's IR Lead when none is set, acknowledging the queue
// entry) is a job written with the acknowledgement.
func (s *Pager) Acknowledge(ctx context.Context, actor, id string) (Escalation, error) {
	return s.ack(ctx, actor, id, "")
}

func (s *Pager) ack(ctx context.Context, actor, id, token string) (Escalation, error) {
	e, err := s.Store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		fx := Effects{UseToken: token}
		switch e.State {
		case Acknowledged:
			return fx, errs.E(errs.Rule, "state", "already acknowledged by %s", e.AckedBy)
		case Resolved:
			return fx, errs.E(errs.Rule, "state", "no longer needed: %s", lastDetail(e, "resolved"))
		}
		now := s.Now().UTC()
		e.State, e.AckedBy, e.AckedAt, e.Next, e.NextAt = Acknowledged, actor, &now, nil, nil
		how := "in Firebreak"
		if token != "" {
			how = "by link"
		}
		e.Log = append(e.Log, LogEntry{At: now, Action: "acknowledged", Actor: actor, Detail: how})
		fx.Jobs = []engine.Job{{Kind: JobAcked, Args: jobArgs(idArgs{ID: e.ID})}}
		return fx, nil
	})
	if err == nil {
		s.notifyJob()
	}
	return e, err
}

func lastDetail(e *Escalation, action string) string {
	for i := len(e.Log) - 1; i >= 0; i-- {
		if e.Log[i].Action == action {
			return e.Log[i].Detail
		}
	}
	return action
}

// handleAcked makes the acknowledger the incident's IR Lead (or, for a
// commander page, its Incident Commander) when none is set, or
// acknowledges the queue entry.
func (s *Pager) handleAcked(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	e, err := s.Store.Escalation(ctx, a.ID)
	if err != nil {
		return err
	}
	switch e.Subject.Kind {
	case SubjectQueue:
		// As the acknowledger: an entry they may not see (linked to a
		// restricted incident meanwhile) is not found, and left alone.
		_, err := s.Queue.Acknowledge(ctx, incident.Viewer{User: e.AckedBy}, e.Subject.ID)
		if err != nil && errs.CodeOf(err) != errs.Rule && errs.CodeOf(err) != errs.NotFound && errs.CodeOf(err) != errs.Conflict {
			return err
		}
		return nil
	case SubjectIncident:
		inc, err := s.Incidents.Get(ctx, system, e.Subject.ID)
		if err != nil {
			return err
		}
		role := incident.IRLead
		if strings.HasPrefix(e.Cause, CauseCommander) {
			role = incident.IncidentCommander
		}
		if !inc.State.Open() || inc.Participant(e.AckedBy) && len(inc.Holders(role)) > 0 {
			return nil
		}
		if len(inc.Holders(role)) > 0 {
			// The role is taken: the acknowledger joins as a responder, so
			// a restricted incident becomes visible to them.
			role = incident.Responder
		}
		_, err = s.Incidents.Assign(ctx, incident.Command{Actor: incident.Viewer{User: e.AckedBy, SeeAll: true}, Ref: inc.ID}, role, e.AckedBy)
		if err != nil && (errs.CodeOf(err) == errs.Rule || errs.CodeOf(err) == errs.Invalid) {
			s.Logger.Warn("acknowledger could not take the role", "escalation", e.ID, "role", role, "err", err)
			return nil
		}
		return err
	}
	return nil
}

// EscalateNow runs the next step at once.
func (s *Pager) EscalateNow(ctx context.Context, actor, id string) (Escalation, error) {
	e, err := s.Store.UpdateEscalation(ctx, id, func(e *Escalation) (Effects, error) {
		if e.State != Open || e.Next == nil {
			return Effects{}, errs.E(errs.Rule, "state", "the escalation is %s: nothing to escalate", e.State)
		}
		now := s.Now().UTC()
		next := *e.Next
		if next.Round == -1 {
			// Past the last step: start another pass.
			next = oncall.Position{}
		}
		e.Next, e.NextAt = &next, &now
		e.Log = append(e.Log, LogEntry{At: now, Action: "escalated now", Actor: actor})
		return Effects{Jobs: []engine.Job{{Kind: JobStep, RunAt: now, Args: jobArgs(stepArgs{Escalation: e.ID, Round: next.Round, Step: next.Step})}}}, nil
	})
	if err == nil {
		s.notifyJob()
	}
	return e, err
}

// PageInput pages people by hand.
type PageInput struct {
	Targets []oncall.Target `json:"targets"`
	Message string          `json:"message"`
}

// PageIncident pages targets about an incident actor can see.
func (s *Pager) PageIncident(ctx context.Context, actor incident.Viewer, ref string, in PageInput) (Escalation, error) {
	inc, err := s.Incidents.Get(ctx, actor, ref)
	if err != nil {
		return Escalation{}, err
	}
	return s.page(ctx, actor.User, incidentSubject(inc), in)
}

// PageQueueEntry pages targets about a queue entry the actor may see.
func (s *Pager) PageQueueEntry(ctx context.Context, actor incident.Viewer, id string, in PageInput) (Escalation, error) {
	entry, err := s.Queue.EntryFor(ctx, actor, id)
	if err != nil {
		return Escalation{}, err
	}
	subj := Subject{Kind: SubjectQueue, ID: entry.Group.ID, Title: entry.Group.Summary, Severity: entry.Severity,
		Service: entry.Group.Destination.Service}
	return s.page(ctx, actor.User, subj, in)
}

// PageDelay is how long a hand page waits before it counts as unanswered.
const PageDelay = 15

func (s *Pager) page(ctx context.Context, actor string, subj Subject, in PageInput) (Escalation, error) {
	in.Message = strings.TrimSpace(in.Message)
	if len(in.Message) > 2000 {
		return Escalation{}, errs.E(errs.Invalid, "message", "is longer than 2000 characters")
	}
	pol := oncall.Policy{Name: "page by " + actor, Steps: []oncall.Step{{Targets: in.Targets, Delay: PageDelay}}}
	if err := pol.Validate(); err != nil {
		return Escalation{}, renameSteps(err)
	}
	o, err := s.Store.Objects(ctx)
	if err != nil {
		return Escalation{}, err
	}
	users, err := s.userSet(ctx)
	if err != nil {
		return Escalation{}, err
	}
	if err := o.Directory(users).CheckReferences(pol); err != nil {
		return Escalation{}, renameSteps(err)
	}
	e, _, err := s.start(ctx, subj, CausePage+s.NewID(), pol, actor, in.Message, "")
	return e, err
}

// renameSteps turns "steps[0].targets[1]…" into "targets[1]…" for a page.
func renameSteps(err error) error {
	e, ok := errs.As(err)
	if !ok {
		return err
	}
	c := *e
	c.Field = strings.TrimPrefix(c.Field, "steps[0].")
	c.Details = nil
	for _, d := range e.Details {
		d.Field = strings.TrimPrefix(d.Field, "steps[0].")
		c.Details = append(c.Details, d)
	}
	return &c
}

// Escalation returns one escalation with its deliveries.
func (s *Pager) Escalation(ctx context.Context, id string) (Escalation, []Delivery, error) {
	e, err := s.Store.Escalation(ctx, id)
	if err != nil {
		return e, nil, err
	}
	ds, err := s.Store.Deliveries(ctx, id)
	return e, ds, err
}

// EscalationView is an escalation with its deliveries.
type EscalationView struct {
	Escalation
	Deliveries []Delivery `json:"deliveries"`
}

// For lists a subject's escalations with their deliveries, newest first.
func (s *Pager) For(ctx context.Context, kind SubjectKind, subjectID string) ([]EscalationView, error) {
	es, err := s.Store.Escalations(ctx, kind, subjectID, false, 50)
	if err != nil {
		return nil, err
	}
	out := make([]EscalationView, 0, len(es))
	for _, e := range es {
		ds, err := s.Store.Deliveries(ctx, e.ID)
		if err != nil {
			return nil, err
		}
		out = append(out, EscalationView{Escalation: e, Deliveries: ds})
	}
	return out, nil
}

// Open lists open escalations, newest first.
func (s *Pager) Open(ctx context.Context, limit int) ([]Escalation, error) {
	return s.Store.Escalations(ctx, "", "", true, limit)
}
