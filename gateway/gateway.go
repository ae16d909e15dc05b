// Package gateway is Junction's HTTP front door: the 8x8-compatible
// management API and the webhook intake that turns inbound events into
// Temporal workflow starts. It is the only package that imports Gin.
//
// The intake rule that everything else leans on: a trigger is answered 2xx
// only after Temporal has accepted every start it causes, so an acknowledged
// event is never lost, and any failure answers 5xx so the caller retries.
package gateway

import (
	"context"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/store"
)

// DefaultMaxBodyBytes caps request bodies unless Config says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// metadataStore is what the gateway needs from the metadata store.
type metadataStore interface {
	CreateDefinition(ctx context.Context, d store.Definition) (store.Definition, error)
	UpdateDefinition(ctx context.Context, d store.Definition) (store.Definition, error)
	Definition(ctx context.Context, accountID, id string, version int) (store.Definition, error)
	DefinitionVersions(ctx context.Context, accountID, id string, page store.Page) ([]store.Definition, error)
	DeleteDefinition(ctx context.Context, accountID, id string, version int) error
	ListDefinitions(ctx context.Context, accountID string, page store.Page) ([]store.Definition, error)
	UpdateDefinitionIfLatest(ctx context.Context, d store.Definition, expected int) (store.Definition, error)
	DefinitionsOnAppVersion(ctx context.Context, accountID, app, version string, page store.Page) ([]store.Definition, error)
	EnabledDefinitions(ctx context.Context, accountID, trigger, subAccountID string) ([]store.Definition, error)

	AuthenticateAPIKey(ctx context.Context, key string) (store.APIKey, error)
	CreateAPIKey(ctx context.Context, accountID, name string, scopes []string) (store.APIKey, string, error)
	ListAPIKeys(ctx context.Context, accountID string, page store.Page) ([]store.APIKey, error)
	RevokeAPIKey(ctx context.Context, accountID, keyID string) error
	RotateAPIKey(ctx context.Context, accountID, keyID string) (store.APIKey, string, error)
	CreateSubAccount(ctx context.Context, sa store.SubAccount) (store.SubAccount, error)
	ListSubAccounts(ctx context.Context, accountID string, page store.Page) ([]store.SubAccount, error)
	SubAccount(ctx context.Context, accountID, id string) (store.SubAccount, error)
	APIKey(ctx context.Context, accountID, keyID string) (store.APIKey, error)
	DeleteSubAccount(ctx context.Context, accountID, id string) error

	CreateConnection(ctx context.Context, c store.Connection) (store.Connection, error)
	Connection(ctx context.Context, accountID, id string) (store.Connection, error)
	ListConnections(ctx context.Context, accountID, app string, page store.Page) ([]store.Connection, error)
	DeleteConnection(ctx context.Context, accountID, id string) error
	UpdateConnection(ctx context.Context, c store.Connection, expectedVersion int) (store.Connection, error)

	SetEnvVars(ctx context.Context, accountID, app, appVersion string, vars []store.EnvVar) error
	EnvVars(ctx context.Context, accountID, app, appVersion string) ([]store.EnvVar, error)
	DeleteEnvVar(ctx context.Context, accountID, app, appVersion, name string) error
}

// Config holds the gateway's dependencies.
type Config struct {
	Store     metadataStore
	Temporal  client.Client
	Namespace string
	Logger    *zap.Logger
	// MaxBodyBytes caps every request body (default 1 MiB); larger bodies
	// get 413 before anything is parsed or started.
	MaxBodyBytes int64
	// Connectors is the registry of connectors definitions may use and the
	// manifest lists (default: catalog.New(), the built-in ones).
	Connectors *connectors.Registry
	// Secrets is the Vault (a *vaultx.Client) that connections' secret
	// fields, secret environment variables and webhook secrets live in,
	// through package credentials; nil makes those routes answer 503.
	Secrets credentials.Vault
	// RateLimit is each API key's request budget (default DefaultRateLimit).
	RateLimit RateLimit
	// Now is the clock for timestamps in error bodies (default time.Now).
	Now func() time.Time
	// PublicURL is the gateway's address as browsers and providers reach
	// it, e.g. https://junction.example.com. Twilio signs webhook URLs under
	// it, and the OAuth2 redirect URL is PublicURL + OAuth2CallbackPath.
	// Empty means the request's own host (and X-Forwarded-Proto/-Host).
	PublicURL string
	// Codec configures payload encryption: the converter memos are read
	// with and the codec endpoint for the Temporal UI (codec.go).
	Codec CodecConfig
	// Runs says how intake starts runs.
	Runs intake.Options
}

