package indicators

import (
	"regexp"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/publicsuffix"
)

// Candidate is a value found in pasted text, typed and normalised.
type Candidate struct {
	Type  Type   `json:"type"`
	Value string `json:"value"`
}

// finders are tried in order; a later one never takes text an earlier one
// matched (the domain inside a URL is part of the URL, not an indicator
// of its own).
var finders = []struct {
	re      *regexp.Regexp
	typ     func(m string) Type // nil: not an indicator after all
	bounded bool                // the match may not touch other word characters
}{
	{regexp.MustCompile(`(?i)\b(?:https?|ftps?|sftp)://[^\s<>"'` + "`" + `]+`), fixed(URL), false},
	{regexp.MustCompile(`(?i)[\p{L}\p{N}._%+\-]+@(?:[\p{L}\p{N}_\-]+\.)+[\p{L}]{2,63}`), fixed(Email), true},
	{regexp.MustCompile(`(?i)\b(?:HKEY_[A-Z_]+|HKLM|HKCU|HKCR|HKU|HKCC)\\[^\s"'<>]+`), fixed(RegistryKey), false},
	{regexp.MustCompile(`(?i)\b[a-z]:\\[^\s"'<>|*?]+`), fixed(FilePath), false},
	{regexp.MustCompile(`(?i)\bCVE-\d{4}-\d{4,7}\b`), fixed(CVE), false},
	{regexp.MustCompile(`\b[a-fA-F0-9]{32,64}\b`), hashType, false},
	{regexp.MustCompile(`(?i)[0-9a-f:]*:[0-9a-f:]*:[0-9a-f:.]*(?:/\d{1,3})?`), ipv6Type, true},
	{regexp.MustCompile(`\b(?:\d{1,3}\.){3}\d{1,3}(?:/\d{1,2})?\b`), ipv4Type, true},
	{regexp.MustCompile(`(?i)[\p{L}\p{N}_\-]+(?:\.[\p{L}\p{N}_\-]+)*\.(?:` + fileExts + `)\b`), fixed(FileName), true},
	{regexp.MustCompile(`(?:[\p{L}\p{N}](?:[\p{L}\p{N}_\-]{0,61}[\p{L}\p{N}])?\.)+\p{L}[\p{L}\p{N}\-]{1,62}`), domainType, true},
	{regexp.MustCompile(`(?:^|[\s"'(=])(/(?:[\w.\-]+/)+[\w.\-]+)`), fixed(FilePath), false},
}

// fileExts are extensions of files worth naming as indicators; a name
// ending in one is a file even where the extension is also a top-level
// domain (.zip, .mov, .sh).
const fileExts = `exe|dll|sys|scr|com|bat|cmd|ps1|psm1|vbs|vbe|js|jse|wsf|hta|lnk|msi|jar|py|sh|elf|bin|so|` +
	`doc|docm|docx|xls|xlsm|xlsx|ppt|pptm|pdf|rtf|one|iso|img|vhd|zip|rar|7z|gz|tar|cab|apk|dmg`

func fixed(t Type) func(string) Type { return func(string) Type { return t } }

func hashType(m string) Type {
	switch len(m) {
	case 64:
		return SHA256
	case 40:
		return SHA1
	case 32:
		return MD5
	}
	return ""
}

func ipv6Type(m string) Type {
	if strings.Count(m, ":") < 2 || strings.IndexFunc(m, func(r rune) bool { return r != ':' }) < 0 {
		return ""
	}
	if strings.Contains(m, "/") {
		return CIDR
	}
	return IPv6
}

func ipv4Type(m string) Type {
	if strings.Contains(m, "/") {
		return CIDR
	}
	return IPv4
}

// specialTLDs are names the public suffix list leaves out but reports
// use: Tor's, and the ones reserved for examples (RFC 2606, RFC 7686).
var specialTLDs = map[string]bool{"onion": true, "example": true, "test": true, "invalid": true}

// domainType keeps names under a top-level domain the public suffix list
// knows: "report.txt" and "v1.2" are not domains.
func domainType(m string) Type {
	ascii, msg := normaliseDomain(m)
	if msg != "" {
		return ""
	}
	tld := ascii[strings.LastIndexByte(ascii, '.')+1:]
	if _, icann := publicsuffix.PublicSuffix(ascii); !icann && !specialTLDs[tld] {
		return ""
	}
	return Domain
}

// Extract finds the indicators in text — a report, an e-mail, a SIEM
// export — defanged or not: each typed and normalised, the first of each
// type and value only, in the order they appear. Values that look like an
// indicator but do not validate are left out.
func Extract(text string) []Candidate {
	if len(text) > MaxPaste {
		text = text[:MaxPaste]
	}
	text = Refang(strings.ToValidUTF8(text, " "))
	var taken [][2]int
	type found struct {
		at int
		c  Candidate
	}
	var all []found
	seen := map[Candidate]bool{}
	for _, f := range finders {
		for _, loc := range f.re.FindAllStringSubmatchIndex(text, -1) {
			start, end := loc[0], loc[1]
			if len(loc) > 2 && loc[2] >= 0 {
				start, end = loc[2], loc[3]
			}
			m := text[start:end]
			switch f.typ(m) {
			case URL, FilePath, RegistryKey:
				m = strings.TrimRight(m, ".,;:!?)]}'\"")
				end = start + len(m)
			case IPv6, CIDR:
				// An address ending a sentence: its full stop is not part
				// of it (the pattern takes dots for IPv4-mapped forms).
				m = strings.TrimRight(m, ".")
				end = start + len(m)
			}
			if overlaps(taken, start, end) || f.bounded && !bounded(text, start, end) {
				continue
			}
			t := f.typ(m)
			if t == "" {
				continue
			}
			v, err := Normalise(t, m)
			if err != nil {
				continue
			}
			taken = append(taken, [2]int{start, end})
			c := Candidate{Type: t, Value: v}
			if !seen[c] {
				seen[c] = true
				all = append(all, found{start, c})
			}
		}
	}
	slices.SortStableFunc(all, func(a, b found) int { return a.at - b.at })
	out := make([]Candidate, len(all))
	for i, f := range all {
		out[i] = f.c
	}
	return out
}

func overlaps(taken [][2]int, start, end int) bool {
	for _, t := range taken {
		if start < t[1] && t[0] < end {
			return true
		}
	}
	return false
}

// bounded reports whether text[start:end] stands alone: not glued to a
// word, an address or a path around it ("std::string" holds no IPv6
// address, "1.2.3.4.5" no IPv4 one).
func bounded(text string, start, end int) bool {
	if start > 0 {
		r, _ := utf8.DecodeLastRuneInString(text[:start])
		if wordish(r) || r == '.' || r == ':' || r == '@' || r == '/' || r == '\\' {
			return false
		}
	}
	if end < len(text) {
		r, _ := utf8.DecodeRuneInString(text[end:])
		if wordish(r) || r == ':' || r == '@' || r == '\\' {
			return false
		}
		if r == '.' || r == '/' {
			// A sentence's full stop is fine; a further label or path is not.
			if end+1 < len(text) {
				r2, _ := utf8.DecodeRuneInString(text[end+1:])
				if wordish(r2) {
					return false
				}
			}
		}
	}
	return true
}

func wordish(r rune) bool { return unicode.IsLetter(r) || unicode.IsDigit(r) || r == '_' || r == '-' }
