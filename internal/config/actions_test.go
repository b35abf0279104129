package config

import (
	"testing"
	"time"
)

func TestActionsConfig(t *testing.T) {
	t.Parallel()
	env := map[string]string{"HOOK": "0123456789abcdef-hook", "GH": "ghp_x"}
	getenv := func(k string) string { return env[k] }
	tests := []struct {
		name, yaml, err string
	}{
		{"none", ``, ""},
		{"all", "actions:\n  time_zone: Europe/Berlin\n  remind_before: 72h\n  webhooks:\n    - {name: bridge, url: https://b.example/x, secret_env: HOOK}\n  github: {repo: acme/sec, token_env: GH, labels: [a]}\n", ""},
		{"bad zone", "actions:\n  time_zone: Mars/Olympus\n", `actions.time_zone: "Mars/Olympus" is not a time zone (expected one such as Europe/Berlin)`},
		{"bad lead", "actions:\n  remind_before: 5m\n", `actions.remind_before: "5m" is not a duration from 1h to 720h`},
		{"unset secret", "actions:\n  webhooks:\n    - {name: bridge, url: https://b.example/x, secret_env: NOPE}\n", "actions.webhooks[0].secret_env: NOPE is not set"},
		{"no secret", "actions:\n  webhooks:\n    - {name: bridge, url: https://b.example/x}\n", "actions.webhooks[0]: secret: a webhook contact needs an HMAC signing key"},
		{"bad repo", "actions:\n  github: {repo: acme, token_env: GH}\n", `actions.github.repo: "acme" must be OWNER/REPO`},
		{"unset token", "actions:\n  github: {repo: acme/sec, token_env: NOPE}\n", "actions.github.token_env: names the variable holding the token, and it must be set"},
	}
	for _, tt := range tests {
		f, err := Parse([]byte(tt.yaml))
		if err != nil {
			t.Fatalf("%s: parse: %v", tt.name, err)
		}
		c, err := f.ActionsConfig(getenv)
		if tt.err != "" {
			if err == nil || err.Error() != tt.err {
				t.Errorf("%s: %v, want %q", tt.name, err, tt.err)
			}
			continue
		}
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if tt.name == "all" && (c.Zone.String() != "Europe/Berlin" || c.RemindBefore != 72*time.Hour || c.Webhooks[0].Secret != env["HOOK"] ||
			c.GitHub.Owner != "acme" || c.GitHub.Repo != "sec" || c.GitHub.Token != "ghp_x") {
			t.Errorf("all: %+v %+v", c, c.GitHub)
		}
	}
}
