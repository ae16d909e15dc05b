package apiclient

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	testKey     = "jk_test_secret"
	testAccount = "acme"
	defID       = "3f0c4bd2-8f5e-4b8e-9c1a-0d6f4f3d2a10"
)

// seen is one request as the fake API received it.
type seen struct {
	Method, Path, Query, Body string
	Header                    http.Header
}

// answer is the fake's canned response.
type answer struct {
	status int
	header map[string]string
	body   string
}

// fakeAPI serves one canned answer and records every request.
func fakeAPI(t *testing.T, a answer) (*httptest.Server, *[]seen) {
	t.Helper()
	var log []seen
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		log = append(log, seen{Method: r.Method, Path: r.URL.EscapedPath(), Query: r.URL.RawQuery, Body: string(b), Header: r.Header.Clone()})
		for k, v := range a.header {
			w.Header().Set(k, v)
		}
		if a.body != "" {
			w.Header().Set("Content-Type", "application/json")
		}
		w.WriteHeader(a.status)
		_, _ = io.WriteString(w, a.body)
	}))
	t.Cleanup(srv.Close)
	return srv, &log
}

const definitionJSON = `{"accountId":"acme","trigger":"http_request","status":"enabled",
 "definition":{"id":"` + defID + `","name":"Forward orders","version":2,
   "steps":[{"id":"post","stepType":"HttpRequest","inputs":{"url":"http://x","method":"POST"}}]},
 "futureField":{"kept":true},
 "id":"` + defID + `","version":2,"createdAt":"2026-11-24T07:41:06.22Z"}`

var wantDefinition = Definition{
	ID: defID, Version: 2, AccountID: "acme", Trigger: "http_request", Status: "enabled",
	Definition: Workflow{ID: defID, Name: "Forward orders", Version: 2, Steps: []json.RawMessage{
		json.RawMessage(`{"id":"post","stepType":"HttpRequest","inputs":{"url":"http://x","method":"POST"}}`),
	}},
	CreatedAt: "2026-11-24T07:41:06.22Z",
}

const runJSON = `{"workflowId":"order-1001","data":{"accountId":"acme","triggeredAt":"2026-11-24T07:41:06.22Z","order":{"id":"1001"}},
 "definitionId":"` + defID + `","version":2,"status":"Terminated","startedAt":"2026-11-24T07:41:06.22Z","completedAt":"2026-11-24T07:41:09.00Z",
 "logs":[{"id":"l1","stepName":"post","stepType":"HttpRequest","startedAt":"2026-11-24T07:41:06.30Z","completedAt":"2026-11-24T07:41:09.00Z",
   "status":"Failed","inputs":{"url":"http://x"},"output":null,"error":"503 from http://x"}],
 "temporalWorkflowId":"acme/` + defID + `/order-1001","runId":"r-1","temporalStatus":"FAILED"}`

var wantRun = RunInstance{
	WorkflowID: "order-1001",
	Data: map[string]any{"accountId": "acme", "triggeredAt": "2026-11-24T07:41:06.22Z",
		"order": map[string]any{"id": "1001"}},
	DefinitionID: defID, Version: 2, Status: RunTerminated,
	StartedAt: "2026-11-24T07:41:06.22Z", CompletedAt: "2026-11-24T07:41:09.00Z",
	Logs: []StepLog{{ID: "l1", StepName: "post", StepType: "HttpRequest", Status: "Failed",
		StartedAt: "2026-11-24T07:41:06.30Z", CompletedAt: "2026-11-24T07:41:09.00Z",
		Inputs: json.RawMessage(`{"url":"http://x"}`), Output: json.RawMessage(`null`), Error: "503 from http://x"}},
	TemporalWorkflowID: "acme/" + defID + "/order-1001", RunID: "r-1", TemporalStatus: "FAILED",
}

