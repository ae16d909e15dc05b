package gateway_test

import (
	"bytes"
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/catalog"
	"github.com/junction-run/junction/gateway"
)

// withOperators makes the other account (globex, whose admin key is
// e.foreign) the operators' account.
func withOperators(cfg *gateway.Config) { cfg.OperatorAccounts = []string{other} }

// requireProblem requires a status and, for an error, a problem at each
// path.
func requireProblem(t *testing.T, resp response, status int, paths ...string) {
	t.Helper()
	if resp.status != status {
		t.Fatalf("status = %d, want %d: %s", resp.status, status, resp.body)
	}
	if status < 400 {
		return
	}
	got := resp.apiError(t).paths()
	for _, p := range paths {
		if !slices.Contains(got, p) {
			t.Errorf("errors name %q, want %q among them: %s", got, p, resp.body)
		}
	}
}

// PUT stores the version the path names, idempotently; a document that
// names another key or version, or a version already stored with another
// document, is refused naming the field.
func TestPutAppVersion(t *testing.T) {
	e := newEnv(t)
	const path = base + "/apps/acme_crm/versions/1.0.0"
	doc := acmeApp(t, "acme_crm", "1.0.0", nil)
	tests := []struct {
		name   string
		path   string
		key    string
		body   []byte
		status int
		paths  []string
	}{
		{"new", path, e.admin, doc, http.StatusCreated, nil},
		{"the same again", path, e.admin, doc, http.StatusOK, nil},
		{"another document", path, e.admin, acmeApp(t, "acme_crm", "1.0.0", map[string]any{"name": "Changed"}), http.StatusConflict, []string{"version"}},
		{"another version in the document", path, e.admin, acmeApp(t, "acme_crm", "1.1.0", nil), http.StatusBadRequest, []string{"version"}},
		{"another key in the document", path, e.admin, acmeApp(t, "other_crm", "1.0.0", nil), http.StatusBadRequest, []string{"key"}},
		{"both", path, e.admin, acmeApp(t, "other_crm", "2.0.0", nil), http.StatusBadRequest, []string{"key", "version"}},
		{"not an app", path, e.admin, []byte(`{"key": "acme_crm"}`), http.StatusBadRequest, []string{"version", "actions"}},
		{"a built-in connector's key", base + "/apps/shopify/versions/1.0.0", e.admin, acmeApp(t, "shopify", "1.0.0", nil), http.StatusConflict, []string{"key"}},
		{"a read key", base + "/apps/acme_crm/versions/1.1.0", e.reader, acmeApp(t, "acme_crm", "1.1.0", nil), http.StatusForbidden, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.call(http.MethodPut, tt.path, tt.key, tt.body)
			requireProblem(t, resp, tt.status, tt.paths...)
			if tt.status == http.StatusCreated && resp.header.Get("Location") != path {
				t.Errorf("Location = %q, want %q", resp.header.Get("Location"), path)
			}
			if tt.status < 300 {
				var a storedApp
				resp.decode(t, &a)
				if a.Key != "acme_crm" || a.Version != "1.0.0" || !json.Valid(a.App) {
					t.Errorf("answer %+v", a)
				}
			}
		})
	}
}

// deprecationView is a stored version's deprecation as the API shows it.
type deprecationView struct {
	Status      string                  `json:"status"`
	Owner       string                  `json:"owner"`
	Deprecation *connectors.Deprecation `json:"deprecation"`
}

