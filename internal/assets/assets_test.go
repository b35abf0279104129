package assets

import (
	"encoding/json"
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

var now = time.Date(2026, 12, 7, 10, 0, 0, 0, time.UTC)

// fields are the fields an error names, in order.
func fields(err error) []string {
	e, ok := errs.As(err)
	if !ok {
		return nil
	}
	if len(e.Details) == 0 {
		return []string{e.Field}
	}
	var out []string
	for _, d := range e.Details {
		out = append(out, d.Field)
	}
	return out
}

func TestInputChecks(t *testing.T) {
	t.Parallel()
	future := now.Add(time.Hour)
	tests := []struct {
		name string
		err  func() error
		want string // fields, comma-separated; "" valid
	}{
		{"asset ok", func() error { in := AssetInput{Kind: KindHost, Identifier: "web-1"}; return in.check() }, ""},
		{"asset bad kind and empty id", func() error { in := AssetInput{Kind: "toaster", Identifier: " "}; return in.check() }, "kind,identifier"},
		{"asset long id", func() error {
			in := AssetInput{Kind: KindHost, Identifier: strings.Repeat("x", MaxIdentifier+1)}
			return in.check()
		}, "identifier"},
		{"asset bad state and criticality", func() error {
			in := AssetInput{Kind: KindHost, Identifier: "a", State: "gone", Criticality: "meh"}
			return in.check()
		}, "criticality,state"},
		{"credential ok", func() error { in := CredentialInput{Kind: CredSSHKey, Name: "deploy"}; return in.check(now) }, ""},
		{"credential exposed in the future", func() error {
			in := CredentialInput{Kind: CredSSHKey, Name: "deploy", ExposedAt: &future}
			return in.check(now)
		}, "exposed_at"},
		{"credential no name, bad kind", func() error { in := CredentialInput{Kind: "pin"}; return in.check(now) }, "kind,name"},
		{"fix ok with words", func() error {
			in := FixInput{Vulnerability: "weak admin password", Kind: FixConfig, Description: "MFA on"}
			return in.check(now).err()
		}, ""},
		{"fix bad CVE", func() error {
			in := FixInput{Vulnerability: "CVE-2024-1", Kind: FixPatch, Description: "x"}
			return in.check(now).err()
		}, "vulnerability"},
		{"fix verified without how or applied", func() error {
			in := FixInput{Vulnerability: "CVE-2024-3094", Kind: FixPatch, Description: "x", VerifiedAt: &now}
			return in.check(now).err()
		}, "verified_how,applied_at"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			err := tt.err()
			if got := strings.Join(fields(err), ","); got != tt.want {
				t.Fatalf("fields %q, want %q (%v)", got, tt.want, err)
			}
			if err != nil && errs.CodeOf(err) != errs.Invalid {
				t.Fatalf("code %s", errs.CodeOf(err))
			}
		})
	}
}

func TestDescribeEvent(t *testing.T) {
	t.Parallel()
	ev := func(typ string, data any) incident.Event {
		b, err := json.Marshal(data)
		if err != nil {
			t.Fatal(err)
		}
		return incident.Event{Type: typ, Data: b}
	}
	tests := []struct {
		e    incident.Event
		want string
	}{
		{ev(EvAssetAdded, AssetData{Kind: KindHost, Identifier: "web-1", State: Suspected, Criticality: CriticalityHigh}), "asset host web-1 added as suspected, criticality high"},
		{ev(EvAssetMoved, AssetMovedData{Kind: KindHost, Identifier: "web-1", From: Contained, To: NotAffected, How: "clean", Task: "T3"}),
			"asset host web-1 moved from contained to not affected: clean (task T3)"},
		{ev(EvAssetUpdated, AssetData{Kind: KindHost, Identifier: "web-1", Accepted: true, AcceptedReason: "retired", Changed: []string{"accepted"}}),
			"asset host web-1 updated (accepted); accepted unrestored: retired"},
		{ev(EvCredentialAdded, CredentialData{ID: "C1", Kind: CredAPIKey, Name: "stripe", State: CredConfirmed}), "credential C1 (api key, stripe) added as confirmed"},
		{ev(EvCredentialMoved, CredentialMovedData{ID: "C1", From: CredRevoked, To: CredVerifiedUnused, How: "no use in logs"}),
			"credential C1 moved from revoked to verified unused: no use in logs"},
		{ev(EvFixAdded, FixData{ID: "F1", Kind: FixRule, Vulnerability: "open S3 bucket"}), "fix F1 (rule) for open S3 bucket added"},
	}
	for _, tt := range tests {
		got, ok := DescribeEvent(tt.e)
		if !ok || got != tt.want {
			t.Errorf("%s: %q, want %q", tt.e.Type, got, tt.want)
		}
	}
	if _, ok := DescribeEvent(incident.Event{Type: "indicator.added"}); ok {
		t.Error("described another package's event")
	}
}
