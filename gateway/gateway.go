// Package gateway is Junction's HTTP front door: the 8x8-compatible
// management API and the webhook intake that turns inbound events into
// Temporal workflow starts. It is the only package that imports Gin.
//
// It only speaks HTTP. Middleware authenticates and limits; handlers bind a
// request (bind.go), call a service (manage.Definitions, manage.Runs,
// intake, credentials) and return an error instead of writing one: handle
// adapts them to Gin, and answer (errors.go) is the one place that turns
// an error into a status and 8x8's error body.
//
// The intake rule that everything else leans on: a trigger is answered 2xx
// only after Temporal has accepted every start it causes, so an acknowledged
// event is never lost, and any failure answers 5xx so the caller retries.
package gateway

import (
	"net/http"
	"net/netip"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.opentelemetry.io/otel/propagation"
	"go.opentelemetry.io/otel/trace"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.uber.org/zap"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/metrics"
	"github.com/junction-run/junction/store"
)

// DefaultMaxBodyBytes caps request bodies unless Config says otherwise.
const DefaultMaxBodyBytes = 1 << 20

// Config holds the gateway's dependencies.
type Config struct {
	// Store is the metadata store.
	Store     *store.Store
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
	// Limits are the request budgets (limits.go); zero fields take
	// DefaultLimits'.
	Limits Limits
	// TrustedProxies are the addresses of the proxies in front of the
	// gateway (load balancers, ingress). Only a request whose peer is one
	// of them may say, in X-Forwarded-For, X-Forwarded-Proto and
	// X-Forwarded-Host, who the client is and what URL it called; from
	// anyone else those headers are ignored. Default none.
	TrustedProxies []netip.Prefix
	// SecureCookies says when the gateway's cookies (the codec session, the
	// OAuth2 browser binding) are marked Secure; default SecureCookiesAuto.
	SecureCookies SecureCookies
	// Now is the clock for timestamps in error bodies (default time.Now).
	Now func() time.Time
	// PublicURL is the gateway's address as browsers and providers reach
	// it, e.g. https://junction.example.com. Twilio signs webhook URLs under
	// it, and the OAuth2 redirect URL is PublicURL + OAuth2CallbackPath.
	// Empty means the request's own host (and X-Forwarded-Proto/-Host).
	PublicURL string
	// OperatorAccounts are the accounts whose admin keys manage the
	// platform's apps (/api/v1/platform/apps); empty lets no one.
	OperatorAccounts []string
	// Codec configures payload encryption: the converter memos are read
	// with and the codec endpoint for the Temporal UI (codec.go).
	Codec CodecConfig
	// Runs says how intake starts runs.
	Runs intake.Options
	// Metrics counts requests by route, method and status (nil: none).
	Metrics *metrics.Metrics
	// TemporalUIURL is the Temporal UI's base URL, e.g.
	// https://temporal.example.com: run answers link to each run's
	// history there (historyUrl); empty leaves the links out.
	TemporalUIURL string
	// Tracing, when set, makes every request a span of this provider
	// (tracing.go), propagated with TracePropagator (default: W3C trace
	// context); nil is tracing off.
	Tracing         trace.TracerProvider
	TracePropagator propagation.TextMapPropagator
}

