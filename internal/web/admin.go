package web

import (
	"net/http"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/auth"
)

type usersData struct {
	base
	Users []auth.User
	Form  auth.UserInput
}

func (s *Server) usersPage(w http.ResponseWriter, r *http.Request) {
	s.renderUsers(w, r, http.StatusOK, auth.UserInput{Role: auth.Responder}, "")
}

func (s *Server) renderUsers(w http.ResponseWriter, r *http.Request, status int, f auth.UserInput, errMsg string) {
	users, err := s.auth.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := usersData{base: s.base(r, "Users", "users"), Users: users, Form: f}
	d.Error = errMsg
	s.render(w, r, status, "users", d)
}

func (s *Server) createUser(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := auth.UserInput{Username: strings.TrimSpace(r.PostFormValue("username")), DisplayName: r.PostFormValue("display_name"),
		Email: strings.TrimSpace(r.PostFormValue("email")), Role: auth.Role(r.PostFormValue("role"))}
	pw := r.PostFormValue("password")
	if err := auth.ValidatePassword(pw); err != nil {
		s.renderUsers(w, r, http.StatusUnprocessableEntity, f, "Password: "+message(err))
		return
	}
	if _, err := s.auth.CreateUser(r.Context(), f); err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		s.renderUsers(w, r, codeOf(err), f, message(err))
		return
	}
	if err := s.auth.SetPassword(r.Context(), f.Username, pw); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/users?flash="+urlQuery("Created "+f.Username+"."), http.StatusSeeOther)
}

func (s *Server) updateUser(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	name := r.PathValue("username")
	var p auth.UserPatch
	if v := r.PostFormValue("role"); v != "" {
		role := auth.Role(v)
		p.Role = &role
	}
	switch r.PostFormValue("active") {
	case "true":
		p.Active = new(true)
	case "false":
		if name == userFrom(r).Username {
			s.renderUsers(w, r, http.StatusUnprocessableEntity, auth.UserInput{Role: auth.Responder}, "You cannot deactivate yourself.")
			return
		}
		p.Active = new(false)
	}
	flash := "Saved " + name + "."
	if pw := r.PostFormValue("password"); pw != "" {
		if err := s.auth.SetPassword(r.Context(), name, pw); err != nil {
			if codeOf(err) == 0 {
				s.fail(w, r, err)
				return
			}
			s.renderUsers(w, r, codeOf(err), auth.UserInput{Role: auth.Responder}, name+": "+message(err))
			return
		}
		flash = "Password of " + name + " reset; their sessions ended."
	}
	if p != (auth.UserPatch{}) {
		if _, err := s.auth.UpdateUser(r.Context(), name, p); err != nil {
			if codeOf(err) == 0 {
				s.fail(w, r, err)
				return
			}
			s.renderUsers(w, r, codeOf(err), auth.UserInput{Role: auth.Responder}, name+": "+message(err))
			return
		}
	}
	http.Redirect(w, r, "/admin/users?flash="+urlQuery(flash), http.StatusSeeOther)
}

type tokensData struct {
	base
	Users  []auth.User
	Owner  string // whose tokens are shown
	Tokens []auth.Token
	Secret string
	Name   string
}

func (s *Server) tokensPage(w http.ResponseWriter, r *http.Request) {
	s.renderTokens(w, r, http.StatusOK, r.URL.Query().Get("user"), "", "")
}

func (s *Server) renderTokens(w http.ResponseWriter, r *http.Request, status int, user, secret, errMsg string) {
	users, err := s.auth.Users(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	if user == "" {
		user = userFrom(r).Username
	}
	d := tokensData{base: s.base(r, "API tokens", "tokens"), Users: users, Owner: user, Secret: secret}
	d.Error = errMsg
	if d.Tokens, err = s.auth.Tokens(r.Context(), user); err != nil {
		s.fail(w, r, err)
		return
	}
	s.render(w, r, status, "tokens", d)
}

func (s *Server) createToken(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	user := r.PostFormValue("user")
	_, secret, err := s.auth.IssueToken(r.Context(), user, r.PostFormValue("name"))
	if err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		s.renderTokens(w, r, codeOf(err), user, "", message(err))
		return
	}
	// The secret is shown in this answer only; it is not in any URL.
	w.Header().Set("Cache-Control", "no-store")
	s.renderTokens(w, r, http.StatusOK, user, secret, "")
}

func (s *Server) revokeToken(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	if err := s.auth.RevokeToken(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	http.Redirect(w, r, "/admin/tokens?user="+urlQuery(r.PostFormValue("user"))+"&flash="+urlQuery("Token revoked."), http.StatusSeeOther)
}

type accountData struct {
	base
}

func (s *Server) accountPage(w http.ResponseWriter, r *http.Request) {
	s.render(w, r, http.StatusOK, "account", accountData{base: s.base(r, "Your account", "account")})
}

func (s *Server) changePassword(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	u := userFrom(r)
	d := accountData{base: s.base(r, "Your account", "account")}
	if r.PostFormValue("password") != r.PostFormValue("confirm") {
		d.Error = "The new password and its confirmation differ."
		s.render(w, r, http.StatusUnprocessableEntity, "account", d)
		return
	}
	if err := s.auth.ChangePassword(r.Context(), u.Username, r.PostFormValue("current_password"), r.PostFormValue("password")); err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		d.Error = message(err)
		retryAfter(w, err)
		s.render(w, r, codeOf(err), "account", d)
		return
	}
	http.Redirect(w, r, withFlash("/signin", flashPasswordChanged), http.StatusSeeOther)
}
