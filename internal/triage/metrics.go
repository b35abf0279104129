package triage

import (
	"github.com/prometheus/client_golang/prometheus"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// intakeMetrics count alerts by the kind of integration that sent them
// (alertmanager, grafana, generic, pagerduty, email: a bounded set, never
// an integration's name or token), once their batch is committed.
type intakeMetrics struct {
	received, deduplicated, resolved *prometheus.CounterVec
}

// Instrument registers the intake counters on reg, every integration kind
// at 0. Call at wiring, before serving; without it nothing is counted.
func (s *Service) Instrument(reg prometheus.Registerer) {
	m := &intakeMetrics{
		received: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "firebreak_alerts_received_total",
			Help: "Alerts received and committed, by the kind of integration that sent them (email: the SMTP listener's alerts mailboxes and /hooks/email)."}, []string{"integration"}),
		deduplicated: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "firebreak_alerts_deduplicated_total",
			Help: "Alerts that repeated one already firing (one per destination route), by integration kind."}, []string{"integration"}),
		resolved: prometheus.NewCounterVec(prometheus.CounterOpts{Name: "firebreak_alerts_resolved_total",
			Help: "Firing alerts a resolve closed, in the queue or on an incident's timeline (one per destination route), by integration kind."}, []string{"integration"}),
	}
	for _, k := range alert.Sources {
		if k == alert.SourceReport { // reports are people's, not an integration's alerts
			continue
		}
		m.received.WithLabelValues(string(k))
		m.deduplicated.WithLabelValues(string(k))
		m.resolved.WithLabelValues(string(k))
	}
	reg.MustRegister(m.received, m.deduplicated, m.resolved)
	s.metrics = m
}

// ingested counts a committed batch of n alerts from an integration of
// kind with its outcomes.
func (m *intakeMetrics) ingested(kind alert.Source, n int, outcomes []alert.Outcome) {
	if m == nil {
		return
	}
	label := string(kind)
	m.received.WithLabelValues(label).Add(float64(n))
	for _, o := range outcomes {
		switch {
		case o.Kind == alert.Repeat:
			m.deduplicated.WithLabelValues(label).Inc()
		case o.Kind == alert.Resolved, o.Kind == alert.IncidentTimeline && o.Item.Status == alert.StatusResolved:
			m.resolved.WithLabelValues(label).Inc()
		}
	}
}
