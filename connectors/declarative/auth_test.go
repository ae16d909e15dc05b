package declarative_test

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/auth/authtest"
	"github.com/junction-run/junction/connectors/connectortest"
	"github.com/junction-run/junction/connectors/declarative"
)

// authApp is an app with one auth entry, one search action (GET
// /v1/items) and a connection test (GET /v1/me), on hosts the tests
// redirect to a fake.
func authApp(t *testing.T, authEntry string) connectors.Connector {
	t.Helper()
	doc := `{"key": "authapp", "name": "Auth app", "description": "An app per auth kind.", "version": "1.0.0", "status": "stable",
	  "baseUrl": "https://api.fake.example",
	  "properties": [{"name": "region", "type": "string", "description": "The account's region.", "default": "eu"}],
	  "env": [{"name": "FAKE_CLIENT_ID", "description": "The OAuth client id."},
	          {"name": "FAKE_CLIENT_SECRET", "description": "The OAuth client secret.", "secret": true}],
	  "auth": [` + authEntry + `],
	  "test": {"request": {"method": "GET", "path": "/v1/me"}},
	  "actions": [{"id": "list_items", "name": "List items", "kind": "search", "description": "Lists items.",
	    "input": {"type": "object"}, "sampleInput": {},
	    "request": {"method": "GET", "path": "/v1/items", "query": {"region": "{{connection.region}}"}},
	    "response": {"outputs": {"items": "$.items", "region": "$.region"}}}]}`
	app, err := declarative.Parse([]byte(doc))
	if err != nil {
		t.Fatal(err)
	}
	c, err := app.Connector()
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// itemsAPI is the fake API behind each fake's auth: it answers what it saw.
var itemsAPI = http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "application/json")
	_ = json.NewEncoder(w).Encode(map[string]any{"items": []string{"a", "b"}, "region": r.URL.Query().Get("region"), "path": r.URL.Path})
})

const (
	fakeUser     = "ada"
	fakePassword = "p&ss=w0rd {x}"
	fakeToken    = "tok-3f9a"
	fakeKey      = "key-77c1"
	fakeClientID = "client-1"
	fakeSecret   = "client-secret-9d2e"
)

// credentials builds what package activities builds for a connection of
// the app's auth kind (a connectors.Connection and its secrets), from the
// auth spec the app declares; client reaches the fake.
type credentials func(ctx context.Context, t *testing.T, a connectors.AuthSpec, conn connectors.Connection, client *http.Client) auth.Credentials

func secret(conn connectors.Connection, name string) auth.Secret {
	v, _ := conn.Secrets.Secret(name)
	return auth.Secret(v)
}

func oauth2Config(t *testing.T, a connectors.AuthSpec, conn connectors.Connection, client *http.Client) auth.OAuth2Config {
	t.Helper()
	env := connectors.EnvVars{"FAKE_CLIENT_ID": fakeClientID, "FAKE_CLIENT_SECRET": conn.Fields["env_secret"]}
	cfg, err := connectors.OAuth2Config(a, conn.Fields, conn.Properties, env)
	if err != nil {
		t.Fatal(err)
	}
	if cfg.ClientSecret == "" {
		cfg.ClientSecret = secret(conn, connectors.FieldClientSecret)
	}
	cfg.HTTPClient = client
	return cfg
}

