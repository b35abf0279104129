package indicators

import (
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// STIX 2.1 bundles of indicators: export with TLP 2.0 markings, and
// import of indicators whose patterns are simple comparisons.

// stixNamespace is the STIX 2.1 namespace for deterministic identifiers
// (STIX 2.1 §2.9): an indicator's ID is a UUIDv5 of its type and value,
// so the same indicator exported twice, from any incident, keeps its ID.
var stixNamespace = uuid.MustParse("00abedb4-aa42-466c-9c01-fed23315a9b7")

// tlpExtension is the TLP 2.0 marking extension's definition ID.
const tlpExtension = "extension-definition--60a3c5c5-0d10-413e-aab3-9e08dde9e88d"

// tlpMarkings are the fixed TLP 2.0 marking-definition IDs (OASIS
// cti-stix-common-objects, tlp-2.0).
var tlpMarkings = map[TLP]string{
	TLPClear:       "marking-definition--94868c89-83c2-464b-929b-a1a8aa3c8487",
	TLPGreen:       "marking-definition--bab4a63c-aed9-4cf5-a766-dfca5abac2bb",
	TLPAmber:       "marking-definition--55d920b0-5e8b-4f79-9ee9-91f868d9b421",
	TLPAmberStrict: "marking-definition--939a9414-2ddd-4d32-a0cd-375ea402b003",
	TLPRed:         "marking-definition--e828b379-4e03-4974-9ac4-e53a884c97c1",
}

// tlp1Markings are STIX 2.1's own TLP 1.0 markings (§7.2.1.4), read on
// import.
var tlp1Markings = map[string]TLP{
	"marking-definition--613f2e26-407d-48c7-9eca-b8e91df99dc9": TLPClear,
	"marking-definition--34098fce-860f-48ae-8e50-ebd3cc5e41da": TLPGreen,
	"marking-definition--f88d31f6-486f-44da-b317-01333bde0b82": TLPAmber,
	"marking-definition--5e57c739-391a-4eb3-b6be-7d15ca92d5ed": TLPRed,
}

// stixPaths are the object paths each type is compared on.
var stixPaths = map[Type]string{
	IPv4: "ipv4-addr:value", IPv6: "ipv6-addr:value", Domain: "domain-name:value", URL: "url:value",
	Email: "email-addr:value", SHA256: "file:hashes.'SHA-256'", SHA1: "file:hashes.'SHA-1'", MD5: "file:hashes.MD5",
	FileName: "file:name", RegistryKey: "windows-registry-key:key", Account: "user-account:account_login",
	Process: "process:image_ref.name", Mutex: "mutex:name",
	UserAgent: "network-traffic:extensions.'http-request-ext'.request_header.'User-Agent'",
}

// stixTime is a STIX timestamp: UTC, millisecond precision.
func stixTime(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

// StixID is an indicator's stable STIX ID.
func StixID(t Type, value string) string {
	return "indicator--" + uuid.NewSHA1(stixNamespace, []byte(string(t)+":"+value)).String()
}

// quote writes a STIX pattern string literal: ' and \ are escaped.
func quote(s string) string {
	return "'" + strings.NewReplacer(`\`, `\\`, `'`, `\'`).Replace(s) + "'"
}

// Pattern is the STIX pattern matching an indicator; "" for a CVE, which
// is exported as a vulnerability instead.
func Pattern(t Type, value string) string {
	switch t {
	case CIDR:
		if strings.Contains(value, ":") {
			return "[ipv6-addr:value = " + quote(value) + "]"
		}
		return "[ipv4-addr:value = " + quote(value) + "]"
	case FilePath:
		// The directory keeps its trailing separator, so a path mixing /
		// and \ is read back as it was written.
		i := strings.LastIndexAny(value, `/\`)
		dir, name := value[:i+1], value[i+1:]
		if name == "" {
			return "[directory:path = " + quote(value) + "]"
		}
		return "[file:parent_directory_ref.path = " + quote(dir) + " AND file:name = " + quote(name) + "]"
	case CVE:
		return ""
	}
	return "[" + stixPaths[t] + " = " + quote(value) + "]"
}

// Bundle is a STIX 2.1 bundle.
type Bundle struct {
	Type    string            `json:"type"`
	ID      string            `json:"id"`
	Objects []json.RawMessage `json:"objects"`
}

type stixIndicator struct {
	Type           string      `json:"type"`
	SpecVersion    string      `json:"spec_version"`
	ID             string      `json:"id"`
	Created        string      `json:"created"`
	Modified       string      `json:"modified"`
	Name           string      `json:"name,omitempty"`
	Description    string      `json:"description,omitempty"`
	IndicatorTypes []string    `json:"indicator_types,omitempty"`
	Pattern        string      `json:"pattern,omitempty"`
	PatternType    string      `json:"pattern_type,omitempty"`
	ValidFrom      string      `json:"valid_from,omitempty"`
	ValidUntil     string      `json:"valid_until,omitempty"`
	Confidence     *int        `json:"confidence,omitempty"`
	Revoked        bool        `json:"revoked,omitempty"`
	Labels         []string    `json:"labels,omitempty"`
	Markings       []string    `json:"object_marking_refs,omitempty"`
	External       []stixExtRf `json:"external_references,omitempty"`
}

type stixExtRf struct {
	SourceName string `json:"source_name"`
	ExternalID string `json:"external_id,omitempty"`
}

type stixMarking struct {
	Type        string                       `json:"type"`
	SpecVersion string                       `json:"spec_version"`
	ID          string                       `json:"id"`
	Created     string                       `json:"created"`
	Name        string                       `json:"name"`
	Extensions  map[string]map[string]string `json:"extensions"`
}

// ExportSTIX writes an incident's indicators as a STIX 2.1 bundle: an
// indicator per indicator (a vulnerability per CVE), marked with its TLP
// 2.0 marking-definition, which the bundle holds too. Its ID is stable
// for the incident and the instant (now).
func ExportSTIX(incidentID string, list []Indicator, now time.Time) ([]byte, error) {
	b := Bundle{Type: "bundle", ID: "bundle--" + uuid.NewSHA1(stixNamespace, []byte(incidentID+"@"+stixTime(now))).String(), Objects: []json.RawMessage{}}
	used := map[TLP]bool{}
	for _, i := range list {
		used[i.TLP] = true
		conf := i.Confidence
		o := stixIndicator{Type: "indicator", SpecVersion: "2.1", ID: StixID(i.Type, i.Value), Created: stixTime(i.CreatedAt), Modified: stixTime(i.UpdatedAt),
			Name: i.Value, Description: i.Notes, Confidence: &conf, Markings: []string{tlpMarkings[i.TLP]}, Labels: []string{"firebreak-type:" + string(i.Type)}}
		switch i.State {
		case FalsePositive:
			o.IndicatorTypes = []string{"benign"}
		default:
			o.IndicatorTypes = []string{"malicious-activity"}
		}
		if i.State == Expired || i.State == FalsePositive {
			o.Revoked = true
		}
		if i.Type == CVE {
			o.Type, o.ID = "vulnerability", "vulnerability--"+strings.TrimPrefix(o.ID, "indicator--")
			o.IndicatorTypes, o.Confidence, o.Revoked = nil, nil, false
			o.External = []stixExtRf{{SourceName: "cve", ExternalID: i.Value}}
		} else {
			o.Pattern, o.PatternType = Pattern(i.Type, i.Value), "stix"
			o.ValidFrom = o.Created
			if i.FirstSeen != nil {
				o.ValidFrom = stixTime(*i.FirstSeen)
			}
		}
		raw, err := json.Marshal(o)
		if err != nil {
			return nil, fmt.Errorf("encode indicator: %w", err)
		}
		b.Objects = append(b.Objects, raw)
	}
	for _, t := range TLPs {
		if !used[t] {
			continue
		}
		m := stixMarking{Type: "marking-definition", SpecVersion: "2.1", ID: tlpMarkings[t], Created: "2022-10-01T00:00:00.000Z",
			Name: "TLP:" + strings.ToUpper(string(t)), Extensions: map[string]map[string]string{tlpExtension: {"extension_type": "property-extension", "tlp_2_0": string(t)}}}
		raw, err := json.Marshal(m)
		if err != nil {
			return nil, fmt.Errorf("encode marking: %w", err)
		}
		b.Objects = append(b.Objects, raw)
	}
	return json.MarshalIndent(b, "", "  ")
}

// MaxBundle is the largest bundle imported.
const MaxBundle = 8 << 20

// ImportSTIX reads the indicators of a STIX 2.1 bundle: indicators with a
// STIX pattern made of comparisons with = joined by OR (each comparison
// one indicator; file:parent_directory_ref.path AND file:name is one
// file path), and vulnerabilities named by a CVE. skipped counts the
// indicators whose patterns say more than that.
func ImportSTIX(data []byte) (in []Input, skipped int, err error) {
	if len(data) > MaxBundle {
		return nil, 0, errs.E(errs.Invalid, "bundle", "at most %d bytes", MaxBundle)
	}
	var b Bundle
	if err := json.Unmarshal(data, &b); err != nil || b.Type != "bundle" {
		return nil, 0, errs.E(errs.Invalid, "bundle", "not a STIX 2.1 bundle (a JSON object with \"type\": \"bundle\")")
	}
	for _, raw := range b.Objects {
		var o stixIndicator
		if json.Unmarshal(raw, &o) != nil {
			continue
		}
		base := Input{Source: "STIX " + b.ID, Notes: o.Description, Confidence: o.Confidence}
		if base.Confidence != nil && (*base.Confidence < 0 || *base.Confidence > 100) {
			base.Confidence = nil
		}
		for _, m := range o.Markings {
			for t, id := range tlpMarkings {
				if id == m {
					base.TLP = t
				}
			}
			if t, ok := tlp1Markings[m]; ok {
				base.TLP = t
			}
		}
		if o.Revoked {
			base.State = Expired
		}
		if t, err := time.Parse(time.RFC3339Nano, o.ValidFrom); err == nil {
			base.FirstSeen = &t
		}
		switch o.Type {
		case "vulnerability":
			for _, r := range o.External {
				if r.SourceName == "cve" {
					x := base
					x.Type, x.Value = CVE, r.ExternalID
					in = append(in, x)
				}
			}
		case "indicator":
			if o.PatternType != "stix" {
				skipped++
				continue
			}
			found, ok := parsePattern(o.Pattern)
			if !ok {
				skipped++
				continue
			}
			for _, k := range found {
				x := base
				x.Type, x.Value = k.Type, k.Value
				in = append(in, x)
			}
		}
	}
	return in, skipped, nil
}

// parsePattern reads the patterns ExportSTIX writes, and others made the
// same way.
func parsePattern(p string) ([]Key, bool) {
	toks, ok := lexPattern(p)
	if !ok {
		return nil, false
	}
	var out []Key
	// Observation expressions: [ cmp (OR cmp)* ] joined by OR, or the one
	// AND form of a file path.
	for i := 0; i < len(toks); {
		if toks[i] != "[" {
			return nil, false
		}
		i++
		for {
			if i+3 > len(toks) || toks[i+1] != "=" {
				return nil, false
			}
			path, lit := toks[i], toks[i+2]
			if !strings.HasPrefix(lit, "'") {
				return nil, false
			}
			v := lit[1:]
			i += 3
			if path == "file:parent_directory_ref.path" && i+4 < len(toks) && toks[i] == "AND" && toks[i+1] == "file:name" && toks[i+2] == "=" && strings.HasPrefix(toks[i+3], "'") {
				if !strings.HasSuffix(v, `/`) && !strings.HasSuffix(v, `\`) {
					sep := `/`
					if strings.Contains(v, `\`) {
						sep = `\`
					}
					v += sep
				}
				out = append(out, Key{FilePath, v + toks[i+3][1:]})
				i += 4
			} else {
				t, ok := typeOfPath(path, v)
				if !ok {
					return nil, false
				}
				out = append(out, Key{t, v})
			}
			if i < len(toks) && toks[i] == "OR" {
				i++
				continue
			}
			break
		}
		if i >= len(toks) || toks[i] != "]" {
			return nil, false
		}
		i++
		if i < len(toks) {
			if toks[i] != "OR" {
				return nil, false
			}
			i++
		}
	}
	return out, len(out) > 0
}

func typeOfPath(path, v string) (Type, bool) {
	switch path {
	case "ipv4-addr:value":
		if strings.Contains(v, "/") {
			return CIDR, true
		}
		return IPv4, true
	case "ipv6-addr:value":
		if strings.Contains(v, "/") {
			return CIDR, true
		}
		return IPv6, true
	case "directory:path":
		return FilePath, true
	case "file:hashes.'SHA-256'", "file:hashes.SHA256", "file:hashes.\"SHA-256\"":
		return SHA256, true
	case "file:hashes.'SHA-1'", "file:hashes.SHA1":
		return SHA1, true
	case "file:hashes.MD5", "file:hashes.'MD5'":
		return MD5, true
	}
	for t, p := range stixPaths {
		if p == path {
			return t, true
		}
	}
	return "", false
}

// lexPattern splits a pattern into [, ], =, AND, OR, object paths and
// string literals (returned as ' followed by the unescaped text).
func lexPattern(p string) ([]string, bool) {
	var out []string
	for i := 0; i < len(p); {
		c := p[i]
		switch {
		case c == ' ' || c == '\t' || c == '\n' || c == '\r':
			i++
		case c == '[' || c == ']' || c == '=':
			out = append(out, string(c))
			i++
		case c == '\'':
			var b strings.Builder
			b.WriteByte('\'')
			i++
			closed := false
			for i < len(p) {
				if p[i] == '\\' && i+1 < len(p) && (p[i+1] == '\'' || p[i+1] == '\\') {
					b.WriteByte(p[i+1])
					i += 2
					continue
				}
				if p[i] == '\'' {
					closed = true
					i++
					break
				}
				b.WriteByte(p[i])
				i++
			}
			if !closed {
				return nil, false
			}
			out = append(out, b.String())
		default:
			// An object path (may hold quoted keys) or a keyword.
			start := i
			for i < len(p) && !strings.ContainsRune(" \t\r\n[]=", rune(p[i])) {
				if p[i] == '\'' {
					j := strings.IndexByte(p[i+1:], '\'')
					if j < 0 {
						return nil, false
					}
					i += j + 2
					continue
				}
				i++
			}
			out = append(out, p[start:i])
		}
	}
	return out, true
}
