package vaultx_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

// These tests run against a real Vault (vaulttest); each starts its own
// throwaway dev server, which takes about 0.1s.

// admin is a root client for setting the stage: policies, tokens, AppRole.
func admin(t *testing.T, addr, token string) *api.Client {
	t.Helper()
	vc, err := api.NewClient(&api.Config{Address: addr})
	require.NoError(t, err)
	vc.SetToken(token)
	return vc
}

func newClient(t *testing.T, cfg vaultx.Config) *vaultx.Client {
	t.Helper()
	c, err := vaultx.New(context.Background(), cfg)
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

func rootClient(t *testing.T) (*vaultx.Client, string, string) {
	t.Helper()
	addr, token := vaulttest.Start(t)
	return newClient(t, vaultx.Config{Address: addr, Token: vaultx.Secret(token)}), addr, token
}

func TestWriteReadRoundTrip(t *testing.T) {
	c, _, _ := rootClient(t)
	ctx := context.Background()

	v, err := c.Write(ctx, "accounts/a1/connections/c1", map[string]any{
		"api_key": "k-123",
		"token":   vaultx.Secret("s3cr3t-token"), // stored as its value, not "[redacted]"
		"port":    8443,
		"nested":  map[string]any{"a": true},
		"nothing": nil,
	}, vaultx.NoCAS)
	require.NoError(t, err)
	require.Equal(t, 1, v)

	e, err := c.Read(ctx, "/accounts/a1/connections/c1/")
	require.NoError(t, err)
	require.Equal(t, 1, e.Version)
	require.Equal(t, map[string]vaultx.Secret{
		"api_key": "k-123",
		"token":   "s3cr3t-token",
		"port":    "8443",
		"nested":  `{"a":true}`,
		"nothing": "",
	}, e.Data)

	// The caller's copy is its own: changing it does not change the cache.
	e.Data["api_key"] = "changed"
	e, err = c.Read(ctx, "accounts/a1/connections/c1")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("k-123"), e.Data["api_key"])

	v, err = c.Write(ctx, "accounts/a1/connections/c1", map[string]any{"api_key": "k-456"}, vaultx.NoCAS)
	require.NoError(t, err)
	require.Equal(t, 2, v)
	e, err = c.Read(ctx, "accounts/a1/connections/c1")
	require.NoError(t, err)
	require.Equal(t, 2, e.Version)
	require.Equal(t, map[string]vaultx.Secret{"api_key": "k-456"}, e.Data)

	require.NoError(t, c.Health(ctx))
}

func TestCheckAndSet(t *testing.T) {
	c, _, _ := rootClient(t)
	ctx := context.Background()
	const p = "oauth/conn-1"

	v, err := c.Write(ctx, p, map[string]any{"refresh_token": "r1"}, vaultx.CreateOnly)
	require.NoError(t, err)
	require.Equal(t, 1, v)

	_, err = c.Write(ctx, p, map[string]any{"refresh_token": "r-other"}, vaultx.CreateOnly)
	require.ErrorIs(t, err, vaultx.ErrCASConflict)

	v, err = c.Write(ctx, p, map[string]any{"refresh_token": "r2"}, 1)
	require.NoError(t, err)
	require.Equal(t, 2, v)

	// A writer that read version 1 loses.
	_, err = c.Write(ctx, p, map[string]any{"refresh_token": "r2-stale"}, 1)
	require.ErrorIs(t, err, vaultx.ErrCASConflict)
	require.NotErrorIs(t, err, vaultx.ErrUnavailable)

	e, err := c.Read(ctx, p)
	require.NoError(t, err)
	require.Equal(t, 2, e.Version)
	require.Equal(t, vaultx.Secret("r2"), e.Data["refresh_token"])

	_, err = c.Write(ctx, p, nil, -2)
	require.Error(t, err)
}

