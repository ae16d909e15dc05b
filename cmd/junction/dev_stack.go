//go:build dev

package main

// The dev build (make build, go build -tags dev): `junction dev` runs the
// embedded Temporal server and UI, the dev Vault, the worker and the
// gateway in one process. Production builds leave this file, and with it
// go.temporal.io/server and the UI server, out (dev_production.go).

import (
	"context"
	"fmt"
	"net/http"
	"os"
	"path/filepath"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/internal/app"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/internal/tracing"
)

const devUsage = "run everything in one process: embedded Temporal server and UI, worker and gateway"

func runDev(c *cli.Context) error {
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

// connectorTransport is the transport of connector calls for `junction
// dev`: nil (the worker's own) without --redirect-host.
func connectorTransport(c *cli.Context, allow egress.Allow) (http.RoundTripper, error) {
	routes, err := parseRedirectHosts(c.StringSlice("redirect-host"))
	if err != nil || len(routes) == 0 {
		return nil, err
	}
	return hostRedirects{routes: routes, next: egress.NewClient(egress.Options{Allow: allow}).Transport()}, nil
}
