package authtest

import (
	"crypto/sha256"
	"encoding/base64"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/oauth2"
)

// OAuth2Provider is an OAuth2 authorization server (RFC 6749) and the API
// it protects, on one handler:
//
//   - GET /authorize: the authorization endpoint. It approves at once (there
//     is no user to ask) and redirects to redirect_uri with code and state.
//     A code_challenge must use S256 (RFC 7636).
//   - POST /token: grants client_credentials, authorization_code (with the
//     redirect_uri and PKCE code_verifier checked against the
//     authorization) and refresh_token. The client authenticates with
//     HTTP Basic or client_id/client_secret form parameters, not both.
//     Errors are RFC 6749 §5.2 JSON; like some real providers, an
//     invalid_grant description quotes the grant it refused.
//   - anything else: the API, which requires a live bearer access token
//     and answers 401 with error="invalid_token" otherwise.
//
// With RotateRefreshTokens each refresh returns a new refresh token and
// retires the old one; presenting a retired one is treated as theft
// (invalid_grant, and its whole family of tokens is revoked), which is what
// makes concurrent refreshes fatal. Set the fields before serving.
type OAuth2Provider struct {
	ClientID, ClientSecret string
	// RedirectURL, when set, is the only redirect_uri accepted.
	RedirectURL string
	// AccessTokenTTL is the lifetime of access tokens (default 1 h).
	AccessTokenTTL      time.Duration
	RotateRefreshTokens bool
	// TokenDelay slows every token answer, to widen race windows.
	TokenDelay time.Duration
	// Next serves API requests with a live token (default: OK).
	Next http.Handler

	mu       sync.Mutex
	codes    map[string]*authorization
	access   map[string]accessToken
	refresh  map[string]*refreshToken
	families int
	stats    OAuth2Stats
}

type authorization struct {
	redirectURI, challenge, scope string
	used                          bool
}

type accessToken struct {
	expiry time.Time
	family int
}

type refreshToken struct {
	family  int
	retired bool
	revoked bool
}

// OAuth2Stats counts what an OAuth2Provider saw.
type OAuth2Stats struct {
	Authorizations    int // codes issued by /authorize
	ClientCredentials int // tokens issued per grant
	AuthorizationCode int
	Refreshes         int
	InvalidGrant      int // refused grants (reused refresh tokens, bad codes or verifiers)
	InvalidClient     int
	Reuses            int // of InvalidGrant: retired refresh tokens presented again
	APIAccepted       int
	APIRejected       int
}

// Stats returns the counters so far.
func (p *OAuth2Provider) Stats() OAuth2Stats {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.stats
}

// RevokeAccessTokens ends every access token issued so far; refresh tokens
// stay valid.
func (p *OAuth2Provider) RevokeAccessTokens() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.access = nil
}

// IssueToken returns a token as an authorization-code exchange would have:
// an access token valid for lifetime and a refresh token of a new family.
// Tests use it as the stored token of a connection.
func (p *OAuth2Provider) IssueToken(lifetime time.Duration) *oauth2.Token {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issue(lifetime, 0, true)
}

func (p *OAuth2Provider) ttl() time.Duration {
	if p.AccessTokenTTL <= 0 {
		return time.Hour
	}
	return p.AccessTokenTTL
}

// issue mints tokens; family 0 starts a new family. Call with p.mu held.
func (p *OAuth2Provider) issue(lifetime time.Duration, family int, withRefresh bool) *oauth2.Token {
	if p.access == nil {
		p.access = map[string]accessToken{}
	}
	if p.refresh == nil {
		p.refresh = map[string]*refreshToken{}
	}
	if family == 0 {
		p.families++
		family = p.families
	}
	now := time.Now()
	tok := &oauth2.Token{
		AccessToken: "at_" + randomString(24),
		TokenType:   "Bearer",
		Expiry:      now.Add(lifetime),
		ExpiresIn:   int64(lifetime / time.Second),
	}
	p.access[tok.AccessToken] = accessToken{expiry: now.Add(lifetime), family: family}
	if withRefresh {
		tok.RefreshToken = "rt_" + randomString(24)
		p.refresh[tok.RefreshToken] = &refreshToken{family: family}
	}
	return tok
}

// revokeFamily ends every token descended from one authorization. Call
// with p.mu held.
func (p *OAuth2Provider) revokeFamily(family int) {
	for k, a := range p.access {
		if a.family == family {
			delete(p.access, k)
		}
	}
	for _, r := range p.refresh {
		if r.family == family {
			r.revoked = true
		}
	}
}

// ServeHTTP serves /authorize, /token and the API; see OAuth2Provider.
func (p *OAuth2Provider) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch r.URL.Path {
	case "/authorize":
		p.authorize(w, r)
	case "/token":
		p.token(w, r)
	default:
		p.api(w, r)
	}
}