func TestNotFound(t *testing.T) {
	c, addr, token := rootClient(t)
	ctx := context.Background()

	_, err := c.Read(ctx, "does/not/exist")
	require.ErrorIs(t, err, vaultx.ErrNotFound)
	require.Contains(t, err.Error(), `"does/not/exist"`)

	// A missing mount is a configuration mistake, not a missing secret.
	other := newClient(t, vaultx.Config{Address: addr, Token: vaultx.Secret(token), KVMount: "nope"})
	_, err = other.Read(ctx, "x")
	require.Error(t, err)
	require.NotErrorIs(t, err, vaultx.ErrNotFound)

	for _, bad := range []string{"", "/", "a/../b", "a//b", "./a"} {
		_, err := c.Read(ctx, bad)
		require.Error(t, err, "path %q", bad)
	}
}

func TestDelete(t *testing.T) {
	c, _, _ := rootClient(t)
	ctx := context.Background()

	for range 3 {
		_, err := c.Write(ctx, "del/me", map[string]any{"v": "x"}, vaultx.NoCAS)
		require.NoError(t, err)
	}
	_, err := c.Read(ctx, "del/me") // cached now
	require.NoError(t, err)

	require.NoError(t, c.Delete(ctx, "del/me"))
	_, err = c.Read(ctx, "del/me")
	require.ErrorIs(t, err, vaultx.ErrNotFound)
	keys, err := c.List(ctx, "del")
	require.NoError(t, err)
	require.Empty(t, keys)

	// All versions went: a create-only write succeeds again, at version 1.
	v, err := c.Write(ctx, "del/me", map[string]any{"v": "y"}, vaultx.CreateOnly)
	require.NoError(t, err)
	require.Equal(t, 1, v)

	require.NoError(t, c.Delete(ctx, "never/existed"))
}

func TestList(t *testing.T) {
	c, _, _ := rootClient(t)
	ctx := context.Background()
	for _, p := range []string{"acc/a1/c1", "acc/a1/c2", "acc/a2/c1", "acc/top"} {
		_, err := c.Write(ctx, p, map[string]any{"k": "v"}, vaultx.NoCAS)
		require.NoError(t, err)
	}

	keys, err := c.List(ctx, "acc")
	require.NoError(t, err)
	require.Equal(t, []string{"a1/", "a2/", "top"}, keys)

	keys, err = c.List(ctx, "/acc/a1/")
	require.NoError(t, err)
	require.Equal(t, []string{"c1", "c2"}, keys)

	keys, err = c.List(ctx, "")
	require.NoError(t, err)
	require.Equal(t, []string{"acc/"}, keys)

	keys, err = c.List(ctx, "nothing/here")
	require.NoError(t, err)
	require.Empty(t, keys)
}

const readOnlyPolicy = `
path "secret/data/ro/*" { capabilities = ["read"] }
path "secret/metadata/ro/*" { capabilities = ["list"] }
`

func TestPermissionDenied(t *testing.T) {
	root, addr, rootToken := rootClient(t)
	ctx := context.Background()
	vc := admin(t, addr, rootToken)
	require.NoError(t, vc.Sys().PutPolicy("ro", readOnlyPolicy))
	tok, err := vc.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"ro"}})
	require.NoError(t, err)
	_, err = root.Write(ctx, "ro/x", map[string]any{"v": "visible"}, vaultx.NoCAS)
	require.NoError(t, err)
	_, err = root.Write(ctx, "rw/x", map[string]any{"v": "hidden"}, vaultx.NoCAS)
	require.NoError(t, err)

	c := newClient(t, vaultx.Config{Address: addr, Token: vaultx.Secret(tok.Auth.ClientToken)})
	e, err := c.Read(ctx, "ro/x")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("visible"), e.Data["v"])

	_, err = c.Write(ctx, "ro/x", map[string]any{"v": "nope"}, vaultx.NoCAS)
	require.ErrorIs(t, err, vaultx.ErrPermissionDenied)
	_, err = c.Read(ctx, "rw/x")
	require.ErrorIs(t, err, vaultx.ErrPermissionDenied)
	require.ErrorIs(t, c.Delete(ctx, "ro/x"), vaultx.ErrPermissionDenied)

	// A token Vault does not know is refused when the client is created.
	_, err = vaultx.New(ctx, vaultx.Config{Address: addr, Token: "hvs.not-a-real-token"})
	require.ErrorIs(t, err, vaultx.ErrPermissionDenied)
}

