package incident

import (
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Move is a transition offered to a person: where it goes, whether the rules
// allow it now, and if not, why in words.
type Move struct {
	To          State
	Allowed     bool
	Blocked     string // the rules that block it, for people
	NeedsReason bool
	Backward    bool
}

// Moves lists the transitions a person may try from inc's state: the next
// phase (allowed or blocked with the reason), dismissal and reopening, and
// the backward moves of a reinfection.
// known is what the rules need from other services (see Transition).
func (p *Policy) Moves(inc *Incident, now time.Time, known Known) []Move {
	var out []Move
	try := func(to State, reason bool, backward bool) {
		m := Move{To: to, NeedsReason: reason, Backward: backward, Allowed: true}
		r := ""
		if reason {
			r = "reason"
		}
		if _, err := p.Transition(inc, to, r, now, known); err != nil {
			m.Allowed = false
			if e, ok := errs.As(err); ok {
				var msgs []string
				for _, d := range e.Details {
					msgs = append(msgs, d.Message)
				}
				if len(msgs) == 0 {
					msgs = append(msgs, e.Message)
				}
				m.Blocked = strings.Join(msgs, "; ")
			} else {
				m.Blocked = err.Error()
			}
		}
		out = append(out, m)
	}
	switch st := inc.State; {
	case st == Merged:
	case st == Dismissed:
		try(Triage, true, true)
	default:
		if r := st.rank(); r >= 0 && r+1 < len(forward) {
			try(forward[r+1], false, false)
		}
		if st == Triage {
			try(Dismissed, true, false)
		}
		for r := st.rank() - 1; r >= 1; r-- {
			try(forward[r], true, true)
		}
	}
	return out
}
