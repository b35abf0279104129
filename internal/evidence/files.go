package evidence

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"github.com/firebreak-ir/firebreak/internal/errs"
)

// Files keeps uploaded evidence under a directory by SHA-256
// (<dir>/ab/abcdef…): content-addressed, so the same bytes are kept once
// and a name always means the same bytes.
type Files struct {
	Dir string
}

// NewFiles keeps files under dir (the data directory's evidence/).
func NewFiles(dir string) *Files { return &Files{Dir: dir} }

func (f *Files) path(sha string) string { return filepath.Join(f.Dir, sha[:2], sha) }

// Put streams r to disk while hashing it and keeps it under its hash. A
// file larger than limit bytes is refused and nothing is kept.
func (f *Files) Put(ctx context.Context, r io.Reader, limit int64) (sha string, size int64, err error) {
	tmpDir := filepath.Join(f.Dir, "tmp")
	if err := os.MkdirAll(tmpDir, 0o700); err != nil {
		return "", 0, fmt.Errorf("evidence store: %w", err)
	}
	tmp, err := os.CreateTemp(tmpDir, "upload-*")
	if err != nil {
		return "", 0, fmt.Errorf("evidence store: %w", err)
	}
	defer func() {
		if err != nil {
			_ = tmp.Close()
			_ = os.Remove(tmp.Name())
		}
	}()
	h := sha256.New()
	size, err = io.Copy(io.MultiWriter(tmp, h), io.LimitReader(ctxReader{ctx, r}, limit+1))
	if err != nil {
		return "", 0, fmt.Errorf("evidence upload: %w", err)
	}
	if size > limit {
		return "", 0, errs.E(errs.Invalid, "file", "the file is larger than the limit of %d bytes", limit)
	}
	if err = tmp.Sync(); err != nil {
		return "", 0, fmt.Errorf("evidence store: %w", err)
	}
	if err = tmp.Close(); err != nil {
		return "", 0, fmt.Errorf("evidence store: %w", err)
	}
	sha = hex.EncodeToString(h.Sum(nil))
	dst := f.path(sha)
	if err = os.MkdirAll(filepath.Dir(dst), 0o700); err != nil {
		return "", 0, fmt.Errorf("evidence store: %w", err)
	}
	if _, statErr := os.Stat(dst); statErr == nil {
		// Kept already: the same bytes. The copy just written goes.
		return sha, size, os.Remove(tmp.Name())
	}
	if err = os.Chmod(tmp.Name(), 0o400); err != nil {
		return "", 0, fmt.Errorf("evidence store: %w", err)
	}
	if err = os.Rename(tmp.Name(), dst); err != nil {
		return "", 0, fmt.Errorf("evidence store: %w", err)
	}
	return sha, size, nil
}

// Open opens the file kept under sha.
func (f *Files) Open(sha string) (*os.File, error) {
	if !isHex(sha, 64) {
		return nil, errs.E(errs.NotFound, "sha256", "no evidence file %q", clip(sha))
	}
	file, err := os.Open(f.path(sha))
	if errors.Is(err, fs.ErrNotExist) {
		return nil, errs.E(errs.NotFound, "sha256", "the evidence file %s is missing from the store", sha)
	}
	if err != nil {
		return nil, fmt.Errorf("open evidence file: %w", err)
	}
	return file, nil
}

// Check rehashes the file kept under sha: its hash and size as on disk
// now, or an error when it cannot be read (missing: fs.ErrNotExist).
func (f *Files) Check(ctx context.Context, sha string) (got string, size int64, err error) {
	if !isHex(sha, 64) {
		return "", 0, fmt.Errorf("%q is not a SHA-256: %w", clip(sha), fs.ErrNotExist)
	}
	file, err := os.Open(f.path(sha))
	if err != nil {
		return "", 0, err
	}
	defer func() { _ = file.Close() }()
	h := sha256.New()
	size, err = io.Copy(h, ctxReader{ctx, file})
	if err != nil {
		return "", 0, err
	}
	return hex.EncodeToString(h.Sum(nil)), size, nil
}

// ctxReader stops a long copy when its context ends.
type ctxReader struct {
	ctx context.Context
	r   io.Reader
}

func (c ctxReader) Read(p []byte) (int, error) {
	if err := c.ctx.Err(); err != nil {
		return 0, err
	}
	return c.r.Read(p)
}
