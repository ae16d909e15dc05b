package intake_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/runs"
)

// TestRunActionStartsOneStepRun: an action's run is a run like any other
// (same task queue, id rule, search attributes and options), of a one-step
// definition that exists only in its input, with the app version pinned.
func TestRunActionStartsOneStepRun(t *testing.T) {
	st, _ := newStore(t)
	tc := &fakeTemporal{}
	in := intake.New(st, tc, "default", intake.Options{EagerStart: true}, func() time.Time { return now })
	inputs := map[string]any{"id": 450789469.0, "add_tags": []any{"Ready to ship"}}
	action := intake.Action{AccountID: "acme", AppVersion: "1.0.0", Inputs: inputs, EventID: "order-1001",
		Step: runs.ActionStep("shopify.update_order", "conn-1", inputs, nil, "")}
	run, err := in.RunAction(context.Background(), action)
	if err != nil {
		t.Fatal(err)
	}
	want := intake.Run{DefinitionID: "action:shopify.update_order", WorkflowID: "order-1001",
		TemporalWorkflowID: "acme/action:shopify.update_order/order-1001", RunID: "run-of-acme/action:shopify.update_order/order-1001"}
	if run != want {
		t.Errorf("run %+v\nwant %+v", run, want)
	}
	if len(tc.starts) != 1 {
		t.Fatalf("%d starts", len(tc.starts))
	}
	o, input := tc.starts[0], tc.inputs[0]
	if o.ID != want.TemporalWorkflowID || o.TaskQueue != runs.TaskQueue || !o.EnableEagerStart ||
		o.StaticSummary != "shopify.update_order 1.0.0, request order-1001" {
		t.Errorf("start options %+v", o)
	}
	if trigger, _ := o.TypedSearchAttributes.GetKeyword(runs.TriggerKey); trigger != runs.ActionTrigger {
		t.Errorf("trigger search attribute %q", trigger)
	}
	if input.Trigger != runs.ActionTrigger || input.Name != "shopify.update_order" || input.Apps["shopify"] != "1.0.0" ||
		len(input.Steps) != 1 || input.Steps[0].Connection != "conn-1" || !input.TriggeredAt.Equal(now) || !input.LocalHTTPSteps {
		t.Errorf("run input %+v", input)
	}
	if got := input.Payload["inputs"].(map[string]any); got["id"] != 450789469.0 {
		t.Errorf("payload %v", input.Payload)
	}
	if input.RunEvents == nil {
		t.Error("the run's events were not looked up: a run.failed subscription would miss it")
	}
}

func TestRunActionFailures(t *testing.T) {
	st, _ := newStore(t)
	for _, tc := range []struct {
		name      string
		temporal  *fakeTemporal
		action    intake.Action
		retryable bool
		want      string
	}{
		{"not a connector action", &fakeTemporal{}, intake.Action{AccountID: "acme", EventID: "e1", Step: runs.ActionStep("Wait", "", nil, nil, "")},
			false, "not a connector action"},
		{"too large", &fakeTemporal{}, intake.Action{AccountID: "acme", EventID: "e2", AppVersion: "1.0.0",
			Inputs: map[string]any{"note": strings.Repeat("x", 3<<20)}, Step: runs.ActionStep("shopify.update_order", "c", map[string]any{"note": ""}, nil, "")},
			false, "too large"},
		{"Temporal down", &fakeTemporal{startErr: errors.New("connection refused")}, intake.Action{AccountID: "acme", EventID: "e3", AppVersion: "1.0.0",
			Step: runs.ActionStep("shopify.update_order", "c", nil, nil, "")},
			true, "Could not start the run of shopify.update_order"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := intake.New(st, tc.temporal, "default", intake.Options{}, nil).RunAction(context.Background(), tc.action)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want one saying %q", err, tc.want)
			}
			if intake.IsRetryable(err) != tc.retryable {
				t.Errorf("retryable %v, want %v", intake.IsRetryable(err), tc.retryable)
			}
			if len(tc.temporal.starts) != 0 {
				t.Errorf("%d starts", len(tc.temporal.starts))
			}
		})
	}
}
