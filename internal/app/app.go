// Package app builds a Junction process from one Config: the metadata
// store, the Vault client, the payload codec, the Temporal client, the
// worker and the gateway. `junction worker`, `junction gateway` and the dev
// stack (`junction dev`, the end-to-end tests, the benchmark) all build
// through Build, so every process wires its parts the same way; what only
// the dev stack does (the embedded Temporal server, the dev Vault, the dev
// account) stays in internal/devstack, and flags stay in cmd/junction.
package app

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/netip"
	"net/url"
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/client"
	sdkworker "go.temporal.io/sdk/worker"
	"go.uber.org/zap"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/connectors/eightbyeight"
	"github.com/junction-run/junction/egress"
	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/internal/tracing"
	"github.com/junction-run/junction/metrics"
	"github.com/junction-run/junction/payloadcodec"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/worker"
)

// Config is everything a Junction process is built from. Zero values take
// the defaults each field names; Worker and Gateway say which of the two
// the process runs (the dev stack runs both).
type Config struct {
	// Logger is the process's logger (default: none).
	Logger *zap.Logger
	// DatabaseURL is the metadata store: sqlite:PATH or postgres://...
	DatabaseURL string
	// Temporal says how to reach the cluster. Build sets its DataConverter
	// when payloads are encrypted: every client of a process gets the same
	// one.
	Temporal worker.ClientConfig
	// RegisterSearchAttributes adds whichever of Junction's search
	// attributes the namespace lacks (needs operator rights).
	RegisterSearchAttributes bool
	// Vault keeps connections' secrets and secret environment variables;
	// nil leaves them unavailable (the connections API answers 503 and
	// steps that need one fail as not configured). Its Logger defaults to
	// Logger's "vaultx".
	Vault *vaultx.Config
	// PayloadKeys turns payload encryption on; zero leaves payloads clear.
	PayloadKeys PayloadKeys
	// Connectors is the registry the worker runs and the gateway checks
	// definitions against (default catalog.New(), the built-in ones).
	Connectors *connectors.Registry
	// Runs says how intake starts runs. EagerStart only holds when this
	// process also runs the worker: eager start hands the first workflow
	// task to a worker on the gateway's own client.
	Runs intake.Options
	// Worker, when set, builds the Temporal worker.
	Worker *WorkerConfig
	// Gateway, when set, builds the HTTP gateway.
	Gateway *GatewayConfig
	// Metrics, when set, is what the process's parts record to: the
	// Temporal SDK (its client and worker), the gateway, intake, the
	// activities and the egress client. nil records nothing.
	Metrics *metrics.Metrics
	// Tracing exports OpenTelemetry traces when it names an endpoint
	// (tracing.FromEnv); its zero value is tracing off. Its ServiceName
	// defaults to junction-worker, junction-gateway or junction (both).
	Tracing tracing.Config
}

// PayloadKeys says where the payload keyring comes from: at most one of
// Spec and VaultPath.
type PayloadKeys struct {
	// Spec is the keyring: id:base64key[,id:base64key...], the current key
	// first, older ones to read old histories.
	Spec string
	// VaultPath names a Vault KV v2 entry whose field keys holds the
	// keyring in Spec's format; it needs Config.Vault.
	VaultPath string
}

// WorkerConfig configures the worker and the activities it runs.
type WorkerConfig struct {
	// Options tune the SDK worker (slots, pollers, cache, identity).
	Options worker.Options
	// EightByEight configures the SMS and ChatAppsMessage steps; without an
	// API key those steps fail as not configured.
	EightByEight eightbyeight.Config
	// Transport, when set, carries connector actions' HTTP calls instead
	// of the egress client's transport; tests route third parties to fakes.
	Transport http.RoundTripper
	// EgressAllow lets the egress address guard connect to these
	// addresses and host names although they are not public (`junction
	// worker --egress-allow`); the zero Allow, production's default, lets
	// public addresses only.
	EgressAllow egress.Allow
	// EgressProxy is the HTTP proxy calls to third parties go through
	// (`junction worker --egress-proxy`); nil is none.
	EgressProxy *url.URL
	// MaxResponseBytes is the most of one answer a step may read
	// (`junction worker --max-response-bytes`); 0 means
	// httpconn.DefaultMaxResponseBytesLimit.
	MaxResponseBytes int64
}

