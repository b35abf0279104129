package notify

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func TestTargetValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		target Target
		want   string // "" for valid
	}{
		{Target{Kind: KindEmail, Address: "alice@example.com"}, ""},
		{Target{Kind: KindEmail}, "address: an email contact needs an address"},
		{Target{Kind: KindEmail, Address: "alice"}, `address: "alice" is not an email address (expected name@example.com)`},
		{Target{Kind: KindEmail, Address: "Alice <alice@example.com>"}, `address: "Alice <alice@example.com>" is not an email address (expected name@example.com)`},
		{Target{Kind: KindWebhook, Address: "https://hooks.example/x", Secret: hmacKey}, ""},
		{Target{Kind: KindWebhook, Address: "https://hooks.example/x"}, "secret: a webhook contact needs an HMAC signing key"},
		{Target{Kind: KindWebhook, Address: "https://hooks.example/x", Secret: "short"}, "secret: the webhook signing key must be at least 16 bytes"},
		{Target{Kind: KindWebhook, Address: "ftp://hooks.example/" + hookToken, Secret: hmacKey}, "address: a webhook contact needs an http or https URL, not ftp://hooks.example/…"},
		{Target{Kind: KindWebhook, Address: "https:///" + hookToken, Secret: hmacKey}, "address: a webhook contact URL has no host"},
		{Target{Kind: KindWebhook, Address: "https://u:" + hookToken + "@hooks.example/", Secret: hmacKey}, "address: a webhook contact URL must not carry a user name or password"},
		{Target{Kind: KindWebhook, Address: "http://[::1" + hookToken, Secret: hmacKey}, "address: a webhook contact needs a valid URL"},
		{Target{Kind: KindWebhook, Secret: hmacKey}, "address: a webhook contact needs a URL"},
		{Target{Kind: KindSlack, Address: "https://hooks.slack.com/services/T/B/" + hookToken}, ""},
		{Target{Kind: KindSlack, Secret: botToken, Channel: "C123"}, ""},
		{Target{Kind: KindSlack, Secret: "xoxp-user-token", Channel: "C123"}, "secret: a Slack bot token starts with xoxb-"},
		{Target{Kind: KindSlack, Secret: botToken}, "channel: a Slack bot contact needs a channel"},
		{Target{Kind: KindSlack, Address: "https://hooks.slack.com/x", Secret: botToken, Channel: "C1"}, "address: a Slack contact takes either an incoming-webhook URL or a bot token and channel, not both"},
		{Target{Kind: KindSlack}, "address: a Slack contact needs a URL"},
		{Target{Kind: KindTeams, Address: "https://prod.westeurope.logic.azure.com/workflows/" + hookToken}, ""},
		{Target{Kind: KindTeams, Address: "javascript:alert(1)"}, "address: a Teams contact needs an http or https URL, not [redacted URL]"},
		{Target{}, "kind: a contact needs a kind (email, webhook, slack or teams)"},
		{Target{Kind: "pager"}, `kind: unknown contact kind "pager" (expected email, webhook, slack or teams)`},
	} {
		err := tc.target.Validate()
		switch {
		case tc.want == "" && err != nil:
			t.Errorf("%+v: unexpected %v", tc.target, err)
		case tc.want != "" && (err == nil || err.Error() != tc.want):
			t.Errorf("%+v:\n got %v\nwant %s", tc.target, err, tc.want)
		case err != nil:
			if errs.CodeOf(err) != errs.Invalid {
				t.Errorf("%v: code %s", err, errs.CodeOf(err))
			}
			assertNoSecret(t, "validation error", err.Error())
		}
	}
}

func TestEmailValidate(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		e    Email
		want string
	}{
		{Email{Host: "smtp.example", From: "pager@example.com"}, ""},
		{Email{From: "pager@example.com"}, "email: an SMTP host is required"},
		{Email{Host: "smtp.example", From: "pager"}, `email: the From address "pager" is not an email address`},
		{Email{Host: "smtp.example", From: "pager@example.com", TLS: "maybe"}, `email: TLS mode "maybe" is not one of required, opportunistic, none`},
		{Email{Host: "smtp.example", From: "pager@example.com", Password: "x"}, "email: a password needs a user name"},
	} {
		err := tc.e.Validate()
		if got := ""; err != nil {
			got = err.Error()
			if got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		} else if tc.want != "" {
			t.Errorf("want %q, got nil", tc.want)
		}
	}
}
