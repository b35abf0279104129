package store_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

func TestPostmortemOverdue(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, storetest.RunPostmortemOverdue)
}
