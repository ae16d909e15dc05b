package gateway_test

import (
	"context"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/mocks"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/runs"
)

// newOAuth2Env is a gateway with a Vault and acme's OAuth2 connection,
// whose id it returns. Its clock is the real one: the store judges a
// flow's expiry by its own.
func newOAuth2Env(t *testing.T, options ...func(*gateway.Config)) (*env, string) {
	t.Helper()
	options = append([]func(*gateway.Config){withVault(newMemVault()), func(cfg *gateway.Config) { cfg.Now = time.Now }}, options...)
	e := newEnv(t, options...)
	created := e.call(http.MethodPost, base+"/connections", e.admin, `{"app":"http","name":"Provider","authKind":"oauth2_authorization_code",
	  "fields":{"auth_url":"https://provider.test/authorize","token_url":"https://provider.test/token","client_id":"junction","client_secret":"cs-1","scopes":"read"}}`)
	if created.status != http.StatusCreated {
		t.Fatalf("creating the connection: %d %s", created.status, created.body)
	}
	var conn struct{ ID string }
	created.decode(t, &conn)
	e.oauth2Connection = conn.ID
	return e, conn.ID
}

// startOAuth2From starts the connection's authorization from peer and
// returns the authorization link and the redirect URL it answered.
func (e *env) startOAuth2From(peer, connID string, headers ...string) (link, redirect string) {
	e.t.Helper()
	r := e.callFrom(peer, http.MethodPost, base+"/connections/"+connID+"/oauth2/authorize", e.admin, nil, headers...)
	if r.status != http.StatusOK {
		e.t.Fatalf("starting the authorization: %d %s", r.status, r.body)
	}
	var started struct{ AuthorizationURL, RedirectURL string }
	r.decode(e.t, &started)
	return started.AuthorizationURL, started.RedirectURL
}

// redirectURLFrom is the OAuth2 redirect URL the gateway builds for a
// request from peer with headers.
func (e *env) redirectURLFrom(peer string, headers ...string) string {
	e.t.Helper()
	if e.oauth2Connection == "" {
		e.t.Fatal("redirectURLFrom needs newOAuth2Env")
	}
	_, redirect := e.startOAuth2From(peer, e.oauth2Connection, headers...)
	return redirect
}

// browser is a client with cookies that follows no redirect, as a test
// sees each step of a browser's way.
type browser struct {
	e      *env
	client *http.Client
}

