package notices_test

import (
	"context"
	"sync"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// relay records what it was asked to send.
type relay struct {
	mu   sync.Mutex
	sent map[string]notify.Document
}

func (r *relay) Sender() string { return "security@example.com" }
func (r *relay) SendDocument(_ context.Context, to string, d notify.Document) (notify.Sent, error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.sent[to] = d
	return notify.Sent{MessageID: "notice." + d.ID + "@example.com", Reply: "250 2.0.0 OK"}, nil
}

func (r *relay) count() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.sent)
}

// A long recipient list: the first few are sent before Send answers, the
// rest by their jobs at once; each accepted message is one timeline event.
func TestSendToMany(t *testing.T) {
	t.Parallel()
	w := newWorld(t, storetest.Backends()[0], notices.Config{})
	r := &relay{sent: map[string]notify.Document{}}
	// Customer notices go without a second person's approval here.
	w.svc.Configure(notices.Config{Approval: map[notices.Audience]bool{notices.Customer: false}}, r)
	inc := w.declare(t, incident.DeclareInput{Title: "Outage"})
	n, err := w.svc.Draft(w.ctx, viewer("alice"), inc.Ref, notices.DraftInput{Audience: notices.Customer, Title: "Notice", Body: "Exact text.\n"})
	if err != nil {
		t.Fatal(err)
	}
	to := []string{"a@x.test", "b@x.test, c@x.test", "d@x.test", "e@x.test", "f@x.test", "g@x.test", "A@x.test"}
	n, err = w.svc.Send(w.ctx, viewer("alice"), inc.Ref, n.ID, to, "")
	if err != nil {
		t.Fatal(err)
	}
	if len(n.Email.Deliveries) != 7 || n.Status != notices.Sending || r.count() != 5 {
		t.Fatalf("after Send: %d deliveries (the duplicate A@ dropped), status %s, %d sent", len(n.Email.Deliveries), n.Status, r.count())
	}
	w.run(t)
	n, _ = w.svc.Get(w.ctx, viewer("alice"), inc.Ref, n.ID)
	if n.Status != notices.Sent || r.count() != 7 || n.Email.CompletedAt == nil {
		t.Fatalf("after the jobs: status %s, %d sent", n.Status, r.count())
	}
	for _, d := range r.sent {
		if d.Text != "Exact text.\n" || d.Subject != "Notice" {
			t.Fatalf("sent %+v", d)
		}
	}
	if got := count(eventTypes(t, w, inc.Ref), incident.EvNoticeSent); got != 7 {
		t.Fatalf("%d notice.sent events", got)
	}
}
