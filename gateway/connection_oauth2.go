package gateway

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/manage"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// OAuth2CallbackPath is the gateway's OAuth2 redirect URL, under its
// public URL: what users register with the provider.
const OAuth2CallbackPath = "/api/v1/oauth2/callback"

// OAuth2LinkPath is the authorization link the start answers: opened in a
// browser, it binds the flow to that browser and sends it on to the
// provider.
const OAuth2LinkPath = "/api/v1/oauth2/link"

// oauth2StateTTL is how long an authorization may take, from start to
// callback.
const oauth2StateTTL = 10 * time.Minute

// The flow is bound to the browser that opens the link, as OAuth 2.0's
// security best practice (RFC 9700, 4.7) asks of a client's state: the
// link sets oauth2BrowserCookie, a random nonce, and the callback is
// accepted only with it. So a state that leaks (a provider's log, a
// screenshot of the provider's page) cannot be completed from another
// browser with an attacker's code, which would connect the attacker's
// account at the provider to the tenant's connection. The cookie names
// the browser, not one flow: flows in several tabs share it. SameSite=Lax
// because the provider's redirect to the callback is a cross-site
// top-level navigation, which Lax cookies go with.
const (
	oauth2BrowserCookie = "junction_oauth2"
	oauth2CookiePath    = "/api/v1/oauth2"
)

// redirectURL is the callback's absolute URL, under the gateway's base URL
// (see baseURL).
func (g *Gateway) redirectURL(c *gin.Context) string {
	return g.baseURL(c.Request) + OAuth2CallbackPath
}

// startOAuth2 begins the authorization-code flow of an OAuth2 connection:
// it records the flow, with the PKCE verifier and the provider's URL,
// server-side and answers the authorization link to open in a browser.
// The link's token is the only secret it hands out; the state the provider
// sees is derived from it (oauth2State), so neither the state nor the
// token is stored, and knowing the state does not give the link.
func (g *Gateway) startOAuth2(c *gin.Context) error {
	ctx := c.Request.Context()
	accountID, id := c.Param("accountId"), c.Param("connectionId")
	row, err := g.connections.Get(ctx, accountID, id)
	if err != nil {
		return err
	}
	if row.AuthKind != string(connectors.AuthOAuth2AuthorizationCode) {
		return badRequest("Connection "+id+" authenticates with "+row.AuthKind+", not "+
			string(connectors.AuthOAuth2AuthorizationCode)+"; only those are authorized in a browser.",
			fieldError{Path: "authKind", Code: "invalid_value", Message: "must be " + string(connectors.AuthOAuth2AuthorizationCode)})
	}
	app, err := g.connectors.LookupFor(c.Request.Context(), row.AccountID, row.App, row.AppVersion)
	if err != nil {
		return badRequest("The connection's app is no longer available: " + err.Error())
	}
	authSpec := manage.FindAuthSpec(app.Spec(), row.AuthKind)
	if authSpec == nil {
		return badRequest("The connection's app no longer authenticates with " + row.AuthKind + ".")
	}
	cfg, err := connectors.OAuth2Config(*authSpec, row.Fields, row.Properties, nil)
	if err != nil {
		return badRequest("The connection cannot be authorized: " + err.Error())
	}
	token, err := randomToken()
	if err != nil {
		return failed("Could not make an authorization link", err)
	}
	var verifier, challenge string
	if authSpec.OAuth2.PKCE {
		verifier, challenge = auth.NewPKCE()
	}
	cfg.RedirectURL = g.redirectURL(c)
	expires := g.now().Add(oauth2StateTTL)
	err = g.store.CreateOAuth2Authorization(ctx, store.OAuth2Authorization{StateHash: store.StateHash(oauth2State(token)), AccountID: accountID,
		ConnectionID: id, Verifier: verifier, RedirectURL: cfg.RedirectURL, AuthorizationURL: auth.AuthCodeURL(cfg, "", challenge), ExpiresAt: expires})
	if err != nil {
		return failed("Could not record the authorization", err)
	}
	c.JSON(http.StatusOK, gin.H{
		"authorizationUrl": g.baseURL(c.Request) + OAuth2LinkPath + "?" + url.Values{"token": {token}}.Encode(),
		"redirectUrl":      cfg.RedirectURL,
		"expiresAt":        formatTime(expires),
	})
	return nil
}

// randomToken is 256 random bits, URL-safe: link tokens, browser nonces,
// session ids.
func randomToken() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// oauth2State is the state sent to the provider for the link token.
func oauth2State(token string) string {
	sum := sha256.Sum256([]byte("junction oauth2 state\x00" + token))
	return base64.RawURLEncoding.EncodeToString(sum[:])
}

