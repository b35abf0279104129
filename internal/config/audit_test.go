package config

import (
	"testing"
	"time"
)

func TestAuditSection(t *testing.T) {
	t.Parallel()
	for _, tt := range []struct {
		in, err string
		every   time.Duration
	}{
		{in: "audit:\n  key_file: /etc/firebreak/audit-key.pem\n  checkpoint_every: 30m\n  checkpoint_webhook: https://evidence.example.com/fb\n", every: 30 * time.Minute},
		{in: "audit:\n  checkpoint_file: /var/log/cp.jsonl\n", every: 0},
		{in: "audit:\n  checkpoint_every: \"0\"\n", every: -1},
		{in: "audit:\n  checkpoint_every: 30s\n", err: `audit.checkpoint_every: "30s" is not 0 or a duration between 1m and 24h, such as 15m`},
		{in: "audit:\n  checkpoint_every: often\n", err: `audit.checkpoint_every: "often" is not 0 or a duration between 1m and 24h, such as 15m`},
		{in: "audit:\n  checkpoint_webhook: ftp://x\n", err: `audit.checkpoint_webhook: "ftp://x" is not an http(s) URL`},
	} {
		f, err := Parse([]byte(tt.in))
		switch {
		case tt.err != "" && (err == nil || err.Error() != tt.err):
			t.Errorf("%q: got %v, want %s", tt.in, err, tt.err)
		case tt.err == "" && err != nil:
			t.Errorf("%q: %v", tt.in, err)
		case tt.err == "" && f.Audit.Every() != tt.every:
			t.Errorf("%q: every %s, want %s", tt.in, f.Audit.Every(), tt.every)
		}
	}
	if _, err := Parse([]byte("audit:\n  key: x\n")); err == nil {
		t.Error("an unknown key under audit: passed")
	}
}
