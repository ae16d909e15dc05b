package gateway_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// consoleSignIn signs in to the console with key (JSON) and returns the
// session cookie.
func (e *env) consoleSignIn(key string) *http.Cookie {
	e.t.Helper()
	r := e.call(http.MethodPost, "/api/v1/console/session", "", map[string]string{"apiKey": key})
	cookies := (&http.Response{Header: r.header}).Cookies()
	if r.status != http.StatusOK || len(cookies) != 1 {
		e.t.Fatalf("console sign-in: %d %s %v", r.status, r.body, r.header)
	}
	return cookies[0]
}

// TestConsoleSession: the console's cookie is an opaque session that the
// per-account API takes in place of the key, with the key's own account and
// scopes; changes need X-Junction-Console; signing out and revoking the key
// end it.
func TestConsoleSession(t *testing.T) {
	e := newEnv(t)
	cookie := e.consoleSignIn(e.reader)
	if cookie.Name != "junction_console" || !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || cookie.Path != "/" ||
		cookie.MaxAge != 12*3600 || cookie.Secure {
		t.Errorf("cookie %+v", cookie)
	}
	if strings.Contains(e.reader, cookie.Value) || strings.Contains(cookie.Value, e.reader[len("jk_xxxxxxxx_"):]) || len(cookie.Value) != 43 {
		t.Fatalf("the cookie %q is (part of) the API key", cookie.Value)
	}
	withCookie := func(c *http.Cookie, headers ...string) []string {
		return append([]string{"Cookie", c.String()}, headers...)
	}

	r := e.call(http.MethodGet, "/api/v1/console/session", "", nil, withCookie(cookie)...)
	if r.status != http.StatusOK || !strings.Contains(string(r.body), `"accountId":"acme"`) || !strings.Contains(string(r.body), `"scopes":["read"]`) {
		t.Fatalf("who am I: %d %s", r.status, r.body)
	}
	if strings.Contains(string(r.body), e.reader) {
		t.Fatalf("the session answer holds the key: %s", r.body)
	}
	if r := e.call(http.MethodGet, base+"/definitions", "", nil, withCookie(cookie)...); r.status != http.StatusOK {
		t.Errorf("reading with the cookie: %d %s", r.status, r.body)
	}
	// The key's scopes hold: a read key's session cannot save a definition,
	// with the console's header or without.
	doc := `{"trigger":"http_request","definition":{"name":"n","steps":[{"id":"a","stepType":"Wait","inputs":{"duration":"PT1S"}}]}}`
	if r := e.call(http.MethodPost, base+"/definitions", "", doc, withCookie(cookie, "X-Junction-Console", "1")...); r.status != http.StatusForbidden {
		t.Errorf("a read key's session saving a definition: %d %s, want 403", r.status, r.body)
	}
	// Another account's API is as closed to the cookie as to the key.
	if r := e.call(http.MethodGet, "/api/v1/accounts/"+other+"/definitions", "", nil, withCookie(cookie)...); r.status != http.StatusNotFound {
		t.Errorf("another account with the cookie: %d %s, want 404", r.status, r.body)
	}

	admin := e.consoleSignIn(e.admin)
	if r := e.call(http.MethodPost, base+"/definitions", "", doc, withCookie(admin)...); r.status != http.StatusForbidden ||
		!strings.Contains(string(r.body), "X-Junction-Console") {
		t.Errorf("a change by cookie without the console's header: %d %s, want 403 naming the header", r.status, r.body)
	}
	r = e.call(http.MethodDelete, base+"/subscriptions/nope", "", nil, withCookie(admin)...)
	if r.status != http.StatusForbidden {
		t.Errorf("a delete by cookie without the console's header: %d %s, want 403", r.status, r.body)
	}

	// Signing out ends that session, not the other.
	r = e.call(http.MethodDelete, "/api/v1/console/session", "", nil, withCookie(admin, "X-Junction-Console", "1")...)
	if r.status != http.StatusNoContent || !strings.Contains(r.header.Get("Set-Cookie"), "Max-Age=0") {
		t.Fatalf("signing out: %d %v", r.status, r.header)
	}
	if r := e.call(http.MethodGet, base+"/definitions", "", nil, withCookie(admin)...); r.status != http.StatusUnauthorized {
		t.Errorf("a signed-out session: %d %s, want 401", r.status, r.body)
	}
	if r := e.call(http.MethodGet, "/api/v1/console/session", "", nil, withCookie(cookie)...); r.status != http.StatusOK {
		t.Errorf("the other session after a sign-out: %d %s", r.status, r.body)
	}

	// Revoking the key ends its sessions at once.
	key, err := e.store.AuthenticateAPIKey(context.Background(), e.reader)
	if err != nil {
		t.Fatal(err)
	}
	if err := e.store.RevokeAPIKey(context.Background(), acme, key.ID); err != nil {
		t.Fatal(err)
	}
	if r := e.call(http.MethodGet, base+"/definitions", "", nil, withCookie(cookie)...); r.status != http.StatusUnauthorized {
		t.Errorf("a session of a revoked key: %d %s, want 401", r.status, r.body)
	}
}

func TestConsoleSignIn(t *testing.T) {
	e := newEnv(t)
	form := func(key string) string { return url.Values{"apiKey": {key}}.Encode() }
	for _, tc := range []struct {
		name    string
		body    any
		headers []string
		status  int
		want    string
	}{
		{"a key as JSON", map[string]string{"apiKey": e.runner}, nil, http.StatusOK, `"scopes":["runs"]`},
		{"a key from the form", form(e.admin), []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusOK, `"scopes":["admin"]`},
		{"no key", map[string]string{}, nil, http.StatusBadRequest, `"path":"apiKey"`},
		{"an unknown field", map[string]string{"key": e.admin}, nil, http.StatusBadRequest, `key`},
		{"a revoked key", map[string]string{"apiKey": e.revoked}, nil, http.StatusUnauthorized, "Invalid or revoked API key."},
		{"not a key", form("jk_nope"), []string{"Content-Type", "application/x-www-form-urlencoded"}, http.StatusUnauthorized, "Invalid or revoked API key."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			r := e.call(http.MethodPost, "/api/v1/console/session", "", tc.body, tc.headers...)
			if r.status != tc.status || !strings.Contains(string(r.body), tc.want) {
				t.Fatalf("%d %s, want %d with %s", r.status, r.body, tc.status, tc.want)
			}
			if tc.status != http.StatusOK && r.header.Get("Set-Cookie") != "" {
				t.Errorf("a refused sign-in set a cookie: %s", r.header.Get("Set-Cookie"))
			}
		})
	}
	if r := e.call(http.MethodGet, "/api/v1/console/session", "", nil); r.status != http.StatusUnauthorized {
		t.Errorf("who am I without a session: %d %s", r.status, r.body)
	}
}
