package auth

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"sync/atomic"
	"time"

	"golang.org/x/oauth2"
	"golang.org/x/oauth2/clientcredentials"

	"github.com/junction-run/junction/egress"
)

// How an OAuth2 client authenticates to the token endpoint (RFC 7591
// token_endpoint_auth_method values).
const (
	// ClientSecretBasic sends the client id and secret as HTTP Basic
	// credentials (RFC 6749 §2.3.1), which every server must accept.
	ClientSecretBasic = "client_secret_basic"
	// ClientSecretPost sends them as client_id and client_secret form
	// parameters.
	ClientSecretPost = "client_secret_post"
)

// DefaultExpirySkew is how long before its expiry a token is refreshed
// when OAuth2Config.ExpirySkew is zero.
const DefaultExpirySkew = time.Minute

// tokenTimeout bounds a token request: egress's default, said here
// because a refresh that hangs holds every request waiting for the token.
const tokenTimeout = egress.DefaultTimeout

// OAuth2Config describes an OAuth2 connection: the client registered with
// the provider, and for the authorization-code grant the token it granted.
type OAuth2Config struct {
	// Kind is KindOAuth2AuthorizationCode or KindOAuth2ClientCredentials.
	Kind Kind
	// ClientID and ClientSecret identify the client. A public client (no
	// secret) sends its id as a form parameter.
	ClientID     string
	ClientSecret Secret
	// AuthURL is the authorization endpoint (authorization code only).
	AuthURL string
	// TokenURL is the token endpoint.
	TokenURL string
	// RedirectURL is the gateway's callback (authorization code only).
	RedirectURL string
	// Scopes are requested at authorization or with client credentials.
	Scopes []string
	// AuthParams are extra authorization URL parameters, such as
	// access_type=offline or prompt=consent.
	AuthParams url.Values
	// TokenParams are extra client-credentials token request parameters,
	// such as audience or resource.
	TokenParams url.Values
	// ClientAuth is ClientSecretBasic (the default with a secret) or
	// ClientSecretPost (the default without). There is no auto-detection:
	// x/oauth2's sends a second token request after any failure, which
	// would present a rotating refresh token twice.
	ClientAuth string

	// Token is the stored token: for the authorization code, the one the
	// last exchange or refresh produced (required unless Refresh is set);
	// for client credentials, optionally the last one fetched. It is
	// never encoded to JSON with the config.
	Token *oauth2.Token `json:"-"`
	// ExpirySkew is how long before expiry a token is refreshed (default
	// DefaultExpirySkew), capped at half the token's lifetime when that is
	// known, so short-lived tokens are not refreshed on every call.
	ExpirySkew time.Duration

	// OnToken receives every new token before any request uses it, so the
	// credential store can persist it (with check-and-set). If it fails,
	// the request fails with its error and the token is dropped: a
	// Credentials never uses a token its store has not accepted. It is
	// called with the lock held, never concurrently. The token must not
	// be modified.
	OnToken func(ctx context.Context, tok *oauth2.Token) error `json:"-"`
	// Refresh, when set, replaces the token endpoint call: it gets the
	// token in use (nil if none; expired, or just refused with 401) and
	// returns the one to use instead. A caller sets it to route refreshes
	// through a single writer per connection, which may return a token
	// another process already refreshed. Its errors are returned as they
	// are (ErrRejected in the chain marks a refusal). OnToken is still
	// called with what it returns; leave OnToken nil when Refresh
	// persists.
	Refresh func(ctx context.Context, stale *oauth2.Token) (*oauth2.Token, error) `json:"-"`
	// HTTPClient calls the token endpoint. The default is egress's client
	// (30 s timeout, its redirect policy) over the base transport the
	// request went through, or over egress's own transport for Exchange
	// and RefreshToken.
	HTTPClient *http.Client `json:"-"`
}

// TokenError is a token endpoint's error answer (RFC 6749 §5.2), with the
// client secret, the tokens, the code and the verifier removed from every
// field.
type TokenError struct {
	StatusCode  int
	Code        string // RFC 6749 "error", e.g. "invalid_grant"
	Description string // "error_description"
	URI         string // "error_uri"
	// Body is a short excerpt of an answer that had no "error" field.
	Body string
}

