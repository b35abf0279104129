package outbox

import (
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/notify"
)

// outcomes are the settlements firebreak_outbox_deliveries_total counts.
var outcomes = []string{"sent", "skipped", "failed", "retry", "deferred"}

// channels bound the channel label: the kinds of target a delivery goes
// to; anything else is "other", so a stored odd kind never adds a series.
var channels = []string{string(notify.KindEmail), string(notify.KindWebhook), string(notify.KindSlack), string(notify.KindTeams), "github", "other"}

// metrics are the outbox's series; a nil *metrics records nothing. By
// kind (what is sent) and, apart, by channel (where it goes): one pair of
// labels would be kinds × channels series, most of them never possible.
type metrics struct {
	outcomes, byChannel *prometheus.CounterVec
	attempt, chAttempt  *prometheus.HistogramVec
}

func newMetrics(reg prometheus.Registerer) *metrics {
	buckets := []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30}
	m := &metrics{
		outcomes: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firebreak_outbox_deliveries_total",
			Help: "Delivery runs by kind and outcome: sent, skipped, failed (for good), retry (failed, retried later), deferred (destination busy, not attempted).",
		}, []string{"kind", "outcome"}),
		attempt: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "firebreak_outbox_attempt_seconds", Help: "Duration of one delivery attempt, by kind.", Buckets: buckets,
		}, []string{"kind"}),
		byChannel: prometheus.NewCounterVec(prometheus.CounterOpts{
			Name: "firebreak_outbox_channel_deliveries_total",
			Help: "Delivery runs by channel (email, webhook, slack, teams, github, other) and outcome, as firebreak_outbox_deliveries_total; channel=\"email\" is outbound mail, sent = the relay accepted it.",
		}, []string{"channel", "outcome"}),
		chAttempt: prometheus.NewHistogramVec(prometheus.HistogramOpts{
			Name: "firebreak_outbox_channel_attempt_seconds", Help: "Duration of one delivery attempt, by channel.", Buckets: buckets,
		}, []string{"channel"}),
	}
	for _, c := range channels {
		for _, o := range outcomes {
			m.byChannel.WithLabelValues(c, o)
		}
		m.chAttempt.WithLabelValues(c)
	}
	reg.MustRegister(m.outcomes, m.attempt, m.byChannel, m.chAttempt)
	return m
}

// kind puts a registered kind's series at 0.
func (m *metrics) kind(kind string) {
	if m == nil {
		return
	}
	for _, o := range outcomes {
		m.outcomes.WithLabelValues(kind, o)
	}
	m.attempt.WithLabelValues(kind)
}

func (m *metrics) settled(d Delivery, outcome string) {
	if m != nil {
		m.outcomes.WithLabelValues(d.Kind, outcome).Inc()
		m.byChannel.WithLabelValues(channelOf(d), outcome).Inc()
	}
}

func (m *metrics) latency(d Delivery, t time.Duration) {
	if m != nil {
		m.attempt.WithLabelValues(d.Kind).Observe(t.Seconds())
		m.chAttempt.WithLabelValues(channelOf(d)).Observe(t.Seconds())
	}
}

// channelOf is d's channel label.
func channelOf(d Delivery) string {
	for _, c := range channels {
		if string(d.Target.Kind) == c {
			return c
		}
	}
	return "other"
}
