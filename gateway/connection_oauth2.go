package gateway

import (
	"crypto/rand"
	"encoding/base64"
	"errors"
	"net/http"
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

// oauth2StateTTL is how long an authorization may take, from start to
// callback.
const oauth2StateTTL = 10 * time.Minute

// redirectURL is the callback's absolute URL, under the gateway's base URL
// (see baseURL).
func (g *Gateway) redirectURL(c *gin.Context) string {
	return g.baseURL(c.Request) + OAuth2CallbackPath
}

// startOAuth2 begins the authorization-code flow of an OAuth2 connection:
// it records a single-use state and the PKCE verifier server-side and
// answers the provider's authorization URL to open in a browser.
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
	app, err := g.connectors.Lookup(row.App, row.AppVersion)
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
	state, err := randomState()
	if err != nil {
		return failed("Could not make a state", err)
	}
	var verifier, challenge string
	if authSpec.OAuth2.PKCE {
		verifier, challenge = auth.NewPKCE()
	}
	cfg.RedirectURL = g.redirectURL(c)
	expires := g.now().Add(oauth2StateTTL)
	err = g.store.CreateOAuth2Authorization(ctx, store.OAuth2Authorization{StateHash: store.StateHash(state), AccountID: accountID,
		ConnectionID: id, Verifier: verifier, RedirectURL: cfg.RedirectURL, ExpiresAt: expires})
	if err != nil {
		return failed("Could not record the authorization", err)
	}
	c.JSON(http.StatusOK, gin.H{
		"authorizationUrl": auth.AuthCodeURL(cfg, state, challenge),
		"redirectUrl":      cfg.RedirectURL,
		"expiresAt":        formatTime(expires),
	})
	return nil
}

func randomState() (string, error) {
	b := make([]byte, 32)
	if _, err := rand.Read(b); err != nil {
		return "", err
	}
	return base64.RawURLEncoding.EncodeToString(b), nil
}

// oauth2Callback is where the provider sends the browser back. It needs
// no API key: the single-use state it carries is the proof. It claims the
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
	hash := store.StateHash(state)
	flow, err := g.store.ClaimOAuth2Authorization(ctx, hash, code)
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
