package main

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"net/http"

	"github.com/firebreak-ir/firebreak/bench"
	"github.com/firebreak-ir/firebreak/internal/client"
	"github.com/firebreak-ir/firebreak/internal/httpapi"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// remote runs the workload against a server through the REST client, so the
// figures include HTTP, JSON, authentication and idempotency keys.
type remote struct {
	c *client.Client
}

var _ bench.Target = (*remote)(nil)

// newRemote checks the token and makes sure the IR Lead user exists.
func newRemote(ctx context.Context, url, token string) (*remote, error) {
	if token == "" {
		return nil, errors.New("--url needs --token or FIREBREAK_TOKEN")
	}
	c := client.New(url, token)
	// Many workers share one server: keep their connections alive.
	c.HTTP.Transport = &http.Transport{MaxIdleConnsPerHost: 256}
	_, err := c.CreateUser(ctx, httpapi.UserBody{Username: bench.Lead, Role: "responder"})
	var ce *client.Error
	if err != nil && !(errors.As(err, &ce) && ce.Status == http.StatusConflict) {
		return nil, fmt.Errorf("create user %s (the token must be an admin's): %w", bench.Lead, err)
	}
	return &remote{c: c}, nil
}

func (r *remote) Declare(ctx context.Context, in incident.DeclareInput) (string, error) {
	inc, err := r.c.Declare(ctx, httpapi.DeclareBody{
		Title: in.Title, Summary: in.Summary, Severity: in.Severity, Type: in.Type,
		Source: string(in.Source), Labels: in.Labels, Affected: in.Affected,
	}, newKey())
	return inc.Ref, err
}

func (r *remote) AssignLead(ctx context.Context, ref string) error {
	_, err := r.c.Assign(ctx, ref, string(incident.IRLead), bench.Lead)
	return err
}

func (r *remote) Activate(ctx context.Context, ref string) error {
	_, err := r.c.Transition(ctx, ref, string(incident.Active), "")
	return err
}

func (r *remote) List(ctx context.Context, q bench.Query) (int, error) {
	o := client.ListOptions{Limit: q.Limit}
	for _, s := range q.States {
		o.States = append(o.States, string(s))
	}
	for k, v := range q.Labels {
		o.Labels = append(o.Labels, k+"="+v)
	}
	p, err := r.c.List(ctx, o)
	if err != nil {
		return 0, err
	}
	if len(p.Items) == 0 {
		return 0, errors.New("empty page: was the database seeded?")
	}
	return len(p.Items), nil
}

// newKey returns a fresh Idempotency-Key, as a careful client sends with
// every declare.
func newKey() string { return rand.Text() }