// setupAppRole enables AppRole with a role that may read and write
// secret/app/*, and returns its role ID and a secret ID.
func setupAppRole(t *testing.T, vc *api.Client, role map[string]any) (roleID, secretID string) {
	t.Helper()
	require.NoError(t, vc.Sys().EnableAuthWithOptions("approle", &api.EnableAuthOptions{Type: "approle"}))
	require.NoError(t, vc.Sys().PutPolicy("app", `
path "secret/data/app/*" { capabilities = ["create", "read", "update"] }
path "secret/metadata/app/*" { capabilities = ["list", "delete"] }
`))
	role["token_policies"] = "app"
	_, err := vc.Logical().Write("auth/approle/role/junction", role)
	require.NoError(t, err)
	s, err := vc.Logical().Read("auth/approle/role/junction/role-id")
	require.NoError(t, err)
	roleID = s.Data["role_id"].(string)
	s, err = vc.Logical().Write("auth/approle/role/junction/secret-id", nil)
	require.NoError(t, err)
	return roleID, s.Data["secret_id"].(string)
}

func TestAppRoleLogin(t *testing.T) {
	root, addr, rootToken := rootClient(t)
	ctx := context.Background()
	roleID, secretID := setupAppRole(t, admin(t, addr, rootToken), map[string]any{"token_ttl": "1h"})
	_, err := root.Write(ctx, "app/conn", map[string]any{"password": "pw-approle"}, vaultx.NoCAS)
	require.NoError(t, err)
	_, err = root.Write(ctx, "other/conn", map[string]any{"password": "pw-other"}, vaultx.NoCAS)
	require.NoError(t, err)

	c := newClient(t, vaultx.Config{
		Address: addr,
		AppRole: &vaultx.AppRole{RoleID: roleID, SecretID: vaultx.Secret(secretID)},
	})
	e, err := c.Read(ctx, "app/conn")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("pw-approle"), e.Data["password"])
	v, err := c.Write(ctx, "app/conn", map[string]any{"password": "pw2"}, e.Version)
	require.NoError(t, err)
	require.Equal(t, 2, v)

	// A policy refusal is not mistaken for a dead token: no new login.
	before := vaultx.TokenOf(c)
	_, err = c.Read(ctx, "other/conn")
	require.ErrorIs(t, err, vaultx.ErrPermissionDenied)
	require.Equal(t, before, vaultx.TokenOf(c))

	// A revoked token is replaced by a new login on the next request.
	require.NoError(t, admin(t, addr, rootToken).Auth().Token().RevokeOrphan(before))
	_, err = c.Read(ctx, "app/conn2-missing")
	require.ErrorIs(t, err, vaultx.ErrNotFound)
	require.NotEqual(t, before, vaultx.TokenOf(c))

	// Wrong credentials are a permission error, and say nothing secret.
	_, err = vaultx.New(ctx, vaultx.Config{
		Address: addr,
		AppRole: &vaultx.AppRole{RoleID: roleID, SecretID: "wrong-secret-id-value"},
	})
	require.ErrorIs(t, err, vaultx.ErrPermissionDenied)
	require.NotContains(t, err.Error(), "wrong-secret-id-value")
}

