package web

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"time"

	"github.com/goccy/go-yaml"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/oncall"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// Teams, services, schedules, escalation policies and incident rules: a
// list page per kind, and a page per object where an admin edits it as
// YAML (or JSON, which is YAML too). The text is decoded strictly into the
// object's type and stored with Pager.Put, which checks it against the
// rest of the configuration; a failure shows the form again with the text
// as typed and every problem by its field.

// objectKind describes one kind of on-call object to the pages.
type objectKind struct {
	Kind   roster.Kind
	Slug   string // in URLs: /oncall/{slug}/{name}
	Title  string // "Schedules"
	One    string // "schedule"
	Group  string // where Pager's error fields put it: "schedules"
	decode func(data []byte) (any, string, error)
}

func decodeAs[T any](name func(T) string) func([]byte) (any, string, error) {
	return func(data []byte) (any, string, error) {
		var v T
		if err := yaml.UnmarshalWithOptions(data, &v, yaml.Strict()); err != nil {
			return nil, "", err
		}
		return v, name(v), nil
	}
}

var objectKinds = []objectKind{
	{roster.KindSchedule, "schedules", "Schedules", "schedule", "schedules", decodeAs(func(v oncall.Schedule) string { return v.Name })},
	{roster.KindPolicy, "policies", "Escalation policies", "escalation policy", "policies", decodeAs(func(v oncall.Policy) string { return v.Name })},
	{roster.KindTeam, "teams", "Teams", "team", "teams", decodeAs(func(v roster.Team) string { return v.Name })},
	{roster.KindService, "services", "Services", "service", "services", decodeAs(func(v roster.Service) string { return v.Name })},
	{roster.KindIncidentRule, "incident-rules", "Incident rules", "incident rule", "incident_rules", decodeAs(func(v roster.IncidentRule) string { return v.Severity })},
}

// objectRow is one object in a list.
type objectRow struct {
	Name    string
	Summary []string // facts shown in the list, one per cell
}

type objectsData struct {
	base
	Sub     string
	K       objectKind
	Columns []string
	Rows    []objectRow
	Form    objectForm
}

type objectForm struct {
	Text     string
	Format   string // yaml or json
	Problems []errs.Detail
	Summary  string // the notice above the page when Problems are not about the text
}

type objectData struct {
	base
	Sub      string
	K        objectKind
	Name     string
	Form     objectForm
	Timeline *timeline // schedules
	ICS      string
	Override overrideForm
	Overs    []overrideRow
	Users    []string
	Zone     string
}

func (s *Server) objectsPage(k objectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		s.renderObjects(w, r, k, http.StatusOK, objectForm{Text: s.exampleOf(r, k), Format: "yaml"})
	}
}

