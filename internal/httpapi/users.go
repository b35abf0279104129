package httpapi

import (
	"context"
	"net/http"

	"github.com/danielgtaylor/huma/v2"

	"github.com/firebreak-ir/firebreak/internal/auth"
)

// UserBody creates a user.
type UserBody struct {
	Username    string `json:"username" minLength:"1" maxLength:"63" pattern:"^[a-z0-9][a-z0-9._-]*$"`
	DisplayName string `json:"display_name,omitempty" maxLength:"200"`
	Email       string `json:"email,omitempty" maxLength:"254"`
	Role        string `json:"role,omitempty" enum:"viewer,responder,admin" doc:"Defaults to responder."`
}

// UserPatchBody changes a user.
type UserPatchBody struct {
	DisplayName *string `json:"display_name,omitempty" maxLength:"200"`
	Email       *string `json:"email,omitempty" maxLength:"254"`
	Role        *string `json:"role,omitempty" enum:"viewer,responder,admin"`
	Active      *bool   `json:"active,omitempty" doc:"false deactivates: the user's tokens stop working."`
}

// PasswordBody sets a user's password. Its length is checked by the
// service, not the schema: schema errors echo the value, and this one is a
// secret.
type PasswordBody struct {
	Password string `json:"password" doc:"10–256 bytes of UTF-8."`
}

// TokenBody creates a token.
type TokenBody struct {
	User string `json:"user" minLength:"1" maxLength:"63"`
	Name string `json:"name" minLength:"1" maxLength:"100" doc:"Where the token is used, such as laptop or ci."`
}

// NewToken is a created token with its secret, shown this once.
type NewToken struct {
	auth.Token
	Secret string `json:"secret" doc:"Shown once; only its hash is stored."`
}

func (t NewToken) secretShownOnce() (string, string) { return "token", t.ID }

// NewTokenOutput carries a token's secret, shown this once.
type NewTokenOutput struct {
	Body NewToken
}

// MeOutput is the caller.
type MeOutput struct {
	Body struct {
		auth.User
		TokenID string `json:"token_id"`
	}
}

func (s *Server) registerUsers(api huma.API) {
	tags := []string{"Users"}
	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "me", Method: http.MethodGet, Path: "/api/v1/me", Tags: tags, Summary: "Who am I", Description: "The user the API token belongs to, with their role.",
	}), s.me)

	huma.Register(api, op(auth.Viewer, huma.Operation{
		OperationID: "list-users", Method: http.MethodGet, Path: "/api/v1/users", Tags: tags, Summary: "List users", Description: "Every user with their role.",
	}), s.listUsers)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "create-user", Method: http.MethodPost, Path: "/api/v1/users", Tags: tags, Summary: "Create a user", Description: "The role defaults to responder. The user signs in to the console once an admin sets a password, and uses the API with a token created for them.",
		DefaultStatus: http.StatusCreated,
	}), s.createUser)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "update-user", Method: http.MethodPatch, Path: "/api/v1/users/{username}", Tags: tags, Summary: "Change a user's role, details or active flag", Description: "Fields left out stay. Deactivating (active false) revokes the user's API tokens and ends their sessions for good; reactivation restores the account, not its old credentials.",
	}), s.updateUser)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "set-password", Method: http.MethodPut, Path: "/api/v1/users/{username}/password", Tags: tags,
		Summary: "Set a user's password", Description: "For the web UI's sign-in. The user's sessions end; their API tokens keep working.",
		DefaultStatus: http.StatusNoContent,
	}), s.setPassword)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "list-tokens", Method: http.MethodGet, Path: "/api/v1/tokens", Tags: tags, Summary: "List a user's API tokens", Description: "The user's tokens, without their secrets: those are stored hashed and shown once, at creation.",
	}), s.listTokens)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "create-token", Method: http.MethodPost, Path: "/api/v1/tokens", Tags: tags, Summary: "Create an API token",
		DefaultStatus: http.StatusCreated, Description: "The secret is in this answer only.",
	}), s.createToken)

	huma.Register(api, op(auth.Admin, huma.Operation{
		OperationID: "revoke-token", Method: http.MethodDelete, Path: "/api/v1/tokens/{id}", Tags: tags, Summary: "Revoke an API token", Description: "The token stops working at once.",
		DefaultStatus: http.StatusNoContent,
	}), s.revokeToken)
}

