package devvault_test

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/stretchr/testify/require"
	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/internal/devvault"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

func start(t *testing.T, dir string) *devvault.Server {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devvault.Start(ctx, devvault.Config{
		DataDir: dir,
		Address: "127.0.0.1:0",
		Binary:  vaulttest.Binary(t),
		Logger:  zaptest.NewLogger(t),
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = s.Stop() })
	return s
}

func client(t *testing.T, s *devvault.Server) *vaultx.Client {
	t.Helper()
	c, err := vaultx.New(context.Background(), vaultx.Config{Address: s.Address, Token: s.RootToken, CacheTTL: -1})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestRestartKeepsSecrets is the point of the package: what `junction dev`
// stored survives a restart, which initialises nothing again and unseals
// with the saved key.
func TestRestartKeepsSecrets(t *testing.T) {
	dir := t.TempDir()
	ctx := context.Background()

	s := start(t, dir)
	_, err := client(t, s).Write(ctx, "accounts/a1/connections/c1", map[string]any{"api_key": "kept-across-restarts"}, vaultx.CreateOnly)
	require.NoError(t, err)
	firstRoot := s.RootToken
	firstAddr := s.Address
	require.NoError(t, s.Stop())
	require.NoError(t, s.Stop(), "Stop twice is fine")
	select {
	case <-s.Done():
	default:
		t.Fatal("Done not closed after Stop")
	}

	fi, err := os.Stat(filepath.Join(dir, "vault-keys.json"))
	require.NoError(t, err)
	require.Equal(t, os.FileMode(0o600), fi.Mode().Perm())
	var keys map[string]any
	b, err := os.ReadFile(filepath.Join(dir, "vault-keys.json"))
	require.NoError(t, err)
	require.NoError(t, json.Unmarshal(b, &keys))
	require.Contains(t, keys, "unseal_keys_b64")
	require.Equal(t, string(firstRoot), keys["root_token"])

	// Port 0 again: the restarted server most likely listens elsewhere,
	// which raft storage must not mind.
	s = start(t, dir)
	require.Equal(t, firstRoot, s.RootToken)
	t.Logf("first %s, then %s", firstAddr, s.Address)
	c := client(t, s)
	e, err := c.Read(ctx, "accounts/a1/connections/c1")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("kept-across-restarts"), e.Data["api_key"])
	require.Equal(t, 1, e.Version)
	require.NoError(t, c.Health(ctx))
}

// TestOrphanIsReplaced: a `junction dev` that died without stopping its
// Vault leaves it running on the data directory; the next start stops it.
func TestOrphanIsReplaced(t *testing.T) {
	dir := t.TempDir()
	orphan := start(t, dir)
	s := start(t, dir)
	select {
	case <-orphan.Done():
	case <-time.After(5 * time.Second):
		t.Fatal("the earlier Vault is still running")
	}
	require.NoError(t, client(t, s).Health(context.Background()))
}

func TestMissingKeysIsAnError(t *testing.T) {
	dir := t.TempDir()
	s := start(t, dir)
	require.NoError(t, s.Stop())
	require.NoError(t, os.Remove(filepath.Join(dir, "vault-keys.json")))

	_, err := devvault.Start(context.Background(), devvault.Config{
		DataDir: dir, Address: "127.0.0.1:0", Binary: vaulttest.Binary(t), Logger: zaptest.NewLogger(t),
	})
	require.ErrorContains(t, err, "keys are missing")
}

func TestFindBinary(t *testing.T) {
	bin := filepath.Join(t.TempDir(), "vault")
	require.NoError(t, os.WriteFile(bin, []byte("#!/bin/sh\n"), 0o755))
	t.Setenv("JUNCTION_VAULT_BIN", bin)
	got, err := devvault.FindBinary()
	require.NoError(t, err)
	require.Equal(t, bin, got)

	t.Setenv("JUNCTION_VAULT_BIN", filepath.Join(t.TempDir(), "missing"))
	_, err = devvault.FindBinary()
	require.ErrorContains(t, err, "JUNCTION_VAULT_BIN")
}
