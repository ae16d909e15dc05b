package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/internal/app"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/internal/tracing"
)

func devCommand() *cli.Command {
	return &cli.Command{
		Name:  "dev",
		Usage: "run everything in one process: embedded Temporal server and UI, worker and gateway",
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
		Action: func(c *cli.Context) error {
			if err := checkMaxResponseBytes(c); err != nil {
				return err
			}
			allow, err := egressAllow(c)
			if err != nil {
				return err
			}
			transport, err := connectorTransport(c, allow)
			if err != nil {
				return err
			}
			var gw app.GatewayConfig
			if err := gatewayHTTPConfig(c, &gw); err != nil {
				return err
			}
			logger, err := newLogger(c, true)
			if err != nil {
				return err
			}
			defer func() { _ = logger.Sync() }()

			logger.Info("starting Junction dev stack", zap.String("dataDir", c.String("data-dir")))
			stack, err := devstack.Start(c.Context, devstack.Config{
				DataDir:            c.String("data-dir"),
				DatabaseURL:        c.String("database-url"),
				TemporalAddress:    c.String("temporal-address"),
				UIAddress:          c.String("ui-address"),
				HTTPAddress:        c.String("http-address"),
				Namespace:          c.String("namespace"),
				TemporalLogLevel:   c.String("temporal-log-level"),
				EightByEight:       eightByEightConfig(c),
				VaultAddress:       c.String("vault-addr"),
				VaultToken:         c.String("vault-token"),
				VaultListen:        c.String("vault-listen"),
				EncryptPayloads:    c.Bool("encrypt-payloads"),
				PayloadKeys:        c.String("payload-keys"),
				NoLocalHTTPSteps:   !c.Bool("local-http-steps"),
				EgressAllow:        allow.String(),
				ConnectorTransport: transport,
				MaxResponseBytes:   c.Int64("max-response-bytes"),
				Limits:             gw.Limits,
				TrustedProxies:     gw.TrustedProxies,
				SecureCookies:      gw.SecureCookies,
				Tracing:            tracing.FromEnv(os.Getenv),
				Logger:             logger,
			})
			if err != nil {
				return exitOnSignal(err)
			}
			ui := stack.UIURL()
			if ui == "" {
				ui = "(disabled)"
			}
			fmt.Fprintf(os.Stderr, `
Junction is running.
  Gateway (API and webhooks)  %s
  Temporal UI                 %s
  Temporal frontend (gRPC)    %s   namespace %q
  Metadata store              %s
  Vault (connection secrets)  %s
  Data directory              %s

Development account %q, admin API key (also in %s):
  %s

Try:  export JUNCTION_API_KEY=$(cat %s)
      curl -s -H "Authorization: Bearer $JUNCTION_API_KEY" %s/api/v1/accounts/%s/definitions
%sPress Ctrl-C to stop.

`, stack.GatewayURL, ui, stack.Temporal.FrontendAddress, stack.Temporal.Namespace,
				redactURL(stack.DatabaseURL), vaultLine(stack.VaultAddress), c.String("data-dir"),
				devstack.DevAccountID, filepath.Join(c.String("data-dir"), "dev-api-key"), stack.DevAPIKey,
				filepath.Join(c.String("data-dir"), "dev-api-key"), stack.GatewayURL, devstack.DevAccountID, payloadsLine(stack))

			select {
			case <-c.Context.Done():
				logger.Info("shutting down")
			case err := <-stack.Err():
				logger.Error("gateway stopped", zap.Error(err))
			}
			stack.Stop(context.Background())
			logger.Info("stopped")
			return nil
		},
	}
}

func vaultLine(addr string) string {
	if addr == "" {
		return "(none: run make vault, or pass --vault-addr; connections are unavailable)"
	}
	return addr
}

// payloadsLine tells how to read encrypted payloads in the UI, when they are encrypted.
func payloadsLine(s *devstack.Stack) string {
	if len(s.PayloadKeyIDs) == 0 {
		return ""
	}
	return fmt.Sprintf("Payloads are encrypted (key %s). To read them in the Temporal UI, sign in once with the\n"+
		"admin API key at %s/api/v1/codec/session, and open the UI at %s.\n", s.PayloadKeyIDs[0], s.GatewayURL, s.UIURL())
}
