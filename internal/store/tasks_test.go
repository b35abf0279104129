package store_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

func TestTasksIndex(t *testing.T) {
	t.Parallel()
	storetest.ForEachBackend(t, storetest.RunTasks)
}
