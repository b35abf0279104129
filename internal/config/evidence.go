package config

import "fmt"

// EvidenceFile is the policy file's evidence: section.
//
//	evidence:
//	  max_bytes: 2147483648   # the largest uploaded file (default 2 GiB)
type EvidenceFile struct {
	MaxBytes int64 `yaml:"max_bytes"`
}

// check refuses a limit that is not positive.
func (e *EvidenceFile) check() error {
	if e != nil && e.MaxBytes < 0 {
		return fmt.Errorf("evidence.max_bytes: must be positive")
	}
	return nil
}

// EvidenceMaxBytes is the largest evidence file accepted; 0 means the
// default.
func (f File) EvidenceMaxBytes() int64 {
	if f.Evidence == nil {
		return 0
	}
	return f.Evidence.MaxBytes
}
