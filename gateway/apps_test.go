package gateway_test

import (
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// acmeApp is connectors/declarative's example app with key and version
// changed, and any top-level fields in change set (nil deletes one), as
// JSON.
func acmeApp(t *testing.T, key, version string, change map[string]any) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "connectors", "declarative", "testdata", "valid", "acme_crm.json"))
	if err != nil {
		t.Fatal(err)
	}
	var doc map[string]any
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	doc["key"], doc["version"] = key, version
	for k, v := range change {
		if v == nil {
			delete(doc, k)
			continue
		}
		doc[k] = v
	}
	out, err := json.MarshalIndent(doc, "", "  ")
	if err != nil {
		t.Fatal(err)
	}
	return out
}

// storedApp is an app version as the API answers it.
type storedApp struct {
	Key       string          `json:"key"`
	Version   string          `json:"version"`
	Name      string          `json:"name"`
	Status    string          `json:"status"`
	CreatedAt string          `json:"createdAt"`
	App       json.RawMessage `json:"app"`
}

func keyVersions(t *testing.T, resp response) []string {
	t.Helper()
	var items []storedApp
	resp.decode(t, &items)
	out := []string{}
	for _, a := range items {
		if a.App != nil {
			t.Errorf("list item %s@%s carries its document", a.Key, a.Version)
		}
		out = append(out, a.Key+"@"+a.Version)
	}
	return out
}

func TestCreateAccountApp(t *testing.T) {
	e := newEnv(t)
	const apps = base + "/apps"
	doc := acmeApp(t, "acme_crm", "1.0.0", nil)
	// Another version, and the same version with another document.
	changed := acmeApp(t, "acme_crm", "1.0.0", map[string]any{"name": "Acme CRM, changed"})
	compact := func() []byte {
		var v any
		if err := json.Unmarshal(doc, &v); err != nil {
			t.Fatal(err)
		}
		b, _ := json.Marshal(v)
		return b
	}()

	tests := []struct {
		name       string
		key        string
		body       []byte
		wantStatus int
		wantPaths  []string // errors[].path, in any order
	}{
		{name: "new version", key: e.admin, body: doc, wantStatus: http.StatusCreated},
		{name: "same version and document again", key: e.admin, body: doc, wantStatus: http.StatusOK},
		{name: "same document, other whitespace", key: e.admin, body: compact, wantStatus: http.StatusOK},
		{name: "same version, other document", key: e.admin, body: changed, wantStatus: http.StatusConflict, wantPaths: []string{"version"}},
		{name: "a built-in connector's key", key: e.admin, body: acmeApp(t, "shopify", "1.0.0", nil),
			wantStatus: http.StatusConflict, wantPaths: []string{"key"}},
		{name: "invalid app", key: e.admin,
			body:       acmeApp(t, "Bad Key", "1.0", map[string]any{"status": "gone", "baseUrl": nil, "auth": []any{}}),
			wantStatus: http.StatusBadRequest, wantPaths: []string{"key", "version", "status", "baseUrl", "auth"}},
		{name: "not JSON", key: e.admin, body: []byte(`{"key":`), wantStatus: http.StatusBadRequest, wantPaths: []string{""}},
		{name: "read key", key: e.reader, body: acmeApp(t, "other_crm", "1.0.0", nil), wantStatus: http.StatusForbidden},
		{name: "runs key", key: e.runner, body: acmeApp(t, "other_crm", "1.0.0", nil), wantStatus: http.StatusForbidden},
		{name: "no key", body: doc, wantStatus: http.StatusUnauthorized},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.call(http.MethodPost, apps, tt.key, tt.body)
			if resp.status != tt.wantStatus {
				t.Fatalf("status = %d, want %d: %s", resp.status, tt.wantStatus, resp.body)
			}
			if resp.status >= 400 {
				got := resp.apiError(t).paths()
				for _, p := range tt.wantPaths {
					if !slices.Contains(got, p) {
						t.Errorf("errors name %q, want %q among them", got, p)
					}
				}
				return
			}
			var a storedApp
			resp.decode(t, &a)
			if a.Key != "acme_crm" || a.Version != "1.0.0" || a.Name != "Acme CRM" || a.Status != "stable" || a.CreatedAt == "" {
				t.Errorf("answer = %+v, want acme_crm 1.0.0 with its metadata", a)
			}
			// The document as first sent, whatever this request's whitespace.
			var got, want any
			if err := json.Unmarshal(a.App, &got); err != nil {
				t.Fatal(err)
			}
			_ = json.Unmarshal(doc, &want)
			if g, w := mustJSON(t, got), mustJSON(t, want); g != w {
				t.Errorf("app = %s, want the document sent", a.App)
			}
			loc := resp.header.Get("Location")
			if tt.wantStatus == http.StatusCreated && loc != apps+"/acme_crm/versions/1.0.0" {
				t.Errorf("Location = %q", loc)
			}
		})
	}

	// Only the first document is stored.
	resp := e.call(http.MethodGet, apps+"/acme_crm/versions/1.0.0", e.reader, nil)
	var a storedApp
	resp.decode(t, &a)
	if resp.status != http.StatusOK || string(a.App) == "" || strings.Contains(string(a.App), "changed") {
		t.Errorf("GET after the conflict = %d %s, want the first document", resp.status, resp.body)
	}
}

