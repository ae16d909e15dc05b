package gateway_test

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	enumspb "go.temporal.io/api/enums/v1"
	failurepb "go.temporal.io/api/failure/v1"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/api/serviceerror"
	workflowpb "go.temporal.io/api/workflow/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/junction-run/junction/internal/historytest"
	"github.com/junction-run/junction/runs"
)

var (
	started = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	closed  = started.Add(90 * time.Second)
)

// TestListRunsFilters: what the list's query string asks for is what the
// visibility query that reaches Temporal says.
func TestListRunsFilters(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")
	of := "JunctionAccountId = 'acme' AND JunctionDefinitionId = '" + defID + "' AND JunctionDefinitionVersion = 1"
	for _, tc := range []struct {
		name, query, want string
	}{
		{"all", "", of},
		{"Runnable", "?status=Runnable", of + " AND ExecutionStatus = 'Running' AND JunctionRunStatus IS NULL"},
		{"Suspended", "?status=Suspended", of + " AND ExecutionStatus = 'Running' AND JunctionRunStatus = 'Suspended'"},
		{"Complete", "?status=Complete", of + " AND ExecutionStatus = 'Completed'"},
		{"Terminated", "?status=Terminated", of + " AND ExecutionStatus IN ('Terminated', 'Failed', 'Canceled', 'TimedOut')"},
		{"started between", "?startTimeFrom=2026-07-01T00:00:00Z&startTimeTo=2026-07-02T12:00:00%2B02:00",
			of + " AND StartTime >= '2026-07-01T00:00:00Z' AND StartTime <= '2026-07-02T10:00:00Z'"},
		{"version", "?version=1&status=Complete", of + " AND ExecutionStatus = 'Completed'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			query := e.expectList()
			resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows"+tc.query, e.reader, nil)
			if resp.status != http.StatusOK {
				t.Fatalf("%d %s", resp.status, resp.body)
			}
			if *query != tc.want {
				t.Errorf("query\n\t%s\nwant\n\t%s", *query, tc.want)
			}
		})
	}

	t.Run("a version that does not exist", func(t *testing.T) {
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows?version=2", e.reader, nil)
		if resp.status != http.StatusNotFound {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("pages", func(t *testing.T) {
		var execs []*workflowpb.WorkflowExecutionInfo
		for _, ev := range []string{"a", "b", "c", "d", "e"} {
			execs = append(execs, historytest.Execution(t, acme, defID, ev, enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}))
		}
		var sizes []int32
		e.temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(
			func(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
				sizes = append(sizes, req.GetPageSize())
				if len(req.GetNextPageToken()) == 0 {
					return &workflowservice.ListWorkflowExecutionsResponse{Executions: execs[:2], NextPageToken: []byte("2")}, nil
				}
				return &workflowservice.ListWorkflowExecutionsResponse{Executions: execs[2:]}, nil
			}).Twice()
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows?offset=2&limit=2", e.reader, nil)
		var got []struct{ WorkflowID string }
		resp.decode(t, &got)
		if len(got) != 2 || got[0].WorkflowID != "c" || got[1].WorkflowID != "d" {
			t.Errorf("%s", resp.body)
		}
		if len(sizes) != 2 || sizes[0] != 4 {
			t.Errorf("page sizes %v, want 4 (offset+limit) each", sizes)
		}
	})
}

// TestListRuns: visibility's view of each run, in 8x8's shape: no
// completedAt while a run is open.
func TestListRuns(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")
	suspended := historytest.Execution(t, acme, defID, "order-3", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{})
	suspended.SearchAttributes.IndexedFields[runs.RunStatusKey.GetName()] = payload(t, runs.RunStatusSuspended)
	suspended.SearchAttributes.IndexedFields[runs.SubAccountIDKey.GetName()] = payload(t, "eu")
	e.expectList(
		historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, started, closed),
		historytest.Execution(t, acme, defID, "order-2", enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, started, closed),
		suspended,
		historytest.Execution(t, acme, defID, "order-4", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}),
	)
	resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows", e.reader, nil)
	var got []map[string]any
	resp.decode(t, &got)
	want := []struct {
		id, status, temporal, completedAt string
	}{
		{"order-1", "Complete", "Completed", "2026-07-01T09:01:30.00Z"},
		{"order-2", "Terminated", "Failed", "2026-07-01T09:01:30.00Z"},
		{"order-3", "Suspended", "Running", ""},
		{"order-4", "Runnable", "Running", ""},
	}
	if len(got) != len(want) {
		t.Fatalf("%s", resp.body)
	}
	for i, w := range want {
		g := got[i]
		completedAt, has := g["completedAt"]
		if g["workflowId"] != w.id || g["status"] != w.status || g["temporalStatus"] != w.temporal || g["definitionId"] != defID ||
			g["startedAt"] != "2026-07-01T09:00:00.00Z" || (w.completedAt == "") == has || (has && completedAt != w.completedAt) {
			t.Errorf("run %d = %v, want %+v", i, g, w)
		}
	}
	if data := got[2]["data"].(map[string]any); data["accountId"] != acme || data["subAccountId"] != "eu" || data["triggeredAt"] != "2026-07-01T09:00:00.00Z" {
		t.Errorf("data %v", data)
	}
}

