package indicators

import (
	"slices"
	"strings"
	"testing"
	"unicode/utf8"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

func TestNormalise(t *testing.T) {
	tests := []struct {
		typ  Type
		in   string
		want string // "" when invalid
	}{
		{IPv4, " 198.51.100.7 ", "198.51.100.7"},
		{IPv4, "198[.]51[.]100[.]7", "198.51.100.7"},
		{IPv4, "198.051.100.7", ""}, // leading zeros are octal to some parsers: refused
		{IPv4, "256.1.1.1", ""},
		{IPv4, "2001:db8::1", ""},
		{IPv6, "2001:0DB8:0000:0000:0000:0000:0000:0001", "2001:db8::1"},
		{IPv6, "2001:db8[:]:1", "2001:db8::1"},
		{IPv6, "::ffff:198.51.100.7", "::ffff:198.51.100.7"},
		{IPv6, "fe80::1%eth0", ""},
		{IPv6, "198.51.100.7", ""},
		{CIDR, "198.51.100.77/24", "198.51.100.0/24"},
		{CIDR, "2001:DB8::1/32", "2001:db8::/32"},
		{CIDR, "198.51.100.7", ""},
		{Domain, "Evil.EXAMPLE.com.", "evil.example.com"},
		{Domain, "evil[.]example[.]com", "evil.example.com"},
		{Domain, "bücher.example", "xn--bcher-kva.example"},
		{Domain, "ПРИМЕР.рф", "xn--e1afmkfd.xn--p1ai"},
		{Domain, "_dmarc.example.com", "_dmarc.example.com"},
		{Domain, "localhost", ""},
		{Domain, "-bad.example", ""},
		{Domain, "1.2.3.4", ""},
		{Domain, "a b.example", ""},
		{URL, "hxxps://Evil[.]Example/Path?q=A", "https://evil.example/Path?q=A"},
		{URL, "hxxp[:]//198[.]51[.]100[.]7:8080/x", "http://198.51.100.7:8080/x"},
		{URL, "http://[2001:DB8::1]/", "http://[2001:db8::1]/"},
		{URL, "https://bücher.example/", "https://xn--bcher-kva.example/"},
		{URL, "evil.example/path", ""},
		{URL, "http://exa mple.com/", ""},
		{Email, "Alice[@]Evil[.]Example", "alice@evil.example"},
		{Email, "no-at-sign.example", ""},
		{Email, "a@b@c.example", ""},
		{SHA256, strings.Repeat("AB", 32), strings.Repeat("ab", 32)},
		{SHA256, strings.Repeat("ab", 31), ""},
		{SHA1, strings.Repeat("0f", 20), strings.Repeat("0f", 20)},
		{MD5, strings.Repeat("g", 32), ""},
		{MD5, "D41D8CD98F00B204E9800998ECF8427E", "d41d8cd98f00b204e9800998ecf8427e"},
		{FileName, "invoice.pdf.exe", "invoice.pdf.exe"},
		{FileName, `C:\x.exe`, ""},
		{FilePath, `C:\Users\Public\x.exe`, `C:\Users\Public\x.exe`},
		{FilePath, "x.exe", ""},
		{RegistryKey, `hklm\Software\Microsoft\Windows\CurrentVersion\Run\`, `HKEY_LOCAL_MACHINE\Software\Microsoft\Windows\CurrentVersion\Run`},
		{RegistryKey, `Software\Run`, ""},
		{CVE, "cve-2024-3094", "CVE-2024-3094"},
		{CVE, "CVE-24-3094", ""},
		{UserAgent, "Mozilla/5.0 (evil)", "Mozilla/5.0 (evil)"},
		{Account, "svc_backup", "svc_backup"},
		{Mutex, "Global\\x\x00", ""},
		{Process, "", ""},
		{Process, strings.Repeat("p", 501), ""},
		{"bogus", "x", ""},
	}
	for _, tt := range tests {
		got, err := Normalise(tt.typ, tt.in)
		if tt.want == "" {
			if err == nil {
				t.Errorf("Normalise(%s, %q) = %q, want an error", tt.typ, tt.in, got)
			} else if c := errs.CodeOf(err); c != errs.Invalid {
				t.Errorf("Normalise(%s, %q): code %v, want Invalid", tt.typ, tt.in, c)
			}
			continue
		}
		if err != nil || got != tt.want {
			t.Errorf("Normalise(%s, %q) = %q, %v; want %q", tt.typ, tt.in, got, err, tt.want)
		}
	}
}

func TestParseTLPAndState(t *testing.T) {
	for in, want := range map[string]TLP{"TLP:AMBER+STRICT": TLPAmberStrict, "white": TLPClear, " Red ": TLPRed, "clear": TLPClear} {
		if got, err := ParseTLP(in); err != nil || got != want {
			t.Errorf("ParseTLP(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	if _, err := ParseTLP("amber-strict"); err == nil {
		t.Error("ParseTLP(amber-strict) passed")
	}
	if s, err := ParseState("BLOCKED"); err != nil || s != Blocked {
		t.Errorf("ParseState(BLOCKED) = %q, %v", s, err)
	}
	if _, err := ParseState("closed"); err == nil {
		t.Error("ParseState(closed) passed")
	}
}

func TestExtract(t *testing.T) {
	sha := strings.Repeat("a1", 32)
	text := `Phishing from alice[@]evil-corp[.]com linked hxxps://login.evil-corp[.]com/o365?u=1.
C2 at 198[.]51[.]100[.]7 and 2001:db8::7, range 203.0.113.0/24; also 198.51.100.7 again.
Dropper invoice.pdf.exe (sha256 ` + strings.ToUpper(sha) + `) wrote C:\Users\Public\svc.exe and
HKCU\Software\Microsoft\Windows\CurrentVersion\Run\updater. Exploited CVE-2023-23397.
Beacon to bücher.example; std::string and 10:30:00 and v1.2.3 and report.txt are not indicators.
Version 1.2.3.4.5 neither. See /tmp/.x/payload too. Last from 2001:DB8::0:1.`
	got := Extract(text)
	want := []Candidate{
		{Email, "alice@evil-corp.com"},
		{URL, "https://login.evil-corp.com/o365?u=1"},
		{IPv4, "198.51.100.7"},
		{IPv6, "2001:db8::7"},
		{CIDR, "203.0.113.0/24"},
		{FileName, "invoice.pdf.exe"},
		{SHA256, sha},
		{FilePath, `C:\Users\Public\svc.exe`},
		{RegistryKey, `HKEY_CURRENT_USER\Software\Microsoft\Windows\CurrentVersion\Run\updater`},
		{CVE, "CVE-2023-23397"},
		{Domain, "xn--bcher-kva.example"},
		{FilePath, "/tmp/.x/payload"},
		{IPv6, "2001:db8::1"},
	}
	if !slices.Equal(got, want) {
		t.Errorf("Extract:\n got %v\nwant %v", got, want)
	}
}

func TestExtractEmptyAndDuplicates(t *testing.T) {
	if got := Extract("nothing to see here."); len(got) != 0 {
		t.Errorf("Extract(prose) = %v", got)
	}
	got := Extract("evil[.]example EVIL.example evil.example.")
	if want := []Candidate{{Domain, "evil.example"}}; !slices.Equal(got, want) {
		t.Errorf("Extract(duplicates) = %v, want %v", got, want)
	}
}

func FuzzNormalise(f *testing.F) {
	for _, s := range []string{"198.51.100.7", "hxxp://a[.]b/c", "bücher.example", "2001:db8::1/64", "HKLM\\x", "a@b.c"} {
		f.Add(string(IPv4), s)
		f.Add(string(URL), s)
		f.Add(string(Domain), s)
	}
	f.Fuzz(func(t *testing.T, typ, v string) {
		got, err := Normalise(Type(typ), v)
		if err != nil {
			return
		}
		if !utf8.ValidString(got) || got == "" || len(got) > MaxValue+64 {
			t.Fatalf("Normalise(%q, %q) = %q", typ, v, got)
		}
		// Normalising is idempotent: the stored form is its own normal form.
		again, err := Normalise(Type(typ), got)
		if err != nil || again != got {
			t.Fatalf("Normalise(%q, %q) = %q, but again %q, %v", typ, v, got, again, err)
		}
	})
}

func FuzzExtract(f *testing.F) {
	f.Add("hxxps://evil[.]example/x 198.51.100.7 2001:db8::1 a@b.example CVE-2024-3094")
	f.Add("std::string 10:30:00 ::: 1.2.3.4.5")
	f.Fuzz(func(t *testing.T, text string) {
		seen := map[Candidate]bool{}
		for _, c := range Extract(text) {
			if seen[c] {
				t.Fatalf("duplicate %v", c)
			}
			seen[c] = true
			if v, err := Normalise(c.Type, c.Value); err != nil || v != c.Value {
				t.Fatalf("candidate %v does not normalise to itself: %q, %v", c, v, err)
			}
		}
	})
}
