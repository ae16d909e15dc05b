package gateway_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	commonpb "go.temporal.io/api/common/v1"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// shopConnection stores a Shopify connection of acme (its secret would be
// in Vault; the gateway never reads it) and returns its id.
func (e *env) shopConnection() string {
	e.t.Helper()
	c, err := e.store.CreateConnection(context.Background(), store.Connection{AccountID: acme, App: "shopify", AuthKind: "api_key",
		Fields: map[string]string{}, Properties: map[string]string{"shop": "northwind.myshopify.com"}, SecretFields: []string{"key"}})
	if err != nil {
		e.t.Fatal(err)
	}
	return c.ID
}

// expectDescribe makes the next description of the run with Temporal id id
// say status.
func (e *env) expectDescribe(id string, status enumspb.WorkflowExecutionStatus) {
	info := &workflowpb.WorkflowExecutionInfo{Execution: &commonpb.WorkflowExecution{WorkflowId: id, RunId: "run-1"},
		Status: status, StartTime: timestamppb.New(started)}
	if status != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		info.CloseTime = timestamppb.New(closed)
	}
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, id, "").
		Return(&workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info}, nil).Once()
}

// expectResult makes the run with Temporal id id end, when waited for,
// with output as its action's result.
func (e *env) expectResult(id string, output any) {
	run := mocks.NewWorkflowRun(e.t)
	run.On("Get", mock.Anything, mock.Anything).Return(func(_ context.Context, ptr any) error {
		if out, ok := ptr.(*runs.RunOutput); ok {
			*out = runs.RunOutput{Log: []runs.StepLog{{ID: "action#1", StepName: runs.ActionStepID, Status: runs.StepComplete, Output: output}}}
		}
		return nil
	})
	e.temporal.On("GetWorkflow", mock.Anything, id, "run-1").Return(run)
}

// actionAnswer is an action run's answer.
type actionAnswer struct {
	Action, WorkflowID, TemporalWorkflowID, RunID, Status, TemporalStatus, StartedAt, CompletedAt string
	Output                                                                                        map[string]any
	Error                                                                                         *struct{ Type, Message string }
}

