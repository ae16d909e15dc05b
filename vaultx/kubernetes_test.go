package vaultx_test

import (
	"context"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"crypto/x509"
	"encoding/base64"
	"encoding/json"
	"encoding/pem"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/hashicorp/vault/api"
	"github.com/stretchr/testify/require"

	"github.com/junction-run/junction/vaultx"
)

// serviceAccount signs service account tokens the way a Kubernetes API
// server does (RS256, audience, namespace:name subject).
type serviceAccount struct {
	key *rsa.PrivateKey
}

func newServiceAccountIssuer(t *testing.T) *serviceAccount {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	require.NoError(t, err)
	return &serviceAccount{key: key}
}

func (sa *serviceAccount) publicKeyPEM(t *testing.T) string {
	t.Helper()
	der, err := x509.MarshalPKIXPublicKey(&sa.key.PublicKey)
	require.NoError(t, err)
	return string(pem.EncodeToMemory(&pem.Block{Type: "PUBLIC KEY", Bytes: der}))
}

// token returns a signed token for the service account namespace/name.
func (sa *serviceAccount) token(t *testing.T, namespace, name string) string {
	t.Helper()
	enc := func(v any) string {
		b, err := json.Marshal(v)
		require.NoError(t, err)
		return base64.RawURLEncoding.EncodeToString(b)
	}
	now := time.Now()
	signing := enc(map[string]string{"alg": "RS256", "typ": "JWT"}) + "." + enc(map[string]any{
		"iss": "https://kubernetes.default.svc.cluster.local",
		"aud": []string{"vault"},
		"sub": "system:serviceaccount:" + namespace + ":" + name,
		"iat": now.Unix(),
		"nbf": now.Unix(),
		"exp": now.Add(time.Hour).Unix(),
	})
	sum := sha256.Sum256([]byte(signing))
	sig, err := rsa.SignPKCS1v15(rand.Reader, sa.key, crypto.SHA256, sum[:])
	require.NoError(t, err)
	return signing + "." + base64.RawURLEncoding.EncodeToString(sig)
}

// setupKubernetesAuth mounts an auth method at "kubernetes" that takes
// service account tokens from sa, with a role "junction" bound to the
// service account junction/junction that may read and write secret/app/*.
//
// The dev Vault (tools/vault, -tags minimal) has no Kubernetes auth method,
// which checks tokens with the cluster's TokenReview API; its JWT method
// checks them against the cluster's signing key instead, and both take the
// same login request ({"role", "jwt"} at auth/<mount>/login), which is
// what the client sends.
func setupKubernetesAuth(t *testing.T, vc *api.Client, sa *serviceAccount) {
	t.Helper()
	require.NoError(t, vc.Sys().EnableAuthWithOptions("kubernetes", &api.EnableAuthOptions{Type: "jwt"}))
	_, err := vc.Logical().Write("auth/kubernetes/config", map[string]any{
		"jwt_validation_pubkeys": []string{sa.publicKeyPEM(t)},
	})
	require.NoError(t, err)
	require.NoError(t, vc.Sys().PutPolicy("app", `
path "secret/data/app/*" { capabilities = ["create", "read", "update"] }
path "secret/metadata/app/*" { capabilities = ["list", "delete"] }
`))
	_, err = vc.Logical().Write("auth/kubernetes/role/junction", map[string]any{
		"role_type":       "jwt",
		"bound_audiences": "vault",
		"user_claim":      "sub",
		"bound_subject":   "system:serviceaccount:junction:junction",
		"token_policies":  "app",
		"token_ttl":       "1h",
	})
	require.NoError(t, err)
}

func writeFile(t *testing.T, path, content string) {
	t.Helper()
	require.NoError(t, os.WriteFile(path, []byte(content+"\n"), 0o600))
}

