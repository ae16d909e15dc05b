package gateway_test

import (
	"net/http"
	"slices"
	"testing"
)

// brokenDefinition has two problems, each at its JSON path.
const brokenDefinition = `{"trigger": "http_request", "definition": {"name": "Broken", "steps": [
  {"id": "call", "stepType": "HttpRequest", "inputs": {"method": "POST"}, "nextStepId": "nowhere"}]}}`

// TestDefinitionDryRun: ?dryRun=true answers what the save would (the
// document, or the same problems at the same paths) and stores, schedules
// (no Temporal call is expected) and audits nothing.
func TestDefinitionDryRun(t *testing.T) {
	e := newEnv(t)
	var checked struct {
		ID, AccountID, Status, CreatedAt string
		Version                          int
		Definition                       struct{ Name string }
	}

	resp := e.call(http.MethodPost, base+"/definitions?dryRun=true", e.admin, testdata(t, "notify.json"))
	resp.decode(t, &checked)
	if resp.status != http.StatusOK || resp.header.Get("Location") != "" || resp.header.Get("ETag") != "" ||
		checked.AccountID != acme || checked.ID != "" || checked.Version != 1 || checked.CreatedAt != "" ||
		checked.Status != "enabled" || checked.Definition.Name != "Notify the shop" {
		t.Fatalf("dry run of a create: %d %v %s", resp.status, resp.header, resp.body)
	}
	if resp := e.call(http.MethodGet, base+"/definitions", e.reader, nil); string(resp.body) != "[]" {
		t.Fatalf("a dry run stored %s", resp.body)
	}

	dry := e.call(http.MethodPost, base+"/definitions?dryRun=true", e.admin, []byte(brokenDefinition)).apiError(t)
	saved := e.call(http.MethodPost, base+"/definitions", e.admin, []byte(brokenDefinition)).apiError(t)
	if len(dry.Errors) < 2 || !slices.Equal(dry.paths(), saved.paths()) || dry.Code != saved.Code || dry.Message != saved.Message {
		t.Errorf("problems of the dry run %+v, of the save %+v; want the same, two or more", dry, saved)
	}
	for _, want := range []string{"definition.steps[0].inputs.url", "definition.steps[0].nextStepId"} {
		if !slices.Contains(dry.paths(), want) {
			t.Errorf("dry run problems %v lack %s", dry.paths(), want)
		}
	}

	defID := e.createDefinition("notify.json")
	path := base + "/definitions/" + defID
	resp = e.call(http.MethodPut, path+"?dryRun=true", e.admin, testdata(t, "notify.json"), "If-Match", `"v1"`)
	resp.decode(t, &checked)
	if resp.status != http.StatusOK || resp.header.Get("ETag") != "" || checked.ID != defID || checked.Version != 2 || checked.CreatedAt != "" {
		t.Fatalf("dry run of an update: %d %v %s", resp.status, resp.header, resp.body)
	}
	var versions []struct{ Version int }
	e.call(http.MethodGet, path, e.reader, nil).decode(t, &versions)
	if len(versions) != 1 {
		t.Errorf("after a dry run of an update: %d versions, want 1", len(versions))
	}

	cases := []struct {
		name, method, path, key string
		headers                 []string
		body                    []byte
		status                  int
		errorPath               string
	}{
		{"stale If-Match", http.MethodPut, path + "?dryRun=true", e.admin, []string{"If-Match", `"v7"`}, testdata(t, "notify.json"), 412, "header.If-Match"},
		{"unknown definition", http.MethodPut, base + "/definitions/7f0c0a3e-5d1b-4c59-9a53-0d6f1d6f2a10?dryRun=true", e.admin, nil, testdata(t, "notify.json"), 404, ""},
		{"invalid update", http.MethodPut, path + "?dryRun=true", e.admin, nil, []byte(brokenDefinition), 400, "definition.steps[0].inputs.url"},
		{"not a boolean", http.MethodPost, base + "/definitions?dryRun=yes", e.admin, nil, testdata(t, "notify.json"), 400, "dryRun"},
		{"a read key", http.MethodPost, base + "/definitions?dryRun=true", e.reader, nil, testdata(t, "notify.json"), 403, ""},
	}
	for _, tt := range cases {
		t.Run(tt.name, func(t *testing.T) {
			resp := e.call(tt.method, tt.path, tt.key, tt.body, tt.headers...)
			body := resp.apiError(t)
			if resp.status != tt.status || (tt.errorPath != "" && !slices.Contains(body.paths(), tt.errorPath)) {
				t.Errorf("%d %s; want %d naming %q", resp.status, resp.body, tt.status, tt.errorPath)
			}
		})
	}

	if got := actions(e.audit("").Events); !slices.Equal(got, []string{"definition.create"}) {
		t.Errorf("the audit log holds %v; want only the one save", got)
	}
}
