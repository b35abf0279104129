// Package storetest specifies the store contract: one suite that both the
// SQLite and the PostgreSQL backend must pass, and helpers that open a fresh
// store of either kind for other packages' tests.
package storetest

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"net/url"
	"os"
	"path/filepath"
	"testing"

	"github.com/firebreak-ir/firebreak/internal/store"
)

// PostgresEnv names the variable that holds the test PostgreSQL DSN.
const PostgresEnv = "FIREBREAK_TEST_POSTGRES_URL"

// Backend opens a fresh, empty store for one test.
type Backend struct {
	Name string
	Open func(t testing.TB) (*store.DB, string) // the store and its DSN
}

// Backends returns SQLite always and PostgreSQL when PostgresEnv is set.
func Backends() []Backend {
	b := []Backend{{Name: "sqlite", Open: OpenSQLite}}
	if os.Getenv(PostgresEnv) != "" {
		b = append(b, Backend{Name: "postgres", Open: OpenPostgres})
	}
	return b
}

// PostgresSkipped is the message of a PostgreSQL test skipped because
// PostgresEnv is not set.
const PostgresSkipped = PostgresEnv + " is not set: PostgreSQL tests skipped"

// ForEachBackend runs fn as a parallel subtest for SQLite and for
// PostgreSQL; without PostgresEnv the PostgreSQL subtest is skipped with
// PostgresSkipped, so a run on SQLite alone says so (a SKIP line) instead
// of passing as if both had run.
func ForEachBackend(t *testing.T, fn func(t *testing.T, b Backend)) {
	t.Helper()
	for _, b := range []Backend{{Name: "sqlite", Open: OpenSQLite}, {Name: "postgres", Open: OpenPostgres}} {
		t.Run(b.Name, func(t *testing.T) {
			if b.Name == "postgres" && os.Getenv(PostgresEnv) == "" {
				t.Skip(PostgresSkipped)
			}
			t.Parallel()
			fn(t, b)
		})
	}
}

// SQLiteDSN returns a new database path in a test temp dir.
func SQLiteDSN(t testing.TB) string { return filepath.Join(t.TempDir(), "firebreak.db") }

// OpenSQLite opens a new SQLite store in a temp dir.
func OpenSQLite(t testing.TB) (*store.DB, string) {
	t.Helper()
	dsn := SQLiteDSN(t)
	return open(t, dsn), dsn
}

// PostgresDSN creates a fresh schema in the test database and returns a DSN
// whose search_path points at it; the schema is dropped after the test.
func PostgresDSN(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresEnv)
	if base == "" {
		t.Skip(PostgresSkipped)
	}
	b := make([]byte, 6)
	rand.Read(b)
	schema := "fbt_" + hex.EncodeToString(b)
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatalf("open postgres: %v", err)
	}
	defer func() { _ = admin.Close() }() // test setup: closing the admin connection
	if _, err := admin.Exec("CREATE SCHEMA " + schema); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() {
		db, err := sql.Open("pgx", base)
		if err != nil {
			return
		}
		defer func() { _ = db.Close() }()
		_, _ = db.Exec("DROP SCHEMA " + schema + " CASCADE") // test cleanup: the database goes with the run
	})
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parse %s: %v", PostgresEnv, err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}

// OpenPostgres opens a store on a fresh schema.
func OpenPostgres(t testing.TB) (*store.DB, string) {
	t.Helper()
	dsn := PostgresDSN(t)
	return open(t, dsn), dsn
}

func open(t testing.TB, dsn string) *store.DB {
	t.Helper()
	db, err := store.Open(context.Background(), dsn, store.Options{})
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = db.Close() }) // test cleanup
	return db
}
