package vaultx

import (
	"cmp"
	"context"
	"crypto/tls"
	"errors"
	"fmt"
	"net/http"
	"os"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"github.com/hashicorp/vault/api"
	"go.uber.org/zap"
)

// Defaults for the zero values of Config.
const (
	DefaultKVMount         = "secret"
	DefaultAppRoleMount    = "approle"
	DefaultKubernetesMount = "kubernetes"
	// DefaultKubernetesTokenFile is where Kubernetes mounts a pod's
	// service account token.
	DefaultKubernetesTokenFile = "/var/run/secrets/kubernetes.io/serviceaccount/token"
	DefaultCacheTTL            = 30 * time.Second
	DefaultTimeout             = 10 * time.Second
)

// Config says where Vault is and how to authenticate. Exactly one of Token,
// AppRole and Kubernetes is set. Vault's own VAULT_* environment variables
// are not read (except VAULT_HEADERS, which the Vault client applies
// itself): what Junction connects to is what its configuration says.
type Config struct {
	// Address is Vault's URL, e.g. "https://vault.internal:8200".
	Address string
	// Token authenticates with a token, e.g. the root token of a dev
	// server. A renewable token is renewed until its maximum TTL; it cannot
	// be replaced once that is reached, so production uses AppRole or
	// Kubernetes.
	Token Secret
	// AppRole logs in with a role ID and secret ID, and logs in again
	// whenever the token cannot be renewed any longer.
	AppRole *AppRole
	// Kubernetes logs in with the pod's service account token, and logs in
	// again like AppRole.
	Kubernetes *Kubernetes
	// Namespace is a Vault Enterprise namespace ("" for none).
	Namespace string
	// TLS configures HTTPS to Vault.
	TLS TLSConfig
	// KVMount is the path of the KV version 2 engine (default "secret").
	KVMount string
	// CacheTTL is how long a successful Read is served from memory
	// (default 30s). A negative value disables the cache. A client's own
	// writes and deletes invalidate its cache at once; other clients' writes
	// are seen after at most CacheTTL.
	CacheTTL time.Duration
	// Timeout bounds each call to Vault, retries included (default 10s).
	Timeout time.Duration
	// Logger receives renewal and re-login events (default: none).
	Logger *zap.Logger
}

// AppRole holds the credentials of an AppRole login.
type AppRole struct {
	RoleID string
	// SecretID is the secret ID; or else SecretIDFile names a file that
	// holds it, read at every login, so that whoever delivers secret IDs
	// (an init step, Vault Agent) can replace it without a restart.
	SecretID     Secret
	SecretIDFile string
	// MountPath is where the AppRole auth method is enabled (default
	// "approle").
	MountPath string
}

// Kubernetes holds what a login with a pod's service account takes:
// Vault's Kubernetes auth method, or a JWT auth method that validates
// service account tokens (both take the same login request).
type Kubernetes struct {
	// Role is the Vault role bound to the service account.
	Role string
	// MountPath is where the auth method is enabled (default
	// "kubernetes").
	MountPath string
	// TokenFile holds the service account token (default
	// DefaultKubernetesTokenFile). It is read at every login: Kubernetes
	// replaces projected tokens before they expire.
	TokenFile string
}

// loginMethod is how a client gets a new token: AppRole or Kubernetes.
type loginMethod struct {
	name  string // for errors and logs: "AppRole login"
	mount string
	// body returns the login request and the credential in it, which no
	// message may show.
	body func() (map[string]any, string, error)
}

// newLoginMethod returns cfg's login method, nil for a static token.
func newLoginMethod(cfg Config) *loginMethod {
	switch {
	case cfg.AppRole != nil:
		ar := *cfg.AppRole
		return &loginMethod{
			name:  "AppRole login",
			mount: cmp.Or(strings.Trim(ar.MountPath, "/"), DefaultAppRoleMount),
			body: func() (map[string]any, string, error) {
				secretID := string(ar.SecretID)
				if secretID == "" {
					b, err := os.ReadFile(ar.SecretIDFile)
					if err != nil {
						return nil, "", fmt.Errorf("vaultx: AppRole login: reading the secret ID file: %w", err)
					}
					if secretID = strings.TrimSpace(string(b)); secretID == "" {
						return nil, "", fmt.Errorf("vaultx: AppRole login: the secret ID file %s is empty", ar.SecretIDFile)
					}
				}
				return map[string]any{"role_id": ar.RoleID, "secret_id": secretID}, secretID, nil
			},
		}
	case cfg.Kubernetes != nil:
		k := *cfg.Kubernetes
		file := cmp.Or(k.TokenFile, DefaultKubernetesTokenFile)
		return &loginMethod{
			name:  "Kubernetes login",
			mount: cmp.Or(strings.Trim(k.MountPath, "/"), DefaultKubernetesMount),
			body: func() (map[string]any, string, error) {
				b, err := os.ReadFile(file)
				if err != nil {
					return nil, "", fmt.Errorf("vaultx: Kubernetes login: reading the service account token: %w", err)
				}
				jwt := strings.TrimSpace(string(b))
				if jwt == "" {
					return nil, "", fmt.Errorf("vaultx: Kubernetes login: the service account token file %s is empty", file)
				}
				return map[string]any{"role": k.Role, "jwt": jwt}, jwt, nil
			},
		}
	}
	return nil
}

