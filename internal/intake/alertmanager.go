package intake

import "github.com/firebreak-ir/firebreak/internal/alert"

var alertmanagerFormat = webhookFormat{
	name:    "an Alertmanager",
	source:  alert.SourceAlertmanager,
	version: "4",
	other:   "1",
	links: func(w *webhookAlert) []alert.Link {
		ls := link(nil, "Source", w.GeneratorURL)
		return link(ls, "Runbook", w.Annotations["runbook_url"])
	},
	details: description,
}

// Alertmanager parses a Prometheus Alertmanager webhook body (version "4").
// Each alert keeps its labels and annotations; the summary is the summary
// annotation, else title, else the alertname label; details the
// description annotation, else message; severity the severity label; the
// fingerprint Alertmanager's own. A firing alert's endsAt is dropped (it is
// "0001-01-01T00:00:00Z" or a forecast).
func Alertmanager(body []byte, d Delivery) (Batch, error) {
	return parseWebhook(alertmanagerFormat, body, d)
}
