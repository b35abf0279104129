package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"testing"
)

func TestTeamsWorkflowWebhook(t *testing.T) {
	t.Parallel()
	m := testMessage()
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodPost || r.Header.Get("Content-Type") != "application/json" {
			http.Error(w, "bad request", http.StatusBadRequest)
			return
		}
		// Decode into the documented shape, generically, so our own
		// struct tags cannot hide a mistake.
		var p struct {
			Type        string `json:"type"`
			Attachments []struct {
				ContentType string          `json:"contentType"`
				ContentURL  *string         `json:"contentUrl"`
				Content     json.RawMessage `json:"content"`
			} `json:"attachments"`
		}
		if err := json.NewDecoder(r.Body).Decode(&p); err != nil {
			t.Errorf("payload: %v", err)
			return
		}
		if p.Type != "message" || len(p.Attachments) != 1 {
			t.Errorf("envelope = %+v", p)
			return
		}
		att := p.Attachments[0]
		if att.ContentType != "application/vnd.microsoft.card.adaptive" || att.ContentURL != nil {
			t.Errorf("attachment = %s %v", att.ContentType, att.ContentURL)
		}
		var card struct {
			Schema  string `json:"$schema"`
			Type    string `json:"type"`
			Version string `json:"version"`
			Body    []struct {
				Type  string `json:"type"`
				Text  string `json:"text"`
				Wrap  bool   `json:"wrap"`
				Facts []struct{ Title, Value string }
			} `json:"body"`
			Actions []struct {
				Type  string `json:"type"`
				Title string `json:"title"`
				URL   string `json:"url"`
			} `json:"actions"`
		}
		if err := json.Unmarshal(att.Content, &card); err != nil {
			t.Errorf("card: %v", err)
			return
		}
		major, minor, _ := strings.Cut(card.Version, ".")
		mi, _ := strconv.Atoi(minor)
		if card.Type != "AdaptiveCard" || major != "1" || mi < 4 || card.Schema != "http://adaptivecards.io/schemas/adaptive-card.json" {
			t.Errorf("card = %s %s %s", card.Type, card.Version, card.Schema)
		}
		var texts []string
		for _, b := range card.Body {
			switch b.Type {
			case "TextBlock":
				if b.Text == "" || !b.Wrap {
					t.Errorf("TextBlock = %+v", b)
				}
				texts = append(texts, b.Text)
			case "FactSet":
				if len(b.Facts) != 2 || b.Facts[0].Title != "region" || b.Facts[0].Value != "eu-west-1" {
					t.Errorf("FactSet = %+v", b.Facts)
				}
			default:
				t.Errorf("unexpected element %q", b.Type)
			}
		}
		all := strings.Join(texts, "\n")
		for _, want := range []string{m.Title, m.Body, "SEV1", "2026-11-27T03:12:00Z"} {
			if !strings.Contains(all, want) {
				t.Errorf("card text lacks %q: %s", want, all)
			}
		}
		if len(card.Actions) != 2 || card.Actions[0].Type != "Action.OpenUrl" || card.Actions[0].URL != m.AckURL ||
			card.Actions[0].Title != "Acknowledge" || card.Actions[1].URL != m.URL {
			t.Errorf("actions = %+v", card.Actions)
		}
		w.WriteHeader(http.StatusAccepted) // what a Workflows trigger answers
	}))
	defer srv.Close()
	res, err := (&Teams{HTTPConfig: loopHTTP}).Notify(context.Background(), Target{Kind: KindTeams, Address: srv.URL + "/workflows/" + hookToken}, m)
	if err != nil || res.StatusCode != 202 || res.Target != srv.URL+"/…" {
		t.Fatalf("Notify = %+v, %v", res, err)
	}
}
