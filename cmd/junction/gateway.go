package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/internal/app"
)

// gatewayDrainTimeout is how long the gateway lets requests in flight
// finish once told to stop (deploy/k8s sizes the grace period on it).
const gatewayDrainTimeout = 15 * time.Second

func gatewayCommand() *cli.Command {
	return &cli.Command{
		Name:  "gateway",
		Usage: "serve the management API and webhook intake against a Temporal cluster",
		Flags: append(append(append(append(temporalFlags(), codecFlags()...), vaultFlags()...),
			&cli.StringFlag{Name: "public-url", Usage: "the gateway's address as third parties and browsers reach it, e.g. https://junction.example.com (webhook signatures, OAuth2 redirect URL); default: the request's host, or the one a --trusted-proxies proxy reports", EnvVars: []string{"JUNCTION_PUBLIC_URL"}},
			&cli.StringFlag{Name: "http-address", Value: "127.0.0.1:8080", Usage: "listen address", EnvVars: []string{"JUNCTION_HTTP_ADDRESS"}},
			&cli.StringFlag{Name: "database-url", Value: "sqlite:.junction/junction.db", Usage: "metadata store: sqlite:PATH or postgres://...", EnvVars: []string{"JUNCTION_DATABASE_URL"}},
			&cli.Int64Flag{Name: "max-body-bytes", Value: gateway.DefaultMaxBodyBytes, Usage: "largest accepted request body", EnvVars: []string{"JUNCTION_MAX_BODY_BYTES"}},
			localHTTPStepsFlag(),
			operatorAccountsFlag(),
			opsAddressFlag(defaultGatewayOpsAddress),
		), gatewayHTTPFlags()...),
		Action: func(c *cli.Context) error {
			gw := &app.GatewayConfig{
				PublicURL:     c.String("public-url"),
				MaxBodyBytes:  c.Int64("max-body-bytes"),
				CodecOrigins:  commaList(c.String("codec-origins")),
				CodecAccounts: commaList(c.String("codec-accounts")),
				TemporalUIURL: c.String("temporal-ui-url"),
				// Operators' accounts, as the codec's.
				OperatorAccounts: commaList(c.String("operator-accounts")),
			}
			if err := gatewayHTTPConfig(c, gw); err != nil {
				return err
			}
			if err := checkTemporalUIURL(gw.TemporalUIURL); err != nil {
				return err
			}
			a, done, err := build(c, func(cfg *app.Config) {
				cfg.Gateway = gw
				cfg.Runs = intake.Options{NoLocalHTTPSteps: !c.Bool("local-http-steps")}
			})
			if err != nil {
				return err
			}
			defer done()
			stopOps, err := serveOps(c.Context, c, a.Log, opsMux(a))
			if err != nil {
				return err
			}
			defer stopOps()
			srv := a.HTTPServer()
			srv.Addr = c.String("http-address")
			errc := make(chan error, 1)
			go func() { errc <- srv.ListenAndServe() }()
			a.Log.Info("gateway listening", zap.String("address", srv.Addr), zap.String("database", redactURL(c.String("database-url"))))
			select {
			case err := <-errc:
				return err
			case <-c.Context.Done():
			}
			// Let requests in flight finish: each one may be waiting for
			// Temporal to accept a start it will acknowledge.
			shutdownCtx, cancel := context.WithTimeout(context.Background(), gatewayDrainTimeout)
			defer cancel()
			if err := srv.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
				return err
			}
			return nil
		},
	}
}

// checkTemporalUIURL refuses a --temporal-ui-url that no browser could
// open, at start rather than in every run answer.
func checkTemporalUIURL(raw string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" || u.RawQuery != "" || u.Fragment != "" {
		return fmt.Errorf("--temporal-ui-url %q: want the UI's http:// or https:// base URL, such as https://temporal.example.com", raw)
	}
	return nil
}
