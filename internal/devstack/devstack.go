// Package devstack runs all of Junction in one process: the embedded
// Temporal server and UI, the metadata store, the worker and the gateway.
// `junction dev` is a thin shell around it, and the end-to-end tests start
// exactly the same stack, so what the tests prove is what a newcomer runs.
//
// What only the dev stack does lives here: the embedded server
// (internal/devserver), the dev Vault (internal/devvault), the dev account
// and the generated payload key. Everything else is built by internal/app,
// exactly as `junction worker` and `junction gateway` build it.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/internal/app"
	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/internal/devvault"
	"github.com/junction-run/junction/internal/tracing"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/worker"
)

// Config says where the stack keeps its data and listens. Addresses with
// port 0 pick a free port (tests do that).
type Config struct {
	// DataDir holds the Temporal database and, unless DatabaseURL says
	// otherwise, the metadata database (default ./.junction).
	DataDir string
	// DatabaseURL is the metadata store (default SQLite in DataDir).
	DatabaseURL     string
	TemporalAddress string // default 127.0.0.1:7233
	UIAddress       string // default 127.0.0.1:8233; "-" disables the UI
	HTTPAddress     string // default 127.0.0.1:8080
	Namespace       string // default "default"
	Logger          *zap.Logger
	// EightByEight configures the SMS and ChatAppsMessage steps (8x8's
	// messaging APIs); without an API key those steps fail as not configured.
	EightByEight eightbyeight.Config
	// VaultAddress and VaultToken name an existing Vault for connections'
	// secrets. Without them a dev Vault is started in DataDir when its
	// binary is found (make dev builds it); without one, the connections
	// API answers 503 and connector steps that name a connection fail.
	VaultAddress string
	VaultToken   string
	// VaultListen is the dev Vault's listen address (default
	// 127.0.0.1:8200; port 0 picks a free one).
	VaultListen string
	// ConnectorTransport carries connector actions' HTTP calls (default
	// http.DefaultTransport); tests route third parties to their fakes.
	ConnectorTransport http.RoundTripper
	// Connectors is the registry the worker runs and the gateway checks
	// definitions against (default catalog.New(), the built-in ones); tests
	// pass one with extra connector versions.
	Connectors *connectors.Registry
	// Limits are the gateway's request budgets (zero fields:
	// gateway.DefaultLimits).
	Limits gateway.Limits
	// TrustedProxies and SecureCookies are the gateway's
	// (gateway.Config); the zero values trust no proxy and mark cookies
	// Secure when the request came over HTTPS.
	TrustedProxies []netip.Prefix
	SecureCookies  gateway.SecureCookies
	// TemporalLogLevel filters the embedded server's own logs, which are
	// chatty at info: "debug", "info", "warn" (default) or "error".
	TemporalLogLevel string
	// EncryptPayloads encrypts every Temporal payload with a key generated
	// once and kept in DataDir (payload-keys); PayloadKeys gives the
	// keyring instead. A data directory that has the key file stays
	// encrypted. See payloads.go.
	EncryptPayloads bool
	PayloadKeys     string

	// TemporalPostgres keeps Temporal's data in PostgreSQL instead of
	// DataDir.
	TemporalPostgres *devserver.Postgres
	// NoLocalHTTPSteps runs every HttpRequest step as a regular activity,
	// instead of short ones as local activities (`junction dev
	// --local-http-steps=false`; intake.Options).
	NoLocalHTTPSteps bool
	// MessagesPerConversationRun is how many messages a conversation's
	// workflow takes before it continues as new (intake.Options; 0: the
	// default).
	MessagesPerConversationRun int
	// EgressAllow is the egress address guard's allow list
	// (egress.ParseAllow; default egress.AllowLoopback, so that steps reach
	// the gateway and fakes on 127.0.0.1; "none" for public addresses
	// only).
	EgressAllow string
	// MaxResponseBytes is the most of one answer a step reads (`junction
	// worker --max-response-bytes`; 0: its default).
	MaxResponseBytes int64
	// Tracing exports the stack's traces over OTLP when it names an
	// endpoint (`junction dev` reads tracing.FromEnv); zero is off.
	Tracing tracing.Config

	// TuneServer and TuneApp, when set, adjust the embedded server's and
	// the process's configuration once Start has filled them in, just
	// before it builds from them. They are the benchmark's levers
	// (internal/bench: the SQLite layout, worker tuning, no worker, no
	// eager start), which no user of `junction dev` turns.
	TuneServer func(*devserver.Config)
	TuneApp    func(*app.Config)
}

