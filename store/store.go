// Package store persists Junction's own metadata: the workflow definitions the API accepts, every
// immutable version of them, and what the gateway needs to route an inbound event to the enabled
// definitions of an account; the accounts, sub-accounts and hashed API keys the API
// authenticates callers with; and the webhook subscriptions of accounts, with every delivery to
// them and every attempt at one.
//
// Temporal is not the store for this. Temporal records the history of executions that exist; it
// cannot answer "which enabled definitions of account A listen for trigger T" before any workflow
// runs, it has no queries over arbitrary records, and its visibility store is eventually consistent
// and bounded. Definitions are configuration: small, relational, read on every inbound event and
// needed to start a workflow in the first place. They belong in an ordinary database.
//
// The same migrations run on SQLite (the default, a single file, no server) and PostgreSQL (for
// deployments with more than one gateway). Every query is scoped to one account, except the few
// that find the account: AuthenticateAPIKey and the operator's ListAccounts.
package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // registers the "pgx" database/sql driver
	_ "modernc.org/sqlite"             // registers the "sqlite" database/sql driver
)

// Sentinel errors; they are wrapped with context, so test for them with errors.Is.
var (
	// ErrNotFound means the record does not exist, was deleted, or belongs to another account.
	ErrNotFound = errors.New("not found")
	// ErrConflict means the write collided with an existing record, such as creating a definition
	// with an ID that is (or was) already in use.
	ErrConflict = errors.New("conflict")
	// ErrInvalid means the caller passed a value the store cannot accept.
	ErrInvalid = errors.New("invalid")
)

// Dialect names returned by Store.Dialect.
const (
	DialectSQLite   = "sqlite"
	DialectPostgres = "postgres"
)

// defaultSQLitePath is the database file used when Open is given an empty URL.
const defaultSQLitePath = "junction.db"

// Store is a handle on the metadata database. It is safe for concurrent use by one process; with
// PostgreSQL, several processes may share the database.
type Store struct {
	dialect string
	// db takes every write. For SQLite it is a single connection, so writers queue in the process
	// instead of contending for the file lock.
	db *sql.DB
	// rdb takes reads. For an SQLite file it is a separate pool of read-only connections, which
	// WAL lets run alongside the writer; otherwise it is db.
	rdb *sql.DB
	// now is the clock; tests replace it.
	now func() time.Time
	// lookups keeps the answers of the lookups every inbound event makes
	// (lookup_cache.go).
	lookups lookupCache
}

