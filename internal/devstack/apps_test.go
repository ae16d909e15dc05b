package devstack_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/internal/devstack"
)

// echoInput and echoOutput are the test connector's one action: it answers
// with the version that ran it, so a run shows which version it called.
type echoInput struct {
	Text  string `json:"text" description:"What to echo."`
	Count int    `json:"count,omitempty" description:"How many times."`
}

type echoOutput struct {
	Version string `json:"version" description:"The connector version that ran."`
	Text    string `json:"text" description:"The text, repeated."`
}

// pinapp builds one version of the test connector "pinapp", which needs no
// credentials.
func pinapp(version string, status connectors.Status, dep *connectors.Deprecation) connectors.Connector {
	return testConnector("pinapp", version, status, dep, connectors.NoAuth())
}

func testConnector(id, version string, status connectors.Status, dep *connectors.Deprecation, auth connectors.AuthSpec) connectors.Connector {
	return connectors.New(connectors.Spec{
		ID: id, Name: "Pin test " + id, Description: "A connector for the version tests.",
		Version: version, Status: status, Deprecation: dep,
		Auth: []connectors.AuthSpec{auth},
	}, connectors.NewAction(connectors.ActionSpec{
		ID: "echo", Name: "Echo", Kind: connectors.ActionOther, Description: "Answers with its version.",
		Idempotent: true, SampleInput: json.RawMessage(`{"text":"hi"}`),
	}, func(_ context.Context, _ connectors.Call, in echoInput) (echoOutput, error) {
		return echoOutput{Version: version, Text: strings.Repeat(in.Text, max(1, in.Count))}, nil
	}))
}

type fieldProblem struct {
	Path, Code, Message string
}

// refused posts a definition and requires a 400 naming path with code.
func refused(t *testing.T, api, body, path, code string) {
	t.Helper()
	resp := call(t, http.MethodPost, api+"/definitions", []byte(body), nil)
	var e struct{ Errors []fieldProblem }
	resp.decode(t, &e)
	if resp.Status != http.StatusBadRequest {
		t.Fatalf("status %d, want 400: %s", resp.Status, resp.Body)
	}
	for _, f := range e.Errors {
		if f.Path == path && f.Code == code {
			return
		}
	}
	t.Fatalf("no %s problem at %s in %s", code, path, resp.Body)
}

func echoDefinition(name, apps, inputs, connection string) string {
	doc := `{"trigger":"http_request","status":"enabled",`
	if apps != "" {
		doc += `"apps":` + apps + `,`
	}
	conn := ""
	if connection != "" {
		conn = `"connection":"` + connection + `",`
	}
	return doc + `"definition":{"name":"` + name + `","steps":[
	  {"id":"echo","stepType":"pinapp.echo",` + conn + `"inputs":` + inputs + `,
	   "outputs":{"ranVersion":"{{step.version}}","echoed":"{{step.text}}"}}]}}`
}

