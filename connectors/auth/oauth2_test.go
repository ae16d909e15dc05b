package auth

import (
	"context"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"golang.org/x/oauth2"

	"github.com/junction-run/junction/connectors/auth/authtest"
)

const (
	clientID     = "junction-test-client"
	clientSecret = "cs_9xQ2mV7pL4tR8wZ1yK6n"
)

// provider starts a fake OAuth2 provider; configure it before the first
// request.
func provider(t *testing.T, p *authtest.OAuth2Provider) (*httptest.Server, OAuth2Config) {
	t.Helper()
	registerSecrets(clientSecret)
	p.ClientID, p.ClientSecret = clientID, clientSecret
	ts := httptest.NewServer(p)
	t.Cleanup(ts.Close)
	p.RedirectURL = ts.URL + "/callback"
	return ts, OAuth2Config{
		ClientID:     clientID,
		ClientSecret: clientSecret,
		AuthURL:      ts.URL + "/authorize",
		TokenURL:     ts.URL + "/token",
		RedirectURL:  ts.URL + "/callback",
		Scopes:       []string{"orders:read", "orders:write"},
	}
}

// tokenLog is an OnToken that records (and registers as secrets) every
// token it is handed.
type tokenLog struct {
	mu     sync.Mutex
	tokens []*oauth2.Token
	fail   error
}

func (l *tokenLog) onToken(_ context.Context, tok *oauth2.Token) error {
	registerSecrets(tok.AccessToken, tok.RefreshToken)
	l.mu.Lock()
	defer l.mu.Unlock()
	l.tokens = append(l.tokens, tok)
	return l.fail
}

func (l *tokenLog) count() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return len(l.tokens)
}

func issue(p *authtest.OAuth2Provider, lifetime time.Duration) *oauth2.Token {
	tok := p.IssueToken(lifetime)
	registerSecrets(tok.AccessToken, tok.RefreshToken)
	return tok
}

func TestOAuth2ClientCredentials(t *testing.T) {
	for _, clientAuth := range []string{"", ClientSecretBasic, ClientSecretPost} {
		t.Run("client auth "+clientAuth, func(t *testing.T) {
			p := &authtest.OAuth2Provider{}
			ts, cfg := provider(t, p)
			log := &tokenLog{}
			cfg.Kind, cfg.ClientAuth, cfg.OnToken = KindOAuth2ClientCredentials, clientAuth, log.onToken
			rt := OAuth2(cfg).Transport(nil)
			for i := 0; i < 3; i++ {
				if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api/orders", nil); err != nil || status != 200 {
					t.Fatalf("call %d: %d, %v", i, status, err)
				}
			}
			if st := p.Stats(); st.ClientCredentials != 1 || st.APIAccepted != 3 || log.count() != 1 {
				t.Errorf("want one token for three calls: %+v, OnToken %d", st, log.count())
			}
			// Revoked: a new token is fetched and the call repeated.
			p.RevokeAccessTokens()
			if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api/orders", nil); err != nil || status != 200 {
				t.Fatalf("after revocation: %d, %v", status, err)
			}
			if st := p.Stats(); st.ClientCredentials != 2 || st.APIRejected != 1 || log.count() != 2 {
				t.Errorf("after revocation: %+v, OnToken %d", st, log.count())
			}
		})
	}
}

func TestOAuth2WrongClientSecret(t *testing.T) {
	p := &authtest.OAuth2Provider{}
	ts, cfg := provider(t, p)
	registerSecrets("cs_wrong_secret_value_1")
	cfg.Kind, cfg.ClientSecret = KindOAuth2ClientCredentials, "cs_wrong_secret_value_1"
	_, _, err := call(t, OAuth2(cfg).Transport(nil), http.MethodGet, ts.URL+"/api", nil)
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_client" || te.StatusCode != 401 || !errors.Is(err, ErrRejected) {
		t.Fatalf("err = %v", err)
	}
	if st := p.Stats(); st.APIAccepted+st.APIRejected != 0 || st.InvalidClient != 1 {
		t.Errorf("one token request and no API call: %+v", st)
	}
}

