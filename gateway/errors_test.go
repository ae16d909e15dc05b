package gateway_test

import (
	"context"
	"net/http"
	"strings"
	"testing"

	"github.com/stretchr/testify/mock"
)

// TestDependencyFailures: a failing store or Temporal is a 503 (500 for a
// bug) whose body says what could not be done and gives an errorId, and
// whose cause only the log has, under that errorId.
func TestDependencyFailures(t *testing.T) {
	t.Run("the store fails", func(t *testing.T) {
		e := newEnv(t)
		e.breakTable("definitions")
		resp := e.call(http.MethodGet, base+"/definitions", e.reader, nil)
		if resp.status != http.StatusServiceUnavailable {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		body := resp.apiError(t)
		if body.Code != 2000 || body.Message != "Could not list definitions; nothing was lost, retry the request." {
			t.Errorf("body %+v", body)
		}
		if strings.Contains(string(resp.body), "definitions_gone") || strings.Contains(string(resp.body), "no such table") {
			t.Errorf("the cause reached the client: %s", resp.body)
		}
		assertLogged(t, e, body.ErrorID, "no such table")
	})

	t.Run("the store fails checking the key", func(t *testing.T) {
		e := newEnv(t)
		e.store.Close()
		resp := e.call(http.MethodGet, base+"/definitions", e.reader, nil)
		body := resp.apiError(t)
		if resp.status != http.StatusServiceUnavailable || body.Message != "Could not check the API key; nothing was lost, retry the request." {
			t.Errorf("%d %s", resp.status, resp.body)
		}
		assertLogged(t, e, body.ErrorID, "closed")
	})

	t.Run("a handler panics", func(t *testing.T) {
		e := newEnv(t)
		defID := e.createDefinition("notify.json")
		e.temporal.On("DescribeWorkflowExecution", mock.Anything, mock.Anything, "").Run(func(mock.Arguments) { panic("bug") }).Once()
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows/order-1", e.reader, nil)
		if body := resp.apiError(t); resp.status != http.StatusInternalServerError || body.Code != 2000 || body.Message != "Internal error." {
			t.Errorf("%d %s", resp.status, resp.body)
		}
		if len(e.logs.FilterMessage("handler panicked").All()) != 1 {
			t.Errorf("the panic was not logged")
		}
	})

	t.Run("Temporal fails listing runs", func(t *testing.T) {
		e := newEnv(t)
		defID := e.createDefinition("notify.json")
		e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(nil, context.DeadlineExceeded).Once()
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows", e.reader, nil)
		body := resp.apiError(t)
		if resp.status != http.StatusServiceUnavailable || body.Message != "Could not list runs; nothing was lost, retry the request." {
			t.Errorf("%d %s", resp.status, resp.body)
		}
		assertLogged(t, e, body.ErrorID, "deadline exceeded")
	})
}

// TestNotFound: what does not exist in the account is a 404 that names it.
func TestNotFound(t *testing.T) {
	e := newEnv(t)
	const missing = "3f0c8a52-55c1-4d3e-9d0e-4c2a7b1d9e10"
	for _, tc := range []struct {
		name, method, path, body, message string
	}{
		{"update a definition", "PUT", base + "/definitions/" + missing, string(testdata(t, "notify.json")), "Definition " + missing + " not found."},
		{"delete a definition", "DELETE", base + "/definitions/" + missing, "", "Definition " + missing + " not found."},
		{"runs of a definition", "GET", base + "/definitions/" + missing + "/workflows", "", "Definition " + missing + " not found."},
		{"a run of a definition", "GET", base + "/definitions/" + missing + "/workflows/order-1", "", "Definition " + missing + " not found."},
		{"a test run", "POST", base + "/definitions/" + missing + "/workflows", "{}", "Definition " + missing + " not found."},
		{"a connection", "GET", base + "/connections/c1", "", "Connection c1 not found."},
		{"an API key", "DELETE", base + "/keys/k1", "", "API key k1 not found."},
		{"a sub-account", "GET", base + "/subaccounts/eu", "", "Sub-account eu not found."},
		{"an app's environment", "GET", base + "/apps/nope/versions/1.0.0/env", "", `No app "nope" with version "1.0.0": GET /api/v1/manifest lists them.`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var body any
			if tc.body != "" {
				body = tc.body
			}
			resp := e.call(tc.method, tc.path, e.admin, body)
			if got := resp.apiError(t); resp.status != http.StatusNotFound || got.Code != 1300 || got.Message != tc.message {
				t.Errorf("%d %s", resp.status, resp.body)
			}
		})
	}
	t.Run("the versions of an unknown definition are none, as 8x8 documents", func(t *testing.T) {
		resp := e.call(http.MethodGet, base+"/definitions/"+missing, e.reader, nil)
		if resp.status != 200 || string(resp.body) != "[]" || resp.header.Get("ETag") != "" {
			t.Errorf("%d %v %s", resp.status, resp.header, resp.body)
		}
	})
}
