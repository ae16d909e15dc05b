package workflows

import (
	"encoding/json"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// What a run may keep. Its data, the results of its steps and its step log
// travel whole in its result, its state query and its continue-as-new
// input, each one Temporal payload, which Temporal refuses over 2 MiB by
// default: a run past these bounds could never complete or continue, and
// would fail its workflow task forever. It fails at the step that passes
// a bound instead, with an error that says what to keep less of.
const (
	// maxStepResultBytes bounds one step's result (JSON-encoded): an
	// answer body at the default cap of 1 MiB fits, with its headers.
	maxStepResultBytes = 1<<20 + 64<<10
	// maxRunStateBytes bounds the run's data, its top-level step results
	// and its step log together (JSON-encoded).
	maxRunStateBytes = 3 << 19 // 1.5 MiB
)

// maxStepsPerTask bounds the steps one workflow task runs: steps that make
// no call (SetVariables, Branch, a ForEach over them) run back to back in
// one task, whose time Temporal bounds (10 s by default). Past it the run
// yields, ending the task, so that no definition holds a worker's
// workflow task for long or is timed out forever.
const maxStepsPerTask = 100

// versionStateBounds guards the bounds on retained bytes and the yield
// after maxStepsPerTask steps. Like versionRenderedBounds, its marker is
// recorded only when a bound is reached: runs that never reach one keep
// the histories they always had, and a run that reached one before the
// bounds existed replays as it ran.
const versionStateBounds = "state-bounds"

// boundsOn reports whether this run applies the bounds, recording the
// marker on its first use in a new run.
func boundsOn(ctx workflow.Context) bool {
	return workflow.GetVersion(ctx, versionStateBounds, workflow.DefaultVersion, 1) != workflow.DefaultVersion
}

// jsonSize is v's size as the data converter writes it; a value that does
// not encode counts as nothing here (the converter reports it).
//
// It is json.Marshal's length without keeping the encoding: an Encoder
// writes the same bytes (HTML escaping on, as Marshal's) and a newline.
func jsonSize(v any) int {
	var n byteCounter
	if err := json.NewEncoder(&n).Encode(v); err != nil {
		return 0
	}
	return int(n) - 1
}

// byteCounter counts what is written to it.
type byteCounter int

func (c *byteCounter) Write(p []byte) (int, error) {
	*c += byteCounter(len(p))
	return len(p), nil
}

// checkResult fails a step whose result is larger than a run may keep of
// one step; the step's onError may route the failure. It returns the
// result's size.
func checkResult(ctx workflow.Context, step definition.Step, result any) (int, error) {
	n := jsonSize(result)
	if n <= maxStepResultBytes || !boundsOn(ctx) {
		return n, nil
	}
	return n, temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"step %s: its result is %d bytes, over the %d a run keeps of one step; ask for less (http.call's extract or maxResponseBytes)",
		step.ID, n, maxStepResultBytes), runs.ErrTypeStateTooLarge, nil)
}

// logEntryBytes bounds what a step log entry holds besides its inputs and
// output: ids, names, status, times.
const logEntryBytes = 512

// stateSize is the retained state's size, measured whole.
func (r *run) stateSize() int { return jsonSize(r.data) + jsonSize(r.root.steps) + jsonSize(r.log) }

// checkState fails the run once its retained state is larger than a run
// may keep. No onError route can keep such a run going. added bounds what
// the step added (its result, inputs, outputs and log entry): the state is
// measured whole only when the running bound passes the limit, so that a
// step costs work in proportion to what it added, not to all the run
// keeps.
func (r *run) checkState(ctx workflow.Context, step definition.Step, added int) error {
	r.stateBound += added + logEntryBytes
	if r.stateBound <= maxRunStateBytes {
		return nil
	}
	n := r.stateSize()
	r.stateBound = n
	if n <= maxRunStateBytes || !boundsOn(ctx) {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"after step %s the run keeps %d bytes (data, step results and log), over the %d a run may keep; keep less in outputs and step results",
		step.ID, n, maxRunStateBytes), runs.ErrTypeStateTooLarge, nil)
}

// yieldIfBusy ends the workflow task (with a 1 ms timer) once it has run
// maxStepsPerTask steps. The history's length only changes between tasks,
// so steps counted against the same length ran in the same task, in the
// first run and in every replay alike.
func (r *run) yieldIfBusy(ctx workflow.Context) error {
	length := workflow.GetInfo(ctx).GetCurrentHistoryLength()
	if length != r.taskHistoryLength {
		r.taskHistoryLength, r.taskSteps = length, 0
	}
	r.taskSteps++
	if r.taskSteps <= maxStepsPerTask || !boundsOn(ctx) {
		return nil
	}
	r.taskSteps = 0
	return workflow.Sleep(ctx, time.Millisecond)
}

// A run continues as new between top-level steps and between the
// iterations of a top-level ForEach. Inside any other block it cannot (it
// could not say where to go on), so a long loop there grows the history
// toward Temporal's hard limits (51,200 events, 50 MB), at which Temporal
// terminates the run with no word of why. Past these, a step inside a
// block fails instead, with an error that says what to change.
const (
	maxHistoryEventsInBlock = 40_000
	maxHistoryBytesInBlock  = 40 << 20
)

// versionHistoryInBlock guards that check; its marker is recorded only
// when a run reaches it.
const versionHistoryInBlock = "history-in-block"

// checkHistoryInBlock fails a step inside a block once the run's history
// is near Temporal's limits.
func (r *run) checkHistoryInBlock(ctx workflow.Context, step definition.Step, sc *scope) error {
	if r.topLevel(step, sc) {
		return nil
	}
	info := workflow.GetInfo(ctx)
	events, size := info.GetCurrentHistoryLength(), info.GetCurrentHistorySize()
	if events <= maxHistoryEventsInBlock && size <= maxHistoryBytesInBlock {
		return nil
	}
	if workflow.GetVersion(ctx, versionHistoryInBlock, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	return temporal.NewNonRetryableApplicationError(fmt.Sprintf(
		"step %s: the run's history reached %d events (%d bytes) inside a block, where a run cannot continue as new, "+
			"and Temporal ends a run at 51,200 events or 50 MB; move the long loop to the top level of the definition, "+
			"where it continues as new between iterations", step.ID, events, size), runs.ErrTypeStateTooLarge, nil)
}