func (e *env) newBrowser() *browser {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &browser{e: e, client: &http.Client{Transport: e.client.Transport, Jar: jar,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
}

// get sends a GET; headers are name, value pairs.
func (b *browser) get(rawURL string, headers ...string) response {
	b.e.t.Helper()
	req, err := http.NewRequestWithContext(context.WithValue(context.Background(), peerKey{}, "192.0.2.1:4711"), http.MethodGet, rawURL, nil)
	if err != nil {
		b.e.t.Fatal(err)
	}
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := b.client.Do(req)
	if err != nil {
		b.e.t.Fatal(err)
	}
	return readResponse(b.e.t, resp)
}

// open opens an authorization link and returns the provider's URL it
// redirected to, and the callback a provider would send the browser to.
func (b *browser) open(link string) (provider *url.URL, callback string) {
	b.e.t.Helper()
	r := b.get(link)
	if r.status != http.StatusFound {
		b.e.t.Fatalf("opening the link: %d %s", r.status, r.body)
	}
	provider, err := url.Parse(r.header.Get("Location"))
	if err != nil {
		b.e.t.Fatal(err)
	}
	return provider, "http://gateway.test" + gateway.OAuth2CallbackPath + "?" + url.Values{"state": {provider.Query().Get("state")}, "code": {"code-1"}}.Encode()
}

// expectExchange makes the next oauth2.authorize workflow succeed.
func (e *env) expectExchange() {
	run := mocks.NewWorkflowRun(e.t)
	run.On("Get", mock.Anything, mock.Anything).Return(nil).Once()
	e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, runs.AuthorizeConnectionWorkflow, mock.Anything).Return(run, nil).Once()
}

// errorOf decodes an error answer (newOAuth2Env's clock is not
// apiError's).
func errorOf(t *testing.T, r response) apiError {
	t.Helper()
	var body apiError
	r.decode(t, &body)
	return body
}

// TestOAuth2LinkBindsTheBrowser: the link redirects to the provider with a
// state and sets the browser's cookie; only that browser's callback
// completes the flow.
func TestOAuth2LinkBindsTheBrowser(t *testing.T) {
	e, connID := newOAuth2Env(t)
	link, _ := e.startOAuth2From("192.0.2.1:4711", connID)
	if !strings.HasPrefix(link, "http://gateway.test"+gateway.OAuth2LinkPath+"?token=") {
		t.Fatalf("the authorization link %q is not the gateway's", link)
	}
	mine := e.newBrowser()
	provider, callback := mine.open(link)
	q := provider.Query()
	if provider.Host != "provider.test" || q.Get("client_id") != "junction" || q.Get("code_challenge") == "" || len(q.Get("state")) != 43 ||
		q.Get("redirect_uri") != "http://gateway.test"+gateway.OAuth2CallbackPath || strings.Contains(link, q.Get("state")) {
		t.Errorf("the provider's URL %s", provider)
	}
	cookies := mine.client.Jar.Cookies(&url.URL{Scheme: "http", Host: "gateway.test", Path: gateway.OAuth2CallbackPath})
	if len(cookies) != 1 || cookies[0].Name != "junction_oauth2" {
		t.Fatalf("the browser's cookies for the callback: %v", cookies)
	}

	// Another browser, with a cookie of its own from another flow.
	theirs := e.newBrowser()
	otherLink, _ := e.startOAuth2From("192.0.2.1:4711", connID)
	theirs.open(otherLink)

	for _, tc := range []struct {
		name      string
		do        func() response
		fieldPath string
		fieldCode string
	}{
		{"a callback without the cookie", func() response {
			return e.call(http.MethodGet, strings.TrimPrefix(callback, "http://gateway.test"), "", nil)
		},
			"cookie.junction_oauth2", "required"},
		{"another browser's callback", func() response { return theirs.get(callback) }, "cookie.junction_oauth2", "invalid_value"},
		{"another browser opening the link", func() response { return theirs.get(link) }, "query.token", "invalid_value"},
		{"a link without its token", func() response { return theirs.get("http://gateway.test" + gateway.OAuth2LinkPath) }, "query.token", "required"},
		{"a link with a made-up token", func() response {
			return theirs.get("http://gateway.test" + gateway.OAuth2LinkPath + "?token=" + strings.Repeat("A", 43))
		}, "query.token", "invalid_value"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := tc.do()
			if r.status != http.StatusBadRequest {
				t.Fatalf("%d %s, want 400", r.status, r.body)
			}
			body := errorOf(t, r)
			if len(body.Errors) != 1 || body.Errors[0].Path != tc.fieldPath || body.Errors[0].Code != tc.fieldCode {
				t.Errorf("errors %+v, want %s %s", body.Errors, tc.fieldPath, tc.fieldCode)
			}
		})
	}

	// The refusals spent nothing: the browser that opened the link completes it, once.
	e.expectExchange()
	if r := mine.get(link); r.status != http.StatusFound {
		t.Errorf("the same browser opening its link again: %d %s", r.status, r.body)
	}
	if r := mine.get(callback); r.status != http.StatusOK || !strings.Contains(string(r.body), `"authorized":true`) {
		t.Fatalf("the browser's own callback: %d %s", r.status, r.body)
	}
	if r := mine.get(callback); r.status != http.StatusBadRequest || errorOf(t, r).Errors[0].Path != "query.state" {
		t.Errorf("the callback a second time: %d %s", r.status, r.body)
	}
}

// TestOAuth2BrowserCookie: the cookie's attributes, Secure as configured.
func TestOAuth2BrowserCookie(t *testing.T) {
	for _, tc := range []struct {
		name    string
		secure  gateway.SecureCookies
		public  string
		headers []string
		want    bool
	}{
		{name: "auto over plain HTTP", secure: gateway.SecureCookiesAuto},
		{name: "auto behind an https public URL", secure: gateway.SecureCookiesAuto, public: "https://junction.example.com", want: true},
		{name: "auto with an untrusted X-Forwarded-Proto", secure: gateway.SecureCookiesAuto, headers: []string{"X-Forwarded-Proto", "https"}},
		{name: "always (TLS ends at a proxy)", secure: gateway.SecureCookiesAlways, want: true},
		{name: "never, even behind an https public URL", secure: gateway.SecureCookiesNever, public: "https://junction.example.com"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e, connID := newOAuth2Env(t, func(cfg *gateway.Config) { cfg.SecureCookies, cfg.PublicURL = tc.secure, tc.public })
			link, _ := e.startOAuth2From("192.0.2.1:4711", connID)
			// The link is under the public URL; serve it here all the same.
			u, _ := url.Parse(link)
			r := e.newBrowser().get("http://gateway.test"+u.RequestURI(), tc.headers...)
			if r.status != http.StatusFound {
				t.Fatalf("opening the link: %d %s", r.status, r.body)
			}
			cookies := (&http.Response{Header: r.header}).Cookies()
			if len(cookies) != 1 {
				t.Fatalf("cookies %v", cookies)
			}
			c := cookies[0]
			if c.Name != "junction_oauth2" || !c.HttpOnly || c.SameSite != http.SameSiteLaxMode || c.Path != "/api/v1/oauth2" ||
				c.MaxAge < 1 || c.MaxAge > 600 || len(c.Value) != 43 {
				t.Errorf("cookie %+v", c)
			}
			if c.Secure != tc.want {
				t.Errorf("Secure = %v, want %v", c.Secure, tc.want)
			}
			if got := r.header.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q", got)
			}
		})
	}
}
