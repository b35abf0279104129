package notices

// Builtin returns the templates Firebreak ships: one per audience, and the
// GDPR and UK GDPR notices whose content the law lists. {{todo "…"}} marks
// what only a person can write: it renders as a [[…]] marker, and a notice
// that still holds one cannot be approved, submitted or sent. Notices to
// customers and individuals do not copy the incident's internal summary
// or resolution: what they are told is written for them.
func Builtin() []Template {
	out := make([]Template, len(builtin))
	copy(out, builtin)
	for i := range out {
		out[i].Source = SourceBuiltin
		out[i].Obligations = append([]string(nil), builtin[i].Obligations...)
	}
	return out
}

// art33Body is the first notification to a supervisory authority with
// the content Art. 33(3) lists; law names the regulation as the
// recipient reads it ("GDPR", "UK GDPR").
func art33Body(law string) string {
	return `# Notification of a personal data breach (` + law + ` Art. 33)

**Controller:** {{default "[[organisation]]" .Organization.Name}}
**Our reference:** {{.Incident.Ref}}
**Obligation:** {{default "` + law + ` Art. 33" .Obligation.ObligationID}}{{with .Phase}} — {{.}}{{end}}
**Became aware:** {{date (index .Facts.Anchors "aware")}}
{{- with .Obligation.DueAt}}
**Due:** {{date .}}
{{- end}}
**Date of this notification:** {{date .Now}}

## (a) Nature of the breach

{{default "[[Describe the breach: what happened, how, and when.]]" .Incident.Summary}}

- Categories of personal data: {{datatypes .Facts.DataTypes}}
- Categories of data subjects concerned: {{todo "e.g. customers, employees"}}
- Approximate number of data subjects concerned: {{count .Facts.AffectedIndividuals}}
{{- range $where, $n := .Facts.AffectedByJurisdiction}}
  - {{$where}}: {{$n}}
{{- end}}
- Approximate number of personal data records concerned: {{todo "number of records"}}

## (b) Data protection officer or other contact point

{{default "[[name and contact details of the DPO or other contact point]]" .Organization.DPO}}

## (c) Likely consequences of the breach

{{todo "Describe the likely consequences for the data subjects."}}

## (d) Measures taken or proposed

{{default "[[Measures taken or proposed to address the breach, including measures to mitigate its possible adverse effects.]]" .Incident.Resolution}}

Containment status: {{.Incident.State}}.
{{- with .Incident.RootCause}}
Root cause: {{.}}
{{- end}}

Where this notification is made later than 72 hours after becoming aware, the reasons for the delay: {{todo "reasons, or \"not applicable\""}}.

Information not yet available will be provided in phases without undue further delay (Art. 33(4)).
`
}

// art33FollowUp is a notification in phases under Art. 33(4): it refers
// to the first notification (its date and reference) and says what is
// new.
func art33FollowUp(law string) string {
	return `# Further information on a personal data breach (` + law + ` Art. 33(4))

**Controller:** {{default "[[organisation]]" .Organization.Name}}
**Our reference:** {{.Incident.Ref}}
**Date of this notification:** {{date .Now}}

This notification adds to our first notification of this breach
{{- with .Previous}} made on {{date .At}}{{with .Recipient}} to {{.}}{{end}}, {{with .Reference}}reference {{.}}{{else}}reference {{todo "the reference the first notification was given"}}{{end}}.
{{- else}} made on {{todo "date of the first notification"}}, reference {{todo "the reference the first notification was given"}}.
{{- end}}

## What is new since the first notification

{{todo "What is new: facts established since, measures taken, and any correction to the first notification."}}

## The breach as now known

- Categories of personal data: {{datatypes .Facts.DataTypes}}
- Approximate number of data subjects concerned: {{count .Facts.AffectedIndividuals}}
{{- range $where, $n := .Facts.AffectedByJurisdiction}}
  - {{$where}}: {{$n}}
{{- end}}
- Containment status: {{.Incident.State}}
{{- with .Incident.RootCause}}
- Root cause: {{.}}
{{- end}}

## Contact point

{{default "[[name and contact details of the DPO or other contact point]]" .Organization.DPO}}
`
}