func (e *TokenError) Error() string {
	msg := fmt.Sprintf("auth: oauth2 token endpoint answered %d", e.StatusCode)
	if e.Code != "" {
		msg += ": " + e.Code
	}
	if e.Description != "" {
		msg += ": " + e.Description
	}
	if e.URI != "" {
		msg += " (" + e.URI + ")"
	}
	if e.Code == "" && e.Body != "" {
		msg += ": " + e.Body
	}
	return msg
}

// Is makes a refusal (invalid_grant, invalid_client and other RFC 6749
// errors, or a 4xx other than 408 and 429) match ErrRejected, and
// server_error, temporarily_unavailable, 5xx and 429 not.
func (e *TokenError) Is(target error) bool {
	if target != ErrRejected {
		return false
	}
	if e.StatusCode >= 500 || e.StatusCode == http.StatusTooManyRequests || e.StatusCode == http.StatusRequestTimeout {
		return false
	}
	switch e.Code {
	case "":
		return statusRejects(e.StatusCode)
	case "server_error", "temporarily_unavailable", "slow_down":
		return false
	}
	return true
}

// errNoRefreshToken is returned when an authorization-code token has
// expired, or was refused, and there is no refresh token to renew it.
var errNoRefreshToken = fmt.Errorf("%w: the OAuth2 token has expired and there is no refresh token; authorize the connection again", ErrRejected)

// OAuth2 returns OAuth2 credentials (golang.org/x/oauth2 underneath): the
// client-credentials grant, or a token from the authorization-code flow
// that is refreshed with its refresh token.
//
// A token is refreshed before it expires (see ExpirySkew) and when the API
// answers 401, after which the request is sent once more. Concurrent
// requests share one refresh: a request that finds the token already
// renewed by another uses the new one. Every new token goes to OnToken
// before use.
func OAuth2(cfg OAuth2Config) Credentials {
	c := &oauth2Creds{printsAs: printsAs(cfg.Kind), cfg: cfg, lock: newRenewLock(), now: time.Now,
		scrub: newScrubber(cfg.ClientSecret.Reveal())}
	c.err = c.prepare()
	if cfg.Token != nil {
		// Kept even without an access token: its refresh token is what
		// the first request renews it with.
		c.cur.Store(c.hold(copyToken(cfg.Token), time.Time{}))
	}
	return c
}

type oauth2Creds struct {
	printsAs
	cfg   OAuth2Config
	oc    *oauth2.Config
	cc    *clientcredentials.Config
	skew  time.Duration
	err   error
	scrub scrubber
	now   func() time.Time

	lock renewLock
	cur  atomic.Pointer[heldToken]
}

// heldToken is the token in use and when to refresh it (zero: never, the
// token does not expire). It is never modified; pointer identity tells
// tokens apart.
type heldToken struct {
	tok       *oauth2.Token
	refreshAt time.Time
}

func (c *oauth2Creds) prepare() error {
	cfg := c.cfg
	style, err := authStyle(cfg)
	if err != nil {
		return err
	}
	if cfg.ClientID == "" && cfg.Refresh == nil {
		return configError("oauth2: no client id")
	}
	if cfg.TokenURL == "" && cfg.Refresh == nil {
		return configError("oauth2: no token URL")
	}
	c.skew = cfg.ExpirySkew
	if c.skew <= 0 {
		c.skew = DefaultExpirySkew
	}
	switch cfg.Kind {
	case KindOAuth2AuthorizationCode:
		if cfg.Refresh == nil && (cfg.Token == nil || cfg.Token.AccessToken == "" && cfg.Token.RefreshToken == "") {
			return configError("oauth2: no stored token; complete the authorization first")
		}
		c.oc = oauth2Config(cfg, style)
	case KindOAuth2ClientCredentials:
		c.cc = &clientcredentials.Config{
			ClientID:       cfg.ClientID,
			ClientSecret:   cfg.ClientSecret.Reveal(),
			TokenURL:       cfg.TokenURL,
			Scopes:         cfg.Scopes,
			EndpointParams: cfg.TokenParams,
			AuthStyle:      style,
		}
	default:
		return configError("oauth2: kind %q, want %s or %s", cfg.Kind, KindOAuth2AuthorizationCode, KindOAuth2ClientCredentials)
	}
	return nil
}

