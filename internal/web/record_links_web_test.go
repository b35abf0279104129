package web_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/assets"
	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/incident"
	"github.com/firebreak-ir/firebreak/internal/indicators"
)

// A timeline entry about records links to each of them, and each record
// links back to the entry and to its own events; without script.
func TestTimelineRecordLinks(t *testing.T) {
	t.Parallel()
	s := newSite(t)
	ctx := context.Background()
	alice := s.signIn(t, "alice")
	vera := s.signIn(t, "vera")
	svc := s.app.Services
	if _, err := svc.Incidents.Declare(ctx, "alice", incident.DeclareInput{Title: "Web shell"}); err != nil {
		t.Fatal(err)
	}
	a := incident.Viewer{User: "alice"}
	if _, err := svc.Assets.AddAsset(ctx, a, "INC-1", assets.AssetInput{Kind: assets.KindHost, Identifier: "web-1", State: assets.State("confirmed")}); err != nil {
		t.Fatal(err)
	}
	ioc, err := svc.Indicators.Add(ctx, a, "INC-1", indicators.Input{Type: indicators.IPv4, Value: "198.51.100.7"})
	if err != nil {
		t.Fatal(err)
	}
	size := int64(4096)
	if _, err := svc.Evidence.AddExternal(ctx, a, "INC-1", evidence.ExternalInput{Name: "Memory dump", SHA256: strings.Repeat("e", 64), Size: &size, Location: "Safe 3"}); err != nil {
		t.Fatal(err)
	}

	// The entry form offers the records, and a record's link chooses one.
	form := s.get(t, alice, "/incidents/INC-1/timeline?ref=asset:host:web-1").body
	for _, want := range []string{`<select id="entry-refs" name="refs" multiple`, `<option value="asset:host:web-1" selected>asset host web-1</option>`,
		`<option value="indicator:` + ioc.ID + `">indicator ipv4 198.51.100.7</option>`, `<option value="evidence:EV-1">evidence EV-1 Memory dump</option>`} {
		if !strings.Contains(form, want) {
			t.Fatalf("the entry form lacks %s:\n%s", want, form)
		}
	}

	// An unknown record is refused, the entry kept.
	r := s.post(t, alice, "/incidents/INC-1/entries", url.Values{"kind": {"decision"}, "body": {"Isolate it"}, "refs": {"asset:host:web-1", "asset:host:web-9"}})
	if r.status != http.StatusUnprocessableEntity || !strings.Contains(r.body, `INC-1 has no asset &#34;host:web-9&#34;`) || !strings.Contains(r.body, "Isolate it") ||
		!strings.Contains(r.body, `<option value="asset:host:web-1" selected>`) {
		t.Fatalf("unknown record: %d\n%s", r.status, r.body)
	}
	r = s.post(t, alice, "/incidents/INC-1/entries", url.Values{"kind": {"decision"}, "body": {"Isolate web-1: the shell called home"},
		"refs": {"asset:host:web-1", "indicator:" + ioc.ID, "evidence:EV-1"}})
	if r.status != http.StatusSeeOther {
		t.Fatalf("entry: %d\n%s", r.status, r.body)
	}
	_, events, err := svc.Incidents.Timeline(ctx, a, "INC-1")
	if err != nil {
		t.Fatal(err)
	}
	seqOf := func(typ string) int64 {
		for _, e := range events {
			if e.Type == typ {
				return e.Seq
			}
		}
		t.Fatalf("no %s event", typ)
		return 0
	}
	entry, assetAdded := seqOf(incident.EvEntryAdded), seqOf(assets.EvAssetAdded)

	// Timeline → records: the entry, and the records' own events.
	tl := s.get(t, vera, "/incidents/INC-1/timeline").body
	line := element(t, tl, fmt.Sprintf(`id="ev-%d"`, entry), "</li>")
	for _, want := range []string{`<a href="/incidents/INC-1/assets#asset-host-web-1" data-ref="asset:host:web-1">host web-1</a>`,
		`<a href="/incidents/INC-1/indicators#ioc-` + ioc.ID + `" data-ref="indicator:` + ioc.ID + `">ipv4 198.51.100.7</a>`,
		`<a href="/incidents/INC-1/evidence#EV-1" data-ref="evidence:EV-1">EV-1 Memory dump</a>`} {
		if !strings.Contains(line, want) {
			t.Fatalf("the entry's line lacks %s:\n%s", want, line)
		}
	}
	if line := element(t, tl, fmt.Sprintf(`id="ev-%d"`, assetAdded), "</li>"); !strings.Contains(line, `href="/incidents/INC-1/assets#asset-host-web-1"`) {
		t.Fatalf("the asset's own event does not link to it:\n%s", line)
	}

	// Records → timeline: each lists the entry and its own event.
	toEntry := fmt.Sprintf(`<a href="/incidents/INC-1/timeline#ev-%d" data-seq="%d">decision by alice</a>`, entry, entry)
	for _, c := range []struct{ path, id, end, own string }{
		{"/incidents/INC-1/assets", `id="asset-host-web-1"`, "</li>", "asset.added"},
		{"/incidents/INC-1/indicators", `id="ioc-` + ioc.ID + `"`, "</tr>", "indicator.added"},
		{"/incidents/INC-1/evidence", `id="EV-1"`, "</tr>", "evidence.added"},
	} {
		rec := element(t, s.get(t, vera, c.path).body, c.id, c.end)
		if !strings.Contains(rec, toEntry) || !strings.Contains(rec, ">"+c.own+"</a>") {
			t.Fatalf("%s: the record does not link back to the entry and its %s:\n%s", c.path, c.own, rec)
		}
		if strings.Contains(rec, "Write about it") {
			t.Fatalf("%s: a viewer is offered to write in the timeline", c.path)
		}
	}
	if rec := element(t, s.get(t, alice, "/incidents/INC-1/assets").body, `id="asset-host-web-1"`, "</li>"); !strings.Contains(rec, `href="/incidents/INC-1/timeline?ref=asset%3Ahost%3Aweb-1#entry-form"`) {
		t.Fatalf("a responder is not offered to write about the asset:\n%s", rec)
	}
}

// element returns the page from the attribute that names an element to
// the end tag that closes it (elements that hold no other of their kind).
func element(t *testing.T, page, attr, end string) string {
	t.Helper()
	_, after, ok := strings.Cut(page, attr)
	if !ok {
		t.Fatalf("the page has no %s:\n%s", attr, page)
	}
	el, _, _ := strings.Cut(after, end)
	return el
}