var builtin = []Template{
	{
		Name: "regulator", Audience: Regulator,
		Description: "Notification of an incident to a regulator or authority",
		Title:       `Incident notification: {{.Incident.Title}} ({{.Incident.Ref}})`,
		Body: `# Incident notification

**Organisation:** {{default "[[organisation]]" .Organization.Name}}
**Our reference:** {{.Incident.Ref}}
{{- with .Obligation.ObligationID}}
**Obligation:** {{.}}{{with $.Phase}} ({{.}}){{end}}{{with $.Obligation.Basis}} — {{.}}{{end}}
{{- end}}
**Date of this notice:** {{date .Now}}

## What happened

{{default "[[Describe the incident.]]" .Incident.Summary}}

- Detected: {{date .Incident.DetectedAt}}
{{- range $anchor, $at := .Facts.Anchors}}
- {{$anchor}}: {{date $at}}
{{- end}}
- Current status: {{.Incident.State}}
- Affected systems: {{with .Incident.Affected}}{{list .}}{{else}}not yet known{{end}}

## Impact

- Personal data involved: {{if .Facts.PersonalData}}yes{{else}}not established{{end}}
- Categories of data: {{datatypes .Facts.DataTypes}}
- People affected (approximate): {{count .Facts.AffectedIndividuals}}

## Measures taken

{{default "[[Containment, eradication and recovery measures taken or planned.]]" .Incident.Resolution}}

## Contact

{{default "[[contact point]]" .Organization.Contact}}
`,
	},
	{
		Name: "customer", Audience: Customer,
		Description: "Notice to a customer whose service or data the incident touched",
		Title:       `Security incident notice from {{default "us" .Organization.Name}}`,
		Body: `Dear customer,

We are writing to tell you about a security incident that affects services we provide to you.

## What happened

{{todo "Describe what happened, in plain words for the customer."}}

We detected the incident on {{date .Incident.DetectedAt}}.

## What it means for you

{{todo "What data or service of the customer is affected, and what they should do."}}

## What we are doing

{{todo "The measures taken and planned."}}

## Contact

Questions: {{default "[[contact]]" .Organization.Contact}}. Please quote our reference {{.Incident.Ref}}.

{{default "" .Organization.Name}}
`,
	},
	{
		Name: "individuals", Audience: Individuals,
		Description: "Notice to people whose personal data was affected",
		Title:       `Important: your personal data`,
		Body: `Dear {{todo "name, or a greeting every recipient can read"}},

We are contacting you because an incident at {{default "[[organisation]]" .Organization.Name}} affected personal data about you.

## What happened

{{todo "Describe what happened, in plain words."}}

## Which data

{{datatypes .Facts.DataTypes}}

## What we are doing

{{todo "The measures taken to address the breach and limit its effects."}}

## What you can do

{{todo "Steps the person can take to protect themselves."}}

## Contact

{{with .Organization.DPO}}Our data protection officer: {{.}}
{{end}}{{with .Organization.Contact}}Questions: {{.}}
{{end}}`,
	},
	{
		Name: "internal", Audience: Internal,
		Description: "Briefing for staff and leadership",
		Title:       `[{{default "unclassified" .Incident.Severity}}] {{.Incident.Ref}} {{.Incident.Title}}`,
		Body: `**Status:** {{.Incident.State}} · **Severity:** {{default "not assessed" .Incident.Severity}} · **As of:** {{date .Now}}

**IR Lead:** {{holders .Incident "ir_lead"}} · **Commander:** {{holders .Incident "incident_commander"}} · **Comms:** {{holders .Incident "comms_lead"}}

## Summary

{{default "[[Summary]]" .Incident.Summary}}

## Affected

{{with .Incident.Affected}}{{list .}}{{else}}not yet known{{end}}

## Next update

{{todo "When the next update will come."}}

Do not forward outside the company.
`,
	},
	{
		Name: "gdpr-art33", Audience: Regulator,
		Description: "Personal data breach notification to the supervisory authority, with the content GDPR Art. 33(3) requires",
		Obligations: []string{"eu-gdpr-art33-supervisory-authority"}, Phase: "initial_notification",
		Title: `Personal data breach notification (GDPR Art. 33) — {{default "[[organisation]]" .Organization.Name}} — {{.Incident.Ref}}`,
		Body:  art33Body("GDPR"),
	},
	{
		Name: "gdpr-art33-followup", Audience: Regulator,
		Description: "Further information to the supervisory authority in phases (GDPR Art. 33(4)): refers to the first notification and says what is new",
		Obligations: []string{"eu-gdpr-art33-supervisory-authority"}, Phase: "phased_supplementary_information",
		Title: `Further information: personal data breach (GDPR Art. 33(4)) — {{default "[[organisation]]" .Organization.Name}} — {{.Incident.Ref}}`,
		Body:  art33FollowUp("GDPR"),
	},
	{
		Name: "uk-gdpr-art33", Audience: Regulator,
		Description: "Personal data breach report to the Information Commissioner's Office (ICO), with the content UK GDPR Art. 33(3) requires",
		Obligations: []string{"uk-gdpr-art33-ico"}, Phase: "initial_report",
		Title: `Personal data breach report to the ICO (UK GDPR Art. 33) — {{default "[[organisation]]" .Organization.Name}} — {{.Incident.Ref}}`,
		Body:  "To: the Information Commissioner's Office (ICO)\n\n" + art33Body("UK GDPR"),
	},
	{
		Name: "uk-gdpr-art33-followup", Audience: Regulator,
		Description: "Further information to the ICO in phases (UK GDPR Art. 33(4)): refers to the first report and says what is new",
		Obligations: []string{"uk-gdpr-art33-ico"}, Phase: "updates_in_phases",
		Title: `Further information for the ICO: personal data breach (UK GDPR Art. 33(4)) — {{default "[[organisation]]" .Organization.Name}} — {{.Incident.Ref}}`,
		Body:  "To: the Information Commissioner's Office (ICO)\n\n" + art33FollowUp("UK GDPR"),
	},
	{
		Name: "gdpr-art34", Audience: Individuals,
		Description: "Communication of a personal data breach to data subjects, with the content GDPR and UK GDPR Art. 34(2) require",
		Obligations: []string{"eu-gdpr-art34-data-subjects", "uk-gdpr-art34-individuals"},
		Title:       `Important: a personal data breach affecting you`,
		Body: `Dear {{todo "name, or a greeting every recipient can read"}},

We are writing to tell you about a personal data breach at {{default "[[organisation]]" .Organization.Name}} that is likely to affect you.

## What happened

{{todo "Describe the breach in clear and plain language."}}

The personal data concerned: {{datatypes .Facts.DataTypes}}.

## Likely consequences

{{todo "Describe the likely consequences for you."}}

## What we have done

{{todo "Measures taken or proposed to address the breach and mitigate its possible adverse effects."}}

## What you can do

{{todo "Recommendations to protect yourself."}}

## Who to contact

{{default "[[name and contact details of the DPO or other contact point]]" .Organization.DPO}}
`,
	},
}
