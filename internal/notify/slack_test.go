package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"unicode/utf8"
)

// checkSlackBlocks asserts the payload against Block Kit's documented
// shapes: header (plain_text, ≤150), section (mrkdwn text ≤3000 and/or
// ≤10 fields), context (elements), actions (buttons with text ≤75 and url).
func checkSlackBlocks(t *testing.T, p SlackMessage, m Message) {
	t.Helper()
	if p.Text == "" || !strings.Contains(p.Text, m.Title) {
		t.Errorf("text (the notification fallback) = %q", p.Text)
	}
	if p.UnfurlLinks || p.UnfurlMedia {
		t.Error("links must not unfurl: an unfurler must never fetch the ack link")
	}
	types := map[string]SlackBlock{}
	var order []string
	for _, b := range p.Blocks {
		types[b.Type] = b
		order = append(order, b.Type)
	}
	if got := strings.Join(order, ","); got != "header,section,context,actions" {
		t.Errorf("blocks = %s", got)
		return
	}
	h := types["header"]
	if h.Text == nil || h.Text.Type != "plain_text" || utf8.RuneCountInString(h.Text.Text) > 150 || h.Text.Text != "[SEV1] "+m.Title {
		t.Errorf("header = %+v", h.Text)
	}
	s := types["section"]
	if s.Text == nil || s.Text.Type != "mrkdwn" || !strings.Contains(s.Text.Text, "Error rate 12% on checkout.") {
		t.Errorf("section text = %+v", s.Text)
	}
	if len(s.Fields) != 2 || s.Fields[0].Type != "mrkdwn" || s.Fields[0].Text != "*region*\neu-west-1" {
		t.Errorf("section fields = %+v", s.Fields)
	}
	c := types["context"]
	if len(c.Elements) != 1 || c.Elements[0].Type != "mrkdwn" || !strings.Contains(c.Elements[0].Text.(string), "SEV1") ||
		!strings.Contains(c.Elements[0].Text.(string), "Page "+m.ID) {
		t.Errorf("context = %+v", c.Elements)
	}
	a := types["actions"]
	if len(a.Elements) != 2 {
		t.Errorf("actions = %+v", a.Elements)
		return
	}
	ack := a.Elements[0]
	txt, _ := ack.Text.(map[string]any)
	if ack.Type != "button" || ack.URL != m.AckURL || ack.ActionID == "" || txt["type"] != "plain_text" || txt["text"] != "Acknowledge" {
		t.Errorf("ack button = %+v", ack)
	}
	if open := a.Elements[1]; open.Type != "button" || open.URL != m.URL {
		t.Errorf("open button = %+v", open)
	}
}

func decodeSlack(t *testing.T, r io.Reader) SlackMessage {
	t.Helper()
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var p SlackMessage
	if err := dec.Decode(&p); err != nil {
		t.Errorf("payload: %v", err)
	}
	return p
}

func TestSlackIncomingWebhook(t *testing.T) {
	t.Parallel()
	m := testMessage()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || !strings.HasPrefix(r.Header.Get("Content-Type"), "application/json") || r.Header.Get("Authorization") != "" {
			http.Error(w, "invalid_payload", http.StatusBadRequest)
			return
		}
		p := decodeSlack(t, r.Body)
		if p.Channel != "" {
			t.Error("an incoming webhook payload carries no channel")
		}
		checkSlackBlocks(t, p, m)
		io.WriteString(w, "ok")
	}))
	defer srv.Close()
	res, err := (&Slack{HTTPConfig: loopHTTP}).Notify(context.Background(), Target{Kind: KindSlack, Address: srv.URL + "/services/T0/B0/" + hookToken}, m)
	if err != nil || res.StatusCode != 200 || res.Response != "HTTP 200 OK" {
		t.Fatalf("Notify = %+v, %v", res, err)
	}
}

func TestSlackBot(t *testing.T) {
	t.Parallel()
	m := testMessage()
	for _, tc := range []struct {
		reply string
		ok    bool
		retry bool
	}{
		{`{"ok":true,"channel":"C123","ts":"1700000000.000100"}`, true, false},
		{`{"ok":false,"error":"ratelimited"}`, false, true},
		{`{"ok":false,"error":"channel_not_found"}`, false, false},
		{`{"ok":false,"error":"invalid_auth"}`, false, false},
		{`<html>`, false, true},
	} {
		t.Run(tc.reply, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/api/chat.postMessage" || r.Header.Get("Authorization") != "Bearer "+botToken ||
					r.Header.Get("Content-Type") != "application/json; charset=utf-8" {
					t.Errorf("request %s %s %q", r.Method, r.URL.Path, r.Header.Get("Content-Type"))
				}
				p := decodeSlack(t, r.Body)
				if p.Channel != "#oncall" {
					t.Errorf("channel = %q", p.Channel)
				}
				checkSlackBlocks(t, p, m)
				io.WriteString(w, tc.reply) // the Web API answers 200 even on failure
			}))
			defer srv.Close()
			s := &Slack{HTTPConfig: loopHTTP, APIBaseURL: srv.URL + "/api/"}
			res, err := s.Notify(context.Background(), Target{Kind: KindSlack, Secret: botToken, Channel: "#oncall"}, m)
			if tc.ok {
				if err != nil || res.Target != "slack:#oncall" {
					t.Fatalf("Notify = %+v, %v", res, err)
				}
				return
			}
			if err == nil || Retryable(err) != tc.retry {
				t.Fatalf("err = %v, retryable %v, want %v", err, Retryable(err), tc.retry)
			}
			assertNoSecret(t, "error", err.Error())
		})
	}
}

func TestSlackEscapesAndTruncates(t *testing.T) {
	t.Parallel()
	m := Message{Title: strings.Repeat("é", 200), Body: "<!channel> & <https://evil|click>"}
	p := SlackPayload(m)
	if n := utf8.RuneCountInString(p.Blocks[0].Text.Text); n != 150 {
		t.Errorf("header has %d characters", n)
	}
	if got := p.Blocks[1].Text.Text; got != "&lt;!channel&gt; &amp; &lt;https://evil|click&gt;" {
		t.Errorf("body not escaped: %q", got)
	}
}
