package postmortem

import (
	"context"
	"fmt"
	"strings"
	"sync"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// People tell who a username is for an invitation: the name shown, the
// address to invite them at, and whether they see every incident (a
// security admin); the app reads users and their verified email contact.
type People interface {
	Invitee(ctx context.Context, user string) (Invitee, error)
}

// meetingDeps are what invitations need beside the incident; set at
// wiring (SetPeople), the base URL when the server starts listening.
type meetingDeps struct {
	mu     sync.RWMutex
	people People
	base   string
}

// SetPeople wires who invitees are. Call it before serving.
func (s *Service) SetPeople(p People) {
	s.meeting.mu.Lock()
	defer s.meeting.mu.Unlock()
	s.meeting.people = p
}

// SetBaseURL sets the public URL invitations link to.
func (s *Service) SetBaseURL(u string) {
	s.meeting.mu.Lock()
	defer s.meeting.mu.Unlock()
	s.meeting.base = strings.TrimRight(u, "/")
}

// Invitation is the review meeting's invitation of an incident v may see,
// as reader receives it: its title left out of a restricted incident's
// for a reader who may not see it. No meeting scheduled: not found.
func (s *Service) Invitation(ctx context.Context, v incident.Viewer, ref, reader string) (Invitation, error) {
	inc, _, err := s.incidents.Timeline(ctx, v, ref)
	if err != nil {
		return Invitation{}, err
	}
	m := inc.Postmortem.Meeting
	if m == nil {
		return Invitation{}, errs.E(errs.NotFound, "meeting", "no review meeting is scheduled for %s", inc.Ref)
	}
	s.meeting.mu.RLock()
	people, base := s.meeting.people, s.meeting.base
	s.meeting.mu.RUnlock()
	who := func(user string) (Invitee, error) {
		if people == nil {
			return Invitee{User: user}, nil
		}
		p, err := people.Invitee(ctx, user)
		if err != nil {
			return Invitee{}, fmt.Errorf("postmortem: who %s is: %w", user, err)
		}
		return p, nil
	}
	inv := Invitation{Incident: inc, Meeting: *m}
	if base != "" {
		inv.URL = base + "/incidents/" + inc.Ref + "/postmortem"
	}
	if inv.Organizer, err = who(m.ScheduledBy); err != nil {
		return Invitation{}, err
	}
	for _, u := range m.Participants {
		p, err := who(u)
		if err != nil {
			return Invitation{}, err
		}
		inv.Attendees = append(inv.Attendees, p)
	}
	r, err := who(reader)
	if err != nil {
		return Invitation{}, err
	}
	inv.ShowTitle = incident.Viewer{User: reader, SeeAll: r.SeeAll}.CanSee(&inc)
	return inv, nil
}
