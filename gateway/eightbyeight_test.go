package gateway_test

import (
	"bytes"
	"context"
	"io"
	"net/http"
	"os"
	"slices"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/junction-run/junction/internal/historytest"
	"github.com/junction-run/junction/runs"
)

// eightByEightDocument is 8x8's own OpenAPI document of the Automation API,
// which Junction's answers must satisfy as well as Junction's document.
const eightByEightDocument = "../../shared/reference/8x8-automation-api.openapi.json"

// eightByEight checks answers against 8x8's document.
type eightByEight struct {
	router routers.Router
}

func loadEightByEight(t *testing.T) *eightByEight {
	t.Helper()
	raw, err := os.ReadFile(eightByEightDocument)
	if os.IsNotExist(err) {
		t.Skipf("8x8's document is not at %s", eightByEightDocument)
	}
	if err != nil {
		t.Fatal(err)
	}
	doc, err := openapi3.NewLoader().LoadFromData(raw)
	if err != nil {
		t.Fatalf("loading 8x8's document: %v", err)
	}
	doc.Servers = nil // match any host
	applyErrata(t, doc)
	router, err := gorillamux.NewRouter(doc)
	if err != nil {
		t.Fatal(err)
	}
	return &eightByEight{router: router}
}

// applyErrata corrects what in 8x8's document no answer can satisfy, each
// correction with its reason. It fails when one finds nothing to correct:
// then 8x8 has fixed its document and the correction goes.
func applyErrata(t *testing.T, doc *openapi3.T) {
	t.Helper()
	schemas := doc.Components.Schemas
	// completedAt is required and a (non-nullable) string, yet described as
	// "Otherwise, null" and defaulted to null: an open run cannot satisfy
	// it. Junction leaves it out while a run, or a step, is open.
	for _, name := range []string{"workflowInstance", "workflowInstanceWithLogs", "workflowLog"} {
		s := schemas[name].Value
		before := len(s.Required)
		s.Required = slices.DeleteFunc(s.Required, func(r string) bool { return r == "completedAt" })
		if len(s.Required) == before {
			t.Errorf("erratum: %s.completedAt is no longer required", name)
		}
	}
	// A run is oneOf workflowInstance and workflowInstanceWithLogs, but the
	// second is the first with an optional logs and neither forbids other
	// properties: every run matches both, and oneOf never holds.
	get := doc.Paths.Find("/api/v1/accounts/{accountId}/definitions/{definitionId}/workflows/{workflowId}").Get
	run := get.Responses.Status(200).Value.Content.Get("application/json").Schema.Value
	if len(run.OneOf) != 2 {
		t.Errorf("erratum: a run is no longer oneOf two schemas")
	}
	run.AnyOf, run.OneOf = run.OneOf, nil
	// A function's parameters type default and example as objects, but 8x8's
	// own example has a string (and a null default): they are any value.
	params := schemas["function"].Value.Properties["parameters"].Value.Items.Value
	for _, name := range []string{"default", "example"} {
		p := params.Properties[name].Value
		if !p.Type.Is(openapi3.TypeObject) {
			t.Errorf("erratum: a parameter's %s is no longer an object", name)
		}
		p.Type = nil
	}
	// GET usage's schema is an array, but its example, and the clients, are
	// one object: Junction answers the object.
	usage := doc.Paths.Find("/api/v1/accounts/{accountId}/usage").Get.Responses.Status(200).Value.Content.Get("application/json")
	if !usage.Schema.Value.Type.Is(openapi3.TypeArray) {
		t.Errorf("erratum: usage is no longer an array")
	}
	usage.Schema = usage.Schema.Value.Items
}

// check validates one answer: its status is one 8x8 documents for the
// operation and its body matches 8x8's schema.
func (v *eightByEight) check(t *testing.T, method, path string, resp response) {
	t.Helper()
	req, err := http.NewRequest(method, "http://automation.test"+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	route, params, err := v.router.FindRoute(req)
	if err != nil {
		t.Errorf("%s %s: not an operation of 8x8's document: %v", method, path, err)
		return
	}
	opts := &openapi3filter.Options{IncludeResponseStatus: true, MultiError: true,
		SchemaValidationOptions: []openapi3.SchemaValidationOption{openapi3.DisableSchemaErrorDetails()}}
	err = openapi3filter.ValidateResponse(context.Background(), &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route, Options: opts},
		Status:                 resp.status,
		Header:                 resp.header,
		Body:                   io.NopCloser(bytes.NewReader(resp.body)),
		Options:                opts,
	})
	if err != nil {
		t.Errorf("%s %s -> %d does not satisfy 8x8's document: %v\nbody: %s", method, path, resp.status, err, resp.body)
	}
}

