package actions

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/notify"
	"github.com/firebreak-ir/firebreak/internal/outbox"
)

// Outbox kinds of the outgoing messages about action items.
const (
	// KindWebhook is one action item event to one configured webhook.
	KindWebhook = "action_webhook"
	// KindGitHubIssue opens the GitHub issue of a new item.
	KindGitHubIssue = "action_github_issue"
)

// hookPayload is what a KindWebhook or KindGitHubIssue delivery carries:
// the item as the event left it, so a delivery sent late still says what
// happened then.
type hookPayload struct {
	Hook    string    `json:"hook,omitempty"`
	Event   string    `json:"event"`
	Seq     int64     `json:"seq"`
	Actor   string    `json:"actor"`
	At      time.Time `json:"at"`
	Changed []string  `json:"changed,omitempty"`
	Action  Action    `json:"action"`
}

// deliveryID names a delivery of one event to one destination, the same
// however often it is planned.
func deliveryID(prefix, dest string, e incident.Event) string {
	h := sha256.Sum256(fmt.Appendf(nil, "%s\x00%s\x00%d", dest, e.IncidentID, e.Seq))
	return prefix + hex.EncodeToString(h[:12])
}

// hookDeliveries are the deliveries of event e about a: one to each
// configured webhook, and for a new item without a tracker link the
// GitHub issue when that mapping is on. Webhook targets carry no secret:
// the sender signs with the configured one (Send).
func hookDeliveries(cfg Config, a Action, e incident.Event) []outbox.Delivery {
	var d Data
	_ = json.Unmarshal(e.Data, &d) // encoded by this package just before
	p := hookPayload{Event: e.Type, Seq: e.Seq, Actor: e.Actor, At: e.RecordedAt, Changed: d.Changed, Action: a}
	subject := outbox.Subject{Kind: "action", ID: a.ID, Incident: e.IncidentID}
	var out []outbox.Delivery
	for _, h := range cfg.Webhooks {
		p.Hook = h.Name
		raw, _ := json.Marshal(p)
		out = append(out, outbox.Delivery{ID: deliveryID("acthook_", h.Name, e), Kind: KindWebhook, Subject: subject,
			Target: notify.Target{Kind: notify.KindWebhook, Address: h.URL}, Ref: h.Name, Payload: raw})
	}
	if g := cfg.GitHub; g != nil && e.Type == EvCreated && a.Tracker.Empty() {
		p.Hook = ""
		raw, _ := json.Marshal(p)
		out = append(out, outbox.Delivery{ID: deliveryID("actgh_", g.Owner+"/"+g.Repo, e), Kind: KindGitHubIssue, Subject: subject,
			Target: notify.Target{Kind: "github", Address: g.issuesURL()}, Ref: g.Owner + "/" + g.Repo, Payload: raw})
	}
	return out
}

func (g *GitHub) issuesURL() string {
	api := strings.TrimRight(g.APIURL, "/")
	if api == "" {
		api = DefaultGitHubAPI
	}
	return api + "/repos/" + g.Owner + "/" + g.Repo + "/issues"
}

// UseHTTP sets how hooks go out: hook signs and posts webhooks, client
// (the guarded outbound client) talks to GitHub. Call it before serving.
func (s *Service) UseHTTP(hook *notify.Webhook, client *http.Client) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.hook, s.http = hook, client
}

// RegisterKinds registers the outbox kinds of reminders, webhooks and
// GitHub issues.
func (s *Service) RegisterKinds(o interface {
	Handle(kind string, r outbox.Renderer)
}) {
	o.Handle(KindWebhook, webhookKind{s})
	o.Handle(KindGitHubIssue, githubKind{s})
	o.Handle(KindReminder, reminderKind{s})
}

func decodeHook(d outbox.Delivery) (hookPayload, error) {
	var p hookPayload
	if err := json.Unmarshal(d.Payload, &p); err != nil {
		return p, outbox.Fail(fmt.Errorf("action item delivery: bad payload: %w", err))
	}
	return p, nil
}

// webhookKind renders and sends KindWebhook deliveries.
type webhookKind struct{ s *Service }

// Prepare is the event as the webhook payload's fields (README, "Action
// items": the payload).
func (k webhookKind) Prepare(_ context.Context, d outbox.Delivery) (outbox.Message, error) {
	p, err := decodeHook(d)
	if err != nil {
		return outbox.Message{}, err
	}
	_, base := k.s.config()
	a := p.Action
	verb := "created"
	if p.Event == EvUpdated {
		verb = "updated (" + strings.Join(p.Changed, ", ") + ")"
	}
	m := notify.Message{ID: d.ID, Kind: "Action item", Title: fmt.Sprintf("%s %s: %s", a.ID, verb, a.Title), Body: a.Description, Severity: string(a.Priority), Time: p.At,
		Fields: map[string]string{
			"event": p.Event, "action": a.ID, "number": strconv.FormatInt(a.Number, 10), "incident": a.Incident,
			"title": a.Title, "description": a.Description, "owner": a.Owner, "team": a.Team,
			"due": a.Due, "due_at": a.DueAt.UTC().Format(time.RFC3339), "priority": string(a.Priority), "kind": string(a.Kind),
			"state": string(a.State), "reason": a.Reason, "tracker_url": a.Tracker.URL, "tracker_key": a.Tracker.Key,
			"changed": strings.Join(p.Changed, ","), "actor": p.Actor, "version": strconv.FormatInt(a.Version, 10),
		}}
	if base != "" {
		m.URL = base + "/actions/" + a.ID
	}
	return outbox.Text(m), nil
}

