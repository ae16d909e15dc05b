package gateway_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/internal/apitest"
)

func loadOpenAPI(t *testing.T) *openapi3.T {
	t.Helper()
	loader := openapi3.NewLoader()
	doc, err := loader.LoadFromData(gateway.OpenAPIDocument())
	if err != nil {
		t.Fatalf("loading gateway/openapi.json: %v", err)
	}
	return doc
}

// TestOpenAPIDocumentIsValid holds gateway/openapi.json to the OpenAPI 3
// specification, its examples included.
func TestOpenAPIDocumentIsValid(t *testing.T) {
	doc := loadOpenAPI(t)
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("gateway/openapi.json is not a valid OpenAPI 3 document: %v", err)
	}
	if doc.Info.Title != "Junction API" {
		t.Errorf("info.title = %q", doc.Info.Title)
	}
}

// TestOpenAPIDocumentMatchesRoutes fails for every route the gateway serves
// that the document lacks, and every documented operation with no route.
func TestOpenAPIDocumentMatchesRoutes(t *testing.T) {
	documented := map[string]bool{}
	for path, item := range loadOpenAPI(t).Paths.Map() {
		for method := range item.Operations() {
			documented[strings.ToUpper(method)+" "+path] = true
		}
	}
	routed := map[string]bool{}
	for _, r := range gateway.New(gateway.Config{}).Routes() {
		if r[1] == "/console" || strings.HasPrefix(r[1], "/console/") {
			continue // the console's pages are HTML for people: docs/console.md
		}
		routed[r[0]+" "+openAPIPath(r[1])] = true
	}
	var undocumented, unrouted []string
	for op := range routed {
		if !documented[op] {
			undocumented = append(undocumented, op)
		}
	}
	for op := range documented {
		if !routed[op] {
			unrouted = append(unrouted, op)
		}
	}
	slices.Sort(undocumented)
	slices.Sort(unrouted)
	if len(undocumented) > 0 {
		t.Errorf("routes missing from gateway/openapi.json:\n\t%s", strings.Join(undocumented, "\n\t"))
	}
	if len(unrouted) > 0 {
		t.Errorf("operations in gateway/openapi.json that the gateway does not route:\n\t%s", strings.Join(unrouted, "\n\t"))
	}
}

// openAPIPath turns Gin's /a/:id/*rest into OpenAPI's /a/{id}/{rest}.
func openAPIPath(ginPath string) string {
	segs := strings.Split(ginPath, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") || strings.HasPrefix(s, "*") {
			segs[i] = "{" + s[1:] + "}"
		}
	}
	return strings.Join(segs, "/")
}

func TestOpenAPIPath(t *testing.T) {
	for in, want := range map[string]string{
		"/healthz": "/healthz",
		"/api/v1/accounts/:accountId/definitions/:definitionId/workflows/:workflowId/errors": "/api/v1/accounts/{accountId}/definitions/{definitionId}/workflows/{workflowId}/errors",
		"/files/*path": "/files/{path}",
	} {
		if got := openAPIPath(in); got != want {
			t.Errorf("openAPIPath(%q) = %q, want %q", in, got, want)
		}
	}
}