// stateOf answers the run's state query with state.
func stateOf(t *testing.T, state runs.RunState) *mocks.Value {
	v := &mocks.Value{}
	v.Test(t)
	v.On("Get", mock.Anything).Return(func(ptr any) error {
		b, _ := json.Marshal(state)
		return json.Unmarshal(b, ptr)
	})
	return v
}

// expectHistory makes the run's history, read once, hold events.
func expectHistory(e *env, workflowID string, events ...*historypb.HistoryEvent) {
	e.temporal.On("GetWorkflowHistory", mock.Anything, workflowID, mock.Anything, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT).
		Return(func(context.Context, string, string, bool, enumspb.HistoryEventFilterType) client.HistoryEventIterator {
			return historytest.Iterator(nil, events...)
		}).Once()
}

// retriedCall is a step's activity (policy: 15 attempts) scheduled and
// started on attempt, after lastFailure.
func retriedCall(t *testing.T, summary string, attempt int32, lastFailure string) []*historypb.HistoryEvent {
	return []*historypb.HistoryEvent{historytest.Scheduled(t, 5, "1", summary, 15), historytest.Started(5, attempt, lastFailure)}
}

// TestGetRun: one run with its context and step log, read from the run.
func TestGetRun(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")
	id := runs.RunWorkflowID(acme, defID, "order-1")
	describe := func(info *workflowpb.WorkflowExecutionInfo) {
		e.temporal.On("DescribeWorkflowExecution", mock.Anything, id, "").
			Return(&workflowservice.DescribeWorkflowExecutionResponse{WorkflowExecutionInfo: info}, nil).Once()
	}
	state := runs.RunState{
		Data: map[string]any{"accountId": acme, "triggeredAt": "2026-07-01T09:00:00.00Z", "order": 1001.0},
		Log: []runs.StepLog{
			{ID: "l1", StepName: "lookup", StepType: "HttpRequest", StartedAt: started, CompletedAt: started.Add(time.Second), Status: runs.StepComplete, Output: map[string]any{"responseCode": 200.0}},
			{ID: "l2", StepName: "notify", StepType: "HttpRequest", StartedAt: started.Add(time.Second), Status: runs.StepRunning},
		},
		CurrentStep: "notify",
	}

	t.Run("open, with logs", func(t *testing.T) {
		describe(historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}))
		e.temporal.On("QueryWorkflow", mock.Anything, id, "run-order-1", runs.StateQuery).Return(stateOf(t, state), nil).Once()
		// lookup's call took two attempts.
		expectHistory(e, id, retriedCall(t, runs.StepSummary("l1", "HttpRequest"), 2, "HTTP 502")...)
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows/order-1?includeLogs=true", e.reader, nil)
		var got map[string]any
		resp.decode(t, &got)
		logs, _ := got["logs"].([]any)
		if resp.status != 200 || got["status"] != "Runnable" || got["data"].(map[string]any)["order"] != 1001.0 || len(logs) != 2 {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		if _, has := got["completedAt"]; has {
			t.Errorf("an open run has completedAt: %s", resp.body)
		}
		if open := logs[1].(map[string]any); open["status"] != "Running" || open["completedAt"] != nil || open["attempts"] != nil {
			t.Errorf("open step %v", open)
		}
		if done := logs[0].(map[string]any); done["attempts"] != 2.0 || done["maximumAttempts"] != 15.0 || done["lastFailure"] != "HTTP 502" || done["nextAttemptAt"] != nil {
			t.Errorf("retried step %v", done)
		}
	})

	t.Run("terminated in the middle of a step", func(t *testing.T) {
		describe(historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED, started, closed))
		e.temporal.On("QueryWorkflow", mock.Anything, id, "run-order-1", runs.StateQuery).Return(stateOf(t, state), nil).Once()
		expectHistory(e, id)
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows/order-1?includeLogs=true", e.reader, nil)
		var got struct {
			Status, CompletedAt string
			Logs                []struct{ Status, CompletedAt string }
		}
		resp.decode(t, &got)
		if got.Status != "Terminated" || got.CompletedAt != "2026-07-01T09:01:30.00Z" || len(got.Logs) != 2 ||
			got.Logs[1].Status != "Cancelled" || got.Logs[1].CompletedAt != got.CompletedAt {
			t.Errorf("%s", resp.body)
		}
	})

	t.Run("completed: read from its result, no worker needed", func(t *testing.T) {
		describe(historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, started, closed))
		run := mocks.NewWorkflowRun(t)
		run.On("Get", mock.Anything, mock.Anything).Return(func(_ context.Context, ptr any) error {
			*ptr.(*runs.RunOutput) = runs.RunOutput{Data: map[string]any{"accountId": acme, "triggeredAt": "2026-07-01T09:00:00.00Z", "done": true}, Log: state.Log[:1]}
			return nil
		}).Once()
		e.temporal.On("GetWorkflow", mock.Anything, id, "run-order-1").Return(run).Once()
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows/order-1", e.reader, nil)
		var got map[string]any
		resp.decode(t, &got)
		if got["data"].(map[string]any)["done"] != true || got["logs"] != nil || got["completedAt"] != "2026-07-01T09:01:30.00Z" {
			t.Errorf("%s", resp.body)
		}
	})

	t.Run("a run whose state cannot be read still answers", func(t *testing.T) {
		describe(historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}))
		e.temporal.On("QueryWorkflow", mock.Anything, id, "run-order-1", runs.StateQuery).Return(nil, errors.New("no worker")).Once()
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows/order-1", e.reader, nil)
		var got map[string]any
		resp.decode(t, &got)
		if resp.status != 200 || got["data"].(map[string]any)["triggeredAt"] != "2026-07-01T09:00:00.00Z" {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("not found", func(t *testing.T) {
		e.temporal.On("DescribeWorkflowExecution", mock.Anything, runs.RunWorkflowID(acme, defID, "order-9"), "").
			Return(nil, serviceerror.NewNotFound("workflow not found for ID: "+id)).Once()
		resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows/order-9", e.reader, nil)
		if body := resp.apiError(t); resp.status != 404 || body.Code != 1300 || body.Message != "Workflow order-9 not found." {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})
}

// TestRunErrors: failed steps, then how the run ended.
func TestRunErrors(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")
	id := runs.RunWorkflowID(acme, defID, "order-1")
	e.temporal.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
		WorkflowExecutionInfo: historytest.Execution(t, acme, defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, started, closed)}, nil).Once()
	e.temporal.On("QueryWorkflow", mock.Anything, id, "run-order-1", runs.StateQuery).Return(stateOf(t, runs.RunState{Log: []runs.StepLog{
		{ID: "l1", StepName: "notify", StartedAt: started, CompletedAt: started.Add(time.Second), Status: runs.StepFailed, Error: "HTTP 500 from shop.example.com"},
	}}), nil).Once()
	history := mocks.NewHistoryEventIterator(t)
	history.On("HasNext").Return(true).Once()
	history.On("Next").Return(&historypb.HistoryEvent{Attributes: &historypb.HistoryEvent_WorkflowExecutionFailedEventAttributes{
		WorkflowExecutionFailedEventAttributes: &historypb.WorkflowExecutionFailedEventAttributes{
			Failure: &failurepb.Failure{Message: "step notify failed", Cause: &failurepb.Failure{Message: "HTTP 500"}}}}}, nil).Once()
	e.temporal.On("GetWorkflowHistory", mock.Anything, id, "run-order-1", false, enumspb.HISTORY_EVENT_FILTER_TYPE_CLOSE_EVENT).Return(history).Once()

	resp := e.call(http.MethodGet, base+"/definitions/"+defID+"/workflows/order-1/errors", e.reader, nil)
	var got []struct{ WorkflowID, Step, Message, ErrorTime string }
	resp.decode(t, &got)
	if len(got) != 2 || got[0].Step != "notify" || got[0].Message != "HTTP 500 from shop.example.com" || got[0].ErrorTime != "2026-07-01T09:00:01.00Z" ||
		got[1].Step != "notify" || got[1].Message != "Failed: step notify failed: HTTP 500" || got[1].ErrorTime != "2026-07-01T09:01:30.00Z" || got[1].WorkflowID != "order-1" {
		t.Errorf("%d %s", resp.status, resp.body)
	}
}

