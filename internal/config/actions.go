package config

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/actions"
	"github.com/firebreak-ir/firebreak/internal/calendar"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// ActionsFile configures action items:
//
//	actions:
//	  time_zone: Europe/Berlin     # due dates are days here; the holiday calendar's zone, else UTC
//	  remind_before: 48h           # the owner hears this long before due (half-way when given less)
//	  webhooks:                    # every create and change, signed like webhook contacts
//	    - name: jira-bridge
//	      url: https://bridge.example.com/firebreak
//	      secret_env: FIREBREAK_ACTIONS_HOOK_SECRET
//	  github:                      # open an issue for every new item and link it
//	    repo: acme/security
//	    token_env: FIREBREAK_GITHUB_TOKEN
//	    api_url: https://api.github.com   # GitHub Enterprise Server: https://HOST/api/v3
//	    labels: [action-item]
type ActionsFile struct {
	TimeZone     string            `yaml:"time_zone"`
	RemindBefore string            `yaml:"remind_before"`
	Webhooks     []ActionHookFile  `yaml:"webhooks"`
	GitHub       *ActionGitHubFile `yaml:"github"`
}

// ActionHookFile is a webhook of action item events; its HMAC key comes
// from the environment.
type ActionHookFile struct {
	Name      string `yaml:"name"`
	URL       string `yaml:"url"`
	SecretEnv string `yaml:"secret_env"`
}

// ActionGitHubFile maps new action items to GitHub issues; the token
// comes from the environment.
type ActionGitHubFile struct {
	Repo     string   `yaml:"repo"`
	TokenEnv string   `yaml:"token_env"`
	APIURL   string   `yaml:"api_url"`
	Labels   []string `yaml:"labels"`
}

var (
	repoName = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,100}/[A-Za-z0-9_.-]{1,100}$`)
	hookName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)
)

// ActionsConfig turns the actions block into the service's settings,
// reading secrets with getenv; a secret named but not set is an error
// that names the variable (never its value).
func (f File) ActionsConfig(getenv func(string) string) (actions.Config, error) {
	var c actions.Config
	if h, ok := calendar.Lookup(f.HolidayCalendar); ok {
		c.Zone = h.Location()
	}
	a := f.Actions
	if a == nil {
		return c, nil
	}
	if a.TimeZone != "" {
		loc, err := time.LoadLocation(a.TimeZone)
		if err != nil {
			return c, fmt.Errorf("actions.time_zone: %q is not a time zone (expected one such as Europe/Berlin)", a.TimeZone)
		}
		c.Zone = loc
	}
	if a.RemindBefore != "" {
		d, err := time.ParseDuration(a.RemindBefore)
		if err != nil || d < time.Hour || d > 30*24*time.Hour {
			return c, fmt.Errorf("actions.remind_before: %q is not a duration from 1h to 720h", a.RemindBefore)
		}
		c.RemindBefore = d
	}
	seen := map[string]bool{}
	for i, h := range a.Webhooks {
		at := fmt.Sprintf("actions.webhooks[%d]", i)
		if !hookName.MatchString(h.Name) || seen[h.Name] {
			return c, fmt.Errorf("%s.name: %q must be a unique name of letters, digits, . _ -", at, h.Name)
		}
		seen[h.Name] = true
		secret := ""
		if h.SecretEnv != "" {
			secret = getenv(h.SecretEnv)
			if secret == "" {
				return c, fmt.Errorf("%s.secret_env: %s is not set", at, h.SecretEnv)
			}
		}
		if err := (notify.Target{Kind: notify.KindWebhook, Address: h.URL, Secret: secret}).Validate(); err != nil {
			return c, fmt.Errorf("%s: %w", at, err)
		}
		c.Webhooks = append(c.Webhooks, actions.Webhook{Name: h.Name, URL: h.URL, Secret: secret})
	}
	if g := a.GitHub; g != nil {
		if !repoName.MatchString(g.Repo) {
			return c, fmt.Errorf("actions.github.repo: %q must be OWNER/REPO", g.Repo)
		}
		if g.TokenEnv == "" || getenv(g.TokenEnv) == "" {
			return c, fmt.Errorf("actions.github.token_env: names the variable holding the token, and it must be set")
		}
		if g.APIURL != "" {
			u, err := url.Parse(g.APIURL)
			if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
				return c, fmt.Errorf("actions.github.api_url: %q is not an http(s) URL", g.APIURL)
			}
		}
		owner, repo, _ := strings.Cut(g.Repo, "/")
		c.GitHub = &actions.GitHub{Owner: owner, Repo: repo, Token: getenv(g.TokenEnv), APIURL: g.APIURL, Labels: g.Labels}
	}
	return c, nil
}
