package store_test

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store"
)

func TestExclusiveOpenRefusesASecondServer(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "firebreak.db")
	first, err := store.Open(ctx, path, store.Options{Exclusive: true})
	if err != nil {
		t.Fatal(err)
	}
	_, err = store.Open(ctx, path, store.Options{Exclusive: true})
	if !errors.Is(err, store.ErrLocked) || !strings.Contains(err.Error(), fmt.Sprintf("process %d holds", os.Getpid())) {
		t.Fatalf("second exclusive open: %v, want ErrLocked naming PID %d", err, os.Getpid())
	}
	// Offline readers (audit verify, backup) open beside the server.
	reader, err := store.Open(ctx, path, store.Options{})
	if err != nil {
		t.Fatalf("a non-exclusive open beside the server: %v", err)
	}
	reader.Close()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := store.Open(ctx, path, store.Options{Exclusive: true})
	if err != nil {
		t.Fatalf("open after the holder closed: %v", err)
	}
	again.Close()
}
