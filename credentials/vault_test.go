package credentials_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

func newSecrets(t *testing.T) (*credentials.Secrets, *vaultx.Client) {
	t.Helper()
	addr, token := vaulttest.Start(t)
	vc, err := vaultx.New(context.Background(), vaultx.Config{Address: addr, Token: vaultx.Secret(token), CacheTTL: -1, Timeout: 3 * time.Second})
	if err != nil {
		t.Fatalf("vaultx.New: %v", err)
	}
	t.Cleanup(func() { _ = vc.Close() })
	return credentials.New(vc, ""), vc
}

// TestSecretsAgainstVault runs every write and read of package credentials
// against a real Vault: a merge changes only the keys it names, writers
// that race each other all land (check-and-set, then again), and a
// connection's deletion takes its OAuth2 token with it.
func TestSecretsAgainstVault(t *testing.T) {
	ctx := context.Background()
	s, vc := newSecrets(t)

	if err := s.CreateConnection(ctx, "acme", "c1", map[string]any{"password": vaultx.Secret("pw-1"), "webhook_secret": vaultx.Secret("wh-1")}); err != nil {
		t.Fatal(err)
	}
	if err := s.CreateConnection(ctx, "acme", "c1", map[string]any{"password": vaultx.Secret("other")}); !errors.Is(err, credentials.ErrConflict) {
		t.Fatalf("a second create of the same connection: %v, want ErrConflict", err)
	}
	if err := s.UpdateConnection(ctx, "acme", "c1", map[string]any{"password": vaultx.Secret("pw-2")}, nil); err != nil {
		t.Fatal(err)
	}
	got, err := s.Connection(ctx, "acme", "c1")
	if err != nil || got["password"] != "pw-2" || got["webhook_secret"] != "wh-1" {
		t.Fatalf("after an update of one field: %d fields (%v)", len(got), err)
	}
	if err := s.UpdateConnection(ctx, "acme", "c1", nil, []string{"webhook_secret"}); err != nil {
		t.Fatal(err)
	}
	if secret, err := s.WebhookSecret(ctx, "acme", "c1", "webhook_secret"); err != nil || secret != "" {
		t.Fatalf("a cleared webhook secret reads %d bytes (%v)", len(secret), err)
	}
	if secret, err := s.WebhookSecret(ctx, "acme", "none", "webhook_secret"); err != nil || secret != "" {
		t.Fatalf("a connection without secrets: %d bytes (%v)", len(secret), err)
	}

	// Writers racing on one entry: each merge lands, none is lost. Four
	// writers conflict at most three times each, inside the five attempts
	// a merge makes.
	var wg sync.WaitGroup
	names := []string{"A", "B", "C", "D"}
	errs := make([]error, len(names))
	for i, name := range names {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = s.UpdateEnv(ctx, "acme", "http", "1.0.0", map[string]string{name: "v-" + name}, nil)
		}()
	}
	wg.Wait()
	env, err := s.Env(ctx, "acme", "http", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	for i, name := range names {
		if errs[i] != nil {
			t.Errorf("writer %s: %v", name, errs[i])
		}
		if env[name] != "v-"+name {
			t.Errorf("writer %s succeeded but its value is %q", name, env[name])
		}
	}
	if err := s.UpdateEnv(ctx, "acme", "http", "1.0.0", nil, []string{"A"}); err != nil {
		t.Fatal(err)
	}
	if env, err := s.Env(ctx, "acme", "http", "1.0.0"); err != nil || env["A"] != "" {
		t.Fatalf("a cleared variable is still there (%v)", err)
	}
	if env, err := s.Env(ctx, "globex", "http", "1.0.0"); err != nil || len(env) != 0 {
		t.Fatalf("another account's environment: %d values (%v)", len(env), err)
	}

	token := credentials.TokenPath("", "acme", "c1")
	if _, err := vc.Write(ctx, token, map[string]any{"access_token": vaultx.Secret("tok")}, vaultx.CreateOnly); err != nil {
		t.Fatal(err)
	}
	if err := s.DeleteConnection(ctx, "acme", "c1"); err != nil {
		t.Fatal(err)
	}
	for _, path := range []string{credentials.ConnectionPath("", "acme", "c1"), token} {
		if _, err := vc.ReadFresh(ctx, path); !errors.Is(err, vaultx.ErrNotFound) {
			t.Errorf("%s after the connection's deletion: %v", path, err)
		}
	}
	if err := s.DeleteConnection(ctx, "acme", "c1"); err != nil {
		t.Errorf("deleting again: %v", err)
	}
}

func TestNotConfigured(t *testing.T) {
	s := credentials.New(nil, "")
	var typedNil *vaultx.Client
	for _, s := range []*credentials.Secrets{s, credentials.New(typedNil, ""), nil} {
		if s.Configured() {
			t.Fatal("configured without a Vault")
		}
		if err := s.UpdateEnv(context.Background(), "a", "b", "c", map[string]string{"X": "y"}, nil); !errors.Is(err, credentials.ErrNotConfigured) {
			t.Errorf("UpdateEnv without a Vault: %v", err)
		}
		if _, err := s.WebhookSecret(context.Background(), "a", "b", "c"); !errors.Is(err, credentials.ErrNotConfigured) {
			t.Errorf("WebhookSecret without a Vault: %v", err)
		}
	}
}

// TestTokens holds the OAuth2 token's two writers to their rules: a new
// authorization replaces whatever is stored, and a refresh lands only on
// the version it read, so a refresh that raced an authorization never
// overwrites the newer token.
func TestTokens(t *testing.T) {
	ctx := context.Background()
	s, _ := newSecrets(t)
	if _, err := s.Token(ctx, "acme", "c1"); !errors.Is(err, vaultx.ErrNotFound) {
		t.Fatalf("no token yet: %v", err)
	}
	v1, err := s.AuthorizeToken(ctx, "acme", "c1", map[string]any{"access_token": vaultx.Secret("a1"), "refresh_token": vaultx.Secret("r1")})
	if err != nil {
		t.Fatal(err)
	}
	read, err := s.FreshToken(ctx, "acme", "c1")
	if err != nil || read.Version != v1 || read.Values["access_token"] != "a1" {
		t.Fatalf("after authorizing: version %d (%v)", read.Version, err)
	}
	v2, err := s.RefreshToken(ctx, "acme", "c1", map[string]any{"access_token": vaultx.Secret("a2"), "refresh_token": vaultx.Secret("r2")}, v1)
	if err != nil || v2 <= v1 {
		t.Fatalf("refresh over the version read: %d (%v)", v2, err)
	}
	if _, err := s.RefreshToken(ctx, "acme", "c1", map[string]any{"access_token": vaultx.Secret("stale")}, v1); !errors.Is(err, credentials.ErrConflict) {
		t.Fatalf("a refresh over an older version: %v, want ErrConflict", err)
	}
	v3, err := s.AuthorizeToken(ctx, "acme", "c1", map[string]any{"access_token": vaultx.Secret("a3")})
	if err != nil || v3 <= v2 {
		t.Fatalf("a new authorization over a refreshed token: %d (%v)", v3, err)
	}
	if read, err := s.FreshToken(ctx, "acme", "c1"); err != nil || read.Values["access_token"] != "a3" || read.Values["refresh_token"] != "" {
		t.Fatalf("the authorization replaces the whole token (%v)", err)
	}
}