func TestTokenRenewal(t *testing.T) {
	t.Parallel()
	_, addr, rootToken := rootClient(t)
	ctx := context.Background()
	vc := admin(t, addr, rootToken)
	require.NoError(t, vc.Sys().PutPolicy("rw", `path "secret/*" { capabilities = ["create", "read", "update", "list"] }`))
	renewable := true
	tok, err := vc.Auth().Token().Create(&api.TokenCreateRequest{
		Policies: []string{"rw"},
		// Long enough that a busy machine still renews in time (the
		// watcher renews at about two thirds of the TTL), short enough to
		// expire twice over during the test if renewal did not happen.
		TTL:       "6s",
		Renewable: &renewable,
	})
	require.NoError(t, err)

	c := newClient(t, vaultx.Config{Address: addr, Token: vaultx.Secret(tok.Auth.ClientToken), CacheTTL: -1})
	_, err = c.Write(ctx, "renew/x", map[string]any{"v": "1"}, vaultx.NoCAS)
	require.NoError(t, err)

	// Well past the 6s TTL, the token still works because it was renewed.
	time.Sleep(13 * time.Second)
	_, err = c.Read(ctx, "renew/x")
	require.NoError(t, err)
	s, err := vc.Auth().Token().Lookup(tok.Auth.ClientToken)
	require.NoError(t, err)
	ttl, err := s.TokenTTL()
	require.NoError(t, err)
	require.Greater(t, ttl, time.Duration(0))
}

func TestAppRoleRelogin(t *testing.T) {
	t.Parallel()
	_, addr, rootToken := rootClient(t)
	ctx := context.Background()
	// Renewable for 2s at a time, but never beyond 4s: the client must log
	// in again.
	roleID, secretID := setupAppRole(t, admin(t, addr, rootToken),
		map[string]any{"token_ttl": "2s", "token_max_ttl": "4s"})

	c := newClient(t, vaultx.Config{
		Address:  addr,
		AppRole:  &vaultx.AppRole{RoleID: roleID, SecretID: vaultx.Secret(secretID)},
		CacheTTL: -1,
	})
	first := vaultx.TokenOf(c)
	_, err := c.Write(ctx, "app/x", map[string]any{"v": "1"}, vaultx.NoCAS)
	require.NoError(t, err)

	time.Sleep(7 * time.Second)
	e, err := c.Read(ctx, "app/x")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("1"), e.Data["v"])
	require.NotEqual(t, first, vaultx.TokenOf(c), "the client should have logged in again")

	done := make(chan struct{})
	go func() { _ = c.Close(); close(done) }()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		t.Fatal("Close did not stop the renewal goroutine")
	}
}

func TestCache(t *testing.T) {
	_, addr, token := rootClient(t)
	ctx := context.Background()
	// Long enough that a busy machine reads again within it.
	const ttl = 3 * time.Second
	cached := newClient(t, vaultx.Config{Address: addr, Token: vaultx.Secret(token), CacheTTL: ttl})
	other := newClient(t, vaultx.Config{Address: addr, Token: vaultx.Secret(token), CacheTTL: -1})

	_, err := other.Write(ctx, "c/x", map[string]any{"v": "1"}, vaultx.NoCAS)
	require.NoError(t, err)
	e, err := cached.Read(ctx, "c/x")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("1"), e.Data["v"])

	// Another client's write is not seen until the TTL passes.
	_, err = other.Write(ctx, "c/x", map[string]any{"v": "2"}, vaultx.NoCAS)
	require.NoError(t, err)
	e, err = cached.Read(ctx, "c/x")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("1"), e.Data["v"])
	time.Sleep(ttl + 100*time.Millisecond)
	e, err = cached.Read(ctx, "c/x")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("2"), e.Data["v"])
	require.Equal(t, 2, e.Version)

	// The client's own write is seen at once.
	_, err = cached.Write(ctx, "c/x", map[string]any{"v": "3"}, vaultx.NoCAS)
	require.NoError(t, err)
	e, err = cached.Read(ctx, "c/x")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("3"), e.Data["v"])

	// So is a failed check-and-set: it proves the cached version stale.
	_, err = other.Write(ctx, "c/x", map[string]any{"v": "4"}, vaultx.NoCAS)
	require.NoError(t, err)
	_, err = cached.Write(ctx, "c/x", map[string]any{"v": "lost"}, e.Version)
	require.ErrorIs(t, err, vaultx.ErrCASConflict)
	e, err = cached.Read(ctx, "c/x")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("4"), e.Data["v"])

	// And its own delete.
	require.NoError(t, cached.Delete(ctx, "c/x"))
	_, err = cached.Read(ctx, "c/x")
	require.ErrorIs(t, err, vaultx.ErrNotFound)
}

