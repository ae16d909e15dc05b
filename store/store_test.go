package store

import (
	"context"
	"database/sql"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/store/storetest"
)

// forEachDB runs fn once against a fresh SQLite file and once against a fresh PostgreSQL schema,
// each as a subtest. fn gets the URL to pass to Open.
func forEachDB(t *testing.T, fn func(t *testing.T, url string)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		fn(t, storetest.SQLiteURL(t))
	})
	t.Run("postgres", func(t *testing.T) {
		fn(t, storetest.PostgresURL(t))
	})
}

// openStore opens url, closing the store when the test ends.
func openStore(t *testing.T, url string) *Store {
	t.Helper()
	s, err := Open(context.Background(), url)
	if err != nil {
		t.Fatalf("Open: %v", err)
	}
	t.Cleanup(func() {
		if err := s.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
	})
	return s
}

// pluck returns what f reads from each of items, in order; an empty list
// (not nil) when there are none, so it compares equal to []string{}.
func pluck[T, V any](items []T, f func(T) V) []V {
	out := []V{}
	for _, it := range items {
		out = append(out, f(it))
	}
	return out
}

// fakeClock returns strictly increasing times, in a non-UTC zone and with nanoseconds, so tests
// can check ordering and that the store converts to UTC without losing precision.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	zone := time.FixedZone("UTC+5:30", 5*3600+1800)
	return &fakeClock{t: time.Date(2030, 1, 2, 3, 4, 5, 123456789, zone)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(time.Second + time.Nanosecond)
	return c.t
}

func TestParseURL(t *testing.T) {
	tests := []struct {
		url     string
		want    target
		wantErr error
	}{
		{url: "", want: target{dialect: DialectSQLite, path: "junction.db"}},
		{url: "data/j.db", want: target{dialect: DialectSQLite, path: "data/j.db"}},
		{url: "/var/lib/junction/j.db", want: target{dialect: DialectSQLite, path: "/var/lib/junction/j.db"}},
		{url: "sqlite:j.db", want: target{dialect: DialectSQLite, path: "j.db"}},
		{url: "sqlite:/abs/j.db", want: target{dialect: DialectSQLite, path: "/abs/j.db"}},
		{url: "sqlite://rel/j.db", want: target{dialect: DialectSQLite, path: "rel/j.db"}},
		{url: "sqlite:///abs/j.db", want: target{dialect: DialectSQLite, path: "/abs/j.db"}},
		{url: "sqlite:", want: target{dialect: DialectSQLite, path: "junction.db"}},
		{url: "sqlite::memory:", want: target{dialect: DialectSQLite, memory: true}},
		{url: "sqlite://:memory:", want: target{dialect: DialectSQLite, memory: true}},
		{url: ":memory:", want: target{dialect: DialectSQLite, memory: true}},
		{url: "postgres://u:p@h:5432/db?sslmode=disable", want: target{dialect: DialectPostgres, dsn: "postgres://u:p@h:5432/db?sslmode=disable"}},
		{url: "postgresql://h/db", want: target{dialect: DialectPostgres, dsn: "postgresql://h/db"}},
		{url: "mysql://u:secret@h/db", wantErr: ErrInvalid},
		{url: "sqlite:j.db?mode=ro", wantErr: ErrInvalid},
	}
	for _, tt := range tests {
		t.Run(tt.url, func(t *testing.T) {
			got, err := parseURL(tt.url)
			if tt.wantErr != nil {
				if !errors.Is(err, tt.wantErr) {
					t.Fatalf("parseURL(%q) error = %v, want %v", tt.url, err, tt.wantErr)
				}
				if err != nil && strings.Contains(err.Error(), "secret") {
					t.Errorf("error %q leaks the password", err)
				}
				return
			}
			if err != nil {
				t.Fatalf("parseURL(%q): %v", tt.url, err)
			}
			if got != tt.want {
				t.Errorf("parseURL(%q) = %+v, want %+v", tt.url, got, tt.want)
			}
		})
	}
}

