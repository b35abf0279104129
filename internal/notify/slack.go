package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"regexp"
	"slices"
	"strings"
	"time"
)

// DefaultSlackAPI is the Slack Web API base URL.
const DefaultSlackAPI = "https://slack.com/api"

// Slack posts a Block Kit message through an incoming webhook (Target.
// Address) or, in bot mode, through chat.postMessage with a bot token
// (Target.Secret) to Target.Channel.
type Slack struct {
	HTTPConfig
	// APIBaseURL is the Web API base for bot mode; DefaultSlackAPI when empty.
	APIBaseURL string
}

var _ Notifier = (*Slack)(nil)

// SlackMessage is the payload: text is the notification fallback, blocks
// the rendered message. Channel is set in bot mode only.
type SlackMessage struct {
	Channel     string       `json:"channel,omitempty"`
	Text        string       `json:"text"`
	Blocks      []SlackBlock `json:"blocks"`
	UnfurlLinks bool         `json:"unfurl_links"`
	UnfurlMedia bool         `json:"unfurl_media"`
}

// SlackBlock is a header, section, context or actions block.
type SlackBlock struct {
	Type     string         `json:"type"`
	Text     *SlackText     `json:"text,omitempty"`
	Fields   []SlackText    `json:"fields,omitempty"`
	Elements []SlackElement `json:"elements,omitempty"`
}

// SlackText is a text object: plain_text or mrkdwn.
type SlackText struct {
	Type  string `json:"type"`
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// SlackElement is a context element (a text object) or a link button.
type SlackElement struct {
	Type     string `json:"type"`
	Text     any    `json:"text"` // a string for context mrkdwn, a *SlackText for a button
	ActionID string `json:"action_id,omitempty"`
	URL      string `json:"url,omitempty"`
	Style    string `json:"style,omitempty"`
}

// Notify posts m to t.
func (s *Slack) Notify(ctx context.Context, t Target, m Message) (Result, error) {
	a := newAttempt(KindSlack, t)
	if t.Kind != KindSlack {
		return a.fail(0, "", false, nil, "not a Slack target")
	}
	if err := t.Validate(); err != nil {
		return a.fail(0, "", false, err, err.Error())
	}
	p := SlackPayload(m)
	if t.Address != "" {
		body, err := json.Marshal(p)
		if err != nil {
			return a.fail(0, "", false, err, "cannot encode the payload")
		}
		r, err := s.post(ctx, a, t.Address, nil, body)
		if err != nil {
			return a.result(0, ""), err
		}
		return a.classify(r)
	}
	p.Channel = t.Channel
	body, err := json.Marshal(p)
	if err != nil {
		return a.fail(0, "", false, err, "cannot encode the payload")
	}
	base := s.APIBaseURL
	if base == "" {
		base = DefaultSlackAPI
	}
	h := http.Header{}
	h.Set("Authorization", "Bearer "+t.Secret)
	h.Set("Content-Type", "application/json; charset=utf-8")
	r, err := s.post(ctx, a, strings.TrimSuffix(base, "/")+"/chat.postMessage", h, body)
	if err != nil {
		return a.result(0, ""), err
	}
	if r.status < 200 || r.status >= 300 {
		return a.classify(r)
	}
	// The Web API answers 200 with {"ok":false,"error":"…"} on failure.
	var api struct {
		OK    bool   `json:"ok"`
		Error string `json:"error"`
	}
	if err := json.Unmarshal(r.body, &api); err != nil {
		return a.fail(r.status, "unreadable Slack API reply", true, err, "unreadable Slack API reply")
	}
	if !api.OK {
		retry := api.Error == "ratelimited" || api.Error == "rate_limited" || api.Error == "service_unavailable" ||
			api.Error == "internal_error" || api.Error == "fatal_error" || api.Error == "request_timeout"
		// Only Slack's error code is shown, and only if it looks like one.
		code := api.Error
		if !slackErrorCode.MatchString(code) {
			code = "unrecognised error"
		}
		return a.fail(r.status, "Slack API: "+code, retry, nil, "Slack API: "+code)
	}
	return a.result(r.status, "ok"), nil
}

// slackErrorCode is the shape of the Web API's error codes
// (channel_not_found, invalid_auth).
var slackErrorCode = regexp.MustCompile(`^[a-z0-9_]{1,64}$`)

// Slack's documented limits for the blocks used.
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldMax   = 2000
	slackFieldsMax  = 10
	slackButtonMax  = 75
	slackURLMax     = 3000
)

// SlackPayload renders m as Block Kit: a header with the title, a section
// with the body and up to ten fields, a context line with the severity and
// time, and link buttons to acknowledge and to open the incident.
func SlackPayload(m Message) SlackMessage {
	title := m.Title
	if m.Severity != "" {
		title = "[" + m.Severity + "] " + title
	}
	blocks := []SlackBlock{{Type: "header", Text: &SlackText{Type: "plain_text", Text: truncate(title, slackHeaderMax), Emoji: true}}}
	section := SlackBlock{Type: "section"}
	if strings.TrimSpace(m.Body) != "" {
		section.Text = &SlackText{Type: "mrkdwn", Text: truncate(slackEscape(m.Body), slackSectionMax)}
	}
	for _, k := range sortedKeys(m.Fields) {
		if len(section.Fields) == slackFieldsMax {
			break
		}
		section.Fields = append(section.Fields, SlackText{Type: "mrkdwn", Text: truncate("*"+slackEscape(k)+"*\n"+slackEscape(m.Fields[k]), slackFieldMax)})
	}
	if section.Text != nil || len(section.Fields) > 0 {
		blocks = append(blocks, section)
	}
	var ctx []string
	if m.Severity != "" {
		ctx = append(ctx, "Severity: *"+slackEscape(m.Severity)+"*")
	}
	if !m.Time.IsZero() {
		ctx = append(ctx, fmt.Sprintf("<!date^%d^{date_short_pretty} {time}|%s>", m.Time.Unix(), m.Time.UTC().Format(time.RFC3339)))
	}
	if m.ID != "" {
		ctx = append(ctx, slackEscape(m.What()+" "+m.ID))
	}
	if len(ctx) > 0 {
		blocks = append(blocks, SlackBlock{Type: "context", Elements: []SlackElement{{Type: "mrkdwn", Text: strings.Join(ctx, " · ")}}})
	}
	var buttons []SlackElement
	if m.AckURL != "" && len(m.AckURL) <= slackURLMax {
		buttons = append(buttons, SlackElement{Type: "button", Text: &SlackText{Type: "plain_text", Text: "Acknowledge"}, ActionID: "firebreak_ack", URL: m.AckURL, Style: "primary"})
	}
	if m.URL != "" && len(m.URL) <= slackURLMax {
		buttons = append(buttons, SlackElement{Type: "button", Text: &SlackText{Type: "plain_text", Text: truncate("Open", slackButtonMax)}, ActionID: "firebreak_open", URL: m.URL})
	}
	if len(buttons) > 0 {
		blocks = append(blocks, SlackBlock{Type: "actions", Elements: buttons})
	}
	return SlackMessage{Text: title, Blocks: blocks}
}

// slackEscape escapes the three characters mrkdwn treats as control.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}

// truncate cuts s to at most n characters, marking the cut.
func truncate(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}

func sortedKeys(m map[string]string) []string {
	return slices.Sorted(maps.Keys(m))
}
