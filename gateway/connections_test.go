package gateway_test

import (
	"errors"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/junction-run/junction/credentials"
)

// TestConnections: secret fields go to Vault, first, and answers only say
// they are set; every problem of a request is named by its path.
func TestConnections(t *testing.T) {
	vault := newMemVault()
	e := newEnv(t, withVault(vault))
	create := `{"app":"http","name":"shop","authKind":"basic","fields":{"username":"ada","password":"s3cret"}}`

	resp := e.call(http.MethodPost, base+"/connections", e.admin, create)
	var conn struct {
		ID      string
		Fields  map[string]any
		Version int
	}
	resp.decode(t, &conn)
	if resp.status != http.StatusCreated || resp.header.Get("Location") != base+"/connections/"+conn.ID ||
		conn.Fields["username"] != "ada" || conn.Fields["password"].(map[string]any)["set"] != true {
		t.Fatalf("%d %v %s", resp.status, resp.header, resp.body)
	}
	if strings.Contains(string(resp.body), "s3cret") {
		t.Errorf("the answer has the secret: %s", resp.body)
	}
	path := credentials.ConnectionPath(credentials.DefaultPrefix, acme, conn.ID)
	if got := vault.keys(path); !slices.Equal(got, []string{"password"}) {
		t.Errorf("Vault holds %v at %s, want [password]", got, path)
	}

	for _, tc := range []struct {
		name, method, path, body string
		status                   int
		paths                    []string
	}{
		{"unknown app", "POST", base + "/connections", `{"app":"nope","authKind":"basic"}`, 400, []string{"app"}},
		{"unknown auth kind", "POST", base + "/connections", `{"app":"http","authKind":"kerberos"}`, 400, []string{"authKind"}},
		{"missing and unknown fields", "POST", base + "/connections", `{"app":"http","authKind":"basic","fields":{"user":"ada"}}`, 400,
			[]string{"fields.password", "fields.user", "fields.username"}},
		{"the app cannot change", "PUT", base + "/connections/" + conn.ID, `{"app":"slack"}`, 400, []string{"app"}},
		{"a field of the wrong type", "PUT", base + "/connections/" + conn.ID, `{"fields":{"username":"ada","password":{"set":false}}}`, 400,
			[]string{"fields.password"}},
		{"a stale version", "PUT", base + "/connections/" + conn.ID, `{"name":"x","version":7}`, 409, []string{"version"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.call(tc.method, tc.path, e.admin, tc.body)
			if resp.status != tc.status {
				t.Fatalf("%d %s", resp.status, resp.body)
			}
			if got := resp.apiError(t); !slices.Equal(got.paths(), tc.paths) {
				t.Errorf("paths %q, want %q", got.paths(), tc.paths)
			}
		})
	}

	t.Run("an update keeps the secret it is sent back as set", func(t *testing.T) {
		resp := e.call(http.MethodPut, base+"/connections/"+conn.ID, e.admin, `{"name":"shop 2","fields":{"username":"bob","password":{"set":true}},"version":1}`)
		if resp.status != 200 || !strings.Contains(string(resp.body), `"username":"bob"`) || !strings.Contains(string(resp.body), `"version":2`) {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		if got := vault.keys(path); !slices.Equal(got, []string{"password"}) {
			t.Errorf("Vault holds %v", got)
		}
	})

	t.Run("Vault down: nothing is stored", func(t *testing.T) {
		vault.fail = errors.New("vault: 503 sealed at 10.9.9.9")
		defer func() { vault.fail = nil }()
		resp := e.call(http.MethodPost, base+"/connections", e.admin, create)
		body := resp.apiError(t)
		if resp.status != 503 || body.Message != "Could not store the connection's secrets; nothing was lost, retry the request." {
			t.Errorf("%d %s", resp.status, resp.body)
		}
		var list []any
		e.call(http.MethodGet, base+"/connections", e.reader, nil).decode(t, &list)
		if len(list) != 1 {
			t.Errorf("%d connections after a failed create, want 1", len(list))
		}
	})

	t.Run("delete takes the secrets", func(t *testing.T) {
		if resp := e.call(http.MethodDelete, base+"/connections/"+conn.ID, e.admin, nil); resp.status != 204 {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		if got := vault.keys(path); len(got) != 0 {
			t.Errorf("Vault still holds %v", got)
		}
	})
}

// TestNoVault: what needs secrets says so; the rest works.
func TestNoVault(t *testing.T) {
	e := newEnv(t)
	resp := e.call(http.MethodPost, base+"/connections", e.admin, `{"app":"http","authKind":"basic","fields":{"username":"ada","password":"x"}}`)
	if body := resp.apiError(t); resp.status != 503 || body.Message != "Could not store the connection: secrets need Vault, and this gateway has none configured." {
		t.Errorf("create a connection: %d %s", resp.status, resp.body)
	}
	resp = e.call(http.MethodPut, base+"/apps/http/versions/1.0.0/env", e.admin, `{"variables":{"REGION":{"value":"eu"},"TOKEN":{"value":"t","secret":true}}}`)
	if body := resp.apiError(t); resp.status != 503 || !strings.Contains(body.Message, "secrets need Vault") {
		t.Errorf("set a secret variable: %d %s", resp.status, resp.body)
	}
	resp = e.call(http.MethodPut, base+"/apps/http/versions/1.0.0/env", e.admin, `{"variables":{"REGION":{"value":"eu"}}}`)
	if resp.status != 200 || !strings.Contains(string(resp.body), `"REGION":"eu"`) {
		t.Errorf("set a plain variable: %d %s", resp.status, resp.body)
	}
	if resp := e.call(http.MethodDelete, base+"/apps/http/versions/1.0.0/env/REGION", e.admin, nil); resp.status != 204 {
		t.Errorf("delete it: %d %s", resp.status, resp.body)
	}
	if resp := e.call(http.MethodDelete, base+"/apps/http/versions/1.0.0/env/REGION", e.admin, nil); resp.status != 404 {
		t.Errorf("delete it again: %d %s", resp.status, resp.body)
	}
}
