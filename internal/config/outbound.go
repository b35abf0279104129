package config

import (
	"fmt"
	"net/netip"
	"slices"
	"time"

	"github.com/goccy/go-yaml/parser"

	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/yamlpos"
)

// OutboundFile configures outgoing HTTP requests (webhook, Slack and Teams
// contacts, update subscriptions):
//
//	outbound:
//	  allow: [10.20.0.0/16, hooks.corp.example]
//	  timeout: 10s
//
// Loopback, private, link-local, CGNAT, multicast and cloud metadata
// addresses are refused unless an entry of allow names their network (a
// CIDR or one address) or the host name they are reached by. timeout
// bounds one delivery attempt (an HTTP request, an SMTP exchange), from
// connecting to the reply; 10s when not set.
type OutboundFile struct {
	Allow   []string `yaml:"allow"`
	Timeout string   `yaml:"timeout"`
}

// Bounds of outbound.timeout: a receiver gets at least a second, and a
// page's job retries it within a minute and a little.
const (
	minOutboundTimeout = time.Second
	maxOutboundTimeout = time.Minute
)

// checkOutbound validates outbound.allow; a bad entry is named with its
// line and column, as the decoder names an unknown key.
func (f *File) checkOutbound(data []byte) error {
	if f.Outbound == nil {
		return nil
	}
	seen := map[string]bool{}
	for i, s := range f.Outbound.Allow {
		path := fmt.Sprintf("outbound.allow[%d]", i)
		p, host, err := outbound.ParseAllow(s)
		key := host
		if p.IsValid() {
			key = p.String()
		}
		if err == nil && seen[key] {
			err = fmt.Errorf("%s is listed twice", key)
		}
		if err != nil {
			return fmt.Errorf("%s%s: %w", placeOf(data, path), path, err)
		}
		seen[key] = true
	}
	if t := f.Outbound.Timeout; t != "" {
		d, err := time.ParseDuration(t)
		switch {
		case err != nil:
			return fmt.Errorf("%soutbound.timeout: %q is not a duration (expected one such as 10s)", placeOf(data, "outbound.timeout"), t)
		case d < minOutboundTimeout || d > maxOutboundTimeout:
			return fmt.Errorf("%soutbound.timeout: %s is out of range (expected %s to %s)", placeOf(data, "outbound.timeout"), t, minOutboundTimeout, maxOutboundTimeout)
		}
	}
	return nil
}

// OutboundTimeout is outbound.timeout; 0 (the channels' default, 10s)
// when not set.
func (f File) OutboundTimeout() time.Duration {
	if f.Outbound == nil || f.Outbound.Timeout == "" {
		return 0
	}
	d, _ := time.ParseDuration(f.Outbound.Timeout) // checked by Parse
	return d
}

// placeOf is "[line:col] " where path is written in data, or "".
func placeOf(data []byte, path string) string {
	file, err := parser.ParseBytes(data, 0)
	if err != nil || len(file.Docs) == 0 || file.Docs[0].Body == nil {
		return ""
	}
	at := yamlpos.Build(file.Docs[0].Body).Find(path)
	if at.Line == 0 {
		return ""
	}
	return fmt.Sprintf("[%d:%d] ", at.Line, at.Col)
}

// OutboundPolicy is the outbound policy the file describes (nothing
// allowed beyond public addresses when it says nothing).
func (f File) OutboundPolicy() outbound.Policy {
	var p outbound.Policy
	if f.Outbound == nil {
		return p
	}
	for _, s := range f.Outbound.Allow {
		n, host, err := outbound.ParseAllow(s)
		switch {
		case err != nil: // checked by Parse
		case n.IsValid():
			p.Allow = append(p.Allow, n)
		case !slices.Contains(p.AllowHosts, host):
			p.AllowHosts = append(p.AllowHosts, host)
		}
	}
	slices.SortFunc(p.Allow, netip.Prefix.Compare)
	return p
}
