// Command junction runs Junction: `junction dev` runs everything in one
// process on an embedded Temporal server; `junction worker` and
// `junction gateway` run the parts against an existing Temporal cluster.
// Every flag can also be set as a JUNCTION_* environment variable.
//
// This is the only package that exits the process.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"github.com/urfave/cli/v2"
	"go.uber.org/zap"

	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/internal/app"
	"github.com/junction-run/junction/internal/logging"
	"github.com/junction-run/junction/internal/tracing"
	"github.com/junction-run/junction/metrics"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := newApp().RunContext(ctx, os.Args); err != nil {
		fmt.Fprintln(os.Stderr, "junction:", err)
		os.Exit(1)
	}
}

func newApp() *cli.App {
	return &cli.App{
		Name:    "junction",
		Usage:   "durable integrations on Temporal",
		Version: version,
		Flags: []cli.Flag{
			&cli.StringFlag{Name: "log-format", Usage: "json or console (default: console for dev, json otherwise)", EnvVars: []string{"JUNCTION_LOG_FORMAT"}},
			&cli.StringFlag{Name: "log-level", Value: "info", Usage: "debug, info, warn or error", EnvVars: []string{"JUNCTION_LOG_LEVEL"}},
		},
		Commands: append(append([]*cli.Command{
			devCommand(),
			workerCommand(),
			workerDeploymentCommand(),
			gatewayCommand(),
			echoCommand(),
			fakesCommand(),
		}, clientCommands()...), adminCommands()...),
	}
}

// newLogger builds the process logger; dev defaults to console output.
func newLogger(c *cli.Context, dev bool) (*zap.Logger, error) {
	format := logging.Format(c.String("log-format"))
	if format == "" {
		format = logging.FormatJSON
		if dev {
			format = logging.FormatConsole
		}
	}
	return logging.New(format, c.String("log-level"))
}

// temporalFlags are shared by worker and gateway: how to reach the cluster,
// and the payload keys.
func temporalFlags() []cli.Flag {
	return append(temporalConnectionFlags(), payloadKeysFlag())
}

// temporalConnectionFlags are how to reach the cluster.
func temporalConnectionFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "temporal-address", Value: "127.0.0.1:7233", Usage: "Temporal frontend host:port", EnvVars: []string{"JUNCTION_TEMPORAL_ADDRESS"}},
		&cli.StringFlag{Name: "namespace", Value: "default", Usage: "Temporal namespace", EnvVars: []string{"JUNCTION_NAMESPACE"}},
		&cli.BoolFlag{Name: "tls", Usage: "connect with TLS (implied by the other --tls-* flags)", EnvVars: []string{"JUNCTION_TLS"}},
		&cli.StringFlag{Name: "tls-cert", Usage: "client certificate (PEM) for mTLS", EnvVars: []string{"JUNCTION_TLS_CERT"}},
		&cli.StringFlag{Name: "tls-key", Usage: "client key (PEM) for mTLS", EnvVars: []string{"JUNCTION_TLS_KEY"}},
		&cli.StringFlag{Name: "tls-ca", Usage: "CA certificate (PEM) to trust", EnvVars: []string{"JUNCTION_TLS_CA"}},
		&cli.StringFlag{Name: "tls-server-name", Usage: "server name to verify", EnvVars: []string{"JUNCTION_TLS_SERVER_NAME"}},
	}
}

// build reads the flags worker and gateway share (Temporal, Vault, the
// metadata store, the payload keys), lets the command add its part, and
// builds the process through internal/app; done closes it and flushes the
// logger.
func build(c *cli.Context, part func(*app.Config)) (a *app.App, done func(), err error) {
	logger, err := newLogger(c, false)
	if err != nil {
		return nil, nil, err
	}
	fail := func(err error) (*app.App, func(), error) { _ = logger.Sync(); return nil, nil, err }
	cfg := app.Config{Logger: logger, DatabaseURL: c.String("database-url"), Temporal: clientConfig(c),
		// OpenTelemetry's own variables, as every OTel SDK reads them.
		Tracing: tracing.FromEnv(os.Getenv)}
	// Served on the ops listener's /metrics.
	if cfg.Metrics, err = metrics.New(); err != nil {
		return fail(err)
	}
	if cfg.Vault, err = vaultConfig(c, logger); err != nil {
		return fail(err)
	}
	if cfg.PayloadKeys, err = payloadKeys(c); err != nil {
		return fail(err)
	}
	part(&cfg)
	if a, err = app.Build(c.Context, cfg); err != nil {
		return fail(err)
	}
	return a, func() { a.Close(); _ = logger.Sync() }, nil
}

// eightByEightFlags configure the 8x8 messaging steps (SMS, ChatAppsMessage)
// for the processes that run activities.
func eightByEightFlags() []cli.Flag {
	return []cli.Flag{
		&cli.StringFlag{Name: "8x8-api-key", Usage: "8x8 API key for the SMS and ChatAppsMessage steps (prefer the env var)", EnvVars: []string{"JUNCTION_8X8_API_KEY"}},
		&cli.StringFlag{Name: "8x8-sms-url", Value: eightbyeight.DefaultSMSBaseURL, Usage: "8x8 SMS API base URL (regional hosts: sms.us.8x8.com, sms.8x8.uk, sms.8x8.id)", EnvVars: []string{"JUNCTION_8X8_SMS_URL"}},
		&cli.StringFlag{Name: "8x8-chatapps-url", Value: eightbyeight.DefaultChatAppsBaseURL, Usage: "8x8 Chat Apps API base URL", EnvVars: []string{"JUNCTION_8X8_CHATAPPS_URL"}},
	}
}

func eightByEightConfig(c *cli.Context) eightbyeight.Config {
	return eightbyeight.Config{
		APIKey:          eightbyeight.Secret(c.String("8x8-api-key")),
		SMSBaseURL:      c.String("8x8-sms-url"),
		ChatAppsBaseURL: c.String("8x8-chatapps-url"),
	}
}

// exitOnSignal turns the context cancelled by Ctrl-C into a clean return.
func exitOnSignal(err error) error {
	if errors.Is(err, context.Canceled) {
		return nil
	}
	return err
}
