package console_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
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
	"go.temporal.io/sdk/mocks"
	"google.golang.org/protobuf/types/known/timestamppb"

	"github.com/junction-run/junction/internal/historytest"
	"github.com/junction-run/junction/runs"
)

var (
	started = time.Date(2026, 7, 1, 9, 0, 0, 0, time.UTC)
	closed  = started.Add(90 * time.Second)
)

const notify = `{"trigger": "http_request", "status": "enabled", "definition": {"name": "Notify the shop",
	"steps": [{"id": "notify", "stepType": "HttpRequest", "inputs": {"url": "https://shop.example.com/hooks/order", "method": "POST"}}]}}`

// runSite is a site whose gateway has a (mocked) Temporal, with acme's
// definition notify; it returns the definition's id.
func runSite(t *testing.T) (*site, *mocks.Client, string) {
	t.Helper()
	temporal := mocks.NewClient(t)
	s := newSite(t, withTemporal(temporal, "http://temporal-ui.test"))
	var def struct{ ID string }
	s.api(s.admin, http.MethodPost, "/api/v1/accounts/acme/definitions", json.RawMessage(notify), &def)
	return s, temporal, def.ID
}

// The list shows each run's definition, id, status in words, version and
// times, linked to its page, and passes the form's filters to the API.
func TestRunsListFilters(t *testing.T) {
	s, temporal, defID := runSite(t)
	query := expectList(temporal,
		historytest.Execution(t, "acme", defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}),
		historytest.Execution(t, "acme", defID, "order-2", enumspb.WORKFLOW_EXECUTION_STATUS_FAILED, started, closed),
	)
	s.signIn(s.reader)

	for _, tc := range []struct {
		name, form, want string
	}{
		{"no filter", "", "JunctionAccountId = 'acme'"},
		{"every filter", "?status=Complete&definitionId=" + defID + "&version=1&startTimeFrom=2026-07-01T08:30&startTimeTo=2026-07-01T18:00",
			"JunctionAccountId = 'acme' AND JunctionDefinitionId = '" + defID + "' AND JunctionDefinitionVersion = 1 AND ExecutionStatus = 'Completed'" +
				" AND StartTime >= '2026-07-01T08:30:00Z' AND StartTime <= '2026-07-01T18:00:00Z'"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			res := s.do(http.MethodGet, "/console/runs"+tc.form, nil)
			page := readAll(t, res)
			if res.StatusCode != http.StatusOK {
				t.Fatalf("%d\n%s", res.StatusCode, page)
			}
			if *query != tc.want {
				t.Errorf("query\n\t%s\nwant\n\t%s", *query, tc.want)
			}
			for _, want := range []string{
				"Notify the shop",
				`href="/console/definitions/` + defID + `/runs/order-1"`,
				`href="/console/definitions/` + defID + `/runs/order-2"`,
				`<span class="badge badge-running">Runnable</span>`,
				`<span class="badge badge-terminated">Terminated</span> <span class="muted">Failed</span>`,
				"2026-07-01 09:01:30 UTC",
				`<label for="runs-status">`, `<label for="runs-from">`, `<label for="runs-to">`,
			} {
				if !strings.Contains(page, want) {
					t.Errorf("the list lacks %s", want)
				}
			}
		})
	}

	t.Run("the form keeps its filters", func(t *testing.T) {
		page := readAll(t, s.do(http.MethodGet, "/console/runs?status=Suspended&startTimeFrom=2026-07-01T08:30", nil))
		if !strings.Contains(page, `<option value="Suspended" selected>`) || !strings.Contains(page, `value="2026-07-01T08:30"`) {
			t.Errorf("the form forgot its filters:\n%s", page)
		}
	})

	t.Run("a bad filter shows the API's problem at its field", func(t *testing.T) {
		res := s.do(http.MethodGet, "/console/runs?startTimeFrom=yesterday", nil)
		page := readAll(t, res)
		if res.StatusCode != http.StatusBadRequest || !strings.Contains(page, "<code>startTimeFrom</code>") {
			t.Errorf("%d\n%s", res.StatusCode, page)
		}
	})
}

