// Package storetest gives tests of any package a fresh, isolated metadata
// database: a SQLite file in the test's temp dir, or a PostgreSQL schema of
// its own on the server named by JUNCTION_TEST_POSTGRES_URL (scripts/testpg.sh
// starts one), dropped when the test ends.
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

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" driver
)

// PostgresURLEnv names the server tests create their schemas on.
const PostgresURLEnv = "JUNCTION_TEST_POSTGRES_URL"

// SQLiteURL returns a store URL for a new SQLite file under t.TempDir().
func SQLiteURL(t testing.TB) string {
	return "sqlite:" + filepath.Join(t.TempDir(), "junction.db")
}

// PostgresURL creates a uniquely named schema, drops it when the test ends,
// and returns a URL whose connections use only that schema. Without
// JUNCTION_TEST_POSTGRES_URL the test is skipped locally and fails under CI,
// so CI never silently skips PostgreSQL.
func PostgresURL(t testing.TB) string {
	t.Helper()
	base := os.Getenv(PostgresURLEnv)
	if base == "" {
		if os.Getenv("CI") != "" {
			t.Fatalf("%s is not set; CI must test PostgreSQL (set it with scripts/testpg.sh)", PostgresURLEnv)
		}
		t.Skipf("%s is not set; run: export %s=$(scripts/testpg.sh)", PostgresURLEnv, PostgresURLEnv)
	}
	u, err := url.Parse(base)
	if err != nil {
		t.Fatalf("parsing %s: %v", PostgresURLEnv, err)
	}
	admin, err := sql.Open("pgx", base)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { admin.Close() })

	b := make([]byte, 6)
	_, _ = rand.Read(b)
	schema := "junction_test_" + hex.EncodeToString(b) // a safe identifier: no quoting needed
	ctx := context.Background()
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		t.Fatalf("creating test schema: %v", err)
	}
	// Cleanups run last-registered first, so stores opened by the test are
	// closed by now.
	t.Cleanup(func() {
		if _, err := admin.ExecContext(context.Background(), "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			t.Errorf("dropping test schema %s: %v", schema, err)
		}
	})
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	return u.String()
}