// Stack is a running Junction.
type Stack struct {
	Temporal *devserver.Server
	Client   client.Client
	Store    *store.Store
	// Worker is nil when TuneApp removed it (a worker in another process).
	Worker  sdkworker.Worker
	Gateway *gateway.Gateway
	// GatewayURL is the gateway's base URL, e.g. http://127.0.0.1:8080.
	GatewayURL string
	// DatabaseURL is the metadata store in use.
	DatabaseURL string
	// Vault holds connections' secrets; nil when no Vault is available.
	Vault *vaultx.Client
	// VaultAddress is the Vault in use, "" when none.
	VaultAddress string
	devVault     *devvault.Server
	// PayloadKeyIDs lists the payload encryption keys, the current one
	// first; empty when payloads are not encrypted.
	PayloadKeyIDs []string

	// DevAPIKey is an admin key of the DevAccountID account, also saved in
	// the data directory's dev-api-key file.
	DevAPIKey string

	app           *app.App
	workerStarted bool
	http          *http.Server
	httpErr       chan error
	log           *zap.Logger
	serverLevel   zap.AtomicLevel
}

// Start brings every part up in dependency order and returns once the
// gateway accepts requests. On error, whatever started is stopped again.
func Start(ctx context.Context, cfg Config) (_ *Stack, err error) {
	cfg.defaults()
	s := &Stack{log: cfg.Logger, httpErr: make(chan error, 1)}
	defer func() {
		if err != nil {
			s.Stop(context.Background())
		}
	}()

	uiAddr := cfg.UIAddress
	if uiAddr == "-" {
		uiAddr = ""
	}
	serverLevel, err := zapcore.ParseLevel(cfg.TemporalLogLevel)
	if err != nil {
		return nil, fmt.Errorf("temporal log level: %w", err)
	}
	egressAllow, err := egress.ParseAllow(cfg.EgressAllow)
	if err != nil {
		return nil, err
	}
	// An atomic level so Stop can quieten the server: shutting down makes
	// its internal workers log every broken connection as a warning.
	s.serverLevel = zap.NewAtomicLevelAt(serverLevel)
	// The server calls Fatal when it cannot listen; panicking instead of
	// exiting keeps the reason (and a stack) on the terminal, where an
	// exit from a buffered test logger would leave nothing.
	serverLog := cfg.Logger.Named("temporal-server").WithOptions(zap.IncreaseLevel(s.serverLevel),
		zap.WithFatalHook(zapcore.WriteThenPanic))
	// The gateway's address is needed before the UI starts: the UI's codec
	// endpoint is on it.
	ln, err := net.Listen("tcp", cfg.HTTPAddress)
	if err != nil {
		return nil, fmt.Errorf("gateway cannot listen on %s: %w", cfg.HTTPAddress, err)
	}
	defer func() {
		if s.http == nil {
			_ = ln.Close()
		}
	}()
	s.GatewayURL = "http://" + ln.Addr().String()
	payloadKeys, err := devPayloadKeys(cfg)
	if err != nil {
		return nil, err
	}
	codecEndpoint := ""
	if payloadKeys != "" && uiAddr != "" {
		codecEndpoint = s.GatewayURL + "/api/v1/codec"
	}
	serverConfig := devserver.Config{
		CodecEndpoint:    codecEndpoint,
		DBFile:           filepath.Join(cfg.DataDir, "temporal.db"),
		Namespace:        cfg.Namespace,
		FrontendAddress:  cfg.TemporalAddress,
		UIAddress:        uiAddr,
		SearchAttributes: runs.SearchAttributes(),
		Logger:           serverLog,
		Postgres:         cfg.TemporalPostgres,
	}
	if cfg.TuneServer != nil {
		cfg.TuneServer(&serverConfig)
	}
	if s.Temporal, err = devserver.Start(ctx, serverConfig); err != nil {
		return nil, err
	}
	vault, err := s.vault(ctx, cfg)
	if err != nil {
		return nil, err
	}

	appConfig := app.Config{
		Logger:      cfg.Logger,
		DatabaseURL: cfg.DatabaseURL,
		Temporal:    worker.ClientConfig{Address: s.Temporal.FrontendAddress, Namespace: cfg.Namespace},
		// The namespace got the search attributes when it was created; a
		// data directory from an older Junction gets the ones added since.
		RegisterSearchAttributes: true,
		Vault:                    vault,
		PayloadKeys:              app.PayloadKeys{Spec: payloadKeys},
		Connectors:               cfg.Connectors,
		// Eager start: the worker is on the gateway's client.
		Runs: intake.Options{EagerStart: true, NoLocalHTTPSteps: cfg.NoLocalHTTPSteps,
			MessagesPerConversationRun: cfg.MessagesPerConversationRun},
		Tracing: cfg.Tracing,
		Worker: &app.WorkerConfig{EightByEight: cfg.EightByEight, Transport: cfg.ConnectorTransport, EgressAllow: egressAllow,
			MaxResponseBytes: cfg.MaxResponseBytes},
		Gateway: &app.GatewayConfig{
			PublicURL:      s.GatewayURL,
			Limits:         cfg.Limits,
			TrustedProxies: cfg.TrustedProxies,
			SecureCookies:  cfg.SecureCookies,
			CodecOrigins:   uiOrigins(s.Temporal.UIURL),
			// Run answers link to the embedded UI ("" when it is off).
			TemporalUIURL: s.Temporal.UIURL,
			CodecAccounts: []string{DevAccountID},
			// The dev account is the operators' account, as for the codec.
			OperatorAccounts: []string{DevAccountID},
		},
	}
	if cfg.TuneApp != nil {
		cfg.TuneApp(&appConfig)
	}
	if s.app, err = app.Build(ctx, appConfig); err != nil {
		return nil, err
	}
	s.Client, s.Store, s.Vault, s.Worker, s.Gateway = s.app.Temporal, s.app.Store, s.app.Vault, s.app.Worker, s.app.Gateway
	s.DatabaseURL = appConfig.DatabaseURL
	if s.app.Keyring != nil {
		s.PayloadKeyIDs = s.app.Keyring.IDs()
	}

	if s.DevAPIKey, err = ensureDevAccount(ctx, s.Store, cfg.DataDir); err != nil {
		return nil, err
	}
	if s.Worker != nil {
		if err := s.Worker.Start(); err != nil {
			return nil, fmt.Errorf("starting worker: %w", err)
		}
		s.workerStarted = true
	}
	s.http = s.app.HTTPServer()
	go func() { s.httpErr <- s.http.Serve(ln) }()
	return s, nil
}