// TestConnectorVersions: definitions pin connector versions when saved,
// runs call the pinned version even after a newer one is registered, the
// API lists apps with their deprecations and the definitions still on a
// version, and connector steps' inputs and connections are checked at
// save.
func TestConnectorVersions(t *testing.T) {
	registry := catalog.New()
	registry.MustRegister(pinapp("0.9.0", connectors.StatusDeprecated,
		&connectors.Deprecation{Date: "2099-06-30", Replacement: "1.0.0", Note: "count became optional."}))
	registry.MustRegister(pinapp("1.0.0", connectors.StatusStable, nil))
	registry.MustRegister(pinapp("2.0.0-beta.1", connectors.StatusBeta, nil))
	registry.MustRegister(testConnector("keyapp", "0.1.0-beta.1", connectors.StatusBeta, nil,
		connectors.APIKeyAuth(connectors.APIKeyInHeader, "X-Key")))
	if err := registry.Check(); err != nil {
		t.Fatal(err)
	}
	s := startTestStack(t, devstack.Config{Connectors: registry})
	api := s.GatewayURL + "/api/v1/accounts/acme"

	t.Run("apps are listed with their versions and deprecations", func(t *testing.T) {
		resp := call(t, http.MethodGet, s.GatewayURL+"/api/v1/apps", nil, nil)
		var apps []struct {
			ID             string
			DefaultVersion string
			Versions       []struct {
				Version     string
				Status      string
				Deprecation *connectors.Deprecation
			}
		}
		resp.decode(t, &apps)
		var found bool
		for _, a := range apps {
			if a.ID != "pinapp" {
				continue
			}
			found = true
			if a.DefaultVersion != "1.0.0" || len(a.Versions) != 3 {
				t.Fatalf("pinapp: %+v", a)
			}
			v := a.Versions
			if v[0].Version != "2.0.0-beta.1" || v[0].Status != "beta" || v[1].Version != "1.0.0" || v[1].Status != "stable" ||
				v[2].Version != "0.9.0" || v[2].Status != "deprecated" || v[2].Deprecation == nil ||
				v[2].Deprecation.Date != "2099-06-30" || v[2].Deprecation.Replacement != "1.0.0" {
				t.Errorf("pinapp versions: %+v", v)
			}
		}
		if !found || len(apps) < 7 {
			t.Fatalf("apps: %s", resp.Body)
		}
		var page []struct{ ID string }
		call(t, http.MethodGet, s.GatewayURL+"/api/v1/apps?limit=1&offset=1", nil, nil).decode(t, &page)
		if len(page) != 1 || page[0].ID != apps[1].ID {
			t.Errorf("second page of one: %+v, want %s", page, apps[1].ID)
		}
		if r := call(t, http.MethodGet, s.GatewayURL+"/api/v1/apps?limit=0", nil, nil); r.Status != http.StatusBadRequest {
			t.Errorf("limit=0: %d", r.Status)
		}
	})

	// Saved without apps: pinned to the latest stable version. Naming the
	// deprecated one explicitly is allowed (it still runs).
	latest := createDefinition(t, s, "acme", []byte(echoDefinition("latest", "", `{"text":"{{data.word}}"}`, "")))
	old := createDefinition(t, s, "acme", []byte(echoDefinition("old", `{"pinapp":"0.9.0"}`, `{"text":"{{data.word}}","count":2}`, "")))
	if apps, _ := latest["apps"].(map[string]any); apps["pinapp"] != "1.0.0" {
		t.Fatalf("a definition naming no version was pinned to %v, want 1.0.0", latest["apps"])
	}
	if apps, _ := old["apps"].(map[string]any); apps["pinapp"] != "0.9.0" {
		t.Fatalf("pinned to %v, want 0.9.0", old["apps"])
	}
	// Saved with a warning: the version is deprecated, until its date.
	if w, _ := old["warnings"].([]any); len(w) != 1 || !strings.Contains(fmt.Sprint(w[0]), "apps.pinapp") || latest["warnings"] != nil {
		t.Errorf("warnings: of the definition on 0.9.0 %v, of the one on 1.0.0 %v", old["warnings"], latest["warnings"])
	}

	t.Run("the definitions still on a version", func(t *testing.T) {
		on := func(version, query string) []string {
			t.Helper()
			resp := call(t, http.MethodGet, api+"/apps/pinapp/versions/"+version+"/definitions"+query, nil, nil)
			if resp.Status != http.StatusOK {
				t.Fatalf("%s: %d %s", version, resp.Status, resp.Body)
			}
			var defs []struct{ ID string }
			resp.decode(t, &defs)
			var ids []string
			for _, d := range defs {
				ids = append(ids, d.ID)
			}
			return ids
		}
		if got := on("0.9.0", ""); len(got) != 1 || got[0] != old["id"] {
			t.Errorf("on 0.9.0: %v, want [%v]", got, old["id"])
		}
		if got := on("1.0.0", ""); len(got) != 1 || got[0] != latest["id"] {
			t.Errorf("on 1.0.0: %v, want [%v]", got, latest["id"])
		}
		if got := on("1.0.0", "?offset=1"); len(got) != 0 {
			t.Errorf("on 1.0.0 from offset 1: %v", got)
		}
		if got := on("2.0.0-beta.1", ""); len(got) != 0 {
			t.Errorf("on the beta: %v", got)
		}
		for _, bad := range []string{"/apps/Pin%20App/versions/1.0.0/definitions", "/apps/pinapp/versions/v1/definitions"} {
			if r := call(t, http.MethodGet, api+bad, nil, nil); r.Status != http.StatusBadRequest {
				t.Errorf("%s: %d %s", bad, r.Status, r.Body)
			}
		}
	})

	t.Run("runs call the version their definition pinned", func(t *testing.T) {
		// A newer stable version arrives after both were saved.
		if err := registry.Register(pinapp("1.1.0", connectors.StatusStable, nil)); err != nil {
			t.Fatal(err)
		}
		res := trigger(t, s, "acme", `{"word":"ab"}`, nil)
		if len(res.Runs) != 2 {
			t.Fatalf("%d runs, want 2", len(res.Runs))
		}
		for _, r := range res.Runs {
			data := waitRun(t, s, r.TemporalWorkflowID)
			switch r.DefinitionID {
			case latest["id"]:
				if data["ranVersion"] != "1.0.0" || data["echoed"] != "ab" {
					t.Errorf("the definition pinned to 1.0.0 ran %v", data)
				}
			case old["id"]:
				if data["ranVersion"] != "0.9.0" || data["echoed"] != "abab" {
					t.Errorf("the definition pinned to 0.9.0 ran %v", data)
				}
			default:
				t.Errorf("a run of %s", r.DefinitionID)
			}
		}
		// Saved now, a definition gets the new latest stable version.
		newer := createDefinition(t, s, "acme", []byte(strings.Replace(echoDefinition("newer", "", `{"text":"x"}`, ""), `"enabled"`, `"disabled"`, 1)))
		if apps, _ := newer["apps"].(map[string]any); apps["pinapp"] != "1.1.0" {
			t.Errorf("pinned to %v, want 1.1.0", newer["apps"])
		}
		// Updating the old one with what GET returned keeps its pin; without
		// apps it moves to the latest stable.
		id := old["id"].(string)
		kept := call(t, http.MethodPut, api+"/definitions/"+id, []byte(echoDefinition("old", `{"pinapp":"0.9.0"}`, `{"text":"y"}`, "")), nil)
		var doc struct{ Apps map[string]string }
		kept.decode(t, &doc)
		if kept.Status != http.StatusOK || doc.Apps["pinapp"] != "0.9.0" {
			t.Errorf("update naming 0.9.0: %d %s", kept.Status, kept.Body)
		}
		moved := call(t, http.MethodPut, api+"/definitions/"+id, []byte(echoDefinition("old", "", `{"text":"y"}`, "")), nil)
		moved.decode(t, &doc)
		if moved.Status != http.StatusOK || doc.Apps["pinapp"] != "1.1.0" {
			t.Errorf("update naming nothing: %d %s", moved.Status, moved.Body)
		}
		var on []struct{ ID string }
		call(t, http.MethodGet, api+"/apps/pinapp/versions/0.9.0/definitions", nil, nil).decode(t, &on)
		if len(on) != 0 {
			t.Errorf("still on 0.9.0 after moving: %+v", on)
		}
	})

	t.Run("versions that cannot be pinned", func(t *testing.T) {
		refused(t, api, echoDefinition("x", `{"pinapp":"3.0.0"}`, `{"text":"x"}`, ""), "apps.pinapp", "invalid_value")
		refused(t, api, echoDefinition("x", `{"pinapp":"v1"}`, `{"text":"x"}`, ""), "apps.pinapp", "invalid_value")
		refused(t, api, echoDefinition("x", `{"pinapp":"1.0.0","slack":"1.0.0"}`, `{"text":"x"}`, ""), "apps.slack", "not_allowed")
		// An app with only a beta version must be named.
		beta := `{"trigger":"http_request","definition":{"name":"b","steps":[{"id":"e","stepType":"keyapp.echo","inputs":{"text":"x"}}]}}`
		refused(t, api, beta, "apps.keyapp", "required")
		// Named, it pins; but keyapp needs a connection.
		named := strings.Replace(beta, `"trigger"`, `"apps":{"keyapp":"0.1.0-beta.1"},"trigger"`, 1)
		refused(t, api, named, "definition.steps[0].connection", "required")
		refused(t, api, `{"trigger":"http_request","definition":{"name":"b","steps":[{"id":"e","stepType":"nosuchapp.echo"}]}}`,
			"definition.steps[0].stepType", "unknown_step_type")
	})

	t.Run("inputs are checked against the action's schema", func(t *testing.T) {
		refused(t, api, echoDefinition("x", "", `{"count":2}`, ""), "definition.steps[0].inputs.text", "required")
		refused(t, api, echoDefinition("x", "", `{"text":"x","colour":"red"}`, ""), "definition.steps[0].inputs.colour", "not_allowed")
		refused(t, api, echoDefinition("x", "", `{"text":5}`, ""), "definition.steps[0].inputs.text", "invalid_type")
		refused(t, api, echoDefinition("x", "", `{"text":"x","count":"two"}`, ""), "definition.steps[0].inputs.count", "invalid_type")
		// Nested in a block, the path says where.
		nested := `{"trigger":"http_request","definition":{"name":"n","steps":[{"id":"if","stepType":"If","inputs":{"condition":"{{true}}"},
		  "do":[[{"id":"e","stepType":"pinapp.echo","inputs":{"text":["x"]}}]]}]}}`
		refused(t, api, nested, "definition.steps[0].do[0][0].inputs.text", "invalid_type")
		// Expressions are only typed at run time.
		createDefinition(t, s, "acme", []byte(strings.Replace(echoDefinition("t", "", `{"text":"{{data.word}}","count":"{{data.n}}"}`, ""), `"enabled"`, `"disabled"`, 1)))
	})

	t.Run("connections must exist, in this account, for the app", func(t *testing.T) {
		refused(t, api, echoDefinition("x", "", `{"text":"x"}`, "no-such-connection"), "definition.steps[0].connection", "invalid_value")
		requireVault(t, s)
		resp := call(t, http.MethodPost, api+"/connections", []byte(`{"app":"http","name":"Open API","authKind":"none"}`), nil)
		if resp.Status != http.StatusCreated {
			t.Fatalf("connection: %d %s", resp.Status, resp.Body)
		}
		var conn struct{ ID string }
		resp.decode(t, &conn)
		refused(t, api, echoDefinition("x", "", `{"text":"x"}`, conn.ID), "definition.steps[0].connection", "invalid_value")
		sms := `{"trigger":"http_request","definition":{"name":"s","steps":[{"id":"s","stepType":"SMS","connection":"` + conn.ID + `",
		  "inputs":{"subAccountId":"acme_sms","destination":"+6512345678","text":"hi"}}]}}`
		refused(t, api, sms, "definition.steps[0].connection", "invalid_value")
		createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","definition":{"name":"h","steps":[
		  {"id":"h","stepType":"http.call","connection":"`+conn.ID+`","inputs":{"method":"GET","url":"https://example.com"}}]}}`))
	})
}