func TestClientRequestsAndAnswers(t *testing.T) {
	doc := json.RawMessage(`{"trigger":"http_request","definition":{"name":"n","steps":[]}}`)
	from := time.Date(2026, 11, 24, 8, 0, 0, 0, time.FixedZone("CET", 3600))
	tests := []struct {
		name   string
		call   func(ctx context.Context, c *Client) (any, error)
		answer answer
		// want is the request the server must see.
		method, path, query, body string
		header                    map[string]string
		// result is what the call must return.
		result any
	}{
		{
			name:   "create definition",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.CreateDefinition(ctx, doc) },
			answer: answer{status: 201, header: map[string]string{"ETag": `"2"`}, body: definitionJSON},
			method: "POST", path: "/api/v1/accounts/acme/definitions", body: string(doc),
			header: map[string]string{"Content-Type": "application/json"},
			result: withETag(wantDefinition, `"2"`),
		},
		{
			name: "update definition with If-Match",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateDefinition(ctx, defID, doc, `"1"`)
			},
			answer: answer{status: 200, body: definitionJSON},
			method: "PUT", path: "/api/v1/accounts/acme/definitions/" + defID, body: string(doc),
			header: map[string]string{"If-Match": `"1"`},
			result: wantDefinition,
		},
		{
			name: "update definition without If-Match",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.UpdateDefinition(ctx, defID, doc, "")
			},
			answer: answer{status: 200, body: definitionJSON},
			method: "PUT", path: "/api/v1/accounts/acme/definitions/" + defID, body: string(doc),
			header: map[string]string{"If-Match": ""},
			result: wantDefinition,
		},
		{
			name: "list definitions pages",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListDefinitions(ctx, ListOptions{Limit: 10, Offset: 20})
			},
			answer: answer{status: 200, body: "[" + definitionJSON + "]"},
			method: "GET", path: "/api/v1/accounts/acme/definitions", query: "limit=10&offset=20",
			result: []Definition{wantDefinition},
		},
		{
			name:   "list definitions, server defaults",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.ListDefinitions(ctx, ListOptions{}) },
			answer: answer{status: 200, body: "[]"},
			method: "GET", path: "/api/v1/accounts/acme/definitions",
			result: []Definition{},
		},
		{
			name: "definition versions",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.DefinitionVersions(ctx, defID, ListOptions{Limit: 5})
			},
			answer: answer{status: 200, body: "[" + definitionJSON + "]"},
			method: "GET", path: "/api/v1/accounts/acme/definitions/" + defID, query: "limit=5",
			result: []Definition{wantDefinition},
		},
		{
			name:   "get one version",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetDefinition(ctx, defID, 2) },
			answer: answer{status: 200, header: map[string]string{"ETag": `"v2"`}, body: "[" + definitionJSON + "]"},
			method: "GET", path: "/api/v1/accounts/acme/definitions/" + defID, query: "version=2",
			result: withETag(wantDefinition, `"v2"`),
		},
		{
			name:   "get latest version",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetDefinition(ctx, defID, 0) },
			answer: answer{status: 200, body: "[" + definitionJSON + "]"},
			method: "GET", path: "/api/v1/accounts/acme/definitions/" + defID, query: "limit=1",
			result: wantDefinition,
		},
		{
			name:   "delete one version",
			call:   func(ctx context.Context, c *Client) (any, error) { return nil, c.DeleteDefinition(ctx, defID, 3) },
			answer: answer{status: 202},
			method: "DELETE", path: "/api/v1/accounts/acme/definitions/" + defID, query: "version=3",
		},
		{
			name: "start a run",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.StartRun(ctx, defID, 2, json.RawMessage(`{"order":{"id":"1"}}`))
			},
			answer: answer{status: 201, header: map[string]string{"Location": "/x"},
				body: `{"definitionId":"` + defID + `","version":2,"workflowId":"e1","temporalWorkflowId":"acme/` + defID + `/e1","runId":"r"}`},
			method: "POST", path: "/api/v1/accounts/acme/definitions/" + defID + "/workflows", query: "version=2",
			body:   `{"order":{"id":"1"}}`,
			result: Run{DefinitionID: defID, Version: 2, WorkflowID: "e1", TemporalWorkflowID: "acme/" + defID + "/e1", RunID: "r"},
		},
		{
			name: "list runs with every filter",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ListRuns(ctx, defID, RunListOptions{Limit: 50, Offset: 5, Version: 2, Status: RunTerminated,
					StartTimeFrom: from, StartTimeTo: from.Add(time.Hour)})
			},
			answer: answer{status: 200, body: "[" + runJSON + "]"},
			method: "GET", path: "/api/v1/accounts/acme/definitions/" + defID + "/workflows",
			query:  "limit=50&offset=5&startTimeFrom=2026-11-24T07%3A00%3A00Z&startTimeTo=2026-11-24T08%3A00%3A00Z&status=Terminated&version=2",
			result: []RunInstance{wantRun},
		},
		{
			name:   "get a run with its log",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.GetRun(ctx, defID, "order-1001", true) },
			answer: answer{status: 200, body: runJSON},
			method: "GET", path: "/api/v1/accounts/acme/definitions/" + defID + "/workflows/order-1001", query: "includeLogs=true",
			result: wantRun,
		},
		{
			name: "suspend a run",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.ControlRun(ctx, defID, "order-1001", ActionSuspend)
			},
			answer: answer{status: 200},
			method: "PATCH", path: "/api/v1/accounts/acme/definitions/" + defID + "/workflows/order-1001",
			body: `{"status":"suspend"}`,
		},
		{
			name:   "run errors",
			call:   func(ctx context.Context, c *Client) (any, error) { return c.RunErrors(ctx, defID, "order-1001") },
			answer: answer{status: 200, body: `[{"workflowId":"order-1001","step":"post","message":"boom","errorTime":"2026-11-24T07:41:09.00Z"}]`},
			method: "GET", path: "/api/v1/accounts/acme/definitions/" + defID + "/workflows/order-1001/errors",
			result: []RunError{{WorkflowID: "order-1001", Step: "post", Message: "boom", ErrorTime: "2026-11-24T07:41:09.00Z"}},
		},
		{
			name: "trigger with sub-account and idempotency key",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Trigger(ctx, TriggerHTTPRequest, json.RawMessage(`{"a":1}`),
					TriggerOptions{SubAccountID: "eu west", IdempotencyKey: "order-1001"})
			},
			answer: answer{status: 200, body: `{"eventId":"order-1001",
			  "runs":[{"definitionId":"d1","version":1,"workflowId":"order-1001","temporalWorkflowId":"acme/d1/order-1001","runId":"r1"}],
			  "resumed":[{"definitionId":"d2","version":3,"workflowId":"e0","temporalWorkflowId":"acme/d2/e0","runId":"r2"}],
			  "skipped":[{"definitionId":"d3","version":1,"reason":"conditions[0] is false"}]}`},
			method: "POST", path: "/api/v1/accounts/acme/triggers/http_request", query: "subAccountId=eu+west",
			body:   `{"a":1}`,
			header: map[string]string{"Idempotency-Key": "order-1001"},
			result: TriggerResult{EventID: "order-1001",
				Runs:    []Run{{DefinitionID: "d1", Version: 1, WorkflowID: "order-1001", TemporalWorkflowID: "acme/d1/order-1001", RunID: "r1"}},
				Resumed: []Run{{DefinitionID: "d2", Version: 3, WorkflowID: "e0", TemporalWorkflowID: "acme/d2/e0", RunID: "r2"}},
				Skipped: []SkippedDefinition{{DefinitionID: "d3", Version: 1, Reason: "conditions[0] is false"}}},
		},
		{
			name: "trigger without a payload sends no body",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Trigger(ctx, TriggerHTTPRequest, nil, TriggerOptions{})
			},
			answer: answer{status: 200, body: `{"eventId":"e","runs":[]}`},
			method: "POST", path: "/api/v1/accounts/acme/triggers/http_request",
			header: map[string]string{"Idempotency-Key": "", "Content-Type": ""},
			result: TriggerResult{EventID: "e", Runs: []Run{}},
		},
		{
			name: "push an app to the account",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PushApp(ctx, json.RawMessage(appJSON), AppOptions{})
			},
			answer: answer{status: 201, header: map[string]string{"Location": "/api/v1/accounts/acme/apps/crm/versions/1.0.0"}, body: storedAppJSON},
			method: "POST", path: "/api/v1/accounts/acme/apps", body: appJSON,
			result: withCreated(wantApp, true),
		},
		{
			name: "push an app to the platform",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PushApp(ctx, json.RawMessage(appJSON), AppOptions{Platform: true})
			},
			answer: answer{status: 200, body: storedAppJSON},
			method: "POST", path: "/api/v1/platform/apps", body: appJSON,
			result: wantApp,
		},
		{
			name: "put a platform app version",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.PutAppVersion(ctx, "crm", "1.0.0", json.RawMessage(appJSON), AppOptions{Platform: true})
			},
			answer: answer{status: 201, header: map[string]string{"Location": "/api/v1/platform/apps/crm/versions/1.0.0"}, body: storedAppJSON},
			method: "PUT", path: "/api/v1/platform/apps/crm/versions/1.0.0", body: appJSON,
			result: withCreated(wantApp, true),
		},
		{
			name: "run an action",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.RunAction(ctx, "crm.create_contact", ActionRequest{Connection: "c1", Inputs: json.RawMessage(`{"email":"a@example.com"}`),
					Version: "1.0.0", Wait: time.Minute, IdempotencyKey: "try-1"})
			},
			answer: answer{status: 200, body: actionRunJSON},
			method: "POST", path: "/api/v1/accounts/acme/actions/crm.create_contact",
			body:   `{"connection":"c1","inputs":{"email":"a@example.com"},"version":"1.0.0","wait":"1m0s"}`,
			header: map[string]string{"Idempotency-Key": "try-1"},
			result: wantActionRun,
		},
		{
			name: "read an action's run, waiting",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ActionRun(ctx, "crm.create_contact", "try-1", 30*time.Second)
			},
			answer: answer{status: 200, body: actionRunJSON},
			method: "GET", path: "/api/v1/accounts/acme/actions/crm.create_contact/runs/try-1", query: "wait=30s",
			result: wantActionRun,
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, log := fakeAPI(t, tt.answer)
			c := New(srv.URL+"/", testKey, testAccount, WithUserAgent("junction-test/1"))
			got, err := tt.call(context.Background(), c)
			if err != nil {
				t.Fatalf("call: %v", err)
			}
			if len(*log) != 1 {
				t.Fatalf("server saw %d requests, want 1", len(*log))
			}
			r := (*log)[0]
			if r.Method != tt.method || r.Path != tt.path || r.Query != tt.query {
				t.Errorf("request %s %s?%s, want %s %s?%s", r.Method, r.Path, r.Query, tt.method, tt.path, tt.query)
			}
			if r.Body != tt.body {
				t.Errorf("body %q, want %q", r.Body, tt.body)
			}
			if h := r.Header.Get("Authorization"); h != "Bearer "+testKey {
				t.Errorf("Authorization %q", h)
			}
			if h := r.Header.Get("User-Agent"); h != "junction-test/1" {
				t.Errorf("User-Agent %q", h)
			}
			for k, v := range tt.header {
				if h := r.Header.Get(k); h != v {
					t.Errorf("header %s = %q, want %q", k, h, v)
				}
			}
			if tt.result == nil {
				return
			}
			if !reflect.DeepEqual(clearRaw(got), tt.result) {
				t.Errorf("result\n got %#v\nwant %#v", clearRaw(got), tt.result)
			}
		})
	}
}

