package cli

import (
	"fmt"
	"io"
	"maps"
	"reflect"
	"slices"
	"strings"
	"text/tabwriter"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
)

// listShape gives every list printed with -o json one shape, an object
// {"items": [...]} that can grow fields (next, total) without breaking
// scripts: a bare slice is wrapped, and an "items" field holding a nil slice
// is printed as [] rather than null. It is applied in print, the one place
// JSON is written, so a new command cannot forget it.
func listShape(v any) any {
	rv := reflect.ValueOf(v)
	switch rv.Kind() {
	case reflect.Slice, reflect.Array:
		if rv.Kind() == reflect.Slice && rv.IsNil() {
			rv = reflect.MakeSlice(rv.Type(), 0, 0)
		}
		return struct {
			Items any `json:"items"`
		}{rv.Interface()}
	case reflect.Struct:
		for i := range rv.NumField() {
			f := rv.Type().Field(i)
			name, _, _ := strings.Cut(f.Tag.Get("json"), ",")
			if name == "items" && f.IsExported() && f.Type.Kind() == reflect.Slice && rv.Field(i).IsNil() {
				cp := reflect.New(rv.Type()).Elem()
				cp.Set(rv)
				cp.Field(i).Set(reflect.MakeSlice(f.Type, 0, 0))
				return cp.Interface()
			}
		}
	}
	return v
}

func tab(w io.Writer) *tabwriter.Writer { return tabwriter.NewWriter(w, 0, 4, 2, ' ', 0) }

func ts(t time.Time) string {
	if t.IsZero() {
		return "-"
	}
	return t.UTC().Format("2006-01-02 15:04:05Z")
}

func tsp(t *time.Time) string {
	if t == nil {
		return "-"
	}
	return ts(*t)
}

func dash(s string) string {
	if s == "" {
		return "-"
	}
	return s
}

func truncate(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n-1]) + "…"
	}
	return s
}

func labelString(l map[string]string) string {
	var parts []string
	for _, k := range slices.Sorted(maps.Keys(l)) {
		parts = append(parts, k+"="+l[k])
	}
	return strings.Join(parts, ",")
}

func showIncident(w io.Writer, inc incident.Incident) {
	t := tab(w)
	row := func(k, v string) { fmt.Fprintf(t, "%s\t%s\n", k, v) }
	row("Ref", inc.Ref)
	row("Title", inc.Title)
	row("State", string(inc.State))
	sev := dash(inc.Severity)
	if inc.Significant {
		sev += " (significant)"
	}
	row("Severity", sev)
	row("Type", dash(inc.Type))
	row("Source", string(inc.Source))
	if inc.Restricted {
		row("Restricted", "yes")
	}
	row("Detected", ts(inc.DetectedAt))
	row("Declared", ts(inc.DeclaredAt)+" by "+inc.DeclaredBy)
	for _, s := range incident.States {
		if at, ok := inc.Phases[s]; ok {
			row("  "+string(s), ts(at))
		}
	}
	var roles []string
	for _, a := range inc.Roles {
		roles = append(roles, a.User+" ("+string(a.Role)+")")
	}
	row("Roles", dash(strings.Join(roles, ", ")))
	row("Labels", dash(labelString(inc.Labels)))
	row("Affected", dash(strings.Join(inc.Affected, ", ")))
	row("Root cause", dash(inc.RootCause))
	row("Resolution", dash(inc.Resolution))
	row("Post-mortem", string(inc.Postmortem.Status)+", due "+tsp(inc.PostmortemDue))
	if inc.MergedInto != "" {
		row("Merged into", inc.MergedInto)
	}
	if len(inc.MergedFrom) > 0 {
		row("Merged from", strings.Join(inc.MergedFrom, ", "))
	}
	if inc.StateReason != "" {
		row("Reason", inc.StateReason)
	}
	for _, warn := range inc.Warnings {
		row("Warning", warn)
	}
	if inc.Summary != "" {
		row("Summary", strings.ReplaceAll(inc.Summary, "\n", " "))
	}
	t.Flush()
}
