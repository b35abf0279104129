package intake

import (
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

var recv = time.Date(2026, 11, 26, 22, 53, 0, 0, time.UTC)

var delivery = Delivery{Integration: "prom-prod", ReceivedAt: recv}

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func TestAlertmanagerSample(t *testing.T) {
	t.Parallel()
	b, err := Alertmanager(readTestdata(t, "alertmanager-02-one-resolved-one-firing.json"), delivery)
	if err != nil {
		t.Fatal(err)
	}
	gen := "http://prometheus.example:9090/graph?g0.expr=rate%28http_requests_total%7Bcode%3D~%225..%22%7D%5B5m%5D%29"
	starts := time.Date(2026, 11, 26, 22, 52, 14, 0, time.UTC)
	common := func(instance, fp string, status alert.Status, ends time.Time) alert.Alert {
		return alert.Alert{
			Source: alert.SourceAlertmanager, Integration: "prom-prod", Fingerprint: fp, DedupKey: fp,
			Status: status, Summary: "5xx rate above 5% on checkout", Severity: "critical",
			Labels: map[string]string{"alertname": "HighErrorRate", "env": "prod", "instance": instance,
				"service": "checkout", "severity": "critical"},
			Annotations: map[string]string{"runbook_url": "https://runbooks.example/high-error-rate",
				"summary": "5xx rate above 5% on checkout"},
			Links:    []alert.Link{{Text: "Source", URL: gen}, {Text: "Runbook", URL: "https://runbooks.example/high-error-rate"}},
			StartsAt: starts, EndsAt: ends, ReceivedAt: recv, GeneratorURL: gen,
		}
	}
	want := Batch{Alerts: []alert.Alert{
		common("10.0.0.1:8080", "6eb5d58c6b6f9a2e", alert.StatusResolved, time.Date(2026, 11, 26, 22, 52, 36, 0, time.UTC)),
		common("10.0.0.2:8080", "80aa36c0a221a02d", alert.StatusFiring, time.Time{}),
	}}
	if !reflect.DeepEqual(b, want) {
		t.Errorf("got  %+v\nwant %+v", b, want)
	}
}

// The three captured notifications, in order, through the whole pipeline:
// two alerts open one group, one resolves, the other resolves, and the
// repeated resolve of the first changes nothing.
func TestAlertmanagerSamplesThroughPipeline(t *testing.T) {
	t.Parallel()
	root := &alert.Route{Service: "checkout", GroupBy: []string{"alertname", "service"}}
	p := alert.NewPipeline(root)
	st := alert.NewMemState()
	var got []string
	for i, name := range []string{
		"alertmanager-01-firing-first-notification.json",
		"alertmanager-02-one-resolved-one-firing.json",
		"alertmanager-03-all-resolved.json",
	} {
		now := recv.Add(time.Duration(i) * 20 * time.Second)
		b, err := Alertmanager(readTestdata(t, name), Delivery{Integration: "prom", ReceivedAt: now})
		if err != nil || b.Problems != nil {
			t.Fatalf("%s: %v %v", name, err, b.Problems)
		}
		outs, err := p.Process(context.Background(), st, now, b.Alerts)
		if err != nil {
			t.Fatal(err)
		}
		st.Apply(outs)
		for _, o := range outs {
			got = append(got, string(o.Kind)+" "+o.Alert.Labels["instance"]+" "+o.Group.Key+" "+o.Reason)
		}
	}
	gk := `{}@checkout:{alertname="HighErrorRate", service="checkout"}`
	want := []string{
		"new_group 10.0.0.1:8080 " + gk + " ",
		"joined_group 10.0.0.2:8080 " + gk + " ",
		"resolved 10.0.0.1:8080 " + gk + " ",
		"repeat 10.0.0.2:8080 " + gk + " ",
		"ignored 10.0.0.1:8080  already resolved",
		"resolved 10.0.0.2:8080 " + gk + " ",
	}
	if strings.Join(got, "\n") != strings.Join(want, "\n") {
		t.Errorf("got\n%s\nwant\n%s", strings.Join(got, "\n"), strings.Join(want, "\n"))
	}
}

func TestGrafanaSample(t *testing.T) {
	t.Parallel()
	b, err := Grafana(readTestdata(t, "grafana-firing.json"), delivery)
	if err != nil {
		t.Fatal(err)
	}
	if len(b.Problems) != 0 || len(b.Alerts) != 2 {
		t.Fatalf("got %+v", b)
	}
	cest := time.FixedZone("", 2*3600)
	first := b.Alerts[0]
	want := alert.Alert{
		Source: alert.SourceGrafana, Integration: "prom-prod", Fingerprint: "c6eadffa33fcdf37", DedupKey: "c6eadffa33fcdf37",
		Status: alert.StatusFiring, Summary: "This alert was triggered for zone us-1",
		Details: "The system has high memory usage\n\nValues: [ var='B' labels={team=blue, zone=us-1} value=44.23943737541908 ], [ var='C' labels={team=blue, zone=us-1} value=1 ]",
		Labels:  map[string]string{"alertname": "High memory usage", "grafana_folder": "Platform", "team": "blue", "zone": "us-1"},
		Annotations: map[string]string{"description": "The system has high memory usage",
			"runbook_url": "https://runbooks.example/memory", "summary": "This alert was triggered for zone us-1"},
		Links: []alert.Link{
			{Text: "Alert rule", URL: "https://grafana.example/alerting/grafana/1afz29v7z/view?orgId=1"},
			{Text: "Dashboard", URL: "https://grafana.example/d/mem01?from=1795680363157&orgId=1&to=1795683963157"},
			{Text: "Panel", URL: "https://grafana.example/d/mem01?from=1795680363157&orgId=1&to=1795683963157&viewPanel=4"},
			{Text: "Silence", URL: "https://grafana.example/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHigh+memory+usage&matcher=team%3Dblue&matcher=zone%3Dus-1&orgId=1"},
			{Text: "Runbook", URL: "https://runbooks.example/memory"},
		},
		StartsAt:     time.Date(2026, 11, 26, 9, 51, 3, 157076000, cest),
		ReceivedAt:   recv,
		GeneratorURL: "https://grafana.example/alerting/grafana/1afz29v7z/view?orgId=1",
	}
	if !reflect.DeepEqual(first, want) {
		t.Errorf("got  %+v\nwant %+v", first, want)
	}
	second := b.Alerts[1]
	if second.Status != alert.StatusResolved || !second.EndsAt.Equal(time.Date(2026, 11, 26, 8, 6, 3, 157076000, time.UTC)) ||
		second.Details != "The system has high CPU usage" ||
		!reflect.DeepEqual(second.Links, []alert.Link{
			{Text: "Alert rule", URL: "https://grafana.example/alerting/grafana/d1rdpdv7k/view?orgId=1"},
			{Text: "Image", URL: "https://grafana.example/public/img/attachments/cpu.png"},
			{Text: "Silence", URL: "https://grafana.example/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHigh+CPU+usage&orgId=1"},
		}) {
		t.Errorf("second: %+v", second)
	}
}

func TestGrafanaValuesWithoutValueString(t *testing.T) {
	t.Parallel()
	body := `{"version":"1","alerts":[{"status":"firing","labels":{"a":"b"},"startsAt":"2026-11-26T00:00:00Z",
		"values":{"C":1,"B":0.5}}]}`
	b, err := Grafana([]byte(body), delivery)
	if err != nil || len(b.Alerts) != 1 {
		t.Fatalf("%v %+v", err, b)
	}
	if got := b.Alerts[0].Details; got != "Values: B=0.5, C=1" {
		t.Errorf("details %q", got)
	}
	if got := b.Alerts[0].Summary; got != "" {
		t.Errorf("summary %q: without summary, title or alertname the pipeline names it", got)
	}
}

func TestWebhookBodyErrors(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name  string
		parse Parser
		body  string
		field string
		msg   string
	}{
		{"empty", Alertmanager, " \n", "", "body is empty"},
		{"not json", Alertmanager, "hello", "", "not an Alertmanager webhook: invalid JSON at byte 1: invalid character 'h' looking for beginning of value"},
		{"truncated json", Alertmanager, `{"version":"4"`, "", "not an Alertmanager webhook: invalid JSON at byte 14: unexpected end of JSON input"},
		{"array", Alertmanager, `[]`, "", "not an Alertmanager webhook: must be an object, found an array"},
		{"no version", Alertmanager, `{"alerts":[]}`, "version", "missing: not an Alertmanager webhook"},
		{"other version", Alertmanager, `{"version":"3","alerts":[]}`, "version", `unsupported version "3", want "4"`},
		{"grafana to alertmanager", Alertmanager, `{"version":"1","alerts":[]}`, "version", `unsupported version "1", want "4": this looks like the other of Alertmanager and Grafana; check the webhook URL`},
		{"alertmanager to grafana", Grafana, `{"version":"4","alerts":[]}`, "version", `unsupported version "4", want "1": this looks like the other of Alertmanager and Grafana; check the webhook URL`},
		{"grafana no version", Grafana, `{}`, "version", "missing: not a Grafana webhook"},
		{"no alerts", Alertmanager, `{"version":"4"}`, "alerts", "missing"},
		{"alerts not array", Alertmanager, `{"version":"4","alerts":{}}`, "alerts", "must be an array, found an object"},
		{"version not string", Alertmanager, `{"version":4,"alerts":[]}`, "version", "must be a string, found a number"},
		{"group labels wrong", Grafana, `{"version":"1","alerts":[],"groupLabels":{"a":1}}`, "groupLabels.a", "must be a string, found a number"},
		{"negative truncated", Alertmanager, `{"version":"4","alerts":[],"truncatedAlerts":-1}`, "truncatedAlerts", "must not be negative, got -1"},
		{"truncated not integer", Alertmanager, `{"version":"4","alerts":[],"truncatedAlerts":1.5}`, "truncatedAlerts", "must be an integer, found a number"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := tt.parse([]byte(tt.body), delivery)
			e, ok := errs.As(err)
			if !ok {
				t.Fatalf("err = %v, want *errs.Error", err)
			}
			if e.Code != errs.Invalid || e.Field != tt.field || e.Message != tt.msg {
				t.Errorf("got %s %q %q\nwant invalid %q %q", e.Code, e.Field, e.Message, tt.field, tt.msg)
			}
			if !reflect.DeepEqual(b, Batch{}) {
				t.Errorf("a refused body must yield an empty batch, got %+v", b)
			}
		})
	}
}