const (
	appJSON       = `{"key":"crm","version":"1.0.0"}`
	storedAppJSON = `{"key":"crm","version":"1.0.0","name":"CRM","status":"deprecated","owner":"platform",
	  "deprecation":{"date":"2027-06-30","replacement":"2.0.0"},"createdAt":"2026-11-24T07:41:06.22Z","app":{"key":"crm"}}`
	actionRunJSON = `{"action":"crm.create_contact","workflowId":"try-1","temporalWorkflowId":"acme/action.crm.create_contact/try-1",
	  "runId":"r1","status":"completed","temporalStatus":"COMPLETED","output":{"id":"ct_1"}}`
)

var (
	wantApp = App{Key: "crm", Version: "1.0.0", Name: "CRM", Status: "deprecated", Owner: "platform",
		Deprecation: &AppDeprecation{Date: "2027-06-30", Replacement: "2.0.0"}, CreatedAt: "2026-11-24T07:41:06.22Z"}
	wantActionRun = ActionRun{Action: "crm.create_contact", WorkflowID: "try-1", TemporalWorkflowID: "acme/action.crm.create_contact/try-1",
		RunID: "r1", Status: ActionCompleted, TemporalStatus: "COMPLETED", Output: json.RawMessage(`{"id":"ct_1"}`)}
)

