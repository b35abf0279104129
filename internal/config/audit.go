package config

import (
	"fmt"
	"net/url"
	"time"
)

// AuditFile configures signed checkpoints of the audit record.
//
//	audit:
//	  key_file: /etc/firebreak/audit-key.pem   # default: audit-key.pem in the data directory
//	  checkpoint_every: 15m                    # 0 turns periodic checkpoints off
//	  checkpoint_file: /var/log/firebreak/checkpoints.jsonl
//	  checkpoint_webhook: https://evidence.example.com/firebreak
type AuditFile struct {
	KeyFile           string `yaml:"key_file"`
	CheckpointEvery   string `yaml:"checkpoint_every"`
	CheckpointFile    string `yaml:"checkpoint_file"`
	CheckpointWebhook string `yaml:"checkpoint_webhook"`
}

// Every is checkpoint_every: 0 when left out (the default), negative
// when set to 0 (off).
func (a *AuditFile) Every() time.Duration {
	if a == nil || a.CheckpointEvery == "" {
		return 0
	}
	d, _ := time.ParseDuration(a.CheckpointEvery)
	if d == 0 {
		return -1
	}
	return d
}

func (a *AuditFile) check() error {
	if a == nil {
		return nil
	}
	if s := a.CheckpointEvery; s != "" && s != "0" {
		d, err := time.ParseDuration(s)
		if err != nil || d < time.Minute || d > 24*time.Hour {
			return fmt.Errorf("audit.checkpoint_every: %q is not 0 or a duration between 1m and 24h, such as 15m", s)
		}
	}
	if h := a.CheckpointWebhook; h != "" {
		u, err := url.Parse(h)
		if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
			return fmt.Errorf("audit.checkpoint_webhook: %q is not an http(s) URL", h)
		}
	}
	return nil
}
