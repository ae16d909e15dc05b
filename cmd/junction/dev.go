package main

import (
	"github.com/urfave/cli/v2"

	"github.com/junction-run/junction/egress"
)

// devCommand is `junction dev`. Its flags are the same in every build, so
// that the tests of their parsing run in both; what it runs is in
// dev_stack.go (built with -tags dev: the embedded Temporal server, its UI
// and the dev Vault) or dev_production.go (the production build, which
// links none of them and says how to get a binary that does).
func devCommand() *cli.Command {
	return &cli.Command{
		Name:  "dev",
		Usage: devUsage,
		Flags: append([]cli.Flag{
			&cli.StringFlag{Name: "data-dir", Value: ".junction", Usage: "where the Temporal and metadata databases live", EnvVars: []string{"JUNCTION_DATA_DIR"}},
			&cli.StringFlag{Name: "database-url", Usage: "metadata store: sqlite:PATH (default: in --data-dir) or postgres://...", EnvVars: []string{"JUNCTION_DATABASE_URL"}},
			&cli.StringFlag{Name: "http-address", Value: "127.0.0.1:8080", Usage: "gateway listen address", EnvVars: []string{"JUNCTION_HTTP_ADDRESS"}},
			&cli.StringFlag{Name: "temporal-address", Value: "127.0.0.1:7233", Usage: "embedded Temporal frontend listen address", EnvVars: []string{"JUNCTION_TEMPORAL_ADDRESS"}},
			&cli.StringFlag{Name: "ui-address", Value: "127.0.0.1:8233", Usage: "Temporal UI listen address (\"-\" disables it)", EnvVars: []string{"JUNCTION_UI_ADDRESS"}},
			&cli.StringFlag{Name: "namespace", Value: "default", Usage: "Temporal namespace", EnvVars: []string{"JUNCTION_NAMESPACE"}},
			&cli.StringFlag{Name: "vault-addr", Usage: "use this Vault for connections' secrets instead of starting a dev Vault", EnvVars: []string{"JUNCTION_VAULT_ADDR"}},
			&cli.StringFlag{Name: "vault-token", Usage: "token for --vault-addr", EnvVars: []string{"JUNCTION_VAULT_TOKEN"}},
			&cli.StringFlag{Name: "vault-listen", Value: "127.0.0.1:8200", Usage: "the dev Vault's listen address", EnvVars: []string{"JUNCTION_VAULT_LISTEN"}},
			&cli.StringFlag{Name: "temporal-log-level", Value: "warn", Usage: "level of the embedded Temporal server's own logs", EnvVars: []string{"JUNCTION_TEMPORAL_LOG_LEVEL"}},
			&cli.BoolFlag{Name: "encrypt-payloads", Usage: "encrypt Temporal payloads with a key generated once and kept in --data-dir (payload-keys); the UI decrypts them through the gateway's codec endpoint", EnvVars: []string{"JUNCTION_ENCRYPT_PAYLOADS"}},
			payloadKeysFlag(),
			localHTTPStepsFlag(),
			egressAllowFlag(egress.AllowLoopback),
			redirectHostFlag(),
			maxResponseBytesFlag(),
		}, append(eightByEightFlags(), gatewayHTTPFlags()...)...),
		Action: runDev,
	}
}
