package notify

import (
	"net/mail"
	"net/url"
	"slices"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Kind names a contact method.
type Kind string

const (
	KindEmail   Kind = "email"
	KindWebhook Kind = "webhook"
	KindSlack   Kind = "slack"
	KindTeams   Kind = "teams"
)

// MinKeyBytes is the shortest HMAC key a webhook accepts.
const MinKeyBytes = 16

// Target is one contact method: where to send and the secrets to do it.
//
//   - email: Address is the mailbox.
//   - webhook: Address is the http(s) URL; Secret is the HMAC key.
//   - slack: Address is an incoming-webhook URL; or, in bot mode, Secret
//     is the bot token (xoxb-…), Channel the channel ID or name, and
//     Address is empty.
//   - teams: Address is the Workflows (Power Automate) webhook URL.
//
// Address (a webhook URL embeds its token) and Secret are secrets: they
// never appear in errors or results.
type Target struct {
	Kind    Kind   `json:"kind"`
	Address string `json:"address,omitempty"`
	Secret  string `json:"secret,omitempty"`
	Channel string `json:"channel,omitempty"`
}

// Validate checks the target can be delivered to, with an error naming
// the field and the problem, and no secret.
func (t Target) Validate() error {
	switch t.Kind {
	case KindEmail:
		if strings.TrimSpace(t.Address) == "" {
			return errs.E(errs.Invalid, "address", "an email contact needs an address")
		}
		a, err := mail.ParseAddress(t.Address)
		if err != nil || a.Name != "" || strings.ContainsAny(t.Address, "\r\n") {
			return errs.E(errs.Invalid, "address", "%q is not an email address (expected name@example.com)", t.Address)
		}
		return nil
	case KindWebhook:
		if err := validateURL(t.Address, "a webhook contact"); err != nil {
			return err
		}
		if t.Secret == "" {
			return errs.E(errs.Invalid, "secret", "a webhook contact needs an HMAC signing key")
		}
		if len(t.Secret) < MinKeyBytes {
			return errs.E(errs.Invalid, "secret", "the webhook signing key must be at least %d bytes", MinKeyBytes)
		}
		return validStandardSecret(t.Secret)
	case KindSlack:
		if t.Secret != "" || t.Channel != "" {
			if t.Address != "" {
				return errs.E(errs.Invalid, "address", "a Slack contact takes either an incoming-webhook URL or a bot token and channel, not both")
			}
			if !strings.HasPrefix(t.Secret, "xoxb-") {
				return errs.E(errs.Invalid, "secret", "a Slack bot token starts with xoxb-")
			}
			if strings.TrimSpace(t.Channel) == "" {
				return errs.E(errs.Invalid, "channel", "a Slack bot contact needs a channel")
			}
			return nil
		}
		return validateURL(t.Address, "a Slack contact")
	case KindTeams:
		return validateURL(t.Address, "a Teams contact")
	case "":
		return errs.E(errs.Invalid, "kind", "a contact needs a kind (email, webhook, slack or teams)")
	default:
		return errs.E(errs.Invalid, "kind", "unknown contact kind %q (expected email, webhook, slack or teams)", t.Kind)
	}
}

func validateURL(raw, what string) error {
	if strings.TrimSpace(raw) == "" {
		return errs.E(errs.Invalid, "address", "%s needs a URL", what)
	}
	u, err := url.Parse(raw)
	if err != nil {
		return errs.E(errs.Invalid, "address", "%s needs a valid URL", what)
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return errs.E(errs.Invalid, "address", "%s needs an http or https URL, not %s", what, RedactURL(raw))
	}
	if u.Host == "" {
		return errs.E(errs.Invalid, "address", "%s URL has no host", what)
	}
	if u.User != nil {
		return errs.E(errs.Invalid, "address", "%s URL must not carry a user name or password", what)
	}
	return nil
}

// RedactURL shows a URL as scheme://host/… so it can be logged: the path
// and query of a webhook URL are its token.
func RedactURL(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" {
		return "[redacted URL]"
	}
	s := u.Scheme + "://" + u.Host
	if u.Path != "" && u.Path != "/" || u.RawQuery != "" || u.Fragment != "" || u.Opaque != "" {
		s += "/…"
	}
	return s
}

// redacted is how the target appears in results and errors.
func (t Target) redacted() string {
	switch {
	case t.Kind == KindEmail:
		return t.Address
	case t.Kind == KindSlack && t.Address == "":
		return "slack:" + t.Channel
	default:
		return RedactURL(t.Address)
	}
}

// secrets are the strings scrubbed from anything shown, longest first so
// the whole URL goes before its parts.
func (t Target) secrets() []string {
	s := []string{t.Secret}
	if t.Kind != KindEmail {
		if u, err := url.Parse(t.Address); err == nil {
			for _, c := range []string{t.Address, u.EscapedPath(), u.Path, u.RawQuery} {
				if len(c) >= 8 {
					s = append(s, c)
				}
			}
			for seg := range strings.SplitSeq(u.Path, "/") {
				if len(seg) >= 8 { // a path segment long enough to be a token
					s = append(s, seg)
				}
			}
		}
	}
	slices.SortFunc(s, func(a, b string) int { return len(b) - len(a) })
	return s
}