// GatewayConfig configures the HTTP gateway.
type GatewayConfig struct {
	// PublicURL is the gateway's address as third parties and browsers
	// reach it (webhook signatures, the OAuth2 redirect URL); "" means the
	// request's own host.
	PublicURL string
	// MaxBodyBytes caps request bodies (default gateway.DefaultMaxBodyBytes).
	MaxBodyBytes int64
	// Limits are the gateway's request budgets (zero fields:
	// gateway.DefaultLimits).
	Limits gateway.Limits
	// TrustedProxies are the proxies whose X-Forwarded-* headers the
	// gateway believes (gateway.Config.TrustedProxies); default none.
	TrustedProxies []netip.Prefix
	// SecureCookies says when the gateway's cookies are marked Secure.
	SecureCookies gateway.SecureCookies
	// CodecOrigins are the browser origins of the Temporal UI allowed to
	// call the codec endpoint, and CodecAccounts the accounts whose admin
	// keys may decrypt payloads through it. Unused without payload keys.
	CodecOrigins  []string
	CodecAccounts []string
	// TemporalUIURL is the Temporal UI's base URL, which run answers link
	// to (gateway.Config.TemporalUIURL); empty: no links.
	TemporalUIURL string
	// OperatorAccounts are the accounts whose admin keys manage the
	// platform's apps (gateway.Config.OperatorAccounts).
	OperatorAccounts []string
	// HTTP are the HTTP server's limits (zero fields: the defaults).
	HTTP HTTPLimits
}

// App is a built process. Build starts nothing that serves: the caller
// runs the worker and serves the gateway, and stops them before Close.
type App struct {
	// Log is Config.Logger (a no-op logger when that is nil).
	Log *zap.Logger
	// Vault is nil without Config.Vault.
	Vault *vaultx.Client
	// Keyring and Codec are nil when payloads are not encrypted.
	Keyring *payloadcodec.Keyring
	Codec   *payloadcodec.Codec
	// Temporal is the process's one Temporal client: the worker polls on
	// it and the gateway starts runs with it.
	Temporal client.Client
	// Store is the metadata store.
	Store *store.Store
	// Worker is nil without Config.Worker; it is built, not started.
	Worker sdkworker.Worker
	// Gateway is nil without Config.Gateway.
	Gateway *gateway.Gateway
	// Metrics is Config.Metrics.
	Metrics *metrics.Metrics
	// Tracing is nil when tracing is off.
	Tracing *tracing.Tracing

	httpLimits HTTPLimits
}

