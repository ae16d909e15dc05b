package gateway

import (
	"errors"
	"math"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/junction-run/junction/store"
)

// apiKeyContextKey holds the authenticated key in a request's gin context.
const apiKeyContextKey = "junction.apiKey"

// RateLimit is the per-key request budget: Burst requests at once, refilled
// at PerSecond.
type RateLimit struct {
	PerSecond float64
	Burst     int
}

// DefaultRateLimit is generous for people and scripts and still stops a
// runaway client from starving the others.
var DefaultRateLimit = RateLimit{PerSecond: 50, Burst: 100}

// authenticate admits a request to /api/v1/accounts/{accountId}/... only
// with a valid key of that very account and a scope that allows the route.
// A key of another account gets 404, as if the account did not exist, so
// keys cannot probe for other tenants.
func (g *Gateway) authenticate(c *gin.Context) error {
	raw, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="junction"`)
		return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "Missing API key: send Authorization: Bearer <key>."}
	}
	key, err := g.store.AuthenticateAPIKey(c.Request.Context(), raw)
	if errors.Is(err, store.ErrNotFound) {
		c.Header("WWW-Authenticate", `Bearer realm="junction", error="invalid_token"`)
		return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "Invalid or revoked API key."}
	}
	if err != nil {
		return failed("Could not check the API key", err)
	}
	if key.AccountID != c.Param("accountId") {
		return notFound("Not found.")
	}
	if wait := g.limiter.wait(key.ID); wait > 0 {
		secs := int(math.Ceil(wait.Seconds()))
		c.Header("Retry-After", strconv.Itoa(secs))
		return &apiError{Status: http.StatusTooManyRequests, Code: codeRateLimited,
			Message: "Quota exceeded. Please try again in " + strconv.Itoa(secs) + " second(s)."}
	}
	if need := requiredScope(c); !hasScope(key.Scopes, need) {
		return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
			Message: "This API key has scopes " + strings.Join(key.Scopes, ", ") + "; this request needs " + need + "."}
	}
	c.Set(apiKeyContextKey, key)
	return nil
}

func bearerToken(header string) (string, bool) {
	scheme, token, found := strings.Cut(strings.TrimSpace(header), " ")
	if !found || !strings.EqualFold(scheme, "Bearer") {
		return "", false
	}
	token = strings.TrimSpace(token)
	return token, token != ""
}

// requiredScope says what a route needs: reading needs read; raising
// events and controlling runs needs runs; changing definitions and
// sub-accounts, and anything about API keys, needs admin.
func requiredScope(c *gin.Context) string {
	path := c.FullPath()
	if strings.Contains(path, "/keys") {
		return store.ScopeAdmin // even listing keys tells who can do what
	}
	if c.Request.Method == http.MethodGet {
		return store.ScopeRead
	}
	switch {
	case strings.Contains(path, "/triggers/"), strings.HasSuffix(path, "/workflows"), strings.HasSuffix(path, "/workflows/:workflowId"):
		return store.ScopeRuns
	}
	return store.ScopeAdmin
}

// hasScope: admin includes runs, runs includes read.
func hasScope(scopes []string, need string) bool {
	rank := map[string]int{store.ScopeRead: 1, store.ScopeRuns: 2, store.ScopeAdmin: 3}
	for _, s := range scopes {
		if rank[s] >= rank[need] {
			return true
		}
	}
	return false
}

// keyLimiter keeps one token bucket per API key, in this gateway process:
// behind a load balancer each gateway grants its own budget.
type keyLimiter struct {
	limit RateLimit
	mu    sync.Mutex
	keys  map[string]*rate.Limiter
}

func newKeyLimiter(l RateLimit) *keyLimiter {
	if l.PerSecond <= 0 {
		l = DefaultRateLimit
	}
	if l.Burst < 1 {
		l.Burst = 1
	}
	return &keyLimiter{limit: l, keys: map[string]*rate.Limiter{}}
}

// wait takes a token for the key, or says how long until one is free.
func (k *keyLimiter) wait(keyID string) time.Duration {
	k.mu.Lock()
	lim, ok := k.keys[keyID]
	if !ok {
		lim = rate.NewLimiter(rate.Limit(k.limit.PerSecond), k.limit.Burst)
		k.keys[keyID] = lim
	}
	k.mu.Unlock()
	r := lim.Reserve()
	if d := r.Delay(); d > 0 {
		r.Cancel()
		return d
	}
	return 0
}
