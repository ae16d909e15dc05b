package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// MaxSessionsPerKey bounds how many live sessions one API key has: a key
// signing in once more ends its oldest. Browsers sign in by hand, so a
// person meets the bound only with that many browsers at once.
const MaxSessionsPerKey = 20

// CreateKeySession records a browser's sign-in with the API key keyID, under
// sessionHash (StateHash of the session id the browser's cookie holds),
// for ttl by the store's clock, which is also the one KeyOfSession judges
// expiry by. It purges expired sessions, and ends the key's oldest ones
// beyond MaxSessionsPerKey, so the table is bounded by the keys. The key must
// exist and not be revoked (ErrNotFound otherwise).
func (s *Store) CreateKeySession(ctx context.Context, sessionHash, keyID string, ttl time.Duration) error {
	if !isHexSHA256(sessionHash) || keyID == "" || ttl <= 0 {
		return fmt.Errorf("API key session: session hash, key and a positive lifetime are required: %w", ErrInvalid)
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		t := s.now()
		now := formatTime(t)
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM api_key_sessions WHERE expires_at <= ?`), now); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM api_keys WHERE id = ? AND revoked_at IS NULL`), keyID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("API key %s: %w", keyID, ErrNotFound)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO api_key_sessions (session_hash, key_id, created_at, expires_at) VALUES (?, ?, ?, ?)`),
			sessionHash, keyID, now, formatTime(t.Add(ttl)))
		if isUniqueViolation(err) {
			return fmt.Errorf("session id already in use: %w", ErrConflict)
		}
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, s.q(`DELETE FROM api_key_sessions WHERE key_id = ? AND session_hash <> ? AND session_hash NOT IN (
			SELECT session_hash FROM api_key_sessions WHERE key_id = ? AND session_hash <> ? ORDER BY created_at DESC, session_hash LIMIT ?)`),
			keyID, sessionHash, keyID, sessionHash, MaxSessionsPerKey-1)
		return err
	})
	if err != nil {
		return fmt.Errorf("recording a session of API key %s: %w", keyID, err)
	}
	return nil
}

// KeyOfSession returns the API key a live session stands for. An unknown or
// expired session, or one whose key was revoked since, is ErrNotFound: the
// key is checked on every use, so revoking it ends its sessions at once.
func (s *Store) KeyOfSession(ctx context.Context, sessionHash string) (APIKey, error) {
	k, err := scanAPIKey(s.rdb.QueryRowContext(ctx, s.q(`SELECT `+keyColumns+` FROM api_keys
		WHERE revoked_at IS NULL AND id = (SELECT key_id FROM api_key_sessions WHERE session_hash = ? AND expires_at > ?)`),
		sessionHash, formatTime(s.now())))
	if errors.Is(err, sql.ErrNoRows) {
		return APIKey{}, fmt.Errorf("API key session: unknown, expired or its key revoked: %w", ErrNotFound)
	}
	if err != nil {
		return APIKey{}, fmt.Errorf("reading an API key session: %w", err)
	}
	return k, nil
}

// EndKeySession ends one session (a browser signing out). Ending a session
// that is unknown or already over is not an error: the outcome is the same.
func (s *Store) EndKeySession(ctx context.Context, sessionHash string) error {
	if _, err := s.db.ExecContext(ctx, s.q(`DELETE FROM api_key_sessions WHERE session_hash = ?`), sessionHash); err != nil {
		return fmt.Errorf("ending an API key session: %w", err)
	}
	return nil
}