func TestWebhookAlertProblems(t *testing.T) {
	t.Parallel()
	ok := `{"status":"firing","labels":{"alertname":"A"},"startsAt":"2026-11-26T00:00:00Z"}`
	body := `{"version":"4","truncatedAlerts":3,"alerts":[` + strings.Join([]string{
		ok,
		`{"status":"pending","labels":{},"startsAt":"yesterday","endsAt":"soon"}`,
		`{"status":"firing","labels":{"a":"b"}}`,
		`7`,
		`{"status":"firing","labels":{"a":true},"startsAt":"2026-11-26T00:00:00Z"}`,
		`{"status":"resolved","labels":{"a":"b"},"startsAt":"2026-11-26T00:00:00Z","annotations":[]}`,
		`{"status":"resolved","labels":{"a":"b"},"startsAt":"2026-11-26T00:00:00+01:00","endsAt":"2026-11-26T00:00:00.5Z","unknown":1}`,
	}, ",") + `]}`
	b, err := Alertmanager([]byte(body), delivery)
	if err != nil {
		t.Fatal(err)
	}
	want := []Problem{
		{1, "status", `must be "firing" or "resolved", got "pending"`},
		{1, "labels", "must not be empty"},
		{1, "startsAt", `must be an RFC 3339 time, got "yesterday"`},
		{1, "endsAt", `must be an RFC 3339 time, got "soon"`},
		{2, "startsAt", "missing"},
		{3, "", "must be an object, found a number"},
		{4, "labels.a", "must be a string, found a boolean"},
		{5, "annotations", "must be an object of strings, found an array"},
	}
	if !reflect.DeepEqual(b.Problems, want) {
		t.Errorf("problems:\n got %v\nwant %v", b.Problems, want)
	}
	if len(b.Alerts) != 2 || b.Alerts[1].EndsAt.IsZero() || b.Truncated != 3 {
		t.Errorf("accepted %d alerts (want the first and last), truncated %d", len(b.Alerts), b.Truncated)
	}
	if got := want[0].String(); got != `alert 1: status: must be "firing" or "resolved", got "pending"` {
		t.Errorf("String() = %s", got)
	}
	if got := want[5].String(); got != `alert 3: must be an object, found a number` {
		t.Errorf("String() = %s", got)
	}
}

func TestParserFor(t *testing.T) {
	t.Parallel()
	for _, src := range []alert.Source{alert.SourceAlertmanager, alert.SourceGrafana, alert.SourceGeneric} {
		if _, ok := ParserFor(src); !ok {
			t.Errorf("no parser for %s", src)
		}
	}
	if _, ok := ParserFor(alert.SourceEmail); ok {
		t.Error("email has no webhook parser yet")
	}
}