func TestOAuth2AuthorizationCodeWithPKCE(t *testing.T) {
	p := &authtest.OAuth2Provider{}
	ts, cfg := provider(t, p)
	cfg.Kind = KindOAuth2AuthorizationCode
	cfg.AuthParams = url.Values{"access_type": {"offline"}}

	verifier, challenge := NewPKCE()
	registerSecrets(verifier)
	sum := sha256.Sum256([]byte(verifier))
	if len(verifier) < 43 || challenge != base64.RawURLEncoding.EncodeToString(sum[:]) {
		t.Fatalf("NewPKCE: verifier %d chars, challenge %q is not its S256", len(verifier), challenge)
	}
	authorize := func() string {
		t.Helper()
		u := mustParse(t, AuthCodeURL(cfg, "state-123", challenge))
		q := u.Query()
		for k, want := range map[string]string{"response_type": "code", "client_id": clientID, "redirect_uri": cfg.RedirectURL,
			"scope": "orders:read orders:write", "state": "state-123", "code_challenge": challenge,
			"code_challenge_method": "S256", "access_type": "offline"} {
			if q.Get(k) != want {
				t.Errorf("authorization URL %s = %q, want %q", k, q.Get(k), want)
			}
		}
		noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := noRedirect.Get(u.String())
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		back := mustParse(t, resp.Header.Get("Location"))
		if resp.StatusCode != http.StatusFound || back.Query().Get("state") != "state-123" || back.Query().Get("code") == "" {
			t.Fatalf("authorize answered %d, Location %s", resp.StatusCode, back)
		}
		registerSecrets(back.Query().Get("code"))
		return back.Query().Get("code")
	}

	// A wrong verifier is refused (the fake recomputes the S256 challenge);
	// its description quotes the verifier, which the error drops.
	wrong, _ := NewPKCE()
	registerSecrets(wrong)
	_, err := Exchange(context.Background(), cfg, authorize(), wrong)
	noteErr(t, err)
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" || !strings.Contains(te.Description, "[redacted]") || !errors.Is(err, ErrRejected) {
		t.Fatalf("wrong verifier: %v", err)
	}
	// So is no verifier at all.
	_, err = Exchange(context.Background(), cfg, authorize(), "")
	noteErr(t, err)
	if !errors.As(err, &te) || te.Code != "invalid_grant" {
		t.Fatalf("missing verifier: %v", err)
	}

	code := authorize()
	tok, err := Exchange(context.Background(), cfg, code, verifier)
	noteErr(t, err)
	if err != nil {
		t.Fatal(err)
	}
	registerSecrets(tok.AccessToken, tok.RefreshToken)
	if tok.RefreshToken == "" || tok.Expiry.IsZero() {
		t.Errorf("token %+v lacks a refresh token or an expiry", tok)
	}
	// A code works once.
	_, err = Exchange(context.Background(), cfg, code, verifier)
	noteErr(t, err)
	if !errors.Is(err, ErrRejected) {
		t.Errorf("reused code: %v", err)
	}

	cfg.Token = tok
	if status, _, err := call(t, OAuth2(cfg).Transport(nil), http.MethodGet, ts.URL+"/api/orders", nil); err != nil || status != 200 {
		t.Fatalf("API with the exchanged token: %d, %v", status, err)
	}
	if st := p.Stats(); st.AuthorizationCode != 1 || st.InvalidGrant != 3 || st.APIAccepted != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestOAuth2ProactiveRefresh(t *testing.T) {
	tests := []struct {
		name        string
		left        time.Duration // until the stored token expires
		lifetime    int64         // its expires_in when issued, in seconds (0: unknown)
		skew        time.Duration
		wantRefresh bool
	}{
		{"1 h token with 30 s left, default skew", 30 * time.Second, 3600, 0, true},
		{"30 s left, lifetime unknown", 30 * time.Second, 0, 0, true},
		{"expired", -time.Minute, 3600, 0, true},
		{"2 h left", 2 * time.Hour, 7200, 0, false},
		{"fresh 30 s token: skew capped at 15 s", 30 * time.Second, 30, 0, false},
		{"fresh 4 min token, 5 min skew capped at 2 min", 4 * time.Minute, 240, 5 * time.Minute, false},
		{"2 min token with 50 s left, 5 min skew capped at 1 min", 50 * time.Second, 120, 5 * time.Minute, true},
		{"10 min left, 15 min skew", 10 * time.Minute, 3600, 15 * time.Minute, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &authtest.OAuth2Provider{}
			ts, cfg := provider(t, p)
			log := &tokenLog{}
			stored := issue(p, tc.left)
			stored.ExpiresIn = tc.lifetime
			cfg.Kind, cfg.Token, cfg.ExpirySkew, cfg.OnToken = KindOAuth2AuthorizationCode, stored, tc.skew, log.onToken
			rt := OAuth2(cfg).Transport(nil)
			for i := 0; i < 2; i++ {
				if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
					t.Fatalf("call %d: %d, %v", i, status, err)
				}
			}
			want := 0
			if tc.wantRefresh {
				want = 1
			}
			st := p.Stats()
			if st.Refreshes != want || log.count() != want {
				t.Errorf("refreshes %d, OnToken %d; want %d", st.Refreshes, log.count(), want)
			}
			// Proactive: the API never saw a stale token.
			if st.APIRejected != 0 {
				t.Errorf("the API refused %d calls", st.APIRejected)
			}
			if want == 1 && log.count() == 1 && (log.tokens[0].AccessToken == stored.AccessToken || log.tokens[0].RefreshToken != stored.RefreshToken) {
				t.Errorf("OnToken got %+v; want a new access token and the kept refresh token", log.tokens[0])
			}
		})
	}

	// Time passing: a token fetched now is refreshed once its refresh time
	// (expiry minus skew) has come, before the call.
	p := &authtest.OAuth2Provider{AccessTokenTTL: 10 * time.Minute}
	ts, cfg := provider(t, p)
	cfg.Kind = KindOAuth2ClientCredentials
	creds := OAuth2(cfg).(*oauth2Creds)
	rt := creds.Transport(nil)
	var offset atomic.Int64
	creds.now = func() time.Time { return time.Now().Add(time.Duration(offset.Load())) }
	for _, at := range []time.Duration{0, 8 * time.Minute, 9*time.Minute + 30*time.Second} {
		offset.Store(int64(at))
		if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
			t.Fatalf("at +%s: %d, %v", at, status, err)
		}
	}
	if st := p.Stats(); st.ClientCredentials != 2 || st.APIRejected != 0 {
		t.Errorf("want a fetch at 0 and a refresh at +9m30s: %+v", st)
	}
}

