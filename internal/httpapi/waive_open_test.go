package httpapi_test

import (
	"testing"

	"github.com/firebreak-ir/firebreak/internal/duties"
	"github.com/firebreak-ir/firebreak/internal/duties/dutiestest"
)

// waiveOpenDuties lets a test about something else close ref: see
// dutiestest.WaiveOpen.
func waiveOpenDuties(t *testing.T, d *duties.Service, ref string) { dutiestest.WaiveOpen(t, d, ref) }
