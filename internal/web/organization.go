package web

import (
	"maps"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/duties"
)

// The organisation profile page (admins): what notification duties are
// matched against, and when reminders go.

type orgForm struct {
	Roles, EntityTypes, Sectors, Countries string
	Calendars, Targets                     string // lines K=V
	HalfTime, Overdue                      bool
	Before                                 string
}

type orgData struct {
	base
	Form      orgForm
	FormErr   string
	UpdatedBy string
	UpdatedAt *time.Time
}

func orgFormOf(p duties.Profile) orgForm {
	pairs := func(m map[string]string) string {
		var lines []string
		for _, k := range slices.Sorted(maps.Keys(m)) {
			lines = append(lines, k+"="+m[k])
		}
		return strings.Join(lines, "\n")
	}
	r := duties.DefaultReminders()
	if p.Reminders != nil {
		r = *p.Reminders
	}
	return orgForm{Roles: strings.Join(p.Roles, ", "), EntityTypes: strings.Join(p.EntityTypes, ", "), Sectors: strings.Join(p.Sectors, ", "),
		Countries: strings.Join(p.Countries, ", "), Calendars: pairs(p.Calendars), Targets: pairs(p.Targets),
		HalfTime: r.HalfTime, Overdue: r.Overdue, Before: strings.Join(r.Before, ", ")}
}

func list(s string) []string {
	out := []string{}
	for v := range strings.SplitSeq(s, ",") {
		if v = strings.TrimSpace(v); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// profile reads the form; a line without = is named by its field.
func (f orgForm) profile() (duties.Profile, error) {
	p := duties.Profile{Roles: list(f.Roles), EntityTypes: list(f.EntityTypes), Sectors: list(f.Sectors), Countries: list(f.Countries),
		Reminders: &duties.Reminders{HalfTime: f.HalfTime, Before: list(f.Before), Overdue: f.Overdue}}
	for _, kv := range []struct {
		field, text string
		dst         *map[string]string
	}{{"calendars", f.Calendars, &p.Calendars}, {"targets", f.Targets, &p.Targets}} {
		for line := range strings.SplitSeq(kv.text, "\n") {
			if line = strings.TrimSpace(line); line == "" {
				continue
			}
			k, v, ok := strings.Cut(line, "=")
			if !ok {
				return p, invalid(kv.field, "each line is NAME=VALUE; %q has no =", line)
			}
			if *kv.dst == nil {
				*kv.dst = map[string]string{}
			}
			(*kv.dst)[strings.TrimSpace(k)] = strings.TrimSpace(v)
		}
	}
	return p, nil
}

func (s *Server) orgPage(w http.ResponseWriter, r *http.Request) {
	st, err := s.duties.Profile(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, http.StatusOK, "organization", orgData{base: s.base(r, "Organisation profile", "organization"), Form: orgFormOf(st.Profile),
		UpdatedBy: st.UpdatedBy, UpdatedAt: st.UpdatedAt})
}

func (s *Server) saveOrg(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := orgForm{Roles: r.PostFormValue("roles"), EntityTypes: r.PostFormValue("entity_types"), Sectors: r.PostFormValue("sectors"),
		Countries: r.PostFormValue("countries"), Calendars: r.PostFormValue("calendars"), Targets: r.PostFormValue("targets"),
		HalfTime: r.PostFormValue("half_time") == "yes", Overdue: r.PostFormValue("overdue") == "yes", Before: r.PostFormValue("before")}
	p, err := f.profile()
	if err == nil {
		_, err = s.duties.PutProfile(r.Context(), userFrom(r).Username, p)
	}
	if err != nil {
		status := codeOf(err)
		if status == 0 {
			s.fail(w, r, err)
			return
		}
		d := orgData{base: s.base(r, "Organisation profile", "organization"), Form: f, FormErr: "Not saved: " + fieldText(err)}
		s.render(w, r, status, "organization", d)
		return
	}
	http.Redirect(w, r, "/admin/organization?flash="+urlQuery("Profile saved; every incident's duties follow it."), http.StatusSeeOther)
}
