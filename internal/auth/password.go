package auth

import (
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/crypto/argon2"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Argon2id parameters for new hashes: OWASP's minimum (19 MiB, 2 passes, 1
// lane). Each hash records its own parameters, so raising these later does
// not lock anyone out; old hashes keep verifying with what they say.
const (
	argonMemory  = 19 * 1024 // KiB
	argonTime    = 2
	argonThreads = 1
	argonSaltLen = 16
	argonKeyLen  = 32
)

// Password length bounds, in bytes. The upper bound keeps a request from
// carrying megabytes into the hash.
const (
	MinPasswordLen = 10
	MaxPasswordLen = 256
)

// ValidatePassword checks a new password against the policy.
func ValidatePassword(pw string) error {
	switch {
	case len(pw) < MinPasswordLen:
		return errs.E(errs.Invalid, "password", "must be at least %d bytes long", MinPasswordLen)
	case len(pw) > MaxPasswordLen:
		return errs.E(errs.Invalid, "password", "must be at most %d bytes long", MaxPasswordLen)
	case !utf8.ValidString(pw):
		return errs.E(errs.Invalid, "password", "must be valid UTF-8 text")
	}
	return nil
}

// HashPassword validates pw and returns its argon2id hash as a PHC string:
// $argon2id$v=19$m=19456,t=2,p=1$<salt>$<hash>.
func HashPassword(pw string) (string, error) {
	if err := ValidatePassword(pw); err != nil {
		return "", err
	}
	return hashPassword(pw), nil
}

// hashPassword hashes without the policy, for the dummy hash that evens out
// sign-in timing.
func hashPassword(pw string) string {
	return hashWith(pw, argonParams{memory: argonMemory, time: argonTime, threads: argonThreads})
}

func hashWith(pw string, p argonParams) string {
	salt := make([]byte, argonSaltLen)
	rand.Read(salt) // never fails, per crypto/rand
	key := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, argonKeyLen)
	b64 := base64.RawStdEncoding
	return fmt.Sprintf("$argon2id$v=%d$m=%d,t=%d,p=%d$%s$%s", argon2.Version, p.memory, p.time, p.threads, b64.EncodeToString(salt), b64.EncodeToString(key))
}

type argonParams struct {
	memory  uint32
	time    uint32
	threads uint8
}

// Bounds on the parameters VerifyPassword accepts: far above anything we
// write, low enough that a tampered row cannot make one sign-in take
// gigabytes or minutes.
const (
	maxArgonMemory  = 1 << 20 // KiB: 1 GiB
	maxArgonTime    = 64
	minArgonSaltLen = 8
	minArgonKeyLen  = 16
	maxArgonKeyLen  = 128
)

var errBadHash = errors.New("stored password hash is not a valid argon2id PHC string")

// VerifyPassword reports whether pw matches encoded, a hash from
// HashPassword. The parameters are read from encoded; the comparison takes
// constant time. An error means encoded itself is malformed or unsupported.
func VerifyPassword(encoded, pw string) (bool, error) {
	p, salt, want, err := parsePHC(encoded)
	if err != nil {
		return false, err
	}
	got := argon2.IDKey([]byte(pw), salt, p.time, p.memory, p.threads, uint32(len(want)))
	return subtle.ConstantTimeCompare(got, want) == 1, nil
}

func parsePHC(s string) (argonParams, []byte, []byte, error) {
	var p argonParams
	// "", "argon2id", "v=19", "m=..,t=..,p=..", salt, hash
	f := strings.Split(s, "$")
	if len(f) != 6 || f[0] != "" {
		return p, nil, nil, errBadHash
	}
	if f[1] != "argon2id" {
		return p, nil, nil, fmt.Errorf("%w: algorithm %q, want argon2id", errBadHash, f[1])
	}
	var v int
	if _, err := fmt.Sscanf(f[2], "v=%d", &v); err != nil || fmt.Sprintf("v=%d", v) != f[2] {
		return p, nil, nil, fmt.Errorf("%w: version field %q", errBadHash, f[2])
	}
	if v != argon2.Version {
		return p, nil, nil, fmt.Errorf("%w: argon2 version %d, want %d", errBadHash, v, argon2.Version)
	}
	var m, t, th uint64
	if _, err := fmt.Sscanf(f[3], "m=%d,t=%d,p=%d", &m, &t, &th); err != nil || fmt.Sprintf("m=%d,t=%d,p=%d", m, t, th) != f[3] {
		return p, nil, nil, fmt.Errorf("%w: parameters %q", errBadHash, f[3])
	}
	if t < 1 || t > maxArgonTime || th < 1 || th > 255 || m < 8*th || m > maxArgonMemory {
		return p, nil, nil, fmt.Errorf("%w: parameters %q out of range", errBadHash, f[3])
	}
	p = argonParams{memory: uint32(m), time: uint32(t), threads: uint8(th)}
	b64 := base64.RawStdEncoding.Strict()
	salt, err := b64.DecodeString(f[4])
	if err != nil || len(salt) < minArgonSaltLen {
		return p, nil, nil, fmt.Errorf("%w: salt", errBadHash)
	}
	key, err := b64.DecodeString(f[5])
	if err != nil || len(key) < minArgonKeyLen || len(key) > maxArgonKeyLen {
		return p, nil, nil, fmt.Errorf("%w: hash", errBadHash)
	}
	return p, salt, key, nil
}

// passwordAlphabet leaves out characters that are easy to misread (0 O o,
// 1 l I), since generated passwords are read off a terminal and typed.
const passwordAlphabet = "abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789"

// NewPassword returns a random 20-character password from a readable
// alphabet: about 116 bits.
func NewPassword() string {
	const n = 20
	// Rejection sampling keeps every character equally likely.
	limit := byte(256 - 256%len(passwordAlphabet))
	out := make([]byte, 0, n)
	buf := make([]byte, 2*n)
	for len(out) < n {
		rand.Read(buf)
		for _, b := range buf {
			if b < limit && len(out) < n {
				out = append(out, passwordAlphabet[int(b)%len(passwordAlphabet)])
			}
		}
	}
	return string(out)
}
