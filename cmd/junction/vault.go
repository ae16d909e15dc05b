package main

import (
	"fmt"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/junction-run/junction/vaultx"
)

// vaultFlags name the Vault that holds connections' secrets, for the
// processes that read them: the gateway (writes them, verifies webhooks)
// and the worker (resolves connections inside activities, polls).
func vaultFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "vault-addr", Usage: "Vault holding connections' secrets (none: connections are unavailable)", EnvVars: []string{"JUNCTION_VAULT_ADDR"}},
		&cli.StringFlag{Name: "vault-token", Usage: "token for --vault-addr (prefer the env var, or AppRole)", EnvVars: []string{"JUNCTION_VAULT_TOKEN"}},
		&cli.StringFlag{Name: "vault-role-id", Usage: "AppRole role id for --vault-addr", EnvVars: []string{"JUNCTION_VAULT_ROLE_ID"}},
		&cli.StringFlag{Name: "vault-secret-id", Usage: "AppRole secret id for --vault-addr (prefer the env var)", EnvVars: []string{"JUNCTION_VAULT_SECRET_ID"}},
	}
}

// openVault connects to the Vault the flags name, or returns nil when they
// name none: the process runs without connections, and says so.
func openVault(c *cli.Context, logger *zap.Logger) (*vaultx.Client, error) {
	addr := c.String("vault-addr")
	if addr == "" {
		logger.Warn("no --vault-addr: connections are unavailable")
		return nil, nil
	}
	cfg := vaultx.Config{Address: addr, Token: vaultx.Secret(c.String("vault-token")), Logger: logger.Named("vaultx")}
	if role := c.String("vault-role-id"); role != "" {
		cfg.Token = ""
		cfg.AppRole = &vaultx.AppRole{RoleID: role, SecretID: vaultx.Secret(c.String("vault-secret-id"))}
	}
	v, err := vaultx.New(c.Context, cfg)
	if err != nil {
		return nil, fmt.Errorf("connecting to Vault at %s: %w", addr, err)
	}
	return v, nil
}
