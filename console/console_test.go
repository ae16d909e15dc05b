package console_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"testing"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/store"
)

// site is a gateway over a real SQLite store, serving the console, and a
// browser's cookie jar in front of it. No Temporal: these pages need none.
type site struct {
	t       *testing.T
	handler http.Handler
	cookies map[string]*http.Cookie
	// admin and reader are API keys of the account acme.
	admin, reader string
	// store is the gateway's, for what a test sets up behind the API.
	store *store.Store
}

// newSite makes the site; options change the gateway's configuration (a
// Temporal client, for pages that need one: withTemporal).
func newSite(t *testing.T, options ...func(*gateway.Config)) *site {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	if _, err := st.CreateAccount(ctx, store.Account{ID: "acme", Name: "Acme"}); err != nil {
		t.Fatal(err)
	}
	s := &site{t: t, cookies: map[string]*http.Cookie{}, store: st}
	for _, k := range []struct {
		scope string
		into  *string
	}{{store.ScopeAdmin, &s.admin}, {store.ScopeRead, &s.reader}} {
		if _, *k.into, err = st.CreateAPIKey(ctx, "acme", k.scope+" key", []string{k.scope}); err != nil {
			t.Fatal(err)
		}
	}
	cfg := gateway.Config{Store: st, Namespace: "default"}
	for _, option := range options {
		option(&cfg)
	}
	s.handler = gateway.New(cfg).Handler()
	return s
}

// do sends a browser's request: the jar's cookies, a same-origin fetch.
func (s *site) do(method, path string, form url.Values, headers ...string) *http.Response {
	s.t.Helper()
	var req *http.Request
	if form != nil {
		req = httptest.NewRequest(method, "http://junction.test"+path, strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	} else {
		req = httptest.NewRequest(method, "http://junction.test"+path, nil)
	}
	req.Header.Set("Sec-Fetch-Site", "same-origin")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	for _, c := range s.cookies {
		req.AddCookie(c)
	}
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	res := rec.Result()
	for _, c := range res.Cookies() {
		if c.MaxAge < 0 {
			delete(s.cookies, c.Name)
		} else {
			s.cookies[c.Name] = c
		}
	}
	return res
}

func TestSignInAndOut(t *testing.T) {
	s := newSite(t)
	res := s.do(http.MethodGet, "/console/definitions", nil)
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/login?next=%2Fconsole%2Fdefinitions" {
		t.Fatalf("a page without a session: %d to %q, want the sign-in page", res.StatusCode, res.Header.Get("Location"))
	}

	res = s.do(http.MethodPost, "/console/login", url.Values{"apiKey": {"jk_wrong"}, "next": {"/console/definitions"}})
	if page := readAll(t, res); res.StatusCode != http.StatusUnauthorized || !strings.Contains(page, "Invalid or revoked API key.") {
		t.Fatalf("a wrong key: %d\n%s", res.StatusCode, page)
	}
	if len(s.cookies) != 0 {
		t.Fatalf("a wrong key set cookies: %v", s.cookies)
	}

	res = s.do(http.MethodPost, "/console/login", url.Values{"apiKey": {s.admin}, "next": {"https://evil.example/"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != "/console/definitions" || s.cookies["junction_console"] == nil {
		t.Fatalf("signing in: %d to %q, cookies %v", res.StatusCode, res.Header.Get("Location"), s.cookies)
	}
	res = s.do(http.MethodGet, "/console/definitions", nil)
	page := readAll(t, res)
	if res.StatusCode != http.StatusOK || !strings.Contains(page, "acme") || !strings.Contains(page, "Sign out") {
		t.Fatalf("definitions after signing in: %d\n%s", res.StatusCode, page)
	}
	if strings.Contains(page, s.admin) || strings.Contains(page, s.admin[len("jk_xxxxxxxx_"):]) {
		t.Fatal("a page shows the API key")
	}

	res = s.do(http.MethodPost, "/console/logout", url.Values{})
	if res.StatusCode != http.StatusSeeOther || s.cookies["junction_console"] != nil {
		t.Fatalf("signing out: %d, cookies %v", res.StatusCode, s.cookies)
	}
}

// A form posted from another site is refused before anything is done.
func TestCrossSitePostsAreRefused(t *testing.T) {
	s := newSite(t)
	for _, tc := range []struct {
		name    string
		headers []string
	}{
		{"Sec-Fetch-Site cross-site", []string{"Sec-Fetch-Site", "cross-site"}},
		{"Sec-Fetch-Site same-site", []string{"Sec-Fetch-Site", "same-site"}},
		{"an Origin of another host", []string{"Sec-Fetch-Site", "", "Origin", "https://evil.example"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := s.do(http.MethodPost, "/console/login", url.Values{"apiKey": {s.admin}}, tc.headers...)
			if res.StatusCode != http.StatusForbidden || len(res.Cookies()) != 0 {
				t.Errorf("%d, cookies %v: want 403 and no session", res.StatusCode, res.Cookies())
			}
		})
	}
}

func readAll(t *testing.T, res *http.Response) string {
	t.Helper()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	return string(b)
}

// signIn signs the browser in with key.
func (s *site) signIn(key string) {
	s.t.Helper()
	if res := s.do(http.MethodPost, "/console/login", url.Values{"apiKey": {key}}); res.StatusCode != http.StatusSeeOther {
		s.t.Fatalf("signing in: %d", res.StatusCode)
	}
}

// apiRaw sends an API request as a client of the API would, with key as
// the bearer token and body as it is, and answers the status and body.
func (s *site) apiRaw(key, method, path string, body []byte) (int, []byte) {
	s.t.Helper()
	req := httptest.NewRequest(method, "http://junction.test"+path, bytes.NewReader(body))
	req.Header.Set("Authorization", "Bearer "+key)
	req.Header.Set("Content-Type", "application/json")
	rec := httptest.NewRecorder()
	s.handler.ServeHTTP(rec, req)
	return rec.Code, rec.Body.Bytes()
}

// apiAnswer is apiRaw with body encoded as JSON (nil: no body), decoding a
// 2xx answer into out (when not nil).
func (s *site) apiAnswer(key, method, path string, body, out any) int {
	s.t.Helper()
	var b []byte
	if body != nil {
		var err error
		if b, err = json.Marshal(body); err != nil {
			s.t.Fatal(err)
		}
	}
	status, answer := s.apiRaw(key, method, path, b)
	if out != nil && status >= 200 && status < 300 {
		if err := json.Unmarshal(answer, out); err != nil {
			s.t.Fatalf("%s %s: %v\n%s", method, path, err, answer)
		}
	}
	return status
}

// api is apiAnswer for a call that must succeed.
func (s *site) api(key, method, path string, body, out any) {
	s.t.Helper()
	if status := s.apiAnswer(key, method, path, body, out); status < 200 || status > 299 {
		s.t.Fatalf("%s %s: %d", method, path, status)
	}
}
