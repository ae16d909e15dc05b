package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/auth"
	"github.com/junction-run/junction/connectors/auth/authtest"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

// resolverEnv is a real Vault and a real SQLite store with the accounts "acme" and "globex".
type resolverEnv struct {
	store    *store.Store
	vault    *vaultx.Client
	resolver *VaultConnections
	// secrets are every secret value the test stored, which no error or printout may contain.
	secrets []string
	// texts are every error message and printed value the test saw, scanned at the end.
	texts []string
}

func newResolverEnv(t *testing.T, vaultAddr, vaultToken string) *resolverEnv {
	t.Helper()
	ctx := context.Background()
	st, err := store.Open(ctx, "sqlite:"+filepath.Join(t.TempDir(), "junction.db"))
	if err != nil {
		t.Fatalf("store.Open: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	for _, id := range []string{"acme", "globex"} {
		if _, err := st.CreateAccount(ctx, store.Account{ID: id, Name: id}); err != nil {
			t.Fatalf("CreateAccount: %v", err)
		}
	}
	vc, err := vaultx.New(ctx, vaultx.Config{
		Address: vaultAddr, Token: vaultx.Secret(vaultToken),
		CacheTTL: -1, Timeout: 3 * time.Second,
	})
	if err != nil {
		t.Fatalf("vaultx.New: %v", err)
	}
	t.Cleanup(func() { _ = vc.Close() })
	env := &resolverEnv{store: st, vault: vc, resolver: &VaultConnections{Store: st, Secrets: credentials.New(vc, ""), Registry: catalog.New()}}
	t.Cleanup(func() { env.checkNoLeaks(t) })
	return env
}

// connect stores a connection and, unless secrets is nil, writes them to Vault at SecretPath, as
// the connections API does.
func (e *resolverEnv) connect(t *testing.T, c store.Connection, secrets map[string]string) store.Connection {
	t.Helper()
	ctx := context.Background()
	for name, value := range secrets {
		c.SecretFields = append(c.SecretFields, name)
		e.secrets = append(e.secrets, value)
	}
	c, err := e.store.CreateConnection(ctx, c)
	if err != nil {
		t.Fatalf("CreateConnection: %v", err)
	}
	if secrets != nil {
		data := map[string]any{}
		for name, value := range secrets {
			data[name] = vaultx.Secret(value)
		}
		if _, err := e.vault.Write(ctx, credentials.ConnectionPath("", c.AccountID, c.ID), data, vaultx.CreateOnly); err != nil {
			t.Fatalf("writing the connection's secrets: %v", err)
		}
	}
	return c
}

// see records what a test produced for checkNoLeaks.
func (e *resolverEnv) see(texts ...string) { e.texts = append(e.texts, texts...) }

func (e *resolverEnv) checkNoLeaks(t *testing.T) {
	t.Helper()
	if len(e.texts) == 0 {
		t.Error("the test recorded nothing to scan for secrets")
	}
	for _, text := range e.texts {
		for _, s := range e.secrets {
			if strings.Contains(text, s) {
				t.Errorf("a secret value leaked into %q", text)
			}
		}
	}
}

func TestVaultConnectionsResolve(t *testing.T) {
	addr, token := vaulttest.Start(t)
	env := newResolverEnv(t, addr, token)
	ctx := context.Background()

	tests := []struct {
		name    string
		conn    store.Connection
		secrets map[string]string
		// server accepts only the connection's credentials.
		server http.Handler
	}{
		{
			name:    "basic",
			conn:    store.Connection{AuthKind: "basic", Fields: map[string]string{"username": "ann"}},
			secrets: map[string]string{"password": "pw-basic-5c1e9a"},
			server:  authtest.RequireBasic("ann", "pw-basic-5c1e9a", nil),
		},
		{
			name:    "bearer",
			conn:    store.Connection{AuthKind: "bearer"},
			secrets: map[string]string{"token": "tok-bearer-77d0b3"},
			server:  authtest.RequireBearer("tok-bearer-77d0b3", nil),
		},
		{
			name:    "api_key with the defaults",
			conn:    store.Connection{AuthKind: "api_key"},
			secrets: map[string]string{"key": "key-header-0f4a2d"},
			server:  authtest.RequireAPIKey("header", "X-API-Key", "key-header-0f4a2d", nil),
		},
		{
			name:    "api_key in the query",
			conn:    store.Connection{AuthKind: "api_key", Fields: map[string]string{"in": "query", "name": "apikey"}},
			secrets: map[string]string{"key": "key-query-93be61"},
			server:  authtest.RequireAPIKey("query", "apikey", "key-query-93be61", nil),
		},
		{
			name:    "api_key in a header after a prefix",
			conn:    store.Connection{AuthKind: "api_key", Fields: map[string]string{"in": "header", "name": "Authorization", "prefix": "Token "}},
			secrets: map[string]string{"key": "key-prefixed-4be07c"},
			server:  authtest.RequireAPIKey("header", "Authorization", "Token key-prefixed-4be07c", nil),
		},
		{
			name:    "digest",
			conn:    store.Connection{AuthKind: "digest", Fields: map[string]string{"username": "bob"}},
			secrets: map[string]string{"password": "pw-digest-2a8c4f"},
			server:  &authtest.DigestServer{Username: "bob", Password: "pw-digest-2a8c4f"},
		},
		{
			name:   "none",
			conn:   store.Connection{AuthKind: "none", Properties: map[string]string{"region": "eu"}},
			server: authtest.OK,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv := httptest.NewServer(tt.server)
			defer srv.Close()
			tt.conn.AccountID, tt.conn.App, tt.conn.Name = "acme", "http", tt.name
			stored := env.connect(t, tt.conn, tt.secrets)

			conn, creds, err := env.resolver.Resolve(ctx, "acme", stored.ID)
			if err != nil {
				t.Fatalf("Resolve: %v", err)
			}
			if conn.ID != stored.ID || string(conn.AuthKind) != stored.AuthKind ||
				fmt.Sprint(conn.Fields) != fmt.Sprint(stored.Fields) || fmt.Sprint(conn.Properties) != fmt.Sprint(stored.Properties) {
				t.Errorf("Resolve = %+v, want the stored settings %+v", conn, stored)
			}
			for name, want := range tt.secrets {
				if got, ok := conn.Secrets.Secret(name); !ok || got != want {
					t.Errorf("Secrets.Secret(%q) is not the value in Vault", name)
				}
			}
			j, _ := json.Marshal(conn)
			env.see(fmt.Sprintf("%v %+v %#v", conn, conn, conn), string(j), fmt.Sprintf("%v %+v", creds, creds))

			resp, err := (&http.Client{Transport: creds.Transport(nil)}).Get(srv.URL + "/things")
			if err != nil {
				env.see(err.Error())
				t.Fatalf("GET with the credentials: %v", err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusOK {
				t.Errorf("GET with the credentials: %s, want 200", resp.Status)
			}
			if tt.secrets != nil {
				// The server really checks: without credentials it refuses.
				resp, err := http.Get(srv.URL + "/things")
				if err != nil {
					t.Fatalf("GET without credentials: %v", err)
				}
				resp.Body.Close()
				if resp.StatusCode != http.StatusUnauthorized {
					t.Errorf("GET without credentials: %s, want 401", resp.Status)
				}
			}
		})
	}
}

func TestVaultConnectionsResolveErrors(t *testing.T) {
	addr, token := vaulttest.Start(t)
	env := newResolverEnv(t, addr, token)
	ctx := context.Background()

	acmeBearer := env.connect(t, store.Connection{AccountID: "acme", App: "slack", AuthKind: "bearer"},
		map[string]string{"token": "tok-acme-6e3f1b"})
	globexBearer := env.connect(t, store.Connection{AccountID: "globex", App: "slack", AuthKind: "bearer"},
		map[string]string{"token": "tok-globex-a1c9d2"})
	// Stored with its secret field listed, but the secret never reached Vault.
	missing := env.connect(t, store.Connection{AccountID: "acme", App: "slack", AuthKind: "bearer", SecretFields: []string{"token"}}, nil)
	noPassword := env.connect(t, store.Connection{AccountID: "acme", App: "jira", AuthKind: "digest", Fields: map[string]string{"username": "ann"}},
		map[string]string{"other": "other-secret-4b7e"})
	noUser := env.connect(t, store.Connection{AccountID: "acme", App: "jira", AuthKind: "basic"},
		map[string]string{"password": "pw-nouser-c3d8e0"})
	badIn := env.connect(t, store.Connection{AccountID: "acme", App: "x", AuthKind: "api_key", Fields: map[string]string{"in": "body"}},
		map[string]string{"key": "key-badin-91f0aa"})
	oauth := env.connect(t, store.Connection{AccountID: "acme", App: "google", AuthKind: "oauth2_authorization_code", Fields: map[string]string{"client_id": "cid"}},
		map[string]string{"client_secret": "cs-oauth-5f2d71", "refresh_token": "rt-oauth-08e4b6"})
	session := env.connect(t, store.Connection{AccountID: "acme", App: "legacy", AuthKind: "session", Fields: map[string]string{"username": "ann"}},
		map[string]string{"password": "pw-session-d45a3c"})
	unknown := env.connect(t, store.Connection{AccountID: "acme", App: "x", AuthKind: "kerberos"},
		map[string]string{"ticket": "tkt-unknown-7a90c2"})

	tests := []struct {
		name      string
		accountID string
		id        string
		wantType  string
	}{
		{"another account's connection", "acme", globexBearer.ID, runs.ErrTypeNotFound},
		{"the other way round", "globex", acmeBearer.ID, runs.ErrTypeNotFound},
		{"an unknown connection", "acme", "0b9c5f0e-8a3d-4c59-9d6e-2f1c7a4b8e10", runs.ErrTypeNotFound},
		{"not a connection ID", "acme", "../../sys/policy", runs.ErrTypeNotFound},
		{"no Vault entry", "acme", missing.ID, runs.ErrTypeInvalidConnection},
		{"digest without a password", "acme", noPassword.ID, runs.ErrTypeInvalidConnection},
		{"basic without a username", "acme", noUser.ID, runs.ErrTypeInvalidConnection},
		{"api_key in the body", "acme", badIn.ID, runs.ErrTypeInvalidConnection},
		{"oauth2 of an app this worker does not know", "acme", oauth.ID, runs.ErrTypeInvalidConnection},
		{"session without a login URL", "acme", session.ID, runs.ErrTypeInvalidConnection},
		{"an unknown kind", "acme", unknown.ID, runs.ErrTypeInvalidConnection},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			conn, creds, err := env.resolver.Resolve(ctx, tt.accountID, tt.id)
			if err == nil {
				t.Fatalf("Resolve = %+v, %v; want an error", conn, creds)
			}
			env.see(err.Error(), fmt.Sprintf("%+v %#v", err, err))
			var appErr *temporal.ApplicationError
			if !errors.As(err, &appErr) {
				t.Fatalf("err = %v (%T), want a *temporal.ApplicationError", err, err)
			}
			if appErr.Type() != tt.wantType || !appErr.NonRetryable() {
				t.Errorf("error type %s, nonRetryable %v; want %s, true (%v)", appErr.Type(), appErr.NonRetryable(), tt.wantType, err)
			}
		})
	}

	// And the owner's connection resolves.
	if _, _, err := env.resolver.Resolve(ctx, "acme", acmeBearer.ID); err != nil {
		t.Errorf("Resolve of acme's own connection: %v", err)
	}
}

