package activities

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/credentials"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
	"github.com/junction-run/junction/vaultx"
	"github.com/junction-run/junction/vaultx/vaulttest"
)

// TestVaultEnv reads an app version's variables from a real store and a real Vault, fills an
// HttpRequest step's references with them, and checks the errors name no value.
func TestVaultEnv(t *testing.T) {
	addr, token := vaulttest.Start(t)
	e := newResolverEnv(t, addr, token)
	ctx := context.Background()
	const secret = "sk_live_5mQ9fPz2"
	e.secrets = append(e.secrets, secret)
	if err := e.store.SetEnvVars(ctx, "acme", "http", "1.0.0", []store.EnvVar{
		{AccountID: "acme", App: "http", AppVersion: "1.0.0", Name: "REGION", Value: "eu"},
		{AccountID: "acme", App: "http", AppVersion: "1.0.0", Name: "API_TOKEN", Secret: true},
	}); err != nil {
		t.Fatal(err)
	}
	resolver := &VaultEnv{Store: e.store, Secrets: credentials.New(e.vault, "")}

	// The store says API_TOKEN is set, but Vault does not hold it yet.
	_, err := resolver.Env(ctx, "acme", "http", "1.0.0")
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != runs.ErrTypeInvalidEnv || !appErr.NonRetryable() || !strings.Contains(err.Error(), "API_TOKEN") {
		t.Fatalf("a secret missing from Vault: %v", err)
	}
	e.texts = append(e.texts, err.Error())

	if _, err := e.vault.Write(ctx, credentials.EnvPath("", "acme", "http", "1.0.0"), map[string]any{"API_TOKEN": vaultx.Secret(secret)}, vaultx.CreateOnly); err != nil {
		t.Fatal(err)
	}
	vars, err := resolver.Env(ctx, "acme", "http", "1.0.0")
	if err != nil {
		t.Fatal(err)
	}
	if vars.Get("REGION") != "eu" || vars.Get("API_TOKEN") != secret || len(vars) != 2 {
		t.Fatalf("Env = %d variables, REGION %q", len(vars), vars.Get("REGION"))
	}
	if other, err := resolver.Env(ctx, "globex", "http", "1.0.0"); err != nil || len(other) != 0 {
		t.Fatalf("another account sees %d variables (%v)", len(other), err)
	}

	var got http.Header
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		got = r.Header.Clone()
		got.Set("X-Path", r.URL.Path)
	}))
	defer api.Close()
	rendered, slots, err := definition.RenderKeepingEnv(map[string]any{
		"url":     api.URL + "/{{env.REGION}}/orders",
		"headers": map[string]any{"Authorization": "Bearer {{env.API_TOKEN}}"},
	}, definition.Env{})
	if err != nil {
		t.Fatal(err)
	}
	r := rendered.(map[string]any)
	acts := New(nil)
	acts.Env = resolver
	req := runs.HTTPRequest{StepID: "s", AccountID: "acme", Method: "GET", URL: r["url"].(string),
		Headers: map[string]string{"Authorization": r["headers"].(map[string]any)["Authorization"].(string)}, Env: slots}
	resp, err := acts.HTTPRequest(ctx, req)
	if err != nil || resp.ResponseCode != 200 {
		t.Fatalf("HTTPRequest: %v %+v", err, resp)
	}
	if got.Get("Authorization") != "Bearer "+secret || got.Get("X-Path") != "/eu/orders" {
		t.Errorf("the API saw an Authorization of %d bytes on %s", len(got.Get("Authorization")), got.Get("X-Path"))
	}

	// Another account has no such variables: the step fails, naming the variable only.
	req.AccountID = "globex"
	_, err = acts.HTTPRequest(ctx, req)
	if !errors.As(err, &appErr) || appErr.NonRetryable() != true || !strings.Contains(err.Error(), "is not set") {
		t.Errorf("globex's step: %v", err)
	}
	e.texts = append(e.texts, err.Error())
}
