package devstack_test

import (
	"bytes"
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
)

// TestConnectionSecretsStayInVault creates a bearer connection whose token
// goes to Vault, runs a connector step that uses it against a server that
// requires it, and then searches everything the test produced (the run's
// history, every log line, every API answer) for the token: zero hits.
func TestConnectionSecretsStayInVault(t *testing.T) {
	s, _, logs := startMessagingStack(t)
	requireVault(t, s)
	const token = "tok_live_9fQ2mZx81LwPv7Rk"
	var mu sync.Mutex
	var authorized int
	api := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer "+token {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		mu.Lock()
		authorized++
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		w.Write([]byte(`{"ok":true}`))
	}))
	defer api.Close()

	var answers bytes.Buffer
	keep := func(r apiResponse) apiResponse { answers.Write(r.Body); return r }
	base := s.GatewayURL + "/api/v1/accounts/acme"

	// Bad input first: an unknown field, a missing secret.
	if r := keep(call(t, http.MethodPost, base+"/connections", []byte(`{"app":"http","authKind":"bearer","fields":{"tokn":"x"}}`), nil)); r.Status != 400 ||
		!strings.Contains(string(r.Body), "fields.token") || !strings.Contains(string(r.Body), "fields.tokn") {
		t.Fatalf("bad connection: %d %s", r.Status, r.Body)
	}
	created := keep(call(t, http.MethodPost, base+"/connections",
		[]byte(`{"app":"http","name":"Partner API","authKind":"bearer","fields":{"token":"`+token+`"}}`), nil))
	if created.Status != http.StatusCreated {
		t.Fatalf("create connection: %d %s", created.Status, created.Body)
	}
	var conn struct {
		ID     string
		Fields map[string]any
	}
	created.decode(t, &conn)
	if set, _ := conn.Fields["token"].(map[string]any); set["set"] != true {
		t.Fatalf("the token field reads %v, want {set: true}", conn.Fields["token"])
	}
	keep(call(t, http.MethodGet, base+"/connections", nil, nil))
	keep(call(t, http.MethodGet, base+"/connections/"+conn.ID, nil, nil))

	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Notify the partner","steps":[
	  {"id":"notify","stepType":"http.call","connection":"`+conn.ID+`",
	   "inputs":{"method":"POST","url":"`+api.URL+`/events","body":{"order":"{{data.order}}"}},
	   "outputs":{"status":"{{step.status}}"}}]}}`))
	res := trigger(t, s, "acme", `{"order":"1001"}`, nil)
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	if data["status"] != float64(200) {
		t.Fatalf("the step's answer: %v", data)
	}
	mu.Lock()
	if authorized != 1 {
		t.Errorf("the API saw %d authorized calls, want 1", authorized)
	}
	mu.Unlock()
	keep(call(t, http.MethodGet, base+"/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"?includeLogs=true", nil, nil))

	// Zero hits, anywhere.
	history := wireHistory(t, s, res.Runs[0].TemporalWorkflowID, "")
	assertNowhere(t, token, "the token", map[string]string{"history": history, "logs": logs.String(), "API answers": answers.String()})
	if !strings.Contains(history, conn.ID) {
		t.Error("the history does not even name the connection; the search proves nothing")
	}

	// Deleting the connection deletes its secret.
	if r := call(t, http.MethodDelete, base+"/connections/"+conn.ID, nil, nil); r.Status != http.StatusNoContent {
		t.Fatalf("delete: %d %s", r.Status, r.Body)
	}
	if _, err := s.Vault.Read(context.Background(), "junction/accounts/acme/connections/"+conn.ID); err == nil {
		t.Error("the secret is still in Vault after the connection was deleted")
	}
}
