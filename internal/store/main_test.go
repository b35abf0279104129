package store

import (
	"fmt"
	"os"
	"testing"
)

// postgresEnv names the variable that holds the test PostgreSQL DSN
// (storetest.PostgresEnv; this package's own tests cannot import storetest).
const postgresEnv = "FIREBREAK_TEST_POSTGRES_URL"

// TestMain says up front when the PostgreSQL half of the tests will be
// skipped, so a run on SQLite alone is never mistaken for both (each
// skipped test also says so as a SKIP line under -v).
func TestMain(m *testing.M) {
	if os.Getenv(postgresEnv) == "" {
		fmt.Printf("store tests: %s is not set: PostgreSQL tests skipped, SQLite only\n", postgresEnv)
	}
	os.Exit(m.Run())
}