// TestControlRun: suspend and resume are updates the run answers; a run
// that has ended cannot be controlled.
func TestControlRun(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")
	id := runs.RunWorkflowID(acme, defID, "order-1")
	describe := func(status enumspb.WorkflowExecutionStatus, closedAt time.Time) {
		e.temporal.On("DescribeWorkflowExecution", mock.Anything, id, "").Return(&workflowservice.DescribeWorkflowExecutionResponse{
			WorkflowExecutionInfo: historytest.Execution(t, acme, defID, "order-1", status, started, closedAt)}, nil).Once()
	}
	path := base + "/definitions/" + defID + "/workflows/order-1"

	t.Run("suspend", func(t *testing.T) {
		describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, time.Time{})
		handle := mocks.NewWorkflowUpdateHandle(t)
		handle.On("Get", mock.Anything, nil).Return(nil).Once()
		e.temporal.On("UpdateWorkflow", mock.Anything, mock.MatchedBy(func(o client.UpdateWorkflowOptions) bool {
			return o.WorkflowID == id && o.UpdateName == runs.ControlUpdate && o.Args[0] == runs.ControlRequest{Action: "suspend"}
		})).Return(handle, nil).Once()
		if resp := e.call(http.MethodPatch, path, e.runner, `{"status":"suspend"}`); resp.status != 200 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("terminate", func(t *testing.T) {
		describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, time.Time{})
		e.temporal.On("TerminateWorkflow", mock.Anything, id, "run-order-1", "terminated through the API").Return(nil).Once()
		if resp := e.call(http.MethodPatch, path, e.runner, `{"status":"terminate"}`); resp.status != 200 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("resume without a worker", func(t *testing.T) {
		describe(enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, time.Time{})
		e.temporal.On("UpdateWorkflow", mock.Anything, mock.Anything).Return(nil, context.DeadlineExceeded).Once()
		resp := e.call(http.MethodPatch, path, e.runner, `{"status":"resume"}`)
		if body := resp.apiError(t); resp.status != 503 || body.Message != "Could not resume the run (is a worker running?); nothing was lost, retry the request." {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})

	t.Run("a run that ended", func(t *testing.T) {
		describe(enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, closed)
		resp := e.call(http.MethodPatch, path, e.runner, `{"status":"suspend"}`)
		if body := resp.apiError(t); resp.status != 409 || body.Message != "The workflow is Complete; it cannot be suspended." {
			t.Errorf("%d %s", resp.status, resp.body)
		}
	})
}

// TestUsage counts runs per month from visibility.
func TestUsage(t *testing.T) {
	e := newEnv(t)
	e.temporal.On("CountWorkflow", mock.Anything, mock.MatchedBy(func(r *workflowservice.CountWorkflowExecutionsRequest) bool {
		return r.GetQuery() == "JunctionAccountId = 'acme' AND StartTime >= '2026-07-01T00:00:00Z' AND StartTime < '2026-08-01T00:00:00Z'"
	})).Return(&workflowservice.CountWorkflowExecutionsResponse{Count: 42}, nil).Once()
	resp := e.call(http.MethodGet, base+"/usage", e.reader, nil)
	if !strings.Contains(string(resp.body), `"executedWorkflowCount":42,"countStartedMonth":7,"countStartedYear":2026`) {
		t.Errorf("%d %s", resp.status, resp.body)
	}
}
