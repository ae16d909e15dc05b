package devstack_test

import (
	"context"
	"net/http"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.uber.org/zap/zaptest"

	"github.com/junction-run/junction/internal/devstack"
)

// TestDevStackLocalHTTPSteps runs the README's one-step definition on a
// stack with LocalHTTPSteps (and eager start, on by default in one
// process): the sink gets the call exactly once, the step's outputs reach
// the run's data, and the history holds a local activity marker and one
// workflow task instead of an activity task and two workflow tasks.
func TestDevStackLocalHTTPSteps(t *testing.T) {
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	s, err := devstack.Start(ctx, devstack.Config{
		DataDir:         t.TempDir(),
		TemporalAddress: "127.0.0.1:0",
		UIAddress:       "-",
		HTTPAddress:     "127.0.0.1:0",
		VaultListen:     "127.0.0.1:0",
		Logger:          zaptest.NewLogger(t),
		LocalHTTPSteps:  true,
	})
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
	var out struct {
		Data map[string]any `json:"data"`
	}
	if err := s.Client.GetWorkflow(ctx, run.TemporalWorkflowID, run.RunID).Get(ctx, &out); err != nil {
		t.Fatalf("run failed: %v", err)
	}
	if out.Data["warehouseId"] != "WH-42" || out.Data["httpCode"] != float64(200) {
		t.Errorf("outputs in context: warehouseId=%v httpCode=%v", out.Data["warehouseId"], out.Data["httpCode"])
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

	counts := map[enumspb.EventType]int{}
	iter := s.Client.GetWorkflowHistory(ctx, run.TemporalWorkflowID, run.RunID, false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	var total int
	for iter.HasNext() {
		ev, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		counts[ev.GetEventType()]++
		total++
	}
	if counts[enumspb.EVENT_TYPE_MARKER_RECORDED] != 1 || counts[enumspb.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED] != 0 ||
		counts[enumspb.EVENT_TYPE_WORKFLOW_TASK_COMPLETED] != 1 {
		t.Errorf("history: %d events, %v; want one marker, no activity task, one workflow task", total, counts)
	}
	recordHistory(t, s, "http_request_one_step_local", run.TemporalWorkflowID, run.RunID)
}
