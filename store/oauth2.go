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
	// AuthorizationURL is the provider's authorization URL without its
	// state, which the gateway adds when the link is opened.
	AuthorizationURL string
	// BrowserHash is StateHash of the nonce in the cookie of the browser
	// that opened the link ("" until one does): only that browser's
	// callback is accepted.
	BrowserHash string
	// Code is the authorization code, set by ClaimOAuth2Authorization.
	Code      string
	ExpiresAt time.Time
}

// ErrOtherBrowser is ClaimOAuth2Authorization's answer to a callback from
// a browser that did not open the flow's link.
var ErrOtherBrowser = fmt.Errorf("oauth2 authorization: the callback comes from a browser that did not open the authorization link: %w", ErrConflict)

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
	for _, v := range []string{a.Verifier, a.RedirectURL, a.AuthorizationURL} {
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
			(state_hash, account_id, connection_id, verifier, redirect_url, authorization_url, code, expires_at) VALUES (?, ?, ?, ?, ?, ?, '', ?)`),
			a.StateHash, a.AccountID, a.ConnectionID, a.Verifier, a.RedirectURL, a.AuthorizationURL, formatTime(a.ExpiresAt))
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

// BindOAuth2Authorization records that the browser with browserHash
// opened the link of the flow with stateHash, and returns the flow without
// its verifier. The first browser to open it binds it; the same browser
// may open it again (a reload). An unknown, expired or claimed flow, or
// one another browser opened, is ErrNotFound.
func (s *Store) BindOAuth2Authorization(ctx context.Context, stateHash, browserHash string) (OAuth2Authorization, error) {
	if !isHexSHA256(browserHash) {
		return OAuth2Authorization{}, fmt.Errorf("oauth2 browser hash: must be a hex SHA-256: %w", ErrInvalid)
	}
	a := OAuth2Authorization{StateHash: stateHash, BrowserHash: browserHash}
	var expires string
	err := s.db.QueryRowContext(ctx, s.q(`UPDATE oauth2_authorizations SET browser_hash = ?
		WHERE state_hash = ? AND code = '' AND expires_at > ? AND browser_hash IN ('', ?)
		RETURNING account_id, connection_id, redirect_url, authorization_url, expires_at`),
		browserHash, stateHash, formatTime(s.now()), browserHash).Scan(&a.AccountID, &a.ConnectionID, &a.RedirectURL, &a.AuthorizationURL, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		return OAuth2Authorization{}, fmt.Errorf("oauth2 authorization link: unknown, expired, used or opened in another browser: %w", ErrNotFound)
	}
	if err != nil {
		return OAuth2Authorization{}, fmt.Errorf("binding an oauth2 authorization to a browser: %w", err)
	}
	if a.ExpiresAt, err = parseTime(expires); err != nil {
		return OAuth2Authorization{}, err
	}
	return a, nil
}

// ClaimOAuth2Authorization records the code the provider sent back for
// the flow with stateHash, once, and only for the browser that opened its
// link (browserHash): an unknown, expired or already claimed state is
// ErrNotFound, another browser ErrOtherBrowser. It returns the flow
// without its verifier.
func (s *Store) ClaimOAuth2Authorization(ctx context.Context, stateHash, browserHash, code string) (OAuth2Authorization, error) {
	if code == "" || !storable(code) || len(code) > 4096 {
		return OAuth2Authorization{}, fmt.Errorf("oauth2 authorization code: must be 1 to 4096 bytes of text: %w", ErrInvalid)
	}
	if !isHexSHA256(browserHash) {
		return OAuth2Authorization{}, fmt.Errorf("oauth2 browser hash: must be a hex SHA-256: %w", ErrInvalid)
	}
	a := OAuth2Authorization{StateHash: stateHash, BrowserHash: browserHash}
	var expires string
	now := formatTime(s.now())
	err := s.db.QueryRowContext(ctx, s.q(`UPDATE oauth2_authorizations SET code = ?
		WHERE state_hash = ? AND code = '' AND expires_at > ? AND browser_hash = ?
		RETURNING account_id, connection_id, redirect_url, authorization_url, expires_at`),
		code, stateHash, now, browserHash).Scan(&a.AccountID, &a.ConnectionID, &a.RedirectURL, &a.AuthorizationURL, &expires)
	if errors.Is(err, sql.ErrNoRows) {
		// Say which: a flow still waiting for its callback was opened by
		// another browser, or by none.
		var n int
		if err := s.rdb.QueryRowContext(ctx, s.q(`SELECT COUNT(*) FROM oauth2_authorizations
			WHERE state_hash = ? AND code = '' AND expires_at > ?`), stateHash, now).Scan(&n); err != nil {
			return OAuth2Authorization{}, fmt.Errorf("claiming an oauth2 authorization: %w", err)
		}
		if n > 0 {
			return OAuth2Authorization{}, ErrOtherBrowser
		}
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

// isHexSHA256 says whether s is what StateHash returns.
func isHexSHA256(s string) bool {
	if len(s) != sha256.Size*2 {
		return false
	}
	_, err := hex.DecodeString(s)
	return err == nil
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
