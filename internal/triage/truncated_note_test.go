package triage

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/alert"
)

func TestTruncatedNote(t *testing.T) {
	for _, tt := range []struct {
		source alert.Source
		n      int
		want   string
	}{
		{alert.SourceAlertmanager, 0, ""},
		{alert.SourceAlertmanager, 1, "1 more alert not sent by Alertmanager (max_alerts)"},
		{alert.SourceAlertmanager, 12, "12 more alerts not sent by Alertmanager (max_alerts)"},
		{alert.SourceGrafana, 3, "3 more alerts not sent by Grafana (max_alerts)"},
	} {
		if got := (Entry{Source: tt.source, TruncatedAlerts: tt.n}).TruncatedNote(); got != tt.want {
			t.Errorf("%s, %d: %q, want %q", tt.source, tt.n, got, tt.want)
		}
	}
}
