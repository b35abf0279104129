package notices

// Builtin returns the templates Firebreak ships: one per audience, and the
// GDPR notices whose content the law lists. Square brackets mark what only
// a person can write; a notice is a draft until someone has.
func Builtin() []Template {
	out := make([]Template, len(builtin))
	copy(out, builtin)
	for i := range out {
		out[i].Source = SourceBuiltin
		out[i].Obligations = append([]string(nil), builtin[i].Obligations...)
	}
	return out
}

var builtin = []Template{
	{
		Name: "regulator", Audience: Regulator,
		Description: "Notification of an incident to a regulator or authority",
		Title:       `Incident notification: {{.Incident.Title}} ({{.Incident.Ref}})`,
		Body: `# Incident notification

**Organisation:** {{default "[organisation]" .Organization.Name}}
**Our reference:** {{.Incident.Ref}}
{{- with .Obligation.ObligationID}}
**Obligation:** {{.}}{{with $.Phase}} ({{.}}){{end}}{{with $.Obligation.Basis}} — {{.}}{{end}}
{{- end}}
**Date of this notice:** {{date .Now}}

## What happened

{{default "[Describe the incident.]" .Incident.Summary}}

- Detected: {{date .Incident.DetectedAt}}
{{- range $anchor, $at := .Facts.Anchors}}
- {{$anchor}}: {{date $at}}
{{- end}}
- Current status: {{.Incident.State}}
- Affected systems: {{list .Incident.Affected}}

## Impact

- Personal data involved: {{if .Facts.PersonalData}}yes{{else}}no{{end}}
- Categories of data: {{list .Facts.DataTypes}}
- People affected (approximate): {{count .Facts.AffectedIndividuals}}

## Measures taken

{{default "[Containment, eradication and recovery measures taken or planned.]" .Incident.Resolution}}

## Contact

{{default "[contact point]" .Organization.Contact}}
`,
	},
	{
		Name: "customer", Audience: Customer,
		Description: "Notice to a customer whose service or data the incident touched",
		Title:       `Security incident notice from {{default "us" .Organization.Name}}`,
		Body: `Dear customer,

We are writing to tell you about a security incident that affects services we provide to you.

## What happened

{{default "[Describe what happened, in plain words.]" .Incident.Summary}}

We detected the incident on {{date .Incident.DetectedAt}}. Its current status is: {{.Incident.State}}.

## What it means for you

[What data or service of the customer is affected, and what they should do.]

## What we are doing

{{default "[The measures taken and planned.]" .Incident.Resolution}}

## Contact

Questions: {{default "[contact]" .Organization.Contact}}. Please quote our reference {{.Incident.Ref}}.

{{default "" .Organization.Name}}
`,
	},
	{
		Name: "individuals", Audience: Individuals,
		Description: "Notice to people whose personal data was affected",
		Title:       `Important: your personal data`,
		Body: `Dear [name],

We are contacting you because an incident at {{default "[organisation]" .Organization.Name}} affected personal data about you.

## What happened

{{default "[Describe what happened, in plain words.]" .Incident.Summary}}

## Which data

{{list .Facts.DataTypes}}

## What we are doing

{{default "[The measures taken to address the breach and limit its effects.]" .Incident.Resolution}}

## What you can do

[Steps the person can take to protect themselves.]

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

{{default "[Summary]" .Incident.Summary}}

## Affected

{{list .Incident.Affected}}

## Next update

[When the next update will come.]

Do not forward outside the company.
`,
	},
	{
		Name: "gdpr-art33", Audience: Regulator,
		Description: "Personal data breach notification to the supervisory authority, with the content GDPR Art. 33(3) requires",
		Obligations: []string{"eu-gdpr-art33-supervisory-authority", "uk-gdpr-art33-ico"},
		Title:       `Personal data breach notification (GDPR Art. 33) — {{default "[organisation]" .Organization.Name}} — {{.Incident.Ref}}`,
		Body: `# Notification of a personal data breach

**Controller:** {{default "[organisation]" .Organization.Name}}
**Our reference:** {{.Incident.Ref}}
**Obligation:** {{default "GDPR Art. 33" .Obligation.ObligationID}}{{with .Phase}} — {{.}}{{end}}
**Became aware:** {{date (index .Facts.Anchors "aware")}}
{{- with .Obligation.DueAt}}
**Due:** {{date .}}
{{- end}}
**Date of this notification:** {{date .Now}}

## (a) Nature of the breach

{{default "[Describe the breach: what happened, how, and when.]" .Incident.Summary}}

- Categories of personal data: {{list .Facts.DataTypes}}
- Categories of data subjects concerned: [e.g. customers, employees]
- Approximate number of data subjects concerned: {{count .Facts.AffectedIndividuals}}
{{- range $where, $n := .Facts.AffectedByJurisdiction}}
  - {{$where}}: {{$n}}
{{- end}}
- Approximate number of personal data records concerned: [number]

## (b) Data protection officer or other contact point

{{default "[name and contact details of the DPO or other contact point]" .Organization.DPO}}

## (c) Likely consequences of the breach

[Describe the likely consequences for the data subjects.]

## (d) Measures taken or proposed

{{default "[Measures taken or proposed to address the breach, including measures to mitigate its possible adverse effects.]" .Incident.Resolution}}

Containment status: {{.Incident.State}}.
{{- with .Incident.RootCause}}
Root cause: {{.}}
{{- end}}

Where this notification is made later than 72 hours after becoming aware, the reasons for the delay: [reasons, or "not applicable"].

Information not yet available will be provided in phases without undue further delay (Art. 33(4)).
`,
	},
	{
		Name: "gdpr-art34", Audience: Individuals,
		Description: "Communication of a personal data breach to data subjects, with the content GDPR Art. 34(2) requires",
		Obligations: []string{"eu-gdpr-art34-data-subjects", "uk-gdpr-art34-individuals"},
		Title:       `Important: a personal data breach affecting you`,
		Body: `Dear [name],

We are writing to tell you about a personal data breach at {{default "[organisation]" .Organization.Name}} that is likely to affect you.

## What happened

{{default "[Describe the breach in clear and plain language.]" .Incident.Summary}}

The personal data concerned: {{list .Facts.DataTypes}}.

## Likely consequences

[Describe the likely consequences for you.]

## What we have done

{{default "[Measures taken or proposed to address the breach and mitigate its possible adverse effects.]" .Incident.Resolution}}

## What you can do

[Recommendations to protect yourself.]

## Who to contact

{{default "[name and contact details of the DPO or other contact point]" .Organization.DPO}}
`,
	},
}
