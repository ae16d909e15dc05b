package deploy_test

import (
	"context"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/require"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/internal/devvault"
	"github.com/junction-run/junction/payloadcodec"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

// runApproleInit runs deploy/vault/approle-init.sh against addr with the
// vault CLI of the test's Vault binary, as docker-compose.yml's vault-init
// step runs it with the Vault image's.
func runApproleInit(t *testing.T, addr, rootToken, dir string) {
	t.Helper()
	bin := t.TempDir()
	require.NoError(t, os.Symlink(vaulttest.Binary(t), filepath.Join(bin, "vault")))
	cmd := exec.Command("sh", filepath.Join("vault", "approle-init.sh"), dir)
	cmd.Env = append(devvault.EnvWithoutVault(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"VAULT_ADDR="+addr, "VAULT_TOKEN="+rootToken, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "approle-init.sh:\n%s", out)
	require.NotContains(t, string(out), rootToken)
}

// login logs in as process (worker or gateway) with the role and the
// secret id file approle-init.sh made for it.
func login(t *testing.T, addr, dir, process string) *vaultx.Client {
	t.Helper()
	c, err := vaultx.New(context.Background(), vaultx.Config{
		Address:  addr,
		AppRole:  &vaultx.AppRole{RoleID: "junction-" + process, SecretIDFile: filepath.Join(dir, process+"-secret-id")},
		CacheTTL: -1,
	})
	require.NoError(t, err)
	t.Cleanup(func() { _ = c.Close() })
	return c
}

// TestVaultPolicies: after approle-init.sh, the gateway and the worker log
// in with AppRole (the secret ids from the files it wrote), and every
// secret operation each makes passes its policy (junction-gateway.hcl,
// junction-worker.hcl) while what it never does is refused. A second run
// keeps the keyring and hands out new secret ids.
func TestVaultPolicies(t *testing.T) {
	ctx := context.Background()
	srv := vaulttest.StartServer(t)
	dir := t.TempDir()
	runApproleInit(t, srv.Addr, srv.RootToken, dir)
	gwVault, workerVault := login(t, srv.Addr, dir, "gateway"), login(t, srv.Addr, dir, "worker")
	gw, worker := credentials.New(gwVault, ""), credentials.New(workerVault, "")

	// Both read the payload keyring at start.
	var keys vaultx.Entry
	for _, vc := range []*vaultx.Client{gwVault, workerVault} {
		var err error
		keys, err = vc.Read(ctx, "junction/payload-keys")
		require.NoError(t, err)
		_, err = payloadcodec.ParseKeyring(string(keys.Data["keys"]))
		require.NoError(t, err)
	}

	// A connection: the gateway keeps its fields (the API), reads one to
	// verify a webhook; the worker reads them for a call, and stores and
	// refreshes its OAuth2 token.
	require.NoError(t, gw.CreateConnection(ctx, "acme", "c1", map[string]any{"api_key": "k1", "webhook_secret": "w1"}))
	require.NoError(t, gw.UpdateConnection(ctx, "acme", "c1", map[string]any{"api_key": "k2"}, []string{"old_field"}))
	secret, err := gw.WebhookSecret(ctx, "acme", "c1", "webhook_secret")
	require.NoError(t, err)
	require.Equal(t, "w1", secret)
	fields, err := worker.Connection(ctx, "acme", "c1")
	require.NoError(t, err)
	require.Equal(t, "k2", fields["api_key"])
	v, err := worker.AuthorizeToken(ctx, "acme", "c1", map[string]any{"access_token": "a1"})
	require.NoError(t, err)
	_, err = worker.RefreshToken(ctx, "acme", "c1", map[string]any{"access_token": "a2"}, v)
	require.NoError(t, err)
	_, err = worker.AuthorizeToken(ctx, "acme", "c1", map[string]any{"access_token": "a3"})
	require.NoError(t, err)
	tok, err := worker.FreshToken(ctx, "acme", "c1")
	require.NoError(t, err)
	require.Equal(t, "a3", tok.Values["access_token"])
	_, err = worker.Token(ctx, "acme", "c1")
	require.NoError(t, err)

	// An app's secret variables: the gateway patches them, the worker
	// reads them.
	require.NoError(t, gw.UpdateEnv(ctx, "acme", "crm", "1", map[string]string{"API_KEY": "e1", "OTHER": "o"}, nil))
	require.NoError(t, gw.UpdateEnv(ctx, "acme", "crm", "1", nil, []string{"OTHER"}))
	env, err := worker.Env(ctx, "acme", "crm", "1")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"API_KEY": "e1"}, env)

	// A subscription's secrets: written by the gateway, read by the worker
	// that sends the deliveries.
	require.NoError(t, gw.CreateSubscription(ctx, "acme", "s1", map[string]string{credentials.SigningSecretField(1): "whsec_1"}))
	require.NoError(t, gw.UpdateSubscription(ctx, "acme", "s1", map[string]string{credentials.SigningSecretField(2): "whsec_2"}, nil))
	sub, err := worker.Subscription(ctx, "acme", "s1")
	require.NoError(t, err)
	require.Equal(t, "whsec_2", sub[credentials.SigningSecretField(2)])

	// What each never does is refused.
	write := func(vc *vaultx.Client, path string, cas int) func() error {
		return func() error { _, err := vc.Write(ctx, path, map[string]any{"v": "x"}, cas); return err }
	}
	for name, op := range map[string]func() error{
		"gateway writes the keyring":                 write(gwVault, "junction/payload-keys", vaultx.NoCAS),
		"gateway overwrites a connection (no patch)": write(gwVault, "junction/accounts/acme/connections/c1", 2),
		"gateway reads outside the prefix":           func() error { _, err := gwVault.Read(ctx, "other/x"); return err },
		"gateway writes beside accounts/":            write(gwVault, "junction/accounts-old/x", vaultx.NoCAS),
		"gateway lists accounts":                     func() error { _, err := gwVault.List(ctx, "junction/accounts"); return err },
		"worker writes a connection":                 write(workerVault, "junction/accounts/acme/connections/c2", vaultx.CreateOnly),
		"worker writes an app's variables":           write(workerVault, "junction/accounts/acme/apps/crm/versions/1/env", 1),
		"worker deletes a connection":                func() error { return workerVault.Delete(ctx, "junction/accounts/acme/connections/c1") },
		"worker writes the keyring":                  write(workerVault, "junction/payload-keys", vaultx.NoCAS),
		"worker reads a connection's metadata": func() error {
			_, err := workerVault.CurrentVersion(ctx, "junction/accounts/acme/connections/c1")
			return err
		},
		"worker writes a token beside oauth2-token": write(workerVault, "junction/accounts/acme/connections/c1/oauth2-token-old", vaultx.NoCAS),
	} {
		require.ErrorIs(t, op(), vaultx.ErrPermissionDenied, name)
	}

	// The gateway deletes what it created.
	require.NoError(t, gw.DeleteEnv(ctx, "acme", "crm", "1"))
	require.NoError(t, gw.DeleteSubscription(ctx, "acme", "s1"))
	require.NoError(t, gw.DeleteConnection(ctx, "acme", "c1"))
	_, err = worker.Connection(ctx, "acme", "c1")
	require.ErrorIs(t, err, vaultx.ErrNotFound)
	_, err = worker.Token(ctx, "acme", "c1")
	require.ErrorIs(t, err, vaultx.ErrNotFound)

	// Again: the keyring stays, the files hold new secret ids that log in.
	first, err := os.ReadFile(filepath.Join(dir, "worker-secret-id"))
	require.NoError(t, err)
	runApproleInit(t, srv.Addr, srv.RootToken, dir)
	again, err := gwVault.Read(ctx, "junction/payload-keys")
	require.NoError(t, err)
	require.Equal(t, keys.Data["keys"], again.Data["keys"])
	second, err := os.ReadFile(filepath.Join(dir, "worker-secret-id"))
	require.NoError(t, err)
	require.NotEqual(t, strings.TrimSpace(string(first)), strings.TrimSpace(string(second)))
	login(t, srv.Addr, dir, "worker")
}