func TestUnavailable(t *testing.T) {
	srv := vaulttest.StartServer(t)
	ctx := context.Background()
	c := newClient(t, vaultx.Config{Address: srv.Addr, Token: vaultx.Secret(srv.RootToken), Timeout: 3 * time.Second})
	_, err := c.Write(ctx, "u/x", map[string]any{"v": "1"}, vaultx.NoCAS)
	require.NoError(t, err)

	// Sealed: 503.
	require.NoError(t, admin(t, srv.Addr, srv.RootToken).Sys().Seal())
	_, err = c.Read(ctx, "u/x")
	require.ErrorIs(t, err, vaultx.ErrUnavailable)
	require.ErrorIs(t, c.Health(ctx), vaultx.ErrUnavailable)

	// Gone: connection refused.
	srv.Stop()
	start := time.Now()
	_, err = c.Read(ctx, "u/y")
	require.ErrorIs(t, err, vaultx.ErrUnavailable)
	require.Less(t, time.Since(start), 3*time.Second, "a refused connection should fail fast")
	_, err = c.Write(ctx, "u/y", map[string]any{"v": "2"}, vaultx.NoCAS)
	require.ErrorIs(t, err, vaultx.ErrUnavailable)
	_, err = c.List(ctx, "u")
	require.ErrorIs(t, err, vaultx.ErrUnavailable)
	require.ErrorIs(t, c.Delete(ctx, "u/x"), vaultx.ErrUnavailable)
	require.ErrorIs(t, c.Health(ctx), vaultx.ErrUnavailable)

	_, err = vaultx.New(ctx, vaultx.Config{Address: srv.Addr, Token: "t0k3n-for-a-dead-vault"})
	require.ErrorIs(t, err, vaultx.ErrUnavailable)

	// The caller's own cancellation is reported as such, not as an outage.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	_, err = c.Read(cctx, "u/z")
	require.ErrorIs(t, err, context.Canceled)
	require.NotErrorIs(t, err, vaultx.ErrUnavailable)
}

// TestErrorsCarryNoSecrets provokes every kind of error while writing
// secret values and checks that neither the values nor any token appear in
// what the errors print.
func TestErrorsCarryNoSecrets(t *testing.T) {
	srv := vaulttest.StartServer(t)
	ctx := context.Background()
	vc := admin(t, srv.Addr, srv.RootToken)
	roleID, secretID := setupAppRole(t, vc, map[string]any{"token_ttl": "1h"})
	require.NoError(t, vc.Sys().PutPolicy("ro", readOnlyPolicy))
	roTok, err := vc.Auth().Token().Create(&api.TokenCreateRequest{Policies: []string{"ro"}})
	require.NoError(t, err)

	values := map[string]any{
		"password":      "hunter2-super-secret",
		"refresh_token": vaultx.Secret("rt-0123456789abcdef"),
		"nested":        map[string]any{"key": "nested-secret-value"},
	}
	secrets := []string{srv.RootToken, secretID, roTok.Auth.ClientToken,
		"hunter2-super-secret", "rt-0123456789abcdef", "nested-secret-value", "bogus-secret-id-0042"}

	root := newClient(t, vaultx.Config{Address: srv.Addr, Token: vaultx.Secret(srv.RootToken)})
	ro := newClient(t, vaultx.Config{Address: srv.Addr, Token: vaultx.Secret(roTok.Auth.ClientToken)})
	app := newClient(t, vaultx.Config{Address: srv.Addr, AppRole: &vaultx.AppRole{RoleID: roleID, SecretID: vaultx.Secret(secretID)}})
	secrets = append(secrets, vaultx.TokenOf(app))

	var errs []error
	collect := func(err error) {
		t.Helper()
		require.Error(t, err)
		errs = append(errs, err)
	}
	_, err = root.Write(ctx, "s/x", values, vaultx.CreateOnly)
	require.NoError(t, err)
	_, err = root.Write(ctx, "s/x", values, vaultx.CreateOnly) // CAS conflict
	collect(err)
	_, err = ro.Write(ctx, "ro/x", values, vaultx.NoCAS) // permission denied
	collect(err)
	_, err = app.Write(ctx, "s/x", values, vaultx.NoCAS) // permission denied (AppRole)
	collect(err)
	_, err = root.Read(ctx, "s/missing") // not found
	collect(err)
	_, err = root.Write(ctx, "s/bad", map[string]any{"ch": make(chan int), "password": "hunter2-super-secret"}, vaultx.NoCAS)
	collect(err) // cannot be encoded
	_, err = vaultx.New(ctx, vaultx.Config{Address: srv.Addr, AppRole: &vaultx.AppRole{RoleID: roleID, SecretID: "bogus-secret-id-0042"}})
	collect(err)
	_, err = vaultx.New(ctx, vaultx.Config{Address: srv.Addr, Token: vaultx.Secret(srv.RootToken + "x")})
	collect(err)
	srv.Stop()
	_, err = root.Write(ctx, "s/x", values, vaultx.NoCAS) // unavailable
	collect(err)
	_, err = app.Read(ctx, "s/x")
	collect(err)

	for _, err := range errs {
		for _, text := range []string{err.Error(), fmt.Sprintf("%+v", err), fmt.Sprintf("%#v", err)} {
			for _, s := range secrets {
				require.NotContains(t, text, s, "error %q", err)
			}
		}
		var target interface{ Unwrap() error }
		require.True(t, errors.As(err, &target))
	}
}

