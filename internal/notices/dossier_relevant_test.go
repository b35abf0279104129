package notices

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// The dossier keeps the notification record: the post-mortem's events,
// its review ones included, stay out.
func TestDossierRelevant(t *testing.T) {
	for _, tc := range []struct {
		typ  string
		want bool
	}{
		{incident.EvTransitioned, true},
		{incident.EvAlertFired, false},
		{incident.EvPostmortemSaved, false},
		{incident.EvPostmortemRevised, false},
		{incident.EvActionItemUpdated, false},
		{incident.EvPostmortemReviewRequested, false},
		{incident.EvPostmortemReviewed, false},
		{incident.EvPostmortemPublished, false},
	} {
		if got := relevant(incident.Event{Type: tc.typ}); got != tc.want {
			t.Errorf("relevant(%s) = %v, want %v", tc.typ, got, tc.want)
		}
	}
}