func (s *Server) renderObjects(w http.ResponseWriter, r *http.Request, k objectKind, status int, f objectForm) {
	o, err := s.roster.Objects(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := objectsData{base: s.base(r, k.Title, "oncall"), Sub: string(k.Kind), K: k, Form: f}
	if len(f.Problems) > 0 {
		d.Error = "The " + k.One + " was not saved: " + problemsText(len(f.Problems)) + " below."
	}
	now := s.now()
	switch k.Kind {
	case roster.KindSchedule:
		d.Columns = []string{"Time zone", "Layers", "On call now"}
		for _, n := range sortedKeys(o.Schedules) {
			sc := o.Schedules[n]
			var layers []string
			for _, l := range sc.Layers {
				layers = append(layers, l.Name+" ("+strings.Join(l.Users, ", ")+")")
			}
			d.Rows = append(d.Rows, objectRow{n, []string{sc.TimeZone, strings.Join(layers, "; "), orDash(strings.Join(sc.OnCall(now), ", "))}})
		}
	case roster.KindPolicy:
		d.Columns = []string{"Steps", "Repeats"}
		for _, n := range sortedKeys(o.Policies) {
			p := o.Policies[n]
			d.Rows = append(d.Rows, objectRow{n, []string{policySteps(p), fmt.Sprint(p.Repeat)}})
		}
	case roster.KindTeam:
		d.Columns = []string{"Members", "Description"}
		for _, n := range sortedKeys(o.Teams) {
			t := o.Teams[n]
			d.Rows = append(d.Rows, objectRow{n, []string{orDash(strings.Join(t.Members, ", ")), orDash(t.Description)}})
		}
	case roster.KindService:
		d.Columns = []string{"Team", "Escalation policy", "Description"}
		for _, n := range sortedKeys(o.Services) {
			sv := o.Services[n]
			d.Rows = append(d.Rows, objectRow{n, []string{orDash(sv.Team), orDash(sv.Policy), orDash(sv.Description)}})
		}
	case roster.KindIncidentRule:
		d.Columns = []string{"Pages"}
		for _, n := range sortedKeys(o.IncidentRules) {
			d.Rows = append(d.Rows, objectRow{n, []string{o.IncidentRules[n].Policy}})
		}
	}
	s.render(w, r, status, "oncall_objects", d)
}

// policySteps reads a policy aloud: "1. schedule:primary, 15 min → 2. user:bob, 10 min".
func policySteps(p oncall.Policy) string {
	var parts []string
	for i, st := range p.Steps {
		var ts []string
		for _, t := range st.Targets {
			ts = append(ts, t.String())
		}
		parts = append(parts, fmt.Sprintf("%d. %s, %d min", i+1, strings.Join(ts, " + "), st.Delay))
	}
	return strings.Join(parts, " → ")
}

func orDash(s string) string {
	if s == "" {
		return "—"
	}
	return s
}

func sortedKeys[V any](m map[string]V) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func problemsText(n int) string {
	if n == 1 {
		return "one problem is listed"
	}
	return fmt.Sprintf("%d problems are listed", n)
}

// exampleOf is the text a new object's form starts with.
func (s *Server) exampleOf(r *http.Request, k objectKind) string {
	me := userFrom(r).Username
	var v any
	switch k.Kind {
	case roster.KindSchedule:
		day := s.now().UTC().Truncate(24 * time.Hour).Add(9 * time.Hour)
		v = oncall.Schedule{Name: "primary", TimeZone: "UTC", Layers: []oncall.Layer{{Name: "weekly", Users: []string{me},
			Start: day, Rotation: oncall.Rotation{Kind: oncall.Weekly}, HandoffTime: "09:00"}}}
	case roster.KindPolicy:
		v = oncall.Policy{Name: "default", Steps: []oncall.Step{{Targets: []oncall.Target{{Kind: oncall.TargetUser, Name: me}}, Delay: 15}}}
	case roster.KindTeam:
		v = roster.Team{Name: "sre", Description: "Site reliability", Members: []string{me}}
	case roster.KindService:
		v = roster.Service{Name: "checkout", Description: "What customers pay with", Team: "sre", Policy: "default"}
	case roster.KindIncidentRule:
		v = roster.IncidentRule{Severity: "SEV1", Policy: "default"}
	}
	text, _ := marshalObject(v, "yaml")
	return text
}

// marshalObject shows an object as YAML or JSON.
func marshalObject(v any, format string) (string, error) {
	if format == "json" {
		var b bytes.Buffer
		enc := json.NewEncoder(&b)
		enc.SetIndent("", "  ")
		enc.SetEscapeHTML(false)
		if err := enc.Encode(v); err != nil {
			return "", err
		}
		return b.String(), nil
	}
	b, err := yaml.MarshalWithOptions(v, yaml.IndentSequence(true))
	return string(b), err
}

func (s *Server) objectPage(k objectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		format := "yaml"
		if r.URL.Query().Get("format") == "json" {
			format = "json"
		}
		s.renderObject(w, r, k, r.PathValue("name"), http.StatusOK, objectForm{Format: format}, overrideForm{})
	}
}

// renderObject shows one object; an empty f.Text shows the stored one.
func (s *Server) renderObject(w http.ResponseWriter, r *http.Request, k objectKind, name string, status int, f objectForm, of overrideForm) {
	o, err := s.roster.Objects(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	v, ok := o.Get(roster.Key{Kind: k.Kind, Name: name})
	if !ok {
		s.errorPage(w, r, http.StatusNotFound, fmt.Sprintf("There is no %s named %q.", k.One, name))
		return
	}
	if f.Text == "" {
		if f.Text, err = marshalObject(v, f.Format); err != nil {
			s.fail(w, r, err)
			return
		}
	}
	d := objectData{base: s.base(r, name+" · "+k.Title, "oncall"), Sub: string(k.Kind), K: k, Name: name, Form: f, Override: of}
	if len(f.Problems) > 0 {
		d.Error = "Not saved: " + problemsText(len(f.Problems)) + " below. Your text is kept."
	}
	if f.Summary != "" {
		d.Error = f.Summary
	}
	if of.Err != "" {
		d.Error = of.Err
	}
	if sch, ok := v.(oncall.Schedule); ok {
		if !s.scheduleExtras(w, r, &d, sch) {
			return
		}
	}
	s.render(w, r, status, "oncall_object", d)
}

// createObject adds a new object; one of that name must not exist yet.
func (s *Server) createObject(k objectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !parseForm(w, r) {
			return
		}
		f := objectForm{Text: r.PostFormValue("text"), Format: "yaml"}
		v, name, err := decodeObject(k, f.Text)
		if err == nil {
			o, lerr := s.roster.Objects(r.Context())
			if lerr != nil {
				s.fail(w, r, lerr)
				return
			}
			if _, exists := o.Get(roster.Key{Kind: k.Kind, Name: name}); exists {
				err = errs.E(errs.Conflict, nameField(k), "a %s named %q already exists: edit it on its own page", k.One, name)
			} else {
				err = s.roster.Put(r.Context(), userFrom(r).Username, v)
			}
		}
		if err != nil {
			if f.Problems = problems(k, name, err); f.Problems == nil {
				s.fail(w, r, err)
				return
			}
			s.renderObjects(w, r, k, codeOf(err), f)
			return
		}
		http.Redirect(w, r, "/oncall/"+k.Slug+"/"+url.PathEscape(name)+"?flash="+urlQuery("Created "+k.One+" "+name+"."), http.StatusSeeOther)
	}
}

