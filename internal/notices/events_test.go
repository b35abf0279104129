package notices

import (
	"encoding/json"
	"testing"
	"time"
)

// TestNoticePayloadsEncodeAsBefore pins the JSON of the notice and update
// payloads, which the event hash chain covers: they moved here from
// package incident and must encode byte for byte as they did there.
func TestNoticePayloadsEncodeAsBefore(t *testing.T) {
	at := time.Date(2026, 11, 27, 9, 0, 0, 0, time.UTC)
	f := NoticeFile{Name: "a.pdf", SHA256: "ab", Size: 3}
	for _, tc := range []struct {
		v    any
		want string
	}{
		{NoticeDraftedData{Notice: "n", Title: "T", Audience: "regulator"},
			`{"notice":"n","title":"T","audience":"regulator"}`},
		{NoticeApprovedData{Notice: "n", Title: "T", TextSHA256: "t", ContentSHA256: "c", Recipients: []string{"x@example.com"}, Attachments: []NoticeFile{f}},
			`{"notice":"n","title":"T","text_sha256":"t","content_sha256":"c","recipients":["x@example.com"],"attachments":[{"name":"a.pdf","sha256":"ab","size":3}]}`},
		{NoticeEditedData{Notice: "n", Title: "T", Changed: []string{"attachments"}, Added: &f, TextSHA256: "t", ContentSHA256: "c"},
			`{"notice":"n","title":"T","changed":["attachments"],"added":{"name":"a.pdf","sha256":"ab","size":3},"text_sha256":"t","content_sha256":"c"}`},
		{NoticeSubmittedData{Notice: "n", Title: "T", Audience: "regulator", Recipient: "BSI", Channel: "portal", SubmittedAt: at, Text: "x", TextSHA256: "t"},
			`{"notice":"n","title":"T","audience":"regulator","recipient":"BSI","channel":"portal","submitted_at":"2026-11-27T09:00:00Z","text":"x","text_sha256":"t"}`},
		{NoticeSentData{Notice: "n", Title: "T", To: "x@example.com", MessageID: "<m>", Reply: "250", SentAt: at, TextSHA256: "t", MessageSHA256: "m", MessageSize: 9},
			`{"notice":"n","title":"T","to":"x@example.com","message_id":"\u003cm\u003e","reply":"250","sent_at":"2026-11-27T09:00:00Z","text_sha256":"t","message_sha256":"m","message_size":9}`},
		{UpdatePostedData{Update: "u", Text: "x", Channels: []string{"ops"}},
			`{"update":"u","text":"x","channels":["ops"]}`},
	} {
		b, err := json.Marshal(tc.v)
		if err != nil || string(b) != tc.want {
			t.Errorf("%T encodes as %s (err %v), want %s", tc.v, b, err, tc.want)
		}
	}
}
