package app

import "context"

// warnReportsPageNobody logs a warning at start when reports from people
// would page nobody: their service (reports.service, "security" by
// default) is not defined in the on-call configuration or has no
// escalation policy. They still land in the triage queue, which says the
// same.
func (a *App) warnReportsPageNobody(ctx context.Context) {
	service := a.Services.Triage.ReportService()
	why, err := a.Services.Roster.PagesNobody(ctx, service)
	if err != nil {
		a.cfg.Logger.Error("check where reports page", "service", service, "err", err)
		return
	}
	if why != "" {
		a.cfg.Logger.Warn("reports page nobody: "+why+"; they wait in the triage queue until someone looks. "+
			"Define the service with an escalation policy in the on-call configuration, or name another in the policy file (reports.service)",
			"service", service)
	}
}
