package web

import (
	"context"
	"net/http"
	"slices"

	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Deliveries is what the console's deliveries page needs: the outbox's
// deliveries and their attempts.
type Deliveries interface {
	OutboxDeliveries(ctx context.Context, q outbox.Query) ([]outbox.Delivery, error)
	OutboxAttempts(ctx context.Context, id string) ([]outbox.Attempt, error)
}

// SetDeliveries turns the deliveries page (/admin/deliveries) on; kinds
// are the registered kinds the page offers as a filter.
func (s *Server) SetDeliveries(d Deliveries, kinds []string) {
	s.outbox = &outboxPage{d: d, kinds: slices.Sorted(slices.Values(kinds))}
}

type outboxPage struct {
	d     Deliveries
	kinds []string
}

const deliveriesPageLimit = 100

var deliveryStates = []outbox.State{outbox.Pending, outbox.Sent, outbox.Skipped, outbox.Failed}

// deliveryRow is a delivery as the page shows it: the target only as To
// (an address, or scheme://host/… of a URL), never its secrets or payload.
type deliveryRow struct {
	D        outbox.Delivery
	To       string
	Attempts []outbox.Attempt
}

type deliveriesData struct {
	base
	Rows        []deliveryRow
	Kinds       []string
	States      []outbox.State
	Kind, State string
	Before      string // the cursor this page starts after
	Next        string // the cursor of the next page; "" on the last
}

func (s *Server) deliveriesPage(w http.ResponseWriter, r *http.Request) {
	if s.outbox == nil {
		s.errorPage(w, r, http.StatusNotFound, "Deliveries are not shown on this server.")
		return
	}
	q := r.URL.Query()
	d := deliveriesData{base: s.base(r, "Deliveries", "deliveries"), Kinds: s.outbox.kinds, States: deliveryStates,
		Kind: q.Get("kind"), State: q.Get("state"), Before: q.Get("before")}
	if d.State != "" && !slices.Contains(deliveryStates, outbox.State(d.State)) {
		s.errorPage(w, r, http.StatusBadRequest, "A delivery is pending, sent, skipped or failed.")
		return
	}
	if d.Kind != "" && !slices.Contains(d.Kinds, d.Kind) {
		s.errorPage(w, r, http.StatusBadRequest, "There is no delivery kind "+d.Kind+".")
		return
	}
	ds, err := s.outbox.d.OutboxDeliveries(r.Context(), outbox.Query{Kind: d.Kind, State: outbox.State(d.State), Before: d.Before,
		Limit: deliveriesPageLimit})
	if err != nil {
		s.fail(w, r, err)
		return
	}
	for _, dl := range ds {
		row := deliveryRow{D: dl, To: dl.To()}
		if dl.Attempts > 0 {
			if row.Attempts, err = s.outbox.d.OutboxAttempts(r.Context(), dl.ID); err != nil {
				s.fail(w, r, err)
				return
			}
		}
		d.Rows = append(d.Rows, row)
	}
	if len(ds) == deliveriesPageLimit {
		d.Next = ds[len(ds)-1].ID
	}
	s.render(w, r, http.StatusOK, "deliveries", d)
}
