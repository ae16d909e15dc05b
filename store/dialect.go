package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"
)

// This file holds everything that differs between SQLite and PostgreSQL at run time. The SQL
// itself is shared: queries are written once with '?' placeholders and the migrations use only
// portable types.

// q rewrites a query written with '?' placeholders for the store's database: unchanged for
// SQLite, "$1", "$2", ... for PostgreSQL. Queries in this package never contain a literal '?'.
func (s *Store) q(query string) string {
	if s.dialect != DialectPostgres {
		return query
	}
	var b strings.Builder
	b.Grow(len(query) + 8)
	n := 0
	for _, r := range query {
		if r == '?' {
			n++
			b.WriteByte('$')
			b.WriteString(strconv.Itoa(n))
			continue
		}
		b.WriteRune(r)
	}
	return b.String()
}

// isUniqueViolation reports whether err is a primary-key or unique-constraint violation.
func isUniqueViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23505" // unique_violation
	}
	if sqliteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		code := sqliteErr.Code()
		return code == sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY || code == sqlite3.SQLITE_CONSTRAINT_UNIQUE
	}
	return false
}

// isForeignKeyViolation reports whether err is a foreign-key violation: a row referring to one that
// does not exist (or no longer does, when another transaction deleted it first).
func isForeignKeyViolation(err error) bool {
	if pgErr, ok := errors.AsType[*pgconn.PgError](err); ok {
		return pgErr.Code == "23503" // foreign_key_violation
	}
	if sqliteErr, ok := errors.AsType[*sqlite.Error](err); ok {
		return sqliteErr.Code() == sqlite3.SQLITE_CONSTRAINT_FOREIGNKEY
	}
	return false
}

// lockForMigration serialises migrations across processes sharing a PostgreSQL database; the lock
// is released when tx ends. SQLite needs nothing: the BEGIN IMMEDIATE of every transaction already
// holds the database's write lock.
func (s *Store) lockForMigration(ctx context.Context, tx *sql.Tx) error {
	if s.dialect != DialectPostgres {
		return nil
	}
	const key = 0x6a756e6374696f6e // "junction" in ASCII
	if _, err := tx.ExecContext(ctx, "SELECT pg_advisory_xact_lock($1)", int64(key)); err != nil {
		return fmt.Errorf("locking for migration: %w", err)
	}
	return nil
}
