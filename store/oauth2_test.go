package store

import (
	"context"
	"errors"
	"testing"
	"time"
)

func TestOAuth2AuthorizationIsSingleUseAndExpires(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		conn := mustCreateConnection(t, s, Connection{AccountID: "acme", App: "http", AuthKind: "oauth2_authorization_code"})
		future := clock.Now().Add(time.Hour)
		a := OAuth2Authorization{StateHash: StateHash("state-1"), AccountID: "acme", ConnectionID: conn.ID,
			Verifier: "verifier-1", RedirectURL: "https://j.example/api/v1/oauth2/callback", ExpiresAt: future}

		if err := s.CreateOAuth2Authorization(ctx, OAuth2Authorization{StateHash: "short"}); !errors.Is(err, ErrInvalid) {
			t.Errorf("a bad state hash: %v, want ErrInvalid", err)
		}
		other := a
		other.StateHash, other.ConnectionID = StateHash("state-x"), "8c0f4b1e-0000-4000-8000-000000000000"
		if err := s.CreateOAuth2Authorization(ctx, other); !errors.Is(err, ErrNotFound) {
			t.Errorf("a connection that does not exist: %v, want ErrNotFound", err)
		}
		if err := s.CreateOAuth2Authorization(ctx, a); err != nil {
			t.Fatal(err)
		}
		if err := s.CreateOAuth2Authorization(ctx, a); !errors.Is(err, ErrConflict) {
			t.Errorf("the same state twice: %v, want ErrConflict", err)
		}
		if _, err := s.TakeOAuth2Authorization(ctx, a.StateHash); !errors.Is(err, ErrNotFound) {
			t.Errorf("taking an unclaimed flow: %v, want ErrNotFound", err)
		}
		got, err := s.ClaimOAuth2Authorization(ctx, a.StateHash, "code-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.AccountID != "acme" || got.ConnectionID != conn.ID || got.Verifier != "" || got.RedirectURL != a.RedirectURL {
			t.Errorf("claimed %+v", got)
		}
		if _, err := s.ClaimOAuth2Authorization(ctx, a.StateHash, "code-2"); !errors.Is(err, ErrNotFound) {
			t.Errorf("claiming twice: %v, want ErrNotFound", err)
		}
		taken, err := s.TakeOAuth2Authorization(ctx, a.StateHash)
		if err != nil {
			t.Fatal(err)
		}
		if taken.Code != "code-1" || taken.Verifier != "verifier-1" || !taken.ExpiresAt.Equal(future) {
			t.Errorf("taken %+v", taken)
		}
		if _, err := s.TakeOAuth2Authorization(ctx, a.StateHash); !errors.Is(err, ErrNotFound) {
			t.Errorf("taking twice: %v, want ErrNotFound", err)
		}

		expired := a
		expired.StateHash, expired.ExpiresAt = StateHash("state-2"), clock.Now().Add(2*time.Second)
		if err := s.CreateOAuth2Authorization(ctx, expired); err != nil {
			t.Fatal(err)
		}
		clock.Now() // each call moves the clock by a second
		clock.Now()
		if _, err := s.ClaimOAuth2Authorization(ctx, expired.StateHash, "code-3"); !errors.Is(err, ErrNotFound) {
			t.Errorf("claiming an expired flow: %v, want ErrNotFound", err)
		}
	})
}
