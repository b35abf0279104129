package store_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestPagingContract runs the paging part of the store contract (on-call
// configuration, contacts, escalations and deliveries) on SQLite, and on
// PostgreSQL when FIREBREAK_TEST_POSTGRES_URL is set.
func TestPagingContract(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, storetest.RunPaging)
}
