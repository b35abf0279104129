package mailin

import "github.com/prometheus/client_golang/prometheus"

// The outcomes firebreak_smtp_messages_total counts.
const (
	accepted = "accepted" // 250: filed and committed
	refused  = "refused"  // a permanent 5xx: unknown recipient at RCPT; too large, bad line, not MIME or invalid at DATA
	failed   = "failed"   // a temporary 451 or a broken DATA: the relay tries again
)

// newMessages registers the SMTP counter on reg, every outcome at 0; nil
// reg counts into a counter no one reads.
func newMessages(reg prometheus.Registerer) *prometheus.CounterVec {
	c := prometheus.NewCounterVec(prometheus.CounterOpts{Name: "firebreak_smtp_messages_total",
		Help: "Inbound SMTP (the listener, not outbound mail): accepted = message filed (250); refused = permanent refusal, " +
			"one per recipient refused at RCPT or message refused at DATA (size, line length, MIME, invalid); failed = temporary 451 or a broken transfer."},
		[]string{"outcome"})
	for _, o := range []string{accepted, refused, failed} {
		c.WithLabelValues(o)
	}
	if reg != nil {
		reg.MustRegister(c)
	}
	return c
}

func (s *Server) count(outcome string) { s.messages.WithLabelValues(outcome).Inc() }
