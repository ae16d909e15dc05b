package devstack_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/internal/devstack"
)

// TestDevStackLocalHTTPSteps runs the README's one-step definition on a
// stack as it ships (local HTTP steps, and eager start, on by default in
// one process) and on one with NoLocalHTTPSteps: either way the sink gets
// the call exactly once and the step's outputs reach the run's data; by
// default the history holds a local activity marker and one workflow task,
// opted out an activity task and two workflow tasks.
func TestDevStackLocalHTTPSteps(t *testing.T) {
	tests := []struct {
		name             string
		noLocalHTTPSteps bool
		wantMarkers      int
		wantActivities   int
		wantTasks        int
		history          string
	}{
		{name: "default", wantMarkers: 1, wantActivities: 0, wantTasks: 1, history: "http_request_one_step_local"},
		{name: "opted out", noLocalHTTPSteps: true, wantMarkers: 0, wantActivities: 1, wantTasks: 2, history: "http_request_one_step"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			counts := runOneStep(t, devstack.Config{NoLocalHTTPSteps: tc.noLocalHTTPSteps}, tc.history)
			if counts[enumspb.EVENT_TYPE_MARKER_RECORDED] != tc.wantMarkers ||
				counts[enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED] != tc.wantActivities ||
				counts[enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED] != tc.wantTasks {
				t.Errorf("history: %v; want %d marker(s), %d activity task(s), %d workflow task(s)",
					counts, tc.wantMarkers, tc.wantActivities, tc.wantTasks)
			}
		})
	}
}

// runOneStep starts a stack with cfg's run options, runs the one-step
// definition once (and its redelivery), checks what the sink and the run
// saw, records the history under name when one is given, and returns the
// history's event counts.
func runOneStep(t *testing.T, cfg devstack.Config, name string) map[enumspb.EventType]int {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cfg.DataDir = t.TempDir()
	cfg.TemporalAddress, cfg.UIAddress, cfg.HTTPAddress, cfg.VaultListen = "127.0.0.1:0", "-", "127.0.0.1:0", "127.0.0.1:0"
	cfg.Logger = zaptest.NewLogger(t)
	s, err := devstack.Start(ctx, cfg)
	if err != nil {
		t.Fatalf("starting dev stack: %v", err)
	}
	defer s.Stop(context.Background())
	authorize(t, s, "acme")
	sk := newSink(t)
	createDefinition(t, s, "acme", orderDefinition(sk.URL, "enabled"))

	res := trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "local-1"})
	if len(res.Runs) != 1 {
		t.Fatalf("trigger started %+v, want one run", res.Runs)
	}
	run := res.Runs[0]
	if data := waitRun(t, s, run.TemporalWorkflowID); data["warehouseId"] != "WH-42" || data["httpCode"] != float64(200) {
		t.Errorf("outputs in context: warehouseId=%v httpCode=%v", data["warehouseId"], data["httpCode"])
	}
	// The same event again starts nothing new and calls nobody again.
	again := trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "local-1"})
	if len(again.Runs) != 1 || again.Runs[0].RunID != run.RunID {
		t.Errorf("redelivered event: %+v, want the run %s", again.Runs, run.RunID)
	}
	time.Sleep(500 * time.Millisecond)
	if got := sk.received(); len(got) != 1 || got[0].Method != http.MethodPost || got[0].Path != "/orders" {
		t.Fatalf("sink got %d requests (%+v), want one POST /orders", len(got), got)
	}

	counts := eventCounts(t, s, run.TemporalWorkflowID, run.RunID)
	if name != "" {
		recordHistory(t, s, name, run.TemporalWorkflowID, run.RunID)
	}
	return counts
}

// TestLocalHTTPStepRetriesDurably runs an HttpRequest step, a local
// activity by default, against a partner that answers 503, then 429 with
// Retry-After: 12, then 200. The 503 is retried in the worker; the 429's
// wait is longer than a workflow task may be held, so it must become a
// durable timer in the history, and the third call must come no sooner
// than the partner asked.
func TestLocalHTTPStepRetriesDurably(t *testing.T) {
	var (
		mu    sync.Mutex
		calls []time.Time
	)
	partner := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		calls = append(calls, time.Now())
		n := len(calls)
		mu.Unlock()
		switch n {
		case 1:
			http.Error(w, `{"error":"warming up"}`, http.StatusServiceUnavailable)
		case 2:
			w.Header().Set("Retry-After", "12")
			http.Error(w, `{"error":"slow down"}`, http.StatusTooManyRequests)
		default:
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"warehouseOrderId":"WH-9"}`))
		}
	}))
	defer partner.Close()

	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	createDefinition(t, s, "acme", orderDefinition(partner.URL, "enabled"))
	res := trigger(t, s, "acme", orderPayload, map[string]string{"Idempotency-Key": "retry-1"})
	if len(res.Runs) != 1 {
		t.Fatalf("trigger started %+v, want one run", res.Runs)
	}
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	recordHistory(t, s, "http_request_local_retry_after_timer", res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
	if data["warehouseId"] != "WH-9" || data["httpCode"] != float64(200) {
		t.Errorf("outputs after the retries: warehouseId=%v httpCode=%v", data["warehouseId"], data["httpCode"])
	}
	mu.Lock()
	got := append([]time.Time(nil), calls...)
	mu.Unlock()
	if len(got) != 3 {
		t.Fatalf("partner got %d calls, want 3 (503, 429, 200)", len(got))
	}
	if wait := got[2].Sub(got[1]); wait < 12*time.Second {
		t.Errorf("third call %s after the 429, want at least its Retry-After of 12 s", wait)
	}
	// The API reads the attempts from the local activity's markers: the
	// third succeeded, after the 429 that waited on a timer.
	logs := runLogs(t, s, "acme", res.Runs[0].DefinitionID, res.Runs[0].WorkflowID)
	if len(logs) != 1 || logs[0].Attempts != 3 || !strings.Contains(logs[0].LastFailure, "429") || logs[0].NextAttemptAt != "" {
		t.Errorf("the run's log %+v, want create_order succeeded on attempt 3 after a 429", logs)
	}
	counts := eventCounts(t, s, res.Runs[0].TemporalWorkflowID, "")
	if counts[enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED] != 0 || counts[enumspb.EVENT_TYPE_MARKER_RECORDED] == 0 ||
		counts[enumspb.EVENT_TYPE_TIMER_STARTED] != 1 || counts[enumspb.EVENT_TYPE_TIMER_FIRED] != 1 {
		t.Errorf("history %v: want local activity markers, no activity task, and one timer for the Retry-After", counts)
	}
}