func TestInvalidAccountAppListsEveryProblem(t *testing.T) {
	e := newEnv(t)
	resp := e.call(http.MethodPost, base+"/apps", e.admin, `{}`)
	if resp.status != http.StatusBadRequest {
		t.Fatalf("status = %d: %s", resp.status, resp.body)
	}
	ae := resp.apiError(t)
	want := []string{"key", "name", "description", "version", "status", "baseUrl", "auth", "actions"}
	if got := ae.paths(); !slices.Equal(got, want) {
		t.Errorf("errors = %q, want %q", got, want)
	}
	if ae.Code != 5001 {
		t.Errorf("code = %d, want 5001", ae.Code)
	}
}

func mustJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func TestAccountAppsReadAndDelete(t *testing.T) {
	e := newEnv(t)
	const apps = base + "/apps"
	for _, v := range []string{"1.0.0", "1.1.0", "2.0.0", "1.10.0"} {
		if resp := e.call(http.MethodPost, apps, e.admin, acmeApp(t, "acme_crm", v, nil)); resp.status != http.StatusCreated {
			t.Fatalf("storing %s: %d %s", v, resp.status, resp.body)
		}
	}
	if resp := e.call(http.MethodPost, apps, e.admin, acmeApp(t, "billing", "0.1.0", map[string]any{"status": "beta"})); resp.status != http.StatusCreated {
		t.Fatalf("storing billing: %d %s", resp.status, resp.body)
	}
	// The other account's app of the same key is its own.
	if resp := e.call(http.MethodPost, "/api/v1/accounts/"+other+"/apps", e.foreign, acmeApp(t, "acme_crm", "9.0.0", nil)); resp.status != http.StatusCreated {
		t.Fatalf("storing the other account's app: %d %s", resp.status, resp.body)
	}

	lists := []struct {
		name, path, key string
		want            []string
	}{
		{"apps, latest version each", apps, e.reader, []string{"acme_crm@2.0.0", "billing@0.1.0"}},
		{"apps, paged", apps + "?limit=1&offset=1", e.reader, []string{"billing@0.1.0"}},
		{"versions, newest first", apps + "/acme_crm/versions", e.reader, []string{"acme_crm@2.0.0", "acme_crm@1.10.0", "acme_crm@1.1.0", "acme_crm@1.0.0"}},
		{"versions, paged", apps + "/acme_crm/versions?limit=2&offset=1", e.reader, []string{"acme_crm@1.10.0", "acme_crm@1.1.0"}},
	}
	for _, tt := range lists {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.call(http.MethodGet, tt.path, tt.key, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("status = %d: %s", resp.status, resp.body)
			}
			if got := keyVersions(t, resp); !slices.Equal(got, tt.want) {
				t.Errorf("got %v, want %v", got, tt.want)
			}
		})
	}

	t.Run("get", func(t *testing.T) {
		resp := e.call(http.MethodGet, apps+"/billing/versions/0.1.0", e.reader, nil)
		if resp.status != http.StatusOK {
			t.Fatalf("status = %d: %s", resp.status, resp.body)
		}
		var a storedApp
		resp.decode(t, &a)
		if a.Key != "billing" || a.Version != "0.1.0" || a.Status != "beta" || !json.Valid(a.App) {
			t.Errorf("answer = %+v", a)
		}
	})

	errs := []struct {
		name, method, path, key string
		want                    int
	}{
		{"unknown version", http.MethodGet, apps + "/acme_crm/versions/3.0.0", e.reader, http.StatusNotFound},
		{"unknown app's versions", http.MethodGet, apps + "/nope/versions", e.reader, http.StatusNotFound},
		{"another account's app", http.MethodGet, apps + "/acme_crm/versions/9.0.0", e.reader, http.StatusNotFound},
		{"bad limit", http.MethodGet, apps + "?limit=0", e.reader, http.StatusBadRequest},
		{"delete with a read key", http.MethodDelete, apps + "/acme_crm/versions/1.0.0", e.reader, http.StatusForbidden},
		{"delete an unknown version", http.MethodDelete, apps + "/acme_crm/versions/3.0.0", e.admin, http.StatusNotFound},
		{"delete an unknown app", http.MethodDelete, apps + "/nope", e.admin, http.StatusNotFound},
		{"another account's key", http.MethodGet, apps, e.foreign, http.StatusNotFound},
	}
	for _, tt := range errs {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.call(tt.method, tt.path, tt.key, nil)
			if resp.status != tt.want {
				t.Fatalf("status = %d, want %d: %s", resp.status, tt.want, resp.body)
			}
			resp.apiError(t)
		})
	}

	t.Run("delete a version", func(t *testing.T) {
		if resp := e.call(http.MethodDelete, apps+"/acme_crm/versions/2.0.0", e.admin, nil); resp.status != http.StatusNoContent || len(resp.body) != 0 {
			t.Fatalf("DELETE = %d %s, want 204", resp.status, resp.body)
		}
		if resp := e.call(http.MethodGet, apps+"/acme_crm/versions/2.0.0", e.reader, nil); resp.status != http.StatusNotFound {
			t.Errorf("GET after DELETE = %d, want 404", resp.status)
		}
		if got, want := keyVersions(t, e.call(http.MethodGet, apps, e.reader, nil)), []string{"acme_crm@1.10.0", "billing@0.1.0"}; !slices.Equal(got, want) {
			t.Errorf("apps after deleting 2.0.0 = %v, want %v", got, want)
		}
	})

	t.Run("delete an app", func(t *testing.T) {
		if resp := e.call(http.MethodDelete, apps+"/acme_crm", e.admin, nil); resp.status != http.StatusNoContent {
			t.Fatalf("DELETE = %d %s, want 204", resp.status, resp.body)
		}
		if resp := e.call(http.MethodGet, apps+"/acme_crm/versions", e.reader, nil); resp.status != http.StatusNotFound {
			t.Errorf("versions after DELETE = %d, want 404", resp.status)
		}
		if got, want := keyVersions(t, e.call(http.MethodGet, apps, e.reader, nil)), []string{"billing@0.1.0"}; !slices.Equal(got, want) {
			t.Errorf("apps after deleting acme_crm = %v, want %v", got, want)
		}
		// The other account's app of the same key is untouched.
		if resp := e.call(http.MethodGet, "/api/v1/accounts/"+other+"/apps/acme_crm/versions/9.0.0", e.foreign, nil); resp.status != http.StatusOK {
			t.Errorf("the other account's app = %d, want 200", resp.status)
		}
	})
}
