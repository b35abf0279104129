package config

import (
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notices"
	"github.com/firebreak-ir/firebreak/internal/notify"
)

// NoticesFile configures notices: how they name the organisation and its
// contacts, and the organisation's own templates.
//
//	notices:
//	  organization: Example GmbH
//	  dpo: "Dana Doe, dpo@example.com, +49 30 1234567"
//	  contact: security@example.com
//	  templates:
//	    - name: acme
//	      audience: customer
//	      obligations: [contract-acme-24h]
//	      title: "Security incident notice ({{.Incident.Ref}})"
//	      body: |
//	        Dear Acme, …
type NoticesFile struct {
	Organization string             `yaml:"organization"`
	DPO          string             `yaml:"dpo"`
	Contact      string             `yaml:"contact"`
	Templates    []notices.Template `yaml:"templates"`
	// Approval says per audience whether a second person must approve a
	// notice before it is sent or submitted: regulator, customer and
	// individuals true, internal false when left out
	// (approval: {internal: true, customer: false}).
	Approval map[notices.Audience]bool `yaml:"approval"`
}

const (
	minCadence = time.Minute
	maxCadence = 24 * time.Hour
)

// checkNotices validates update_cadence and notices: every template
// parses and runs (a failure names the template's field and its line).
func (f *File) checkNotices() error {
	if f.UpdateCadence != nil {
		levels := incident.DefaultLevels()
		if len(f.Severities) > 0 {
			levels = f.Severities
		}
		for sev, d := range f.UpdateCadence {
			if !slices.ContainsFunc(levels, func(l incident.Level) bool { return l.Name == sev }) {
				return fmt.Errorf("update_cadence.%s: no such severity level", sev)
			}
			v, err := time.ParseDuration(d)
			if err != nil || v < minCadence || v > maxCadence {
				return fmt.Errorf("update_cadence.%s: %q is not a duration between 1m and 24h, such as 30m", sev, d)
			}
		}
	}
	n := f.Notices
	if n == nil {
		return nil
	}
	for _, c := range []struct{ field, v string }{{"organization", n.Organization}, {"dpo", n.DPO}, {"contact", n.Contact}} {
		if len(c.v) > 500 {
			return fmt.Errorf("notices.%s: at most 500 bytes", c.field)
		}
		// They reach notice titles, which are email subjects.
		if err := notify.HeaderText(c.v); err != nil {
			return fmt.Errorf("notices.%s: must be one line of text: it %w", c.field, err)
		}
	}
	for _, a := range slices.Sorted(maps.Keys(n.Approval)) {
		if !a.Valid() {
			return fmt.Errorf("notices.approval.%s: no such audience; one of regulator, customer, individuals, internal", a)
		}
	}
	seen := map[string]bool{}
	for i, t := range n.Templates {
		at := fmt.Sprintf("notices.templates[%d]", i)
		if seen[t.Name] {
			return fmt.Errorf("%s.name: %s is listed twice", at, t.Name)
		}
		seen[t.Name] = true
		if err := t.Validate(); err != nil {
			if e, ok := errs.As(err); ok {
				return fmt.Errorf("%s.%s: %s", at, e.Field, e.Message)
			}
			return fmt.Errorf("%s: %w", at, err)
		}
	}
	return nil
}

// checkClosing checks close_requires_duties names known severities.
func (f *File) checkClosing() error {
	levels := incident.DefaultLevels()
	if len(f.Severities) > 0 {
		levels = f.Severities
	}
	for _, sev := range slices.Sorted(maps.Keys(f.CloseRequiresDuties)) {
		if !slices.ContainsFunc(levels, func(l incident.Level) bool { return l.Name == sev }) {
			names := make([]string, len(levels))
			for i, l := range levels {
				names[i] = l.Name
			}
			return fmt.Errorf("close_requires_duties.%s: no such severity level; levels are %s", sev, strings.Join(names, ", "))
		}
	}
	return nil
}

// NoticesConfig is what the file says about notices and stakeholder
// updates (the defaults where it says nothing).
func (f File) NoticesConfig() notices.Config {
	var c notices.Config
	if n := f.Notices; n != nil {
		c.Organization = notices.Letterhead{Name: n.Organization, DPO: n.DPO, Contact: n.Contact}
		c.Templates = n.Templates
		c.Approval = maps.Clone(n.Approval)
	}
	if f.UpdateCadence != nil {
		c.Cadence = map[string]time.Duration{}
		for sev, d := range f.UpdateCadence {
			v, _ := time.ParseDuration(d) // checked by Parse
			c.Cadence[sev] = v
		}
	}
	return c
}
