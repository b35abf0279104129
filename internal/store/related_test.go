package store_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

func TestRelatedIncidents(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, storetest.RunRelated)
}
