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
func runApproleInit(t *testing.T, addr, rootToken, secretIDFile string) {
	t.Helper()
	bin := t.TempDir()
	require.NoError(t, os.Symlink(vaulttest.Binary(t), filepath.Join(bin, "vault")))
	cmd := exec.Command("sh", filepath.Join("vault", "approle-init.sh"), secretIDFile)
	cmd.Env = append(devvault.EnvWithoutVault(),
		"PATH="+bin+string(os.PathListSeparator)+os.Getenv("PATH"),
		"VAULT_ADDR="+addr, "VAULT_TOKEN="+rootToken, "HOME="+t.TempDir())
	out, err := cmd.CombinedOutput()
	require.NoError(t, err, "approle-init.sh:\n%s", out)
	require.NotContains(t, string(out), rootToken)
}

// TestVaultPolicy: after approle-init.sh, Junction logs in with AppRole
// (the secret id from the file it wrote) and every secret operation the
// worker and the gateway make passes junction.hcl, while what they never
// do is refused. A second run keeps the keyring and hands out a new
// secret id.
func TestVaultPolicy(t *testing.T) {
	ctx := context.Background()
	srv := vaulttest.StartServer(t)
	secretIDFile := filepath.Join(t.TempDir(), "secret-id")
	runApproleInit(t, srv.Addr, srv.RootToken, secretIDFile)

	vc, err := vaultx.New(ctx, vaultx.Config{
		Address:  srv.Addr,
		AppRole:  &vaultx.AppRole{RoleID: "junction", SecretIDFile: secretIDFile},
		CacheTTL: -1,
	})
	require.NoError(t, err)
	defer vc.Close()

	// The payload keyring the worker and the gateway read at start.
	keys, err := vc.Read(ctx, "junction/payload-keys")
	require.NoError(t, err)
	_, err = payloadcodec.ParseKeyring(string(keys.Data["keys"]))
	require.NoError(t, err)

	// Every operation of package credentials.
	s := credentials.New(vc, "")
	require.NoError(t, s.CreateConnection(ctx, "acme", "c1", map[string]any{"api_key": "k1", "webhook_secret": "w1"}))
	require.NoError(t, s.UpdateConnection(ctx, "acme", "c1", map[string]any{"api_key": "k2"}, []string{"webhook_secret"}))
	fields, err := s.Connection(ctx, "acme", "c1")
	require.NoError(t, err)
	require.Equal(t, map[string]string{"api_key": "k2"}, fields)
	v, err := s.AuthorizeToken(ctx, "acme", "c1", map[string]any{"access_token": "a1"})
	require.NoError(t, err)
	_, err = s.RefreshToken(ctx, "acme", "c1", map[string]any{"access_token": "a2"}, v)
	require.NoError(t, err)
	tok, err := s.FreshToken(ctx, "acme", "c1")
	require.NoError(t, err)
	require.Equal(t, "a2", tok.Values["access_token"])
	_, err = s.Token(ctx, "acme", "c1")
	require.NoError(t, err)
	require.NoError(t, s.UpdateEnv(ctx, "acme", "crm", "1", map[string]string{"API_KEY": "e1"}, nil))
	env, err := s.Env(ctx, "acme", "crm", "1")
	require.NoError(t, err)
	require.Equal(t, "e1", env["API_KEY"])
	require.NoError(t, s.DeleteEnv(ctx, "acme", "crm", "1"))
	require.NoError(t, s.CreateSubscription(ctx, "acme", "s1", map[string]string{credentials.SigningSecretField(1): "whsec_1"}))
	require.NoError(t, s.UpdateSubscription(ctx, "acme", "s1", map[string]string{"password": "p"}, nil))
	sub, err := s.Subscription(ctx, "acme", "s1")
	require.NoError(t, err)
	require.Equal(t, "p", sub["password"])
	require.NoError(t, s.DeleteSubscription(ctx, "acme", "s1"))
	require.NoError(t, s.DeleteConnection(ctx, "acme", "c1"))

	// What Junction never does is refused.
	for name, op := range map[string]func() error{
		"write the keyring": func() error {
			_, err := vc.Write(ctx, "junction/payload-keys", map[string]any{"keys": "x"}, vaultx.NoCAS)
			return err
		},
		"read outside the prefix": func() error { _, err := vc.Read(ctx, "other/x"); return err },
		"write beside accounts/": func() error {
			_, err := vc.Write(ctx, "junction/accounts-old/x", map[string]any{"v": "1"}, vaultx.NoCAS)
			return err
		},
		"list accounts": func() error { _, err := vc.List(ctx, "junction/accounts"); return err },
	} {
		require.ErrorIs(t, op(), vaultx.ErrPermissionDenied, name)
	}

	// Again: the keyring stays, the file holds a new secret id that logs in.
	first, err := os.ReadFile(secretIDFile)
	require.NoError(t, err)
	runApproleInit(t, srv.Addr, srv.RootToken, secretIDFile)
	again, err := vc.Read(ctx, "junction/payload-keys")
	require.NoError(t, err)
	require.Equal(t, keys.Data["keys"], again.Data["keys"])
	second, err := os.ReadFile(secretIDFile)
	require.NoError(t, err)
	require.NotEqual(t, strings.TrimSpace(string(first)), strings.TrimSpace(string(second)))
	vc2, err := vaultx.New(ctx, vaultx.Config{Address: srv.Addr, AppRole: &vaultx.AppRole{RoleID: "junction", SecretIDFile: secretIDFile}})
	require.NoError(t, err)
	vc2.Close()
}
