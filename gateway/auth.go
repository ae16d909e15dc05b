package gateway

import (
	"errors"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/store"
)

// apiKeyContextKey holds the authenticated key in a request's gin context.
const apiKeyContextKey = "junction.apiKey"

// authenticate admits a request to /api/v1/accounts/{accountId}/... only
// with a valid key of that very account and a scope that allows the route.
// A key of another account gets 404, as if the account did not exist, so
// keys cannot probe for other tenants.
func (g *Gateway) authenticate(c *gin.Context) error {
	key, err := g.apiKey(c)
	if err != nil {
		return err
	}
	if key.AccountID != c.Param("accountId") {
		return notFound("Not found.")
	}
	return g.admitKey(c, key)
}

// apiKey is the valid key a request carries as a bearer token, or stands
// for by the console's session cookie (console.go): 401 when there is none
// or it is not valid, 429 when the address has spent its failures.
func (g *Gateway) apiKey(c *gin.Context) (store.APIKey, error) {
	raw, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok && c.GetHeader("Authorization") == "" {
		if key, signedIn, err := g.consoleKey(c); signedIn || err != nil {
			return key, err
		}
	}
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="junction"`)
		return store.APIKey{}, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "Missing API key: send Authorization: Bearer <key>."}
	}
	return g.presentedKey(c, raw, "junction")
}

// presentedKey checks a key a client presented (a bearer token, or a
// sign-in form's field): 401 when it is not valid, 429 when the address
// has spent its failures. realm names the WWW-Authenticate challenge.
func (g *Gateway) presentedKey(c *gin.Context, raw, realm string) (store.APIKey, error) {
	// A key is checked only while the address has failures left, so that
	// no guess learns it was right once they are spent.
	address := addressKey(c.ClientIP())
	if wait := g.limits.authFailures.exhausted(address); wait > 0 {
		return store.APIKey{}, rateLimited(wait, "Too many invalid API keys from this address.")
	}
	key, err := g.store.AuthenticateAPIKey(c.Request.Context(), raw)
	if errors.Is(err, store.ErrNotFound) {
		g.limits.authFailures.spend(address)
		c.Header("WWW-Authenticate", `Bearer realm="`+realm+`", error="invalid_token"`)
		return store.APIKey{}, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "Invalid or revoked API key."}
	}
	if err != nil {
		return store.APIKey{}, failed("Could not check the API key", err)
	}
	return key, nil
}

// admitKey spends the key's quota and checks that its scopes allow the
// route, then keeps the key in the request's context.
func (g *Gateway) admitKey(c *gin.Context, key store.APIKey) error {
	if wait := g.limits.apiKey.take(key.ID); wait > 0 {
		return rateLimited(wait, "Quota exceeded.")
	}
	if need := requiredScope(c); !hasScope(key.Scopes, need) {
		return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
			Message: "This API key has scopes " + strings.Join(key.Scopes, ", ") + "; this request needs " + need + "."}
	}
	c.Set(apiKeyContextKey, key)
	return nil
}

// adminOf reports whether key is an admin key of one of accounts: what an
// operator's powers (decrypting payloads, managing the platform's apps)
// each ask of a key, with its own list of operators' accounts.
func adminOf(accounts []string, key store.APIKey) bool {
	return slices.Contains(accounts, key.AccountID) && hasScope(key.Scopes, store.ScopeAdmin)
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
// events, running actions and controlling runs needs runs; changing
// definitions and sub-accounts, anything about API keys, and reading the
// audit log need admin.
func requiredScope(c *gin.Context) string {
	path := c.FullPath()
	if strings.Contains(path, "/keys") || strings.HasSuffix(path, "/audit") {
		return store.ScopeAdmin // even listing keys, or who did what, tells who can do what
	}
	if c.Request.Method == http.MethodGet {
		return store.ScopeRead
	}
	switch {
	case strings.Contains(path, "/triggers/"), strings.Contains(path, "/actions/"),
		strings.HasSuffix(path, "/workflows"), strings.HasSuffix(path, "/workflows/:workflowId"):
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