// The list's paging keeps the filters.
func TestRunsListPages(t *testing.T) {
	s, temporal, defID := runSite(t)
	var full []*workflowpb.WorkflowExecutionInfo
	for i := range 50 { // a full page: there may be more
		full = append(full, historytest.Execution(t, "acme", defID, fmt.Sprintf("order-%d", i), enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}))
	}
	temporal.On("ListWorkflow", mock.Anything, mock.Anything).Return(
		func(_ context.Context, req *workflowservice.ListWorkflowExecutionsRequest) (*workflowservice.ListWorkflowExecutionsResponse, error) {
			if req.GetPageSize() != 100 {
				t.Errorf("page 2 asked visibility for %d runs, want 100 (offset 50, limit 50)", req.GetPageSize())
			}
			return &workflowservice.ListWorkflowExecutionsResponse{Executions: append(full, full...)}, nil
		})
	s.signIn(s.reader)
	page := readAll(t, s.do(http.MethodGet, "/console/runs?status=Runnable&page=2", nil))
	if !strings.Contains(page, `href="/console/runs?page=1&amp;status=Runnable" rel="prev"`) ||
		!strings.Contains(page, `href="/console/runs?page=3&amp;status=Runnable" rel="next"`) {
		t.Errorf("pager:\n%s", page)
	}
}

// runState is an open run's state: a complete step, a failed one and one
// in progress.
var runState = runs.RunState{
	Data: map[string]any{"accountId": "acme", "triggeredAt": "2026-07-01T09:00:00.00Z", "order": 1001.0},
	Log: []runs.StepLog{
		{ID: "l1", StepName: "lookup", StepType: "HttpRequest", StartedAt: started, CompletedAt: started.Add(1500 * time.Millisecond),
			Status: runs.StepComplete, Inputs: map[string]any{"url": "https://shop.example.com/orders/1001"}, Output: map[string]any{"responseCode": 200.0}},
		{ID: "l2", StepName: "notify", StepType: "HttpRequest", StartedAt: started.Add(2 * time.Second), CompletedAt: started.Add(3 * time.Second),
			Status: runs.StepFailed, Error: "step notify: HTTP request failed: 503 Service Unavailable"},
		{ID: "l3", StepName: "pause", StepType: "Wait", StartedAt: started.Add(3 * time.Second), Status: runs.StepSleeping},
	},
}

// The run page shows each step with its status, duration, inputs and
// output, the run's errors in full, the Temporal UI link, and, while the
// run is open, asks to be refreshed.
func TestRunPage(t *testing.T) {
	s, temporal, defID := runSite(t)
	// lookup's call succeeded on its third attempt; notify's failed twice,
	// its policy's bound.
	history := []*historypb.HistoryEvent{
		historytest.Scheduled(t, 5, "1", runs.StepSummary("l1", "HttpRequest"), 15), historytest.Started(5, 3, "dial tcp: connection refused"),
		historytest.Scheduled(t, 9, "2", runs.StepSummary("l2", "HttpRequest"), 2), historytest.Started(9, 2, "HTTP request failed: 502 Bad Gateway"),
		historytest.Failed(9, historytest.Failure("HTTP request failed: 503 Service Unavailable")),
	}
	expectRunCalls(t, temporal, historytest.Execution(t, "acme", defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}), runState, history, nil)
	s.signIn(s.admin)

	res := s.do(http.MethodGet, "/console/definitions/"+defID+"/runs/order-1", nil)
	page := readAll(t, res)
	if res.StatusCode != http.StatusOK {
		t.Fatalf("%d\n%s", res.StatusCode, page)
	}
	for _, want := range []string{
		`<section id="run-progress" aria-live="polite" aria-labelledby="run-progress-title" data-refresh="2">`,
		"Notify the shop",
		`<ol class="timeline">`,
		`<strong>lookup</strong> <span class="muted mono">HttpRequest</span>`,
		`<span class="badge badge-completed">Complete</span>`,
		"took 1.5s",
		`<details><summary>Inputs</summary><pre tabindex="0">{
  &#34;url&#34;: &#34;https://shop.example.com/orders/1001&#34;
}</pre></details>`,
		`<details><summary>Output</summary>`,
		`<p class="attempts">Succeeded on attempt 3 of 15</p>`,
		`<details><summary>Why the last failed attempt failed</summary><pre class="step-error" tabindex="0">dial tcp: connection refused</pre></details>`,
		`<span class="badge badge-failed">Failed</span>`,
		`<p class="attempts">Failed on attempt 2 of 2</p>`,
		`<pre class="step-error" tabindex="0">HTTP request failed: 503 Service Unavailable</pre>`,
		`<pre class="step-error" tabindex="0">step notify: HTTP request failed: 503 Service Unavailable</pre>`,
		`<span class="badge badge-waiting">Waiting (sleeping)</span>`,
		"in progress",
		`&#34;order&#34;: 1001`,
		`href="http://temporal-ui.test/namespaces/default/workflows/acme%2F` + defID + `%2Forder-1/run-order-1/history"`,
		"History in the Temporal UI",
		`<button type="submit" class="secondary">Suspend</button>`,
		`data-confirm="Terminate this run? It cannot be resumed."`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the run page lacks %s", want)
		}
	}
	// The failed step is listed again among the run's errors (and its
	// last attempt's failure once more).
	if strings.Count(page, "step notify: HTTP request failed: 503 Service Unavailable") != 2 {
		t.Errorf("the failed step's error is not in the run's errors:\n%s", page)
	}
	timeline := page[strings.Index(page, `<ol class="timeline">`):]
	if lookup, notify := strings.Index(timeline, "<strong>lookup</strong>"), strings.Index(timeline, "<strong>notify</strong>"); lookup < 0 || notify < lookup {
		t.Error("the steps are out of order")
	}
}

