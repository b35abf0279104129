package web

import (
	"net/http"
	"net/url"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

type signinData struct {
	base
	Username string
	Next     string
}

// homePath is where sign-in goes when next is missing or unsafe.
const homePath = "/incidents"

// safeNext keeps redirects after sign-in on this site: next must be a path
// of ours, or sign-in goes home. Browsers read a URL more loosely than Go
// does — they drop tabs and newlines anywhere in it, strip leading spaces
// and control characters, and take a backslash for a slash — so
// "/\t/evil.example" or "/\\evil.example" reach them as "//evil.example", a
// link to another site. Any of those characters refuses next outright;
// what is left must parse as a path that starts with exactly one slash,
// with no scheme, host or user.
func safeNext(n string) string {
	if !strings.HasPrefix(n, "/") || strings.ContainsFunc(n, func(r rune) bool { return r == '\\' || unicode.IsControl(r) || r == utf8.RuneError }) {
		return homePath
	}
	u, err := url.Parse(n)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil || u.Opaque != "" ||
		!strings.HasPrefix(u.Path, "/") || strings.HasPrefix(u.Path, "//") || strings.HasPrefix(n, "//") {
		return homePath
	}
	return n
}

func (s *Server) signinPage(w http.ResponseWriter, r *http.Request) {
	d := signinData{base: base{Title: "Sign in"}, Next: safeNext(r.URL.Query().Get("next"))}
	if c, err := r.Cookie(sessionCookie); err == nil {
		if _, _, err := s.auth.SessionFor(r.Context(), c.Value); err == nil {
			http.Redirect(w, r, d.Next, http.StatusSeeOther)
			return
		}
	}
	d.Flash = flashOf(r)
	s.render(w, r, http.StatusOK, "signin", d)
}

func (s *Server) signin(w http.ResponseWriter, r *http.Request) {
	r.Body = http.MaxBytesReader(w, r.Body, 16<<10)
	if err := r.ParseForm(); err != nil {
		http.Error(w, "Bad request: the form could not be read.", http.StatusBadRequest)
		return
	}
	username := strings.TrimSpace(r.PostFormValue("username"))
	d := signinData{base: base{Title: "Sign in"}, Username: username, Next: safeNext(r.PostFormValue("next"))}
	_, secret, err := s.auth.SignIn(r.Context(), username, r.PostFormValue("password"), r.RemoteAddr)
	if err != nil {
		status := http.StatusUnauthorized
		switch errs.CodeOf(err) {
		case errs.Unauthorized:
			d.Error = "Wrong username or password."
			if e, ok := errs.As(err); ok && strings.Contains(e.Message, "deactivated") {
				d.Error = "This account is deactivated. Ask an administrator."
			}
		case errs.RateLimited:
			status = http.StatusTooManyRequests
			retryAfter(w, err)
			e, _ := errs.As(err)
			d.Error = "Too many failed attempts. " + strings.ToUpper(e.Message[:1]) + e.Message[1:] + "."
		default:
			s.log.ErrorContext(r.Context(), "sign in", "err", err)
			status = http.StatusInternalServerError
			d.Error = "Something went wrong on our side. Try again in a moment."
		}
		s.render(w, r, status, "signin", d)
		return
	}
	http.SetCookie(w, &http.Cookie{
		Name: sessionCookie, Value: secret, Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode,
		Secure: overHTTPS(r), MaxAge: int(auth.SessionMaxLifetime.Seconds()),
	})
	http.Redirect(w, r, d.Next, http.StatusSeeOther)
}

func (s *Server) signout(w http.ResponseWriter, r *http.Request) {
	if c, err := r.Cookie(sessionCookie); err == nil {
		if err := s.auth.SignOut(r.Context(), c.Value); err != nil {
			s.log.ErrorContext(r.Context(), "sign out", "err", err)
		}
	}
	http.SetCookie(w, &http.Cookie{Name: sessionCookie, Value: "", Path: "/", HttpOnly: true, SameSite: http.SameSiteLaxMode, MaxAge: -1})
	http.Redirect(w, r, withFlash("/signin", flashSignedOut), http.StatusSeeOther)
}
