package outbox_test

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// planner records what SendFresh writes and sends.
type planner struct {
	writeErr error
	written  []string
	sent     []string
}

func (p *planner) PlanNow(now time.Time, ds ...outbox.Delivery) outbox.Writes {
	for i := range ds {
		ds[i].State, ds[i].DueAt = outbox.Pending, now
	}
	return outbox.Writes{Deliveries: ds}
}

func (p *planner) Write(_ context.Context, w outbox.Writes) error {
	if p.writeErr != nil {
		return p.writeErr
	}
	for _, d := range w.Deliveries {
		p.written = append(p.written, d.ID)
	}
	return nil
}

func (p *planner) SendNow(_ context.Context, ids ...string) []outbox.Result {
	p.sent = append(p.sent, ids...)
	return nil
}

// known answers OutboxDelivery from a map of ids to errors (nil: planned).
type known map[string]error

func (k known) OutboxDelivery(_ context.Context, id string) (outbox.Delivery, error) {
	if err, ok := k[id]; ok {
		return outbox.Delivery{ID: id}, err
	}
	return outbox.Delivery{}, errs.E(errs.NotFound, "", "no delivery %s", id)
}

// TestSendFresh: deliveries planned by an earlier run are neither written
// nor sent again; a failed lookup or write sends nothing.
func TestSendFresh(t *testing.T) {
	down := errors.New("database down")
	for _, tc := range []struct {
		name      string
		known     outbox.Known
		writeErr  error
		wantErr   error
		wantSent  []string
		wantWrite []string
	}{
		{"all new", known{}, nil, nil, []string{"a", "b", "c"}, []string{"a", "b", "c"}},
		{"b planned before", known{"b": nil}, nil, nil, []string{"a", "c"}, []string{"a", "c"}},
		{"no lookup", nil, nil, nil, []string{"a", "b", "c"}, []string{"a", "b", "c"}},
		{"lookup fails", known{"b": down}, nil, down, nil, nil},
		{"write fails", known{}, down, down, nil, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := &planner{writeErr: tc.writeErr}
			ds := []outbox.Delivery{{ID: "a"}, {ID: "b"}, {ID: "c"}}
			err := outbox.SendFresh(t.Context(), p, tc.known, time.Now(), ds)
			if !errors.Is(err, tc.wantErr) {
				t.Fatalf("err %v, want %v", err, tc.wantErr)
			}
			if !slices.Equal(p.written, tc.wantWrite) || !slices.Equal(p.sent, tc.wantSent) {
				t.Errorf("written %v sent %v, want %v and %v", p.written, p.sent, tc.wantWrite, tc.wantSent)
			}
		})
	}
}
