package httpapi

import (
	"context"
	"fmt"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/config"
	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/roster"
)

// maxConfigBytes bounds an on-call file.
const maxConfigBytes = 1 << 20

// ConfigApplyBody applies an on-call file. The file names environment
// variables for its secrets (secret_env, address_env); the client reads
// them and sends their values in Secrets, so the file itself never holds
// one. Secrets are used, never stored apart from the contacts they belong
// to, logged or answered back.
type ConfigApplyBody struct {
	YAML    string            `json:"yaml" maxLength:"1048576" doc:"The on-call file, as in examples/oncall.yaml."`
	Secrets map[string]string `json:"secrets,omitempty" doc:"The values of the environment variables the file names, by variable."`
	DryRun  bool              `json:"dry_run,omitempty" doc:"Check and report the changes; change nothing."`
	Prune   bool              `json:"prune,omitempty" doc:"Delete on-call objects the file does not declare, and configuration-sourced contact methods its users no longer list."`
}

// ConfigChanges is what an apply changes (or, dry, would change). An
// apply that changes nothing has every list empty.
type ConfigChanges struct {
	DryRun   bool                   `json:"dry_run"`
	Users    []config.UserSpec      `json:"users" doc:"Users to create. Users that exist are left as they are."`
	Contacts []roster.ContactChange `json:"contacts" doc:"Contact methods to create, update or delete; addresses redacted, secrets never shown."`
	Rules    []roster.RuleChange    `json:"rules" doc:"Users whose configuration-sourced notification rules change."`
	Objects  []roster.Change        `json:"objects" doc:"Teams, schedules, policies, services and incident rules to create, update or delete."`
}

// Empty reports whether c changes nothing.
func (c ConfigChanges) Empty() bool {
	return len(c.Users)+len(c.Contacts)+len(c.Rules)+len(c.Objects) == 0
}

// ConfigProblem is a 422 about an on-call file: problems places each in
// the file (line, column, path).
type ConfigProblem struct {
	huma.ErrorModel
	Problems config.Problems `json:"problems"`
}

func configProblem(ps config.Problems) error {
	m := huma.ErrorModel{Status: http.StatusUnprocessableEntity, Title: http.StatusText(http.StatusUnprocessableEntity),
		Detail: fmt.Sprintf("the on-call file has %d problem(s); nothing was changed", len(ps))}
	for _, p := range ps {
		loc := p.Path
		if p.Line > 0 {
			loc = fmt.Sprintf("yaml:%d:%d", p.Line, p.Column)
			if p.Path != "" {
				loc += ":" + p.Path
			}
		}
		m.Errors = append(m.Errors, &huma.ErrorDetail{Location: loc, Message: p.Message})
	}
	return &ConfigProblem{ErrorModel: m, Problems: ps}
}

func (s *Server) registerConfig(api huma.API) {
	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "apply-config", Method: http.MethodPost, Path: "/api/v1/config/apply", Tags: []string{"Configuration"},
		Summary:      "Apply an on-call file",
		MaxBodyBytes: 2 * maxConfigBytes,
		Description: "Makes the users, contact methods, notification rules, teams, services, schedules, escalation policies and " +
			"incident rules of an on-call file (`firebreak config apply`). Everything is checked first: any problem answers 422 " +
			"with each problem's line and column in `problems`, and nothing changes. With dry_run the changes are only reported. " +
			"Applying the same file again changes nothing.",
	}), s.applyConfig)
}

// applyOncallFile checks an on-call file against the users and severities
// there are, then applies it in one call (one transaction).
func (s *Server) applyOncallFile(ctx context.Context, b ConfigApplyBody) (ConfigChanges, error) {
	actor := viewer(ctx).User
	out := ConfigChanges{DryRun: b.DryRun, Users: []config.UserSpec{}}
	o, err := config.ParseOncall([]byte(b.YAML), func(name string) (string, bool) {
		v, ok := b.Secrets[name]
		return v, ok
	})
	if err != nil {
		return out, s.configError(ctx, nil, err)
	}
	users, err := s.auth.Users(ctx)
	if err != nil {
		return out, s.problem(ctx, err)
	}
	existing, inactive := map[string]bool{}, map[string]bool{}
	for _, u := range users {
		existing[u.Username], inactive[u.Username] = u.Active, !u.Active
	}
	var ds []errs.Detail
	for _, u := range o.Users {
		switch {
		case inactive[u.Username]:
			ds = append(ds, errs.Detail{Field: "users." + u.Username + ".username",
				Message: fmt.Sprintf("user %q is deactivated: reactivate them before giving them contacts or shifts", u.Username)})
		case !existing[u.Username]:
			out.Users = append(out.Users, u)
		}
	}
	if len(ds) > 0 {
		return out, s.configError(ctx, o, &errs.Error{Code: errs.Invalid, Field: ds[0].Field, Message: ds[0].Message, Details: ds})
	}
	if err := o.Check(existing, s.roster.Severities()); err != nil {
		return out, s.configError(ctx, o, err)
	}
	// One call, one transaction: everything is checked before anything
	// is written, and a failure part way changes nothing.
	in := roster.ConfigInput{Contacts: o.UserContacts(), Objects: o.Objects, Prune: b.Prune, DryRun: b.DryRun}
	for _, u := range out.Users {
		in.Users = append(in.Users, auth.UserInput{Username: u.Username, DisplayName: u.Name, Email: u.Email, Role: u.Role})
	}
	changes, err := s.roster.ApplyConfig(ctx, actor, in)
	out.Contacts, out.Rules, out.Objects = changes.Contacts, changes.Rules, changes.Objects
	if err != nil {
		return out, s.configError(ctx, o, err)
	}
	if b.DryRun || out.Empty() {
		return out, nil
	}
	s.log.InfoContext(ctx, "on-call configuration applied", "actor", actor, "users", len(out.Users),
		"contacts", len(out.Contacts), "rules", len(out.Rules), "objects", len(out.Objects), "prune", b.Prune)
	return out, nil
}

// configError answers a problem with the file as a ConfigProblem placed in
// it, and anything else as the API does.
func (s *Server) configError(ctx context.Context, o *config.Oncall, err error) error {
	if ps, ok := err.(config.Problems); ok {
		return configProblem(ps)
	}
	if o != nil && errs.CodeOf(err) == errs.Invalid {
		return configProblem(o.Locate(err))
	}
	return s.problem(ctx, err)
}

// applyConfigInput is the input of apply-config.
type applyConfigInput struct{ Body ConfigApplyBody }

func (s *Server) applyConfig(ctx context.Context, in *applyConfigInput) (*struct{ Body ConfigChanges }, error) {
	out, err := s.applyOncallFile(ctx, in.Body)
	if err != nil {
		return nil, err
	}
	return &struct{ Body ConfigChanges }{Body: out}, nil
}
