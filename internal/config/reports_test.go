package config

import "testing"

func TestReportsService(t *testing.T) {
	t.Parallel()
	for _, c := range []struct{ in, service, err string }{
		{"", "security", ""},
		{"reports:\n  service: sec-oncall\n", "sec-oncall", ""},
		{"reports:\n  service: ''\n", "", `reports.service: "" is not a service name (1–64 letters, digits, or . _ -, starting with a letter or digit)`},
		{"reports:\n  service: 'security team'\n", "", `reports.service: "security team" is not a service name (1–64 letters, digits, or . _ -, starting with a letter or digit)`},
		{"reports:\n  servce: x\n", "", `[2:3] unknown field "servce"`},
	} {
		f, err := Parse([]byte(c.in))
		if c.err != "" {
			if err == nil || err.Error() != c.err {
				t.Errorf("%q: got %v, want %q", c.in, err, c.err)
			}
			continue
		}
		if err != nil {
			t.Fatalf("%q: %v", c.in, err)
		}
		if got := f.ReportService(); got != c.service {
			t.Errorf("%q: service %q, want %q", c.in, got, c.service)
		}
	}
}