func authStyle(cfg OAuth2Config) (oauth2.AuthStyle, error) {
	switch cfg.ClientAuth {
	case "":
		if cfg.ClientSecret == "" {
			return oauth2.AuthStyleInParams, nil
		}
		return oauth2.AuthStyleInHeader, nil
	case ClientSecretBasic:
		return oauth2.AuthStyleInHeader, nil
	case ClientSecretPost:
		return oauth2.AuthStyleInParams, nil
	}
	return 0, configError("oauth2: client auth %q, want %s or %s", cfg.ClientAuth, ClientSecretBasic, ClientSecretPost)
}

func oauth2Config(cfg OAuth2Config, style oauth2.AuthStyle) *oauth2.Config {
	return &oauth2.Config{
		ClientID:     cfg.ClientID,
		ClientSecret: cfg.ClientSecret.Reveal(),
		Endpoint:     oauth2.Endpoint{AuthURL: cfg.AuthURL, TokenURL: cfg.TokenURL, AuthStyle: style},
		RedirectURL:  cfg.RedirectURL,
		Scopes:       cfg.Scopes,
	}
}

// hold wraps tok with the time to refresh it. obtained is when the request
// that produced it started (zero for a stored token).
func (c *oauth2Creds) hold(tok *oauth2.Token, obtained time.Time) *heldToken {
	h := &heldToken{tok: tok}
	if tok.Expiry.IsZero() {
		return h
	}
	var life time.Duration
	switch {
	case !obtained.IsZero():
		life = tok.Expiry.Sub(obtained)
	case tok.ExpiresIn > 0:
		life = time.Duration(tok.ExpiresIn) * time.Second
	}
	skew := c.skew
	if life > 0 && skew > life/2 {
		skew = life / 2
	}
	h.refreshAt = tok.Expiry.Add(-skew)
	return h
}

func (c *oauth2Creds) usable(h *heldToken) bool {
	return h != nil && h.tok.AccessToken != "" && (h.refreshAt.IsZero() || c.now().Before(h.refreshAt))
}

func (c *oauth2Creds) Transport(base http.RoundTripper) http.RoundTripper {
	if c.err != nil {
		return failing{c.err}
	}
	return &renewingTransport[*heldToken]{
		base:    orDefault(base),
		current: func() (*heldToken, bool) { h := c.cur.Load(); return h, c.usable(h) },
		renew:   c.renew,
		apply:   func(r *http.Request, h *heldToken) { h.tok.SetAuthHeader(r) },
	}
}

// renew obtains a new token, unless the token has changed since the caller
// read stale and the new one is usable, and returns the token to use.
func (c *oauth2Creds) renew(ctx context.Context, base http.RoundTripper, stale *heldToken) (*heldToken, error) {
	if err := c.lock.lock(ctx); err != nil {
		return nil, err
	}
	defer c.lock.unlock()
	cur := c.cur.Load()
	if cur != stale && c.usable(cur) {
		return cur, nil
	}
	var prev *oauth2.Token
	if cur != nil {
		prev = cur.tok
	}
	scrub := c.scrub.with(tokenSecrets(prev)...)
	started := c.now()
	var next *oauth2.Token
	var err error
	if c.cfg.Refresh != nil {
		var arg *oauth2.Token
		if prev != nil {
			cp := *prev
			arg = &cp
		}
		next, err = c.cfg.Refresh(ctx, arg)
		if err != nil {
			return nil, scrub.err(fmt.Errorf("auth: oauth2 refresh: %w", err))
		}
	} else if next, err = c.fetch(ctx, base, prev, scrub); err != nil {
		return nil, err
	}
	if next == nil || next.AccessToken == "" {
		return nil, errors.New("auth: oauth2: the new token has no access token")
	}
	next = copyToken(next)
	// A Refresh hook may answer with the token already in use; only a new
	// one goes to the store.
	if c.cfg.OnToken != nil && (prev == nil || next.AccessToken != prev.AccessToken) {
		if err := c.cfg.OnToken(ctx, copyToken(next)); err != nil {
			return nil, scrub.with(tokenSecrets(next)...).err(fmt.Errorf("auth: oauth2: storing the new token: %w", err))
		}
	}
	h := c.hold(next, started)
	c.cur.Store(h)
	return h, nil
}

func copyToken(t *oauth2.Token) *oauth2.Token {
	cp := *t
	return &cp
}

func tokenSecrets(t *oauth2.Token) []string {
	if t == nil {
		return nil
	}
	return []string{t.AccessToken, t.RefreshToken}
}

