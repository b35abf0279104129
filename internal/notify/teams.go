package notify

import (
	"context"
	"encoding/json"
	"time"
)

// Teams posts an Adaptive Card to a Microsoft Teams Workflows (Power
// Automate) webhook, the replacement for Office 365 connectors. The
// workflow answers 202 Accepted.
type Teams struct {
	HTTPConfig
}

var _ Notifier = (*Teams)(nil)

// TeamsMessage is the Workflows webhook payload: a message with one
// Adaptive Card attachment.
type TeamsMessage struct {
	Type        string            `json:"type"` // "message"
	Attachments []TeamsAttachment `json:"attachments"`
}

// TeamsAttachment wraps the card.
type TeamsAttachment struct {
	ContentType string       `json:"contentType"` // application/vnd.microsoft.card.adaptive
	ContentURL  *string      `json:"contentUrl"`  // always null
	Content     AdaptiveCard `json:"content"`
}

// AdaptiveCard is the subset of Adaptive Card 1.4 used.
type AdaptiveCard struct {
	Schema  string         `json:"$schema"`
	Type    string         `json:"type"` // "AdaptiveCard"
	Version string         `json:"version"`
	Body    []CardElement  `json:"body"`
	Actions []CardAction   `json:"actions,omitempty"`
	MSTeams map[string]any `json:"msteams,omitempty"`
}

// CardElement is a TextBlock or a FactSet.
type CardElement struct {
	Type     string     `json:"type"`
	Text     string     `json:"text,omitempty"`
	Size     string     `json:"size,omitempty"`
	Weight   string     `json:"weight,omitempty"`
	Color    string     `json:"color,omitempty"`
	IsSubtle bool       `json:"isSubtle,omitempty"`
	Wrap     bool       `json:"wrap,omitempty"`
	Facts    []CardFact `json:"facts,omitempty"`
}

// CardFact is one title/value pair of a FactSet.
type CardFact struct {
	Title string `json:"title"`
	Value string `json:"value"`
}

// CardAction is an Action.OpenUrl.
type CardAction struct {
	Type  string `json:"type"`
	Title string `json:"title"`
	URL   string `json:"url"`
	Style string `json:"style,omitempty"`
}

// Notify posts m to the workflow URL in t.Address.
func (tm *Teams) Notify(ctx context.Context, t Target, m Message) (Result, error) {
	a := newAttempt(KindTeams, t)
	if t.Kind != KindTeams {
		return a.fail(0, "", false, nil, "not a Teams target")
	}
	if err := t.Validate(); err != nil {
		return a.fail(0, "", false, err, err.Error())
	}
	body, err := json.Marshal(TeamsPayload(m))
	if err != nil {
		return a.fail(0, "", false, err, "cannot encode the payload")
	}
	r, err := tm.post(ctx, a, t.Address, nil, body)
	if err != nil {
		return a.result(0, ""), err
	}
	return a.classify(r)
}

// TeamsPayload renders m as an Adaptive Card 1.4: the title, a severity
// line, the body, the fields as a FactSet, and Action.OpenUrl buttons to
// acknowledge and to open the incident. Text is plain (TextBlock renders a
// subset of Markdown; the body is shown as written).
func TeamsPayload(m Message) TeamsMessage {
	body := []CardElement{{Type: "TextBlock", Text: m.Title, Size: "Large", Weight: "Bolder", Wrap: true}}
	sub := m.Severity
	if !m.Time.IsZero() {
		if sub != "" {
			sub += " · "
		}
		sub += m.Time.UTC().Format(time.RFC3339)
	}
	if sub != "" {
		body = append(body, CardElement{Type: "TextBlock", Text: sub, Color: "Attention", Weight: "Bolder", Wrap: true})
	}
	if m.Body != "" {
		body = append(body, CardElement{Type: "TextBlock", Text: m.Body, Wrap: true})
	}
	if len(m.Fields) > 0 {
		fs := CardElement{Type: "FactSet"}
		for _, k := range sortedKeys(m.Fields) {
			fs.Facts = append(fs.Facts, CardFact{Title: k, Value: m.Fields[k]})
		}
		body = append(body, fs)
	}
	var actions []CardAction
	if m.AckURL != "" {
		actions = append(actions, CardAction{Type: "Action.OpenUrl", Title: "Acknowledge", URL: m.AckURL, Style: "positive"})
	}
	if m.URL != "" {
		actions = append(actions, CardAction{Type: "Action.OpenUrl", Title: "Open", URL: m.URL})
	}
	return TeamsMessage{Type: "message", Attachments: []TeamsAttachment{{
		ContentType: "application/vnd.microsoft.card.adaptive",
		Content: AdaptiveCard{
			Schema:  "http://adaptivecards.io/schemas/adaptive-card.json",
			Type:    "AdaptiveCard",
			Version: "1.4",
			Body:    body,
			Actions: actions,
			MSTeams: map[string]any{"width": "Full"},
		},
	}}}
}
