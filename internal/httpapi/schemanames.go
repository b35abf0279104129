package httpapi

import (
	"reflect"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/postmortem"
)

// renamed gives schemas whose Go names clash across packages a name of
// their own in the OpenAPI document: huma names a schema by its type's
// name alone and refuses two types of one name.
var renamed = map[reflect.Type]string{
	// A post-mortem's timeline line, beside TimelineItem (an event as the
	// timeline shows it).
	reflect.TypeFor[incident.TimelineItem](): "PostmortemTimelineItem",
	// An exported post-mortem's action item (with its state), beside the
	// post-mortem's own.
	reflect.TypeFor[postmortem.ActionItem](): "PostmortemExportActionItem",
	// A destination's JSON form is the destination as clients see it.
	reflect.TypeFor[alert.DestinationJSON](): "Destination",
}

// schemaName names schemas as huma does, but for the renamed types.
func schemaName(t reflect.Type, hint string) string {
	base := t
	for base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	if name, ok := renamed[base]; ok {
		return name
	}
	return huma.DefaultSchemaNamer(t, hint)
}
