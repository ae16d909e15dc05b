package vaultx_test

import (
	"context"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/junction-run/junction/vaultx"
)

func TestPatchKeepsOtherFieldsAndChecksTheVersion(t *testing.T) {
	c, _, _ := rootClient(t)
	ctx := context.Background()
	const p = "accounts/a1/connections/patched"

	_, err := c.Patch(ctx, p, map[string]any{"password": "x"}, 1)
	require.ErrorIs(t, err, vaultx.ErrNotFound, "patching a secret that does not exist")
	_, err = c.CurrentVersion(ctx, p)
	require.ErrorIs(t, err, vaultx.ErrNotFound)

	_, err = c.Write(ctx, p, map[string]any{"password": "p1", "client_secret": "c1", "old": "o"}, vaultx.CreateOnly)
	require.NoError(t, err)
	v, err := c.CurrentVersion(ctx, p)
	require.NoError(t, err)
	require.Equal(t, 1, v)

	v, err = c.Patch(ctx, p, map[string]any{"password": vaultx.Secret("p2"), "old": nil}, 1)
	require.NoError(t, err)
	require.Equal(t, 2, v)
	e, err := c.Read(ctx, p)
	require.NoError(t, err)
	require.Equal(t, map[string]vaultx.Secret{"password": "p2", "client_secret": "c1"}, e.Data)

	_, err = c.Patch(ctx, p, map[string]any{"password": "p3"}, 1)
	require.ErrorIs(t, err, vaultx.ErrCASConflict, "a writer that saw version 1")
	_, err = c.Patch(ctx, p, map[string]any{"password": "p3"}, 0)
	require.Error(t, err)
}

func TestReadFreshSkipsTheCache(t *testing.T) {
	c, addr, token := rootClient(t)
	other := newClient(t, vaultx.Config{Address: addr, Token: vaultx.Secret(token)})
	ctx := context.Background()
	const p = "oauth/fresh"

	_, err := c.Write(ctx, p, map[string]any{"access_token": "a1"}, vaultx.CreateOnly)
	require.NoError(t, err)
	e, err := other.Read(ctx, p) // cached by other now
	require.NoError(t, err)
	require.Equal(t, 1, e.Version)
	_, err = c.Write(ctx, p, map[string]any{"access_token": "a2"}, 1)
	require.NoError(t, err)

	e, err = other.Read(ctx, p)
	require.NoError(t, err)
	require.Equal(t, 1, e.Version, "the cached read (other's cache was not invalidated)")
	e, err = other.ReadFresh(ctx, p)
	require.NoError(t, err)
	require.Equal(t, 2, e.Version)
	require.Equal(t, vaultx.Secret("a2"), e.Data["access_token"])
}
