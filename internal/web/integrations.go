package web

import (
	"net/http"
	"net/url"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/alert"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

// Integrations are the senders of signals: an admin adds one, gives its
// webhook address to the monitoring system, and disables it when it is no
// longer used.

type integrationsData struct {
	base
	Items   []triage.Integration
	Kinds   []integrationKind
	Form    triage.IntegrationInput
	Created *createdIntegration // set in the answer to a create only
}

type integrationKind struct {
	Kind alert.Source
	Name string
}

var integrationKinds = []integrationKind{
	{alert.SourceAlertmanager, "Prometheus Alertmanager"},
	{alert.SourceGrafana, "Grafana alerting"},
	{alert.SourceGeneric, "Generic JSON webhook"},
	{alert.SourcePagerDuty, "PagerDuty Events API v2"},
}

// createdIntegration is what an admin needs to connect a new integration,
// shown once: its secret is not stored, only its hash.
type createdIntegration struct {
	triage.Integration
	Token   string
	URL     string // the webhook address with the token in it
	BareURL string // without it, for Authorization: Bearer
}

func (s *Server) integrationsPage(w http.ResponseWriter, r *http.Request) {
	s.renderIntegrations(w, r, http.StatusOK, triage.IntegrationInput{Kind: alert.SourceAlertmanager}, nil, "")
}

func (s *Server) renderIntegrations(w http.ResponseWriter, r *http.Request, status int, f triage.IntegrationInput, created *createdIntegration, errMsg string) {
	items, err := s.triage.Integrations(r.Context())
	if err != nil {
		s.fail(w, r, err)
		return
	}
	d := integrationsData{base: s.base(r, "Integrations", "integrations"), Items: items, Kinds: integrationKinds, Form: f, Created: created}
	d.Error = errMsg
	s.render(w, r, status, "integrations", d)
}

// siteURL is this site's address for absolute URLs: the configured public
// URL, else the listening one. Never the request's Host or X-Forwarded-*:
// those are the client's to write.
func (s *Server) siteURL() string {
	if s.baseURL == nil {
		return ""
	}
	return strings.TrimRight(s.baseURL(), "/")
}

func (s *Server) createIntegration(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	f := triage.IntegrationInput{Kind: alert.Source(r.PostFormValue("kind")), Name: strings.TrimSpace(r.PostFormValue("name")),
		Service: strings.TrimSpace(r.PostFormValue("service")), Team: strings.TrimSpace(r.PostFormValue("team"))}
	it, secret, err := s.triage.CreateIntegration(r.Context(), userFrom(r).Username, f)
	if err != nil {
		if codeOf(err) == 0 {
			s.fail(w, r, err)
			return
		}
		s.renderIntegrations(w, r, codeOf(err), f, nil, message(err))
		return
	}
	bare := s.siteURL() + "/hooks/" + url.PathEscape(string(it.Kind))
	c := &createdIntegration{Integration: it, Token: secret, URL: bare + "/" + url.PathEscape(secret), BareURL: bare}
	// The secret is in this answer only; it is never in a URL of ours.
	d := triage.IntegrationInput{Kind: alert.SourceAlertmanager}
	s.renderIntegrations(w, r, http.StatusOK, d, c, "")
}

func (s *Server) disableIntegration(w http.ResponseWriter, r *http.Request) {
	if !parseForm(w, r) {
		return
	}
	if err := s.triage.DisableIntegration(r.Context(), r.PathValue("id")); err != nil {
		s.fail(w, r, err)
		return
	}
	name := r.PostFormValue("name")
	if name == "" {
		name = "The integration"
	}
	http.Redirect(w, r, "/admin/integrations?flash="+urlQuery(name+" is disabled: its token no longer works."), http.StatusSeeOther)
}
