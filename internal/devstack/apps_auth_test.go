package devstack_test

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/auth/authtest"
	"github.com/junction-run/junction/internal/devstack"
)

// A stored declarative app whose connections log in (session) or get
// tokens (OAuth 2.0 client credentials), end to end: connections are made
// through the API (secrets, a secret property among them, go to Vault),
// the app's connection test passes for each, and a definition's step runs
// the app's action with each; the fakes accept only the right
// credentials and the secret property, and no secret is in the runs'
// histories.
func TestDeclarativeAppSessionAndOAuth2(t *testing.T) {
	const (
		password     = "pw-session-4c1d"
		clientSecret = "cs-app-cc-8f2a"
		pin          = "pin-secret-91e0"
	)
	// The API behind both fakes' auth also wants the secret property.
	api := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("X-Pin") != pin {
			w.WriteHeader(http.StatusForbidden)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"who": "` + r.URL.Path + `"}`))
	})
	session := httptest.NewServer(&authtest.SessionServer{Username: "sam", Password: password, Next: api})
	t.Cleanup(session.Close)
	provider := httptest.NewServer(&authtest.OAuth2Provider{ClientID: "app-client", ClientSecret: clientSecret, Next: api})
	t.Cleanup(provider.Close)

	s := startTestStack(t, devstack.Config{})
	requireVault(t, s)
	base := s.GatewayURL + "/api/v1/accounts/acme"
	doc := `{"key": "vault_app", "name": "Vault app", "description": "Logs in or gets tokens.", "version": "1.0.0", "status": "stable",
	  "baseUrl": "{{connection.base_url}}",
	  "properties": [{"name": "base_url", "type": "url", "required": true, "description": "Where the API is."},
	                 {"name": "pin", "type": "string", "secret": true, "required": true, "description": "The account's API pin."}],
	  "auth": [
	    {"kind": "session", "login": {"url": "` + session.URL + `/login",
	      "body": {"format": "json", "value": {"username": "{{username}}", "password": "{{password}}"}}, "tokenPointer": "/data/token"}},
	    {"kind": "oauth2_client_credentials", "oauth2": {"tokenUrl": "` + provider.URL + `/token", "scopes": ["read"]}}],
	  "test": {"request": {"method": "GET", "path": "/v1/me", "headers": {"X-Pin": "{{connection.pin}}"}}},
	  "defaults": {"timeout": "20s", "retry": {"maximumAttempts": 3}},
	  "actions": [{"id": "whoami", "name": "Who am I", "kind": "search", "description": "Reads the account.",
	    "input": {"type": "object"}, "sampleInput": {},
	    "request": {"method": "GET", "path": "/v1/whoami", "headers": {"X-Pin": "{{connection.pin}}"}},
	    "response": {"outputs": {"who": "$.who"}}}]}`
	if r := call(t, http.MethodPost, base+"/apps", []byte(doc), nil); r.Status != http.StatusCreated {
		t.Fatalf("store the app: %d %s", r.Status, r.Body)
	}
	conns := map[string]string{
		"session": createConnection(t, base, `{"app": "vault_app", "authKind": "session",
		  "fields": {"username": "sam", "password": "`+password+`", "pin": "`+pin+`"}, "properties": {"base_url": "`+session.URL+`"}}`),
		"oauth2_client_credentials": createConnection(t, base, `{"app": "vault_app", "authKind": "oauth2_client_credentials",
		  "fields": {"client_id": "app-client", "client_secret": "`+clientSecret+`", "pin": "`+pin+`"}, "properties": {"base_url": "`+provider.URL+`"}}`),
	}
	for kind, id := range conns {
		r := call(t, http.MethodGet, base+"/connections/"+id, nil, nil)
		if r.Status != http.StatusOK || strings.Contains(string(r.Body), pin) || strings.Contains(string(r.Body), password) || strings.Contains(string(r.Body), clientSecret) {
			t.Errorf("%s: reading the connection: %d %s", kind, r.Status, r.Body)
		}
		test := call(t, http.MethodPost, base+"/connections/"+id+"/test", nil, nil)
		var res struct {
			OK    bool
			Error string
		}
		test.decode(t, &res)
		if test.Status != http.StatusOK || !res.OK {
			t.Errorf("%s: the connection test: %d %s", kind, test.Status, test.Body)
		}
	}

	steps := `{"id": "s", "stepType": "vault_app.whoami", "connection": "` + conns["session"] + `", "inputs": {}, "nextStepId": "o",
	  "outputs": {"sessionWho": "{{step.who}}"}},
	  {"id": "o", "stepType": "vault_app.whoami", "connection": "` + conns["oauth2_client_credentials"] + `", "inputs": {},
	  "outputs": {"oauthWho": "{{step.who}}"}}`
	createDefinition(t, s, "acme", []byte(`{"trigger": "http_request", "status": "enabled",
	  "definition": {"name": "who", "steps": [`+steps+`]}}`))
	res := trigger(t, s, "acme", `{}`, nil)
	// The app's defaults are written into the saved steps.
	var saved []struct {
		Definition struct {
			Steps []struct {
				Timeout string
				Retry   struct{ MaximumAttempts int }
			}
		}
	}
	getJSON(t, base+"/definitions/"+res.Runs[0].DefinitionID, &saved)
	if len(saved) != 1 || len(saved[0].Definition.Steps) != 2 || saved[0].Definition.Steps[0].Timeout != "20s" || saved[0].Definition.Steps[1].Retry.MaximumAttempts != 3 {
		t.Errorf("the saved steps %+v, want the app's timeout and retry", saved)
	}
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	if data["sessionWho"] != "/v1/whoami" || data["oauthWho"] != "/v1/whoami" {
		t.Errorf("the run's data %v", data)
	}
	h := wireHistory(t, s, res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
	for name, secret := range map[string]string{"password": password, "client secret": clientSecret, "secret property": pin} {
		if strings.Contains(h, secret) {
			t.Errorf("the run's history holds the %s", name)
		}
	}
}
