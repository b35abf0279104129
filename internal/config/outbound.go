package config

import (
	"fmt"
	"net/netip"
	"slices"

	"github.com/goccy/go-yaml/parser"

	"github.com/firebreak-ir/firebreak/internal/outbound"
	"github.com/firebreak-ir/firebreak/internal/yamlpos"
)

// OutboundFile configures outgoing HTTP requests (webhook, Slack and Teams
// contacts, update subscriptions):
//
//	outbound:
//	  allow: [10.20.0.0/16, hooks.corp.example]
//
// Loopback, private, link-local, CGNAT, multicast and cloud metadata
// addresses are refused unless an entry of allow names their network (a
// CIDR or one address) or the host name they are reached by.
type OutboundFile struct {
	Allow []string `yaml:"allow"`
}

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
	return nil
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
