package intake

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

// stormBody is an Alertmanager body of n alerts, like the storms seen in
// the field (7,388 alerts, ~3 MB, in one body).
func stormBody(n int) []byte {
	var b strings.Builder
	b.WriteString(`{"version":"4","status":"firing","receiver":"hook","alerts":[`)
	for i := range n {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, `{"status":"firing","labels":{"alertname":"HighErrorRate","env":"prod","instance":"10.0.%d.%d:8080","service":"svc%d","severity":"critical"},"annotations":{"summary":"5xx rate above 5%%","runbook_url":"https://runbooks.example/high-error-rate","description":"%s"},"startsAt":"2026-11-26T22:52:14Z","endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prometheus.example:9090/graph?g0.expr=rate%%28http_requests_total%%5B5m%%5D%%29","fingerprint":"%016x"}`,
			i/256, i%256, i%40, strings.Repeat("d", 80), i)
	}
	b.WriteString(`]}`)
	return []byte(b.String())
}

func BenchmarkAlertmanagerStorm(b *testing.B) {
	body := stormBody(7388)
	b.SetBytes(int64(len(body)))
	for b.Loop() {
		if _, err := Alertmanager(body, delivery); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkStormThroughPipeline(b *testing.B) {
	batch, err := Alertmanager(stormBody(7388), delivery)
	if err != nil {
		b.Fatal(err)
	}
	p := alert.NewPipeline(&alert.Route{Service: "s", GroupBy: []string{"alertname", "service"}})
	for b.Loop() {
		if _, err := p.Process(context.Background(), alert.NewMemState(), recv, batch.Alerts); err != nil {
			b.Fatal(err)
		}
	}
}
