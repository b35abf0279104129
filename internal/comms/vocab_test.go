package comms

import (
	"slices"
	"testing"
)

func TestVocabulary(t *testing.T) {
	t.Parallel()
	v := catalog(t).Vocabulary()
	words := v.ProfileWords()
	for _, w := range []string{"controller", "processor", "HIPAA_covered_entity", "essential_entity", "financial_entity_in_DORA_scope",
		"credit_institution", "public_electronic_communications_service_provider"} {
		if !slices.Contains(words, w) {
			t.Errorf("profile words lack %s", w)
		}
	}
	has := func(ts []Term, name string) bool {
		return slices.ContainsFunc(ts, func(x Term) bool { return x.Name == name })
	}
	if !has(v.DataTypes, "unsecured_PHI") || !has(v.DataTypes, "payment_card") || !has(v.Anchors, "aware") ||
		!has(v.Jurisdictions, "US-TX") || !has(v.Jurisdictions, "FI") || !has(v.Jurisdictions, "EEA") || has(v.Jurisdictions, "GLOBAL") ||
		!has(v.Calendars, "LU") {
		t.Fatalf("vocabulary: %+v", v)
	}
}

func TestSuggest(t *testing.T) {
	t.Parallel()
	words := catalog(t).Vocabulary().ProfileWords()
	for in, want := range map[string]string{
		"HIPAA-covered-entity": "HIPAA_covered_entity",
		"hipaa covered entity": "HIPAA_covered_entity",
		"essential_entiy":      "essential_entity",
		"Controller":           "controller",
		"bakery":               "",
	} {
		if got := Suggest(in, words); got != want {
			t.Errorf("Suggest(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestJurisdictions(t *testing.T) {
	t.Parallel()
	for code, want := range map[string]string{
		"DE": "", "US-CA": "", "us-tx": "", "EU": "", "EEA": "", "UK": "", "DE-BY": "", "CA": "",
		"TX":    `"TX" is not a country; did you mean US-TX (Texas)?`,
		"US-XX": `"US-XX" is not a US state; one of US-AL … US-WY, US-DC`,
		"QQ":    `"QQ" is not a jurisdiction: an ISO 3166 country such as DE, a subdivision such as US-CA, or EU`,
	} {
		if got := JurisdictionProblem(code); got != want {
			t.Errorf("JurisdictionProblem(%q) = %q, want %q", code, got, want)
		}
	}
	if got := JurisdictionHint("CA", []string{"US"}); got != "CA is the country code of Canada — did you mean US-CA (California)?" {
		t.Errorf("hint: %q", got)
	}
	if got := JurisdictionHint("CA", []string{"FR"}); got != "" {
		t.Errorf("hint without a US context: %q", got)
	}
}

// FuzzWords: words from outside (profiles, facts) never panic the checks.
func FuzzWords(f *testing.F) {
	for _, s := range []string{"US-CA", "TX", "HIPAA-covered-entity", "", "-", "US-", "ü-ß", "CA"} {
		f.Add(s)
	}
	words := []string{"controller", "HIPAA_covered_entity", "essential_entity"}
	f.Fuzz(func(t *testing.T, s string) {
		_ = JurisdictionProblem(s)
		_ = JurisdictionHint(s, []string{"US"})
		if got := Suggest(s, words); got != "" && !slices.Contains(words, got) {
			t.Fatalf("Suggest(%q) = %q, not a word", s, got)
		}
	})
}