// Build makes every part cfg asks for, in dependency order: Vault first
// (the keyring may live there, and an AppRole secret id may be single-use,
// so the process logs in once), then the codec, the Temporal client, the
// metadata store, the worker and the gateway. On error, whatever was built
// is closed again.
func Build(ctx context.Context, cfg Config) (_ *App, err error) {
	a := &App{Log: cfg.Logger, Metrics: cfg.Metrics}
	if a.Log == nil {
		a.Log = zap.NewNop()
	}
	defer func() {
		if err != nil {
			a.Close()
		}
	}()
	if cfg.Vault != nil {
		vc := *cfg.Vault
		if vc.Logger == nil {
			vc.Logger = a.Log.Named("vaultx")
		}
		if a.Vault, err = vaultx.New(ctx, vc); err != nil {
			return nil, fmt.Errorf("connecting to Vault at %s: %w", vc.Address, err)
		}
	}
	if a.Keyring, err = a.keyring(ctx, cfg.PayloadKeys); err != nil {
		return nil, err
	}
	if a.Tracing, err = tracing.New(ctx, tracingConfig(cfg)); err != nil {
		return nil, err
	}
	temporalConfig := cfg.Temporal
	if cfg.Metrics != nil {
		temporalConfig.MetricsHandler = cfg.Metrics.TemporalHandler()
		cfg.Runs.Metrics = cfg.Metrics
	}
	if ic, err := a.Tracing.TemporalInterceptor(); err != nil {
		return nil, err
	} else if ic != nil {
		temporalConfig.Interceptors = append(slices.Clip(temporalConfig.Interceptors), ic)
		a.Log.Info("tracing on: spans go over OTLP", zap.String("protocol", cmp.Or(cfg.Tracing.Protocol, tracing.ProtocolHTTP)))
	}
	if a.Keyring != nil {
		a.Codec = payloadcodec.New(a.Keyring)
		temporalConfig.DataConverter = payloadcodec.DataConverter(a.Codec)
		temporalConfig.FailureConverter = payloadcodec.FailureConverter(temporalConfig.DataConverter)
		a.Log.Info("Temporal payloads are encrypted", zap.Object("keyring", a.Keyring))
	}
	if a.Temporal, err = worker.Dial(ctx, temporalConfig, a.Log); err != nil {
		return nil, err
	}
	if cfg.RegisterSearchAttributes {
		if err := worker.EnsureSearchAttributes(ctx, a.Temporal, cfg.Temporal.Namespace); err != nil {
			return nil, err
		}
	}
	if a.Store, err = store.Open(ctx, cfg.DatabaseURL); err != nil {
		return nil, fmt.Errorf("opening metadata store: %w", err)
	}
	registry := cfg.Connectors
	if registry == nil {
		registry = catalog.New()
	}
	// Besides the built-in connectors, the apps each account keeps as
	// data, found by the account's lookups (Registry.LookupFor).
	registry.WithAccountApps(newStoredApps(a.Store))
	if w := cfg.Worker; w != nil && w.Options.Deployment.On() {
		// No eager start beside a versioned worker: Temporal (1.32) hands
		// an eager first task to the starting client's worker whatever its
		// build, and a run would pin itself there instead of on the
		// deployment's current version.
		cfg.Runs.EagerStart = false
	}
	if w := cfg.Worker; w != nil {
		// The worker's own intake: for the events Junction raises and the
		// messages conversations hand back, in this process.
		in := intake.New(a.Store, a.Temporal, cfg.Temporal.Namespace, cfg.Runs, nil)
		acts := worker.NewActivities(worker.Dependencies{Store: a.Store, Vault: a.Vault, Connectors: registry,
			Transport: w.Transport, EightByEight: w.EightByEight, EgressAllow: w.EgressAllow, EgressProxy: w.EgressProxy,
			MaxResponseBytes: w.MaxResponseBytes, Events: in, Messages: in, Metrics: cfg.Metrics})
		a.Worker = worker.New(a.Temporal, acts, w.Options)
		a.Log.Info("egress address guard on", zap.Stringer("egressAllow", w.EgressAllow))
	}
	if g := cfg.Gateway; g != nil {
		runs := cfg.Runs
		runs.EagerStart = runs.EagerStart && a.Worker != nil
		gc := gateway.Config{
			Store:          a.Store,
			Temporal:       a.Temporal,
			Namespace:      cfg.Temporal.Namespace,
			Logger:         a.Log.Named("gateway"),
			MaxBodyBytes:   g.MaxBodyBytes,
			Connectors:     registry,
			Limits:         g.Limits,
			TrustedProxies: g.TrustedProxies,
			SecureCookies:  g.SecureCookies,
			PublicURL:      g.PublicURL,
			TemporalUIURL:  g.TemporalUIURL,
			Codec:          gateway.CodecConfig{Codec: a.Codec, AllowedOrigins: g.CodecOrigins, Accounts: g.CodecAccounts},
			Runs:           runs,
			// Operators' accounts, as the codec's: admin keys of them
			// manage the platform's apps.
			OperatorAccounts: g.OperatorAccounts,
			Metrics:          cfg.Metrics,
		}
		if a.Vault != nil {
			// A nil *vaultx.Client in the interface would not read as nil.
			gc.Secrets = a.Vault
		}
		if a.Tracing != nil {
			gc.Tracing, gc.TracePropagator = a.Tracing.Provider(), tracing.Propagator
		}
		a.Gateway = gateway.New(gc)
		a.httpLimits = g.HTTP
	}
	return a, nil
}

// HTTPServer is the gateway's HTTP server with Config.Gateway.HTTP's
// limits; the caller listens and shuts it down. It needs Config.Gateway.
func (a *App) HTTPServer() *http.Server { return a.httpLimits.Server(a.Gateway.Handler()) }

// HTTPLimits are the gateway's HTTP server limits: a client that sends
// slowly, or never stops sending headers, holds a connection and a
// goroutine for at most these. Bodies are capped by the gateway itself
// (gateway.DefaultMaxBodyBytes). A zero field is its default below.
type HTTPLimits struct {
	ReadHeaderTimeout time.Duration
	ReadTimeout       time.Duration
	WriteTimeout      time.Duration
	IdleTimeout       time.Duration
	MaxHeaderBytes    int
}

