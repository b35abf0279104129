package web

import (
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// codeOf is the status a page re-rendered with the problem answers
// (errs.HTTPStatus); 0 when the person cannot fix it by changing what they
// typed — our error, sign-in, an unavailable database — which fail shows.
func codeOf(err error) int {
	e, ok := errs.As(err)
	if !ok {
		return 0
	}
	switch e.Code {
	case errs.Invalid, errs.Rule, errs.Conflict, errs.NotFound, errs.RateLimited, errs.Forbidden:
		return errs.HTTPStatus(e.Code)
	case errs.Precondition:
		// A form's hidden version is no HTTP precondition (no If-Match was
		// sent): the page shown again reports a conflict with what changed.
		return http.StatusConflict
	}
	return 0
}

// retryAfter sends Retry-After for a refusal that says when to try again
// (a rate limit, an unavailable database).
func retryAfter(w http.ResponseWriter, err error) {
	if ra := errs.RetryAfter(err); ra != "" {
		w.Header().Set("Retry-After", ra)
	}
}

func invalid(field, format string, args ...any) error {
	return errs.E(errs.Invalid, field, format, args...)
}

func itoa(i int) string { return strconv.Itoa(i) }

func urlQuery(s string) string { return url.QueryEscape(s) }

func roleName(r incident.Role) string { return r.Title() }

var stateNames = map[incident.State]string{
	incident.Triage: "Triage", incident.Active: "Active", incident.Contained: "Contained", incident.Eradicated: "Eradicated",
	incident.Recovered: "Recovered", incident.Closed: "Closed", incident.Dismissed: "Dismissed", incident.Merged: "Merged",
}

var moveVerbs = map[incident.State]string{
	incident.Active: "Activate response", incident.Contained: "Mark contained", incident.Eradicated: "Mark eradicated",
	incident.Recovered: "Mark recovered", incident.Closed: "Close incident", incident.Dismissed: "Dismiss", incident.Triage: "Reopen to triage",
}

func (s *Server) funcs() template.FuncMap {
	return template.FuncMap{
		"static":    func(name string) string { return s.staticURL[name] },
		"roleName":  func(r incident.Role) string { return roleName(r) },
		"stateName": func(st incident.State) string { return stateNames[st] },
		"moveVerb":  func(st incident.State) string { return moveVerbs[st] },
		"utc":       func(t time.Time) string { return t.UTC().Format("2006-01-02 15:04 UTC") },
		"iso":       func(t time.Time) string { return t.UTC().Format(time.RFC3339) },
		"isoDate":   func(t time.Time) string { return t.UTC().Format("2006-01-02") },
		"since":     func(t time.Time) string { return span(s.now().Sub(t)) },
		"sevClass": func(sev string) string {
			for i, l := range s.incidents.Policy().Levels {
				if l.Name == sev {
					return "sev sev" + strconv.Itoa(min(i+1, 4))
				}
			}
			return "sev sev-none"
		},
		"lower": strings.ToLower,
		"capfirst": func(s string) string {
			if s == "" {
				return s
			}
			return strings.ToUpper(s[:1]) + s[1:]
		},
		"count":    func(m map[incident.State]int, st incident.State) int { return m[st] },
		"lines":    func(s string) []string { return strings.Split(s, "\n") },
		"deref":    func(t *time.Time) time.Time { return *t },
		"add":      func(a, b int) int { return a + b },
		"hasRole":  func(inc incident.Incident, r incident.Role) bool { return len(inc.Holders(r)) > 0 },
		"eventDot": func(e incident.Event) string { return strings.ReplaceAll(e.Type, ".", "-") },
		"sprintf":  fmt.Sprintf,
		// The response work (tasks.go).
		"taskState":  func(st incident.TaskState) string { return taskStateNames[st] },
		"gatedTasks": gatedTasks,
		// The records beside an incident (assets.go).
		"stateWords": func(v any) string { return strings.ReplaceAll(fmt.Sprint(v), "_", " ") },
		"pathEscape": url.PathEscape,
		"join":       strings.Join,
		"lastMove":   lastMove,
		"fixForm":    fixForm,
	}
}
