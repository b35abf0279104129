package escalation

import (
	"context"
	"encoding/json"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/engine"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// SettleIncident runs now what paging does about incident id's latest
// change (the job written with the change does the same later and finds
// it done): a page that reloads right after a declaration then shows the
// escalation it started, with its first messages pending or sent. Those
// are sent in the background. Errors are the caller's to log; the job
// still runs.
func (s *Service) SettleIncident(ctx context.Context, id string) error {
	return s.incidentChanged(context.WithValue(ctx, backgroundSendKey{}, true), id, "")
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
// change, the incident commander given or taken, a state change that opens
// or closes the incident. incidentChanged reads nothing else of the
// incident to decide (open, severity, commander), so another role or a
// move between two open states (triage → active) leaves the outcome of the
// last job written as it was, and writes none.
func IncidentJobs(inc incident.Incident, events []incident.Event) []engine.Job {
	for _, ev := range events {
		switch ev.Type {
		case incident.EvDeclared, incident.EvSeverityChanged:
		case incident.EvRoleAssigned, incident.EvRoleUnassigned:
			if !incident.ChangesRole(ev, incident.IncidentCommander) {
				continue
			}
		case incident.EvTransitioned:
			if !incident.OpensOrCloses(ev) {
				continue
			}
		default:
			continue
		}
		return []engine.Job{{Kind: JobIncidentChanged, Args: jobArgs(idArgs{ID: inc.ID})}}
	}
	return nil
}

var system = incident.Viewer{User: "firebreak", SeeAll: true}

func (s *Service) handleQueueEntry(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	entry, err := s.queue.Entry(ctx, a.ID)
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
			s.log.Info("queue entry not paged: its alerts resolved before paging began", "entry", a.ID)
		}
		return err
	}
	service := entry.Group.Destination.Service
	o, err := s.roster.Objects(ctx)
	if err != nil {
		return err
	}
	svc, ok := o.Services[service]
	if !ok || svc.Policy == "" {
		s.log.Debug("queue entry on a service without an escalation policy", "entry", a.ID, "service", service)
		return nil
	}
	pol, ok := o.Policies[svc.Policy]
	if !ok {
		return nil
	}
	subj := Subject{Kind: SubjectQueue, ID: entry.Group.ID, Title: entry.Group.Summary, Severity: entry.Severity, Service: service}
	_, _, err = s.start(ctx, o, subj, CauseQueue, pol, "firebreak", "", j.ID)
	return err
}

// stoppedResolved is the log detail of an escalation stopped because every
// alert of its queue entry resolved before anyone acknowledged it.
const stoppedResolved = "alerts resolved"

// alertsResolved reports whether entry's escalations stop because its
// alerts all resolved: nobody acknowledged it (it is new, or snoozed), it
// had alerts and none fires now, and its service does not keep paging.
func (s *Service) alertsResolved(ctx context.Context, entry triage.Entry) (bool, error) {
	if entry.Status != triage.New && entry.Status != triage.Snoozed {
		return false, nil
	}
	if entry.Group.Firing > 0 || entry.Group.Resolved == 0 || entry.Group.IncidentID != "" {
		return false, nil
	}
	o, err := s.roster.Objects(ctx)
	if err != nil {
		return false, err
	}
	return !o.Services[entry.Group.Destination.Service].KeepPagingWhenResolved, nil
}

// handleQueueResolved stops the open escalations of a queue entry whose
// alerts all resolved before anyone acknowledged it.
func (s *Service) handleQueueResolved(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	entry, err := s.queue.Entry(ctx, a.ID)
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
	open, err := s.store.Escalations(ctx, SubjectQueue, entry.Group.ID, true, 100)
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

func (s *Service) handleIncidentChanged(ctx context.Context, j engine.Job) error {
	var a idArgs
	if err := json.Unmarshal(j.Args, &a); err != nil {
		return engine.Permanent(err)
	}
	return s.incidentChanged(ctx, a.ID, j.ID)
}

// incidentChanged stops the commander escalations incident id no longer
// needs and starts the one it needs; doneJob is completed with the start.
func (s *Service) incidentChanged(ctx context.Context, id, doneJob string) error {
	inc, err := s.incidents.Get(ctx, system, id)
	if err != nil {
		if errs.CodeOf(err) == errs.NotFound {
			return engine.Permanent(err)
		}
		return err
	}
	// Stop commander escalations that are no longer needed.
	open, err := s.store.Escalations(ctx, SubjectIncident, inc.ID, true, 100)
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
	o, err := s.roster.Objects(ctx)
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
	_, _, err = s.start(ctx, o, incidentSubject(inc), CauseCommander+inc.Severity, pol, "firebreak", "", doneJob)
	return err
}

func incidentSubject(inc incident.Incident) Subject {
	return Subject{Kind: SubjectIncident, ID: inc.ID, Ref: inc.Ref, Title: inc.Title, Severity: inc.Severity}
}

// incidentResolves says why an open escalation about inc is no longer
// needed, or "".
func (s *Service) incidentResolves(e Escalation, inc incident.Incident) string {
	if !inc.State.Open() {
		return "incident is " + string(inc.State)
	}
	if strings.HasPrefix(e.Cause, CauseCommander) && len(inc.Holders(incident.IncidentCommander)) > 0 {
		return "incident commander assigned: " + inc.Holders(incident.IncidentCommander)[0]
	}
	return ""
}

// subjectState looks at an escalation's subject now: reason says why it
// no longer needs anyone ("" when it does), and snoozed until when a
// snoozed queue entry comes back (its escalation waits for it).
func (s *Service) subjectState(ctx context.Context, e Escalation) (reason string, snoozed *time.Time, err error) {
	switch e.Subject.Kind {
	case SubjectQueue:
		entry, err := s.queue.Entry(ctx, e.Subject.ID)
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
		case entry.Status == triage.Snoozed && entry.SnoozedUntil != nil && entry.SnoozedUntil.After(s.now()):
			return "", entry.SnoozedUntil, nil
		case entry.Status != triage.New && entry.Status != triage.Snoozed && entry.AckedBy == "":
			return "queue entry is " + string(entry.Status), nil, nil
		case entry.Status != triage.New && entry.Status != triage.Snoozed:
			return "queue entry is " + string(entry.Status) + " (acknowledged by " + entry.AckedBy + ")", nil, nil
		}
	case SubjectIncident:
		inc, err := s.incidents.Get(ctx, system, e.Subject.ID)
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