func (p *OAuth2Provider) api(w http.ResponseWriter, r *http.Request) {
	tok, ok := bearer(r)
	p.mu.Lock()
	a, live := p.access[tok]
	live = ok && live && time.Now().Before(a.expiry)
	if live {
		p.stats.APIAccepted++
	} else {
		p.stats.APIRejected++
	}
	p.mu.Unlock()
	if !live {
		w.Header().Set("WWW-Authenticate", `Bearer realm="authtest", error="invalid_token", error_description="the access token expired or was revoked"`)
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	orOK(p.Next).ServeHTTP(w, r)
}

func (p *OAuth2Provider) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	fail := func(msg string) {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_request", "error_description": msg})
	}
	switch {
	case q.Get("response_type") != "code":
		fail("response_type must be code")
		return
	case q.Get("client_id") != p.ClientID:
		fail("unknown client_id")
		return
	case q.Get("redirect_uri") == "" || (p.RedirectURL != "" && q.Get("redirect_uri") != p.RedirectURL):
		fail("redirect_uri is not registered")
		return
	case q.Get("code_challenge") != "" && q.Get("code_challenge_method") != "S256":
		fail("code_challenge_method must be S256")
		return
	}
	code := "code_" + randomString(18)
	p.mu.Lock()
	if p.codes == nil {
		p.codes = map[string]*authorization{}
	}
	p.codes[code] = &authorization{redirectURI: q.Get("redirect_uri"), challenge: q.Get("code_challenge"), scope: q.Get("scope")}
	p.stats.Authorizations++
	p.mu.Unlock()
	to, _ := url.Parse(q.Get("redirect_uri"))
	back := to.Query()
	back.Set("code", code)
	if s := q.Get("state"); s != "" {
		back.Set("state", s)
	}
	to.RawQuery = back.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

func (p *OAuth2Provider) token(w http.ResponseWriter, r *http.Request) {
	if p.TokenDelay > 0 {
		time.Sleep(p.TokenDelay)
	}
	oauthError := func(status int, code, desc string) {
		if status == http.StatusUnauthorized {
			w.Header().Set("WWW-Authenticate", `Basic realm="authtest"`)
		}
		writeJSON(w, status, map[string]string{"error": code, "error_description": desc})
	}
	if mt, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type")); r.Method != http.MethodPost || mt != "application/x-www-form-urlencoded" {
		oauthError(http.StatusBadRequest, "invalid_request", "POST a form")
		return
	}
	if err := r.ParseForm(); err != nil {
		oauthError(http.StatusBadRequest, "invalid_request", "unreadable form")
		return
	}
	f := r.PostForm
	// Client authentication: one method, not both (RFC 6749 §2.3).
	id, secret, basic := r.BasicAuth()
	if basic {
		id, _ = url.QueryUnescape(id)
		secret, _ = url.QueryUnescape(secret)
		if f.Has("client_secret") {
			p.count(func(s *OAuth2Stats) { s.InvalidClient++ })
			oauthError(http.StatusBadRequest, "invalid_request", "more than one client authentication method")
			return
		}
	} else {
		id, secret = f.Get("client_id"), f.Get("client_secret")
	}
	if !equal(id, p.ClientID) || !equal(secret, p.ClientSecret) {
		p.count(func(s *OAuth2Stats) { s.InvalidClient++ })
		oauthError(http.StatusUnauthorized, "invalid_client", "client authentication failed")
		return
	}

	p.mu.Lock()
	defer p.mu.Unlock()
	invalidGrant := func(desc string) {
		p.stats.InvalidGrant++
		oauthError(http.StatusBadRequest, "invalid_grant", desc)
	}
	var tok *oauth2.Token
	scope := f.Get("scope")
	switch f.Get("grant_type") {
	case "client_credentials":
		tok = p.issue(p.ttl(), 0, false)
		p.stats.ClientCredentials++
	case "authorization_code":
		code := f.Get("code")
		a, ok := p.codes[code]
		switch {
		case !ok || a.used:
			invalidGrant("authorization code " + code + " is invalid or was already used")
			return
		case a.redirectURI != f.Get("redirect_uri"):
			invalidGrant("redirect_uri does not match the authorization request")
			return
		case a.challenge != "" && !pkceMatches(f.Get("code_verifier"), a.challenge):
			invalidGrant("code_verifier " + f.Get("code_verifier") + " does not match the code_challenge")
			return
		case a.challenge == "" && f.Has("code_verifier"):
			invalidGrant("code_verifier without a code_challenge")
			return
		}
		a.used = true
		scope = a.scope
		tok = p.issue(p.ttl(), 0, true)
		p.stats.AuthorizationCode++
	case "refresh_token":
		rt := f.Get("refresh_token")
		old, ok := p.refresh[rt]
		switch {
		case !ok || old.revoked:
			invalidGrant("refresh token " + rt + " is invalid")
			return
		case old.retired:
			p.stats.Reuses++
			p.revokeFamily(old.family)
			invalidGrant("refresh token " + rt + " was already used; every token of this grant is revoked")
			return
		}
		if p.RotateRefreshTokens {
			old.retired = true
			tok = p.issue(p.ttl(), old.family, true)
		} else {
			tok = p.issue(p.ttl(), old.family, false) // the old refresh token stays; the answer omits it
		}
		p.stats.Refreshes++
	default:
		oauthError(http.StatusBadRequest, "unsupported_grant_type", "grant_type "+f.Get("grant_type")+" is not supported")
		return
	}
	body := map[string]any{"access_token": tok.AccessToken, "token_type": "Bearer", "expires_in": tok.ExpiresIn}
	if tok.RefreshToken != "" {
		body["refresh_token"] = tok.RefreshToken
	}
	if scope != "" {
		body["scope"] = scope
	}
	w.Header().Set("Pragma", "no-cache")
	writeJSON(w, http.StatusOK, body)
}

func (p *OAuth2Provider) count(f func(*OAuth2Stats)) {
	p.mu.Lock()
	defer p.mu.Unlock()
	f(&p.stats)
}

// pkceMatches checks an RFC 7636 S256 verifier against its challenge.
func pkceMatches(verifier, challenge string) bool {
	if len(verifier) < 43 || len(verifier) > 128 {
		return false
	}
	for _, c := range verifier {
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || strings.ContainsRune("-._~", c)) {
			return false
		}
	}
	sum := sha256.Sum256([]byte(verifier))
	return equal(base64.RawURLEncoding.EncodeToString(sum[:]), challenge)
}
