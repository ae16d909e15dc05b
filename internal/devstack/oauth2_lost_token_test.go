package devstack_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors/auth/authtest"
	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/runs"
)

// TestOAuth2LostRefreshNeedsAuthorization: a refresh the provider answered
// but whose new tokens never reached Vault (a worker killed in between),
// with a provider that rotates refresh tokens. The next refresh meets
// invalid_grant once; the connection is then marked as needing
// authorization, and later runs fail at once with an error a person can
// act on, sending the provider nothing. Authorizing again heals it.
func TestOAuth2LostRefreshNeedsAuthorization(t *testing.T) {
	provider := &authtest.OAuth2Provider{ClientID: "lost-client", ClientSecret: "cs-lost-5e2b", RotateRefreshTokens: true,
		Next: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			w.Write([]byte(`{"ok":true}`))
		})}
	srv := httptest.NewServer(provider)
	t.Cleanup(srv.Close) // after the stack stops (cleanups run last first), so no pooled connection holds it open
	s, logs := startConnectionsStack(t, nil)
	defer func() {
		if t.Failed() {
			t.Log(logs.String())
		}
	}()
	base := s.GatewayURL + "/api/v1/accounts/acme"
	created := call(t, http.MethodPost, base+"/connections", []byte(`{"app":"http","authKind":"oauth2_authorization_code",
	  "fields":{"auth_url":"`+srv.URL+`/authorize","token_url":"`+srv.URL+`/token","client_id":"lost-client","client_secret":"cs-lost-5e2b"},"properties":{"check_url":"`+srv.URL+`/items"}}`), nil)
	if created.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", created.Status, created.Body)
	}
	var conn struct{ ID string }
	created.decode(t, &conn)
	authorizeOAuth2(t, s, "acme", conn.ID)

	// The lost refresh: the provider rotates the stored refresh token, and
	// its answer goes nowhere.
	ctx := context.Background()
	e, err := s.Vault.ReadFresh(ctx, credentials.TokenPath("", "acme", conn.ID))
	if err != nil {
		t.Fatal(err)
	}
	form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {string(e.Data["refresh_token"])}}
	req, _ := http.NewRequest(http.MethodPost, srv.URL+"/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("lost-client", "cs-lost-5e2b")
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != http.StatusOK {
		t.Fatalf("the lost refresh: %v %v", resp, err)
	}
	resp.Body.Close()
	expireToken(t, s, "acme", conn.ID)
	provider.RevokeAccessTokens()

	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Read","steps":[
	  {"id":"read","stepType":"http.call","connection":"`+conn.ID+`","inputs":{"method":"GET","url":"`+srv.URL+`/items"},
	   "outputs":{"status":"{{step.status}}"}}]}}`))
	runOnce := func() error {
		t.Helper()
		res := trigger(t, s, "acme", `{}`, nil)
		ctx, cancel := context.WithTimeout(ctx, time.Minute)
		defer cancel()
		return s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil)
	}
	before := provider.Stats()
	for i := range 3 {
		err := runOnce()
		var appErr *temporal.ApplicationError
		unauthorized := false
		for e := err; e != nil; e = errors.Unwrap(e) {
			if errors.As(e, &appErr) && appErr.Type() == runs.ErrTypeUnauthorized {
				unauthorized = true
			}
		}
		if !unauthorized || !strings.Contains(err.Error(), "needs authorization") || !strings.Contains(err.Error(), "/oauth2/authorize") {
			t.Fatalf("run %d ended with %v; want Unauthorized saying the connection needs authorization", i, err)
		}
	}
	if st := provider.Stats(); st.InvalidGrant-before.InvalidGrant != 1 || st.Refreshes-before.Refreshes != 0 {
		t.Errorf("the provider saw %d invalid_grant and %d refreshes over three runs; want 1 and 0",
			st.InvalidGrant-before.InvalidGrant, st.Refreshes-before.Refreshes)
	}
	if r := call(t, http.MethodPost, base+"/connections/"+conn.ID+"/test", nil, nil); !strings.Contains(string(r.Body), "needs authorization") {
		t.Errorf("the connection test: %d %s", r.Status, r.Body)
	}

	authorizeOAuth2(t, s, "acme", conn.ID)
	if err := runOnce(); err != nil {
		t.Fatalf("after authorizing again: %v", err)
	}
}
