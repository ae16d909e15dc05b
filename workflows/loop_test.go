package workflows_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/runs"
)

// A long top-level ForEach continues as new between iterations when
// Temporal suggests it, and the next run finishes the loop where it
// stopped: every item runs once, the results are whole, the steps after
// the loop still run.
func TestForEachContinuesAsNewBetweenIterations(t *testing.T) {
	st := steps(t, `[
	  {"id":"each","stepType":"ForEach","inputs":{"items":"{{data.items}}","parallelism":2},"nextStepId":"after",
	   "do":[[{"id":"call","stepType":"HttpRequest","inputs":{"url":"http://x.test/{{item}}","method":"GET"}}]]},
	  {"id":"after","stepType":"SetVariables","inputs":{"count":"{{steps.each.count}}","last":"{{steps.each.results[4].responseCode}}"}}]`)
	var mu sync.Mutex // the mocked activities of parallel iterations run on goroutines of their own
	var called []string
	answer := func(_ context.Context, req runs.HTTPRequest) (runs.HTTPResponse, error) {
		mu.Lock()
		defer mu.Unlock()
		called = append(called, req.URL)
		return runs.HTTPResponse{ResponseCode: 200}, nil
	}

	first := newEnv()
	first.SetContinueAsNewSuggested(true)
	first.OnActivity(runs.HTTPRequestActivity, mock.Anything, mock.Anything).Return(answer)
	first.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(st, map[string]any{"items": []any{1, 2, 3, 4, 5}}))
	var can *workflow.ContinueAsNewError
	if !errors.As(first.GetWorkflowError(), &can) {
		t.Fatalf("the first run ended with %v, want continue-as-new", first.GetWorkflowError())
	}
	var next runs.RunInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	loop := next.Resume.Loop
	if loop == nil || loop.StepID != "each" || loop.Next != 1 || next.Resume.Queue[0] != "each" || len(loop.Results) != 5 || loop.Results[0] == nil {
		t.Fatalf("the next run's input: resume %+v, loop %+v", next.Resume, loop)
	}
	if len(called) != 1 {
		t.Fatalf("the first run called %v, want the first item only", called)
	}

	second := newEnv()
	second.OnActivity(runs.HTTPRequestActivity, mock.Anything, mock.Anything).Return(answer)
	second.ExecuteWorkflow(runs.RunDefinitionWorkflow, next)
	if err := second.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var out runs.RunOutput
	if err := second.GetWorkflowResult(&out); err != nil {
		t.Fatal(err)
	}
	if out.Data["count"] != float64(5) || out.Data["last"] != float64(200) {
		t.Errorf("data %v", out.Data)
	}
	want := []string{"http://x.test/1", "http://x.test/2", "http://x.test/3", "http://x.test/4", "http://x.test/5"}
	if len(called) != len(want) {
		t.Fatalf("calls %v, want each item once", called)
	}
	seen := map[string]int{}
	for _, c := range called {
		seen[c]++
	}
	for _, w := range want {
		if seen[w] != 1 {
			t.Errorf("%s called %d times", w, seen[w])
		}
	}
	running := 0
	for _, l := range out.Log {
		if l.StepName == "each" && l.Status == runs.StepRunning {
			running++
		}
	}
	if running != 0 {
		t.Errorf("the log keeps %d ForEach entries as running: %+v", running, out.Log)
	}
}

// A ForEach inside a block (here a top-level If's) does not stop inside:
// the run could not say where to go on after the block. The run
// continues as new at the next top-level step instead.
func TestNestedForEachContinuesAtTheTopLevel(t *testing.T) {
	st := steps(t, `[
	  {"id":"check","stepType":"If","inputs":{"condition":"{{true}}"},"nextStepId":"after",
	   "do":[[{"id":"each","stepType":"ForEach","inputs":{"items":"{{[1, 2, 3]}}"},"nextStepId":"tail",
	          "do":[[{"id":"call","stepType":"HttpRequest","inputs":{"url":"http://x.test/{{item}}","method":"GET"}}]]},
	         {"id":"tail","stepType":"SetVariables","inputs":{"tail":true}}]]},
	  {"id":"after","stepType":"SetVariables","inputs":{"after":true}}]`)
	var mu sync.Mutex
	calls := 0
	env := newEnv()
	env.SetContinueAsNewSuggested(true)
	env.OnActivity(runs.HTTPRequestActivity, mock.Anything, mock.Anything).Return(
		func(context.Context, runs.HTTPRequest) (runs.HTTPResponse, error) {
			mu.Lock()
			defer mu.Unlock()
			calls++
			return runs.HTTPResponse{ResponseCode: 200}, nil
		})
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(st, nil))
	var can *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("the run ended with %v, want continue-as-new at the top level", env.GetWorkflowError())
	}
	var next runs.RunInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatal(err)
	}
	if next.Resume.Loop != nil || len(next.Resume.Queue) != 1 || next.Resume.Queue[0] != "after" || next.Resume.Data["tail"] != true {
		t.Errorf("resume %+v, want the top level's next step with the If's block done", next.Resume)
	}
	if calls != 3 {
		t.Errorf("%d calls, want 3", calls)
	}
}

// Inside a block, where a run cannot continue as new, a history near
// Temporal's limits fails the step with an error that says what to do,
// before Temporal would end the run without one; the ForEach's onError
// can still route it.
func TestHistoryNearTheLimitInsideABlock(t *testing.T) {
	st := steps(t, `[
	  {"id":"check","stepType":"If","inputs":{"condition":"{{true}}"},
	   "do":[[{"id":"note","stepType":"SetVariables","inputs":{"x":1}}]]}]`)
	env := newEnv()
	env.SetCurrentHistoryLength(45_000)
	env.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(st, nil))
	err := env.GetWorkflowError()
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || appErr.Type() != runs.ErrTypeStateTooLarge || !strings.Contains(err.Error(), "move the long loop to the top level") {
		t.Fatalf("the run ended with %v, want %s", err, runs.ErrTypeStateTooLarge)
	}

	// The same history at the top level is fine: the run continues as new there.
	top := newEnv()
	top.SetCurrentHistoryLength(45_000)
	top.ExecuteWorkflow(runs.RunDefinitionWorkflow, input(steps(t, `[{"id":"note","stepType":"SetVariables","inputs":{"x":1}}]`), nil))
	if err := top.GetWorkflowError(); err != nil {
		t.Fatalf("a top-level step: %v", err)
	}
}
