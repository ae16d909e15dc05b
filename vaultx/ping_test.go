package vaultx_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

// TestPing: a Vault that answers and knows the token passes; a token
// revoked behind the client's back fails; a Vault that stopped fails as
// unavailable. No error quotes the token.
func TestPing(t *testing.T) {
	ctx := context.Background()
	srv := vaulttest.StartServer(t)
	token, err := admin(t, srv.Addr, srv.RootToken).Auth().Token().Create(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := newClient(t, vaultx.Config{Address: srv.Addr, Token: vaultx.Secret(token.Auth.ClientToken)})
	if err := c.Ping(ctx); err != nil {
		t.Fatalf("Ping: %v", err)
	}
	if err := admin(t, srv.Addr, srv.RootToken).Auth().Token().RevokeTree(token.Auth.ClientToken); err != nil {
		t.Fatal(err)
	}
	err = c.Ping(ctx)
	if !errors.Is(err, vaultx.ErrPermissionDenied) || strings.Contains(err.Error(), token.Auth.ClientToken) {
		t.Fatalf("Ping with a revoked token: %v, want permission denied without the token", err)
	}
	srv.Stop()
	stopped, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := c.Ping(stopped); !errors.Is(err, vaultx.ErrUnavailable) {
		t.Fatalf("Ping of a stopped Vault: %v, want unavailable", err)
	}
}