// A version is deprecated with a date and a later stored version; every
// problem of the request is a 400 naming its field; the listing shows the
// deprecation until it is taken back.
func TestDeprecateAppVersion(t *testing.T) {
	e := newEnv(t)
	const apps = base + "/apps/acme_crm/versions"
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0"} {
		requireProblem(t, e.call(http.MethodPost, base+"/apps", e.admin, acmeApp(t, "acme_crm", v, nil)), http.StatusCreated)
	}
	requireProblem(t, e.call(http.MethodPut, apps+"/1.1.0/deprecation", e.admin, `{"date": "2099-12-31", "replacement": "2.0.0"}`), http.StatusOK)

	bad := []struct {
		name, version, body string
		status              int
		paths               []string
	}{
		{"no date", "1.0.0", `{"replacement": "2.0.0"}`, http.StatusBadRequest, []string{"date"}},
		{"not a date", "1.0.0", `{"date": "31/12/2099", "replacement": "2.0.0"}`, http.StatusBadRequest, []string{"date"}},
		{"no replacement", "1.0.0", `{"date": "2099-12-31"}`, http.StatusBadRequest, []string{"replacement"}},
		{"an earlier replacement", "2.0.0", `{"date": "2099-12-31", "replacement": "1.0.0"}`, http.StatusBadRequest, []string{"replacement"}},
		{"a replacement not stored", "1.0.0", `{"date": "2099-12-31", "replacement": "3.0.0"}`, http.StatusBadRequest, []string{"replacement"}},
		{"a deprecated replacement", "1.0.0", `{"date": "2099-12-31", "replacement": "1.1.0"}`, http.StatusBadRequest, []string{"replacement"}},
		{"every problem at once", "1.0.0", `{"date": "soon"}`, http.StatusBadRequest, []string{"date", "replacement"}},
		{"an unknown field", "1.0.0", `{"date": "2099-12-31", "replacement": "2.0.0", "sunset": true}`, http.StatusBadRequest, []string{"sunset"}},
		{"a wrong type", "1.0.0", `{"date": 20991231, "replacement": "2.0.0"}`, http.StatusBadRequest, []string{"date"}},
		{"not JSON", "1.0.0", `{"date"`, http.StatusBadRequest, []string{"body"}},
		{"no such version", "9.0.0", `{"date": "2099-12-31", "replacement": "10.0.0"}`, http.StatusNotFound, nil},
	}
	for _, tt := range bad {
		t.Run(tt.name, func(t *testing.T) {
			requireProblem(t, e.call(http.MethodPut, apps+"/"+tt.version+"/deprecation", e.admin, tt.body), tt.status, tt.paths...)
		})
	}
	requireProblem(t, e.call(http.MethodPut, apps+"/1.0.0/deprecation", e.reader, `{"date": "2099-12-31", "replacement": "2.0.0"}`), http.StatusForbidden)

	resp := e.call(http.MethodPut, apps+"/1.0.0/deprecation", e.admin, `{"date": "2099-06-30", "replacement": "2.0.0", "note": "2.0.0 needs a workspace."}`)
	requireProblem(t, resp, http.StatusOK)
	var got deprecationView
	resp.decode(t, &got)
	want := connectors.Deprecation{Date: "2099-06-30", Replacement: "2.0.0", Note: "2.0.0 needs a workspace."}
	if got.Status != "deprecated" || got.Owner != "account" || got.Deprecation == nil || *got.Deprecation != want {
		t.Errorf("answer %+v, want deprecated with %+v", got, want)
	}
	var versions []deprecationView
	e.call(http.MethodGet, apps, e.reader, nil).decode(t, &versions)
	if len(versions) != 3 || versions[0].Status != "stable" || versions[1].Status != "deprecated" || versions[2].Deprecation == nil || *versions[2].Deprecation != want {
		t.Errorf("versions %+v", versions)
	}

	requireProblem(t, e.call(http.MethodDelete, apps+"/1.0.0/deprecation", e.admin, nil), http.StatusNoContent)
	requireProblem(t, e.call(http.MethodDelete, apps+"/1.0.0/deprecation", e.admin, nil), http.StatusNoContent)
	requireProblem(t, e.call(http.MethodDelete, apps+"/9.0.0/deprecation", e.admin, nil), http.StatusNotFound)
	var back deprecationView
	e.call(http.MethodGet, apps+"/1.0.0", e.reader, nil).decode(t, &back)
	if back.Status != "stable" || back.Deprecation != nil {
		t.Errorf("after taking the deprecation back: %+v", back)
	}
}

