package store_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestAssetsContract runs the records' part of the store contract on
// SQLite, and on PostgreSQL when FIREBREAK_TEST_POSTGRES_URL is set.
func TestAssetsContract(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, storetest.RunAssets)
}
