package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strings"
	"time"
	"unicode/utf8"
)

// Account is a tenant: 8x8's accountId. Every other record belongs to exactly one account.
type Account struct {
	// ID is 1 to 128 characters of [A-Za-z0-9_.-], starting with a letter or digit, so it can
	// appear unescaped in a URL path (/api/v1/accounts/{accountId}/...) and in Temporal IDs.
	ID        string
	Name      string
	CreatedAt time.Time // set by the store (UTC)
}

// SubAccount is a subdivision of an account (8x8's subAccountId), which definitions may be
// restricted to. Its ID follows the same rules as an account's and is unique within the account.
type SubAccount struct {
	AccountID string
	ID        string
	Name      string
	CreatedAt time.Time // set by the store (UTC)
}

const (
	maxIDLen   = 128
	maxNameLen = 200 // characters
)

// validateID checks an account or sub-account ID; kind names it in the error.
func validateID(kind, id string) error {
	if id == "" || len(id) > maxIDLen {
		return fmt.Errorf("%s ID %q: must be 1 to %d characters: %w", kind, id, maxIDLen, ErrInvalid)
	}
	for i := 0; i < len(id); i++ {
		c := id[i]
		alnum := 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9'
		if i == 0 && !alnum {
			return fmt.Errorf("%s ID %q: must start with a letter or digit: %w", kind, id, ErrInvalid)
		}
		if !alnum && c != '_' && c != '.' && c != '-' {
			return fmt.Errorf("%s ID %q: only letters, digits, '_', '.' and '-' are allowed: %w", kind, id, ErrInvalid)
		}
	}
	return nil
}

// validateName checks a display name: what both databases store identically (PostgreSQL rejects
// NUL bytes and invalid UTF-8 in TEXT), and not unboundedly long.
func validateName(kind, name string) error {
	if !utf8.ValidString(name) || strings.ContainsRune(name, 0) {
		return fmt.Errorf("%s name must be valid UTF-8 without NUL bytes: %w", kind, ErrInvalid)
	}
	if n := utf8.RuneCountInString(name); n > maxNameLen {
		return fmt.Errorf("%s name is %d characters, more than %d: %w", kind, n, maxNameLen, ErrInvalid)
	}
	return nil
}

// CreateAccount stores a new account and returns it as stored. An ID already in use is
// ErrConflict; an ID that breaks the rules on Account.ID, or a bad name, is ErrInvalid.
func (s *Store) CreateAccount(ctx context.Context, a Account) (Account, error) {
	if err := validateID("account", a.ID); err != nil {
		return Account{}, err
	}
	if err := validateName("account", a.Name); err != nil {
		return Account{}, err
	}
	a.CreatedAt = s.now().UTC()
	_, err := s.db.ExecContext(ctx, s.q(`INSERT INTO accounts (id, name, created_at) VALUES (?, ?, ?)`),
		a.ID, a.Name, formatTime(a.CreatedAt))
	if isUniqueViolation(err) {
		return Account{}, fmt.Errorf("account %s already exists: %w", a.ID, ErrConflict)
	}
	if err != nil {
		return Account{}, fmt.Errorf("creating account %s: %w", a.ID, err)
	}
	return a, nil
}

// Account returns an account, or ErrNotFound.
func (s *Store) Account(ctx context.Context, id string) (Account, error) {
	a, err := scanAccount(s.rdb.QueryRowContext(ctx, s.q(`SELECT id, name, created_at FROM accounts WHERE id = ?`), id))
	if errors.Is(err, sql.ErrNoRows) {
		return Account{}, fmt.Errorf("account %s: %w", id, ErrNotFound)
	}
	if err != nil {
		return Account{}, fmt.Errorf("reading account %s: %w", id, err)
	}
	return a, nil
}