// The platform's apps: any valid key reads them, only an admin key of an
// operators' account changes them (403 for any other), and a key has one
// owner.
func TestPlatformApps(t *testing.T) {
	e := newEnv(t, withOperators)
	const platform = "/api/v1/platform/apps"
	doc := acmeApp(t, "shared_crm", "1.0.0", nil)

	requireProblem(t, e.call(http.MethodPost, platform, "", doc), http.StatusUnauthorized)
	requireProblem(t, e.call(http.MethodPost, platform, "jk_not_a_key", doc), http.StatusUnauthorized)
	// An admin key of an account that is not an operators' one.
	requireProblem(t, e.call(http.MethodPost, platform, e.admin, doc), http.StatusForbidden)
	requireProblem(t, e.call(http.MethodPut, platform+"/shared_crm/versions/1.0.0", e.admin, doc), http.StatusForbidden)
	resp := e.call(http.MethodPost, platform, e.foreign, doc)
	requireProblem(t, resp, http.StatusCreated)
	if loc := resp.header.Get("Location"); loc != platform+"/shared_crm/versions/1.0.0" {
		t.Errorf("Location = %q", loc)
	}
	var a struct {
		storedApp
		Owner string `json:"owner"`
	}
	resp.decode(t, &a)
	if a.Owner != "platform" || a.Key != "shared_crm" {
		t.Errorf("answer %+v", a)
	}
	requireProblem(t, e.call(http.MethodPut, platform+"/shared_crm/versions/1.0.0", e.foreign, doc), http.StatusOK)
	requireProblem(t, e.call(http.MethodPut, platform+"/shared_crm/versions/1.0.0", e.foreign, acmeApp(t, "shared_crm", "1.0.0", map[string]any{"name": "X"})), http.StatusConflict, "version")
	requireProblem(t, e.call(http.MethodPut, platform+"/shared_crm/versions/1.1.0", e.foreign, doc), http.StatusBadRequest, "version")
	requireProblem(t, e.call(http.MethodPost, platform, e.foreign, acmeApp(t, "shopify", "1.0.0", nil)), http.StatusConflict, "key")

	// Any valid key may read them.
	for _, key := range []string{e.reader, e.admin, e.foreign} {
		r := e.call(http.MethodGet, platform, key, nil)
		if got := keyVersions(t, r); r.status != http.StatusOK || !slices.Equal(got, []string{"shared_crm@1.0.0"}) {
			t.Errorf("list: %d %v", r.status, got)
		}
	}
	requireProblem(t, e.call(http.MethodGet, platform+"/shared_crm/versions", e.reader, nil), http.StatusOK)
	requireProblem(t, e.call(http.MethodGet, platform+"/shared_crm/versions/1.0.0", e.reader, nil), http.StatusOK)
	requireProblem(t, e.call(http.MethodGet, platform+"/shared_crm/versions/9.9.9", e.reader, nil), http.StatusNotFound)
	requireProblem(t, e.call(http.MethodGet, platform, e.revoked, nil), http.StatusUnauthorized)
	// The platform's apps are not an account's.
	requireProblem(t, e.call(http.MethodGet, base+"/apps/shared_crm/versions", e.reader, nil), http.StatusNotFound)

	// One owner per key: an account cannot take a platform app's key, nor
	// the platform one an account keeps.
	requireProblem(t, e.call(http.MethodPost, base+"/apps", e.admin, acmeApp(t, "shared_crm", "2.0.0", nil)), http.StatusConflict, "key")
	requireProblem(t, e.call(http.MethodPost, base+"/apps", e.admin, acmeApp(t, "own_crm", "1.0.0", nil)), http.StatusCreated)
	requireProblem(t, e.call(http.MethodPost, platform, e.foreign, acmeApp(t, "own_crm", "1.0.0", nil)), http.StatusConflict, "key")

	// Deprecation and deletion take the operator's key too.
	requireProblem(t, e.call(http.MethodPost, platform, e.foreign, acmeApp(t, "shared_crm", "1.1.0", nil)), http.StatusCreated)
	dep := `{"date": "2099-01-31", "replacement": "1.1.0"}`
	requireProblem(t, e.call(http.MethodPut, platform+"/shared_crm/versions/1.0.0/deprecation", e.admin, dep), http.StatusForbidden)
	requireProblem(t, e.call(http.MethodPut, platform+"/shared_crm/versions/1.0.0/deprecation", e.foreign, `{"date": "2099-01-31"}`), http.StatusBadRequest, "replacement")
	requireProblem(t, e.call(http.MethodPut, platform+"/shared_crm/versions/1.0.0/deprecation", e.foreign, dep), http.StatusOK)
	requireProblem(t, e.call(http.MethodDelete, platform+"/shared_crm/versions/1.0.0/deprecation", e.foreign, nil), http.StatusNoContent)
	requireProblem(t, e.call(http.MethodDelete, platform+"/shared_crm/versions/1.0.0", e.admin, nil), http.StatusForbidden)
	requireProblem(t, e.call(http.MethodDelete, platform+"/shared_crm/versions/1.0.0", e.foreign, nil), http.StatusNoContent)
	requireProblem(t, e.call(http.MethodDelete, platform+"/shared_crm", e.admin, nil), http.StatusForbidden)
	requireProblem(t, e.call(http.MethodDelete, platform+"/shared_crm", e.foreign, nil), http.StatusNoContent)
	requireProblem(t, e.call(http.MethodDelete, platform+"/shared_crm", e.foreign, nil), http.StatusNotFound)

	// With no operators' account, no one changes them.
	closed := newEnv(t)
	requireProblem(t, closed.call(http.MethodPost, platform, closed.foreign, doc), http.StatusForbidden)
	requireProblem(t, closed.call(http.MethodGet, platform, closed.foreign, nil), http.StatusOK)
}