// A step whose call waits out its retry backoff says which attempt
// failed, why, and when the next one is made; a Wait step makes no call
// and says nothing of attempts.
func TestRunPageCallInBackoff(t *testing.T) {
	s, temporal, defID := runSite(t)
	state := runs.RunState{Data: runState.Data, Log: []runs.StepLog{
		{ID: "notify#1", StepName: "notify", StepType: "HttpRequest", StartedAt: started, Status: runs.StepRunning},
	}}
	history := []*historypb.HistoryEvent{historytest.Scheduled(t, 5, "1", runs.StepSummary("notify#1", "HttpRequest"), 15)}
	next := started.Add(42 * time.Second)
	pending := []*workflowpb.PendingActivityInfo{{ActivityId: "1", Attempt: 3, MaximumAttempts: 15, State: enumspb.PENDING_ACTIVITY_STATE_SCHEDULED,
		LastFailure: &failurepb.Failure{Message: "HTTP request failed: 429 Too Many Requests"}, NextAttemptScheduleTime: timestamppb.New(next)}}
	expectRunCalls(t, temporal, historytest.Execution(t, "acme", defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{}), state, history, pending)
	s.signIn(s.reader)

	page := readAll(t, s.do(http.MethodGet, "/console/definitions/"+defID+"/runs/order-1", nil))
	for _, want := range []string{
		`<p class="attempts">Attempt 2 of 15 failed; next attempt 2026-07-01 09:00:42 UTC</p>`,
		`<pre class="step-error" tabindex="0">HTTP request failed: 429 Too Many Requests</pre>`,
	} {
		if !strings.Contains(page, want) {
			t.Errorf("the run page lacks %s:\n%s", want, page)
		}
	}
	// The API answers the same, for scripts.
	var run struct {
		Logs []struct {
			Attempts        int    `json:"attempts"`
			MaximumAttempts int    `json:"maximumAttempts"`
			LastFailure     string `json:"lastFailure"`
			NextAttemptAt   string `json:"nextAttemptAt"`
		} `json:"logs"`
	}
	s.api(s.reader, http.MethodGet, "/api/v1/accounts/acme/definitions/"+defID+"/workflows/order-1?includeLogs=true", nil, &run)
	if len(run.Logs) != 1 || run.Logs[0].Attempts != 2 || run.Logs[0].MaximumAttempts != 15 ||
		run.Logs[0].LastFailure != "HTTP request failed: 429 Too Many Requests" || run.Logs[0].NextAttemptAt != "2026-07-01T09:00:42.00Z" {
		t.Errorf("the API's log: %+v", run.Logs)
	}
}

