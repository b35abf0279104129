package incident

import (
	"strings"
	"testing"
	"time"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func TestAddEntryRefs(t *testing.T) {
	p := DefaultPolicy()
	inc := Incident{Ref: "INC-7", State: Active}
	now := time.Date(2026, 12, 7, 9, 0, 0, 0, time.UTC)
	known := []RecordRef{
		{Ref: "asset:host:web-1", Label: "host web-1"},
		{Ref: "indicator:0b6f", Label: "ipv4 198.51.100.7", Aliases: []string{"indicator:198.51.100.7", "indicator:ipv4:198.51.100.7"}},
		{Ref: "evidence:EV-1", Label: "EV-1 headers.eml"},
	}
	for _, tc := range []struct {
		name  string
		refs  []string
		want  []string
		field string
		msg   string
	}{
		{name: "none", refs: nil, want: nil},
		{name: "canonical", refs: []string{"asset:host:web-1", "evidence:EV-1"}, want: []string{"asset:host:web-1", "evidence:EV-1"}},
		{name: "indicator by value", refs: []string{"indicator:198.51.100.7"}, want: []string{"indicator:0b6f"}},
		{name: "case and space folded, duplicates once", refs: []string{" evidence:ev-1 ", "evidence:EV-1", "indicator:ipv4:198.51.100.7"}, want: []string{"evidence:EV-1", "indicator:0b6f"}},
		{name: "unknown record", refs: []string{"asset:host:web-1", "asset:host:web-9"}, field: "refs[1]", msg: `INC-7 has no asset "host:web-9"`},
		{name: "unknown kind", refs: []string{"ticket:42"}, field: "refs[0]", msg: `"ticket:42" names an unknown kind of record "ticket"; one of asset, indicator, evidence, credential, fix`},
		{name: "no key", refs: []string{"evidence"}, field: "refs[0]", msg: `"evidence" is not a reference such as asset:host:web-1, indicator:198.51.100.7 or evidence:EV-1`},
		{name: "too many", refs: make([]string, MaxEntryRefs+1), field: "refs", msg: "names 21 records; at most 20"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ch, err := p.AddEntryRefs(&inc, EntryInput{Kind: KindNote, Body: "seen", Refs: tc.refs}, known, now)
			if tc.field != "" {
				e, ok := errs.As(err)
				if !ok || e.Code != errs.Invalid || e.Field != tc.field || e.Message != tc.msg {
					t.Fatalf("got %v, want %s: %s", err, tc.field, tc.msg)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			d := ch[0].Data.(EntryData)
			if strings.Join(d.Refs, " ") != strings.Join(tc.want, " ") {
				t.Fatalf("refs %q, want %q", d.Refs, tc.want)
			}
		})
	}
}
