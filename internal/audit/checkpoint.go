package audit

import (
	"bufio"
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/hex"
	"encoding/json"
	"encoding/pem"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"time"
)

// Checkpoint is a signed statement of the global log at a moment: its
// head, how many events it holds and the last global sequence number it
// covers. Verifying a database against it recomputes the head over the
// events up to LastGlobalSeq: any event removed, added or changed in that
// history shows, even when every incident's chain was re-sealed.
type Checkpoint struct {
	// Number counts the checkpoints of one file (and one key) from 1.
	Number        int64     `json:"number"`
	Head          string    `json:"head"`
	Events        int64     `json:"events"`
	LastGlobalSeq int64     `json:"last_global_seq"`
	Time          time.Time `json:"time"`
	// KeyID names the signing key: the first 16 hex digits of the SHA-256
	// of its public key.
	KeyID string `json:"key_id"`
	// Signature is the Ed25519 signature of Signed(), base64.
	Signature string `json:"signature"`
}

// Signed returns the bytes the signature covers.
func (c Checkpoint) Signed() []byte {
	return []byte(strings.Join([]string{"firebreak-checkpoint-v1",
		strconv.FormatInt(c.Number, 10), c.Head, strconv.FormatInt(c.Events, 10), strconv.FormatInt(c.LastGlobalSeq, 10),
		c.Time.UTC().Format(time.RFC3339Nano), c.KeyID}, "\n"))
}

// Sign makes a checkpoint of h at t, numbered n.
func Sign(key ed25519.PrivateKey, n int64, h Head, t time.Time) Checkpoint {
	c := Checkpoint{Number: n, Head: h.Hash, Events: h.Events, LastGlobalSeq: h.LastGlobalSeq,
		Time: t.UTC().Truncate(time.Microsecond), KeyID: KeyID(key.Public().(ed25519.PublicKey))}
	c.Signature = base64.StdEncoding.EncodeToString(ed25519.Sign(key, c.Signed()))
	return c
}

// Check verifies c's signature with pub.
func (c Checkpoint) Check(pub ed25519.PublicKey) error {
	if c.KeyID != KeyID(pub) {
		return fmt.Errorf("checkpoint #%d was signed with key %s, not %s", c.Number, c.KeyID, KeyID(pub))
	}
	sig, err := base64.StdEncoding.DecodeString(c.Signature)
	if err != nil || !ed25519.Verify(pub, c.Signed(), sig) {
		return fmt.Errorf("checkpoint #%d (%s): the signature does not match its content", c.Number, c.Time.UTC().Format(time.RFC3339))
	}
	return nil
}

// HeadOf is the head the checkpoint signed.
func (c Checkpoint) HeadOf() Head {
	return Head{Hash: c.Head, Events: c.Events, LastGlobalSeq: c.LastGlobalSeq}
}

// KeyID names a public key.
func KeyID(pub ed25519.PublicKey) string {
	sum := sha256.Sum256(pub)
	return hex.EncodeToString(sum[:8])
}

// ---- keys ----