// fetch asks the token endpoint for a new token: with the client
// credentials, or with prev's refresh token.
func (c *oauth2Creds) fetch(ctx context.Context, base http.RoundTripper, prev *oauth2.Token, scrub scrubber) (*oauth2.Token, error) {
	ctx = context.WithValue(ctx, oauth2.HTTPClient, tokenClient(c.cfg.HTTPClient, base))
	if c.cc != nil {
		tok, err := c.cc.Token(ctx)
		if err != nil {
			return nil, tokenError(err, scrub)
		}
		return tok, nil
	}
	if prev == nil || prev.RefreshToken == "" {
		return nil, errNoRefreshToken
	}
	tok, err := c.oc.TokenSource(ctx, &oauth2.Token{RefreshToken: prev.RefreshToken}).Token()
	if err != nil {
		return nil, tokenError(err, scrub)
	}
	return tok, nil
}

// tokenClient is the client that calls a token endpoint: the configured
// one, or egress's over base (nil: egress's own transport), so that the
// redirect policy that keeps the client secret on the endpoint's origin
// applies.
func tokenClient(configured *http.Client, base http.RoundTripper) *http.Client {
	if configured != nil {
		return configured
	}
	hc := egress.Default().WithTransport(base)
	hc.Timeout = tokenTimeout
	return hc
}

// tokenError turns an x/oauth2 error into a *TokenError, or a scrubbed
// error for failures that are not the endpoint's answer.
func tokenError(err error, scrub scrubber) error {
	var re *oauth2.RetrieveError
	if !errors.As(err, &re) {
		return scrub.err(fmt.Errorf("auth: oauth2 token request: %w", err))
	}
	te := &TokenError{
		Code:        scrub.clean(re.ErrorCode),
		Description: scrub.clean(re.ErrorDescription),
		URI:         scrub.clean(re.ErrorURI),
	}
	if re.Response != nil {
		te.StatusCode = re.Response.StatusCode
	}
	if te.Code == "" {
		te.Body = scrub.excerpt(re.Body)
	}
	return te
}

// NewPKCE returns a PKCE verifier and its S256 challenge (RFC 7636), for
// one authorization: the challenge goes into AuthCodeURL, the verifier is
// kept (server-side, with the state) until Exchange.
func NewPKCE() (verifier, challenge string) {
	verifier = oauth2.GenerateVerifier()
	return verifier, oauth2.S256ChallengeFromVerifier(verifier)
}

// AuthCodeURL is the provider's authorization URL the gateway's start
// endpoint redirects the user to: response_type=code with the client id,
// redirect URL, scopes, state, cfg.AuthParams and, when challenge is not
// empty, the PKCE S256 challenge.
func AuthCodeURL(cfg OAuth2Config, state, challenge string) string {
	var opts []oauth2.AuthCodeOption
	if challenge != "" {
		opts = append(opts,
			oauth2.SetAuthURLParam("code_challenge", challenge),
			oauth2.SetAuthURLParam("code_challenge_method", "S256"))
	}
	for k, vs := range cfg.AuthParams {
		for _, v := range vs {
			opts = append(opts, oauth2.SetAuthURLParam(k, v))
		}
	}
	return oauth2Config(cfg, 0).AuthCodeURL(state, opts...)
}

// Exchange trades the code the gateway's callback received for a token,
// sending the PKCE verifier when it is not empty. The caller stores the
// token (OnToken is not called) and builds Credentials with it. Errors are
// *TokenError (invalid_grant for a wrong code or verifier) or transport
// errors, without secrets.
func Exchange(ctx context.Context, cfg OAuth2Config, code, verifier string) (*oauth2.Token, error) {
	style, err := authStyle(cfg)
	if err != nil {
		return nil, err
	}
	if cfg.TokenURL == "" {
		return nil, configError("oauth2: no token URL")
	}
	var opts []oauth2.AuthCodeOption
	if verifier != "" {
		opts = append(opts, oauth2.VerifierOption(verifier))
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, tokenClient(cfg.HTTPClient, nil))
	tok, err := oauth2Config(cfg, style).Exchange(ctx, code, opts...)
	if err != nil {
		return nil, tokenError(err, newScrubber(cfg.ClientSecret.Reveal(), code, verifier))
	}
	return tok, nil
}
