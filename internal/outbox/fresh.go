package outbox

import (
	"context"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Immediate plans deliveries to send right after their commit (*Outbox).
type Immediate interface {
	PlanNow(now time.Time, ds ...Delivery) Writes
	Write(ctx context.Context, w Writes) error
	SendNow(ctx context.Context, ids ...string) []Result
}

// Known finds a delivery planned already (the store); errs.NotFound when
// there is none.
type Known interface {
	OutboxDelivery(ctx context.Context, id string) (Delivery, error)
}

// SendFresh writes the deliveries of ds that are not planned yet, in a
// transaction of their own, and sends the due ones at once. It is how a
// reminder job delivers: when an earlier run of the same job planned a
// delivery already (and failed after), that delivery is left to its own
// job, since sending it here too could send it twice. With known nil
// nothing is looked up. What fails to send here, each delivery's job
// retries.
func SendFresh(ctx context.Context, o Immediate, known Known, now time.Time, ds []Delivery) error {
	fresh := make([]Delivery, 0, len(ds))
	for _, d := range ds {
		if known != nil {
			_, err := known.OutboxDelivery(ctx, d.ID)
			switch {
			case err == nil:
				continue
			case errs.CodeOf(err) != errs.NotFound:
				return err
			}
		}
		fresh = append(fresh, d)
	}
	w := o.PlanNow(now, fresh...)
	if err := o.Write(ctx, w); err != nil {
		return err
	}
	o.SendNow(ctx, w.IDs(now)...)
	return nil
}
