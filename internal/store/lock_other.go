//go:build !unix

package store

import "os"

// flock is a no-op where advisory locks are not available: one server per
// data directory is then up to the operator.
func flock(*os.File) error { return nil }

func funlock(*os.File) error { return nil }
