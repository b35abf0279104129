package storetest

import (
	"fmt"
	"reflect"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/errs"
	"github.com/firebreak-ir/firebreak/internal/incident"
)

// RunSearch is the contract of full-text search on incident lists.
func RunSearch(t *testing.T, b Backend) {
	tests := []struct {
		name string
		fn   func(t *testing.T, s *Setup)
	}{
		{"FieldsAndMatches", testSearchFields},
		{"Ranking", testSearchRanking},
		{"RankedPagination", testSearchPagination},
		{"HidesRestricted", testSearchRestricted},
		{"AnyInputIsWords", testSearchWeirdInput},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			tt.fn(t, NewSetup(t, b))
		})
	}
}

func search(t *testing.T, s *Setup, f incident.Filter) incident.Page {
	t.Helper()
	if f.Viewer == (incident.Viewer{}) {
		f.Viewer = alice
	}
	p, err := s.DB.List(ctx, f)
	if err != nil {
		t.Fatalf("search %q: %v", f.Text, err)
	}
	return p
}

func note(t *testing.T, s *Setup, ref, body string) {
	t.Helper()
	if _, err := s.Incidents.AddEntry(ctx, cmd(ref), incident.KindNote, body, nil); err != nil {
		t.Fatalf("note on %s: %v", ref, err)
	}
}

func testSearchFields(t *testing.T, s *Setup) {
	declare(t, s, incident.DeclareInput{Title: "Phishing wave against finance"})
	declare(t, s, incident.DeclareInput{Title: "Checkout slow", Summary: "the payments gateway answers in seconds"})
	declare(t, s, incident.DeclareInput{Title: "Disk pressure"})
	note(t, s, "INC-3", "rotated the certificates on the ingress nodes")
	note(t, s, "INC-3", "paged the storage vendor")
	declare(t, s, incident.DeclareInput{Title: "Leaked key"})
	if _, err := s.Incidents.SavePostmortem(ctx, cmd("INC-4"), incident.PostmortemInput{Doc: incident.PostmortemDoc{
		Summary: "A deploy key was pushed", Whys: []string{"the repository template lacked a gitignore"},
		RootCauses: []incident.Cause{{Category: incident.CauseAccess, Text: "no secret scanning on pushes"}}}}); err != nil {
		t.Fatal(err)
	}
	// A title change rewrites the index, keeping the notes.
	title := "Ingress outage"
	if _, err := s.Incidents.Update(ctx, cmd("INC-3"), incident.UpdateInput{Title: &title}); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		q     string
		want  []string
		field string
		hit   string
	}{
		{"phishing", []string{"INC-1"}, incident.FieldTitle, "Phishing"},
		{"FINANCE phishing", []string{"INC-1"}, incident.FieldTitle, "Phishing"},
		{"gateway", []string{"INC-2"}, incident.FieldSummary, "gateway"},
		{"gateway checkout", []string{"INC-2"}, incident.FieldTitle, "Checkout"},   // no field holds both: the first with one
		{"certificate", []string{"INC-3"}, incident.FieldTimeline, "certificates"}, // stemmed
		{"storage vendor", []string{"INC-3"}, incident.FieldTimeline, "storage"},
		{"ingress", []string{"INC-3"}, incident.FieldTitle, "Ingress"},
		{"disk pressure", []string{}, "", ""}, // the old title is gone
		{"gitignore", []string{"INC-4"}, incident.FieldPostmortem, "gitignore"},
		{"scanning", []string{"INC-4"}, incident.FieldPostmortem, "scanning"},
		{`"deploy key"`, []string{"INC-4"}, incident.FieldPostmortem, "deploy"},
		{`"key deploy"`, []string{}, "", ""},     // a phrase keeps its order
		{"phishing gateway", []string{}, "", ""}, // every word must match
		{"inc-2", []string{"INC-2"}, "", ""},     // a ref names its incident
	}
	for _, tt := range tests {
		p := search(t, s, incident.Filter{Text: tt.q})
		if got := refs(p); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.q, got, tt.want)
			continue
		}
		if tt.field == "" {
			continue
		}
		m, ok := p.Matches[p.Items[0].ID]
		if !ok || m.Field != tt.field || !hasHit(m, tt.hit) {
			t.Errorf("%q: match %+v, want a hit %q in %s", tt.q, m, tt.hit, tt.field)
		}
	}
	// Filters still apply beside the text.
	if got := refs(search(t, s, incident.Filter{Text: "phishing", States: []incident.State{incident.Active}})); len(got) != 0 {
		t.Errorf("text and state: %v", got)
	}
}

func hasHit(m incident.Match, word string) bool {
	for _, f := range m.Fragments {
		if f.Hit && strings.Contains(strings.ToLower(f.Text), strings.ToLower(word)) {
			return true
		}
	}
	return false
}

func testSearchRanking(t *testing.T, s *Setup) {
	declare(t, s, incident.DeclareInput{Title: "Checkout errors", Summary: "customers see a database timeout"})
	declare(t, s, incident.DeclareInput{Title: "Slow pages"})
	note(t, s, "INC-2", "the database replica lagged behind the primary for an hour while the backup ran")
	declare(t, s, incident.DeclareInput{Title: "Database failover", Summary: "the primary database crashed"})
	declare(t, s, incident.DeclareInput{Title: "Unrelated"})
	got := refs(search(t, s, incident.Filter{Text: "database"}))
	if want := []string{"INC-3", "INC-1", "INC-2"}; !reflect.DeepEqual(got, want) {
		t.Fatalf("ranked %v, want %v (title, then summary, then notes)", got, want)
	}
	// Sorted by task due, the text only filters.
	got = refs(search(t, s, incident.Filter{Text: "database", Sort: incident.SortTaskDue}))
	if len(got) != 3 {
		t.Fatalf("task-due order with text: %v", got)
	}
}