// UIURL is the Temporal UI's address, or "" when it is disabled.
func (s *Stack) UIURL() string { return s.Temporal.UIURL }

// Err reports a part that stopped on its own (the gateway's listener).
func (s *Stack) Err() <-chan error { return s.httpErr }

// Stop shuts everything down in reverse order: no new requests, then the
// worker finishes its tasks, then the server. Safe on a partly started stack.
func (s *Stack) Stop(ctx context.Context) {
	if s.http != nil {
		shutdownCtx, cancel := context.WithTimeout(ctx, 10*time.Second)
		if err := s.http.Shutdown(shutdownCtx); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Warn("gateway shutdown", zap.Error(err))
		}
		cancel()
	}
	if s.workerStarted {
		s.Worker.Stop()
	}
	if s.app != nil {
		s.app.Close()
	}
	if s.devVault != nil {
		s.devVault.Stop()
	}
	if s.Temporal != nil {
		s.serverLevel.SetLevel(zapcore.ErrorLevel)
		s.Temporal.Stop()
	}
}

// vault says which Vault the stack keeps secrets in: the configured one,
// or the dev Vault, started here when its binary is there. No Vault at all
// is not an error, only a warning (nil).
func (s *Stack) vault(ctx context.Context, cfg Config) (*vaultx.Config, error) {
	addr, token := cfg.VaultAddress, vaultx.Secret(cfg.VaultToken)
	if addr == "" {
		bin, err := devvault.FindBinary()
		if err != nil {
			s.log.Warn("no Vault: connections are unavailable (make vault builds one, or pass --vault-addr)", zap.Error(err))
			return nil, nil
		}
		listen := cfg.VaultListen
		if listen == "" {
			listen = devvault.DefaultAddress
		}
		s.devVault, err = devvault.Start(ctx, devvault.Config{DataDir: cfg.DataDir, Address: listen, Binary: bin, Logger: s.log.Named("vault")})
		if err != nil {
			return nil, fmt.Errorf("starting the dev Vault: %w", err)
		}
		addr, token = s.devVault.Address, s.devVault.RootToken
	}
	s.VaultAddress = addr
	return &vaultx.Config{Address: addr, Token: token}, nil
}

func (cfg *Config) defaults() {
	if cfg.DataDir == "" {
		cfg.DataDir = ".junction"
	}
	if cfg.DatabaseURL == "" {
		cfg.DatabaseURL = "sqlite:" + filepath.Join(cfg.DataDir, "junction.db")
	}
	if cfg.TemporalAddress == "" {
		cfg.TemporalAddress = "127.0.0.1:7233"
	}
	if cfg.UIAddress == "" {
		cfg.UIAddress = "127.0.0.1:8233"
	}
	if cfg.HTTPAddress == "" {
		cfg.HTTPAddress = "127.0.0.1:8080"
	}
	if cfg.Namespace == "" {
		cfg.Namespace = "default"
	}
	if cfg.Logger == nil {
		cfg.Logger = zap.NewNop()
	}
	if cfg.TemporalLogLevel == "" {
		cfg.TemporalLogLevel = "warn"
	}
	if cfg.EgressAllow == "" {
		cfg.EgressAllow = egress.AllowLoopback
	}
}