// Send signs with the configured secret: it is never in the delivery row.
func (k webhookKind) Send(ctx context.Context, d outbox.Delivery, m outbox.Message) (notify.Sent, error) {
	cfg, _ := k.s.config()
	k.s.mu.RLock()
	hook := k.s.hook
	k.s.mu.RUnlock()
	for _, h := range cfg.Webhooks {
		if h.Name != d.Ref {
			continue
		}
		if hook == nil {
			return notify.Sent{}, outbox.Fail(errors.New("no webhook sender is configured"))
		}
		res, err := hook.Notify(ctx, notify.Target{Kind: notify.KindWebhook, Address: h.URL, Secret: h.Secret}, m.Text)
		return notify.Sent{Result: res}, err
	}
	return notify.Sent{}, notify.NewError(notify.KindWebhook, d.To(), 0, false, nil, "the action item webhook "+strconv.Quote(d.Ref)+" is no longer configured")
}

// githubKind opens GitHub issues for new items.
type githubKind struct{ s *Service }

// Prepare skips an item that got a tracker link meanwhile.
func (k githubKind) Prepare(ctx context.Context, d outbox.Delivery) (outbox.Message, error) {
	p, err := decodeHook(d)
	if err != nil {
		return outbox.Message{}, err
	}
	cur, err := k.s.d.Store.ActionByNumber(ctx, p.Action.Number)
	if err != nil {
		return outbox.Message{}, err
	}
	if !cur.Tracker.Empty() {
		return outbox.Message{}, outbox.Skip("the action item is linked to " + orKey(cur.Tracker) + " already")
	}
	_, base := k.s.config()
	a := p.Action
	var b strings.Builder
	if a.Description != "" {
		b.WriteString(a.Description + "\n\n")
	}
	fmt.Fprintf(&b, "---\nFirebreak action item %s from %s: owner %s, due %s, priority %s, kind %s.\n", a.ID, a.Incident, a.Owner, a.Due, a.Priority, a.Kind)
	if base != "" {
		fmt.Fprintf(&b, "\n%s/actions/%s\n", base, a.ID)
	}
	return outbox.Text(notify.Message{ID: d.ID, Title: "[" + a.ID + "] " + a.Title, Body: b.String(), Time: p.At}), nil
}

// issueReply is what GitHub answers a new issue with (the fields used).
type issueReply struct {
	Number  int64  `json:"number"`
	HTMLURL string `json:"html_url"`
}

// Send creates the issue (POST /repos/{owner}/{repo}/issues) with the
// token from the configuration; it is never stored or shown.
func (k githubKind) Send(ctx context.Context, d outbox.Delivery, m outbox.Message) (notify.Sent, error) {
	cfg, _ := k.s.config()
	k.s.mu.RLock()
	client := k.s.http
	k.s.mu.RUnlock()
	g := cfg.GitHub
	target := notify.RedactURL(d.Target.Address)
	fail := func(code int, retry bool, cause error, msg string) (notify.Sent, error) {
		return notify.Sent{Result: notify.Result{Channel: "github", Target: target, StatusCode: code, Response: notify.StatusLine(code)}},
			notify.NewError("github", target, code, retry, cause, msg)
	}
	if g == nil || client == nil || g.issuesURL() != d.Target.Address {
		return fail(0, false, nil, "the GitHub mapping for "+d.Ref+" is no longer configured")
	}
	body, err := json.Marshal(map[string]any{"title": m.Text.Title, "body": m.Text.Body, "labels": append([]string{}, g.Labels...)})
	if err != nil {
		return fail(0, false, err, "cannot encode the issue")
	}
	ctx, cancel := context.WithTimeout(ctx, notify.DefaultTimeout)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, d.Target.Address, bytes.NewReader(body))
	if err != nil {
		return fail(0, false, err, "bad request")
	}
	req.Header.Set("Accept", "application/vnd.github+json")
	req.Header.Set("X-GitHub-Api-Version", "2022-11-28")
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("User-Agent", "Firebreak")
	req.Header.Set("Authorization", "Bearer "+g.Token)
	resp, err := client.Do(req)
	if err != nil {
		// The error names the URL (no secret: the token is a header).
		return fail(0, ctx.Err() == nil || errors.Is(ctx.Err(), context.DeadlineExceeded), err, "request failed")
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode != http.StatusCreated {
		return fail(resp.StatusCode, notify.RetryableStatus(resp.StatusCode), nil, "GitHub refused the issue")
	}
	var r issueReply
	if err := json.Unmarshal(raw, &r); err != nil || r.Number == 0 || r.HTMLURL == "" {
		return fail(resp.StatusCode, false, err, "GitHub's answer names no issue")
	}
	return notify.Sent{MessageID: "#" + strconv.FormatInt(r.Number, 10), Reply: r.HTMLURL,
		Result: notify.Result{Channel: "github", Target: target, StatusCode: resp.StatusCode, Response: notify.StatusLine(resp.StatusCode)}}, nil
}

// Settled links the item to the issue it got (an action.updated event):
// again on every run until it holds, and never over a link someone set.
func (k githubKind) Settled(ctx context.Context, d outbox.Delivery) error {
	if d.State != outbox.Sent || d.Reply == "" {
		return nil
	}
	p, err := decodeHook(d)
	if err != nil {
		return nil // a payload that does not decode was never sent
	}
	cur, err := k.s.d.Store.ActionByNumber(ctx, p.Action.Number)
	if err != nil {
		return err
	}
	if !cur.Tracker.Empty() {
		return nil
	}
	_, err = k.s.Update(ctx, system, cur.ID, Patch{Tracker: &Tracker{URL: d.Reply, Key: d.MessageID}})
	return err
}

// system is the actor of changes Firebreak makes itself.
var system = incident.Viewer{User: "firebreak", SeeAll: true}