// TLSConfig configures the connection to an HTTPS Vault. Paths are PEM
// files.
type TLSConfig struct {
	CACert     string
	ClientCert string
	ClientKey  string
	// ServerName overrides the name the server certificate is checked
	// against.
	ServerName string
	// Insecure skips certificate verification. Never in production.
	Insecure bool
}

// Client reads and writes secrets in one KV v2 mount. It is safe for
// concurrent use; create one per process and share it (a worker's
// activities hold it in their struct). Close stops its renewal goroutine.
type Client struct {
	vc      *api.Client // carries the token
	timeout time.Duration
	lc      *api.Client  // token-less, for logins; nil with a static token
	method  *loginMethod // nil with a static token
	mount   string
	log     *zap.Logger
	cache   *cache
	// credential is the secret ID or service account token of the last
	// login, kept out of every message.
	credential atomic.Pointer[string]

	loginMu sync.Mutex // one login at a time

	stop      context.CancelFunc
	done      chan struct{}
	closeOnce sync.Once
}

// New authenticates to Vault (checks the token, or logs in with AppRole or
// Kubernetes) and returns a client. When the token is renewable, a
// goroutine renews it for as long as Vault allows and, with a login method,
// logs in again when it no longer can. ctx bounds only the initial
// authentication.
func New(ctx context.Context, cfg Config) (*Client, error) {
	if cfg.Address == "" {
		return nil, errors.New("vaultx: Address is required")
	}
	methods := 0
	for _, set := range []bool{cfg.Token != "", cfg.AppRole != nil, cfg.Kubernetes != nil} {
		if set {
			methods++
		}
	}
	switch {
	case methods > 1:
		return nil, errors.New("vaultx: set one of Token, AppRole and Kubernetes")
	case methods == 0:
		return nil, errors.New("vaultx: Token, AppRole or Kubernetes is required")
	case cfg.AppRole != nil && cfg.AppRole.RoleID == "":
		return nil, errors.New("vaultx: AppRole needs RoleID")
	case cfg.AppRole != nil && (cfg.AppRole.SecretID == "") == (cfg.AppRole.SecretIDFile == ""):
		return nil, errors.New("vaultx: AppRole needs SecretID or SecretIDFile (one of them)")
	case cfg.Kubernetes != nil && cfg.Kubernetes.Role == "":
		return nil, errors.New("vaultx: Kubernetes needs Role")
	}
	mount := strings.Trim(cfg.KVMount, "/")
	if mount == "" {
		mount = DefaultKVMount
	}
	ttl := cfg.CacheTTL
	if ttl == 0 {
		ttl = DefaultCacheTTL
	}
	logger := cfg.Logger
	if logger == nil {
		logger = zap.NewNop()
	}

	vc, err := newAPIClient(cfg)
	if err != nil {
		return nil, err
	}
	c := &Client{
		vc:      vc,
		timeout: cmp.Or(max(cfg.Timeout, 0), DefaultTimeout),
		mount:   mount,
		log:     logger.Named("vault"),
		cache:   newCache(ttl),
		done:    make(chan struct{}),
		method:  newLoginMethod(cfg),
	}

	var auth *api.SecretAuth
	if c.method != nil {
		if c.lc, err = newAPIClient(cfg); err != nil {
			return nil, err
		}
		if auth, err = c.login(ctx); err != nil {
			return nil, err
		}
	} else {
		vc.SetToken(string(cfg.Token))
		if auth, err = c.lookupSelf(ctx); err != nil {
			return nil, err
		}
	}

	runCtx, stop := context.WithCancel(context.Background())
	c.stop = stop
	go c.maintain(runCtx, auth)
	return c, nil
}