// TestEightByEightDocument sends the requests of 8x8's operations that
// answer with a body and checks each answer against 8x8's own document.
func TestEightByEightDocument(t *testing.T) {
	v := loadEightByEight(t)
	e := newEnv(t)
	const missing = "3f0c8a52-55c1-4d3e-9d0e-4c2a7b1d9e10"
	call := func(method, path string, body any, headers ...string) {
		t.Helper()
		v.check(t, method, path, e.call(method, path, e.admin, body, headers...))
	}

	// Definitions.
	call("POST", base+"/definitions", testdata(t, "notify.json"))
	defID := e.createDefinition("notify.json")
	def := base + "/definitions/" + defID
	e.expectScheduleDeleted(defID)
	call("PUT", def, testdata(t, "notify.json"))
	call("GET", base+"/definitions", nil)
	call("GET", def, nil)
	// Errors.
	call("POST", base+"/definitions", `{"trigger":"http_request","definition":{"steps":[]}}`)
	call("PUT", base+"/definitions/"+missing, testdata(t, "notify.json"))
	call("GET", base+"/definitions/"+missing+"/workflows", nil)

	// Runs: open and closed.
	e.expectList(
		historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, started, closed),
		historytest.Execution(t, acme, defID, "order-2", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}),
	)
	call("GET", def+"/workflows", nil)
	state := runs.RunState{
		Data: map[string]any{"accountId": acme, "triggeredAt": "2026-07-01T09:00:00.00Z"},
		Log: []runs.StepLog{
			{ID: "l1", StepName: "notify", StepType: "HttpRequest", StartedAt: started, CompletedAt: started.Add(time.Second), Status: runs.StepFailed, Error: "HTTP 500"},
			{ID: "l2", StepName: "retry", StepType: "HttpRequest", StartedAt: started.Add(time.Second), Status: runs.StepRunning},
		},
	}
	for _, status := range []enumspb.WorkflowExecutionStatus{enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED} {
		closedAt := time.Time{}
		if status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
			closedAt = closed
		}
		info := historytest.Execution(t, acme, defID, "order-2", status, started, closedAt)
		e.temporal.On("DescribeWorkflowExecution", mock.Anything, runs.RunWorkflowID(acme, defID, "order-2"), "").
			Return(&workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info}, nil).Twice()
		e.temporal.On("QueryWorkflow", mock.Anything, mock.Anything, mock.Anything, runs.StateQuery).Return(stateOf(t, state), nil).Twice()
		call("GET", def+"/workflows/order-2", nil)
		expectHistory(e, runs.RunWorkflowID(acme, defID, "order-2"), retriedCall(t, runs.StepSummary(state.Log[0].ID, "HttpRequest"), 3, "HTTP 503")...)
		call("GET", def+"/workflows/order-2?includeLogs=true", nil)
	}
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, runs.RunWorkflowID(acme, defID, "order-2"), "").
		Return(&workflowservice.DescribeWorkflowExecutionResponse{
			WorkflowExecutionInfo: historytest.Execution(t, acme, defID, "order-2", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{})}, nil).Once()
	e.temporal.On("QueryWorkflow", mock.Anything, mock.Anything, mock.Anything, runs.StateQuery).Return(stateOf(t, state), nil).Once()
	call("GET", def+"/workflows/order-2/errors", nil)

	e.temporal.On("DescribeWorkflowExecution", mock.Anything, runs.RunWorkflowID(acme, defID, "order-2"), "").
		Return(&workflowservice.DescribeWorkflowExecutionResponse{
			WorkflowExecutionInfo: historytest.Execution(t, acme, defID, "order-2", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{})}, nil).Once()
	e.temporal.On("TerminateWorkflow", mock.Anything, mock.Anything, mock.Anything, mock.Anything).Return(nil).Once()
	call("PATCH", def+"/workflows/order-2", `{"status":"terminate"}`)

	// Events and test runs.
	e.expectStart(nil)
	e.expectStart(nil) // two enabled definitions
	call("POST", base+"/triggers/http_request", `{"order":1}`)
	e.expectStart(nil)
	call("POST", def+"/workflows", `{"order":2}`)

	// Steps and usage.
	call("GET", base+"/steps/functions", nil)
	call("GET", base+"/steps/timezones?contains=europe", nil)
	e.temporal.On("CountWorkflow", mock.Anything, mock.Anything).Return(&workflowservice.CountWorkflowExecutionsResponse{Count: 3}, nil)
	call("GET", base+"/usage", nil)
	call("GET", base+"/usage/history", nil)

	e.expectScheduleDeleted(defID)
	e.expectList()
	call("DELETE", def, nil)
}
