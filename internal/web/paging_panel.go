package web

import (
	"context"
	"fmt"
	"net/http"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/oncall"
)

// The paging panel of an incident and of a queue entry: its escalations
// with every message sent and every attempt, buttons to acknowledge or
// escalate at once, and a form to page someone by hand.

type pagingPanel struct {
	Base      string // the subject's page: /incidents/INC-7 or /triage/{id}
	Items     []escalationItem
	CanAct    bool
	Users     []string
	Schedules []string
	Form      pageForm
	Err       string // the escalations could not be loaded
}

type escalationItem struct {
	escalation.EscalationView
	Open     bool
	NextText string // what runs at NextAt
	Steps    string // whom the policy pages, step by step
	Pages    []escalation.Delivery
}

type pageForm struct {
	Target, Message string
}

// pagingPanelFor loads a subject's escalations; a failure is logged and
// said in the panel rather than failing the page around it.
func (s *Server) pagingPanelFor(ctx context.Context, kind escalation.SubjectKind, id, base string, canAct bool, f pageForm) *pagingPanel {
	if s.escalations == nil {
		return nil
	}
	p := &pagingPanel{Base: base, CanAct: canAct, Form: f}
	views, err := s.escalations.For(ctx, kind, id)
	if err != nil {
		s.log.ErrorContext(ctx, "paging panel", "subject", id, "err", err)
		p.Err = "The pages could not be loaded; reload in a moment."
		return p
	}
	for _, v := range views {
		it := escalationItem{EscalationView: v, Open: v.State == escalation.Open, Steps: policySteps(v.Policy)}
		if v.Next != nil && v.NextAt != nil {
			if v.Next.Round == -1 {
				it.NextText = "counts as unanswered"
			} else {
				it.NextText = fmt.Sprintf("step %d of %d", v.Next.Step+1, len(v.Policy.Steps))
				if v.Next.Round > 0 {
					it.NextText += fmt.Sprintf(" (repeat %d of %d)", v.Next.Round, v.Policy.Repeat)
				}
				it.NextText += " runs"
			}
		}
		for _, d := range v.Deliveries {
			if d.Kind != "verification" {
				it.Pages = append(it.Pages, d)
			}
		}
		p.Items = append(p.Items, it)
	}
	if canAct {
		users, err := s.auth.Users(ctx)
		if err == nil {
			for _, u := range users {
				if u.Active {
					p.Users = append(p.Users, u.Username)
				}
			}
		}
		if o, err := s.roster.Objects(ctx); err == nil {
			p.Schedules = sortedKeys(o.Schedules)
		}
	}
	return p
}

// pageInput reads the "page someone" form: a target "user:alice" or
// "schedule:primary", and a message.
func pageInput(r *http.Request) (pageForm, escalation.PageInput, error) {
	f := pageForm{Target: r.PostFormValue("target"), Message: r.PostFormValue("message")}
	kind, name, ok := strings.Cut(f.Target, ":")
	if !ok || name == "" || (kind != string(oncall.TargetUser) && kind != string(oncall.TargetSchedule)) {
		return f, escalation.PageInput{}, invalid("target", "choose whom to page: a person or a schedule's on-call")
	}
	return f, escalation.PageInput{Targets: []oncall.Target{{Kind: oncall.TargetKind(kind), Name: name}}, Message: f.Message}, nil
}

func pagedText(f pageForm) string {
	kind, name, _ := strings.Cut(f.Target, ":")
	if kind == string(oncall.TargetSchedule) {
		return "Paged whoever is on call in " + name + "."
	}
	return "Paged " + name + "."
}

// escalationOf returns escalation id when it is about the subject.
func (s *Server) escalationOf(ctx context.Context, id string, kind escalation.SubjectKind, subjectID string) (escalation.Escalation, error) {
	e, _, err := s.escalations.Escalation(ctx, id)
	if err != nil {
		return e, err
	}
	if e.Subject.Kind != kind || e.Subject.ID != subjectID {
		return escalation.Escalation{}, errs.E(errs.NotFound, "id", "no such page here")
	}
	return e, nil
}

// ---- on an incident ----

func (s *Server) incidentOf(r *http.Request) (incident.Incident, error) {
	return s.incidents.Get(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"))
}

func (s *Server) incidentPageSomeone(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f, in, err := pageInput(r)
	if err == nil {
		_, err = s.escalations.PageIncident(r.Context(), viewerOf(userFrom(r)), r.PathValue("ref"), in)
	}
	s.changed(w, r, err, incidentForm{PageTarget: f.Target, PageMessage: f.Message}, "paging", pagedText(f))
}

func (s *Server) incidentAcknowledgePage(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	inc, err := s.incidentOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.escalationOf(r.Context(), r.PathValue("id"), escalation.SubjectIncident, inc.ID)
	if err == nil {
		e, err = s.escalations.Acknowledge(r.Context(), userFrom(r).Username, e.ID)
	}
	flash := ""
	if err == nil {
		flash = "Acknowledged: " + s.ackOutcome(r.Context(), e) + "."
	}
	s.changed(w, r, err, incidentForm{}, "paging", flash)
}

func (s *Server) incidentEscalateNow(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	inc, err := s.incidentOf(r)
	if err != nil {
		s.fail(w, r, err)
		return
	}
	e, err := s.escalationOf(r.Context(), r.PathValue("id"), escalation.SubjectIncident, inc.ID)
	if err == nil {
		_, err = s.escalations.EscalateNow(r.Context(), userFrom(r).Username, e.ID)
	}
	s.changed(w, r, err, incidentForm{}, "paging", "Escalated: the next step runs now.")
}

// ---- on a queue entry ----

func (s *Server) triagePageSomeone(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f, in, err := pageInput(r)
	if err == nil {
		_, err = s.escalations.PageQueueEntry(r.Context(), viewerOf(userFrom(r)), r.PathValue("id"), in)
	}
	s.triageDone(w, r, err, triageForm{Action: "page", PageTarget: f.Target, PageMessage: f.Message}, "", pagedText(f))
}

// entryEscalationOf returns escalation eid of the queue entry in the path,
// when the person may see that entry.
func (s *Server) entryEscalationOf(r *http.Request) (escalation.Escalation, error) {
	if _, err := s.triage.EntryFor(r.Context(), viewerOf(userFrom(r)), r.PathValue("id")); err != nil {
		return escalation.Escalation{}, err
	}
	return s.escalationOf(r.Context(), r.PathValue("eid"), escalation.SubjectQueue, r.PathValue("id"))
}

func (s *Server) triageAcknowledgePage(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	e, err := s.entryEscalationOf(r)
	if err == nil {
		e, err = s.escalations.Acknowledge(r.Context(), userFrom(r).Username, e.ID)
	}
	flash := ""
	if err == nil {
		flash = "Acknowledged: " + s.ackOutcome(r.Context(), e) + "."
	}
	s.triageDone(w, r, err, triageForm{Action: "page-ack"}, "", flash)
}

func (s *Server) triageEscalateNow(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	e, err := s.entryEscalationOf(r)
	if err == nil {
		_, err = s.escalations.EscalateNow(r.Context(), userFrom(r).Username, e.ID)
	}
	s.triageDone(w, r, err, triageForm{Action: "escalate"}, "", "Escalated: the next step runs now.")
}
