package config

import (
	"fmt"
	"regexp"

	"github.com/firebreak-ir/firebreak/internal/triage"
)

// ReportsFile configures where reports from people land.
//
//	reports:
//	  service: security   # the on-call service whose escalation policy reports page
type ReportsFile struct {
	// Service is the on-call service external and internal reports are
	// filed on: its escalation policy pages when one arrives. Default
	// triage.DefaultReportService ("security").
	Service string `yaml:"service"`
}

// serviceName is an on-call service's name (as paging accepts it).
var serviceName = regexp.MustCompile(`^[a-zA-Z0-9][a-zA-Z0-9._-]{0,63}$`)

func (r *ReportsFile) check() error {
	if r == nil {
		return nil
	}
	if !serviceName.MatchString(r.Service) {
		return fmt.Errorf("reports.service: %q is not a service name (1–64 letters, digits, or . _ -, starting with a letter or digit)", r.Service)
	}
	return nil
}

// ReportService is the service reports are filed on.
func (f File) ReportService() string {
	if f.Reports == nil || f.Reports.Service == "" {
		return triage.DefaultReportService
	}
	return f.Reports.Service
}