func TestOpenSQLiteFile(t *testing.T) {
	ctx := context.Background()
	tests := []struct {
		name string
		url  func(dir string) string // the URL to open
		file func(dir string) string // the file it must create
	}{
		{
			name: "plain path with missing parent directories",
			url:  func(dir string) string { return filepath.Join(dir, "a", "b", "j.db") },
			file: func(dir string) string { return filepath.Join(dir, "a", "b", "j.db") },
		},
		{
			name: "sqlite: prefix",
			url:  func(dir string) string { return "sqlite:" + filepath.Join(dir, "j.db") },
			file: func(dir string) string { return filepath.Join(dir, "j.db") },
		},
		{
			name: "sqlite:// prefix, absolute path",
			url:  func(dir string) string { return "sqlite://" + filepath.Join(dir, "c", "j.db") },
			file: func(dir string) string { return filepath.Join(dir, "c", "j.db") },
		},
		{
			name: "empty URL is junction.db in the working directory",
			url: func(dir string) string {
				t.Chdir(dir)
				return ""
			},
			file: func(dir string) string { return filepath.Join(dir, "junction.db") },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			s := openStore(t, tt.url(dir))
			if _, err := os.Stat(tt.file(dir)); err != nil {
				t.Fatalf("database file not created: %v", err)
			}
			if got := s.Dialect(); got != DialectSQLite {
				t.Errorf("Dialect() = %q, want %q", got, DialectSQLite)
			}
			for _, db := range []*sql.DB{s.db, s.rdb} {
				var mode string
				var fk int
				if err := db.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
					t.Fatal(err)
				}
				if err := db.QueryRowContext(ctx, "PRAGMA foreign_keys").Scan(&fk); err != nil {
					t.Fatal(err)
				}
				if mode != "wal" || fk != 1 {
					t.Errorf("journal_mode = %q, foreign_keys = %d; want wal, 1", mode, fk)
				}
			}
			// The read pool must not be able to write, so every write goes through the single
			// writer connection.
			if _, err := s.rdb.ExecContext(ctx, "DELETE FROM definitions"); err == nil {
				t.Error("write through the read pool succeeded; want query_only")
			}
			if _, err := s.CreateDefinition(ctx, Definition{AccountID: "acme", Status: StatusEnabled}); err != nil {
				t.Errorf("CreateDefinition: %v", err)
			}
		})
	}
}

func TestOpenSQLiteMemory(t *testing.T) {
	ctx := context.Background()
	s := openStore(t, "sqlite::memory:")
	if got := s.Dialect(); got != DialectSQLite {
		t.Errorf("Dialect() = %q, want %q", got, DialectSQLite)
	}
	// One connection, shared: what is written is visible to later reads.
	d, err := s.CreateDefinition(ctx, Definition{AccountID: "acme", Status: StatusEnabled, Trigger: "http_request"})
	if err != nil {
		t.Fatal(err)
	}
	got, err := s.EnabledDefinitions(ctx, "acme", "http_request", "")
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != 1 || got[0].ID != d.ID {
		t.Errorf("EnabledDefinitions = %+v, want the one created", got)
	}
}

func TestOpenPostgres(t *testing.T) {
	url := storetest.PostgresURL(t)
	s := openStore(t, url)
	if got := s.Dialect(); got != DialectPostgres {
		t.Errorf("Dialect() = %q, want %q", got, DialectPostgres)
	}
	// The tables must be in the test's own schema, or tests would not be isolated.
	var schema string
	err := s.db.QueryRowContext(context.Background(),
		"SELECT table_schema FROM information_schema.tables WHERE table_name = 'definitions'").Scan(&schema)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(schema, "junction_test_") {
		t.Errorf("definitions table is in schema %q, want the test schema", schema)
	}
}

func TestOpenErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "file")
	if err := os.WriteFile(file, []byte(strings.Repeat("not an SQLite database\n", 200)), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct{ name, url string }{
		{"unsupported scheme", "mysql://u@h/db"},
		{"parent is a file", filepath.Join(file, "j.db")},
		{"not a database", file},
		{"unreachable postgres", "postgres://postgres@127.0.0.1:1/postgres?sslmode=disable&connect_timeout=2"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := Open(context.Background(), tt.url)
			if err == nil {
				s.Close()
				t.Fatalf("Open(%q) succeeded, want an error", tt.url)
			}
		})
	}
}