func withCreated(a App, created bool) App {
	a.Created = created
	return a
}

func withETag(d Definition, etag string) Definition {
	d.ETag = etag
	return d
}

// clearRaw drops Definition.Raw, which TestClientDefinitionRawKeepsUnknownFields checks.
func clearRaw(v any) any {
	switch d := v.(type) {
	case Definition:
		d.Raw = nil
		return d
	case []Definition:
		out := make([]Definition, len(d))
		for i := range d {
			out[i] = d[i]
			out[i].Raw = nil
		}
		return out
	}
	return v
}

func TestClientDefinitionRawKeepsUnknownFields(t *testing.T) {
	srv, _ := fakeAPI(t, answer{status: 200, body: "[" + definitionJSON + "]"})
	defs, err := New(srv.URL, testKey, testAccount).ListDefinitions(context.Background(), ListOptions{})
	if err != nil {
		t.Fatal(err)
	}
	var raw map[string]any
	if err := json.Unmarshal(defs[0].Raw, &raw); err != nil {
		t.Fatal(err)
	}
	if _, ok := raw["futureField"]; !ok {
		t.Errorf("Raw lost a field the client does not know: %s", defs[0].Raw)
	}
}

func TestClientEscapesPathSegments(t *testing.T) {
	srv, log := fakeAPI(t, answer{status: 200, body: runJSON})
	c := New(srv.URL, testKey, "acme/other")
	if _, err := c.GetRun(context.Background(), "../definitions", "a/b c?d", false); err != nil {
		t.Fatal(err)
	}
	want := "/api/v1/accounts/acme%2Fother/definitions/..%2Fdefinitions/workflows/a%2Fb%20c%3Fd"
	if got := (*log)[0].Path; got != want {
		t.Errorf("path %s, want %s", got, want)
	}
	if q := (*log)[0].Query; q != "" {
		t.Errorf("query %q leaked from a path segment", q)
	}
}

