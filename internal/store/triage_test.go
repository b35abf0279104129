package store_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

// TestTriageContract runs the triage queue's part of the store contract on
// SQLite, and on PostgreSQL when FIREBREAK_TEST_POSTGRES_URL is set.
func TestTriageContract(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, storetest.RunTriage)
}