func testSearchPagination(t *testing.T, s *Setup) {
	// Equal scores tie-break newest first, so pages of equals are stable.
	for i := range 7 {
		in := incident.DeclareInput{Title: fmt.Sprintf("router flap %d", i)}
		if i%3 == 0 {
			in.Title = fmt.Sprintf("router flap router %d", i)
		}
		declare(t, s, in)
	}
	declare(t, s, incident.DeclareInput{Title: "switch flap"})
	all := refs(search(t, s, incident.Filter{Text: "router", Limit: 50}))
	var paged []string
	f := incident.Filter{Text: "router", Limit: 3}
	for pages := 0; ; pages++ {
		if pages > 5 {
			t.Fatal("pagination does not end")
		}
		p := search(t, s, f)
		paged = append(paged, refs(p)...)
		if p.NextCursor == "" {
			break
		}
		f.Cursor = p.NextCursor
	}
	if len(all) != 7 || !reflect.DeepEqual(paged, all) {
		t.Fatalf("pages %v, one page %v", paged, all)
	}
	_, err := s.DB.List(ctx, incident.Filter{Text: "router", Cursor: "garbage!"})
	wantCode(t, err, errs.Invalid)
	// A newest-first cursor is not a ranked one.
	p := search(t, s, incident.Filter{Limit: 1})
	_, err = s.DB.List(ctx, incident.Filter{Text: "router", Cursor: p.NextCursor})
	wantCode(t, err, errs.Invalid)
}

func testSearchRestricted(t *testing.T, s *Setup) {
	declare(t, s, incident.DeclareInput{Title: "Credential stuffing"})
	r := declare(t, s, incident.DeclareInput{Title: "Credential theft by an insider", Restricted: true})
	note(t, s, r.Ref, "the insider copied the payroll export")
	bob := incident.Viewer{User: "bob"}
	for _, q := range []string{"credential", "insider", "payroll", r.Ref} {
		p := search(t, s, incident.Filter{Text: q, Viewer: bob})
		for _, inc := range p.Items {
			if inc.ID == r.ID {
				t.Errorf("bob finds the restricted incident by %q", q)
			}
		}
		if _, ok := p.Matches[r.ID]; ok {
			t.Errorf("bob gets a passage of the restricted incident for %q", q)
		}
	}
	if got := refs(search(t, s, incident.Filter{Text: "payroll", Viewer: incident.Viewer{User: "root", SeeAll: true}})); !reflect.DeepEqual(got, []string{r.Ref}) {
		t.Fatalf("admin finds %v", got)
	}
	if got := refs(search(t, s, incident.Filter{Text: "payroll"})); !reflect.DeepEqual(got, []string{r.Ref}) {
		t.Fatalf("declarer alice finds %v", got)
	}
	// A role in it lets bob see it, ranked or sorted otherwise.
	if _, err := s.Incidents.Assign(ctx, cmd(r.Ref), incident.IncidentCommander, "bob"); err != nil {
		t.Fatal(err)
	}
	for _, sort := range []string{"", incident.SortTaskDue} {
		p := search(t, s, incident.Filter{Text: "insider", Viewer: bob, Sort: sort})
		if got := refs(p); !reflect.DeepEqual(got, []string{r.Ref}) {
			t.Fatalf("bob with a role finds %v (sort %q)", got, sort)
		}
		if _, ok := p.Matches[r.ID]; !ok {
			t.Errorf("bob with a role gets no passage (sort %q)", sort)
		}
	}
}

func testSearchWeirdInput(t *testing.T, s *Setup) {
	declare(t, s, incident.DeclareInput{Title: "Café outage in Zürich", Summary: "NEAR the OR gate, a * glob and 50% loss"})
	declare(t, s, incident.DeclareInput{Title: "東京 datacenter power"})
	tests := []struct {
		q    string
		want []string
	}{
		{`"`, []string{}},
		{`""`, []string{}},
		{`*`, []string{}},
		{`-`, []string{}},
		{`NEAR(`, []string{"INC-1"}},
		{`near(outage`, []string{"INC-1"}},
		{`gate OR power`, []string{}},
		{`outage AND`, []string{"INC-1"}}, // "and" a word, or a stop word: never an operator
		{`title:outage`, []string{}},
		{`"zürich`, []string{"INC-1"}},
		{`50%`, []string{"INC-1"}},
		{`東京`, []string{"INC-2"}},
		{`^power`, []string{"INC-2"}},
		{`power)`, []string{"INC-2"}},
		{`{power}`, []string{"INC-2"}},
		{"\x00power", []string{"INC-2"}},
		{"power\x02\x03", []string{"INC-2"}},
		{strings.Repeat("x", 500), []string{}},
	}
	for _, tt := range tests {
		p, err := s.DB.List(ctx, incident.Filter{Text: tt.q, Viewer: alice})
		if err != nil {
			t.Errorf("%q: %v", tt.q, err)
			continue
		}
		if got := refs(p); !reflect.DeepEqual(got, tt.want) {
			t.Errorf("%q: got %v, want %v", tt.q, got, tt.want)
		}
	}
}
