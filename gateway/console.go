package gateway

import (
	"errors"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/junction-run/junction/console"
	"github.com/junction-run/junction/store"
)

// The console (package console, served under /console) is a client of this
// API. A person signs in with an API key once, at /api/v1/console/session;
// the answer sets an HttpOnly, SameSite=Strict cookie holding a random
// session id (never the key), which the store maps to the key
// (store.CreateKeySession), so any gateway behind a load balancer knows it.
// The per-account API then accepts the cookie in place of an Authorization
// header, with the key's own account and scopes: the console can do nothing
// its key could not do through the API. Every request reads the session's
// key again, so revoking the key signs its browsers out at once.
//
// A request the cookie authenticates and that changes something must also
// carry the header X-Junction-Console: a page of another site cannot add a
// custom header to a request without a CORS preflight, which the gateway
// never grants, so this and SameSite=Strict both stand against cross-site
// request forgery.
const (
	consoleCookie       = "junction_console"
	consoleCookiePath   = "/"
	consoleSessionAge   = 12 * time.Hour
	consoleRequestCheck = "X-Junction-Console"
)

func (g *Gateway) consoleRoutes(e *gin.Engine) {
	limit := g.handle(g.limitByAddress(g.limits.consoleSignIn, "Too many console sign-ins from this address."))
	e.POST("/api/v1/console/session", limit, g.handle(g.consoleSignIn))
	e.GET("/api/v1/console/session", g.handle(g.consoleSession))
	e.DELETE("/api/v1/console/session", g.handle(g.consoleSignOut))

	pages := gin.WrapH(console.Handler(console.Config{API: e, TemporalUI: g.temporalUI}))
	for _, path := range []string{"/console", "/console/*page"} {
		e.GET(path, pages)
		e.POST(path, pages)
	}
}

// consoleSignIn checks a key (JSON {"apiKey": ...}, the form field apiKey,
// or Authorization: Bearer) and sets the console's session cookie.
func (g *Gateway) consoleSignIn(c *gin.Context) error {
	raw, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok {
		if strings.HasPrefix(c.ContentType(), "application/x-www-form-urlencoded") {
			raw = strings.TrimSpace(c.PostForm("apiKey"))
		} else {
			var body struct {
				APIKey string `json:"apiKey"`
			}
			if err := decodeStrict(c, &body); err != nil {
				return err
			}
			raw = strings.TrimSpace(body.APIKey)
		}
	}
	if raw == "" {
		return badRequest("apiKey: is required: the API key to sign in with.", fieldError{Path: "apiKey", Message: "is required: the API key to sign in with."})
	}
	key, err := g.presentedKey(c, raw, "junction")
	if err != nil {
		return err
	}
	session, err := randomToken()
	if err != nil {
		return failed("Could not make a session", err)
	}
	if err := g.store.CreateKeySession(c.Request.Context(), store.StateHash(session), key.ID, consoleSessionAge); err != nil {
		return failed("Could not record the session", err)
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: consoleCookie, Value: session, Path: consoleCookiePath, MaxAge: int(consoleSessionAge.Seconds()),
		HttpOnly: true, Secure: g.secureCookie(c.Request), SameSite: http.SameSiteStrictMode,
	})
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, consoleSessionJSON(key, g.now().Add(consoleSessionAge)))
	return nil
}

// consoleSession says who the cookie's session is: its key's account, name
// and scopes (never the key), 401 when there is no live session.
func (g *Gateway) consoleSession(c *gin.Context) error {
	key, signedIn, err := g.consoleKey(c)
	if err != nil {
		return err
	}
	if !signedIn {
		return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized, Message: "Not signed in to the console."}
	}
	c.Header("Cache-Control", "no-store")
	c.JSON(http.StatusOK, consoleSessionJSON(key, time.Time{}))
	return nil
}

// consoleSignOut ends the cookie's session and clears the cookie.
func (g *Gateway) consoleSignOut(c *gin.Context) error {
	if cookie, err := c.Request.Cookie(consoleCookie); err == nil && cookie.Value != "" {
		if err := g.store.EndKeySession(c.Request.Context(), store.StateHash(cookie.Value)); err != nil {
			return failed("Could not end the session", err)
		}
	}
	http.SetCookie(c.Writer, &http.Cookie{Name: consoleCookie, Value: "", Path: consoleCookiePath, MaxAge: -1,
		HttpOnly: true, Secure: g.secureCookie(c.Request), SameSite: http.SameSiteStrictMode})
	c.Status(http.StatusNoContent)
	return nil
}

// consoleKey is the key the request's console cookie stands for. signedIn
// is false when there is no cookie. A cookie whose session is over is 401;
// a change without X-Junction-Console is 403.
func (g *Gateway) consoleKey(c *gin.Context) (key store.APIKey, signedIn bool, err error) {
	cookie, cerr := c.Request.Cookie(consoleCookie)
	if cerr != nil || cookie.Value == "" {
		return store.APIKey{}, false, nil
	}
	key, err = g.store.KeyOfSession(c.Request.Context(), store.StateHash(cookie.Value))
	if errors.Is(err, store.ErrNotFound) {
		return store.APIKey{}, true, &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
			Message: "The console session is over (signed out, expired, or its API key revoked): sign in again."}
	}
	if err != nil {
		return store.APIKey{}, true, failed("Could not read the console session", err)
	}
	switch c.Request.Method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
	default:
		if c.GetHeader(consoleRequestCheck) == "" {
			return store.APIKey{}, true, &apiError{Status: http.StatusForbidden, Code: codeForbidden,
				Message: "A change signed in by the console's cookie must carry the header " + consoleRequestCheck + "."}
		}
	}
	return key, true, nil
}

func consoleSessionJSON(key store.APIKey, expires time.Time) gin.H {
	out := gin.H{
		"accountId": key.AccountID,
		"key":       gin.H{"id": key.ID, "name": key.Name, "prefix": key.Prefix, "scopes": key.Scopes},
	}
	if !expires.IsZero() {
		out["expiresAt"] = formatTime(expires)
	}
	return out
}
