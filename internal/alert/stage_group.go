package alert

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"
)

// GroupLabels returns the labels an alert is grouped by: those of groupBy it
// has (a missing label is left out, as in Alertmanager), or all of them
// when groupBy is [GroupByAll].
func GroupLabels(groupBy []string, labels map[string]string) map[string]string {
	if len(groupBy) == 1 && groupBy[0] == GroupByAll {
		return maps.Clone(labels)
	}
	out := make(map[string]string, len(groupBy))
	for _, n := range groupBy {
		if v, ok := labels[n]; ok {
			out[n] = v
		}
	}
	return out
}

// GroupKey names a group the way Alertmanager does: the route path, a
// colon, and the group labels sorted by name, e.g.
// {}/{team="db"}:{alertname="DiskFull", env="prod"}. GroupStage adds
// "@" and the destination's service to the path, so services never share a
// group: {}/{team="db"}@orders:{alertname="DiskFull"}.
func GroupKey(path string, groupLabels map[string]string) string {
	return path + ":" + labelString(groupLabels)
}

// GroupStage places a new item in the open group of its key, or opens a
// new group, and updates the group of a repeated or resolved item. In a
// group attached to an incident, a new item and a resolve become
// IncidentTimeline outcomes; a repeat stays a Repeat (no timeline noise).
func GroupStage() Stage {
	return undecided(func(ctx context.Context, s *Session, o Outcome) ([]Outcome, error) {
		at := o.Alert.ReceivedAt
		labels := o.Alert.Labels
		if o.Kind == Repeat || o.Kind == Resolved {
			g, ok, err := s.state.Group(ctx, o.Item.GroupID)
			if err != nil {
				return nil, err
			}
			if !ok {
				return nil, fmt.Errorf("alert item %s: its group %s does not exist", o.Item.ID, o.Item.GroupID)
			}
			g.LastSeen = laterOf(g.LastSeen, at)
			g.CommonLabels = common(g.CommonLabels, labels)
			if o.Kind == Resolved {
				g.Firing--
				g.Resolved++
				if g.IncidentID != "" {
					o.Kind = IncidentTimeline
				}
			}
			o.Group = g
			return s.pass(o), nil
		}
		key, gl := groupKeyOf(o)
		g, ok, err := s.state.OpenGroup(ctx, key)
		if err != nil {
			return nil, err
		}
		if ok && g.Open(at) {
			g.LastSeen = laterOf(g.LastSeen, at)
			g.CommonLabels = common(g.CommonLabels, labels)
			g.Firing++
			o.Kind = JoinedGroup
			if g.IncidentID != "" {
				o.Kind = IncidentTimeline
			}
		} else {
			g = Group{
				ID:           derivedID("grp_", key, stamp(at)),
				Key:          key,
				Destination:  o.Destination,
				GroupLabels:  gl,
				CommonLabels: maps.Clone(labels),
				Summary:      o.Alert.Summary,
				FirstSeen:    at,
				LastSeen:     at,
				Firing:       1,
			}
			g.Destination.GroupBy = slices.Clone(g.Destination.GroupBy)
			o.Kind = NewGroup
		}
		o.Item.GroupID = g.ID
		o.Group = g
		return s.pass(o), nil
	})
}

// groupKeyOf is the key of the group a new alert of o joins or opens,
// and its group labels: as Prepare computed them, when it did. Alerts of
// different services never share a group: each service pages its own
// escalation policy.
func groupKeyOf(o Outcome) (string, map[string]string) {
	if o.pre != nil {
		return o.pre.groupKey, o.pre.groupLabels
	}
	gl := GroupLabels(o.Destination.GroupBy, o.Alert.Labels)
	path := o.Destination.Path
	if o.Destination.Service != "" {
		path += "@" + o.Destination.Service
	}
	return GroupKey(path, gl), gl
}

// common keeps the labels of have that labels shares, value for value.
func common(have, labels map[string]string) map[string]string {
	out := make(map[string]string, len(have))
	for k, v := range have {
		if w, ok := labels[k]; ok && w == v {
			out[k] = v
		}
	}
	return out
}

func laterOf(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}
