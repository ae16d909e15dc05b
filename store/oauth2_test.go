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
		browser := StateHash("nonce-1")
		if _, err := s.BindOAuth2Authorization(ctx, a.StateHash, browser); err != nil {
			t.Fatal(err)
		}
		got, err := s.ClaimOAuth2Authorization(ctx, a.StateHash, browser, "code-1")
		if err != nil {
			t.Fatal(err)
		}
		if got.AccountID != "acme" || got.ConnectionID != conn.ID || got.Verifier != "" || got.RedirectURL != a.RedirectURL {
			t.Errorf("claimed %+v", got)
		}
		if _, err := s.ClaimOAuth2Authorization(ctx, a.StateHash, browser, "code-2"); !errors.Is(err, ErrNotFound) {
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
		if _, err := s.ClaimOAuth2Authorization(ctx, expired.StateHash, browser, "code-3"); !errors.Is(err, ErrNotFound) {
			t.Errorf("claiming an expired flow: %v, want ErrNotFound", err)
		}
	})
}

// TestOAuth2AuthorizationIsBoundToOneBrowser: the first browser to open the
// link binds the flow; only its callback claims it, and another browser's
// neither binds nor spends it.
func TestOAuth2AuthorizationIsBoundToOneBrowser(t *testing.T) {
	forEachDB(t, func(t *testing.T, url string) {
		ctx := context.Background()
		s, clock := newTestStore(t, url)
		mustCreateAccount(t, s, "acme")
		conn := mustCreateConnection(t, s, Connection{AccountID: "acme", App: "http", AuthKind: "oauth2_authorization_code"})
		a := OAuth2Authorization{StateHash: StateHash("state-1"), AccountID: "acme", ConnectionID: conn.ID,
			RedirectURL: "https://j.example/api/v1/oauth2/callback", AuthorizationURL: "https://provider.example/authorize?client_id=c",
			ExpiresAt: clock.Now().Add(time.Hour)}
		if err := s.CreateOAuth2Authorization(ctx, a); err != nil {
			t.Fatal(err)
		}
		mine, theirs := StateHash("nonce-mine"), StateHash("nonce-theirs")
		if _, err := s.ClaimOAuth2Authorization(ctx, a.StateHash, mine, "code-0"); !errors.Is(err, ErrOtherBrowser) {
			t.Errorf("a callback before any browser opened the link: %v, want ErrOtherBrowser", err)
		}
		if _, err := s.BindOAuth2Authorization(ctx, a.StateHash, "not a hash"); !errors.Is(err, ErrInvalid) {
			t.Errorf("a bad browser hash: %v, want ErrInvalid", err)
		}
		bound, err := s.BindOAuth2Authorization(ctx, a.StateHash, mine)
		if err != nil {
			t.Fatal(err)
		}
		if bound.AuthorizationURL != a.AuthorizationURL || bound.ConnectionID != conn.ID || bound.Verifier != "" {
			t.Errorf("bound %+v", bound)
		}
		if _, err := s.BindOAuth2Authorization(ctx, a.StateHash, mine); err != nil {
			t.Errorf("the same browser again (a reload): %v", err)
		}
		if _, err := s.BindOAuth2Authorization(ctx, a.StateHash, theirs); !errors.Is(err, ErrNotFound) {
			t.Errorf("another browser opening the link: %v, want ErrNotFound", err)
		}
		if _, err := s.BindOAuth2Authorization(ctx, StateHash("state-x"), mine); !errors.Is(err, ErrNotFound) {
			t.Errorf("an unknown link: %v, want ErrNotFound", err)
		}
		if _, err := s.ClaimOAuth2Authorization(ctx, a.StateHash, theirs, "code-1"); !errors.Is(err, ErrOtherBrowser) {
			t.Errorf("another browser's callback: %v, want ErrOtherBrowser", err)
		}
		if _, err := s.ClaimOAuth2Authorization(ctx, a.StateHash, mine, "code-2"); err != nil {
			t.Errorf("the browser's own callback after another's was refused: %v", err)
		}
		if _, err := s.ClaimOAuth2Authorization(ctx, a.StateHash, mine, "code-3"); !errors.Is(err, ErrNotFound) {
			t.Errorf("a second callback: %v, want ErrNotFound", err)
		}
		if _, err := s.BindOAuth2Authorization(ctx, a.StateHash, mine); !errors.Is(err, ErrNotFound) {
			t.Errorf("opening the link of a claimed flow: %v, want ErrNotFound", err)
		}
		taken, err := s.TakeOAuth2Authorization(ctx, a.StateHash)
		if err != nil || taken.Code != "code-2" {
			t.Errorf("taken %+v %v, want code-2", taken, err)
		}
	})
}