// Gateway serves the HTTP API.
type Gateway struct {
	store      *store.Store
	temporal   client.Client
	namespace  string
	log        *zap.Logger
	maxBody    int64
	now        func() time.Time
	limits     limiters
	proxies    []netip.Prefix
	secure     SecureCookies
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
	definitions   *manage.Definitions
	runs          *manage.Runs
	connections   *manage.Connections
	environment   *manage.Environment
	subscriptions *manage.Subscriptions
	states        *manage.States
	conversations *manage.Conversations
	actions       *manage.Actions
	apps          *manage.Apps

	// operatorAccounts: Config.OperatorAccounts.
	operatorAccounts []string
	// temporalUI: Config.TemporalUIURL without a trailing slash.
	temporalUI string
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
		proxies:    cfg.TrustedProxies,
		secure:     cfg.SecureCookies,
		connectors: cfg.Connectors,
		secrets:    credentials.New(cfg.Secrets, ""),
	}
	if g.connectors == nil {
		g.connectors = catalog.New()
	}
	g.publicBase = cfg.PublicURL
	g.operatorAccounts = cfg.OperatorAccounts
	g.temporalUI = strings.TrimRight(cfg.TemporalUIURL, "/")
	if g.log == nil {
		g.log = zap.NewNop()
	}
	if g.maxBody <= 0 {
		g.maxBody = DefaultMaxBodyBytes
	}
	if g.now == nil {
		g.now = time.Now
	}
	g.limits = newLimiters(cfg.Limits, g.now)
	g.intake = intake.New(cfg.Store, cfg.Temporal, cfg.Namespace, cfg.Runs, g.now)
	g.definitions = manage.NewDefinitions(cfg.Store, cfg.Temporal, cfg.Namespace, g.connectors, cfg.Runs.LocalHTTPSteps())
	g.connections = manage.NewConnections(cfg.Store, g.secrets, g.connectors)
	g.environment = manage.NewEnvironment(cfg.Store, g.secrets, g.connectors)
	g.states = manage.NewStates(cfg.Store)
	g.conversations = manage.NewConversations(cfg.Store)
	g.subscriptions = manage.NewSubscriptions(cfg.Store, g.secrets, g.intake, g.connectors, g.now)
	g.apps = manage.NewApps(cfg.Store, g.connectors)
	gin.SetMode(gin.ReleaseMode)
	e := gin.New()
	e.HandleMethodNotAllowed = true
	// Gin trusts every peer's X-Forwarded-For (and X-Real-IP) unless told
	// otherwise; the client address keys limits, so only the configured
	// proxies may set it, and only with the header the docs name.
	e.RemoteIPHeaders = []string{"X-Forwarded-For"}
	if err := e.SetTrustedProxies(prefixStrings(g.proxies)); err != nil {
		panic("gateway: netip.Prefix that gin cannot parse: " + err.Error()) // they are parsed already
	}
	if cfg.Tracing != nil {
		e.Use(traceRequests(cfg.Tracing, cfg.TracePropagator))
	}
	e.Use(g.accessLog(), requestMetrics(cfg.Metrics), g.recover(), g.limitBody())
	e.NoRoute(g.handle(func(c *gin.Context) error {
		return notFound("No route for " + c.Request.Method + " " + c.Request.URL.Path + ".")
	}))
	e.NoMethod(g.handle(func(c *gin.Context) error {
		return &apiError{Status: http.StatusMethodNotAllowed, Code: codeInvalidParameter,
			Message: "Method " + c.Request.Method + " is not allowed on " + c.Request.URL.Path + "."}
	}))

	e.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	e.GET("/api/v1/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", OpenAPIDocument()) })
	// The manifest describes what Junction can connect to; like the API's
	// own document it holds nothing of any tenant, so it needs no key.
	e.GET("/api/v1/manifest", func(c *gin.Context) { c.JSON(http.StatusOK, g.connectors.Manifest()) })
	// Apps and their versions (deprecations included), as little as a
	// definition author needs to pick one; public like the manifest.
	e.GET("/api/v1/apps", g.handle(g.listApps))

	// Third-party webhooks: no API key, the delivery's signature is the
	// authentication (webhooks.go).
	e.POST("/hooks/:accountId/:connectionId/:triggerId", g.handle(checkAccount), g.handle(g.limitHooks), g.handle(g.receiveWebhook))

	// OAuth2: the authorization link binds the flow to the browser that
	// opens it, and the provider sends that browser back to the callback,
	// whose single-use state and the browser's cookie are the proof, not an
	// API key (connection_oauth2.go). Needing no key, both spend the client
	// address's budget.
	limitOAuth2 := g.handle(g.limitByAddress(g.limits.oauth2Callback, "Too many OAuth2 callbacks from this address."))
	e.GET(OAuth2LinkPath, limitOAuth2, g.handle(g.openOAuth2Link))
	e.GET(OAuth2CallbackPath, limitOAuth2, g.handle(g.oauth2Callback))

	g.codecRoutes(e, cfg.Codec)
	g.consoleRoutes(e)
	// After codecRoutes, which says how memos are read.
	g.runs = manage.NewRuns(cfg.Temporal, cfg.Namespace, cfg.Store, g.dataConverter)
	g.actions = manage.NewActions(g.connectors, cfg.Store, g.runs)

	acct := e.Group("/api/v1/accounts/:accountId", g.handle(checkAccount), g.handle(g.authenticate), g.auditTrail())
	acct.POST("/definitions", g.handle(g.createDefinition))
	acct.GET("/definitions", g.handle(g.listDefinitions))
	acct.GET("/definitions/:definitionId", g.handle(g.definitionVersions))
	acct.PUT("/definitions/:definitionId", g.handle(g.updateDefinition))
	acct.DELETE("/definitions/:definitionId", g.handle(g.deleteDefinition))
	acct.POST("/definitions/:definitionId/upgrade-app", g.handle(g.upgradeApp))
	acct.GET("/definitions/:definitionId/workflows", g.handle(g.listRuns))
	acct.GET("/workflows", g.handle(g.listAccountRuns))
	acct.POST("/definitions/:definitionId/workflows", g.handle(g.startTestRun))
	acct.GET("/definitions/:definitionId/workflows/:workflowId", g.handle(g.getRun))
	acct.PATCH("/definitions/:definitionId/workflows/:workflowId", g.handle(g.controlRun))
	acct.GET("/definitions/:definitionId/workflows/:workflowId/errors", g.handle(g.runErrors))
	acct.POST("/triggers/http_request", g.handle(g.triggerHTTPRequest))
	acct.POST("/triggers/inbound_sms", g.handle(g.triggerInboundSMS))
	acct.POST("/triggers/inbound_chat_apps", g.handle(g.triggerInboundChatApps))
	acct.GET("/steps/timezones", g.handle(g.timeZones))
	acct.GET("/steps/functions", g.handle(g.functions))
	acct.GET("/usage", g.handle(g.usage))
	acct.GET("/usage/history", g.handle(g.usageHistory))
	acct.GET("/keys", g.handle(g.listKeys))
	acct.POST("/keys", g.handle(g.createKey))
	acct.GET("/keys/:keyId", g.handle(g.getKey))
	acct.DELETE("/keys/:keyId", g.handle(g.revokeKey))
	acct.POST("/keys/:keyId/rotate", g.handle(g.rotateKey))
	acct.GET("/connections", g.handle(g.listConnections))
	acct.POST("/connections", g.handle(g.createConnection))
	acct.GET("/connections/:connectionId", g.handle(g.getConnection))
	acct.DELETE("/connections/:connectionId", g.handle(g.deleteConnection))
	acct.PUT("/connections/:connectionId", g.handle(g.updateConnection))
	acct.POST("/connections/:connectionId/test", g.handle(g.testConnection))
	acct.POST("/connections/:connectionId/oauth2/authorize", g.handle(g.startOAuth2))
	acct.GET("/apps/:app/versions/:version/env", g.handle(g.getEnv))
	acct.PUT("/apps/:app/versions/:version/env", g.handle(g.putEnv))
	acct.DELETE("/apps/:app/versions/:version/env/:name", g.handle(g.deleteEnv))
	acct.GET("/state", g.handle(g.getState(manage.StateAccount, "")))
	acct.PUT("/state", g.handle(g.putState(manage.StateAccount, "")))
	acct.DELETE("/state", g.handle(g.deleteState(manage.StateAccount, "")))
	acct.GET("/users", g.handle(g.listUsers))
	acct.GET("/users/:userId", g.handle(g.getUser))
	acct.GET("/users/:userId/state", g.handle(g.getState(manage.StateUser, "userId")))
	acct.PUT("/users/:userId/state", g.handle(g.putState(manage.StateUser, "userId")))
	acct.DELETE("/users/:userId/state", g.handle(g.deleteState(manage.StateUser, "userId")))
	acct.GET("/conversations", g.handle(g.listConversations))
	acct.GET("/conversations/:conversationId", g.handle(g.getConversation))
	acct.GET("/conversations/:conversationId/messages", g.handle(g.listMessages))
	acct.GET("/conversations/:conversationId/state", g.handle(g.getState(manage.StateConversation, "conversationId")))
	acct.PUT("/conversations/:conversationId/state", g.handle(g.putState(manage.StateConversation, "conversationId")))
	acct.DELETE("/conversations/:conversationId/state", g.handle(g.deleteState(manage.StateConversation, "conversationId")))
	acct.GET("/subscriptions", g.handle(g.listSubscriptions))
	acct.POST("/subscriptions", g.handle(g.createSubscription))
	acct.GET("/subscriptions/:subscriptionId", g.handle(g.getSubscription))
	acct.PUT("/subscriptions/:subscriptionId", g.handle(g.updateSubscription))
	acct.DELETE("/subscriptions/:subscriptionId", g.handle(g.deleteSubscription))
	acct.POST("/subscriptions/:subscriptionId/rotate-secret", g.handle(g.rotateSubscriptionSecret))
	acct.POST("/subscriptions/:subscriptionId/recover", g.handle(g.recoverDeliveries))
	acct.GET("/subscriptions/:subscriptionId/deliveries", g.handle(g.listDeliveries))
	acct.GET("/subscriptions/:subscriptionId/deliveries/:deliveryId", g.handle(g.getDelivery))
	acct.POST("/subscriptions/:subscriptionId/deliveries/:deliveryId/redeliver", g.handle(g.redeliver))
	acct.POST("/actions/:action", g.handle(g.runAction))
	acct.GET("/actions/:action/runs/:workflowId", g.handle(g.getActionRun))
	acct.GET("/subaccounts", g.handle(g.listSubAccounts))
	acct.POST("/subaccounts", g.handle(g.createSubAccount))
	acct.GET("/subaccounts/:subAccountId", g.handle(g.getSubAccount))
	acct.DELETE("/subaccounts/:subAccountId", g.handle(g.deleteSubAccount))
	acct.GET("/apps/:app/versions/:version/definitions", g.handle(g.appVersionDefinitions))
	acct.GET("/manifest", g.handle(g.accountManifest))
	acct.GET("/audit", g.handle(g.listAudit))
	g.storedAppRoutes(acct.Group("/apps", g.handle(accountAppsOwner)))
	g.platformRoutes(e)

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
				g.writeError(c, &apiError{Status: http.StatusInternalServerError, Code: codeInternal, Message: "Internal error."})
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