// deprecatedEcho is a built-in connector without credentials whose
// version 1.0.0 is deprecated until date, in favour of 2.0.0.
func deprecatedEcho(t *testing.T, date string) *connectors.Registry {
	t.Helper()
	r := catalog.New()
	for _, v := range []string{"1.0.0", "2.0.0"} {
		spec := connectors.Spec{ID: "echoapp", Name: "Echo", Description: "Answers what it is sent.", Version: v,
			Status: connectors.StatusStable, Auth: []connectors.AuthSpec{connectors.NoAuth()}}
		if v == "1.0.0" {
			spec.Status, spec.Deprecation = connectors.StatusDeprecated, &connectors.Deprecation{Date: date, Replacement: "2.0.0", Note: "nothing changes"}
		}
		r.MustRegister(connectors.New(spec, connectors.NewAction(connectors.ActionSpec{
			ID: "echo", Name: "Echo", Kind: connectors.ActionOther, Description: "Answers its input.",
			SampleInput: json.RawMessage(`{"text": "hi"}`),
		}, func(_ context.Context, _ connectors.Call, in struct {
			Text string `json:"text"`
		}) (struct {
			Text string `json:"text"`
		}, error) {
			return in, nil
		})))
	}
	return r
}

// A definition that pins a deprecated version is saved with a warning
// before the version's date and refused, naming apps.<app>, after it; one
// that names no version gets the replacement, with no warning.
func TestDefinitionsOnADeprecatedVersion(t *testing.T) {
	definition := func(apps string) string {
		return `{"trigger": "http_request", "status": "enabled", ` + apps + `"definition": {"name": "echo", "steps": [
			{"id": "echo", "stepType": "echoapp.echo", "inputs": {"text": "{{data.text}}"}}]}}`
	}
	type saved struct {
		ID       string            `json:"id"`
		Apps     map[string]string `json:"apps"`
		Warnings []struct {
			Path, Code, Message string
		} `json:"warnings"`
	}

	t.Run("before its date", func(t *testing.T) {
		e := newEnv(t, func(cfg *gateway.Config) { cfg.Connectors = deprecatedEcho(t, "2099-12-31") })
		resp := e.call(http.MethodPost, base+"/definitions", e.admin, definition(`"apps": {"echoapp": "1.0.0"}, `))
		requireProblem(t, resp, http.StatusCreated)
		var doc saved
		resp.decode(t, &doc)
		if len(doc.Warnings) != 1 || doc.Warnings[0].Path != "apps.echoapp" || doc.Warnings[0].Code != "deprecated" ||
			doc.Warnings[0].Message != "echoapp 1.0.0 is deprecated, supported until 2099-12-31: move to 2.0.0 (nothing changes)" {
			t.Errorf("warnings %+v", doc.Warnings)
		}
		// The stored definition has no warnings: they are the save's.
		if r := e.call(http.MethodGet, base+"/definitions/"+doc.ID, e.reader, nil); r.status != http.StatusOK || bytes.Contains(r.body, []byte(`"warnings"`)) {
			t.Errorf("stored: %s", r.body)
		}
		resp = e.call(http.MethodPost, base+"/definitions", e.admin, definition(""))
		requireProblem(t, resp, http.StatusCreated)
		var unnamed saved
		resp.decode(t, &unnamed)
		if unnamed.Apps["echoapp"] != "2.0.0" || unnamed.Warnings != nil {
			t.Errorf("no version named: pinned %v, warnings %+v", unnamed.Apps, unnamed.Warnings)
		}
	})

	t.Run("after its date", func(t *testing.T) {
		e := newEnv(t, func(cfg *gateway.Config) { cfg.Connectors = deprecatedEcho(t, "2020-01-31") })
		resp := e.call(http.MethodPost, base+"/definitions", e.admin, definition(`"apps": {"echoapp": "1.0.0"}, `))
		requireProblem(t, resp, http.StatusBadRequest, "apps.echoapp")
		if ae := resp.apiError(t); ae.Errors[0].Code != "deprecated" {
			t.Errorf("problem %+v", ae.Errors)
		}
		requireProblem(t, e.call(http.MethodPost, base+"/definitions", e.admin, definition(`"apps": {"echoapp": "2.0.0"}, `)), http.StatusCreated)
	})
}

// The account's manifest needs a key of the account; without stored apps
// it is the public manifest.
func TestAccountManifest(t *testing.T) {
	e := newEnv(t)
	var public, mine struct {
		Connectors []struct{ ID, Owner string }
	}
	resp := e.call(http.MethodGet, "/api/v1/manifest", "", nil)
	resp.decode(t, &public)
	resp = e.call(http.MethodGet, base+"/manifest", e.reader, nil)
	requireProblem(t, resp, http.StatusOK)
	resp.decode(t, &mine)
	if len(mine.Connectors) == 0 || len(mine.Connectors) != len(public.Connectors) || mine.Connectors[0].Owner != "" {
		t.Errorf("the account's manifest %+v, want the %d built-in connectors", mine.Connectors, len(public.Connectors))
	}
	requireProblem(t, e.call(http.MethodGet, base+"/manifest", e.foreign, nil), http.StatusNotFound)
	requireProblem(t, e.call(http.MethodGet, base+"/manifest", "", nil), http.StatusUnauthorized)
}