// newAPIClient builds a Vault client from cfg alone, without the VAULT_*
// environment variables api.DefaultConfig would apply.
func newAPIClient(cfg Config) (*api.Client, error) {
	timeout := cmp.Or(max(cfg.Timeout, 0), DefaultTimeout)
	transport := http.DefaultTransport.(*http.Transport).Clone()
	transport.TLSClientConfig = &tls.Config{MinVersion: tls.VersionTLS12}
	conf := &api.Config{
		Address: cfg.Address,
		HttpClient: &http.Client{
			Transport: transport,
			// The Vault client follows redirects itself.
			CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
		},
		Timeout: timeout,
		// A blip is retried here, briefly; a longer outage is returned as
		// ErrUnavailable and retried by the caller (Temporal's retry policy
		// for an activity), which is the one place that decides how long to
		// keep trying.
		MaxRetries:   2,
		MinRetryWait: 100 * time.Millisecond,
		MaxRetryWait: 500 * time.Millisecond,
	}
	if err := conf.ConfigureTLS(&api.TLSConfig{
		CACert:        cfg.TLS.CACert,
		ClientCert:    cfg.TLS.ClientCert,
		ClientKey:     cfg.TLS.ClientKey,
		TLSServerName: cfg.TLS.ServerName,
		Insecure:      cfg.TLS.Insecure,
	}); err != nil {
		return nil, fmt.Errorf("vaultx: configuring TLS: %w", err)
	}
	vc, err := api.NewClient(conf)
	if err != nil {
		return nil, fmt.Errorf("vaultx: creating client for %s: %w", cfg.Address, err)
	}
	// NewClient picks these up from VAULT_TOKEN and VAULT_NAMESPACE.
	vc.ClearToken()
	if cfg.Namespace != "" {
		vc.SetNamespace(cfg.Namespace)
	} else {
		vc.ClearNamespace()
	}
	return vc, nil
}

// Close stops the renewal goroutine and waits for it. The token is not
// revoked (a static token belongs to whoever configured it; an AppRole
// token expires on its own). The client must not be used afterwards.
func (c *Client) Close() error {
	c.closeOnce.Do(func() {
		c.stop()
		<-c.done
	})
	return nil
}

// secrets lists what must never appear in an error message.
func (c *Client) secrets() []string {
	s := []string{c.vc.Token()}
	if cred := c.credential.Load(); cred != nil {
		s = append(s, *cred)
	}
	return s
}

// login performs a login with c's method and installs the new token.
func (c *Client) login(ctx context.Context) (*api.SecretAuth, error) {
	m := c.method
	body, credential, err := m.body()
	if err != nil {
		return nil, err
	}
	c.credential.Store(&credential)
	s, err := c.lc.Logical().WriteWithContext(ctx, "auth/"+m.mount+"/login", body)
	if err != nil {
		e := classify(ctx, m.name, m.mount, err, c.secrets())
		var oe *opError
		// AppRole answers a wrong role or secret ID with 400, Kubernetes a
		// role the service account is not bound to.
		if errors.As(e, &oe) && oe.status == http.StatusBadRequest {
			oe.kind = ErrPermissionDenied
		}
		return nil, e
	}
	if s == nil || s.Auth == nil || s.Auth.ClientToken == "" {
		return nil, &opError{op: m.name, path: m.mount, detail: "no token in the response"}
	}
	c.vc.SetToken(s.Auth.ClientToken)
	c.log.Debug("logged in", zap.String("method", m.name),
		zap.Duration("ttl", time.Duration(s.Auth.LeaseDuration)*time.Second),
		zap.Bool("renewable", s.Auth.Renewable))
	return s.Auth, nil
}

// lookupSelf checks the configured token and learns whether and for how
// long it can be renewed.
func (c *Client) lookupSelf(ctx context.Context) (*api.SecretAuth, error) {
	s, err := c.vc.Auth().Token().LookupSelfWithContext(ctx)
	if err != nil {
		return nil, classify(ctx, "token lookup", "", err, c.secrets())
	}
	if s == nil {
		return nil, &opError{op: "token lookup", detail: "empty response"}
	}
	renewable, err := s.TokenIsRenewable()
	if err != nil {
		return nil, &opError{op: "token lookup", detail: "unreadable renewable field"}
	}
	ttl, err := s.TokenTTL()
	if err != nil {
		return nil, &opError{op: "token lookup", detail: "unreadable ttl field"}
	}
	return &api.SecretAuth{
		ClientToken:   c.vc.Token(),
		Renewable:     renewable,
		LeaseDuration: int(ttl / time.Second),
	}, nil
}

