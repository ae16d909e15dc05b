package store

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"time"
)

// OAuth2Authorization is an authorization-code flow in progress.
type OAuth2Authorization struct {
	// StateHash is StateHash(state); the state itself is never stored.
	StateHash    string
	AccountID    string
	ConnectionID string
	// Verifier is the PKCE code verifier ("" without PKCE).
	Verifier string
	// RedirectURL is the redirect_uri the flow was started with.
	RedirectURL string
	// Code is the authorization code, set by ClaimOAuth2Authorization.
	Code      string
	ExpiresAt time.Time
}

// StateHash is the key an authorization is stored under: the hex SHA-256
// of its state parameter.
func StateHash(state string) string {
	sum := sha256.Sum256([]byte(state))
	return hex.EncodeToString(sum[:])
}

// CreateOAuth2Authorization records a flow the gateway starts, and purges
// the expired ones. The connection must exist (ErrNotFound otherwise).
func (s *Store) CreateOAuth2Authorization(ctx context.Context, a OAuth2Authorization) error {
	if len(a.StateHash) != sha256.Size*2 || a.AccountID == "" || a.ConnectionID == "" || a.RedirectURL == "" || a.ExpiresAt.IsZero() {
		return fmt.Errorf("oauth2 authorization: state hash, account, connection, redirect URL and expiry are required: %w", ErrInvalid)
	}
	for _, v := range []string{a.Verifier, a.RedirectURL} {
		if !storable(v) {
			return fmt.Errorf("oauth2 authorization: text must be valid UTF-8 without NUL bytes: %w", ErrInvalid)
		}
	}
	err := s.inTx(ctx, func(tx *sql.Tx) error {
		if _, err := tx.ExecContext(ctx, s.q(`DELETE FROM oauth2_authorizations WHERE expires_at <= ?`), formatTime(s.now())); err != nil {
			return err
		}
		var n int
		if err := tx.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM connections WHERE account_id = ? AND id = ?`),
			a.AccountID, a.ConnectionID).Scan(&n); err != nil {
			return err
		}
		if n == 0 {
			return fmt.Errorf("connection %s: %w", a.ConnectionID, ErrNotFound)
		}
		_, err := tx.ExecContext(ctx, s.q(`INSERT INTO oauth2_authorizations
			(state_hash, account_id, connection_id, verifier, redirect_url, code, expires_at) VALUES (?, ?, ?, ?, ?, '', ?)`),
			a.StateHash, a.AccountID, a.ConnectionID, a.Verifier, a.RedirectURL, formatTime(a.ExpiresAt))
		if isUniqueViolation(err) {
			return fmt.Errorf("oauth2 state already in use: %w", ErrConflict)
		}
		return err
	})
	if err != nil {
		return fmt.Errorf("recording an oauth2 authorization of connection %s: %w", a.ConnectionID, err)
	}
	return nil
}

// ClaimOAuth2Authorization records the code the provider sent back for
// the flow with stateHash, once: an unknown, expired or already claimed
// state is ErrNotFound. It returns the flow without its verifier.
func (s *Store) ClaimOAuth2Authorization(ctx context.Context, stateHash, code string) (OAuth2Authorization, error) {
	if code == "" || !storable(code) || len(code) > 4096 {
		return OAuth2Authorization{}, fmt.Errorf("oauth2 authorization code: must be 1 to 4096 bytes of text: %w", ErrInvalid)
	}
	a := OAuth2Authorization{StateHash: stateHash}
	var expires string
	err := s.db.QueryRowContext(ctx, s.q(`UPDATE oauth2_authorizations SET code = ?
		WHERE state_hash = ? AND code = '' AND expires_at > ?
		RETURNING account_id, connection_id, redirect_url, expires_at`),
		code, stateHash, formatTime(s.now())).Scan(&a.AccountID, &a.ConnectionID, &a.RedirectURL, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return OAuth2Authorization{}, fmt.Errorf("oauth2 state: unknown, expired or already used: %w", ErrNotFound)
	}
	if err != nil {
		return OAuth2Authorization{}, fmt.Errorf("claiming an oauth2 authorization: %w", err)
	}
	if a.ExpiresAt, err = parseTime(expires); err != nil {
		return OAuth2Authorization{}, err
	}
	return a, nil
}

// TakeOAuth2Authorization deletes a claimed flow and returns it, code and
// verifier included, to the one caller that exchanges the code. A flow
// that is not claimed, or was already taken, is ErrNotFound.
func (s *Store) TakeOAuth2Authorization(ctx context.Context, stateHash string) (OAuth2Authorization, error) {
	a := OAuth2Authorization{StateHash: stateHash}
	var expires string
	err := s.db.QueryRowContext(ctx, s.q(`DELETE FROM oauth2_authorizations WHERE state_hash = ? AND code <> ''
		RETURNING account_id, connection_id, verifier, redirect_url, code, expires_at`), stateHash).
		Scan(&a.AccountID, &a.ConnectionID, &a.Verifier, &a.RedirectURL, &a.Code, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return OAuth2Authorization{}, fmt.Errorf("oauth2 authorization: not claimed or already taken: %w", ErrNotFound)
	}
	if err != nil {
		return OAuth2Authorization{}, fmt.Errorf("taking an oauth2 authorization: %w", err)
	}
	if a.ExpiresAt, err = parseTime(expires); err != nil {
		return OAuth2Authorization{}, err
	}
	return a, nil
}