func TestOAuth2RefreshOn401(t *testing.T) {
	for _, rotate := range []bool{false, true} {
		p := &authtest.OAuth2Provider{RotateRefreshTokens: rotate}
		ts, cfg := provider(t, p)
		log := &tokenLog{}
		stored := issue(p, time.Hour)
		cfg.Kind, cfg.Token, cfg.OnToken = KindOAuth2AuthorizationCode, stored, log.onToken
		rt := OAuth2(cfg).Transport(nil)
		p.RevokeAccessTokens()
		status, got, err := call(t, rt, http.MethodPost, ts.URL+"/api", stream("payload"))
		if err != nil || status != 200 {
			t.Fatalf("rotate=%v: %d %q, %v", rotate, status, got, err)
		}
		st := p.Stats()
		if st.Refreshes != 1 || st.APIRejected != 1 || st.APIAccepted != 1 || log.count() != 1 {
			t.Fatalf("rotate=%v: %+v, OnToken %d", rotate, st, log.count())
		}
		newTok := log.tokens[0]
		if newTok.AccessToken == stored.AccessToken || (newTok.RefreshToken == stored.RefreshToken) == rotate {
			t.Errorf("rotate=%v: OnToken got %+v", rotate, newTok)
		}
		// Twice more: a new refresh each time, each token handed over.
		for i := 0; i < 2; i++ {
			p.RevokeAccessTokens()
			if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
				t.Fatalf("rotate=%v, again: %d, %v", rotate, status, err)
			}
		}
		if st := p.Stats(); st.Refreshes != 3 || st.InvalidGrant != 0 || log.count() != 3 {
			t.Errorf("rotate=%v: %+v, OnToken %d", rotate, st, log.count())
		}
	}
}

// The provider rotates refresh tokens and punishes reuse. Twenty
// concurrent calls through one Credentials meet a token that must be
// renewed: exactly one refresh, no invalid_grant, every call succeeds.
func TestOAuth2ConcurrentCallsShareOneRefresh(t *testing.T) {
	tests := []struct {
		name    string
		expired bool // the stored token has expired (proactive), or the API revoked it (401)
	}{
		{"expired token", true},
		{"revoked token", false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := &authtest.OAuth2Provider{RotateRefreshTokens: true, TokenDelay: 50 * time.Millisecond}
			ts, cfg := provider(t, p)
			log := &tokenLog{}
			lifetime := time.Hour
			if tc.expired {
				lifetime = -time.Second
			}
			cfg.Kind, cfg.Token, cfg.OnToken = KindOAuth2AuthorizationCode, issue(p, lifetime), log.onToken
			if !tc.expired {
				p.RevokeAccessTokens()
			}
			rt := OAuth2(cfg).Transport(nil)
			start := make(chan struct{})
			var wg sync.WaitGroup
			var ok atomic.Int32
			for i := 0; i < 20; i++ {
				wg.Add(1)
				go func() {
					defer wg.Done()
					<-start
					status, _, err := call(t, rt, http.MethodPost, ts.URL+"/api/orders", strings.NewReader(`{"n":1}`))
					if err != nil || status != 200 {
						t.Errorf("call: %d, %v", status, err)
						return
					}
					ok.Add(1)
				}()
			}
			close(start)
			wg.Wait()
			st := p.Stats()
			if ok.Load() != 20 || st.Refreshes != 1 || st.InvalidGrant != 0 || st.Reuses != 0 || log.count() != 1 {
				t.Errorf("%d ok; stats %+v; OnToken %d; want 20 ok, 1 refresh, 0 invalid_grant", ok.Load(), st, log.count())
			}
		})
	}
}