// ListAccounts returns accounts ordered by ID. It is for operators: no API caller sees accounts
// other than its own.
func (s *Store) ListAccounts(ctx context.Context, page Page) ([]Account, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT id, name, created_at FROM accounts
		ORDER BY id LIMIT ? OFFSET ?`), limit, offset)
	if err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	as, err := scanAll(rows, scanAccount)
	if err != nil {
		return nil, fmt.Errorf("listing accounts: %w", err)
	}
	return as, nil
}

// CreateSubAccount stores a new sub-account of an existing account (ErrNotFound otherwise) and
// returns it as stored. An ID the account already uses is ErrConflict; IDs follow the rules of
// Account.ID.
func (s *Store) CreateSubAccount(ctx context.Context, sa SubAccount) (SubAccount, error) {
	if err := validateID("subaccount", sa.ID); err != nil {
		return SubAccount{}, err
	}
	if err := validateName("subaccount", sa.Name); err != nil {
		return SubAccount{}, err
	}
	sa.CreatedAt = s.now().UTC()
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if err := s.accountExists(ctx, tx, sa.AccountID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO sub_accounts (account_id, id, name, created_at) VALUES (?, ?, ?, ?)`),
			sa.AccountID, sa.ID, sa.Name, formatTime(sa.CreatedAt))
		if isUniqueViolation(err) {
			return fmt.Errorf("subaccount %s already exists: %w", sa.ID, ErrConflict)
		}
		return err
	})
	if err != nil {
		return SubAccount{}, fmt.Errorf("creating subaccount %s of account %s: %w", sa.ID, sa.AccountID, err)
	}
	return sa, nil
}

// ListSubAccounts returns the sub-accounts of an account ordered by ID; an empty slice, not an
// error, when there are none or the account does not exist.
func (s *Store) ListSubAccounts(ctx context.Context, accountID string, page Page) ([]SubAccount, error) {
	limit, offset, err := page.bounds()
	if err != nil {
		return nil, err
	}
	rows, err := s.rdb.QueryContext(ctx, s.q(`SELECT account_id, id, name, created_at FROM sub_accounts
		WHERE account_id = ? ORDER BY id LIMIT ? OFFSET ?`), accountID, limit, offset)
	if err != nil {
		return nil, fmt.Errorf("listing subaccounts of account %s: %w", accountID, err)
	}
	sas, err := scanAll(rows, scanSubAccount)
	if err != nil {
		return nil, fmt.Errorf("listing subaccounts of account %s: %w", accountID, err)
	}
	return sas, nil
}

// SubAccount returns one sub-account of the account, or ErrNotFound.
func (s *Store) SubAccount(ctx context.Context, accountID, id string) (SubAccount, error) {
	sa, err := scanSubAccount(s.rdb.QueryRowContext(ctx, s.q(`SELECT account_id, id, name, created_at FROM sub_accounts
		WHERE account_id = ? AND id = ?`), accountID, id))
	if errors.Is(err, sql.ErrNoRows) {
		err = ErrNotFound
	}
	if err != nil {
		return SubAccount{}, fmt.Errorf("reading subaccount %s of account %s: %w", id, accountID, err)
	}
	return sa, nil
}

// DeleteSubAccount deletes a sub-account of the account, or returns ErrNotFound. Its ID may be
// used again. Definitions that name it are left as they are.
func (s *Store) DeleteSubAccount(ctx context.Context, accountID, id string) error {
	res, err := s.db.ExecContext(ctx, s.q(`DELETE FROM sub_accounts WHERE account_id = ? AND id = ?`), accountID, id)
	if err := affectedOne(res, err); err != nil {
		return fmt.Errorf("deleting subaccount %s of account %s: %w", id, accountID, err)
	}
	return nil
}

// accountExists returns ErrNotFound unless the account exists.
func (s *Store) accountExists(ctx context.Context, tx *sql.Tx, accountID string) error {
	var one int
	err := tx.QueryRowContext(ctx, s.q(`SELECT 1 FROM accounts WHERE id = ?`), accountID).Scan(&one)
	if errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("account %s: %w", accountID, ErrNotFound)
	}
	return err
}

func scanAccount(row scanner) (Account, error) {
	var (
		a       Account
		created string
		err     error
	)
	if err = row.Scan(&a.ID, &a.Name, &created); err != nil {
		return Account{}, err
	}
	if a.CreatedAt, err = parseTime(created); err != nil {
		return Account{}, err
	}
	return a, nil
}

func scanSubAccount(row scanner) (SubAccount, error) {
	var (
		sa      SubAccount
		created string
		err     error
	)
	if err = row.Scan(&sa.AccountID, &sa.ID, &sa.Name, &created); err != nil {
		return SubAccount{}, err
	}
	if sa.CreatedAt, err = parseTime(created); err != nil {
		return SubAccount{}, err
	}
	return sa, nil
}

// scanAll reads and closes rows with scan; the result is never nil.
func scanAll[T any](rows *sql.Rows, scan func(scanner) (T, error)) ([]T, error) {
	defer rows.Close()
	out := []T{}
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}
