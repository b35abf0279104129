package cli_test

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestEvidenceFromTheCLI(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.ok(t, "users", "create", "alice", "--role", "responder")
	h.asUser(t, "alice")
	h.ok(t, "declare", "Stolen laptop", "--severity", "SEV3")
	dir := t.TempDir()
	src := filepath.Join(dir, "auth.log")
	data := []byte("Dec  7 06:00:01 sshd: Failed password for root\n")
	if err := os.WriteFile(src, data, 0o600); err != nil {
		t.Fatal(err)
	}
	sum := sha256.Sum256(data)
	sha := hex.EncodeToString(sum[:])
	if out := h.ok(t, "evidence", "INC-1", "add", src, "--source", "web-1", "--method", "scp"); !strings.Contains(out, "INC-1 EV-1 (auth.log): sha256 "+sha) {
		t.Fatalf("add: %s", out)
	}
	if out := h.ok(t, "evidence", "INC-1", "add-external", "Disk image", "--sha256", strings.Repeat("a", 64), "--hash", "md5="+strings.Repeat("b", 32),
		"--size", "1024", "--location", "Safe 2"); !strings.Contains(out, "EV-2 (Disk image)") || !strings.Contains(out, "at Safe 2") {
		t.Fatalf("add-external: %s", out)
	}
	h.fails(t, "--hash wants ALGORITHM=HEX", "evidence", "INC-1", "add-external", "x", "--hash", "md5")
	h.fails(t, "purpose", "evidence", "INC-1", "transfer", "EV-2", "--to", "bob", "--location", "Lab")
	h.ok(t, "evidence", "INC-1", "transfer", "EV-2", "--to", "bob", "--purpose", "imaging", "--location", "Lab")
	dst := filepath.Join(dir, "copy.log")
	h.ok(t, "evidence", "INC-1", "download", "EV-1", "-o", dst)
	if got, err := os.ReadFile(dst); err != nil || !bytes.Equal(got, data) {
		t.Fatalf("downloaded %q %v", got, err)
	}
	h.fails(t, "-o FILE is required", "evidence", "INC-1", "download", "EV-1")
	if out := h.ok(t, "evidence", "INC-1", "dispose", "EV-2", "--reason", "returned", "--authorised-by", "legal"); !strings.Contains(out, "disposed of (returned, authorised by legal)") {
		t.Fatalf("dispose: %s", out)
	}
	if out := h.ok(t, "evidence", "INC-1", "show", "EV-1"); !strings.Contains(out, "downloaded evidence EV-1") {
		t.Fatalf("show: %s", out)
	}
	if out := h.ok(t, "evidence", "INC-1"); !strings.Contains(out, "Disk image (disposed)") || !strings.Contains(out, "auth.log") {
		t.Fatalf("list: %s", out)
	}
	if out := h.ok(t, "evidence", "INC-1", "report"); !strings.Contains(out, "transferred evidence EV-2 from alice to bob (imaging)") || !strings.Contains(out, "The chain ends at event #6") {
		t.Fatalf("report: %s", out)
	}
	if out := h.ok(t, "evidence", "INC-1", "report", "--html"); !strings.HasPrefix(out, "<!doctype html>") || !strings.Contains(out, "disposed of evidence EV-2") {
		t.Fatalf("report --html: %s", out)
	}
	h.fails(t, "want: evidence REF", "evidence", "INC-1", "frobnicate")

	// audit verify rehashes the stored file: intact, then changed.
	h.ok(t, "audit", "verify", "--db", h.dsn)
	stored := filepath.Join(filepath.Dir(h.dsn), "evidence", sha[:2], sha)
	if err := os.Chmod(stored, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(stored, []byte("something else\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	code, out, _ := h.run(t, "audit", "verify", "--db", h.dsn)
	if code != 1 || !strings.Contains(out, "INC-1: evidence EV-1 (auth.log): its stored file no longer hashes") {
		t.Fatalf("audit verify after the file changed: exit %d\n%s", code, out)
	}
}