func TestConfigValidation(t *testing.T) {
	ctx := context.Background()
	for name, cfg := range map[string]vaultx.Config{
		"no address":      {Token: "t"},
		"no auth":         {Address: "http://127.0.0.1:1"},
		"both":            {Address: "http://127.0.0.1:1", Token: "t", AppRole: &vaultx.AppRole{RoleID: "r", SecretID: "s"}},
		"no secret":       {Address: "http://127.0.0.1:1", AppRole: &vaultx.AppRole{RoleID: "r"}},
		"secret and file": {Address: "http://127.0.0.1:1", AppRole: &vaultx.AppRole{RoleID: "r", SecretID: "s", SecretIDFile: "/f"}},
		"no role id":      {Address: "http://127.0.0.1:1", AppRole: &vaultx.AppRole{SecretIDFile: "/f"}},
		"no k8s role":     {Address: "http://127.0.0.1:1", Kubernetes: &vaultx.Kubernetes{}},
		"approle and k8s": {Address: "http://127.0.0.1:1", AppRole: &vaultx.AppRole{RoleID: "r", SecretID: "s"}, Kubernetes: &vaultx.Kubernetes{Role: "j"}},
		"token and k8s":   {Address: "http://127.0.0.1:1", Token: "t", Kubernetes: &vaultx.Kubernetes{Role: "j"}},
		"bad cert":        {Address: "https://127.0.0.1:1", Token: "t", TLS: vaultx.TLSConfig{CACert: "/does/not/exist.pem"}},
	} {
		t.Run(name, func(t *testing.T) {
			_, err := vaultx.New(ctx, cfg)
			require.Error(t, err)
		})
	}
}

func TestConfigPrintsNoSecrets(t *testing.T) {
	cfg := vaultx.Config{
		Address: "http://127.0.0.1:8200",
		Token:   "root-token-value",
		AppRole: &vaultx.AppRole{RoleID: "role", SecretID: "secret-id-value"},
	}
	b, err := json.Marshal(cfg)
	require.NoError(t, err)
	for _, text := range []string{
		fmt.Sprintf("%v %+v %#v", cfg, cfg, cfg),
		fmt.Sprintf("%v %+v %#v", *cfg.AppRole, *cfg.AppRole, *cfg.AppRole),
		string(b),
	} {
		require.NotContains(t, text, "root-token-value")
		require.NotContains(t, text, "secret-id-value")
		require.True(t, strings.Contains(text, "[redacted]"), text)
	}
}