// saveObject replaces an object; a changed name renames it, in one change.
func (s *Server) saveObject(k objectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !parseForm(w, r) {
			return
		}
		old := r.PathValue("name")
		f := objectForm{Text: r.PostFormValue("text"), Format: r.PostFormValue("format")}
		v, name, err := decodeObject(k, f.Text)
		if err == nil {
			var deletes []roster.Key
			if name != old {
				deletes = []roster.Key{{Kind: k.Kind, Name: old}}
			}
			err = s.roster.Change(r.Context(), userFrom(r).Username, []any{v}, deletes)
		}
		if err != nil {
			if f.Problems = problems(k, name, err); f.Problems == nil {
				s.fail(w, r, err)
				return
			}
			s.renderObject(w, r, k, old, codeOf(err), f, overrideForm{})
			return
		}
		flash := "Saved " + k.One + " " + name + "."
		if name != old {
			flash = "Renamed " + k.One + " " + old + " to " + name + "."
		}
		http.Redirect(w, r, "/oncall/"+k.Slug+"/"+url.PathEscape(name)+"?flash="+urlQuery(flash), http.StatusSeeOther)
	}
}

func (s *Server) deleteObject(k objectKind) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		if !parseForm(w, r) {
			return
		}
		name := r.PathValue("name")
		if err := s.roster.Delete(r.Context(), userFrom(r).Username, roster.Key{Kind: k.Kind, Name: name}); err != nil {
			ps := problems(k, name, err)
			if ps == nil || codeOf(err) == http.StatusNotFound {
				s.fail(w, r, err)
				return
			}
			// Still referred to: say by what, on the object's page.
			f := objectForm{Format: "yaml", Problems: ps, Summary: "The " + k.One + " was not deleted: " + problemsText(len(ps)) + " below."}
			s.renderObject(w, r, k, name, http.StatusUnprocessableEntity, f, overrideForm{})
			return
		}
		http.Redirect(w, r, "/oncall/"+k.Slug+"?flash="+urlQuery("Deleted "+k.One+" "+name+"."), http.StatusSeeOther)
	}
}

func nameField(k objectKind) string {
	if k.Kind == roster.KindIncidentRule {
		return "severity"
	}
	return "name"
}

func decodeObject(k objectKind, text string) (any, string, error) {
	if strings.TrimSpace(text) == "" {
		return nil, "", errs.E(errs.Invalid, "text", "is empty: write the %s as YAML or JSON", k.One)
	}
	v, name, err := k.decode([]byte(text))
	if err != nil {
		return nil, "", decodeProblem(err)
	}
	return v, name, nil
}

// decodeProblem turns a YAML decoding error into one problem located by
// line and column.
func decodeProblem(err error) error {
	var ye yaml.Error
	if errors.As(err, &ye) {
		field := "text"
		if tk := ye.GetToken(); tk != nil && tk.Position != nil {
			field = fmt.Sprintf("line %d, column %d", tk.Position.Line, tk.Position.Column)
		}
		return errs.E(errs.Invalid, field, "%s", ye.GetMessage())
	}
	return errs.E(errs.Invalid, "text", "%s", err.Error())
}

// problems lists an error's details for the form, with the object's own
// prefix ("schedules.primary.") taken off the fields, or nil when the error
// is not the person's to fix.
func problems(k objectKind, name string, err error) []errs.Detail {
	e, ok := errs.As(err)
	if !ok || codeOf(err) == 0 {
		return nil
	}
	ds := e.Details
	if len(ds) == 0 {
		ds = []errs.Detail{{Field: e.Field, Message: e.Message}}
	}
	prefix := k.Group + "." + name + "."
	out := make([]errs.Detail, 0, len(ds))
	for _, d := range ds {
		d.Field = strings.TrimPrefix(d.Field, prefix)
		out = append(out, d)
	}
	return out
}