// LoadOrCreateKey reads the Ed25519 private key at path (PKCS #8 PEM),
// creating it with mode 0600, and its public key beside it at path.pub,
// when there is none. created says whether it was made now. A key file
// others may read is refused.
func LoadOrCreateKey(path string) (key ed25519.PrivateKey, created bool, err error) {
	key, err = LoadKey(path)
	if err == nil || !errors.Is(err, fs.ErrNotExist) {
		return key, false, err
	}
	_, key, err = ed25519.GenerateKey(rand.Reader)
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	der, err := x509.MarshalPKCS8PrivateKey(key)
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return nil, false, fmt.Errorf("audit key: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	_, err = f.Write(pem.EncodeToMemory(&pem.Block{Type: "PRIVATE KEY", Bytes: der}))
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		_ = os.Remove(path) // the write failure is the one to report
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	pub := EncodePublicKey(key.Public().(ed25519.PublicKey)) + "\n"
	if err := os.WriteFile(path+".pub", []byte(pub), 0o644); err != nil {
		return nil, false, fmt.Errorf("audit key: %w", err)
	}
	return key, true, nil
}

// LoadKey reads the Ed25519 private key at path (PKCS #8 PEM).
func LoadKey(path string) (ed25519.PrivateKey, error) {
	info, err := os.Stat(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	if runtime.GOOS != "windows" && info.Mode().Perm()&0o077 != 0 {
		return nil, fmt.Errorf("audit key %s: others may read it (mode %04o); chmod 600 it", path, info.Mode().Perm())
	}
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("audit key: %w", err)
	}
	b, _ := pem.Decode(data)
	if b == nil || b.Type != "PRIVATE KEY" {
		return nil, fmt.Errorf("audit key %s: not a PEM \"PRIVATE KEY\"", path)
	}
	k, err := x509.ParsePKCS8PrivateKey(b.Bytes)
	if err != nil {
		return nil, fmt.Errorf("audit key %s: %w", path, err)
	}
	key, ok := k.(ed25519.PrivateKey)
	if !ok {
		return nil, fmt.Errorf("audit key %s: not an Ed25519 key", path)
	}
	return key, nil
}

// EncodePublicKey is the public key as --public-key takes it: the 32
// bytes in base64.
func EncodePublicKey(pub ed25519.PublicKey) string { return base64.StdEncoding.EncodeToString(pub) }

// ParsePublicKey reads a public key given as base64 (EncodePublicKey), or
// as a PEM "PUBLIC KEY" (PKIX, as openssl writes it).
func ParsePublicKey(s string) (ed25519.PublicKey, error) {
	s = strings.TrimSpace(s)
	if b, _ := pem.Decode([]byte(s)); b != nil {
		k, err := x509.ParsePKIXPublicKey(b.Bytes)
		if err != nil {
			return nil, fmt.Errorf("public key: %w", err)
		}
		pub, ok := k.(ed25519.PublicKey)
		if !ok {
			return nil, errors.New("public key: not an Ed25519 key")
		}
		return pub, nil
	}
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil || len(raw) != ed25519.PublicKeySize {
		return nil, fmt.Errorf("public key: expected %d bytes in base64 or a PEM PUBLIC KEY", ed25519.PublicKeySize)
	}
	return ed25519.PublicKey(raw), nil
}

// ---- the checkpoint file ----

// AppendCheckpoint adds c to the file at path as one JSON line, creating
// the file when there is none, and syncs it.
func AppendCheckpoint(path string, c Checkpoint) error {
	line, err := json.Marshal(c)
	if err != nil {
		return fmt.Errorf("encode checkpoint: %w", err)
	}
	if dir := filepath.Dir(path); dir != "" {
		if err := os.MkdirAll(dir, 0o700); err != nil {
			return fmt.Errorf("checkpoint file: %w", err)
		}
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_APPEND, 0o644)
	if err != nil {
		return fmt.Errorf("checkpoint file: %w", err)
	}
	_, err = f.Write(append(line, '\n'))
	if err = errors.Join(err, f.Sync(), f.Close()); err != nil {
		return fmt.Errorf("checkpoint file %s: %w", path, err)
	}
	return nil
}

// ReadCheckpoints reads a checkpoint file: one JSON checkpoint per line
// (blank lines and lines starting with # are skipped). A line that is not
// a checkpoint is an error naming it.
func ReadCheckpoints(r io.Reader, name string) ([]Checkpoint, error) {
	var out []Checkpoint
	sc := bufio.NewScanner(r)
	sc.Buffer(make([]byte, 0, 4096), 1<<20)
	for n := 1; sc.Scan(); n++ {
		line := bytes.TrimSpace(sc.Bytes())
		if len(line) == 0 || line[0] == '#' {
			continue
		}
		var c Checkpoint
		dec := json.NewDecoder(bytes.NewReader(line))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&c); err != nil {
			return nil, fmt.Errorf("%s:%d: not a checkpoint: %v", name, n, err)
		}
		if (c.Head == "" && c.Events > 0) || c.Signature == "" || c.KeyID == "" || c.Time.IsZero() {
			return nil, fmt.Errorf("%s:%d: not a checkpoint: head, time, key_id and signature are required", name, n)
		}
		out = append(out, c)
	}
	if err := sc.Err(); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return out, nil
}

// ReadCheckpointFile reads the checkpoints at path; none when there is no
// file.
func ReadCheckpointFile(path string) ([]Checkpoint, error) {
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("checkpoint file: %w", err)
	}
	defer func() { _ = f.Close() }() // read only
	return ReadCheckpoints(f, path)
}