// me serves GET /api/v1/me: who am I.
func (s *Server) me(ctx context.Context, _ *struct{}) (*MeOutput, error) {
	p, _ := principalFrom(ctx)
	out := &MeOutput{}
	out.Body.User, out.Body.TokenID = p.User, p.TokenID
	return out, nil
}

// listUsers serves GET /api/v1/users: list users.
func (s *Server) listUsers(ctx context.Context, _ *struct{}) (*struct{ Body []auth.User }, error) {
	users, err := s.auth.Users(ctx)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body []auth.User }{Body: users}, nil
}

// createUserInput is what create-user takes.
type createUserInput struct{ Body UserBody }

// createUser serves POST /api/v1/users: create a user.
func (s *Server) createUser(ctx context.Context, in *createUserInput) (*struct{ Body auth.User }, error) {
	b := in.Body
	u, err := s.auth.CreateUser(ctx, auth.UserInput{Username: b.Username, DisplayName: b.DisplayName, Email: b.Email, Role: auth.Role(b.Role)})
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body auth.User }{Body: u}, nil
}

// updateUserInput is what update-user takes.
type updateUserInput struct {
	Username string `path:"username" maxLength:"63"`
	Body     UserPatchBody
}

// updateUser serves PATCH /api/v1/users/{username}: change a user's role, details or active flag.
func (s *Server) updateUser(ctx context.Context, in *updateUserInput) (*struct{ Body auth.User }, error) {
	b := in.Body
	p := auth.UserPatch{DisplayName: b.DisplayName, Email: b.Email, Active: b.Active}
	if b.Role != nil {
		r := auth.Role(*b.Role)
		p.Role = &r
	}
	u, err := s.auth.UpdateUser(ctx, in.Username, p)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body auth.User }{Body: u}, nil
}

// setPasswordInput is what set-password takes.
type setPasswordInput struct {
	Username string `path:"username" maxLength:"63"`
	Body     PasswordBody
}

// setPassword serves PUT /api/v1/users/{username}/password: set a user's password.
func (s *Server) setPassword(ctx context.Context, in *setPasswordInput) (*struct{}, error) {
	if err := s.auth.SetPassword(ctx, in.Username, in.Body.Password); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}

// listTokensInput is what list-tokens takes.
type listTokensInput struct {
	User string `query:"user" required:"true" maxLength:"63"`
}

// listTokens serves GET /api/v1/tokens: list a user's API tokens.
func (s *Server) listTokens(ctx context.Context, in *listTokensInput) (*struct{ Body []auth.Token }, error) {
	toks, err := s.auth.Tokens(ctx, in.User)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	return &struct{ Body []auth.Token }{Body: toks}, nil
}

// createTokenInput is what create-token takes.
type createTokenInput struct{ Body TokenBody }

// createToken serves POST /api/v1/tokens: create an API token.
func (s *Server) createToken(ctx context.Context, in *createTokenInput) (*NewTokenOutput, error) {
	t, secret, err := s.auth.IssueToken(ctx, in.Body.User, in.Body.Name)
	if err != nil {
		return nil, s.problem(ctx, err)
	}
	out := &NewTokenOutput{}
	out.Body.Token, out.Body.Secret = t, secret
	return out, nil
}

// revokeTokenInput is what revoke-token takes.
type revokeTokenInput struct {
	ID string `path:"id" maxLength:"64"`
}

// revokeToken serves DELETE /api/v1/tokens/{id}: revoke an API token.
func (s *Server) revokeToken(ctx context.Context, in *revokeTokenInput) (*struct{}, error) {
	if err := s.auth.RevokeToken(ctx, in.ID); err != nil {
		return nil, s.problem(ctx, err)
	}
	return nil, nil
}
