package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/junction-run/junction/connectors/catalog"
)

// TestSecretEnvVarReachesTheAPIButNoHistory sets a secret environment variable of the generic
// http app, runs an HttpRequest step and an http.call step that send it as {{env.NAME}} to a
// local API, and then searches the run's history, every log line and every API answer for it:
// zero hits. An event field that merely looks like a reference is sent as the text it is.
func TestSecretEnvVarReachesTheAPIButNoHistory(t *testing.T) {
	s, _, logs := startMessagingStack(t)
	requireVault(t, s)
	const secret = "ptok_live_Q7mZ2x9LwPv1"
	type seen struct {
		path, auth string
		body       map[string]any
	}
	var mu sync.Mutex
	var requests []seen
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		raw, _ := io.ReadAll(r.Body)
		var body map[string]any
		_ = json.Unmarshal(raw, &body)
		mu.Lock()
		requests = append(requests, seen{r.URL.Path, r.Header.Get("Authorization"), body})
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"accepted":true}`))
	}))
	defer api.Close()

	var answers bytes.Buffer
	keep := func(r apiResponse) apiResponse { answers.Write(r.Body); return r }
	base := s.GatewayURL + "/api/v1/accounts/acme"
	shopify, err := catalog.New().Lookup("shopify", "")
	if err != nil {
		t.Fatal(err)
	}
	shopifyEnv := base + "/apps/shopify/versions/" + shopify.Spec().Version + "/env"
	httpEnv := base + "/apps/http/versions/1.0.0/env"

	// Bad input: a name the app does not declare, a bad name, an app version that does not exist.
	if r := keep(call(t, http.MethodPut, shopifyEnv, []byte(`{"variables":{"PARTNER_ID":{"value":"x"}}}`), nil)); r.Status != http.StatusBadRequest ||
		!strings.Contains(string(r.Body), "variables.PARTNER_ID") {
		t.Fatalf("an undeclared variable: %d %s", r.Status, r.Body)
	}
	if r := keep(call(t, http.MethodPut, httpEnv, []byte(`{"variables":{"lower":{"value":"x"}}}`), nil)); r.Status != http.StatusBadRequest ||
		!strings.Contains(string(r.Body), "variables.lower") {
		t.Fatalf("a lower-case name: %d %s", r.Status, r.Body)
	}
	if r := keep(call(t, http.MethodGet, base+"/apps/http/versions/9.9.9/env", nil, nil)); r.Status != http.StatusNotFound {
		t.Fatalf("an unknown version: %d %s", r.Status, r.Body)
	}

	set := keep(call(t, http.MethodPut, httpEnv,
		[]byte(`{"variables":{"PARTNER_TOKEN":{"value":"`+secret+`","secret":true},"REGION":{"value":"eu"}}}`), nil))
	if set.Status != http.StatusOK {
		t.Fatalf("set: %d %s", set.Status, set.Body)
	}
	var view struct {
		Variables map[string]any
	}
	set.decode(t, &view)
	if tok, _ := view.Variables["PARTNER_TOKEN"].(map[string]any); tok["set"] != true || view.Variables["REGION"] != "eu" {
		t.Fatalf("the answer shows %v", view.Variables)
	}
	keep(call(t, http.MethodGet, httpEnv, nil, nil))
	keep(call(t, http.MethodGet, shopifyEnv, nil, nil))

	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Tell the partner","steps":[
	  {"id":"notify","stepType":"HttpRequest","nextStepId":"call",
	   "inputs":{"method":"POST","url":"`+api.URL+`/{{env.REGION}}/orders","headers":{"Authorization":"Bearer {{env.PARTNER_TOKEN}}"},
	             "body":{"order":"{{data.order}}","note":"{{data.note}}"}},
	   "outputs":{"notified":"{{step.responseCode}}"}},
	  {"id":"call","stepType":"http.call",
	   "inputs":{"method":"POST","url":"`+api.URL+`/calls","body":{"key":"{{env.PARTNER_TOKEN}}","note":"{{data.note}} ({{env.REGION}})"}},
	   "outputs":{"called":"{{step.status}}"}}]}}`))
	// The note looks like a reference: it must travel as text.
	res := trigger(t, s, "acme", `{"order":"1001","note":"{{env.PARTNER_TOKEN}}"}`, nil)
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	if data["notified"] != float64(200) || data["called"] != float64(200) {
		t.Fatalf("the run's data: %v", data)
	}
	mu.Lock()
	got := append([]seen(nil), requests...)
	mu.Unlock()
	if len(got) != 2 {
		t.Fatalf("the API saw %d requests, want 2", len(got))
	}
	if got[0].path != "/eu/orders" || got[0].auth != "Bearer "+secret || got[0].body["note"] != "{{env.PARTNER_TOKEN}}" {
		t.Errorf("HttpRequest reached %s with the right token: %t, note %v", got[0].path, got[0].auth == "Bearer "+secret, got[0].body["note"])
	}
	if got[1].body["key"] != secret || got[1].body["note"] != "{{env.PARTNER_TOKEN}} (eu)" {
		t.Errorf("http.call sent the token: %t, note %v", got[1].body["key"] == secret, got[1].body["note"])
	}
	keep(call(t, http.MethodGet, base+"/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"?includeLogs=true", nil, nil))

	history := wireHistory(t, s, res.Runs[0].TemporalWorkflowID, "")
	assertNowhere(t, secret, "the secret variable's value", map[string]string{"history": history, "logs": logs.String(), "API answers": answers.String()})
	if !strings.Contains(history, "{{env.PARTNER_TOKEN}}") {
		t.Error("the history does not even show the reference; the search proves nothing")
	}

	// Deleting the variable deletes its value from Vault.
	if r := call(t, http.MethodDelete, httpEnv+"/PARTNER_TOKEN", nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodDelete, httpEnv+"/PARTNER_TOKEN", nil, nil); r.Status != http.StatusNotFound {
		t.Fatalf("delete again: %d %s", r.Status, r.Body)
	}
	if _, err := s.Vault.Read(context.Background(), "junction/accounts/acme/apps/http/versions/1.0.0/env"); err == nil {
		t.Error("the secret variables' entry is still in Vault after its only variable was deleted")
	}
}
