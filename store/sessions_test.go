package store

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"
)

// TestKeySessions: a session stands for its key until it expires or the
// key is revoked, and one key keeps at most MaxSessionsPerKey of them.
func TestKeySessions(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		key, _, err := s.CreateAPIKey(ctx, "acme", "operator", []string{ScopeAdmin})
		if err != nil {
			t.Fatal(err)
		}
		const day = 24 * time.Hour
		if err := s.CreateKeySession(ctx, "short", key.ID, day); !errors.Is(err, ErrInvalid) {
			t.Errorf("a bad session hash: %v, want ErrInvalid", err)
		}
		if err := s.CreateKeySession(ctx, StateHash("s-0"), "key_nope", day); !errors.Is(err, ErrNotFound) {
			t.Errorf("a key that does not exist: %v, want ErrNotFound", err)
		}
		if err := s.CreateKeySession(ctx, StateHash("s-1"), key.ID, day); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateKeySession(ctx, StateHash("s-1"), key.ID, day); !errors.Is(err, ErrConflict) {
			t.Errorf("the same session id twice: %v, want ErrConflict", err)
		}
		got, err := s.KeyOfSession(ctx, StateHash("s-1"))
		if err != nil || got.ID != key.ID || got.AccountID != "acme" {
			t.Fatalf("the session's key: %+v %v", got, err)
		}
		if _, err := s.KeyOfSession(ctx, StateHash("s-unknown")); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown session: %v, want ErrNotFound", err)
		}

		// The bound: the oldest sessions end.
		for i := range MaxSessionsPerKey + 5 {
			if err := s.CreateKeySession(ctx, StateHash(fmt.Sprint("b-", i)), key.ID, day); err != nil {
				t.Fatal(err)
			}
		}
		var n int
		if err := s.db.QueryRowContext(ctx, `SELECT COUNT(*) FROM api_key_sessions`).Scan(&n); err != nil || n != MaxSessionsPerKey {
			t.Errorf("%d sessions stored (%v), want %d", n, err, MaxSessionsPerKey)
		}
		if _, err := s.KeyOfSession(ctx, StateHash(fmt.Sprint("b-", MaxSessionsPerKey+4))); err != nil {
			t.Errorf("the newest session ended: %v", err)
		}
		if _, err := s.KeyOfSession(ctx, StateHash("s-1")); !errors.Is(err, ErrNotFound) {
			t.Errorf("the oldest session lives on: %v", err)
		}

		// Signing out ends that session only, and ending it twice is no error.
		if err := s.CreateKeySession(ctx, StateHash("signs-out"), key.ID, day); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if err := s.EndKeySession(ctx, StateHash("signs-out")); err != nil {
				t.Fatalf("ending a session: %v", err)
			}
		}
		if _, err := s.KeyOfSession(ctx, StateHash("signs-out")); !errors.Is(err, ErrNotFound) {
			t.Errorf("a session signed out of: %v, want ErrNotFound", err)
		}
		if _, err := s.KeyOfSession(ctx, StateHash(fmt.Sprint("b-", MaxSessionsPerKey+4))); err != nil {
			t.Errorf("another session after one signed out: %v", err)
		}

		// Expiry.
		if err := s.CreateKeySession(ctx, StateHash("short-lived"), key.ID, 2*time.Second); err != nil {
			t.Fatal(err)
		}
		clock.Now()
		clock.Now()
		if _, err := s.KeyOfSession(ctx, StateHash("short-lived")); !errors.Is(err, ErrNotFound) {
			t.Errorf("an expired session: %v, want ErrNotFound", err)
		}

		// Revocation ends them all at once.
		live := StateHash(fmt.Sprint("b-", MaxSessionsPerKey+4))
		if err := s.RevokeAPIKey(ctx, "acme", key.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := s.KeyOfSession(ctx, live); !errors.Is(err, ErrNotFound) {
			t.Errorf("a session of a revoked key: %v, want ErrNotFound", err)
		}
		if err := s.CreateKeySession(ctx, StateHash("after"), key.ID, day); !errors.Is(err, ErrNotFound) {
			t.Errorf("a new session of a revoked key: %v, want ErrNotFound", err)
		}
	})
}
