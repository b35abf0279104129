package config

import (
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/notices"
)

// close_requires_duties relaxes the closing rule per severity; a level
// that does not exist is refused with the key named.
func TestCloseRequiresDuties(t *testing.T) {
	t.Parallel()
	f, err := Parse([]byte("close_requires_duties: {SEV4: false, SEV1: true}\n"))
	if err != nil {
		t.Fatal(err)
	}
	p := f.Policy()
	if !p.CloseWithDutiesOpen["SEV4"] || p.CloseWithDutiesOpen["SEV1"] || p.CloseWithDutiesOpen["SEV3"] {
		t.Fatalf("policy %+v", p.CloseWithDutiesOpen)
	}
	if p := (File{}).Policy(); len(p.CloseWithDutiesOpen) != 0 {
		t.Fatalf("default relaxes %v", p.CloseWithDutiesOpen)
	}
	for _, tt := range []struct{ in, err string }{
		{"close_requires_duties: {SEV9: false}\n", "close_requires_duties.SEV9: no such severity level; levels are SEV1, SEV2, SEV3, SEV4"},
		{"severities: [{name: P1}]\nclose_requires_duties: {SEV4: false}\n", "close_requires_duties.SEV4: no such severity level; levels are P1"},
		{"close_requires_duties: {SEV4: maybe}\n", "[1:31] cannot unmarshal string into Go struct field File.CloseRequiresDuties of type bool"},
	} {
		if _, err := Parse([]byte(tt.in)); err == nil || !strings.Contains(err.Error(), tt.err) {
			t.Errorf("%q: got %v, want %q", tt.in, err, tt.err)
		}
	}
}

// notices.approval says per audience whether a second person must
// approve; regulator, customer and individuals need it by default.
func TestNoticeApprovalConfig(t *testing.T) {
	t.Parallel()
	c := (File{}).NoticesConfig()
	for a, want := range map[notices.Audience]bool{notices.Regulator: true, notices.Customer: true, notices.Individuals: true, notices.Internal: false} {
		if c.ApprovalRequired(a) != want {
			t.Errorf("default approval for %s: %v", a, !want)
		}
	}
	f, err := Parse([]byte("notices:\n  approval: {internal: true, customer: false}\n"))
	if err != nil {
		t.Fatal(err)
	}
	c = f.NoticesConfig()
	if !c.ApprovalRequired(notices.Internal) || c.ApprovalRequired(notices.Customer) || !c.ApprovalRequired(notices.Regulator) {
		t.Fatalf("configured approval %+v", c.Approval)
	}
	if _, err := Parse([]byte("notices:\n  approval: {press: false}\n")); err == nil || !strings.Contains(err.Error(), "notices.approval.press: no such audience") {
		t.Fatalf("unknown audience: %v", err)
	}
}