// relogin replaces a token Vault no longer accepts, when the client can
// (AppRole, Kubernetes). stale is the token a request was refused with: if
// another goroutine has already replaced it, nothing is done. It reports
// whether the caller should retry its request.
func (c *Client) relogin(ctx context.Context, stale string) bool {
	if c.method == nil {
		return false
	}
	c.loginMu.Lock()
	defer c.loginMu.Unlock()
	if c.vc.Token() != stale {
		return true
	}
	// A 403 is usually a policy that does not allow the request; only a
	// token that fails its own lookup is worth replacing.
	if _, err := c.vc.Auth().Token().LookupSelfWithContext(ctx); err == nil {
		return false
	}
	if _, err := c.login(ctx); err != nil {
		c.log.Warn("login after a refused token failed", zap.String("method", c.method.name), zap.Error(err))
		return false
	}
	c.log.Info("logged in again after Vault refused the token", zap.String("method", c.method.name))
	return true
}

// maintain keeps the client's token valid until ctx is cancelled: it renews
// a renewable token with Vault's lifetime watcher and, with a login method,
// logs in again when the token reaches its maximum TTL or renewal keeps
// failing.
func (c *Client) maintain(ctx context.Context, auth *api.SecretAuth) {
	defer close(c.done)
	for {
		if !c.watch(ctx, auth) {
			return
		}
		if c.method == nil {
			c.log.Warn("the Vault token can no longer be renewed and will expire; configure AppRole or Kubernetes auth for long-running processes")
			return
		}
		var err error
		auth, err = c.loginRetrying(ctx)
		if err != nil {
			return // ctx is done
		}
	}
}

// watch blocks while the token is valid and being renewed. It returns true
// when the token is about to expire (a new login is needed) and false when
// ctx is done or the token never expires.
func (c *Client) watch(ctx context.Context, auth *api.SecretAuth) bool {
	lease := time.Duration(auth.LeaseDuration) * time.Second
	if !auth.Renewable {
		if lease <= 0 {
			// A token without a TTL (a root token) never expires.
			<-ctx.Done()
			return false
		}
		// Not renewable but it expires: log in again at about 80% of its
		// life.
		t := time.NewTimer(lease * 4 / 5)
		defer t.Stop()
		select {
		case <-ctx.Done():
			return false
		case <-t.C:
			return true
		}
	}
	w, err := c.vc.NewLifetimeWatcher(&api.LifetimeWatcherInput{
		Secret: &api.Secret{Auth: auth},
	})
	if err != nil {
		c.log.Error("cannot watch the Vault token", zap.Error(err))
		<-ctx.Done()
		return false
	}
	go w.Start()
	defer w.Stop()
	for {
		select {
		case <-ctx.Done():
			return false
		case r := <-w.RenewCh():
			if r != nil && r.Secret != nil && r.Secret.Auth != nil {
				c.log.Debug("renewed the Vault token",
					zap.Duration("ttl", time.Duration(r.Secret.Auth.LeaseDuration)*time.Second))
			}
		case err := <-w.DoneCh():
			if err != nil {
				c.log.Warn("renewing the Vault token failed",
					zap.String("error", redact(err.Error(), c.secrets())))
			} else {
				c.log.Debug("the Vault token reached its maximum TTL")
			}
			return true
		}
	}
}

// loginRetrying logs in until it succeeds or ctx is done,
// backing off from 1s to 30s between attempts.
func (c *Client) loginRetrying(ctx context.Context) (*api.SecretAuth, error) {
	delay := time.Second
	for {
		c.loginMu.Lock()
		auth, err := c.login(ctx)
		c.loginMu.Unlock()
		if err == nil {
			c.log.Info("logged in again", zap.String("method", c.method.name))
			return auth, nil
		}
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		c.log.Warn("login failed; retrying", zap.String("method", c.method.name), zap.Error(err), zap.Duration("in", delay))
		t := time.NewTimer(delay)
		select {
		case <-ctx.Done():
			t.Stop()
			return nil, ctx.Err()
		case <-t.C:
		}
		delay = min(delay*2, 30*time.Second)
	}
}
