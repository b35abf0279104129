package incident

import (
	"context"

	"fmt"
	"github.com/firebreak-ir/firebreak/internal/plan"
	"strings"
	"time"
)

// Known is what other services know about an incident that the lifecycle
// rules need. The domain never fetches it: the service loads it (see
// Service.SetDuties) and hands it to the rules as data, as it hands them
// the incident itself.
type Known struct {
	// OpenDuties are the notification duties that apply, or may apply,
	// and are neither submitted nor waived. Closing is refused while any
	// is open, unless the policy lets the incident's severity close
	// without them (Policy.CloseWithDutiesOpen).
	OpenDuties []OpenDuty
	// Plans are the response plans that match the incident, most
	// specific first; leaving triage activates them.
	Plans []plan.Versioned
	// OpenAssets are the assets confirmed affected and neither restored
	// nor accepted unrestored: recovering is refused while any is.
	OpenAssets []OpenRecord
	// OpenCredentials are the credentials confirmed compromised and not
	// yet revoked: eradicating is refused while any is.
	OpenCredentials []OpenRecord
}

// OpenDuty is one phase of a notification duty not yet met.
type OpenDuty struct {
	ObligationID string     `json:"obligation_id"`
	Phase        string     `json:"phase"`
	Recipient    string     `json:"recipient,omitempty"`
	DueAt        *time.Time `json:"due_at,omitempty"`
	// Possible: a fact the duty's conditions need is unknown; Questions
	// say which ("Are any affected people resident in the EEA?").
	Possible  bool     `json:"possible,omitempty"`
	Questions []string `json:"questions,omitempty"`
}

// blocking says, for people, why d blocks closing and what clears it.
func (d OpenDuty) blocking() string {
	what := d.ObligationID
	if d.Phase != "" {
		what += " (" + strings.ReplaceAll(d.Phase, "_", " ") + ")"
	}
	if d.DueAt != nil {
		what += fmt.Sprintf(", due %s,", d.DueAt.UTC().Format("2006-01-02 15:04 UTC"))
	}
	if d.Possible {
		q := ""
		if len(d.Questions) > 0 {
			q = " (" + strings.Join(d.Questions, " ") + ")"
		}
		return fmt.Sprintf("%s may apply and is neither submitted nor waived: answer the deciding question in the facts%s, or record it submitted or waived with a reason, before closing", what, q)
	}
	return fmt.Sprintf("%s is neither submitted nor waived: record it submitted or waive it with a reason before closing", what)
}

// DutySource tells an incident's open notification duties (the duties
// service, through a small adapter where the app is wired).
type DutySource interface {
	OpenDuties(ctx context.Context, v Viewer, inc Incident) ([]OpenDuty, error)
}
