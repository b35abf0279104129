package deliverylimit

import (
	"net"
	"net/url"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/notify"
)

// Destination is where a delivery to t connects, as the limits count it:
// scheme://host:port of a URL (never its path, which may be a token), the
// domain of an email address (smtp:example.com), slack:api for the Slack
// Web API. Different spellings of one place (case, a default port) are
// one destination.
func Destination(t notify.Target) string {
	switch {
	case t.Kind == notify.KindEmail:
		at := strings.LastIndexByte(t.Address, '@')
		return "smtp:" + strings.ToLower(strings.TrimRight(strings.TrimSpace(t.Address[at+1:]), ">"))
	case t.Kind == notify.KindSlack && t.Address == "":
		return "slack:api"
	}
	u, err := url.Parse(strings.TrimSpace(t.Address))
	if err != nil || u.Host == "" {
		return string(t.Kind) + ":invalid"
	}
	scheme, host, port := strings.ToLower(u.Scheme), strings.ToLower(strings.TrimSuffix(u.Hostname(), ".")), u.Port()
	if port == "" {
		port = "80"
		if scheme == "https" {
			port = "443"
		}
	}
	return scheme + "://" + net.JoinHostPort(host, port)
}