func TestClientBaseURLWithPathPrefix(t *testing.T) {
	srv, log := fakeAPI(t, answer{status: 200, body: "[]"})
	if _, err := New(srv.URL+"/junction/", "", testAccount).ListDefinitions(context.Background(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	r := (*log)[0]
	if r.Path != "/junction/api/v1/accounts/acme/definitions" {
		t.Errorf("path %s", r.Path)
	}
	if h, ok := r.Header["Authorization"]; ok {
		t.Errorf("an empty key sent Authorization %q", h)
	}
	if h := r.Header.Get("User-Agent"); h != DefaultUserAgent {
		t.Errorf("User-Agent %q", h)
	}
}

func TestClientErrors(t *testing.T) {
	tests := []struct {
		name     string
		answer   answer
		want     APIError
		text     string
		sentinel error
	}{
		{
			name: "validation problems listed",
			answer: answer{status: 400, body: `{"code":5001,"message":"Workflow name is required.","errorId":"e-1",
			  "timestamp":"2026-11-24T07:41:06.22Z","errors":[{"path":"definition.name","code":"required","message":"is required"},
			  {"path":"definition.steps[0].stepType","code":"unknown_step_type","message":"unknown step type \"Foo\""}]}`},
			want: APIError{StatusCode: 400, Code: 5001, Message: "Workflow name is required.", ErrorID: "e-1",
				Timestamp: "2026-11-24T07:41:06.22Z", Errors: []FieldError{
					{Path: "definition.name", Code: "required", Message: "is required"},
					{Path: "definition.steps[0].stepType", Code: "unknown_step_type", Message: `unknown step type "Foo"`}}},
			text: "Workflow name is required. (code 5001, errorId e-1)",
		},
		{
			name:     "not found",
			answer:   answer{status: 404, body: `{"code":1300,"message":"Definition x not found.","errorId":"e-2","timestamp":"t"}`},
			want:     APIError{StatusCode: 404, Code: 1300, Message: "Definition x not found.", ErrorID: "e-2", Timestamp: "t"},
			text:     "Definition x not found. (code 1300, errorId e-2)",
			sentinel: ErrNotFound,
		},
		{
			name: "rate limited with Retry-After seconds",
			answer: answer{status: 429, header: map[string]string{"Retry-After": "7"},
				body: `{"code":1020,"message":"Too many requests.","errorId":"e-3","timestamp":"t"}`},
			want: APIError{StatusCode: 429, Code: 1020, Message: "Too many requests.", ErrorID: "e-3", Timestamp: "t",
				RetryAfter: 7 * time.Second},
			text:     "Too many requests. (code 1020, errorId e-3)",
			sentinel: ErrRateLimited,
		},
		{
			name:     "unauthorized",
			answer:   answer{status: 401, body: `{"code":1100,"message":"Invalid API key.","errorId":"e-4","timestamp":"t"}`},
			want:     APIError{StatusCode: 401, Code: 1100, Message: "Invalid API key.", ErrorID: "e-4", Timestamp: "t"},
			text:     "Invalid API key. (code 1100, errorId e-4)",
			sentinel: ErrUnauthorized,
		},
		{
			name:     "lost update",
			answer:   answer{status: 412, body: `{"code":1400,"message":"Definition changed.","errorId":"e-5","timestamp":"t"}`},
			want:     APIError{StatusCode: 412, Code: 1400, Message: "Definition changed.", ErrorID: "e-5", Timestamp: "t"},
			text:     "Definition changed. (code 1400, errorId e-5)",
			sentinel: ErrPreconditionFailed,
		},
		{
			name:   "a proxy's page instead of the API's body",
			answer: answer{status: 502, body: "<html>Bad gateway\n<body>...</body></html>"},
			want:   APIError{StatusCode: 502, Message: "<html>Bad gateway"},
			text:   "<html>Bad gateway (HTTP 502)",
		},
		{
			name:   "no body at all",
			answer: answer{status: 503, header: map[string]string{"Retry-After": "2"}},
			want:   APIError{StatusCode: 503, Message: "Service Unavailable", RetryAfter: 2 * time.Second},
			text:   "Service Unavailable (HTTP 503)",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, _ := fakeAPI(t, tt.answer)
			_, err := New(srv.URL, testKey, testAccount).ListDefinitions(context.Background(), ListOptions{})
			var apiErr *APIError
			if !errors.As(err, &apiErr) {
				t.Fatalf("error %v (%T), want *APIError", err, err)
			}
			if !reflect.DeepEqual(*apiErr, tt.want) {
				t.Errorf("error\n got %+v\nwant %+v", *apiErr, tt.want)
			}
			if err.Error() != tt.text {
				t.Errorf("text %q, want %q", err.Error(), tt.text)
			}
			for _, s := range []error{ErrNotFound, ErrUnauthorized, ErrPreconditionFailed, ErrRateLimited} {
				if got := errors.Is(err, s); got != (s == tt.sentinel) {
					t.Errorf("errors.Is(err, %v) = %v", s, got)
				}
			}
		})
	}
}

func TestClientGetDefinitionMissingIsNotFound(t *testing.T) {
	srv, _ := fakeAPI(t, answer{status: 200, body: "[]"})
	_, err := New(srv.URL, testKey, testAccount).GetDefinition(context.Background(), defID, 4)
	if !errors.Is(err, ErrNotFound) {
		t.Fatalf("error %v, want ErrNotFound", err)
	}
	if want := "definition " + defID + " version 4: apiclient: not found"; err.Error() != want {
		t.Errorf("text %q, want %q", err.Error(), want)
	}
}

func TestClientTransportAndDecodeErrors(t *testing.T) {
	srv, _ := fakeAPI(t, answer{status: 200, body: `{"not":"a list"`})
	_, err := New(srv.URL, testKey, testAccount).ListDefinitions(context.Background(), ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "decoding the answer to GET /api/v1/accounts/acme/definitions") {
		t.Errorf("bad body: %v", err)
	}

	srv.Close()
	_, err = New(srv.URL, testKey, testAccount).ListDefinitions(context.Background(), ListOptions{})
	var apiErr *APIError
	if err == nil || errors.As(err, &apiErr) {
		t.Errorf("closed server: %v", err)
	}

	_, err = New("http://127.0.0.1:1", testKey, "").ListDefinitions(context.Background(), ListOptions{})
	if err == nil || !strings.Contains(err.Error(), "no account id") {
		t.Errorf("no account: %v", err)
	}
}

func TestClientWithHTTPClient(t *testing.T) {
	var used bool
	hc := &http.Client{Transport: roundTripper(func(r *http.Request) (*http.Response, error) {
		used = true
		return &http.Response{StatusCode: 200, Body: io.NopCloser(strings.NewReader("[]")), Header: http.Header{}, Request: r}, nil
	})}
	if _, err := New("http://junction.invalid", testKey, testAccount, WithHTTPClient(hc)).ListDefinitions(context.Background(), ListOptions{}); err != nil {
		t.Fatal(err)
	}
	if !used {
		t.Error("the given HTTP client was not used")
	}
}

type roundTripper func(*http.Request) (*http.Response, error)

func (f roundTripper) RoundTrip(r *http.Request) (*http.Response, error) { return f(r) }

func TestClientStringHidesKey(t *testing.T) {
	c := New("http://x", testKey, testAccount)
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		if s := fmt.Sprintf(format, c); strings.Contains(s, testKey) {
			t.Errorf("%s printed the key: %s", format, s)
		}
	}
}