// Open opens and migrates the database named by url:
//
//	"" (the file junction.db in the working directory)
//	"sqlite:PATH", "sqlite://PATH" or a plain file path   an SQLite file at PATH; missing parent
//	                                                      directories are created
//	"sqlite::memory:"                                     an in-memory SQLite database, gone on Close
//	"postgres://..." or "postgresql://..."                PostgreSQL (any pgx connection URL)
//
// Migrations that have not been applied yet are applied in order, each in its own transaction.
func Open(ctx context.Context, url string) (*Store, error) {
	s, err := open(ctx, url)
	if err != nil {
		return nil, err
	}
	if err := s.migrate(ctx, migrationFiles()); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close closes the database.
func (s *Store) Close() error {
	err := s.db.Close()
	if s.rdb != s.db {
		err = errors.Join(err, s.rdb.Close())
	}
	return err
}

// Dialect returns the kind of database: DialectSQLite ("sqlite") or DialectPostgres ("postgres").
func (s *Store) Dialect() string { return s.dialect }

// target is a parsed database URL.
type target struct {
	dialect string
	path    string // SQLite file, empty when memory
	memory  bool   // SQLite in memory
	dsn     string // PostgreSQL connection URL
}

func parseURL(u string) (target, error) {
	var path string
	switch {
	case strings.HasPrefix(u, "postgres://"), strings.HasPrefix(u, "postgresql://"):
		return target{dialect: DialectPostgres, dsn: u}, nil
	case strings.HasPrefix(u, "sqlite://"):
		path = strings.TrimPrefix(u, "sqlite://")
	case strings.HasPrefix(u, "sqlite:"):
		path = strings.TrimPrefix(u, "sqlite:")
	case strings.Contains(u, "://"):
		// Do not echo the URL: it may carry a password.
		scheme, _, _ := strings.Cut(u, "://")
		return target{}, fmt.Errorf("unsupported database URL scheme %q: want sqlite or postgres: %w", scheme, ErrInvalid)
	default:
		path = u
	}
	switch {
	case path == ":memory:":
		return target{dialect: DialectSQLite, memory: true}, nil
	case path == "":
		path = defaultSQLitePath
	case strings.ContainsRune(path, '?'):
		// The SQLite driver reads everything after '?' as its own parameters.
		return target{}, fmt.Errorf("SQLite path %q must not contain '?': %w", path, ErrInvalid)
	}
	return target{dialect: DialectSQLite, path: path}, nil
}

// open connects to the database without migrating it.
func open(ctx context.Context, url string) (*Store, error) {
	t, err := parseURL(url)
	if err != nil {
		return nil, err
	}
	s := &Store{dialect: t.dialect, now: time.Now}
	switch {
	case t.dialect == DialectPostgres:
		err = s.openPostgres(ctx, t.dsn)
	case t.memory:
		err = s.openSQLiteMemory(ctx)
	default:
		err = s.openSQLiteFile(ctx, t.path)
	}
	if err != nil {
		return nil, err
	}
	return s, nil
}

func (s *Store) openPostgres(ctx context.Context, dsn string) error {
	db, err := sql.Open("pgx", dsn)
	if err != nil {
		return fmt.Errorf("opening PostgreSQL: %w", err)
	}
	db.SetMaxIdleConns(4)
	db.SetConnMaxIdleTime(5 * time.Minute)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("connecting to PostgreSQL: %w", err)
	}
	s.db, s.rdb = db, db
	return nil
}

// sqliteParams are applied by the driver to every new SQLite connection. BEGIN IMMEDIATE takes
// the write lock when a transaction starts rather than on its first write, so a read-then-write
// transaction never fails half-way with SQLITE_BUSY.
const sqliteParams = "_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_txlock=immediate"

func (s *Store) openSQLiteMemory(ctx context.Context) error {
	db, err := sql.Open("sqlite", ":memory:?"+sqliteParams)
	if err != nil {
		return fmt.Errorf("opening in-memory SQLite: %w", err)
	}
	// Every connection to ":memory:" is a different, empty database: keep exactly one, forever.
	db.SetMaxOpenConns(1)
	db.SetMaxIdleConns(1)
	db.SetConnMaxLifetime(0)
	db.SetConnMaxIdleTime(0)
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("opening in-memory SQLite: %w", err)
	}
	s.db, s.rdb = db, db
	return nil
}

func (s *Store) openSQLiteFile(ctx context.Context, path string) error {
	if dir := filepath.Dir(path); dir != "." {
		if err := os.MkdirAll(dir, 0o755); err != nil {
			return fmt.Errorf("creating directory for SQLite database: %w", err)
		}
	}
	// WAL lets readers run while the writer writes; synchronous=NORMAL is durable across
	// application crashes and is the usual pairing with WAL.
	w, err := sql.Open("sqlite", path+"?"+sqliteParams+"&_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)")
	if err != nil {
		return fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	w.SetMaxOpenConns(1)
	w.SetMaxIdleConns(1)
	w.SetConnMaxLifetime(0)
	w.SetConnMaxIdleTime(0)
	if err := w.PingContext(ctx); err != nil {
		w.Close()
		return fmt.Errorf("opening SQLite database %s: %w", path, err)
	}
	r, err := sql.Open("sqlite", path+"?"+sqliteParams+"&_pragma=query_only(1)")
	if err != nil {
		w.Close()
		return fmt.Errorf("opening SQLite database %s for reading: %w", path, err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	r.SetMaxOpenConns(n)
	r.SetMaxIdleConns(n)
	if err := r.PingContext(ctx); err != nil {
		w.Close()
		r.Close()
		return fmt.Errorf("opening SQLite database %s for reading: %w", path, err)
	}
	s.db, s.rdb = w, r
	return nil
}
