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
	signIn := call(t, http.MethodPost, session, []byte(`{"apiKey":"`+s.DevAPIKey+`"}`), nil)
	cookie := ""
	for _, c := range (&http.Response{Header: signIn.Header}).Cookies() {
		if c.Name == "junction_console" && c.HttpOnly && c.SameSite == http.SameSiteStrictMode {
			cookie = c.Name + "=" + c.Value
		}
	}
	if signIn.Status != http.StatusOK || cookie == "" || strings.Contains(string(signIn.Body), s.DevAPIKey) {
		t.Fatalf("signing in: %d %s %v", signIn.Status, signIn.Body, signIn.Header)
	}
	// No Authorization header: the cookie alone.
	browser := map[string]string{"Cookie": cookie, "Authorization": ""}
	if r := call(t, http.MethodGet, session, nil, browser); r.Status != http.StatusOK || !strings.Contains(string(r.Body), `"accountId":"dev"`) {
		t.Errorf("who am I: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/dev/definitions", nil, browser); r.Status != http.StatusOK {
		t.Errorf("the account's API by cookie: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/dev/definitions", orderDefinition("http://127.0.0.1:9", "disabled"), browser); r.Status != http.StatusForbidden {
		t.Errorf("a change by cookie without X-Junction-Console: %d %s", r.Status, r.Body)
	}

	req, err := http.NewRequest(http.MethodGet, s.GatewayURL+"/console/definitions", nil)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Cookie", cookie)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Security-Policy") == "" {
		t.Errorf("the console's definitions page: %d %v", resp.StatusCode, resp.Header)
	}

	if r := call(t, http.MethodDelete, session, nil, browser); r.Status != http.StatusNoContent {
		t.Errorf("signing out: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodGet, session, nil, browser); r.Status != http.StatusUnauthorized {
		t.Errorf("who am I after signing out: %d %s", r.Status, r.Body)
	}
}

// consolePages signs a browser in to the console with the account's test
// key and returns every page of paths (each under /console) as HTML, one
// after the other, failing on any answer but 200: what a person could
// read there, for the hygiene tests to search.
func consolePages(t *testing.T, s *devstack.Stack, account string, paths ...string) string {
	t.Helper()
	key := keyFor(s.GatewayURL + "/api/v1/accounts/" + account)
	signIn := call(t, http.MethodPost, s.GatewayURL+"/api/v1/console/session", []byte(`{"apiKey":"`+key+`"}`), map[string]string{"Authorization": ""})
	var cookie string
	for _, c := range (&http.Response{Header: signIn.Header}).Cookies() {
		if c.Name == "junction_console" {
			cookie = c.Name + "=" + c.Value
		}
	}
	if signIn.Status != http.StatusOK || cookie == "" {
		t.Fatalf("signing in to the console as %s: %d %s", account, signIn.Status, signIn.Body)
	}
	var out strings.Builder
	for _, path := range paths {
		req, err := http.NewRequest(http.MethodGet, s.GatewayURL+path, nil)
		if err != nil {
			t.Fatal(err)
		}
		req.Header.Set("Cookie", cookie)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		body, err := io.ReadAll(resp.Body)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK {
			t.Fatalf("console page %s: %d %v\n%s", path, resp.StatusCode, err, body)
		}
		out.WriteString(path + "\n")
		out.Write(body)
	}
	return out.String()
}
