package config

import (
	"testing"
)

func TestOrganizationBlock(t *testing.T) {
	f, err := Parse([]byte("organization:\n  roles: [controller]\n  entity_types: [essential_entity]\n  countries: [DE]\n  calendars: {EU: DE}\n" +
		"  targets: {eu-gdpr-art34-data-subjects: 48h}\n  reminders: {half_time: true, before: [24h, 1h], overdue: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	o := f.Organization
	if o == nil || o.Roles[0] != "controller" || o.Calendars["EU"] != "DE" || o.Targets["eu-gdpr-art34-data-subjects"] != "48h" || len(o.Reminders.Before) != 2 {
		t.Fatalf("organization: %+v", o)
	}
	for _, tt := range []struct{ in, want string }{
		{"organization:\n  countries: [Germany]\n", `organization.countries[0]: "Germany" is not a country such as DE or US-CA`},
		{"organization:\n  reminders: {before: [soon]}\n  roles: [data controller]\n",
			`organization.roles[0]: "data controller" is not a role such as controller or processor; organization.reminders.before[0]: "soon" is not a duration such as 48h or 90m`},
		{"organization:\n  role: [controller]\n", `[2:3] unknown field "role"`},
	} {
		_, err := Parse([]byte(tt.in))
		if err == nil || err.Error() != tt.want {
			t.Errorf("%q: got %v, want %q", tt.in, err, tt.want)
		}
	}
}