// TestKubernetesLogin: a pod's service account token logs in; the token
// file is read again at every login (Kubernetes rotates it); a service
// account the role is not bound to is refused, and no message shows a
// token.
func TestKubernetesLogin(t *testing.T) {
	root, addr, rootToken := rootClient(t)
	ctx := context.Background()
	vc := admin(t, addr, rootToken)
	sa := newServiceAccountIssuer(t)
	setupKubernetesAuth(t, vc, sa)
	_, err := root.Write(ctx, "other/conn", map[string]any{"password": "pw-other"}, vaultx.NoCAS)
	require.NoError(t, err)

	tokenFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, tokenFile, sa.token(t, "junction", "junction"))
	c := newClient(t, vaultx.Config{
		Address:    addr,
		Kubernetes: &vaultx.Kubernetes{Role: "junction", TokenFile: tokenFile},
		CacheTTL:   -1,
	})
	_, err = c.Write(ctx, "app/conn", map[string]any{"password": "pw-k8s"}, vaultx.NoCAS)
	require.NoError(t, err)
	e, err := c.Read(ctx, "app/conn")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("pw-k8s"), e.Data["password"])
	_, err = c.Read(ctx, "other/conn")
	require.ErrorIs(t, err, vaultx.ErrPermissionDenied)

	// The next login reads the file again: a token signed by another
	// cluster fails it, the rotated one succeeds.
	first := vaultx.TokenOf(c)
	writeFile(t, tokenFile, newServiceAccountIssuer(t).token(t, "junction", "junction"))
	require.NoError(t, vc.Auth().Token().RevokeOrphan(first))
	_, err = c.Read(ctx, "app/conn")
	require.ErrorIs(t, err, vaultx.ErrPermissionDenied)
	writeFile(t, tokenFile, sa.token(t, "junction", "junction"))
	e, err = c.Read(ctx, "app/conn")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("pw-k8s"), e.Data["password"])
	require.NotEqual(t, first, vaultx.TokenOf(c))

	// Another service account is refused, and the message shows no token.
	other := sa.token(t, "junction", "someone-else")
	otherFile := filepath.Join(t.TempDir(), "token")
	writeFile(t, otherFile, other)
	_, err = vaultx.New(ctx, vaultx.Config{Address: addr, Kubernetes: &vaultx.Kubernetes{Role: "junction", TokenFile: otherFile}})
	require.ErrorIs(t, err, vaultx.ErrPermissionDenied)
	require.NotContains(t, err.Error(), other)

	// No token file (not running in a pod): an error that says so.
	_, err = vaultx.New(ctx, vaultx.Config{Address: addr, Kubernetes: &vaultx.Kubernetes{Role: "junction", TokenFile: filepath.Join(t.TempDir(), "missing")}})
	require.ErrorContains(t, err, "service account token")
}

// TestAppRoleSecretIDFile: the secret ID comes from a file, read again at
// every login, so that a new one delivered there replaces a destroyed one.
func TestAppRoleSecretIDFile(t *testing.T) {
	_, addr, rootToken := rootClient(t)
	ctx := context.Background()
	vc := admin(t, addr, rootToken)
	roleID, secretID := setupAppRole(t, vc, map[string]any{"token_ttl": "1h"})
	secretFile := filepath.Join(t.TempDir(), "secret-id")
	writeFile(t, secretFile, secretID)

	c := newClient(t, vaultx.Config{
		Address:  addr,
		AppRole:  &vaultx.AppRole{RoleID: roleID, SecretIDFile: secretFile},
		CacheTTL: -1,
	})
	_, err := c.Write(ctx, "app/x", map[string]any{"v": "1"}, vaultx.NoCAS)
	require.NoError(t, err)

	// A new secret ID in the file, the old one destroyed and the token
	// revoked: the client logs in again with the new one.
	s, err := vc.Logical().Write("auth/approle/role/junction/secret-id", nil)
	require.NoError(t, err)
	writeFile(t, secretFile, s.Data["secret_id"].(string))
	_, err = vc.Logical().Write("auth/approle/role/junction/secret-id/destroy", map[string]any{"secret_id": secretID})
	require.NoError(t, err)
	first := vaultx.TokenOf(c)
	require.NoError(t, vc.Auth().Token().RevokeOrphan(first))
	e, err := c.Read(ctx, "app/x")
	require.NoError(t, err)
	require.Equal(t, vaultx.Secret("1"), e.Data["v"])
	require.NotEqual(t, first, vaultx.TokenOf(c))

	// An empty file is an error that names it, not a login with "".
	writeFile(t, secretFile, "")
	_, err = vaultx.New(ctx, vaultx.Config{Address: addr, AppRole: &vaultx.AppRole{RoleID: roleID, SecretIDFile: secretFile}})
	require.ErrorContains(t, err, "is empty")
}
