// Package devstack runs all of Junction in one process: the embedded
// Temporal server and UI, the metadata store, the worker and the gateway.
// `junction dev` is a thin shell around it, and the end-to-end tests start
// exactly the same stack, so what the tests prove is what a newcomer runs.
package devstack

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"path/filepath"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"
	"go.uber.org/zap/zapcore"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/internal/devvault"
	"github.com/junction-run/junction/payloadcodec"
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
	// RateLimit is each API key's budget (default gateway.DefaultRateLimit).
	RateLimit gateway.RateLimit
	// TemporalLogLevel filters the embedded server's own logs, which are
	// chatty at info: "debug", "info", "warn" (default) or "error".
	TemporalLogLevel string
	// EncryptPayloads encrypts every Temporal payload with a key generated
	// once and kept in DataDir (payload-keys); PayloadKeys gives the
	// keyring instead. A data directory that has the key file stays
	// encrypted. See payloads.go.
	EncryptPayloads bool
	PayloadKeys     string

	// Knobs the benchmark (internal/bench) turns; zero values keep the
	// defaults. TemporalPostgres keeps Temporal's data in PostgreSQL
	// instead of DataDir; Worker tunes the worker; NoWorker starts none,
	// for a worker in another process.
	TemporalPostgres *devserver.Postgres
	Worker           worker.Options
	NoWorker         bool
	// TemporalSQLite tunes the embedded server's SQLite (shards and
	// visibility file of a new data directory, settings). NoEagerStart
	// turns off eager workflow start, which is on whenever the worker runs
	// in this process. NoLocalHTTPSteps runs every HttpRequest step as a
	// regular activity, instead of short ones as local activities
	// (intake.Options).
	TemporalSQLite   devserver.SQLite
	NoEagerStart     bool
	NoLocalHTTPSteps bool
}

// Stack is a running Junction.
type Stack struct {
	Temporal *devserver.Server
	Client   client.Client
	Store    *store.Store
	Worker   sdkworker.Worker
	Gateway  *gateway.Gateway
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

	http        *http.Server
	httpErr     chan error
	log         *zap.Logger
	serverLevel zap.AtomicLevel
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
	codec, err := s.payloadCodec(cfg)
	if err != nil {
		return nil, err
	}
	codecEndpoint := ""
	if codec != nil && uiAddr != "" {
		codecEndpoint = s.GatewayURL + "/api/v1/codec"
	}
	s.Temporal, err = devserver.Start(ctx, devserver.Config{
		CodecEndpoint:    codecEndpoint,
		DBFile:           filepath.Join(cfg.DataDir, "temporal.db"),
		Namespace:        cfg.Namespace,
		FrontendAddress:  cfg.TemporalAddress,
		UIAddress:        uiAddr,
		SearchAttributes: runs.SearchAttributes(),
		Logger:           serverLog,
		Postgres:         cfg.TemporalPostgres,
		SQLite:           cfg.TemporalSQLite,
	})
	if err != nil {
		return nil, err
	}

	clientConfig := worker.ClientConfig{Address: s.Temporal.FrontendAddress, Namespace: cfg.Namespace}
	if codec != nil {
		clientConfig.DataConverter = payloadcodec.DataConverter(codec)
	}
	s.Client, err = worker.Dial(ctx, clientConfig, cfg.Logger)
	if err != nil {
		return nil, err
	}
	// The namespace got the search attributes when it was created; a data
	// directory from an older Junction gets the ones added since.
	if err := worker.EnsureSearchAttributes(ctx, s.Client, cfg.Namespace); err != nil {
		return nil, err
	}

	s.DatabaseURL = cfg.DatabaseURL
	s.Store, err = store.Open(ctx, cfg.DatabaseURL)
	if err != nil {
		return nil, fmt.Errorf("opening metadata store: %w", err)
	}

	if s.DevAPIKey, err = ensureDevAccount(ctx, s.Store, cfg.DataDir); err != nil {
		return nil, err
	}

	if err := s.startVault(ctx, cfg); err != nil {
		return nil, err
	}
	acts := worker.NewActivities(worker.Dependencies{Store: s.Store, Vault: s.Vault, Connectors: cfg.Connectors,
		Transport: cfg.ConnectorTransport, EightByEight: cfg.EightByEight})
	if !cfg.NoWorker {
		s.Worker = worker.New(s.Client, acts, cfg.Worker)
		if err := s.Worker.Start(); err != nil {
			s.Worker = nil
			return nil, fmt.Errorf("starting worker: %w", err)
		}
	}

	gwConfig := gateway.Config{
		Store:      s.Store,
		Temporal:   s.Client,
		Namespace:  cfg.Namespace,
		Logger:     cfg.Logger.Named("gateway"),
		RateLimit:  cfg.RateLimit,
		Connectors: acts.Connectors.Registry,
		// Eager start needs the worker on the gateway's client.
		Runs: intake.Options{EagerStart: s.Worker != nil && !cfg.NoEagerStart, NoLocalHTTPSteps: cfg.NoLocalHTTPSteps},
	}
	if s.Vault != nil {
		gwConfig.Secrets = s.Vault
	}
	gwConfig.PublicURL = s.GatewayURL
	if codec != nil {
		gwConfig.Codec = gateway.CodecConfig{Codec: codec, AllowedOrigins: uiOrigins(s.Temporal.UIURL), Accounts: []string{DevAccountID}}
	}
	s.Gateway = gateway.New(gwConfig)
	s.http = &http.Server{Handler: s.Gateway.Handler(), ReadHeaderTimeout: 10 * time.Second}
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
	if s.Worker != nil {
		s.Worker.Stop()
	}
	if s.Store != nil {
		_ = s.Store.Close()
	}
	if s.Client != nil {
		s.Client.Close()
	}
	if s.Vault != nil {
		_ = s.Vault.Close()
	}
	if s.devVault != nil {
		s.devVault.Stop()
	}
	if s.Temporal != nil {
		s.serverLevel.SetLevel(zapcore.ErrorLevel)
		s.Temporal.Stop()
	}
}

// startVault connects to the configured Vault, or starts the dev Vault when
// its binary is there; no Vault at all is not an error, only a warning.
func (s *Stack) startVault(ctx context.Context, cfg Config) error {
	addr, token := cfg.VaultAddress, vaultx.Secret(cfg.VaultToken)
	if addr == "" {
		bin, err := devvault.FindBinary()
		if err != nil {
			s.log.Warn("no Vault: connections are unavailable (make vault builds one, or pass --vault-addr)", zap.Error(err))
			return nil
		}
		listen := cfg.VaultListen
		if listen == "" {
			listen = devvault.DefaultAddress
		}
		s.devVault, err = devvault.Start(ctx, devvault.Config{DataDir: cfg.DataDir, Address: listen, Binary: bin, Logger: s.log.Named("vault")})
		if err != nil {
			return fmt.Errorf("starting the dev Vault: %w", err)
		}
		addr, token = s.devVault.Address, s.devVault.RootToken
	}
	client, err := vaultx.New(ctx, vaultx.Config{Address: addr, Token: token, Logger: s.log.Named("vaultx")})
	if err != nil {
		return fmt.Errorf("connecting to Vault at %s: %w", addr, err)
	}
	s.Vault, s.VaultAddress = client, addr
	return nil
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
	if cfg.Connectors == nil {
		cfg.Connectors = catalog.New()
	}
}
