package main

import (
	"errors"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/junction-run/junction/vaultx"
)

// vaultFlags configure the external Vault that `junction worker` and
// `junction gateway` keep connection secrets and secret environment
// variables in. Production always uses an external Vault; without
// --vault-addr, connections answer 503 and steps that need one fail as not
// configured, rather than secrets going anywhere else.
func vaultFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "vault-addr", Usage: "Vault's URL, e.g. https://vault.internal:8200 (none: connections are unavailable)", EnvVars: []string{"JUNCTION_VAULT_ADDR", "VAULT_ADDR"}},
		&cli.StringFlag{Name: "vault-token", Usage: "authenticate with this token (development; production uses Kubernetes auth or AppRole)", EnvVars: []string{"JUNCTION_VAULT_TOKEN", "VAULT_TOKEN"}},
		&cli.StringFlag{Name: "vault-kubernetes-role", Usage: "log in with the pod's service account token (Vault's Kubernetes auth method) as this role", EnvVars: []string{"JUNCTION_VAULT_KUBERNETES_ROLE"}},
		&cli.StringFlag{Name: "vault-kubernetes-mount", Usage: "where the Kubernetes auth method is enabled (default " + vaultx.DefaultKubernetesMount + ")", EnvVars: []string{"JUNCTION_VAULT_KUBERNETES_MOUNT"}},
		&cli.StringFlag{Name: "vault-kubernetes-token-file", Usage: "the service account token, read at every login (default " + vaultx.DefaultKubernetesTokenFile + ")", EnvVars: []string{"JUNCTION_VAULT_KUBERNETES_TOKEN_FILE"}},
		&cli.StringFlag{Name: "vault-role-id", Usage: "AppRole role id", EnvVars: []string{"JUNCTION_VAULT_ROLE_ID"}},
		&cli.StringFlag{Name: "vault-secret-id", Usage: "AppRole secret id", EnvVars: []string{"JUNCTION_VAULT_SECRET_ID"}},
		&cli.StringFlag{Name: "vault-secret-id-file", Usage: "read the AppRole secret id from this file, at every login (written by an init step or Vault Agent)", EnvVars: []string{"JUNCTION_VAULT_SECRET_ID_FILE"}},
		&cli.StringFlag{Name: "vault-approle-mount", Usage: "where the AppRole auth method is enabled (default " + vaultx.DefaultAppRoleMount + ")", EnvVars: []string{"JUNCTION_VAULT_APPROLE_MOUNT"}},
		&cli.StringFlag{Name: "vault-namespace", Usage: "Vault Enterprise namespace", EnvVars: []string{"JUNCTION_VAULT_NAMESPACE", "VAULT_NAMESPACE"}},
		&cli.StringFlag{Name: "vault-kv-mount", Usage: "path of the KV v2 engine (default secret)", EnvVars: []string{"JUNCTION_VAULT_KV_MOUNT"}},
		&cli.StringFlag{Name: "vault-ca-cert", Usage: "CA certificate (PEM) to trust for Vault's HTTPS", EnvVars: []string{"JUNCTION_VAULT_CACERT", "VAULT_CACERT"}},
		payloadKeysVaultFlag(),
	}
}

// vaultConfig reads the Vault the flags name, or returns nil when
// --vault-addr is empty.
func vaultConfig(c *cli.Context, logger *zap.Logger) (*vaultx.Config, error) {
	addr := c.String("vault-addr")
	if addr == "" {
		logger.Warn("no --vault-addr: connections and secret environment variables are unavailable")
		return nil, nil
	}
	cfg := &vaultx.Config{
		Address:   addr,
		Token:     vaultx.Secret(c.String("vault-token")),
		Namespace: c.String("vault-namespace"),
		KVMount:   c.String("vault-kv-mount"),
		TLS:       vaultx.TLSConfig{CACert: c.String("vault-ca-cert")},
	}
	// A login method wins over a token: a VAULT_TOKEN left in an
	// operator's shell must not stop a production login.
	k8sRole, roleID := c.String("vault-kubernetes-role"), c.String("vault-role-id")
	switch {
	case k8sRole != "" && roleID != "":
		return nil, errors.New("give --vault-kubernetes-role or --vault-role-id, not both")
	case k8sRole != "":
		cfg.Token = ""
		cfg.Kubernetes = &vaultx.Kubernetes{Role: k8sRole, MountPath: c.String("vault-kubernetes-mount"), TokenFile: c.String("vault-kubernetes-token-file")}
	case roleID != "":
		secretID, file := c.String("vault-secret-id"), c.String("vault-secret-id-file")
		if (secretID == "") == (file == "") {
			return nil, errors.New("--vault-role-id needs --vault-secret-id or --vault-secret-id-file (one of them)")
		}
		cfg.Token = ""
		cfg.AppRole = &vaultx.AppRole{RoleID: roleID, SecretID: vaultx.Secret(secretID), SecretIDFile: file, MountPath: c.String("vault-approle-mount")}
	case cfg.Token == "":
		return nil, errors.New("--vault-addr needs --vault-kubernetes-role, --vault-role-id with --vault-secret-id[-file], or --vault-token")
	}
	return cfg, nil
}
