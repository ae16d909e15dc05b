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
		&cli.StringFlag{Name: "vault-token", Usage: "authenticate with this token (development; production uses AppRole)", EnvVars: []string{"JUNCTION_VAULT_TOKEN", "VAULT_TOKEN"}},
		&cli.StringFlag{Name: "vault-role-id", Usage: "AppRole role id", EnvVars: []string{"JUNCTION_VAULT_ROLE_ID"}},
		&cli.StringFlag{Name: "vault-secret-id", Usage: "AppRole secret id", EnvVars: []string{"JUNCTION_VAULT_SECRET_ID"}},
		&cli.StringFlag{Name: "vault-approle-mount", Usage: "where the AppRole auth method is enabled (default approle)", EnvVars: []string{"JUNCTION_VAULT_APPROLE_MOUNT"}},
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
	if role := c.String("vault-role-id"); role != "" {
		// AppRole wins over a token: a VAULT_TOKEN left in an operator's
		// shell must not stop a production login.
		cfg.Token = ""
		cfg.AppRole = &vaultx.AppRole{RoleID: role, SecretID: vaultx.Secret(c.String("vault-secret-id")), MountPath: c.String("vault-approle-mount")}
	}
	if cfg.Token == "" && cfg.AppRole == nil {
		return nil, errors.New("--vault-addr needs --vault-token or --vault-role-id and --vault-secret-id")
	}
	return cfg, nil
}