// TestEachAuthKind runs an app of each auth kind against a fake that
// checks that kind's credentials (package authtest's), through the
// credentials package connectors/auth builds from the app's auth spec:
// the action and the connection test succeed with the right credentials,
// and the test fails as unauthorized, without quoting them, with wrong
// ones.
func TestEachAuthKind(t *testing.T) {
	redirect := "https://junction.example/api/v1/oauth2/callback"
	cases := []struct {
		name  string
		auth  string
		fake  http.Handler
		conn  func(wrong bool) connectors.Connection
		creds credentials
	}{
		{name: "none", auth: `{"kind": "none"}`, fake: itemsAPI,
			conn: func(bool) connectors.Connection { return connectors.Connection{AuthKind: connectors.AuthNone} },
			creds: func(context.Context, *testing.T, connectors.AuthSpec, connectors.Connection, *http.Client) auth.Credentials {
				return auth.None()
			}},
		{name: "basic", auth: `{"kind": "basic"}`, fake: authtest.RequireBasic(fakeUser, fakePassword, itemsAPI),
			conn: func(wrong bool) connectors.Connection {
				return connectors.Connection{AuthKind: connectors.AuthBasic, Fields: map[string]string{"username": fakeUser},
					Secrets: connectors.SecretValues{"password": pick(wrong, fakePassword)}}
			},
			creds: func(_ context.Context, _ *testing.T, _ connectors.AuthSpec, c connectors.Connection, _ *http.Client) auth.Credentials {
				return auth.Basic(auth.Secret(c.Fields["username"]), secret(c, "password"))
			}},
		{name: "bearer", auth: `{"kind": "bearer"}`, fake: authtest.RequireBearer(fakeToken, itemsAPI),
			conn: func(wrong bool) connectors.Connection {
				return connectors.Connection{AuthKind: connectors.AuthBearer, Secrets: connectors.SecretValues{"token": pick(wrong, fakeToken)}}
			},
			creds: func(_ context.Context, _ *testing.T, _ connectors.AuthSpec, c connectors.Connection, _ *http.Client) auth.Credentials {
				return auth.Bearer(secret(c, "token"))
			}},
		{name: "api_key", auth: `{"kind": "api_key", "in": "header", "name": "X-Fake-Key", "prefix": "Key "}`,
			fake: authtest.RequireAPIKey("header", "X-Fake-Key", "Key "+fakeKey, itemsAPI),
			conn: func(wrong bool) connectors.Connection {
				return connectors.Connection{AuthKind: connectors.AuthAPIKey, Secrets: connectors.SecretValues{"key": pick(wrong, fakeKey)}}
			},
			creds: func(_ context.Context, _ *testing.T, a connectors.AuthSpec, c connectors.Connection, _ *http.Client) auth.Credentials {
				return auth.APIKey(a.APIKey.In, a.APIKey.Name, auth.Secret(a.APIKey.Prefix)+secret(c, "key"))
			}},
		{name: "digest", auth: `{"kind": "digest"}`, fake: &authtest.DigestServer{Username: fakeUser, Password: fakePassword, Next: itemsAPI},
			conn: func(wrong bool) connectors.Connection {
				return connectors.Connection{AuthKind: connectors.AuthDigest, Fields: map[string]string{"username": fakeUser},
					Secrets: connectors.SecretValues{"password": pick(wrong, fakePassword)}}
			},
			creds: func(_ context.Context, _ *testing.T, _ connectors.AuthSpec, c connectors.Connection, _ *http.Client) auth.Credentials {
				return auth.Digest(auth.Secret(c.Fields["username"]), secret(c, "password"))
			}},
		{name: "session", auth: `{"kind": "session", "login": {"url": "https://api.fake.example/login",
		    "body": {"format": "form", "value": {"username": "{{username}}", "password": "{{password}}"}},
		    "tokenPointer": "/data/token"}}`,
			fake: &authtest.SessionServer{Username: fakeUser, Password: fakePassword, Next: itemsAPI},
			conn: func(wrong bool) connectors.Connection {
				return connectors.Connection{AuthKind: connectors.AuthSession, Fields: map[string]string{"username": fakeUser},
					Secrets: connectors.SecretValues{"password": pick(wrong, fakePassword)}}
			},
			creds: func(_ context.Context, t *testing.T, a connectors.AuthSpec, c connectors.Connection, _ *http.Client) auth.Credentials {
				cfg, err := connectors.SessionConfig(a, c.Fields, c.Properties, auth.Secret(c.Fields["username"]), secret(c, "password"))
				if err != nil {
					t.Fatal(err)
				}
				return auth.Session(cfg)
			}},
		{name: "oauth2_client_credentials", auth: `{"kind": "oauth2_client_credentials",
		    "oauth2": {"tokenUrl": "https://auth.fake.example/token", "scopes": ["items.read"], "clientAuth": "client_secret_post"}}`,
			fake: &authtest.OAuth2Provider{ClientID: fakeClientID, ClientSecret: fakeSecret, Next: itemsAPI},
			conn: func(wrong bool) connectors.Connection {
				return connectors.Connection{AuthKind: connectors.AuthOAuth2ClientCredentials, Fields: map[string]string{"client_id": fakeClientID},
					Secrets: connectors.SecretValues{"client_secret": pick(wrong, fakeSecret)}}
			},
			creds: func(_ context.Context, t *testing.T, a connectors.AuthSpec, c connectors.Connection, client *http.Client) auth.Credentials {
				return auth.OAuth2(oauth2Config(t, a, c, client))
			}},
		{name: "oauth2_authorization_code", auth: `{"kind": "oauth2_authorization_code",
		    "oauth2": {"authUrl": "https://auth.fake.example/authorize", "tokenUrl": "https://auth.fake.example/token",
		               "scopes": ["items.read"], "pkce": true, "clientIdEnv": "FAKE_CLIENT_ID", "clientSecretEnv": "FAKE_CLIENT_SECRET"}}`,
			fake: &authtest.OAuth2Provider{ClientID: fakeClientID, ClientSecret: fakeSecret, RedirectURL: redirect, Next: itemsAPI},
			conn: func(wrong bool) connectors.Connection {
				// The client is the app version's (env); the test carries
				// the secret's value in a field only to reach oauth2Config.
				return connectors.Connection{AuthKind: connectors.AuthOAuth2AuthorizationCode,
					Fields: map[string]string{"env_secret": string(pick(wrong, fakeSecret))}}
			},
			creds: func(ctx context.Context, t *testing.T, a connectors.AuthSpec, c connectors.Connection, client *http.Client) auth.Credentials {
				cfg := oauth2Config(t, a, c, client)
				cfg.RedirectURL = redirect
				// The consent: the provider approves at once and
				// redirects back with a code, which is exchanged.
				verifier, challenge := auth.NewPKCE()
				consent, err := url.Parse(auth.AuthCodeURL(cfg, "state-1", challenge))
				if err != nil || consent.Host != "auth.fake.example" || consent.Query().Get("scope") != "items.read" || consent.Query().Get("code_challenge") == "" {
					t.Fatalf("authorization URL %v (%v)", consent, err)
				}
				noFollow := *client
				noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
				resp, err := noFollow.Get(consent.String())
				if err != nil {
					t.Fatal(err)
				}
				_ = resp.Body.Close()
				back, _ := url.Parse(resp.Header.Get("Location"))
				tok, err := auth.Exchange(ctx, cfg, back.Query().Get("code"), verifier)
				if err != nil {
					// A wrong client secret is refused here, at the
					// exchange: no token, so every call is unauthorized.
					return auth.Bearer("no-token")
				}
				cfg.Token = tok
				return auth.OAuth2(cfg)
			}},
	}
	if len(cases) != len(declarative.AuthKinds) {
		t.Fatalf("%d cases for %d auth kinds", len(cases), len(declarative.AuthKinds))
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			fake := httptest.NewServer(tc.fake)
			t.Cleanup(fake.Close)
			c := authApp(t, tc.auth)
			spec := c.Spec().Auth[0]
			if string(spec.Kind) != tc.name {
				t.Fatalf("the app's auth kind is %s", spec.Kind)
			}
			base, _ := url.Parse(fake.URL)
			client := &http.Client{Transport: connectortest.Redirect(base, http.DefaultTransport)}
			for _, wrong := range []bool{false, true} {
				if wrong && tc.name == "none" {
					continue
				}
				conn := tc.conn(wrong)
				creds := tc.creds(t.Context(), t, spec, conn, client)
				call := connectors.Call{Connection: conn, HTTP: &http.Client{Transport: creds.Transport(client.Transport)}}
				checkErr := c.(connectors.Checker).Check(t.Context(), call)
				call.Input = json.RawMessage(`{}`)
				out, runErr := connectortest.Action(t, c, "list_items").Run(t.Context(), call)
				if !wrong {
					if checkErr != nil || runErr != nil {
						t.Fatalf("right credentials: check %v, action %v", checkErr, runErr)
					}
					got, _ := json.Marshal(out)
					if string(got) != `{"items":["a","b"],"region":"eu"}` {
						t.Errorf("output %s", got)
					}
					continue
				}
				for what, err := range map[string]error{"check": checkErr, "action": runErr} {
					if k, _ := connectors.KindOf(err); k != connectors.Unauthorized {
						t.Errorf("wrong credentials: %s: %v, want unauthorized", what, err)
					}
					if err != nil && (strings.Contains(err.Error(), "wrong-") || strings.Contains(err.Error(), fakePassword)) {
						t.Errorf("%s's error quotes a secret: %v", what, err)
					}
				}
			}
		})
	}
}

// pick is the right secret, or a wrong one.
func pick(wrong bool, right string) string {
	if wrong {
		return "wrong-" + right
	}
	return right
}