// Why one writer matters: two Credentials (two workers) holding the same
// stored token both refresh; the provider sees the rotated token reused,
// answers invalid_grant and revokes the grant.
func TestOAuth2TwoWritersTripReuseDetection(t *testing.T) {
	p := &authtest.OAuth2Provider{RotateRefreshTokens: true}
	ts, cfg := provider(t, p)
	cfg.Kind, cfg.Token = KindOAuth2AuthorizationCode, issue(p, -time.Second)
	a, b := OAuth2(cfg).Transport(nil), OAuth2(cfg).Transport(nil)
	if status, _, err := call(t, a, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
		t.Fatalf("first worker: %d, %v", status, err)
	}
	_, _, err := call(t, b, http.MethodGet, ts.URL+"/api", nil)
	var te *TokenError
	if !errors.As(err, &te) || te.Code != "invalid_grant" || !errors.Is(err, ErrRejected) {
		t.Fatalf("second worker: %v; want invalid_grant", err)
	}
	// The provider quoted the refresh token; the error does not.
	if !strings.Contains(te.Description, "refresh token [redacted] was already used") {
		t.Errorf("description %q", te.Description)
	}
	// The first worker's token died with the grant.
	p.RevokeAccessTokens()
	_, _, err = call(t, a, http.MethodGet, ts.URL+"/api", nil)
	if !errors.As(err, &te) || te.Code != "invalid_grant" {
		t.Errorf("after the grant was revoked: %v", err)
	}
}

// With Refresh set, refreshes go through the caller's single writer: two
// Credentials (two workers) on one connection, ten calls each, one
// refresh.
func TestOAuth2RefreshHookSerializesAcrossCredentials(t *testing.T) {
	p := &authtest.OAuth2Provider{RotateRefreshTokens: true, TokenDelay: 20 * time.Millisecond}
	ts, cfg := provider(t, p)
	stored := issue(p, time.Hour)
	p.RevokeAccessTokens()

	// The writer holds the connection's current token, as the token
	// workflow would; it refreshes only if the caller's token is still
	// the current one.
	var mu sync.Mutex
	current := stored
	calls := 0
	writerCfg := cfg
	writerCfg.Kind = KindOAuth2AuthorizationCode
	writer := oauth2Config(writerCfg, oauth2.AuthStyleInHeader)
	refresh := func(ctx context.Context, stale *oauth2.Token) (*oauth2.Token, error) {
		mu.Lock()
		defer mu.Unlock()
		calls++
		if stale != nil && stale.AccessToken != current.AccessToken {
			return current, nil // already refreshed by another worker
		}
		tok, err := writer.TokenSource(ctx, &oauth2.Token{RefreshToken: current.RefreshToken}).Token()
		if err != nil {
			return nil, err
		}
		registerSecrets(tok.AccessToken, tok.RefreshToken)
		current = tok
		return tok, nil
	}
	cfg.Kind, cfg.Token, cfg.Refresh = KindOAuth2AuthorizationCode, stored, refresh
	workers := []http.RoundTripper{OAuth2(cfg).Transport(nil), OAuth2(cfg).Transport(nil)}
	var wg sync.WaitGroup
	for i := 0; i < 20; i++ {
		wg.Add(1)
		go func(rt http.RoundTripper) {
			defer wg.Done()
			if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
				t.Errorf("call: %d, %v", status, err)
			}
		}(workers[i%2])
	}
	wg.Wait()
	if st := p.Stats(); st.Refreshes != 1 || st.InvalidGrant != 0 || calls != 2 {
		t.Errorf("stats %+v, writer called %d times; want 1 refresh, one writer call per worker", st, calls)
	}
}

