package comms

import (
	"fmt"
	"strings"
)

// dataTypeWords are the data types facts may name, as people read them:
// those the catalog's conditions test, and the usual categories notices
// describe. A catalog's own conditions add theirs (Vocabulary).
var dataTypeWords = map[string]string{
	"unsecured_PHI":          "unsecured protected health information",
	"payment_card":           "payment card data",
	"credentials":            "credentials (passwords, keys, tokens)",
	"special_category":       "special categories of personal data (GDPR Art. 9)",
	"contact_details":        "contact details (names, email and postal addresses, phone numbers)",
	"government_id":          "government identifiers (social security, passport, driving licence numbers)",
	"financial":              "financial account data (bank account numbers, balances)",
	"health":                 "health data",
	"biometric":              "biometric data",
	"genetic":                "genetic data",
	"location":               "location data",
	"children":               "data of children",
	"criminal_records":       "data on criminal convictions and offences (GDPR Art. 10)",
	"communications_content": "content of communications",
	"date_of_birth":          "dates of birth",
}

// DataTypeWords writes a data type as words with its token:
// "unsecured protected health information (unsecured_PHI)".
func DataTypeWords(token string) string {
	if w, ok := dataTypeWords[token]; ok {
		return w + " (" + token + ")"
	}
	return strings.ReplaceAll(token, "_", " ") + " (" + token + ")"
}

// regionNames name the regions of the catalog.
var regionNames = map[string]string{
	"EU": "the EU", "EEA": "the EEA", "GLOBAL": "any jurisdiction",
	"GB": "the United Kingdom", "US": "the United States", "AU": "Australia", "CA": "Canada", "SG": "Singapore",
	"IN": "India", "BR": "Brazil", "JP": "Japan", "CN": "China", "ZA": "South Africa", "CH": "Switzerland",
	"US-CA": "California", "US-NY": "New York", "US-TX": "Texas", "US-FL": "Florida", "US-CO": "Colorado",
	"US-WA": "Washington", "US-VT": "Vermont",
}

// regionWords writes a region as words with its code: "Texas (US-TX)".
func regionWords(code string) string {
	code = normRegion(code)
	if n := regionName(code); n != "" {
		return n + " (" + code + ")"
	}
	return code
}

// orWords joins tokens as words: "a, b or c".
func orWords(tokens []string, words func(string) string) string {
	out := make([]string, len(tokens))
	for i, t := range tokens {
		out[i] = words(t)
	}
	if len(out) == 1 {
		return out[0]
	}
	return fmt.Sprintf("%s or %s", strings.Join(out[:len(out)-1], ", "), out[len(out)-1])
}
