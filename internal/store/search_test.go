package store_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store/storetest"
)

func TestSearchContract(t *testing.T) {
	storetest.ForEachBackend(t, storetest.RunSearch)
}
