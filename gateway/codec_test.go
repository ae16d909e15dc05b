package gateway_test

import (
	"bytes"
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/payloadcodec"
	"github.com/junction-run/junction/store"
)

// withCodec turns payload encryption on, with acme's admin keys as the
// operators'.
func withCodec(t *testing.T) func(*gateway.Config) {
	keyring, err := payloadcodec.NewKeyring(payloadcodec.Key{ID: "k1", Secret: bytes.Repeat([]byte{7}, payloadcodec.KeySize)})
	if err != nil {
		t.Fatal(err)
	}
	return func(cfg *gateway.Config) {
		cfg.Codec = gateway.CodecConfig{Codec: payloadcodec.New(keyring), Accounts: []string{acme}}
	}
}

// signIn signs in to the codec endpoint with key and returns the cookie.
func (e *env) signIn(key string) *http.Cookie {
	e.t.Helper()
	r := e.call(http.MethodPost, "/api/v1/codec/session", "", url.Values{"apiKey": {key}}.Encode(),
		"Content-Type", "application/x-www-form-urlencoded")
	if r.status != http.StatusOK {
		e.t.Fatalf("signing in: %d %s", r.status, r.body)
	}
	cookies := (&http.Response{Header: r.header}).Cookies()
	if len(cookies) != 1 {
		e.t.Fatalf("cookies %v", cookies)
	}
	return cookies[0]
}

// decode calls the codec endpoint with the session cookie.
func (e *env) decode(cookie *http.Cookie) response {
	e.t.Helper()
	return e.call(http.MethodPost, "/api/v1/codec/decode", "", `{"payloads":[]}`, "Cookie", cookie.String(), "X-Namespace", "default")
}

// TestCodecSession: the cookie is an opaque session id, not the key; it
// works until the key is revoked, and then at once no more.
func TestCodecSession(t *testing.T) {
	e := newEnv(t, withCodec(t))
	ctx := context.Background()
	_, operator, err := e.store.CreateAPIKey(ctx, acme, "operator", []string{store.ScopeAdmin})
	if err != nil {
		t.Fatal(err)
	}
	cookie := e.signIn(operator)
	if cookie.Name != "junction_codec" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/api/v1/codec" ||
		cookie.MaxAge != 12*3600 || cookie.Secure {
		t.Errorf("cookie %+v", cookie)
	}
	if cookie.Value == operator || strings.Contains(operator, cookie.Value) || strings.Contains(cookie.Value, operator[len("jk_xxxxxxxx_"):]) || len(cookie.Value) != 43 {
		t.Fatalf("the cookie %q is (part of) the API key", cookie.Value)
	}
	if r := e.decode(cookie); r.status != http.StatusOK {
		t.Fatalf("decoding with the session: %d %s", r.status, r.body)
	}
	second := e.signIn(operator)
	if second.Value == cookie.Value {
		t.Error("two sign-ins got the same session id")
	}

	for _, tc := range []struct {
		name   string
		cookie *http.Cookie
	}{
		{"the API key itself as the cookie", &http.Cookie{Name: "junction_codec", Value: operator}},
		{"a made-up session", &http.Cookie{Name: "junction_codec", Value: strings.Repeat("A", 43)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if r := e.decode(tc.cookie); r.status != http.StatusUnauthorized {
				t.Errorf("%d %s, want 401", r.status, r.body)
			}
		})
	}

	key, err := e.store.AuthenticateAPIKey(ctx, operator)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.RevokeAPIKey(ctx, acme, key.ID); err != nil {
		t.Fatal(err)
	}
	for _, c := range []*http.Cookie{cookie, second} {
		if r := e.decode(c); r.status != http.StatusUnauthorized {
			t.Errorf("a session of a revoked key: %d %s, want 401", r.status, r.body)
		}
	}
}

// TestCodecSignIn: who may sign in, and the cookie's Secure flag.
func TestCodecSignIn(t *testing.T) {
	e := newEnv(t, withCodec(t))
	for _, tc := range []struct {
		name   string
		key    string
		status int
	}{
		{"an operator's admin key", "admin", http.StatusOK},
		{"a read key of the operators' account", "reader", http.StatusForbidden},
		{"a tenant's admin key", "foreign", http.StatusForbidden},
		{"a revoked key", "revoked", http.StatusUnauthorized},
		{"not a key", "jk_nope", http.StatusUnauthorized},
	} {
		t.Run(tc.name, func(t *testing.T) {
			key := map[string]string{"admin": e.admin, "reader": e.reader, "foreign": e.foreign, "revoked": e.revoked}[tc.key]
			if key == "" {
				key = tc.key
			}
			r := e.call(http.MethodPost, "/api/v1/codec/session", key, nil)
			if tc.status == http.StatusOK {
				tc.status = http.StatusNoContent // with the header, not the form
			}
			if r.status != tc.status {
				t.Fatalf("%d %s, want %d", r.status, r.body, tc.status)
			}
			if tc.status >= 300 && r.header.Get("Set-Cookie") != "" {
				t.Errorf("a refused sign-in set a cookie: %s", r.header.Get("Set-Cookie"))
			}
		})
	}

	for _, tc := range []struct {
		name   string
		secure gateway.SecureCookies
		public string
		peer   string
		header []string
		want   bool
	}{
		{name: "auto, plain HTTP", peer: "192.0.2.1:1"},
		{name: "auto, an https public URL", public: "https://junction.example.com", peer: "192.0.2.1:1", want: true},
		{name: "auto, a trusted proxy's X-Forwarded-Proto", peer: "10.0.0.2:1", header: []string{"X-Forwarded-Proto", "https"}, want: true},
		{name: "auto, anyone else's X-Forwarded-Proto", peer: "192.0.2.1:1", header: []string{"X-Forwarded-Proto", "https"}},
		{name: "always", secure: gateway.SecureCookiesAlways, peer: "192.0.2.1:1", want: true},
		{name: "never", secure: gateway.SecureCookiesNever, public: "https://junction.example.com", peer: "192.0.2.1:1"},
	} {
		t.Run("Secure: "+tc.name, func(t *testing.T) {
			proxies, _ := gateway.ParseTrustedProxies("10.0.0.0/8")
			e := newEnv(t, withCodec(t), func(cfg *gateway.Config) {
				cfg.SecureCookies, cfg.PublicURL, cfg.TrustedProxies = tc.secure, tc.public, proxies
			})
			r := e.callFrom(tc.peer, http.MethodPost, "/api/v1/codec/session", e.admin, nil, tc.header...)
			cookies := (&http.Response{Header: r.header}).Cookies()
			if r.status != http.StatusNoContent || len(cookies) != 1 {
				t.Fatalf("%d %v", r.status, r.header)
			}
			if cookies[0].Secure != tc.want {
				t.Errorf("Secure = %v, want %v", cookies[0].Secure, tc.want)
			}
		})
	}
}

func TestParseSecureCookies(t *testing.T) {
	for in, want := range map[string]gateway.SecureCookies{"": gateway.SecureCookiesAuto, "auto": gateway.SecureCookiesAuto,
		"true": gateway.SecureCookiesAlways, "false": gateway.SecureCookiesNever} {
		if got, err := gateway.ParseSecureCookies(in); err != nil || got != want {
			t.Errorf("ParseSecureCookies(%q) = %v, %v; want %v", in, got, err, want)
		}
	}
	if _, err := gateway.ParseSecureCookies("yes"); err == nil {
		t.Error(`"yes": no error`)
	}
}
