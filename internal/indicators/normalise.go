package indicators

import (
	"net/netip"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/idna"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// MaxValue is the longest value of any type (a URL or a user agent).
const MaxValue = 4096

// refangs undo the usual ways reports make values unclickable. Bracketed
// forms only: a bare "dot" or "at" is too common in prose.
var refangs = strings.NewReplacer(
	"[.]", ".", "(.)", ".", "{.}", ".", "[dot]", ".", "(dot)", ".", "[DOT]", ".", "(DOT)", ".",
	"[:]", ":", "[://]", "://", "[:/]", ":/",
	"[@]", "@", "(@)", "@", "{@}", "@", "[at]", "@", "[AT]", "@",
	"[/]", "/",
)

var schemeFang = regexp.MustCompile(`(?i)\b(?:hxxp|hxtp|htxp|h\*\*p|hXXp)(s?)(\[?:\]?//|://)`)
var ftpFang = regexp.MustCompile(`(?i)\bfxp(s?)://`)

// Refang undoes defanging: hxxp → http, evil[.]example → evil.example,
// 10[.]0[.]0[.]1 → 10.0.0.1, user[@]example.com → user@example.com.
func Refang(s string) string {
	s = refangs.Replace(s)
	s = schemeFang.ReplaceAllString(s, "http$1://")
	s = ftpFang.ReplaceAllString(s, "ftp$1://")
	return s
}

// Validate checks a value of type t; see Normalise.
func Validate(t Type, v string) error {
	_, err := Normalise(t, v)
	return err
}

// Normalise checks a value of type t and returns the form it is stored
// and matched in: refanged, trimmed, lower-case where case does not
// matter (domains, hashes, e-mail addresses), IDN domains in punycode,
// IP addresses and networks in their canonical form (netip). Problems are
// errs.Invalid naming the field "value".
func Normalise(t Type, v string) (string, error) {
	if !t.Valid() {
		return "", errs.E(errs.Invalid, "type", "%q is not a type of indicator; use one of %s", t, typeList())
	}
	v = strings.TrimSpace(v)
	switch {
	case v == "":
		return "", errs.E(errs.Invalid, "value", "is required")
	case len(v) > MaxValue:
		return "", errs.E(errs.Invalid, "value", "at most %d bytes", MaxValue)
	case !utf8.ValidString(v):
		return "", errs.E(errs.Invalid, "value", "is not valid UTF-8")
	}
	switch t {
	case IPv4, IPv6, CIDR, Domain, URL, Email:
		v = Refang(v)
	}
	out, msg := normalise(t, v)
	if msg != "" {
		return "", errs.E(errs.Invalid, "value", "%q is not a valid %s: %s", short(v), t, msg)
	}
	return out, nil
}

func normalise(t Type, v string) (string, string) {
	switch t {
	case IPv4, IPv6:
		return normaliseIP(t, v)
	case CIDR:
		p, err := netip.ParsePrefix(v)
		if err != nil {
			return "", "write an address and a prefix length, as 198.51.100.0/24 or 2001:db8::/32"
		}
		if p.Addr().Zone() != "" {
			return "", "a network has no zone"
		}
		return p.Masked().String(), ""
	case Domain:
		return normaliseDomain(v)
	case URL:
		return normaliseURL(v)
	case Email:
		local, domain, ok := strings.Cut(v, "@")
		if !ok || local == "" || strings.Contains(domain, "@") || len(local) > 64 || strings.ContainsFunc(local, badEmailRune) {
			return "", "write it as name@domain"
		}
		d, msg := normaliseDomain(domain)
		if msg != "" {
			return "", msg
		}
		// Mailboxes are matched case-blind: no mail system in practice
		// tells Alice@ from alice@, and a miss in "seen before" costs more.
		return strings.ToLower(local) + "@" + d, ""
	case SHA256, SHA1, MD5:
		n := map[Type]int{SHA256: 64, SHA1: 40, MD5: 32}[t]
		if len(v) != n || strings.IndexFunc(v, notHex) >= 0 {
			return "", "write " + strconv.Itoa(n) + " hexadecimal digits"
		}
		return strings.ToLower(v), ""
	case FileName:
		if strings.ContainsAny(v, `/\`) {
			return "", "a file name has no directory; use file_path"
		}
		return text(v, 255)
	case FilePath:
		if !strings.ContainsAny(v, `/\`) {
			return "", "a path names its directory, as C:\\Users\\Public\\a.exe or /tmp/a"
		}
		return text(v, 4096)
	case RegistryKey:
		return normaliseRegistry(v)
	case CVE:
		u := strings.ToUpper(v)
		if !cveRe.MatchString(u) {
			return "", "write it as CVE-2024-3094"
		}
		return u, ""
	case UserAgent:
		return text(v, 1000)
	}
	// Account, Process, Mutex.
	return text(v, 500)
}

var cveRe = regexp.MustCompile(`^CVE-\d{4}-\d{4,7}$`)

func normaliseIP(t Type, v string) (string, string) {
	a, err := netip.ParseAddr(v)
	switch {
	case err != nil && t == IPv4:
		return "", "write four numbers 0–255 without leading zeros, as 198.51.100.7"
	case err != nil:
		return "", "write it as 2001:db8::1"
	case a.Zone() != "":
		return "", "an indicator has no zone (%…)"
	case t == IPv4 && !a.Is4():
		return "", "this is an IPv6 address; use type ipv6"
	case t == IPv6 && a.Is4():
		return "", "this is an IPv4 address; use type ipv4"
	}
	return a.String(), ""
}

// idnaProfile maps and checks domain names as browsers look them up, but
// allows underscores (_dmarc, service records) seen in DNS indicators.
var idnaProfile = idna.New(idna.MapForLookup(), idna.Transitional(false), idna.StrictDomainName(false), idna.BidiRule())

func normaliseDomain(v string) (string, string) {
	v = strings.TrimSuffix(v, ".")
	a, err := idnaProfile.ToASCII(v)
	if err != nil {
		return "", "not a domain name (" + err.Error() + ")"
	}
	a = strings.ToLower(a)
	// A punycode label must decode to a name that encodes back the same
	// ("xn--" labels written by hand may not): otherwise the stored form
	// would not be its own normal form.
	if b, err := idnaProfile.ToASCII(a); err != nil || b != a {
		return "", "not a domain name (a bad xn-- label)"
	}
	if len(a) > 253 {
		return "", "longer than 253 characters"
	}
	labels := strings.Split(a, ".")
	if len(labels) < 2 {
		return "", "a domain has at least two labels, as example.com"
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 {
			return "", "each label is 1–63 characters"
		}
		if strings.HasPrefix(l, "-") || strings.HasSuffix(l, "-") {
			return "", "a label neither starts nor ends with a hyphen"
		}
		for _, r := range l {
			if !(r >= 'a' && r <= 'z' || r >= '0' && r <= '9' || r == '-' || r == '_') {
				return "", "only letters, digits, hyphens and underscores"
			}
		}
	}
	tld := labels[len(labels)-1]
	if strings.IndexFunc(tld, func(r rune) bool { return r < '0' || r > '9' }) < 0 {
		return "", "the last label is not all digits (an IP address is type ipv4)"
	}
	return a, ""
}

func normaliseURL(v string) (string, string) {
	if strings.ContainsFunc(v, unicode.IsSpace) {
		return "", "a URL has no spaces"
	}
	u, err := url.Parse(v)
	if err != nil {
		return "", "not a URL"
	}
	if u.Scheme == "" || u.Host == "" {
		return "", "write the whole URL with its scheme and host, as https://example.com/path"
	}
	u.Scheme = strings.ToLower(u.Scheme)
	host, port := u.Hostname(), u.Port()
	if a, err := netip.ParseAddr(host); err == nil {
		host = a.String()
		if a.Is6() {
			host = "[" + host + "]"
		}
	} else {
		d, msg := normaliseDomain(host)
		if msg != "" {
			return "", "its host: " + msg
		}
		host = d
	}
	if port != "" {
		host += ":" + port
	}
	u.Host = host
	return u.String(), ""
}

var hives = map[string]string{
	"HKLM": "HKEY_LOCAL_MACHINE", "HKCU": "HKEY_CURRENT_USER", "HKCR": "HKEY_CLASSES_ROOT",
	"HKU": "HKEY_USERS", "HKCC": "HKEY_CURRENT_CONFIG",
	"HKEY_LOCAL_MACHINE": "HKEY_LOCAL_MACHINE", "HKEY_CURRENT_USER": "HKEY_CURRENT_USER",
	"HKEY_CLASSES_ROOT": "HKEY_CLASSES_ROOT", "HKEY_USERS": "HKEY_USERS", "HKEY_CURRENT_CONFIG": "HKEY_CURRENT_CONFIG",
}

// normaliseRegistry spells the hive out (HKLM → HKEY_LOCAL_MACHINE) so
// both spellings match; the rest keeps its case as written.
func normaliseRegistry(v string) (string, string) {
	hive, rest, _ := strings.Cut(v, `\`)
	full, ok := hives[strings.ToUpper(hive)]
	if !ok {
		return "", `start with a hive, as HKLM\Software\… or HKEY_CURRENT_USER\…`
	}
	if rest == "" {
		return full, ""
	}
	return text(full+`\`+strings.TrimRight(rest, `\`), 1024)
}

func text(v string, max int) (string, string) {
	if len(v) > max {
		return "", "at most " + strconv.Itoa(max) + " bytes"
	}
	if strings.ContainsFunc(v, unicode.IsControl) {
		return "", "no control characters"
	}
	return v, ""
}

func notHex(r rune) bool {
	return !(r >= '0' && r <= '9' || r >= 'a' && r <= 'f' || r >= 'A' && r <= 'F')
}

func badEmailRune(r rune) bool {
	return unicode.IsSpace(r) || unicode.IsControl(r) || strings.ContainsRune(`<>()[],;:"\`, r)
}

func typeList() string {
	s := make([]string, len(Types))
	for i, t := range Types {
		s[i] = string(t)
	}
	return strings.Join(s, ", ")
}

func short(s string) string {
	if len(s) > 80 {
		s = s[:80]
		for !utf8.ValidString(s) {
			s = s[:len(s)-1]
		}
		return s + "…"
	}
	return s
}
