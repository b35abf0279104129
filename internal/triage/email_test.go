package triage_test

import (
	"context"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/intake"
	"github.com/firebreak-ir/firebreak/internal/store/storetest"
	"github.com/firebreak-ir/firebreak/internal/triage"
)

func TestMailboxes(t *testing.T) {
	t.Parallel()
	m := triage.Mailboxes{Reports: []string{"security@example.org", "abuse@"}, Alerts: []string{"Alerts@Example.org"}}
	for addr, want := range map[string]triage.MailKind{
		"security@example.org": triage.MailReport, "<SECURITY@example.org>": triage.MailReport, "abuse@anything.example": triage.MailReport,
		"alerts@example.org": triage.MailAlert, "security@other.example": "", "alerts@": "", "@example.org": "", "abuse": "",
	} {
		if got, ok := m.Kind(addr); got != want || ok != (want != "") {
			t.Errorf("Kind(%q) = %q, %v; want %q", addr, got, ok, want)
		}
	}
	if err := m.Validate(); err != nil {
		t.Fatal(err)
	}
	for _, bad := range []string{"security", "@example.org", "a b@example.org", "x@exa mple.org"} {
		err := triage.Mailboxes{Alerts: []string{bad}}.Validate()
		want := "mailbox: \"" + bad + "\" is not a mailbox: use an address such as security@example.org, or security@ for any domain"
		if err == nil || err.Error() != want {
			t.Errorf("Validate(%q) = %v, want %q", bad, err, want)
		}
	}
}

func TestEmailReportKeepsEveryAttachment(t *testing.T) {
	t.Parallel()
	s := newSetup(t, storetest.Backends()[0])
	q := s.app.Services.Triage
	ctx := context.Background()
	msg := intake.Email{Subject: "", FromName: "Mallory", FromAddress: "not an address", Text: "two files",
		Raw:         []byte("Subject:\r\n\r\ntwo files\r\n"),
		Attachments: []intake.EmailAttachment{{Name: "a.txt", ContentType: "text/plain", Data: []byte("a")}, {Name: "b.bin", Data: []byte("b")}}}
	ref, err := q.ReceiveEmail(ctx, "security@example.org", triage.MailReport, msg)
	if err != nil {
		t.Fatal(err)
	}
	entries, _ := q.Queue(ctx, admin, false, 0)
	if len(entries) != 1 {
		t.Fatalf("%d entries", len(entries))
	}
	ann := entries[0].Annotations
	if entries[0].Group.Summary != "(no subject)" || ann["attachment"] != "a.txt" || ann["attachment_2"] != "b.bin" || ann["attachment_2_size"] != "1" ||
		ann["contact"] != "" || ann["from"] != "not an address" || ann["reporter_name"] != "Mallory" || ann["message_sha256"] == "" ||
		entries[0].Group.CommonLabels["report"] != ref {
		t.Fatalf("entry %+v (ref %s)", entries[0], ref)
	}
	if _, err := q.ReceiveEmail(ctx, "x@example.org", "other", msg); err == nil || err.Error() != "to: x@example.org is not a mailbox here" {
		t.Fatalf("unknown kind: %v", err)
	}
}
