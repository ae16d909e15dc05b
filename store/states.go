package store

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// MaxStateBytes bounds one state's values, encoded: a state is read into
// every run that uses it.
const MaxStateBytes = 64 << 10

// StateRef names one state: an account's (Key ""), a user's (Key: the user's channel address,
// runs.AwaitKey) or a conversation's (Key: the conversation's id).
type StateRef struct {
	AccountID string
	Scope     string // "account", "user" or "conversation"
	Key       string
}

func (r StateRef) validate() error {
	if err := validateID("account", r.AccountID); err != nil {
		return err
	}
	switch {
	case r.Scope == "account" && r.Key == "":
	case (r.Scope == "user" || r.Scope == "conversation") && r.Key != "" && len(r.Key) <= 256 && storable(r.Key):
	default:
		return fmt.Errorf("state %s %q: want scope account, user or conversation; an account state has no key, a user's or a conversation's has one (at most 256 bytes): %w", r.Scope, r.Key, ErrInvalid)
	}
	return nil
}

// State reads a state's values; one never written, or expired, is empty.
func (s *Store) State(ctx context.Context, ref StateRef) (map[string]any, error) {
	if err := ref.validate(); err != nil {
		return nil, err
	}
	values, err := s.readState(ctx, s.rdb, ref, false)
	if err != nil {
		return nil, fmt.Errorf("reading state %s: %w", ref.Scope, err)
	}
	return values, nil
}

// queryer is a *sql.DB or a *sql.Tx.
type queryer interface {
	QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row
}

func (s *Store) readState(ctx context.Context, q queryer, ref StateRef, lock bool) (map[string]any, error) {
	query := `SELECT state, expires_at FROM states WHERE account_id = ? AND scope = ? AND scope_key = ?`
	if lock && s.dialect == DialectPostgres {
		query += ` FOR UPDATE`
	}
	var text, expires string
	err := q.QueryRowContext(ctx, s.q(query), ref.AccountID, ref.Scope, ref.Key).Scan(&text, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return map[string]any{}, nil
	}
	if err != nil {
		return nil, err
	}
	if expires != "" {
		at, err := parseTime(expires)
		if err != nil {
			return nil, err
		}
		if !s.now().Before(at) {
			return map[string]any{}, nil
		}
	}
	values := map[string]any{}
	if err := json.Unmarshal([]byte(text), &values); err != nil {
		return nil, fmt.Errorf("decoding the stored state: %w", err)
	}
	return values, nil
}

// UpdateState replaces a state's values with what update makes of the
// current ones, in one transaction: the row is locked (PostgreSQL) or the
// database's writer held (SQLite) from the read to the write, so
// concurrent updates apply one after the other. expiresIn, when positive,
// makes the values expire that long after the write; 0 keeps none.
func (s *Store) UpdateState(ctx context.Context, ref StateRef, expiresIn time.Duration, update func(current map[string]any) (map[string]any, error)) (map[string]any, error) {
	if err := ref.validate(); err != nil {
		return nil, err
	}
	var out map[string]any
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		// The row must exist for PostgreSQL to lock it.
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO states (account_id, scope, scope_key, state, updated_at)
			VALUES (?, ?, ?, '{}', ?) ON CONFLICT (account_id, scope, scope_key) DO NOTHING`),
			ref.AccountID, ref.Scope, ref.Key, formatTime(s.now())); err != nil {
			return err
		}
		current, err := s.readState(ctx, tx, ref, true)
		if err != nil {
			return err
		}
		next, err := update(current)
		if err != nil {
			return err
		}
		return s.writeState(ctx, tx, ref, next, expiresIn)
	})
	if err != nil {
		return nil, fmt.Errorf("writing state %s: %w", ref.Scope, err)
	}
	out, err = s.State(ctx, ref)
	return out, err
}

// PutState replaces a state's values (the API's PUT).
func (s *Store) PutState(ctx context.Context, ref StateRef, values map[string]any) error {
	if err := ref.validate(); err != nil {
		return err
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`INSERT INTO states (account_id, scope, scope_key, state, updated_at)
			VALUES (?, ?, ?, '{}', ?) ON CONFLICT (account_id, scope, scope_key) DO NOTHING`),
			ref.AccountID, ref.Scope, ref.Key, formatTime(s.now())); err != nil {
			return err
		}
		return s.writeState(ctx, tx, ref, values, 0)
	})
	if err != nil {
		return fmt.Errorf("writing state %s: %w", ref.Scope, err)
	}
	return nil
}

func (s *Store) writeState(ctx context.Context, tx *sql.Tx, ref StateRef, values map[string]any, expiresIn time.Duration) error {
	if values == nil {
		values = map[string]any{}
	}
	b, err := json.Marshal(values)
	if err != nil {
		return fmt.Errorf("encoding the state: %w", err)
	}
	if len(b) > MaxStateBytes {
		return fmt.Errorf("the state is %d bytes encoded, over %d: %w", len(b), MaxStateBytes, ErrInvalid)
	}
	if !storable(string(b)) {
		return fmt.Errorf("the state must be valid UTF-8 without NUL bytes: %w", ErrInvalid)
	}
	expires := ""
	if expiresIn > 0 {
		expires = formatTime(s.now().Add(expiresIn))
	}
	_, err = tx.ExecContext(ctx, s.q(`UPDATE states SET state = ?, updated_at = ?, expires_at = ?
		WHERE account_id = ? AND scope = ? AND scope_key = ?`),
		string(b), formatTime(s.now()), expires, ref.AccountID, ref.Scope, ref.Key)
	return err
}

// DeleteState forgets a state; forgetting what is not there is no error.
func (s *Store) DeleteState(ctx context.Context, ref StateRef) error {
	if err := ref.validate(); err != nil {
		return err
	}
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM states WHERE account_id = ? AND scope = ? AND scope_key = ?`),
		ref.AccountID, ref.Scope, ref.Key); err != nil {
		return fmt.Errorf("deleting state %s: %w", ref.Scope, err)
	}
	return nil
}
