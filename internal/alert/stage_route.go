package alert

import "context"

// RouteStage sends an alert to each destination root.Match gives it: one
// outcome per destination.
func RouteStage(root *Route) Stage {
	return undecided(func(_ context.Context, s *Session, o Outcome) ([]Outcome, error) {
		dests := root.Match(o.Alert.Labels)
		if len(dests) == 0 {
			return ignore(o, "no route matches"), nil
		}
		if len(dests) == 1 {
			o.Destination = dests[0]
			return s.pass(o), nil
		}
		out := make([]Outcome, len(dests))
		for i, d := range dests {
			out[i] = o
			out[i].Destination = d
		}
		return out, nil
	})
}
