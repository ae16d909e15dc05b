package devstack_test

import (
	"io"
	"net/http"
	"strings"
	"testing"

	"github.com/junction-run/junction/internal/devstack"
)

// TestConsoleSession signs a browser in to the console on the dev stack:
// the session answers who it is, the account's API and the console's pages
// take its cookie, a change by cookie needs the console's header, and
// signing out ends it.
func TestConsoleSession(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	session := s.GatewayURL + "/api/v1/console/session"
	if r := call(t, http.MethodPost, session, []byte(`{"apiKey":"jk_nope"}`), nil); r.Status != http.StatusUnauthorized {
		t.Errorf("signing in with a wrong key: %d %s", r.Status, r.Body)
	}
	cookie, answer := consoleSignIn(t, s, s.DevAPIKey)
	if !cookie.HttpOnly || cookie.SameSite != http.SameSiteStrictMode || strings.Contains(string(answer.Body), s.DevAPIKey) {
		t.Fatalf("signing in: %+v %s", cookie, answer.Body)
	}
	// No Authorization header: the cookie alone.
	browser := map[string]string{"Cookie": cookie.Name + "=" + cookie.Value, "Authorization": ""}
	if r := call(t, http.MethodGet, session, nil, browser); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"accountId":"dev"`) {
		t.Errorf("who am I: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/dev/definitions", nil, browser); r.Status != http.StatusOK {
		t.Errorf("the account's API by cookie: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/dev/definitions", orderDefinition("http://127.0.0.1:9", "disabled"), browser); r.Status != http.StatusForbidden {
		t.Errorf("a change by cookie without X-Junction-Console: %d %s", r.Status, r.Body)
	}
	if page := consoleGet(t, s, cookie, "/console/definitions"); page.Status != http.StatusOK || page.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("the console's definitions page: %d %v", page.Status, page.Header)
	}
	if r := call(t, http.MethodDelete, session, nil, browser); r.Status != http.StatusNoContent {
		t.Errorf("signing out: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodGet, session, nil, browser); r.Status != http.StatusUnauthorized {
		t.Errorf("who am I after signing out: %d %s", r.Status, r.Body)
	}
}

// consoleSignIn signs in to the console with key and returns the session
// cookie and the answer.
func consoleSignIn(t *testing.T, s *devstack.Stack, key string) (*http.Cookie, apiResponse) {
	t.Helper()
	r := call(t, http.MethodPost, s.GatewayURL+"/api/v1/console/session", []byte(`{"apiKey":"`+key+`"}`), map[string]string{"Authorization": ""})
	for _, c := range (&http.Response{Header: r.Header}).Cookies() {
		if c.Name == "junction_console" && r.Status == http.StatusOK {
			return c, r
		}
	}
	t.Fatalf("signing in to the console: %d %s", r.Status, r.Body)
	return nil, r
}

// consoleGet gets a console page as the session's browser.
func consoleGet(t *testing.T, s *devstack.Stack, cookie *http.Cookie, path string) apiResponse {
	t.Helper()
	req, err := http.NewRequest(http.MethodGet, s.GatewayURL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	req.AddCookie(cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return apiResponse{resp.StatusCode, resp.Header, body}
}

// consolePages signs a browser in to the console with the account's test
// key and returns every page of paths (each under /console) as HTML, one
// after the other, failing on any answer but 200: what a person could
// read there, for the hygiene tests to search.
func consolePages(t *testing.T, s *devstack.Stack, account string, paths ...string) string {
	t.Helper()
	cookie, _ := consoleSignIn(t, s, keyFor(s.GatewayURL+"/api/v1/accounts/"+account))
	var out strings.Builder
	for _, path := range paths {
		page := consoleGet(t, s, cookie, path)
		if page.Status != http.StatusOK {
			t.Fatalf("console page %s: %d\n%s", path, page.Status, page.Body)
		}
		out.WriteString(path + "\n")
		out.Write(page.Body)
	}
	return out.String()
}
