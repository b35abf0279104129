package intake

import "github.com/firebreak-ir/firebreak/internal/alert"

var grafanaFormat = webhookFormat{
	name:    "a Grafana",
	source:  alert.SourceGrafana,
	version: "1",
	other:   "4",
	links: func(w *webhookAlert) []alert.Link {
		ls := link(nil, "Alert rule", w.GeneratorURL)
		ls = link(ls, "Dashboard", w.DashboardURL)
		ls = link(ls, "Panel", w.PanelURL)
		ls = link(ls, "Image", w.ImageURL)
		ls = link(ls, "Silence", w.SilenceURL)
		return link(ls, "Runbook", w.Annotations["runbook_url"])
	},
	details: func(w *webhookAlert) string {
		d := description(w)
		v := firstNonEmpty(w.ValueString, valuesText(w.Values))
		if v == "" {
			return d
		}
		if d == "" {
			return "Values: " + v
		}
		return d + "\n\nValues: " + v
	},
}

// Grafana parses a Grafana unified alerting webhook body (version "1"). It
// maps like Alertmanager's, and adds links to the alert rule, dashboard,
// panel, image and silence, and the query values to the details.
func Grafana(body []byte, d Delivery) (Batch, error) {
	return parseWebhook(grafanaFormat, body, d)
}