// Server is an http.Server for h with these limits.
func (l HTTPLimits) Server(h http.Handler) *http.Server {
	return &http.Server{Handler: h,
		ReadHeaderTimeout: cmp.Or(l.ReadHeaderTimeout, ReadHeaderTimeout), ReadTimeout: cmp.Or(l.ReadTimeout, ReadTimeout),
		WriteTimeout: cmp.Or(l.WriteTimeout, WriteTimeout), IdleTimeout: cmp.Or(l.IdleTimeout, IdleTimeout),
		MaxHeaderBytes: cmp.Or(l.MaxHeaderBytes, MaxHeaderBytes)}
}

// The defaults of HTTPLimits.
const (
	// ReadHeaderTimeout bounds reading a request's headers.
	ReadHeaderTimeout = 10 * time.Second
	// ReadTimeout bounds reading a whole request, body included.
	ReadTimeout = 30 * time.Second
	// WriteTimeout bounds a request from the end of its headers to the
	// end of the answer. It is longer than the slowest routes, a connection
	// test and running an action, which wait up to 60 s for their workflow
	// and then answer.
	WriteTimeout = 2 * time.Minute
	// IdleTimeout closes a keep-alive connection that sends nothing.
	IdleTimeout = 2 * time.Minute
	// MaxHeaderBytes caps a request's headers (net/http's default is 1 MiB);
	// a larger header block is answered 431.
	MaxHeaderBytes = 64 << 10
)

// NewHTTPServer is the gateway's server with the default limits.
func NewHTTPServer(h http.Handler) *http.Server { return HTTPLimits{}.Server(h) }

// tracingConfig is cfg.Tracing with the service named for the parts the
// process runs.
func tracingConfig(cfg Config) tracing.Config {
	t := cfg.Tracing
	if t.ServiceName == "" {
		switch {
		case cfg.Worker != nil && cfg.Gateway == nil:
			t.ServiceName = "junction-worker"
		case cfg.Gateway != nil && cfg.Worker == nil:
			t.ServiceName = "junction-gateway"
		default:
			t.ServiceName = "junction"
		}
	}
	return t
}

// Close releases the store, the Temporal client and the Vault client, and
// exports the spans still buffered. Safe on a partly built App; stop the
// worker first.
func (a *App) Close() {
	if a.Store != nil {
		_ = a.Store.Close()
	}
	if a.Temporal != nil {
		a.Temporal.Close()
	}
	if a.Vault != nil {
		_ = a.Vault.Close()
	}
	if a.Tracing != nil {
		ctx, cancel := context.WithTimeout(context.Background(), tracingShutdownTimeout)
		defer cancel()
		if err := a.Tracing.Shutdown(ctx); err != nil {
			a.Log.Warn("exporting the last spans", zap.Error(err))
		}
	}
}

// tracingShutdownTimeout bounds exporting the last spans at exit: a
// collector that is down must not hold a shutdown up.
const tracingShutdownTimeout = 5 * time.Second

// keyring reads the payload keyring k names; nil when payloads are not
// encrypted. Errors never echo key material.
func (a *App) keyring(ctx context.Context, k PayloadKeys) (*payloadcodec.Keyring, error) {
	spec := k.Spec
	if k.VaultPath != "" {
		if strings.TrimSpace(spec) != "" {
			return nil, errors.New("payload keys: give a keyring or a Vault path to one, not both")
		}
		var err error
		if spec, err = keyringFromVault(ctx, a.Vault, k.VaultPath); err != nil {
			return nil, err
		}
	}
	if strings.TrimSpace(spec) == "" {
		return nil, nil
	}
	// ParseKeyring's errors never echo what was given: it may be key material.
	kr, err := payloadcodec.ParseKeyring(spec)
	if err != nil {
		return nil, fmt.Errorf("payload keys: %w", err)
	}
	return kr, nil
}

// keyringFromVault reads the keyring spec at path's field keys. Errors
// name the path, never the value.
func keyringFromVault(ctx context.Context, vault *vaultx.Client, path string) (string, error) {
	if vault == nil {
		return "", fmt.Errorf("the payload keyring at %s is in Vault, and no Vault is configured", path)
	}
	entry, err := vault.Read(ctx, path)
	if err != nil {
		return "", fmt.Errorf("reading the payload keyring from Vault at %s: %w", path, err)
	}
	spec := string(entry.Data["keys"])
	if strings.TrimSpace(spec) == "" {
		return "", fmt.Errorf("the Vault entry %s has no field keys holding the payload keyring", path)
	}
	return spec, nil
}
