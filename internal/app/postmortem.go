package app

import (
	"context"
	"encoding/json"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/contacts"
	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/escalation"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
	"github.com/firebreak-ir/firebreak/internal/tasks"
)

// postmortemSources gathers what a post-mortem's figures read beside the
// incident's stream from the services that keep it.
type postmortemSources struct {
	escalations *escalation.Service
	duties      *duties.Service
	assets      *assets.Service
	indicators  *indicators.Service
}

var _ postmortem.Sources = (*postmortemSources)(nil)

// newPostmortem builds the post-mortem service; the review meeting's
// invitations it builds are what the tasks service sends.
func newPostmortem(inc *incident.Service, src *postmortemSources, ac *actions.Service, people invitees, ts *tasks.Service) *postmortem.Service {
	pm := postmortem.New(inc, src, notices.DescribeEvent, duties.DescribeEvent, evidence.DescribeEvent,
		assets.DescribeEvent, indicators.DescribeEvent, actions.DescribeEvent)
	pm.SetActions(postmortemActions{ac})
	pm.SetPeople(people)
	ts.SetInvitations(pm)
	return pm
}

// postmortemActions are the action items of an incident, as its
// post-mortem's action plan lists them.
type postmortemActions struct{ actions *actions.Service }

func (p postmortemActions) ForIncident(ctx context.Context, v incident.Viewer, inc incident.Incident) ([]postmortem.ActionItem, error) {
	_, items, err := p.actions.ForIncident(ctx, v, inc.Ref)
	if err != nil {
		return nil, err
	}
	out := make([]postmortem.ActionItem, 0, len(items))
	for _, a := range items {
		url := a.Tracker.URL
		if url == "" {
			url = a.Tracker.Key
		}
		out = append(out, postmortem.ActionItem{ID: a.ID, Title: a.Title, Owner: a.Owner, Due: a.Due, State: string(a.State),
			Kind: string(a.Kind), Priority: string(a.Priority), URL: url})
	}
	return out, nil
}

// Records reads the pages of the incident and of the signals linked to it,
// its duties and facts, assets, credentials and indicators. The caller has
// read the incident for v, so v may see it.
func (p *postmortemSources) Records(ctx context.Context, v incident.Viewer, inc incident.Incident, events []incident.Event) (postmortem.Records, error) {
	var r postmortem.Records
	subjects := []struct {
		kind escalation.SubjectKind
		id   string
	}{{escalation.SubjectIncident, inc.ID}}
	for _, e := range events {
		if e.Type != incident.EvSignalLinked {
			continue
		}
		var d incident.SignalData
		if json.Unmarshal(e.Data, &d) == nil && d.GroupID != "" {
			subjects = append(subjects, struct {
				kind escalation.SubjectKind
				id   string
			}{escalation.SubjectQueue, d.GroupID})
		}
	}
	for _, s := range subjects {
		es, err := p.escalations.For(ctx, s.kind, s.id)
		if err != nil {
			return r, err
		}
		for _, e := range es {
			r.Pages = append(r.Pages, postmortem.Page{At: e.CreatedAt, AckedAt: e.AckedAt, AckedBy: e.AckedBy})
		}
	}
	items, err := p.duties.Items(ctx, v, inc.Ref)
	if err != nil {
		return r, err
	}
	r.Duties = items
	if r.Facts, err = p.duties.Facts(ctx, v, inc.Ref); err != nil {
		return r, err
	}
	_, recs, err := p.assets.Records(ctx, v, inc.Ref)
	if err != nil {
		return r, err
	}
	for _, a := range recs.Assets {
		r.Assets = append(r.Assets, postmortem.Asset{Kind: string(a.Kind), Identifier: a.Identifier, State: string(a.State), Accepted: a.Accepted})
	}
	for _, c := range recs.Credentials {
		r.Credentials = append(r.Credentials, postmortem.Credential{ID: c.ID, Name: c.Name, State: string(c.State)})
	}
	_, iocs, err := p.indicators.List(ctx, v, inc.Ref)
	if err != nil {
		return r, err
	}
	r.Indicators = map[string]int{}
	for _, i := range iocs {
		r.Indicators[string(i.Type)]++
	}
	return r, nil
}

// invitees tell who a participant of a review meeting is: their display
// name, the address of their first verified email contact (else the
// email of their account), and whether they are an admin, who sees every
// incident.
type invitees struct {
	users    *auth.Service
	contacts *contacts.Service
}

func (p invitees) Invitee(ctx context.Context, user string) (postmortem.Invitee, error) {
	out := postmortem.Invitee{User: user}
	u, err := p.users.User(ctx, user)
	switch {
	case errs.CodeOf(err) == errs.NotFound:
		return out, nil // a user since removed is named, never invited
	case err != nil:
		return out, err
	}
	out.Name, out.Email, out.SeeAll = u.DisplayName, u.Email, u.Role == auth.Admin
	cs, err := p.contacts.VerifiedContacts(ctx, user)
	if err != nil {
		return out, err
	}
	for _, c := range cs {
		if c.Kind == notify.KindEmail {
			out.Email = c.Target.Address
			break
		}
	}
	return out, nil
}
