package devstack_test

import (
	"bytes"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors/connectortest/example/exampletest"
	"github.com/junction-run/junction/internal/devstack"
)

// apiProblem is an error answer's code and field problems.
type apiProblem struct {
	Code   int
	Errors []fieldProblem
}

// requireStatus requires an answer's status and, for an error, a problem
// at each path.
func requireStatus(t *testing.T, what string, resp apiResponse, status int, paths ...string) {
	t.Helper()
	if resp.Status != status {
		t.Fatalf("%s: %d, want %d: %s", what, resp.Status, status, resp.Body)
	}
	if len(paths) == 0 {
		return
	}
	var e apiProblem
	resp.decode(t, &e)
	for _, p := range paths {
		if !slices.ContainsFunc(e.Errors, func(f fieldProblem) bool { return f.Path == p }) {
			t.Errorf("%s: no problem at %s in %s", what, p, resp.Body)
		}
	}
}

// acmeAppDoc is the declarative format's example app under key, at
// version.
func acmeAppDoc(t *testing.T, key, version string) []byte {
	t.Helper()
	doc, err := os.ReadFile(filepath.Join("..", "..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	doc = bytes.Replace(doc, []byte(`"key": "acme"`), []byte(`"key": "`+key+`"`), 1)
	return bytes.Replace(doc, []byte(`"version": "1.0.0"`), []byte(`"version": "`+version+`"`), 1)
}

// Platform apps on the whole stack: an operator (an admin key of the dev
// account, the operators' account) pushes an app every account can use;
// another account's key may read it but not change it (403); at once, an
// ordinary account's manifest lists it, a connection of it is made and a
// definition runs its action against the third party. A version is
// deprecated with a date: definitions that pin it are saved with a warning
// until the date and refused after it, while a definition saved before
// still runs. Keys are one owner's: the account cannot take the platform
// app's.
func TestPlatformAppsThroughTheAPI(t *testing.T) {
	fake := exampletest.New(t)
	s := startTestStack(t, devstack.Config{ConnectorTransport: hostRouter{"acme.example": mustURL(t, fake.BaseURL())}})
	requireVault(t, s)
	authorize(t, s, "globex")
	api := s.GatewayURL + "/api/v1/accounts/acme"
	platform := s.GatewayURL + "/api/v1/platform/apps"
	operator := map[string]string{"Authorization": "Bearer " + s.DevAPIKey}
	ordinary := map[string]string{"Authorization": "Bearer " + keyFor(api)} // an admin key, of no operators' account
	v1, v11 := acmeAppDoc(t, "shared_crm", "1.0.0"), acmeAppDoc(t, "shared_crm", "1.1.0")

	t.Run("only an operator's key changes the platform's apps", func(t *testing.T) {
		requireStatus(t, "no key", call(t, http.MethodPost, platform, v1, nil), http.StatusUnauthorized)
		resp := call(t, http.MethodPost, platform, v1, ordinary)
		requireStatus(t, "an ordinary account's admin key", resp, http.StatusForbidden)
		var e apiProblem
		resp.decode(t, &e)
		if e.Code != 1201 {
			t.Errorf("refusal %s, want code 1201", resp.Body)
		}
		requireStatus(t, "an operator's key", call(t, http.MethodPost, platform, v1, operator), http.StatusCreated)
		requireStatus(t, "the same again", call(t, http.MethodPost, platform, v1, operator), http.StatusOK)
		// PUT at the version's own address: new, then the same again.
		requireStatus(t, "PUT 1.1.0", call(t, http.MethodPut, platform+"/shared_crm/versions/1.1.0", v11, operator), http.StatusCreated)
		requireStatus(t, "PUT 1.1.0 again", call(t, http.MethodPut, platform+"/shared_crm/versions/1.1.0", v11, operator), http.StatusOK)
		requireStatus(t, "PUT another version's document", call(t, http.MethodPut, platform+"/shared_crm/versions/1.0.0", v11, operator), http.StatusBadRequest, "version")
		changed := bytes.Replace(v1, []byte(`"name": "Acme CRM"`), []byte(`"name": "Acme"`), 1)
		requireStatus(t, "PUT a changed document", call(t, http.MethodPut, platform+"/shared_crm/versions/1.0.0", changed, operator), http.StatusConflict, "version")
		requireStatus(t, "PUT with an ordinary key", call(t, http.MethodPut, platform+"/shared_crm/versions/2.0.0", v11, ordinary), http.StatusForbidden)
	})

	t.Run("every account reads them", func(t *testing.T) {
		var apps []struct{ Key, Version, Owner string }
		call(t, http.MethodGet, platform, nil, ordinary).decode(t, &apps)
		if len(apps) != 1 || apps[0].Key != "shared_crm" || apps[0].Version != "1.1.0" || apps[0].Owner != "platform" {
			t.Errorf("platform apps %+v", apps)
		}
		var versions []struct{ Version string }
		call(t, http.MethodGet, platform+"/shared_crm/versions", nil, ordinary).decode(t, &versions)
		if len(versions) != 2 || versions[0].Version != "1.1.0" {
			t.Errorf("versions %+v", versions)
		}
		var one struct {
			Key string         `json:"key"`
			App map[string]any `json:"app"`
		}
		call(t, http.MethodGet, platform+"/shared_crm/versions/1.0.0", nil, ordinary).decode(t, &one)
		if one.Key != "shared_crm" || one.App["version"] != "1.0.0" {
			t.Errorf("version 1.0.0: %+v", one)
		}
	})

	// The account's own app, stored with PUT, beside the platform's.
	requireStatus(t, "the account's own app", call(t, http.MethodPut, api+"/apps/own_crm/versions/1.0.0", acmeAppDoc(t, "own_crm", "1.0.0"), nil), http.StatusCreated)
	requireStatus(t, "the account taking the platform app's key", call(t, http.MethodPost, api+"/apps", acmeAppDoc(t, "shared_crm", "9.0.0"), nil), http.StatusConflict, "key")

	t.Run("the account's manifest lists its apps and the platform's", func(t *testing.T) {
		owners := func(account string) map[string]string {
			var doc struct {
				Connectors []struct {
					ID, Owner, DefaultVersion string
				}
			}
			call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/"+account+"/manifest", nil, nil).decode(t, &doc)
			out := map[string]string{}
			for _, c := range doc.Connectors {
				out[c.ID] = c.Owner + "@" + c.DefaultVersion
			}
			return out
		}
		acme := owners("acme")
		if acme["shared_crm"] != "platform@1.1.0" || acme["own_crm"] != "account@1.0.0" || acme["shopify"] == "" || !strings.HasPrefix(acme["shopify"], "@") {
			t.Errorf("acme's manifest: %v", acme)
		}
		globex := owners("globex")
		if globex["shared_crm"] != "platform@1.1.0" || globex["own_crm"] != "" {
			t.Errorf("globex's manifest: %v", globex)
		}
	})

	// A connection of the platform app, and definitions running its action.
	conn := createConnection(t, api, `{"app":"shared_crm","authKind":"api_key","fields":{"key":"`+exampletest.APIKey+`"},"properties":{"workspace":"northwind"}}`)
	contactDefinition := func(name, apps string) []byte {
		if apps != "" {
			apps = `"apps": ` + apps + `, `
		}
		return []byte(`{"trigger": "http_request", "status": "enabled", ` + apps + `"definition": {"name": "` + name + `", "steps": [
			{"id": "contact", "stepType": "shared_crm.create_contact", "connection": "` + conn + `",
			 "inputs": {"email": "{{data.email}}"}, "outputs": {"contactId": "{{step.id}}"}}]}}`)
	}
	current := createDefinition(t, s, "acme", contactDefinition("latest", ""))
	if apps, _ := current["apps"].(map[string]any); apps["shared_crm"] != "1.1.0" || current["warnings"] != nil {
		t.Errorf("pinned %v with warnings %v, want 1.1.0 and none", current["apps"], current["warnings"])
	}
	res := trigger(t, s, "acme", `{"email": "grace@example.com"}`, nil)
	if len(res.Runs) != 1 {
		t.Fatalf("runs %+v", res.Runs)
	}
	if data := waitRun(t, s, res.Runs[0].TemporalWorkflowID); data["contactId"] == nil {
		t.Errorf("the run's data %v", data)
	}
	if contacts := fake.Contacts("northwind"); len(contacts) != 1 || contacts[0].Email != "grace@example.com" {
		t.Errorf("the fake's contacts %+v", contacts)
	}
	requireStatus(t, "disable", call(t, http.MethodPut, api+"/definitions/"+current["id"].(string),
		bytes.Replace(contactDefinition("latest", ""), []byte(`"status": "enabled"`), []byte(`"status": "disabled"`), 1), nil), http.StatusOK)

	t.Run("deprecation", func(t *testing.T) {
		deprecation := platform + "/shared_crm/versions/1.0.0/deprecation"
		requireStatus(t, "deprecate with an ordinary key", call(t, http.MethodPut, deprecation, []byte(`{"date": "2099-12-31", "replacement": "1.1.0"}`), ordinary), http.StatusForbidden)
		requireStatus(t, "deprecate without a replacement", call(t, http.MethodPut, deprecation, []byte(`{"date": "2099-12-31"}`), operator), http.StatusBadRequest, "replacement")
		requireStatus(t, "deprecate until 2099", call(t, http.MethodPut, deprecation,
			[]byte(`{"date": "2099-12-31", "replacement": "1.1.0", "note": "1.1.0 is the same app."}`), operator), http.StatusOK)
		var versions []struct{ Version, Status string }
		call(t, http.MethodGet, platform+"/shared_crm/versions", nil, ordinary).decode(t, &versions)
		if len(versions) != 2 || versions[1].Status != "deprecated" {
			t.Errorf("versions %+v", versions)
		}

		// Before the date: saved, with a warning naming apps.shared_crm.
		pinned := createDefinition(t, s, "acme", contactDefinition("pinned", `{"shared_crm": "1.0.0"}`))
		warnings, _ := pinned["warnings"].([]any)
		if len(warnings) != 1 || !strings.Contains(mustJSON(warnings[0]), `"path":"apps.shared_crm"`) || !strings.Contains(mustJSON(warnings[0]), "until 2099-12-31: move to 1.1.0") {
			t.Errorf("warnings %v", pinned["warnings"])
		}

		// After the date: refused, naming the field; the definition saved
		// before still runs.
		requireStatus(t, "move the date into the past", call(t, http.MethodPut, deprecation, []byte(`{"date": "2020-01-31", "replacement": "1.1.0"}`), operator), http.StatusOK)
		resp := call(t, http.MethodPost, api+"/definitions", contactDefinition("too late", `{"shared_crm": "1.0.0"}`), nil)
		requireStatus(t, "a new definition on the version", resp, http.StatusBadRequest, "apps.shared_crm")
		requireStatus(t, "an update on the version", call(t, http.MethodPut, api+"/definitions/"+pinned["id"].(string), contactDefinition("pinned", `{"shared_crm": "1.0.0"}`), nil),
			http.StatusBadRequest, "apps.shared_crm")
		requireStatus(t, "an action on the version", call(t, http.MethodPost, api+"/actions/shared_crm.create_contact",
			[]byte(`{"connection": "`+conn+`", "version": "1.0.0", "inputs": {"email": "late@example.com"}}`), nil), http.StatusBadRequest, "version")
		res := trigger(t, s, "acme", `{"email": "ada@example.com"}`, nil)
		if len(res.Runs) != 1 || res.Runs[0].DefinitionID != pinned["id"] {
			t.Fatalf("runs %+v, want one of the definition pinned before the date", res.Runs)
		}
		waitRun(t, s, res.Runs[0].TemporalWorkflowID)
		if contacts := fake.Contacts("northwind"); len(contacts) != 2 || contacts[1].Email != "ada@example.com" {
			t.Errorf("the fake's contacts %+v", contacts)
		}

		requireStatus(t, "take the deprecation back", call(t, http.MethodDelete, deprecation, nil, operator), http.StatusNoContent)
		createDefinition(t, s, "acme", contactDefinition("pinned again", `{"shared_crm": "1.0.0"}`))

		// The account's own versions are deprecated the same way.
		requireStatus(t, "own 1.1.0", call(t, http.MethodPost, api+"/apps", acmeAppDoc(t, "own_crm", "1.1.0"), nil), http.StatusCreated)
		requireStatus(t, "deprecate own 1.0.0", call(t, http.MethodPut, api+"/apps/own_crm/versions/1.0.0/deprecation",
			[]byte(`{"date": "2099-12-31", "replacement": "1.1.0"}`), nil), http.StatusOK)
		requireStatus(t, "undeprecate own 1.0.0", call(t, http.MethodDelete, api+"/apps/own_crm/versions/1.0.0/deprecation", nil, nil), http.StatusNoContent)
	})

	t.Run("deleting them", func(t *testing.T) {
		requireStatus(t, "an account's key", call(t, http.MethodDelete, platform+"/shared_crm", nil, ordinary), http.StatusForbidden)
		requireStatus(t, "a version", call(t, http.MethodDelete, platform+"/shared_crm/versions/1.0.0", nil, operator), http.StatusNoContent)
		requireStatus(t, "the app", call(t, http.MethodDelete, platform+"/shared_crm", nil, operator), http.StatusNoContent)
		requireStatus(t, "gone", call(t, http.MethodGet, platform+"/shared_crm/versions", nil, ordinary), http.StatusNotFound)
		// Gone for the accounts at once: the cache forgot it.
		requireStatus(t, "a definition on it", call(t, http.MethodPost, api+"/definitions", contactDefinition("gone", ""), nil),
			http.StatusBadRequest, "definition.steps[0].stepType")
	})
}