// openOAuth2Link is the authorization link: it binds the flow to this
// browser (its oauth2BrowserCookie, set here when it has none) and
// redirects to the provider with the flow's state. The first browser to
// open the link has it; the same browser may open it again.
func (g *Gateway) openOAuth2Link(c *gin.Context) error {
	token := c.Query("token")
	if token == "" {
		return badRequest("This is an OAuth2 authorization link; it needs the token the start answered.",
			fieldError{Path: "query.token", Code: "required", Message: "is required"})
	}
	nonce := ""
	if ck, err := c.Request.Cookie(oauth2BrowserCookie); err == nil && isToken(ck.Value) {
		nonce = ck.Value
	} else if nonce, err = randomToken(); err != nil {
		return failed("Could not make a browser nonce", err)
	}
	state := oauth2State(token)
	flow, err := g.store.BindOAuth2Authorization(c.Request.Context(), store.StateHash(state), store.StateHash(nonce))
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return badRequest("Unknown, expired or already used authorization link, or another browser opened it; start the authorization again.",
			fieldError{Path: "query.token", Code: "invalid_value", Message: "unknown, expired, used or opened in another browser"})
	}
	if err != nil {
		return failed("Could not read the authorization", err)
	}
	to, err := url.Parse(flow.AuthorizationURL)
	if err != nil {
		return failed("Could not read the provider's authorization URL", fmt.Errorf("%w: stored URL: %v", manage.ErrInternal, err))
	}
	q := to.Query()
	q.Set("state", state)
	to.RawQuery = q.Encode()
	http.SetCookie(c.Writer, &http.Cookie{
		Name: oauth2BrowserCookie, Value: nonce, Path: oauth2CookiePath,
		MaxAge:   max(1, int(flow.ExpiresAt.Sub(g.now()).Seconds())),
		HttpOnly: true, Secure: g.secureCookie(c.Request), SameSite: http.SameSiteLaxMode,
	})
	c.Header("Cache-Control", "no-store")
	c.Header("Referrer-Policy", "no-referrer")
	c.Redirect(http.StatusFound, to.String())
	return nil
}

// isToken says whether s looks like randomToken's output, so that a cookie
// of any other shape is replaced rather than stored.
func isToken(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	return err == nil && len(b) == 32
}

// oauth2Callback is where the provider sends the browser back. It needs
// no API key: the single-use state it carries, from the browser that
// opened the authorization link (its cookie), is the proof. It claims the
// flow (recording the code server-side) and runs the exchange in a short
// workflow whose input names only the flow, so neither the code nor the
// verifier nor a token enters a history or this answer.
func (g *Gateway) oauth2Callback(c *gin.Context) error {
	ctx := c.Request.Context()
	q := c.Request.URL.Query()
	if e := q.Get("error"); e != "" {
		msg := "The provider did not authorize: " + e
		if d := q.Get("error_description"); d != "" {
			msg += ": " + d
		}
		return badRequest(msg+".", fieldError{Path: "query.error", Code: "invalid_value", Message: e})
	}
	state, code := q.Get("state"), q.Get("code")
	var problems []fieldError
	if state == "" {
		problems = append(problems, fieldError{Path: "query.state", Code: "required", Message: "is required"})
	}
	if code == "" {
		problems = append(problems, fieldError{Path: "query.code", Code: "required", Message: "is required"})
	}
	if len(problems) > 0 {
		return badRequest("This is the OAuth2 callback: the provider sends code and state here.", problems...)
	}
	browser, err := c.Request.Cookie(oauth2BrowserCookie)
	if err != nil || !isToken(browser.Value) {
		return badRequest("This browser did not open the authorization link (it has no "+oauth2BrowserCookie+" cookie): "+
			"open the link the authorization's start answered in the browser that completes it.",
			fieldError{Path: "cookie." + oauth2BrowserCookie, Code: "required", Message: "is required: set by the authorization link"})
	}
	hash := store.StateHash(state)
	flow, err := g.store.ClaimOAuth2Authorization(ctx, hash, store.StateHash(browser.Value), code)
	if errors.Is(err, store.ErrOtherBrowser) {
		return badRequest("This authorization was opened in another browser: finish it there, or start it again in this one.",
			fieldError{Path: "cookie." + oauth2BrowserCookie, Code: "invalid_value", Message: "is not the browser that opened the authorization link"})
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrInvalid) {
		return badRequest("Unknown, expired or already used state; start the authorization again.",
			fieldError{Path: "query.state", Code: "invalid_value", Message: "unknown, expired or already used"})
	}
	if err != nil {
		return failed("Could not read the authorization", err)
	}
	var ans runs.OAuth2ExchangeAnswer
	err = g.runConnectionTask(ctx, "oauth2-authorize/"+flow.AccountID+"/"+flow.ConnectionID+"/"+hash[:16],
		runs.AuthorizeConnectionWorkflow, runs.OAuth2ExchangeRequest{StateHash: hash}, &ans)
	if err != nil {
		if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok {
			return badRequest("Authorization failed: " + appErr.Error())
		}
		return failed("Could not complete the authorization", err)
	}
	c.JSON(http.StatusOK, gin.H{"accountId": flow.AccountID, "connectionId": flow.ConnectionID, "authorized": true})
	return nil
}