func TestOAuth2OnTokenFailureFailsTheCall(t *testing.T) {
	p := &authtest.OAuth2Provider{}
	ts, cfg := provider(t, p)
	errCAS := errors.New("check-and-set: version 4 is not current")
	log := &tokenLog{fail: errCAS}
	stored := issue(p, time.Hour)
	cfg.Kind, cfg.Token, cfg.OnToken = KindOAuth2AuthorizationCode, stored, log.onToken
	rt := OAuth2(cfg).Transport(nil)
	p.RevokeAccessTokens()
	_, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil)
	if !errors.Is(err, errCAS) || !strings.Contains(err.Error(), "storing the new token") {
		t.Fatalf("err = %v", err)
	}
	// The unstored token was dropped: the next call refreshes again.
	log.fail = nil
	if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
		t.Fatalf("after the store recovered: %d, %v", status, err)
	}
	if st := p.Stats(); st.Refreshes != 2 || log.count() != 2 {
		t.Errorf("stats %+v, OnToken %d", st, log.count())
	}

	// An OnToken error that quotes the token is scrubbed, and still
	// matches what it wraps.
	log.fail = nil
	leaky := func(_ context.Context, tok *oauth2.Token) error {
		registerSecrets(tok.AccessToken, tok.RefreshToken)
		return errors.Join(errCAS, errors.New("could not write "+tok.AccessToken))
	}
	cfg.Token, cfg.OnToken = issue(p, -time.Second), leaky
	_, _, err = call(t, OAuth2(cfg).Transport(nil), http.MethodGet, ts.URL+"/api", nil)
	if !errors.Is(err, errCAS) || !strings.Contains(err.Error(), "could not write [redacted]") {
		t.Errorf("err = %v", err)
	}
}

func TestOAuth2WithoutRefreshToken(t *testing.T) {
	p := &authtest.OAuth2Provider{}
	ts, cfg := provider(t, p)
	stored := issue(p, time.Hour)
	stored.RefreshToken = ""
	cfg.Kind, cfg.Token = KindOAuth2AuthorizationCode, stored
	rt := OAuth2(cfg).Transport(nil)
	if status, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
		t.Fatalf("valid token: %d, %v", status, err)
	}
	p.RevokeAccessTokens()
	_, _, err := call(t, rt, http.MethodGet, ts.URL+"/api", nil)
	if !errors.Is(err, ErrRejected) || !strings.Contains(err.Error(), "no refresh token") {
		t.Errorf("err = %v", err)
	}
	// A stored token with only a refresh token is renewed on first use.
	onlyRefresh := issue(p, time.Hour)
	onlyRefresh.AccessToken = ""
	cfg.Token = onlyRefresh
	if status, _, err := call(t, OAuth2(cfg).Transport(nil), http.MethodGet, ts.URL+"/api", nil); err != nil || status != 200 {
		t.Errorf("refresh-only token: %d, %v", status, err)
	}
}

func TestOAuth2TokenEndpointDown(t *testing.T) {
	registerSecrets(clientSecret)
	ts := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.WriteHeader(503)
		_, _ = w.Write([]byte("<html><body>Service Unavailable</body></html>"))
	}))
	defer ts.Close()
	_, _, err := call(t, OAuth2(OAuth2Config{Kind: KindOAuth2ClientCredentials, ClientID: clientID, ClientSecret: clientSecret,
		TokenURL: ts.URL + "/token"}).Transport(nil), http.MethodGet, ts.URL+"/api", nil)
	var te *TokenError
	if !errors.As(err, &te) || te.StatusCode != 503 || errors.Is(err, ErrRejected) || !strings.Contains(te.Body, "Service Unavailable") {
		t.Errorf("err = %v; want a transient TokenError", err)
	}
	ts.Close()
	_, _, err = call(t, OAuth2(OAuth2Config{Kind: KindOAuth2ClientCredentials, ClientID: clientID, ClientSecret: clientSecret,
		TokenURL: ts.URL + "/token"}).Transport(nil), http.MethodGet, ts.URL+"/api", nil)
	if err == nil || errors.Is(err, ErrRejected) {
		t.Errorf("err = %v; want a transient network error", err)
	}
}

func TestTokenErrorIsRejected(t *testing.T) {
	tests := []struct {
		err  TokenError
		want bool
	}{
		{TokenError{StatusCode: 400, Code: "invalid_grant"}, true},
		{TokenError{StatusCode: 401, Code: "invalid_client"}, true},
		{TokenError{StatusCode: 200, Code: "invalid_scope"}, true},
		{TokenError{StatusCode: 400, Code: "temporarily_unavailable"}, false},
		{TokenError{StatusCode: 503, Code: "server_error"}, false},
		{TokenError{StatusCode: 429, Code: "slow_down"}, false},
		{TokenError{StatusCode: 403}, true},
		{TokenError{StatusCode: 502}, false},
	}
	for _, tc := range tests {
		if got := errors.Is(&tc.err, ErrRejected); got != tc.want {
			t.Errorf("%+v: Is(ErrRejected) = %v", tc.err, got)
		}
	}
}