// TestOpenAPIConventions keeps the document to the conventions every
// operation follows, so that a new operation cannot leave them out: 8x8's
// operations keep their ids; everything under /accounts needs a bearer key
// and documents the errors every request can meet (413 when it takes a
// body, 429 with Retry-After) in the error schema; the rest is open.
func TestOpenAPIConventions(t *testing.T) {
	doc := loadOpenAPI(t)
	const acct = "/api/v1/accounts/{accountId}"
	eightByEight := map[string]string{
		"get-all-definitions":        "GET " + acct + "/definitions",
		"create-definition":          "POST " + acct + "/definitions",
		"get-specific-definition":    "GET " + acct + "/definitions/{definitionId}",
		"update-existing-definition": "PUT " + acct + "/definitions/{definitionId}",
		"delete-definitions":         "DELETE " + acct + "/definitions/{definitionId}",
		"get-workflow-instances":     "GET " + acct + "/definitions/{definitionId}/workflows",
		"start-workflow-instance":    "POST " + acct + "/definitions/{definitionId}/workflows",
		"get-instance-status":        "GET " + acct + "/definitions/{definitionId}/workflows/{workflowId}",
		"patch-workflow-instance":    "PATCH " + acct + "/definitions/{definitionId}/workflows/{workflowId}",
		"get-instance-errors":        "GET " + acct + "/definitions/{definitionId}/workflows/{workflowId}/errors",
		"http_request_trigger":       "POST " + acct + "/triggers/http_request",
		"get-timezones":              "GET " + acct + "/steps/timezones",
		"get-functions":              "GET " + acct + "/steps/functions",
		"get-usage":                  "GET " + acct + "/usage",
		"get-usage-history":          "GET " + acct + "/usage/history",
	}
	// The account routes take a bearer key, or the console's session cookie.
	if len(doc.Security) != 2 || doc.Security[0]["bearerAuth"] == nil || doc.Security[1]["consoleSession"] == nil {
		t.Errorf("global security = %v, want bearerAuth or consoleSession", doc.Security)
	}
	seen := map[string]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := strings.ToUpper(method) + " " + path
			if op.OperationID == "" {
				t.Errorf("%s: no operationId", name)
			}
			if other, dup := seen[op.OperationID]; dup {
				t.Errorf("%s and %s share operationId %q", name, other, op.OperationID)
			}
			seen[op.OperationID] = name
			if want, is8x8 := eightByEight[op.OperationID]; is8x8 && want != name {
				t.Errorf("8x8's %s is %s, want %s", op.OperationID, name, want)
			}
			if (strings.HasPrefix(path, "/api/v1/codec/") || strings.HasPrefix(path, "/api/v1/console/")) && op.Security != nil && len(*op.Security) > 0 {
				// The codec endpoint and the console's sign-in authenticate
				// themselves (a key, or the session cookie they set).
				continue
			}
			// The platform's routes take the API's keys (an operator's to
			// change anything) and answer as the account routes do.
			if !strings.HasPrefix(path, acct+"/") && !strings.HasPrefix(path, "/api/v1/platform/") {
				if op.Security == nil || len(*op.Security) != 0 {
					t.Errorf("%s: outside /accounts, want security: [] (no authentication)", name)
				}
				continue
			}
			if op.Security != nil {
				t.Errorf("%s: overrides the global bearer security", name)
			}
			want := []string{"400", "401", "403", "404", "429", "500", "503"}
			if op.RequestBody != nil {
				want = append(want, "413")
			}
			for _, status := range want {
				resp := op.Responses.Value(status)
				if resp == nil {
					t.Errorf("%s: no %s response", name, status)
					continue
				}
				mt := resp.Value.Content.Get("application/json")
				if mt == nil || mt.Schema == nil || mt.Schema.Ref != "#/components/schemas/error" {
					t.Errorf("%s: the %s response is not the error schema", name, status)
				}
				if status == "429" && resp.Value.Headers["Retry-After"] == nil {
					t.Errorf("%s: the 429 response has no Retry-After header", name)
				}
			}
			// A page is an offset, or a cursor for a log that grows while
			// it is read (the audit log).
			hasLimit := op.Parameters.GetByInAndName("query", "limit") != nil
			hasStart := op.Parameters.GetByInAndName("query", "offset") != nil || op.Parameters.GetByInAndName("query", "cursor") != nil
			if hasLimit != hasStart {
				t.Errorf("%s: limit comes with offset or cursor", name)
			}
		}
	}
	for id, want := range eightByEight {
		if _, ok := seen[id]; !ok {
			t.Errorf("8x8's operation %s (%s) is missing", id, want)
		}
	}
}

// TestOpenAPIDocumentServed checks the unauthenticated routes against the
// document itself: the document is served as it is embedded.
func TestOpenAPIDocumentServed(t *testing.T) {
	v := apitest.New(t)
	srv := httptest.NewServer(gateway.New(gateway.Config{}).Handler())
	defer srv.Close()
	client := &http.Client{Transport: v.Transport(t, nil)}

	resp, err := client.Get(srv.URL + "/api/v1/openapi.json")
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || !json.Valid(body) || string(body) != string(gateway.OpenAPIDocument()) {
		t.Errorf("GET /api/v1/openapi.json = %d, %d bytes; want 200 and the embedded document", resp.StatusCode, len(body))
	}

	resp, err = client.Get(srv.URL + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()

	if got, want := v.Seen(), []string{"GET /api/v1/openapi.json", "GET /healthz"}; !slices.Equal(got, want) {
		t.Errorf("checked %q, want %q", got, want)
	}
}
