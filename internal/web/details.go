package web

import (
	"net/http"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// detailValues are the Details form's fields as the form writes them.
type detailValues struct {
	Title, Type, Summary, Affected, RootCause, Resolution, Labels string
}

func detailsOf(inc incident.Incident) detailValues {
	return detailValues{Title: inc.Title, Type: inc.Type, Summary: inc.Summary, Affected: strings.Join(inc.Affected, "\n"),
		RootCause: inc.RootCause, Resolution: inc.Resolution, Labels: labelsText(inc.Labels)}
}

// detailFieldView is one field of the Details form as the page shows it.
type detailFieldView struct {
	Name, ID, Label, Hint string
	Value, Orig, Conflict string
	Rows, Max             int // Rows for a textarea, Max for a one-line input
	Required              bool
}

// DetailFields lays out the Details form: each field with what the person
// sees (Value), what it was rendered from (Orig, sent back hidden) and,
// after a refused save, who changed it meanwhile.
func (d incidentData) DetailFields() []detailFieldView {
	form := detailValues{Title: d.Form.Title, Type: d.Form.Type, Summary: d.Form.Summary, Affected: d.Form.Affected,
		RootCause: d.Form.RootCause, Resolution: d.Form.Resolution, Labels: d.Form.Labels}
	views := []detailFieldView{
		{Name: "title", ID: "d-title", Label: "Title", Max: incident.MaxTitle, Required: true},
		{Name: "type", ID: "d-type", Label: "Type", Max: incident.MaxType},
		{Name: "summary", ID: "d-summary", Label: "Summary", Rows: 3},
		{Name: "affected", ID: "d-affected", Label: "Affected systems", Hint: "one per line", Rows: 3},
		{Name: "root_cause", ID: "d-root", Label: "Root cause", Hint: "needed to mark eradicated", Rows: 3},
		{Name: "resolution", ID: "d-res", Label: "Resolution", Rows: 2},
		{Name: "labels", ID: "d-labels", Label: "Labels", Hint: "name=value, one per line", Rows: 2},
	}
	orig := d.Orig
	for i := range views {
		for _, f := range detailFields {
			if f.name == views[i].Name {
				views[i].Value, views[i].Orig = *f.get(&form), *f.get(&orig)
			}
		}
		views[i].Conflict = d.Conflicts[views[i].Name]
	}
	return views
}

// detailField is one field of the Details form: its form name, which is
// also the name the domain and the API use.
type detailField struct {
	name string
	get  func(*detailValues) *string
}

var detailFields = []detailField{
	{"title", func(v *detailValues) *string { return &v.Title }},
	{"type", func(v *detailValues) *string { return &v.Type }},
	{"summary", func(v *detailValues) *string { return &v.Summary }},
	{"affected", func(v *detailValues) *string { return &v.Affected }},
	{"root_cause", func(v *detailValues) *string { return &v.RootCause }},
	{"resolution", func(v *detailValues) *string { return &v.Resolution }},
	{"labels", func(v *detailValues) *string { return &v.Labels }},
}

// details saves the Details form. The form carries, beside each field, the
// value it was rendered with (orig_<name>); only fields that differ from
// their original are sent to the domain, each with that original, so a
// field someone else changed meanwhile is kept unless this person edited it
// too, and then the save is refused with both values (a conflict). With
// script, fields left as they were are not even sent. A post without
// originals (edit=fields absent) is a whole-form save checked against the
// version, as before.
func (s *Server) details(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	if r.PostFormValue("edit") != "fields" {
		s.detailsWhole(w, r)
		return
	}
	var yours, was detailValues
	sent, hasOrig := map[string]bool{}, map[string]bool{}
	for _, f := range detailFields {
		if v, ok := r.PostForm[f.name]; ok {
			sent[f.name] = true
			*f.get(&yours) = v[0]
		}
		if o, ok := r.PostForm["orig_"+f.name]; ok {
			hasOrig[f.name] = true
			*f.get(&was) = o[0]
		}
	}
	// The fields the person changed; the others show what is stored now
	// when the page comes back with an error.
	edited := map[string]bool{}
	for _, f := range detailFields {
		edited[f.name] = sent[f.name] && (!hasOrig[f.name] || !sameText(*f.get(&yours), *f.get(&was)))
	}
	in, orig := incident.UpdateInput{}, incident.UpdateInput{}
	for _, f := range detailFields {
		if !sent[f.name] {
			continue
		}
		if err := setDetail(&in, f.name, *f.get(&yours)); err != nil {
			s.detailsFailed(w, r, err, yours, edited)
			return
		}
		if hasOrig[f.name] {
			if err := setDetail(&orig, f.name, *f.get(&was)); err != nil {
				s.detailsFailed(w, r, invalid("orig_"+f.name, "the form's original value does not read; reload the page"), yours, edited)
				return
			}
		}
	}
	in.Was = &orig
	_, err := s.incidents.Update(r.Context(), incident.Command{Actor: viewerOf(userFrom(r)), Ref: r.PathValue("ref")}, in)
	if err != nil {
		s.detailsFailed(w, r, err, yours, edited)
		return
	}
	http.Redirect(w, r, backURL(r, r.PathValue("ref"), "details", "Details saved."), http.StatusSeeOther)
}

// detailsFailed shows the page again with the error: the fields the person
// edited keep what they typed, the others show what is stored now, and the
// originals are what is stored now, so saving again applies what is in the
// form (after a conflict: theirs replaced by yours, knowingly).
func (s *Server) detailsFailed(w http.ResponseWriter, r *http.Request, err error, yours detailValues, edited map[string]bool) {
	status := codeOf(err)
	if status == 0 {
		s.fail(w, r, err)
		return
	}
	d, ok := s.loadIncident(w, r, incidentForm{})
	if !ok {
		return
	}
	d.setSection(returnSection(r, "details"))
	cur := d.Orig
	for _, f := range detailFields {
		if edited[f.name] {
			*f.get(&cur) = *f.get(&yours)
		}
	}
	d.Form.Title, d.Form.Type, d.Form.Summary, d.Form.Affected = cur.Title, cur.Type, cur.Summary, cur.Affected
	d.Form.RootCause, d.Form.Resolution, d.Form.Labels = cur.RootCause, cur.Resolution, cur.Labels
	d.Error = message(err)
	if e, ok := errs.As(err); ok && e.Code == errs.Conflict && e.Field != "version" {
		d.Conflicts = map[string]string{}
		for _, c := range e.Details {
			d.Conflicts[c.Field] = c.Message
		}
		n := len(d.Conflicts)
		d.Error = "Nothing was saved: someone else changed " + plural(n, "a field", "fields") + " you were editing. Both values are shown below the " + plural(n, "field", "fields") + "; your text is kept in the form. Save again to keep yours."
	}
	s.render(w, r, status, "incident", d)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

// sameText compares two form values as the domain does: line endings and
// surrounding space make no change.
func sameText(a, b string) bool {
	n := func(s string) string { return strings.TrimSpace(strings.ReplaceAll(s, "\r\n", "\n")) }
	return n(a) == n(b)
}

// setDetail puts one form field's value into an update.
func setDetail(in *incident.UpdateInput, name, v string) error {
	switch name {
	case "title":
		in.Title = &v
	case "type":
		t := strings.TrimSpace(v)
		in.Type = &t
	case "summary":
		in.Summary = &v
	case "root_cause":
		in.RootCause = &v
	case "resolution":
		in.Resolution = &v
	case "affected":
		a := affectedOf(v)
		in.Affected = &a
	case "labels":
		l, err := labelsOf(v)
		if err != nil {
			return err
		}
		in.Labels = &l
	}
	return nil
}

func affectedOf(text string) []string {
	affected := []string{}
	for line := range strings.SplitSeq(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			affected = append(affected, line)
		}
	}
	return affected
}

func labelsOf(text string) (map[string]string, error) {
	labels := map[string]string{}
	for line := range strings.SplitSeq(text, "\n") {
		if line = strings.TrimSpace(line); line == "" {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			return nil, invalid("labels", "each label is a line name=value; %q has no =", line)
		}
		labels[strings.TrimSpace(k)] = strings.TrimSpace(v)
	}
	return labels, nil
}

// detailsWhole saves every field of a form without originals, refused as
// stale when the incident moved past the version it names.
func (s *Server) detailsWhole(w http.ResponseWriter, r *http.Request) {
	f := incidentForm{Title: r.PostFormValue("title"), Summary: r.PostFormValue("summary"), Type: strings.TrimSpace(r.PostFormValue("type")),
		RootCause: r.PostFormValue("root_cause"), Resolution: r.PostFormValue("resolution"), Affected: r.PostFormValue("affected"), Labels: r.PostFormValue("labels")}
	affected := affectedOf(f.Affected)
	labels, err := labelsOf(f.Labels)
	if err != nil {
		s.changed(w, r, err, f, "details", "")
		return
	}
	_, err = s.incidents.Update(r.Context(), s.command(r), incident.UpdateInput{Title: &f.Title, Summary: &f.Summary, Type: &f.Type,
		RootCause: &f.RootCause, Resolution: &f.Resolution, Affected: &affected, Labels: &labels})
	s.changed(w, r, err, f, "details", "Details saved.")
}
