package triage

import (
	"fmt"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/intake"
)

// fedBy is what a delivery says about every entry it feeds as a whole:
// for the formats that carry truncatedAlerts (Alertmanager's and
// Grafana's webhooks, under a receiver's max_alerts), how many alerts it
// left out, 0 included, so a later complete delivery clears the notice.
// The sender groups by its own labels, which may span several of our
// groups, and does not say whose alerts it left out: each entry the
// delivery fed records the count. Formats without the field return nil
// and leave whatever count an entry holds.
func fedBy(kind alert.Source, batch intake.Batch) func(*Entry) {
	if kind != alert.SourceAlertmanager && kind != alert.SourceGrafana {
		return nil
	}
	return func(e *Entry) { e.TruncatedAlerts = batch.Truncated }
}

// TruncatedNote says how many alerts of the entry its sender left out of
// its last delivery under max_alerts, such as "2 more alerts not sent by
// Alertmanager (max_alerts)"; "" when it left none out. The console and
// the CLI show it.
func (e Entry) TruncatedNote() string {
	n := e.TruncatedAlerts
	if n <= 0 {
		return ""
	}
	sender := "Alertmanager"
	if e.Source == alert.SourceGrafana {
		sender = "Grafana"
	}
	noun := "alerts"
	if n == 1 {
		noun = "alert"
	}
	return fmt.Sprintf("%d more %s not sent by %s (max_alerts)", n, noun, sender)
}