func TestVaultConnectionsVaultUnavailable(t *testing.T) {
	srv := vaulttest.StartServer(t)
	env := newResolverEnv(t, srv.Addr, srv.RootToken)
	ctx := context.Background()
	bearer := env.connect(t, store.Connection{AccountID: "acme", App: "slack", AuthKind: "bearer"},
		map[string]string{"token": "tok-down-3e6b90"})
	none := env.connect(t, store.Connection{AccountID: "acme", App: "http", AuthKind: "none"}, nil)

	srv.Stop()
	_, _, err := env.resolver.Resolve(ctx, "acme", bearer.ID)
	if err == nil {
		t.Fatal("Resolve with Vault down succeeded")
	}
	env.see(err.Error(), fmt.Sprintf("%+v", err))
	if !errors.Is(err, vaultx.ErrUnavailable) {
		t.Errorf("err = %v, want one wrapping vaultx.ErrUnavailable", err)
	}
	if appErr, ok := errors.AsType[*temporal.ApplicationError](err); ok && appErr.NonRetryable() {
		t.Errorf("err = %v is not retryable, want it retried", err)
	}

	// A connection without secrets does not need Vault.
	conn, creds, err := env.resolver.Resolve(ctx, "acme", none.ID)
	if err != nil {
		t.Fatalf("Resolve of an auth-none connection with Vault down: %v", err)
	}
	if conn.AuthKind != connectors.AuthNone || fmt.Sprint(creds) != fmt.Sprint(auth.None()) {
		t.Errorf("Resolve = %+v, %v; want auth none", conn, creds)
	}
}
