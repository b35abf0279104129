package app

import (
	"path/filepath"
	"strings"

	"github.com/firebreak-ir/firebreak/internal/evidence"
	"github.com/firebreak-ir/firebreak/internal/store"
)

// EvidenceConfig says where uploaded evidence is kept and how large a file
// may be.
type EvidenceConfig struct {
	// Dir holds the files by SHA-256; EvidenceDir of the data directory
	// when empty (next to a SQLite file; PostgreSQL needs it set, or no
	// files are kept).
	Dir string
	// MaxBytes is the largest file; evidence.DefaultMaxBytes when 0.
	MaxBytes int64
}

// EvidenceDir is where evidence files are kept under a data directory.
func EvidenceDir(dataDir string) string { return filepath.Join(dataDir, "evidence") }

// configureEvidence points the evidence service at its files.
func configureEvidence(s *evidence.Service, c EvidenceConfig, dsn string) {
	dir := c.Dir
	if dir == "" && dsn != "" && !store.IsPostgres(dsn) {
		dir = EvidenceDir(filepath.Dir(strings.TrimPrefix(strings.TrimPrefix(dsn, "sqlite://"), "file:")))
	}
	if dir != "" {
		s.Files = evidence.NewFiles(dir)
	}
	if c.MaxBytes > 0 {
		s.MaxBytes = c.MaxBytes
	}
}
