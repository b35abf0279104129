package httpapi

import (
	"context"
	"net/http"
	"time"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Deliveries is what the API shows of the outbox: every outgoing message
// with its state.
type Deliveries interface {
	OutboxDeliveries(ctx context.Context, q outbox.Query) ([]outbox.Delivery, error)
}

// DeliveryView is a delivery as shown: its target only as To (an address,
// or scheme://host/… of a URL), never its secrets or payload.
type DeliveryView struct {
	ID          string       `json:"id"`
	Kind        string       `json:"kind"`
	SubjectKind string       `json:"subject_kind"`
	SubjectID   string       `json:"subject_id"`
	Incident    string       `json:"incident,omitempty"` // the incident's ID when it is about one
	To          string       `json:"to"`
	State       outbox.State `json:"state" enum:"pending,sent,skipped,failed"`
	Attempts    int          `json:"attempts"`
	LastError   string       `json:"last_error,omitempty"`
	CreatedAt   time.Time    `json:"created_at"`
	DueAt       time.Time    `json:"due_at"`
	SentAt      *time.Time   `json:"sent_at,omitempty"`
	MessageID   string       `json:"message_id,omitempty"`
	Reply       string       `json:"reply,omitempty"`
}

func deliveryView(d outbox.Delivery) DeliveryView {
	return DeliveryView{ID: d.ID, Kind: d.Kind, SubjectKind: d.Subject.Kind, SubjectID: d.Subject.ID, Incident: d.Subject.Incident,
		To: d.To(), State: d.State, Attempts: d.Attempts, LastError: d.LastError, CreatedAt: d.CreatedAt, DueAt: d.DueAt,
		SentAt: d.SentAt, MessageID: d.MessageID, Reply: d.Reply}
}

// DeliveriesOutput lists deliveries, newest first.
type DeliveriesOutput struct {
	Body struct {
		Items []DeliveryView `json:"items"`
		// Next is the cursor of the next page (pass it as before); empty
		// on the last page.
		Next string `json:"next,omitempty"`
	}
}

func (s *Server) registerDeliveries(api huma.API) {
	if s.deliveries == nil {
		return
	}
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "list-deliveries", Method: http.MethodGet, Path: "/api/v1/deliveries", Tags: []string{"Jobs"},
		Summary: "List outgoing messages",
		Description: "Every message the server sends (status mail, …) is an outbox delivery: its kind, what it is about (subject kind and ID, " +
			"and the incident's ID when it is about one), where it goes (to: an address, or only the scheme and host of a URL), its state " +
			"(pending, sent, skipped, failed), attempts and last error. Newest first; filter by kind, state and subject; page with before=next.",
	}), s.listDeliveries)
}

// listDeliveriesInput is what list-deliveries takes.
type listDeliveriesInput struct {
	Kind        string `query:"kind" maxLength:"64"`
	State       string `query:"state" enum:"pending,sent,skipped,failed,"`
	SubjectKind string `query:"subject_kind" maxLength:"64"`
	SubjectID   string `query:"subject_id" maxLength:"200"`
	Incident    string `query:"incident" maxLength:"64"`
	Before      string `query:"before" maxLength:"200"`
	Limit       int    `query:"limit" minimum:"1" maximum:"500" default:"50"`
}

// listDeliveries serves GET /api/v1/deliveries: list outgoing messages.
func (s *Server) listDeliveries(ctx context.Context, in *listDeliveriesInput) (*DeliveriesOutput, error) {
	ds, err := s.deliveries.OutboxDeliveries(ctx, outbox.Query{Kind: in.Kind, State: outbox.State(in.State), SubjectKind: in.SubjectKind,
		SubjectID: in.SubjectID, Incident: in.Incident, Before: in.Before, Limit: in.Limit})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &DeliveriesOutput{}
	out.Body.Items = make([]DeliveryView, 0, len(ds))
	for _, d := range ds {
		out.Body.Items = append(out.Body.Items, deliveryView(d))
	}
	if len(ds) == in.Limit && len(ds) > 0 {
		out.Body.Next = ds[len(ds)-1].ID
	}
	return out, nil
}
