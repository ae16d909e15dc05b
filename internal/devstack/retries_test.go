package devstack_test

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/internal/devstack"
)

// TestStepRetriesAndErrorRoutes runs steps as regular activities (local
// HTTP steps off) against a partner that fails: an HttpRequest step whose
// 503 is retried by Temporal until the 200; an http.call step whose 503 is
// retried and whose 422 then fails the run, not retried; and an
// HttpRequest step with its own retry policy whose attempts run out, so
// its onError route goes to a fallback step.
func TestStepRetriesAndErrorRoutes(t *testing.T) {
	var (
		mu    sync.Mutex
		calls = map[string]int{}
	)
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls[r.URL.Path]++
		n := calls[r.URL.Path]
		mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		switch {
		case r.URL.Path == "/flaky" && n == 1, r.URL.Path == "/reject" && n == 1, r.URL.Path == "/down":
			http.Error(w, `{"error":"unavailable"}`, http.StatusServiceUnavailable)
		case r.URL.Path == "/reject":
			http.Error(w, `{"error":"order total does not match its lines"}`, http.StatusUnprocessableEntity)
		default:
			_, _ = w.Write([]byte(`{"ok":true}`))
		}
	}))
	defer partner.Close()
	callsTo := func(path string) int { mu.Lock(); defer mu.Unlock(); return calls[path] }

	s := startTestStack(t, devstack.Config{NoLocalHTTPSteps: true})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()

	// One definition per case; the trigger's conditions pick it.
	define := func(kind, steps string) {
		createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","conditions":["{{data.kind == '`+kind+`'}}"],
		  "definition":{"name":"`+kind+`","steps":`+steps+`}}`))
	}
	define("flaky", `[{"id":"post","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/flaky","method":"POST","body":{"n":"{{data.n}}"}},
	  "outputs":{"code":"{{step.responseCode}}"}}]`)
	define("reject", `[{"id":"book","stepType":"http.call","inputs":{"method":"POST","url":"`+partner.URL+`/reject","body":{"n":"{{data.n}}"}},
	  "outputs":{"status":"{{step.status}}"}}]`)
	define("fallback", `[
	  {"id":"primary","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/down","method":"POST"},
	   "retry":{"initialInterval":"00:00:01","backoffCoefficient":1,"maximumAttempts":2},
	   "onError":{"action":"goto","nextStepId":"backup"},"nextStepId":"done"},
	  {"id":"backup","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/backup","method":"POST"},
	   "outputs":{"route":"backup","code":"{{step.responseCode}}"}},
	  {"id":"done","stepType":"SetVariables","inputs":{"route":"primary"}}]`)

	define("slow", `[{"id":"notify","stepType":"HttpRequest","inputs":{"url":"`+partner.URL+`/down","method":"POST"},
	   "retry":{"initialInterval":"00:01:00","maximumAttempts":3}}]`)

	// logsOf reads the last started run's step log through the API, as
	// the console does.
	var logsOf func() []stepAttempts
	start := func(kind string) (string, string) {
		t.Helper()
		res := trigger(t, s, "acme", `{"kind":"`+kind+`","n":1}`, nil)
		if len(res.Runs) != 1 {
			t.Fatalf("%s: trigger started %+v, want one run", kind, res.Runs)
		}
		run := res.Runs[0]
		logsOf = func() []stepAttempts { return runLogs(t, s, "acme", run.DefinitionID, run.WorkflowID) }
		return run.TemporalWorkflowID, run.RunID
	}

	t.Run("a 503 is retried by Temporal, then the 200 completes the step", func(t *testing.T) {
		id, runID := start("flaky")
		if data := waitRun(t, s, id); data["code"] != float64(200) {
			t.Errorf("data %v, want code 200", data)
		}
		if n := callsTo("/flaky"); n != 2 {
			t.Errorf("partner saw %d calls, want 2", n)
		}
		if types := activityTypes(t, s, id, runID); strings.Join(types, ",") != "http.request" {
			t.Errorf("activities %v, want one regular http.request", types)
		}
		recordHistory(t, s, "http_request_retried_503", id, runID)
		logs := logsOf()
		if len(logs) != 1 || logs[0].Attempts != 2 || logs[0].MaximumAttempts != 15 || !strings.Contains(logs[0].LastFailure, "503") || logs[0].NextAttemptAt != "" {
			t.Errorf("the run's log %+v, want post succeeded on attempt 2 of 15 after a 503", logs)
		}
	})

	t.Run("a 422 after a retried 503 fails the run without another attempt", func(t *testing.T) {
		id, runID := start("reject")
		err := s.Client.GetWorkflow(ctx, id, runID).Get(ctx, nil)
		unprocessable := false
		for e := err; e != nil; e = errors.Unwrap(e) {
			if a, ok := e.(*temporal.ApplicationError); ok && a.Type() == "Unprocessable" && a.NonRetryable() {
				unprocessable = true
			}
		}
		if !unprocessable {
			t.Fatalf("run ended with %v, want a non-retryable Unprocessable error", err)
		}
		if n := callsTo("/reject"); n != 2 {
			t.Errorf("partner saw %d calls, want 2 (503, 422)", n)
		}
		counts := eventCounts(t, s, id, runID)
		if counts[enumspb.EVENT_TYPE_ACTIVITY_TASK_FAILED] != 1 || counts[enumspb.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED] != 1 {
			t.Errorf("history %v, want one failed activity and a failed run", counts)
		}
		recordHistory(t, s, "http_call_failed_422", id, runID)
		logs := logsOf()
		if len(logs) != 1 || logs[0].Status != "Failed" || logs[0].Attempts != 2 || !strings.Contains(logs[0].LastFailure, "422") {
			t.Errorf("the run's log %+v, want book failed on attempt 2 with the 422", logs)
		}
	})

	t.Run("the step's retry policy runs out and onError goes to the fallback", func(t *testing.T) {
		id, runID := start("fallback")
		if data := waitRun(t, s, id); data["route"] != "backup" || data["code"] != float64(200) {
			t.Errorf("data %v, want the backup route", data)
		}
		if n, b := callsTo("/down"), callsTo("/backup"); n != 2 || b != 1 {
			t.Errorf("partner saw %d calls to /down and %d to /backup, want 2 and 1", n, b)
		}
		if types := activityTypes(t, s, id, runID); strings.Join(types, ",") != "http.request,http.request" {
			t.Errorf("activities %v", types)
		}
		recordHistory(t, s, "http_request_retry_policy_on_error_goto", id, runID)
		// primary ran out of its two attempts; backup made one; done, a
		// SetVariables step, makes no call.
		got := map[string]stepAttempts{}
		for _, l := range logsOf() {
			got[l.StepName] = l
		}
		if p := got["primary"]; p.Status != "Failed" || p.Attempts != 2 || p.MaximumAttempts != 2 || !strings.Contains(p.LastFailure, "503") {
			t.Errorf("primary %+v, want failed on attempt 2 of 2 with the 503", p)
		}
		if b := got["backup"]; b.Attempts != 1 || b.LastFailure != "" {
			t.Errorf("backup %+v, want one attempt, no failure", b)
		}
		if d, ok := got["done"]; ok && d.Attempts != 0 {
			t.Errorf("done %+v: a SetVariables step makes no call", d)
		}
	})

	t.Run("a call waiting out its backoff shows its attempt, its failure and its next attempt", func(t *testing.T) {
		id, runID := start("slow")
		before := time.Now()
		var logs []stepAttempts
		waitFor(t, "notify in backoff after its first attempt", time.Minute, func() bool {
			logs = logsOf()
			return len(logs) == 1 && logs[0].NextAttemptAt != ""
		})
		next, err := time.Parse(time.RFC3339Nano, logs[0].NextAttemptAt)
		if err != nil || logs[0].Attempts != 1 || logs[0].MaximumAttempts != 3 || !strings.Contains(logs[0].LastFailure, "503") ||
			next.Before(before.Add(50*time.Second)) || next.After(time.Now().Add(time.Minute)) {
			t.Errorf("notify %+v (%v), want attempt 1 of 3 failed with a 503, the next about a minute on", logs[0], err)
		}
		if err := s.Client.TerminateWorkflow(ctx, id, runID, "test over"); err != nil {
			t.Fatal(err)
		}
		// Once the run has ended there is no next attempt.
		if logs = logsOf(); len(logs) != 1 || logs[0].NextAttemptAt != "" || logs[0].Attempts != 1 {
			t.Errorf("after the run ended: %+v", logs)
		}
	})
}

// stepAttempts is a step of a run's log, as the API answers it with
// includeLogs=true.
type stepAttempts struct {
	ID              string `json:"id"`
	StepName        string `json:"stepName"`
	Status          string `json:"status"`
	Attempts        int    `json:"attempts"`
	MaximumAttempts int    `json:"maximumAttempts"`
	LastFailure     string `json:"lastFailure"`
	NextAttemptAt   string `json:"nextAttemptAt"`
}

// runLogs reads a run's step log through the API.
func runLogs(t *testing.T, s *devstack.Stack, account, definitionID, workflowID string) []stepAttempts {
	t.Helper()
	var run struct {
		Logs []stepAttempts `json:"logs"`
	}
	call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/"+account+"/definitions/"+definitionID+"/workflows/"+workflowID+"?includeLogs=true", nil, nil).decode(t, &run)
	return run.Logs
}