// A completed run's page is not refreshed and offers no control.
func TestCompletedRunPage(t *testing.T) {
	s, temporal, defID := runSite(t)
	info := historytest.Execution(t, "acme", defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_COMPLETED, started, closed)
	expectRun(t, temporal, info, runs.RunState{})
	run := mocks.NewWorkflowRun(t)
	run.On("Get", mock.Anything, mock.Anything).Return(func(_ context.Context, ptr any) error {
		*ptr.(*runs.RunOutput) = runs.RunOutput{Data: runState.Data, Log: runState.Log[:1]}
		return nil
	})
	temporal.On("GetWorkflow", mock.Anything, info.GetExecution().GetWorkflowId(), "run-order-1").Return(run)
	s.signIn(s.admin)

	page := readAll(t, s.do(http.MethodGet, "/console/definitions/"+defID+"/runs/order-1", nil))
	if !strings.Contains(page, `<section id="run-progress"`) || !strings.Contains(page, "<strong>lookup</strong>") || !strings.Contains(page, "<dt>Took</dt><dd>1m30s</dd>") {
		t.Fatalf("the completed run's page:\n%s", page)
	}
	if strings.Contains(page, "data-refresh") || strings.Contains(page, "Suspend") || strings.Contains(page, "Terminate") {
		t.Errorf("a completed run's page is refreshed or controllable:\n%s", page)
	}
}

// A read key sees no control, and a control forged past the page gets the
// API's 403 on the page; a key with the scope terminates.
func TestRunControlByScope(t *testing.T) {
	s, temporal, defID := runSite(t)
	info := historytest.Execution(t, "acme", defID, "order-1", enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING, started, time.Time{})
	expectRun(t, temporal, info, runState)
	runPage := "/console/definitions/" + defID + "/runs/order-1"

	s.signIn(s.reader)
	page := readAll(t, s.do(http.MethodGet, runPage, nil))
	if !strings.Contains(page, "<strong>lookup</strong>") {
		t.Fatalf("the reader's run page:\n%s", page)
	}
	if strings.Contains(page, "<button type=\"submit\"") {
		t.Errorf("a read key sees control buttons:\n%s", page)
	}
	res := s.do(http.MethodPost, runPage, url.Values{"action": {"terminate"}})
	page = readAll(t, res)
	if res.StatusCode != http.StatusForbidden || !strings.Contains(page, `class="error" role="alert"`) {
		t.Errorf("a forged terminate: %d\n%s", res.StatusCode, page)
	}

	temporal.On("TerminateWorkflow", mock.Anything, info.GetExecution().GetWorkflowId(), "run-order-1", "terminated through the API").Return(nil).Once()
	s.signIn(s.admin)
	res = s.do(http.MethodPost, runPage, url.Values{"action": {"terminate"}})
	if res.StatusCode != http.StatusSeeOther || res.Header.Get("Location") != runPage+"?notice=terminated" {
		t.Fatalf("terminating: %d to %q", res.StatusCode, res.Header.Get("Location"))
	}
	page = readAll(t, s.do(http.MethodGet, runPage+"?notice=terminated", nil))
	if !strings.Contains(page, `<p class="notice" role="status">Run terminated.</p>`) {
		t.Errorf("no notice:\n%s", page)
	}
}

// An unknown run is the API's 404, on the page.
func TestUnknownRunPage(t *testing.T) {
	s, temporal, defID := runSite(t)
	temporal.On("DescribeWorkflowExecution", mock.Anything, mock.Anything, "").Return(nil, serviceerror.NewNotFound("workflow not found"))
	s.signIn(s.reader)
	res := s.do(http.MethodGet, "/console/definitions/"+defID+"/runs/nothing", nil)
	if page := readAll(t, res); res.StatusCode != http.StatusNotFound || !strings.Contains(page, "Workflow nothing not found.") {
		t.Errorf("%d\n%s", res.StatusCode, page)
	}
}