func TestRunAction(t *testing.T) {
	const id = acme + "/action:http.call/req-1"
	call := `{"inputs": {"method": "GET", "url": "https://api.example.com/orders/{{ data.id }}"}}`

	t.Run("ends within wait: 200 with the output", func(t *testing.T) {
		e := newEnv(t)
		opts, in := e.expectStart(nil)
		e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
		e.expectResult(id, map[string]any{"status": 200.0})
		e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
		resp := e.call(http.MethodPost, base+"/actions/http.call", e.runner, call, "Idempotency-Key", "req-1")
		var got actionAnswer
		resp.decode(t, &got)
		if resp.status != http.StatusOK || got.Status != "completed" || got.Output["status"] != 200.0 || got.Action != "http.call" ||
			got.WorkflowID != "req-1" || got.TemporalWorkflowID != id || got.RunID != "run-1" || got.TemporalStatus != "Completed" ||
			got.CompletedAt != "2026-07-01T09:01:30.00Z" || got.Error != nil {
			t.Errorf("%d %s", resp.status, resp.body)
		}
		if loc := resp.header.Get("Location"); loc != base+"/actions/http.call/runs/req-1" {
			t.Errorf("Location %q", loc)
		}
		if opts.ID != id || in.DefinitionID != "action:http.call" || in.Trigger != runs.ActionTrigger || in.Apps["http"] != "1.0.0" ||
			len(in.Steps) != 1 || in.Steps[0].StepType != "http.call" {
			t.Errorf("started %+v with %+v", opts, in)
		}
		// The URL is the caller's text, read from data: never an expression.
		if sent := in.Payload["inputs"].(map[string]any)["url"]; sent != "https://api.example.com/orders/{{ data.id }}" {
			t.Errorf("payload %v", in.Payload)
		}
		if step := in.Steps[0].Inputs["url"]; step != `{{ data.inputs["url"] }}` {
			t.Errorf("the step's url input %v", step)
		}
	})

	t.Run("wait 0s: 202 at once, and where to read it", func(t *testing.T) {
		e := newEnv(t)
		e.expectStart(nil)
		e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
		resp := e.call(http.MethodPost, base+"/actions/http.call", e.runner,
			`{"inputs": {"method": "GET", "url": "https://api.example.com/"}, "wait": "0s"}`, "Idempotency-Key", "req-1")
		var got actionAnswer
		resp.decode(t, &got)
		if resp.status != http.StatusAccepted || got.Status != "running" || got.Output != nil || got.CompletedAt != "" ||
			resp.header.Get("Location") != base+"/actions/http.call/runs/req-1" {
			t.Errorf("%d %v %s", resp.status, resp.header, resp.body)
		}
	})

	t.Run("failed: 200 with the connector's error", func(t *testing.T) {
		e := newEnv(t)
		e.expectStart(nil)
		e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_FAILED)
		history := mocks.NewHistoryEventIterator(t)
		history.On("HasNext").Return(true).Once()
		history.On("Next").Return(&historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionFailedEventAttributes{
			WorkflowExecutionFailedEventAttributes: &historypb.WorkflowExecutionFailedEventAttributes{Failure: &failurepb.Failure{
				Message:     "step action failed",
				FailureInfo: &failurepb.Failure_ApplicationFailureInfo{ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: runs.ErrTypeStepFailed}},
				Cause: &failurepb.Failure{Message: "activity error", FailureInfo: &failurepb.Failure_ActivityFailureInfo{ActivityFailureInfo: &failurepb.ActivityFailureInfo{}},
					Cause: &failurepb.Failure{Message: "GET https://api.example.com/…: 404 Not Found",
						FailureInfo: &failurepb.Failure_ApplicationFailureInfo{ApplicationFailureInfo: &failurepb.ApplicationFailureInfo{Type: runs.ErrTypeNotFound}}}}}}}}, nil).Once()
		e.temporal.On("GetWorkflowHistory", mock.Anything, id, "run-1", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT).Return(history).Once()
		resp := e.call(http.MethodPost, base+"/actions/http.call", e.runner, call, "Idempotency-Key", "req-1")
		var got actionAnswer
		resp.decode(t, &got)
		if resp.status != http.StatusOK || got.Status != "failed" || got.Error == nil || got.Error.Type != runs.ErrTypeNotFound ||
			got.Error.Message != "GET https://api.example.com/…: 404 Not Found" || got.Output != nil {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("started but unreadable: 202, never an error that invites a second start", func(t *testing.T) {
		e := newEnv(t)
		e.expectStart(nil)
		e.temporal.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(nil, serviceerror.NewUnavailable("frontend down")).Once()
		resp := e.call(http.MethodPost, base+"/actions/http.call", e.runner, call, "Idempotency-Key", "req-1")
		var got actionAnswer
		resp.decode(t, &got)
		if resp.status != http.StatusAccepted || got.Status != "running" || got.RunID != "run-1" || got.TemporalWorkflowID != id {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("Temporal refuses the start: 503, retry with the key", func(t *testing.T) {
		e := newEnv(t)
		e.expectStart(serviceerror.NewUnavailable("frontend down"))
		resp := e.call(http.MethodPost, base+"/actions/http.call", e.runner, call, "Idempotency-Key", "req-1")
		if body := resp.apiError(t); resp.status != http.StatusServiceUnavailable || body.Code != 2000 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})
}

// TestRunActionRefusals: a request that cannot run starts nothing (the
// mocked client fails any start) and names what is wrong.
func TestRunActionRefusals(t *testing.T) {
	e := newEnv(t)
	shop := e.shopConnection()
	for _, tc := range []struct {
		name, action, body string
		headers            []string
		status, code       int
		paths              []string
	}{
		{"unknown field", "shopify.update_order", `{"conection": "` + shop + `", "inputs": {"id": 1}}`, nil, 400, 1000, []string{"conection"}},
		{"inputs not an object", "shopify.update_order", `{"connection": "` + shop + `", "inputs": [1]}`, nil, 400, 1000, []string{"inputs"}},
		{"malformed JSON", "shopify.update_order", `{"connection": `, nil, 400, 1000, []string{"body"}},
		{"wait too long", "http.call", `{"inputs": {}, "wait": "2m"}`, nil, 400, 1010, []string{"wait"}},
		{"wait not a duration", "http.call", `{"inputs": {}, "wait": "soon"}`, nil, 400, 1010, []string{"wait"}},
		{"negative wait", "http.call", `{"inputs": {}, "wait": "-1s"}`, nil, 400, 1010, []string{"wait"}},
		{"bad Idempotency-Key", "http.call", `{"inputs": {}}`, []string{"Idempotency-Key", "no spaces"}, 400, 1000, []string{"header.Idempotency-Key"}},
		{"not app.action", "Shopify", `{}`, nil, 400, 1000, []string{"action"}},
		{"an app Junction does not have", "magento.update_order", `{}`, nil, 404, 1300, []string{"action"}},
		{"an action the app does not have", "shopify.delete_everything", `{"connection": "` + shop + `"}`, nil, 404, 1300, []string{"action"}},
		{"no connection", "shopify.update_order", `{"inputs": {"id": 1, "add_tags": ["x"]}}`, nil, 400, 1000, []string{"connection"}},
		{"a connection that does not exist", "shopify.update_order", `{"connection": "nope", "inputs": {"id": 1, "add_tags": ["x"]}}`, nil, 400, 1000, []string{"connection"}},
		{"inputs the action refuses", "shopify.update_order", `{"connection": "` + shop + `", "inputs": {"id": "{{ data.id }}", "colour": "red"}}`, nil, 400, 1000,
			[]string{"inputs.colour", "inputs.id"}},
		{"retry and timeout", "shopify.update_order", `{"connection": "` + shop + `", "inputs": {"id": 1}, "retry": {"backoffCoefficient": 0.5}, "timeout": "0s"}`, nil, 400, 1000,
			[]string{"retry.backoffCoefficient", "timeout"}},
		{"a version the app does not have", "shopify.update_order", `{"connection": "` + shop + `", "inputs": {"id": 1}, "version": "2.0.0"}`, nil, 400, 1000, []string{"version"}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.call(http.MethodPost, base+"/actions/"+tc.action, e.runner, tc.body, tc.headers...)
			body := resp.apiError(t)
			if resp.status != tc.status || body.Code != tc.code || !slices.Equal(body.paths(), tc.paths) {
				t.Errorf("%d %s, want %d code %d at %q", resp.status, resp.body, tc.status, tc.code, tc.paths)
			}
		})
	}
}

func TestGetActionRun(t *testing.T) {
	e := newEnv(t)
	const id = acme + "/action:shopify.update_order/req-7"
	path := base + "/actions/shopify.update_order/runs/req-7"

	t.Run("open: answers at once by default", func(t *testing.T) {
		e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
		resp := e.call(http.MethodGet, path, e.reader, nil)
		var got actionAnswer
		resp.decode(t, &got)
		if resp.status != http.StatusOK || got.Status != "running" || got.StartedAt != "2026-07-01T09:00:00.00Z" || got.CompletedAt != "" {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("open: waits when asked, and reads the output", func(t *testing.T) {
		e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
		e.expectResult(id, map[string]any{"id": 450789469.0, "tags": "Ready to ship"})
		e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED)
		resp := e.call(http.MethodGet, path+"?wait=5s", e.reader, nil)
		var got actionAnswer
		resp.decode(t, &got)
		if resp.status != http.StatusOK || got.Status != "completed" || got.Output["tags"] != "Ready to ship" {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("terminated: failed, with the reason", func(t *testing.T) {
		e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED)
		history := mocks.NewHistoryEventIterator(t)
		history.On("HasNext").Return(true).Once()
		history.On("Next").Return(&historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionTerminatedEventAttributes{
			WorkflowExecutionTerminatedEventAttributes: &historypb.WorkflowExecutionTerminatedEventAttributes{Reason: "operator stopped it"}}}, nil).Once()
		e.temporal.On("GetWorkflowHistory", mock.Anything, id, "run-1", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT).Return(history).Once()
		resp := e.call(http.MethodGet, path, e.reader, nil)
		var got actionAnswer
		resp.decode(t, &got)
		if resp.status != http.StatusOK || got.Status != "failed" || got.TemporalStatus != "Terminated" ||
			got.Error == nil || got.Error.Type != "Terminated" || got.Error.Message != "operator stopped it" {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("not found", func(t *testing.T) {
		e.temporal.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(nil, serviceerror.NewNotFound("workflow not found")).Once()
		resp := e.call(http.MethodGet, path, e.reader, nil)
		if body := resp.apiError(t); resp.status != http.StatusNotFound || body.Code != 1300 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	for _, tc := range []struct{ name, path, field string }{
		{"a bad run id", base + "/actions/shopify.update_order/runs/bad%20id", "workflowId"},
		{"not app.action", base + "/actions/Shopify/runs/req-7", "action"},
		{"wait out of range", path + "?wait=61s", "wait"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp := e.call(http.MethodGet, tc.path, e.reader, nil)
			if body := resp.apiError(t); resp.status != http.StatusBadRequest || !slices.Equal(body.paths(), []string{tc.field}) {
				t.Errorf("%d %s", resp.status, resp.body)
			}
		})
	}
}

// TestActionWaitEndsWithTheRequest: a caller that goes away stops the wait;
// nothing is answered for it, and the run goes on.
func TestActionWaitEndsWithTheRequest(t *testing.T) {
	e := newEnv(t)
	const id = acme + "/action:http.call/req-1"
	e.expectStart(nil)
	e.expectDescribe(id, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING)
	run := mocks.NewWorkflowRun(t)
	run.On("Get", mock.Anything, mock.Anything).Return(func(ctx context.Context, _ any) error {
		<-ctx.Done()
		return ctx.Err()
	}).Once()
	e.temporal.On("GetWorkflow", mock.Anything, id, "run-1").Return(run).Once()
	ctx, cancel := context.WithTimeout(context.Background(), 200*time.Millisecond)
	defer cancel()
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, "http://gateway.test"+base+"/actions/http.call",
		strings.NewReader(`{"inputs": {"method": "GET", "url": "https://api.example.com/"}, "wait": "30s"}`))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+e.runner)
	req.Header.Set("Idempotency-Key", "req-1")
	start := time.Now()
	rec := httptest.NewRecorder()
	e.gateway.Handler().ServeHTTP(rec, req)
	if took := time.Since(start); took > 5*time.Second {
		t.Errorf("the wait went on for %s after the caller left", took)
	}
	if !errors.Is(ctx.Err(), context.DeadlineExceeded) {
		t.Errorf("the request ended before its caller left: %d %s", rec.Code, rec.Body)
	}
}
