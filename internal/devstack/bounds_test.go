package devstack_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/internal/devserver"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/runs"
)

// TestComputedBoundsAtRunTime: a bound that a literal meets at save
// (ForEach's parallelism, 1 to 50) holds for a value an expression
// computes from the event too. The run fails at that step, not retried,
// with the same words the save would have used; the run errors say so.
func TestComputedBoundsAtRunTime(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Fan out","steps":[
	  {"id":"each","stepType":"ForEach","inputs":{"items":"{{data.items}}","parallelism":"{{data.width}}"},
	   "do":[[{"id":"note","stepType":"SetVariables","inputs":{"seen":"{{item}}"}}]]}]}}`))
	res := trigger(t, s, "acme", `{"items":[1,2,3],"width":100000}`, nil)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil)
	var appErr *temporal.ApplicationError
	found := false
	for e := err; e != nil; e = errors.Unwrap(e) {
		if errors.As(e, &appErr) && appErr.Type() == runs.ErrTypeInvalidStep {
			found = true
		}
	}
	if !found || !strings.Contains(err.Error(), "parallelism: must be a number from 1 to 50") {
		t.Fatalf("the run ended with %v; want a non-retryable %s naming the bound", err, runs.ErrTypeInvalidStep)
	}
	recordHistory(t, s, "foreach_parallelism_past_bound", res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
	errs := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"/errors", nil, nil)
	if errs.Status != http.StatusOK || !strings.Contains(string(errs.Body), "must be a number from 1 to 50") {
		t.Errorf("run errors: %d %s", errs.Status, errs.Body)
	}
}

// TestRunStateBounds: a run that calls nothing for hundreds of steps ends
// its workflow task every maxStepsPerTask steps (a short timer in its
// history) and completes; a run whose kept state outgrows what Temporal
// can store fails at the step that passes the bound, with a message that
// says so, instead of failing its workflow task forever.
func TestRunStateBounds(t *testing.T) {
	big := strings.Repeat("y", 600<<10)
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/plain")
		_, _ = w.Write([]byte(big))
	}))
	t.Cleanup(partner.Close) // after the stack stops: cleanups run last first
	s := startTestStack(t, devstack.Config{})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	t.Run("a long run of steps without calls yields between tasks", func(t *testing.T) {
		createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","conditions":["{{data.kind == 'count'}}"],
		  "definition":{"name":"Count","steps":[
		  {"id":"each","stepType":"ForEach","inputs":{"items":"{{1..250}}"},
		   "do":[[{"id":"note","stepType":"SetVariables","inputs":{"last":"{{item}}"}}]]}]}}`))
		res := trigger(t, s, "acme", `{"kind":"count"}`, nil)
		if data := waitRun(t, s, res.Runs[0].TemporalWorkflowID); data["last"] != float64(250) {
			t.Fatalf("data %v", data)
		}
		counts := eventCounts(t, s, res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
		if counts[enumspb.EVENT_TYPE_TIMER_STARTED] != 2 {
			t.Errorf("history %v, want two timers (after steps 101 and 202 of 251)", counts)
		}
		recordHistory(t, s, "foreach_yields_between_tasks", res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
	})

	t.Run("a run that keeps too much fails with StateTooLarge", func(t *testing.T) {
		createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","conditions":["{{data.kind == 'big'}}"],
		  "definition":{"name":"Hoard","steps":[
		  {"id":"first","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/a","method":"GET"},"nextStepId":"second"},
		  {"id":"second","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/b","method":"GET"}}]}}`))
		res := trigger(t, s, "acme", `{"kind":"big"}`, nil)
		err := s.Client.GetWorkflow(ctx, res.Runs[0].TemporalWorkflowID, "").Get(ctx, nil)
		var appErr *temporal.ApplicationError
		found := false
		for e := err; e != nil; e = errors.Unwrap(e) {
			if errors.As(e, &appErr) && appErr.Type() == runs.ErrTypeStateTooLarge {
				found = true
			}
		}
		if !found || !strings.Contains(err.Error(), "after step second the run keeps") {
			t.Fatalf("the run ended with %v; want %s after the second step", err, runs.ErrTypeStateTooLarge)
		}
		// Not recorded for the replay test: its history holds the two
		// answers (1.6 MB); foreach_yields_between_tasks has the marker.
	})
}

// TestLongLoopContinuesAsNew: a ForEach longer than the history Temporal
// suggests keeping continues as new between its iterations (the server
// here suggests it after 40 events), and the chain of runs calls every
// item exactly once (item 3 twice: its first answer is a 503) and
// completes with the loop's whole result; the API's step log, kept across
// the chain, has each call's attempts, read from the run it was made in.
func TestLongLoopContinuesAsNew(t *testing.T) {
	var mu sync.Mutex
	calls := map[string]int{}
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.URL.Path]++
		n := calls[r.URL.Path]
		mu.Unlock()
		if r.URL.Path == "/orders/3" && n == 1 {
			http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
			return
		}
		w.Write([]byte(`{"ok":true}`))
	}))
	t.Cleanup(partner.Close) // after the stack stops: cleanups run last first
	s := startTestStack(t, devstack.Config{NoLocalHTTPSteps: true,
		TuneServer: func(c *devserver.Config) { c.SuggestContinueAsNewAfter = 40 }})
	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Every order","steps":[
	  {"id":"each","stepType":"ForEach","inputs":{"items":"{{1..30}}"},"nextStepId":"after",
	   "do":[[{"id":"post","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/orders/{{item}}","method":"POST"}}]]},
	  {"id":"after","stepType":"SetVariables","inputs":{"count":"{{steps.each.count}}","last":"{{steps.each.results[29].responseCode}}"}}]}}`))
	res := trigger(t, s, "acme", `{}`, nil)
	id := res.Runs[0].TemporalWorkflowID
	if data := waitRun(t, s, id); data["count"] != float64(30) || data["last"] != float64(200) {
		t.Fatalf("data %v", data)
	}
	mu.Lock()
	for i := 1; i <= 30; i++ {
		want := 1
		if i == 3 {
			want = 2
		}
		if n := calls["/orders/"+strconv.Itoa(i)]; n != want {
			t.Errorf("item %d called %d times, want %d", i, n, want)
		}
	}
	mu.Unlock()
	desc, err := s.Client.DescribeWorkflowExecution(context.Background(), id, "")
	if err != nil {
		t.Fatal(err)
	}
	if desc.GetWorkflowExecutionInfo().GetFirstRunId() == desc.GetWorkflowExecutionInfo().GetExecution().GetRunId() {
		t.Fatal("the loop never continued as new")
	}
	counts := eventCounts(t, s, id, desc.GetWorkflowExecutionInfo().GetFirstRunId())
	if counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW] != 1 || counts[enumspb.EVENT_TYPE_ACTIVITY_TASK_COMPLETED] >= 30 {
		t.Errorf("the first run's history %v: want it continued as new inside the loop", counts)
	}
	recordHistory(t, s, "foreach_continues_as_new", id, desc.GetWorkflowExecutionInfo().GetFirstRunId())

	// Every call's attempts, the first run's included: one each, two for
	// item 3 (the first post ran in the first run).
	var posts []stepAttempts
	for _, l := range runLogs(t, s, "acme", res.Runs[0].DefinitionID, res.Runs[0].WorkflowID) {
		if l.StepName == "post" {
			posts = append(posts, l)
		}
	}
	if len(posts) != 30 {
		t.Fatalf("the log has %d posts, want 30", len(posts))
	}
	retried := 0
	for _, p := range posts {
		switch {
		case p.Attempts == 2 && strings.Contains(p.LastFailure, "503"):
			retried++
		case p.Attempts != 1:
			t.Errorf("%s: attempt %d (%q), want 1, or 2 after the 503", p.ID, p.Attempts, p.LastFailure)
		}
	}
	if retried != 1 {
		t.Errorf("%d posts on their second attempt after a 503, want 1 (item 3)", retried)
	}
}
