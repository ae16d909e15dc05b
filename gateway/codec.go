package gateway

import (
	"html"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/converter"

	"github.com/junction-run/junction/payloadcodec"
	"github.com/junction-run/junction/store"
)

// CodecConfig turns on payload encryption for the gateway: the memos it reads are decrypted with
// Codec, and /api/v1/codec/{encode,decode} serves the Temporal codec-server protocol so that the
// Temporal UI (or `temporal --codec-endpoint`) shows decrypted payloads to operators.
//
// Who may decode: an admin API key of one of Accounts (the operators' account; `junction dev`
// uses its dev account). A browser cannot add an Authorization header to the UI's requests, so
// the key is presented once to /api/v1/codec/session, which answers a session: an HttpOnly,
// SameSite=Strict cookie scoped to /api/v1/codec holding a random session id (never the key),
// which the store maps to the key (store.CreateKeySession), so that any gateway behind a load
// balancer knows it. The UI sends it with codec.includeCredentials. SameSite=Strict means the UI
// and the gateway must be on the same site (e.g. temporal.example.com and api.example.com, or
// 127.0.0.1 on two ports). Every request checks the session's key again, so revoking the key ends
// its sessions at once. CLI and server callers send Authorization: Bearer <key>.
type CodecConfig struct {
	// Codec encrypts and decrypts payloads; nil means payloads are not encrypted and the codec
	// endpoints answer 404.
	Codec *payloadcodec.Codec
	// AllowedOrigins are the Temporal UI's browser origins ("http://127.0.0.1:8233"); requests
	// from any other origin get 403.
	AllowedOrigins []string
	// Accounts whose admin keys may use the codec endpoint; empty lets no one.
	Accounts []string
}

// codecCookie holds the id of the session a browser signed in to at /api/v1/codec/session.
const (
	codecCookie     = "junction_codec"
	codecCookiePath = "/api/v1/codec"
	codecSessionAge = 12 * time.Hour
)

func (g *Gateway) codecRoutes(e *gin.Engine, cfg CodecConfig) {
	g.dataConverter = converter.GetDefaultDataConverter()
	if cfg.Codec != nil {
		g.dataConverter = payloadcodec.DataConverter(cfg.Codec)
		g.codecAccounts = cfg.Accounts
		hc := payloadcodec.HandlerConfig{AllowedOrigins: cfg.AllowedOrigins, Authorize: g.authorizeCodec, MaxRequestBytes: g.maxBody}
		if g.namespace != "" {
			hc.Namespaces = []string{g.namespace}
		}
		g.codec = payloadcodec.Handler(cfg.Codec, hc)
	}
	// The codec-server protocol authenticates itself (payloadcodec.Handler and authorizeCodec),
	// outside the per-account API; its answers are the protocol's, not the API's error body.
	serve := g.handle(func(c *gin.Context) error {
		if g.codec == nil {
			return notFound("Payload encryption is off: this gateway has no payload keys (--payload-keys).")
		}
		g.codec.ServeHTTP(c.Writer, c.Request)
		return nil
	})
	for _, op := range []string{"/api/v1/codec/encode", "/api/v1/codec/decode"} {
		e.POST(op, serve)
		e.OPTIONS(op, serve)
	}
	e.GET("/api/v1/codec/session", g.codecSignInPage)
	e.POST("/api/v1/codec/session", g.handle(g.limitByAddress(g.limits.codecSignIn, "Too many codec sign-ins from this address.")), g.handle(g.codecSignIn))
}

// authorizeCodec admits a request carrying an admin key of a codec account, in the
// Authorization header or as the session of the cookie.
func (g *Gateway) authorizeCodec(r *http.Request) error {
	var key store.APIKey
	var err error
	if raw, ok := bearerToken(r.Header.Get("Authorization")); ok {
		key, err = g.store.AuthenticateAPIKey(r.Context(), raw)
	} else if cookie, cerr := r.Cookie(codecCookie); cerr == nil && cookie.Value != "" {
		key, err = g.store.KeyOfSession(r.Context(), store.StateHash(cookie.Value))
	} else {
		return payloadcodec.ErrUnauthenticated
	}
	if err != nil {
		return payloadcodec.ErrUnauthenticated
	}
	return g.codecKeyAllowed(key)
}

// codecKeyAllowed says whether key may use the codec endpoint.
func (g *Gateway) codecKeyAllowed(key store.APIKey) error {
	if !adminOf(g.codecAccounts, key) {
		return payloadcodec.ErrForbidden
	}
	return nil
}

// codecSignInPage is a form for a browser to present its key: the Temporal UI cannot.
func (g *Gateway) codecSignInPage(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Data(http.StatusOK, "text/html; charset=utf-8", []byte(`<!doctype html>
<title>Junction: decrypt payloads in the Temporal UI</title>
<form method="post" action="/api/v1/codec/session">
<p>Temporal's payloads are encrypted. An admin API key of an operators' account lets this browser's Temporal UI decrypt them for `+html.EscapeString(codecSessionAge.String())+`.</p>
<label>API key <input type="password" name="apiKey" autocomplete="off" required></label>
<button>Sign in</button>
</form>
`))
}

// codecSignIn checks a key (Authorization header, or the form's apiKey field) and sets the
// cookie the codec endpoint accepts.
func (g *Gateway) codecSignIn(c *gin.Context) error {
	if g.codec == nil {
		return notFound("Payload encryption is off: this gateway has no payload keys (--payload-keys).")
	}
	form := strings.HasPrefix(c.ContentType(), "application/x-www-form-urlencoded")
	raw, ok := bearerToken(c.GetHeader("Authorization"))
	if !ok && form {
		raw = strings.TrimSpace(c.PostForm("apiKey"))
		ok = raw != ""
	}
	if !ok {
		c.Header("WWW-Authenticate", `Bearer realm="junction-codec"`)
		return &apiError{Status: http.StatusUnauthorized, Code: codeUnauthorized,
			Message: "Send an admin API key: Authorization: Bearer <key>, or the form field apiKey."}
	}
	key, err := g.presentedKey(c, raw, "junction-codec")
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	if err := g.codecKeyAllowed(key); err != nil {
		return &apiError{Status: http.StatusForbidden, Code: codeForbidden,
			Message: "This key may not decrypt payloads: it must be an admin key of an operators' account."}
	}
	session, err := randomToken()
	if err != nil {
		return failed("Could not make a session", err)
	}
	if err := g.store.CreateKeySession(ctx, store.StateHash(session), key.ID, codecSessionAge); err != nil {
		return failed("Could not record the session", err)
	}
	http.SetCookie(c.Writer, &http.Cookie{
		Name: codecCookie, Value: session, Path: codecCookiePath, MaxAge: int(codecSessionAge.Seconds()),
		HttpOnly: true, Secure: g.secureCookie(c.Request), SameSite: http.SameSiteStrictMode,
	})
	c.Header("Cache-Control", "no-store")
	if form {
		c.Data(http.StatusOK, "text/html; charset=utf-8", []byte("<!doctype html><title>Signed in</title><p>Signed in: reload the Temporal UI to see decrypted payloads.</p>\n"))
		return nil
	}
	c.Status(http.StatusNoContent)
	return nil
}