// Gateway serves the HTTP API.
type Gateway struct {
	store      metadataStore
	temporal   client.Client
	namespace  string
	log        *zap.Logger
	maxBody    int64
	now        func() time.Time
	limiter    *keyLimiter
	connectors *connectors.Registry
	secrets    *credentials.Secrets
	engine     *gin.Engine

	publicBase string
	// dataConverter reads memos: Temporal's default, with the payload
	// codec around it when payloads are encrypted.
	dataConverter converter.DataConverter
	codec         http.Handler
	codecAccounts []string
	intake        *intake.Intake
	runOptions    intake.Options
}

// New builds the gateway and its routes.
func New(cfg Config) *Gateway {
	g := &Gateway{
		store:      cfg.Store,
		temporal:   cfg.Temporal,
		namespace:  cfg.Namespace,
		log:        cfg.Logger,
		maxBody:    cfg.MaxBodyBytes,
		now:        cfg.Now,
		limiter:    newKeyLimiter(cfg.RateLimit),
		connectors: cfg.Connectors,
		secrets:    credentials.New(cfg.Secrets, ""),
	}
	if g.connectors == nil {
		g.connectors = catalog.New()
	}
	g.publicBase = cfg.PublicURL
	if g.log == nil {
		g.log = zap.NewNop()
	}
	if g.maxBody <= 0 {
		g.maxBody = DefaultMaxBodyBytes
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.runOptions = cfg.Runs
	g.intake = intake.New(cfg.Store, cfg.Temporal, cfg.Namespace, cfg.Runs, g.now)
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	e.Use(g.accessLog(), g.recover(), g.limitBody())
	e.NoRoute(func(c *gin.Context) {
		g.fail(c, http.StatusNotFound, codeNotFound, "No route for "+c.Request.Method+" "+c.Request.URL.Path+".", nil)
	})
	e.NoMethod(func(c *gin.Context) {
		g.fail(c, http.StatusMethodNotAllowed, codeInvalidParameter, "Method "+c.Request.Method+" is not allowed on "+c.Request.URL.Path+".", nil)
	})

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/api/v1/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", OpenAPIDocument()) })
	// The manifest describes what Junction can connect to; like the API's
	// own document it holds nothing of any tenant, so it needs no key.
	e.GET("/api/v1/manifest", func(c *gin.Context) { c.JSON(http.StatusOK, g.connectors.Manifest()) })
	// Apps and their versions (deprecations included), as little as a
	// definition author needs to pick one; public like the manifest.
	e.GET("/api/v1/apps", g.listApps)

	// Third-party webhooks: no API key, the delivery's signature is the
	// authentication (webhooks.go).
	e.POST("/hooks/:accountId/:connectionId/:triggerId", g.checkAccount, g.receiveWebhook)

	// The provider sends the browser back here; the single-use state it
	// carries is the proof, not an API key.
	e.GET(OAuth2CallbackPath, g.oauth2Callback)

	g.codecRoutes(e, cfg.Codec)

	acct := e.Group("/api/v1/accounts/:accountId", g.checkAccount, g.authenticate)
	acct.POST("/definitions", g.createDefinition)
	acct.GET("/definitions", g.listDefinitions)
	acct.GET("/definitions/:definitionId", g.definitionVersions)
	acct.PUT("/definitions/:definitionId", g.updateDefinition)
	acct.DELETE("/definitions/:definitionId", g.deleteDefinition)
	acct.GET("/definitions/:definitionId/workflows", g.listRuns)
	acct.POST("/definitions/:definitionId/workflows", g.startTestRun)
	acct.GET("/definitions/:definitionId/workflows/:workflowId", g.getRun)
	acct.PATCH("/definitions/:definitionId/workflows/:workflowId", g.controlRun)
	acct.GET("/definitions/:definitionId/workflows/:workflowId/errors", g.runErrors)
	acct.POST("/triggers/http_request", g.triggerHTTPRequest)
	acct.POST("/triggers/inbound_sms", g.triggerInboundSMS)
	acct.POST("/triggers/inbound_chat_apps", g.triggerInboundChatApps)
	acct.GET("/steps/timezones", g.timeZones)
	acct.GET("/steps/functions", g.functions)
	acct.GET("/usage", g.usage)
	acct.GET("/usage/history", g.usageHistory)
	acct.GET("/keys", g.listKeys)
	acct.POST("/keys", g.createKey)
	acct.GET("/keys/:keyId", g.getKey)
	acct.DELETE("/keys/:keyId", g.revokeKey)
	acct.POST("/keys/:keyId/rotate", g.rotateKey)
	acct.GET("/connections", g.listConnections)
	acct.POST("/connections", g.createConnection)
	acct.GET("/connections/:connectionId", g.getConnection)
	acct.DELETE("/connections/:connectionId", g.deleteConnection)
	acct.PUT("/connections/:connectionId", g.updateConnection)
	acct.POST("/connections/:connectionId/test", g.testConnection)
	acct.POST("/connections/:connectionId/oauth2/authorize", g.startOAuth2)
	acct.GET("/apps/:app/versions/:version/env", g.getEnv)
	acct.PUT("/apps/:app/versions/:version/env", g.putEnv)
	acct.DELETE("/apps/:app/versions/:version/env/:name", g.deleteEnv)
	acct.GET("/subaccounts", g.listSubAccounts)
	acct.POST("/subaccounts", g.createSubAccount)
	acct.GET("/subaccounts/:subAccountId", g.getSubAccount)
	acct.DELETE("/subaccounts/:subAccountId", g.deleteSubAccount)
	acct.GET("/apps/:app/versions/:version/definitions", g.appVersionDefinitions)

	g.engine = e
	return g
}

// Routes lists every registered route as (method, path) with Gin's :param
// syntax, for the test that holds the OpenAPI document to the router.
func (g *Gateway) Routes() [][2]string {
	var out [][2]string
	for _, r := range g.engine.Routes() {
		out = append(out, [2]string{r.Method, r.Path})
	}
	return out
}

// Handler returns the http.Handler to serve.
func (g *Gateway) Handler() http.Handler { return g.engine }

// accessLog logs one line per request; bodies and query strings are left out
// because they carry customer data.
func (g *Gateway) accessLog() gin.HandlerFunc {
	return func(c *gin.Context) {
		start := time.Now()
		c.Next()
		g.log.Debug("request",
			zap.String("method", c.Request.Method),
			zap.String("path", c.Request.URL.Path),
			zap.Int("status", c.Writer.Status()),
			zap.Duration("took", time.Since(start)))
	}
}

// recover turns a panic into a JSON 500 and a logged stack, so a bug in one
// handler never takes the process down or answers with an empty body.
func (g *Gateway) recover() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if r := recover(); r != nil {
				g.log.Error("handler panicked", zap.Any("panic", r), zap.Stack("stack"))
				g.fail(c, http.StatusInternalServerError, codeInternal, "Internal error.", nil)
				c.Abort()
			}
		}()
		c.Next()
	}
}

func (g *Gateway) limitBody() gin.HandlerFunc {
	return func(c *gin.Context) {
		if c.Request.Body != nil {
			c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, g.maxBody)
		}
		c.Next()
	}
}
