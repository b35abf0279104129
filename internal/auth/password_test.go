package auth_test

import (
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/auth"
	"github.com/firebreak-ir/firebreak/internal/errs"
)

func TestPasswordPolicy(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, pw string
		msg      string // "" when valid
	}{
		{"ten bytes", "0123456789", ""},
		{"256 bytes", strings.Repeat("a", 256), ""},
		{"unicode", "pässwörd-ñ", ""},
		{"empty", "", "password: must be at least 10 bytes long"},
		{"nine bytes", "012345678", "password: must be at least 10 bytes long"},
		{"257 bytes", strings.Repeat("a", 257), "password: must be at most 256 bytes long"},
		{"invalid UTF-8", "0123456789\xff", "password: must be valid UTF-8 text"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := auth.HashPassword(tt.pw)
			if tt.msg == "" {
				if err != nil {
					t.Fatalf("HashPassword: %v", err)
				}
				return
			}
			if errs.CodeOf(err) != errs.Invalid || err.Error() != tt.msg {
				t.Fatalf("got %v (%s), want %q", err, errs.CodeOf(err), tt.msg)
			}
			if e, _ := errs.As(err); e.Field != "password" {
				t.Fatalf("field %q, want password", e.Field)
			}
		})
	}
}

func TestHashPasswordFormat(t *testing.T) {
	t.Parallel()
	a, err := auth.HashPassword("correct horse battery")
	if err != nil {
		t.Fatal(err)
	}
	b, _ := auth.HashPassword("correct horse battery")
	if !strings.HasPrefix(a, "$argon2id$v=19$m=19456,t=2,p=1$") {
		t.Fatalf("hash %q is not argon2id with the OWASP parameters", a)
	}
	if a == b {
		t.Fatal("two hashes of one password are equal: the salt is not random")
	}
	f := strings.Split(a, "$")
	if len(f[4]) != 22 || len(f[5]) != 43 { // 16 and 32 bytes, unpadded base64
		t.Fatalf("salt %q or key %q has the wrong length", f[4], f[5])
	}
}

func TestVerifyPassword(t *testing.T) {
	t.Parallel()
	const pw = "correct horse battery"
	good, err := auth.HashPassword(pw)
	if err != nil {
		t.Fatal(err)
	}
	f := strings.Split(good, "$") // "", alg, v, params, salt, key
	with := func(i int, v string) string {
		g := append([]string(nil), f...)
		g[i] = v
		return strings.Join(g, "$")
	}
	// flip changes the first character of a base64 field to another valid one.
	flip := func(s string) string {
		if s[0] == 'A' {
			return "B" + s[1:]
		}
		return "A" + s[1:]
	}
	tests := []struct {
		name, encoded, pw string
		ok, err           bool
	}{
		{"right password", good, pw, true, false},
		{"wrong password", good, "correct horse batterY", false, false},
		{"empty password", good, "", false, false},
		{"tampered key", with(5, flip(f[5])), pw, false, false},
		{"tampered salt", with(4, flip(f[4])), pw, false, false},
		{"other parameters", with(3, "m=19456,t=3,p=1"), pw, false, false},
		{"older parameters verify", auth.HashWithParams(pw, 8, 1, 1), pw, true, false},
		{"empty string", "", pw, false, true},
		{"bcrypt", "$2a$10$N9qo8uLOickgx2ZMRZoMyeIjZAgcfl7p92ldGxad68LJZdL17lhWy", pw, false, true},
		{"argon2i", with(1, "argon2i"), pw, false, true},
		{"unknown version", with(2, "v=16"), pw, false, true},
		{"unknown parameter", with(3, "m=19456,t=2,p=1,x=1"), pw, false, true},
		{"parameters out of order", with(3, "t=2,m=19456,p=1"), pw, false, true},
		{"zero time", with(3, "m=19456,t=0,p=1"), pw, false, true},
		{"huge memory", with(3, "m=4194304,t=2,p=1"), pw, false, true},
		{"salt not base64", with(4, "!!!!"), pw, false, true},
		{"short key", with(5, "AAAA"), pw, false, true},
		{"extra field", good + "$x", pw, false, true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			ok, err := auth.VerifyPassword(tt.encoded, tt.pw)
			if ok != tt.ok || (err != nil) != tt.err {
				t.Fatalf("VerifyPassword = %v, %v; want %v, error %v", ok, err, tt.ok, tt.err)
			}
		})
	}
}

func TestNewPassword(t *testing.T) {
	t.Parallel()
	seen := map[string]bool{}
	for range 50 {
		p := auth.NewPassword()
		if len(p) != 20 || strings.ContainsAny(p, "0O1lIo") || seen[p] {
			t.Fatalf("NewPassword gave %q", p)
		}
		if err := auth.ValidatePassword(p); err != nil {
			t.Fatal(err)
		}
		seen[p] = true
	}
}
