package gateway_test

import (
	"net/http"
	"slices"
	"strings"
	"testing"
)

// TestValidation: every 400 (and 413) names what is wrong by its path, in
// 8x8's error body, before anything is stored or started: the mocked
// Temporal client fails the test on any call.
func TestValidation(t *testing.T) {
	e := newEnv(t)
	const defID = "3f0c8a52-55c1-4d3e-9d0e-4c2a7b1d9e10"
	def := base + "/definitions/" + defID
	for _, tc := range []struct {
		name         string
		method, path string
		body         string
		headers      []string
		status, code int
		paths        []string
		message      string // a part of the message
	}{
		{name: "body not JSON", method: "POST", path: base + "/keys", body: `{"name":`,
			status: 400, code: 1000, paths: []string{"body"}, message: "not valid JSON"},
		{name: "unknown field", method: "POST", path: base + "/keys", body: `{"name":"ci","scope":["read"]}`,
			status: 400, code: 1000, paths: []string{"scope"}, message: "Unknown field scope"},
		{name: "wrong type", method: "POST", path: base + "/keys", body: `{"name":7}`,
			status: 400, code: 1000, paths: []string{"name"}, message: "name must be string"},
		{name: "unknown scope", method: "POST", path: base + "/keys", body: `{"name":"ci","scopes":["read","root"]}`,
			status: 400, code: 1000, paths: []string{"scopes[1]"}},
		{name: "sub-account id", method: "POST", path: base + "/subaccounts", body: `{"id":"no spaces","name":"x"}`,
			status: 400, code: 1000, paths: []string{"id"}},
		{name: "definition not JSON", method: "POST", path: base + "/definitions", body: `{"trigger":`,
			status: 400, code: 1000, paths: []string{"body"}, message: "line 1"},
		{name: "definition without a name", method: "POST", path: base + "/definitions",
			body:   `{"trigger":"http_request","definition":{"steps":[{"id":"a","stepType":"Wait","inputs":{"duration":"00:00:01"}}]}}`,
			status: 400, code: 5001, paths: []string{"definition.name"}, message: "Workflow name is required."},
		{name: "definition step problems", method: "POST", path: base + "/definitions",
			body:   `{"trigger":"http_request","definition":{"name":"x","steps":[{"id":"a","stepType":"HttpRequest","inputs":{"method":"POST"}},{"id":"b","stepType":"Nope"}]}}`,
			status: 400, code: 5001, paths: []string{"definition.steps[0].inputs.url", "definition.steps[1]", "definition.steps[1].stepType"}},
		{name: "definition naming a connection it lacks", method: "POST", path: base + "/definitions",
			body:   `{"trigger":"http_request","definition":{"name":"x","steps":[{"id":"a","stepType":"slack.post_message","connection":"nope","inputs":{"channel":"#a","text":"hi"}}]}}`,
			status: 400, code: 5001, paths: []string{"definition.steps[0].connection"}},
		{name: "definition id", method: "GET", path: base + "/definitions/42",
			status: 400, code: 1000, paths: []string{"definitionId"}},
		{name: "If-Match", method: "PUT", path: def, body: string(testdata(t, "notify.json")), headers: []string{"If-Match", "3"},
			status: 400, code: 1000, paths: []string{"header.If-Match"}},
		{name: "limit", method: "GET", path: base + "/definitions?limit=501",
			status: 400, code: 1010, paths: []string{"limit"}},
		{name: "offset", method: "GET", path: base + "/definitions?offset=-1",
			status: 400, code: 1010, paths: []string{"offset"}},
		{name: "version", method: "GET", path: def + "?version=0",
			status: 400, code: 1010, paths: []string{"version"}},
		{name: "run status filter", method: "GET", path: def + "/workflows?status=Running",
			status: 400, code: 1000, paths: []string{"status"}},
		{name: "run start bound", method: "GET", path: def + "/workflows?startTimeFrom=yesterday",
			status: 400, code: 1000, paths: []string{"startTimeFrom"}},
		{name: "run id", method: "GET", path: def + "/workflows/a%20b",
			status: 400, code: 1000, paths: []string{"workflowId"}},
		{name: "run command", method: "PATCH", path: def + "/workflows/order-1", body: `{"status":"pause"}`,
			status: 400, code: 1000, paths: []string{"status"}},
		{name: "run command field", method: "PATCH", path: def + "/workflows/order-1", body: `{"state":"suspend"}`,
			status: 400, code: 1000, paths: []string{"state"}},
		{name: "trigger body not an object", method: "POST", path: base + "/triggers/http_request", body: `[1]`,
			status: 400, code: 1000, paths: []string{"body"}},
		{name: "trigger body two values", method: "POST", path: base + "/triggers/http_request", body: `{} {}`,
			status: 400, code: 1000, paths: []string{"body"}},
		{name: "Idempotency-Key", method: "POST", path: base + "/triggers/http_request", body: `{}`, headers: []string{"Idempotency-Key", "a/b"},
			status: 400, code: 1000, paths: []string{"header.Idempotency-Key"}},
		{name: "SMS envelope without payload", method: "POST", path: base + "/triggers/inbound_sms", body: `{"eventType":"inbound_message_received"}`,
			status: 400, code: 1000, paths: []string{"payload"}},
		{name: "SMS umid", method: "POST", path: base + "/triggers/inbound_sms", body: `{"payload":{"umid":"a b","source":"+1"}}`,
			status: 400, code: 1000, paths: []string{"payload.umid"}},
		{name: "environment variables", method: "PUT", path: base + "/apps/http/versions/1.0.0/env", body: `{"variables":{"lower":{"value":"x"},"EMPTY":{}}}`,
			status: 400, code: 1000, paths: []string{"variables.EMPTY", "variables.lower"}},
		{name: "app version", method: "GET", path: base + "/apps/Shopify/versions/latest/definitions",
			status: 400, code: 1000, paths: []string{"app", "version"}},
		{name: "body too large", method: "POST", path: base + "/triggers/http_request", body: `{"x":"` + strings.Repeat("a", 1<<20) + `"}`,
			status: 413, code: 1010, paths: []string{"body"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			resp := e.call(tc.method, tc.path, e.admin, body, tc.headers...)
			if resp.status != tc.status {
				t.Fatalf("status %d, want %d: %s", resp.status, tc.status, resp.body)
			}
			got := resp.apiError(t)
			if got.Code != tc.code {
				t.Errorf("code %d, want %d", got.Code, tc.code)
			}
			if !slices.Equal(got.paths(), tc.paths) {
				t.Errorf("paths %q, want %q: %s", got.paths(), tc.paths, resp.body)
			}
			if !strings.Contains(got.Message, tc.message) {
				t.Errorf("message %q, want it to say %q", got.Message, tc.message)
			}
		})
	}
	if ids := e.loggedErrorIDs(); len(ids) > 0 {
		t.Errorf("client errors were logged as failures: %v", ids)
	}
}

// TestNoRoute: unknown paths and methods answer in the same error body.
func TestNoRoute(t *testing.T) {
	e := newEnv(t)
	for _, tc := range []struct {
		method, path string
		status       int
	}{{"GET", "/api/v1/nothing", 404}, {"DELETE", "/healthz", 405}} {
		resp := e.gatewayCall(tc.method, tc.path)
		var body apiError
		resp.decode(t, &body)
		if resp.status != tc.status || body.ErrorID == "" || !strings.Contains(body.Message, tc.path) {
			t.Errorf("%s %s: %d %s", tc.method, tc.path, resp.status, resp.body)
		}
	}
}

// gatewayCall sends a request past the OpenAPI check: for answers to what
// the document does not describe.
func (e *env) gatewayCall(method, path string) response {
	e.t.Helper()
	req, err := http.NewRequest(method, "http://gateway.test"+path, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	resp, err := handlerTransport{e.gateway.Handler()}.RoundTrip(req)
	if err != nil {
		e.t.Fatal(err)
	}
	return readResponse(e.t, resp)
}
