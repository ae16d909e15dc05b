package gateway_test

import (
	"net/http"
	"strings"
	"testing"
)

// TestAuthentication: only a valid key of the path's account gets in; a key
// of another account cannot tell the account exists.
func TestAuthentication(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		name         string
		path, key    string
		header       string // Authorization, when not Bearer key
		status, code int
		wwwAuth      string
		fieldPath    string
	}{
		{name: "no key", path: base + "/definitions", status: 401, code: 1200, wwwAuth: `Bearer realm="junction"`},
		{name: "not a bearer key", path: base + "/definitions", header: "Basic YWNtZTpzZWNyZXQ=", status: 401, code: 1200, wwwAuth: `Bearer realm="junction"`},
		{name: "wrong key", path: base + "/definitions", key: "jk_not_a_key", status: 401, code: 1200, wwwAuth: `Bearer realm="junction", error="invalid_token"`},
		{name: "revoked key", path: base + "/definitions", key: e.revoked, status: 401, code: 1200, wwwAuth: `Bearer realm="junction", error="invalid_token"`},
		{name: "another account's key", path: base + "/definitions", key: e.foreign, status: 404, code: 1300},
		{name: "another account's key on its keys", path: base + "/keys", key: e.foreign, status: 404, code: 1300},
		{name: "impossible account id", path: "/api/v1/accounts/-acme/definitions", key: e.admin, status: 400, code: 1000, fieldPath: "accountId"},
		{name: "own key", path: base + "/definitions", key: e.reader, status: 200},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var resp response
			if tc.header != "" {
				resp = e.call(http.MethodGet, tc.path, "", nil, "Authorization", tc.header)
			} else {
				resp = e.call(http.MethodGet, tc.path, tc.key, nil)
			}
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tc.status, resp.body)
			}
			if got := resp.header.Get("WWW-Authenticate"); got != tc.wwwAuth {
				t.Errorf("WWW-Authenticate = %q, want %q", got, tc.wwwAuth)
			}
			if tc.status < 300 {
				return
			}
			body := resp.apiError(t)
			if body.Code != tc.code {
				t.Errorf("code %d, want %d", body.Code, tc.code)
			}
			if tc.fieldPath != "" && strings.Join(body.paths(), ",") != tc.fieldPath {
				t.Errorf("field paths %v, want %s", body.paths(), tc.fieldPath)
			}
			if tc.status == 404 && strings.Contains(string(resp.body), acme) {
				t.Errorf("a foreign key's 404 names the account: %s", resp.body)
			}
		})
	}
}

// TestScopes: read reads; runs also raises events and controls runs;
// admin also changes definitions, sub-accounts and keys. Each request
// either passes the scope check (any status but 403) or is refused with 403.
func TestScopes(t *testing.T) {
	e := newEnv(t)
	defRuns := base + "/definitions/3f0c8a52-55c1-4d3e-9d0e-4c2a7b1d9e10/workflows"
	for _, tc := range []struct {
		name         string
		method, path string
		body         string
		allowed      map[string]bool // by key name
	}{
		{"list definitions", "GET", base + "/definitions", "", map[string]bool{"read": true, "runs": true, "admin": true}},
		{"create a definition", "POST", base + "/definitions", "{", map[string]bool{"admin": true}},
		{"raise an event", "POST", base + "/triggers/http_request", "[", map[string]bool{"runs": true, "admin": true}},
		{"run an action", "POST", base + "/actions/http.call", "[", map[string]bool{"runs": true, "admin": true}},
		{"read an action's run", "GET", base + "/actions/http.call/runs/bad%20id", "", map[string]bool{"read": true, "runs": true, "admin": true}},
		{"start a test run", "POST", defRuns + "?version=0", "{}", map[string]bool{"runs": true, "admin": true}},
		{"control a run", "PATCH", defRuns + "/order-1", `{"status":"pause"}`, map[string]bool{"runs": true, "admin": true}},
		{"list keys", "GET", base + "/keys", "", map[string]bool{"admin": true}},
		{"create a sub-account", "POST", base + "/subaccounts", `{"id":"-"}`, map[string]bool{"admin": true}},
	} {
		for _, k := range []struct{ name, key string }{{"read", e.reader}, {"runs", e.runner}, {"admin", e.admin}} {
			t.Run(tc.name+" with "+k.name, func(t *testing.T) {
				var body any
				if tc.body != "" {
					body = tc.body
				}
				resp := e.call(tc.method, tc.path, k.key, body)
				if tc.allowed[k.name] {
					if resp.status == 403 || resp.status >= 500 {
						t.Fatalf("%d, want the scope check passed: %s", resp.status, resp.body)
					}
					return
				}
				if resp.status != 403 {
					t.Fatalf("%d, want 403: %s", resp.status, resp.body)
				}
				if body := resp.apiError(t); body.Code != 1201 || !strings.Contains(body.Message, "this request needs") {
					t.Errorf("body %+v", body)
				}
			})
		}
	}
}
