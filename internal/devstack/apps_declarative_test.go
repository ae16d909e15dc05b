package devstack_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/connectortest/example"
	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
	"github.com/junction-run/junction/internal/devstack"
)

// Declarative apps through the API on the whole stack: an app document is
// validated, stored as an immutable version, listed and read; at once, with
// no restart, a connection of it is made and a definition's step runs its
// action against the third party (the example connector's fake), through
// the worker's dynamic activity; then it is deleted.
func TestDeclarativeAppsThroughTheAPI(t *testing.T) {
	fake := exampletest.New(t)
	s := startTestStack(t, devstack.Config{ConnectorTransport: hostRouter{"acme.example": mustURL(t, fake.BaseURL())}})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	doc, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	// The example Go connector is registered as "acme" in tests' catalogs
	// elsewhere; this app gets a key of its own.
	doc = bytes.Replace(doc, []byte(`"key": "acme"`), []byte(`"key": "acme_crm"`), 1)
	v1 := doc
	v2 := bytes.Replace(doc, []byte(`"version": "1.0.0"`), []byte(`"version": "1.1.0"`), 1)

	if r := call(t, http.MethodPost, api+"/apps", v1, nil); r.Status != http.StatusCreated {
		t.Fatalf("create: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, api+"/apps", v1, nil); r.Status != http.StatusOK {
		t.Errorf("the same version again: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, api+"/apps", v2, nil); r.Status != http.StatusCreated {
		t.Fatalf("version 1.1.0: %d %s", r.Status, r.Body)
	}
	changed := bytes.Replace(v1, []byte(`"name": "Acme CRM"`), []byte(`"name": "Acme"`), 1)
	if r := call(t, http.MethodPost, api+"/apps", changed, nil); r.Status != http.StatusConflict {
		t.Errorf("version 1.0.0 changed: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodPost, api+"/apps", []byte(`{"key": "Bad Key", "version": "one"}`), nil); r.Status != http.StatusBadRequest {
		t.Errorf("an invalid app: %d %s", r.Status, r.Body)
	}

	var apps []struct{ Key, Version string }
	getJSON(t, api+"/apps", &apps)
	if len(apps) != 1 || apps[0].Key != "acme_crm" || apps[0].Version != "1.1.0" {
		t.Errorf("apps %+v", apps)
	}
	var versions []struct{ Version string }
	getJSON(t, api+"/apps/acme_crm/versions", &versions)
	if len(versions) != 2 || versions[0].Version != "1.1.0" {
		t.Errorf("versions %+v", versions)
	}
	var one struct {
		Key string         `json:"key"`
		App map[string]any `json:"app"`
	}
	getJSON(t, api+"/apps/acme_crm/versions/1.0.0", &one)
	if one.Key != "acme_crm" || one.App["version"] != "1.0.0" {
		t.Errorf("version 1.0.0: %+v", one)
	}
	// A connection of the stored app, and a run of its action.
	const webhookSecret = "acme-webhook-secret-declarative"
	conn := createConnection(t, api, `{"app":"acme_crm","authKind":"api_key","fields":{"key":"`+exampletest.APIKey+`","webhook_secret":"`+webhookSecret+`"},"properties":{"workspace":"northwind"}}`)
	createDefinition(t, s, "acme", []byte(`{"trigger": "http_request", "status": "enabled", "definition": {"name": "new lead", "steps": [
		{"id": "contact", "stepType": "acme_crm.create_contact", "connection": "`+conn+`",
		 "inputs": {"email": "{{data.email}}", "name": "Grace Hopper"}, "outputs": {"contactId": "{{step.id}}"}}]}}`))
	res := trigger(t, s, "acme", `{"email": "grace@example.com"}`, nil)
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	contacts := fake.Contacts("northwind")
	if len(contacts) != 1 || contacts[0].Email != "grace@example.com" || data["contactId"] != contacts[0].ID {
		t.Errorf("the run's contactId %v; the fake's contacts %+v", data["contactId"], contacts)
	}
	// The key stays in Vault: not in the run's history (its wire form).
	if h := wireHistory(t, s, res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID); !strings.Contains(h, "grace@example.com") || strings.Contains(h, exampletest.APIKey) {
		t.Errorf("the run's history: the input is there %v, the API key is there %v", strings.Contains(h, "grace@example.com"), strings.Contains(h, exampletest.APIKey))
	}
	var saved []struct {
		Apps map[string]string `json:"apps"`
	}
	getJSON(t, api+"/definitions/"+res.Runs[0].DefinitionID, &saved)
	if len(saved) != 1 || saved[0].Apps["acme_crm"] != "1.1.0" {
		t.Errorf("the definition pins %+v, want acme_crm's latest stable version, 1.1.0", saved)
	}

	// Its webhook trigger, declared as data: a signed delivery starts a
	// run of the definition listening on the connection; a forged one is
	// refused.
	createDefinition(t, s, "acme", []byte(`{"trigger": "acme_crm.contact_created", "triggerConnection": "`+conn+`", "status": "enabled",
		"definition": {"name": "welcome", "steps": [{"id": "note", "stepType": "SetVariables", "inputs": {"who": "{{data.payload.contact.email}}"}}]}}`))
	event := []byte(`{"event_id": "evt_declarative_1", "type": "contact.created", "created_at": "2026-12-07T03:00:00Z",
		"contact": {"id": "ct_9", "email": "ada@example.com", "lifecycle": "lead", "created_at": "2026-12-07T03:00:00Z"}}`)
	hook := s.GatewayURL + "/hooks/acme/" + conn + "/contact_created"
	forged := call(t, http.MethodPost, hook, event, map[string]string{example.SignatureHeader: exampletest.Sign(event, "not-the-secret")})
	if forged.Status != http.StatusUnauthorized {
		t.Errorf("a forged delivery: %d %s", forged.Status, forged.Body)
	}
	delivered := call(t, http.MethodPost, hook, event, map[string]string{example.SignatureHeader: exampletest.Sign(event, webhookSecret)})
	var got webhookResult
	delivered.decode(t, &got)
	if delivered.Status != http.StatusOK || len(got.Events) != 1 || got.Events[0].EventID != "evt_declarative_1" || len(got.Events[0].Runs) != 1 {
		t.Fatalf("a signed delivery: %d %s", delivered.Status, delivered.Body)
	}
	if who := waitRun(t, s, got.Events[0].Runs[0].TemporalWorkflowID)["who"]; who != "ada@example.com" {
		t.Errorf("the run read %v", who)
	}

	if r := call(t, http.MethodDelete, api+"/apps/acme_crm/versions/1.0.0", nil, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete version: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodDelete, api+"/apps/acme_crm", nil, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete app: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodGet, api+"/apps/acme_crm/versions", nil, nil); r.Status != http.StatusNotFound {
		t.Errorf("after delete: %d %s", r.Status, r.Body)
	}
}
