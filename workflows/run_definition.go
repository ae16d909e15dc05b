package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// maxStepExecutions bounds how many steps one run may execute (across
// continue-as-new), so a definition that jumps in a circle ends with an error
// instead of running forever.
const maxStepExecutions = 10000

// maxLogEntries bounds the step log carried in state and across
// continue-as-new; older entries are dropped first.
const maxLogEntries = 200

// RunDefinition interprets one definition version for one trigger event.
func RunDefinition(ctx workflow.Context, in runs.RunInput) (runs.RunOutput, error) {
	r := newRun(ctx, in)
	out, err := r.run(ctx)
	if err != nil && !workflow.IsContinueAsNewError(err) && ctx.Err() == nil {
		r.failed(ctx, err)
	}
	if len(in.RunEvents) > 0 && !workflow.IsContinueAsNewError(err) && ctx.Err() == nil {
		raiseRunEnd(ctx, in, out, err)
	}
	return out, err
}

// raiseRunEnd raises run.completed or run.failed, when the account
// subscribed to it when the run started (RunInput.RunEvents). A failure to
// raise it is logged, and changes nothing of the run's own result.
func raiseRunEnd(ctx workflow.Context, in runs.RunInput, out runs.RunOutput, runErr error) {
	event, status := runs.EventRunCompleted, "completed"
	if runErr != nil {
		event, status = runs.EventRunFailed, "failed"
	}
	if !slices.Contains(in.RunEvents, event) {
		return
	}
	info := workflow.GetInfo(ctx)
	payload := map[string]any{
		"definitionId": in.DefinitionID, "version": in.Version, "name": in.Name, "trigger": in.Trigger,
		"workflowId": in.EventID, "temporalWorkflowId": info.WorkflowExecution.ID, "runId": info.WorkflowExecution.RunID,
		"status": status, "data": out.Data,
	}
	if runErr != nil {
		payload["error"] = runErr.Error()
	}
	ev := runs.RaisedEvent{AccountID: in.AccountID, SubAccountID: in.SubAccountID, Type: event,
		ID: runs.EventWorkflowKey(info.WorkflowExecution.ID + "/" + event), Payload: payload}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: time.Hour,
		RetryPolicy:            &temporal.RetryPolicy{MaximumInterval: 5 * time.Minute},
		Summary:                "Raise " + event,
	})
	if err := workflow.ExecuteActivity(actx, runs.RaiseEventActivity, ev).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Warn("Could not raise the run's end", "event", event, "error", err)
	}
}

// versionErrorKind guards the search attribute a failed run sets
// (runs.ErrorKindKey). Its marker is recorded only when a run fails: runs
// that failed before it existed replay without the upsert, and runs that
// complete record nothing new.
const versionErrorKind = "error-kind-search-attribute"

// failed says in the Temporal UI why the run failed: in its current
// details, the step and the kind of error, and in JunctionErrorKind, the
// kind, which support staff search runs by. A failure to set the search
// attribute is logged: the run fails with its own error regardless.
func (r *run) failed(ctx workflow.Context, err error) {
	kind := runs.ErrorKind(err)
	if r.current != "" {
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("Failed in step **%s** (%s).", r.current, kind))
	} else {
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("Failed (%s).", kind))
	}
	if workflow.GetVersion(ctx, versionErrorKind, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, runs.ErrorKindKey.ValueSet(kind)); err != nil {
		workflow.GetLogger(ctx).Warn("Could not set the run's error kind", "kind", kind, "error", err)
	}
}

// run interprets the definition; RunDefinition adds what happens when it
// ends.
func (r *run) run(ctx workflow.Context) (runs.RunOutput, error) {
	in := r.in
	if err := workflow.SetQueryHandler(ctx, runs.StateQuery, func() (runs.RunState, error) {
		return runs.RunState{Data: r.data, Log: r.log, CurrentStep: r.current}, nil
	}); err != nil {
		return runs.RunOutput{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, runs.ControlUpdate, r.control,
		workflow.UpdateHandlerOptions{Validator: runs.ControlRequest.Validate}); err != nil {
		return runs.RunOutput{}, err
	}
	// A handler adds no command: runs in flight, which never receive this
	// update, replay as before.
	if err := workflow.SetUpdateHandler(ctx, runs.RespondUpdate, r.awaitResponse); err != nil {
		return runs.RunOutput{}, err
	}
	if len(in.Steps) == 0 {
		return r.output(), nil
	}
	if err := r.readState(ctx); err != nil {
		return r.output(), err
	}
	queue := []string{in.Steps[0].ID}
	if in.Resume != nil {
		queue = in.Resume.Queue
	}
	// The top level is a work list: a Branch may select several next steps,
	// each followed in the order its id sorts. Only here, between steps, may
	// the run continue as new: nested blocks finish first.
	startedAt := r.executed
	for len(queue) > 0 {
		if r.executed > startedAt && workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			r.queue = queue
			return runs.RunOutput{}, r.continueAsNew(ctx, nil)
		}
		id := queue[0]
		queue = queue[1:]
		r.queue, r.topStepID = queue, id
		next, err := r.step(ctx, id, r.root)
		if err != nil {
			return r.output(), err
		}
		queue = append(queue, next...)
	}
	r.current = ""
	workflow.SetCurrentDetails(ctx, "Completed.")
	return r.output(), nil
}

// run is the interpreter's state; every field is only touched from workflow
// coroutines, which Temporal runs one at a time.
type run struct {
	in        runs.RunInput
	data      map[string]any
	byID      map[string]definition.Step
	root      *scope
	log       []runs.StepLog
	current   string
	executed  int
	replies   workflow.ReceiveChannel
	seen      []string // ids of the last replies taken, to drop redeliveries
	suspended bool     // set by UpdateControl: no step starts while true
	now       func() time.Time
	uuid      func() string
	// taskHistoryLength and taskSteps count the steps run in the current
	// workflow task (see yieldIfBusy).
	taskHistoryLength int
	taskSteps         int
	// queue is the rest of the top level's work list while one of its
	// steps runs, and loop the ForEach a continued run resumes in.
	queue []string
	loop  *runs.LoopState
	// topStepID and topLogID are the top-level step running and its log
	// entry.
	topStepID string
	topLogID  string
	// stateBound is at least the size of what the run keeps (see
	// checkState).
	stateBound int
	// response is the first Respond step's answer, which RespondUpdate
	// waits for.
	response *runs.Response
	// state is what the run reads as state.account, state.user and state.conversation: read
	// once when the run starts (readState), and as its own SetState steps
	// leave it.
	state map[string]any
	// repliesSent counts the Reply steps the run sent, so each has its own
	// entry in the conversation's log.
	repliesSent int
}

// versionLoopContinueAsNew guards continuing as new between the
// iterations of a top-level ForEach. Its marker is recorded only when a
// run does so; runs that never were that long keep their histories.
const versionLoopContinueAsNew = "loop-continue-as-new"

// continueAsNew ends this run and carries what it knows into the next:
// the data, the top-level results, the rest of the top-level queue, the
// log and, when it stops inside a top-level ForEach, that loop (whose step
// runs first again, and whose log entry the next run starts anew).
func (r *run) continueAsNew(ctx workflow.Context, loop *runs.LoopState) error {
	queue, log := r.queue, r.log
	if loop != nil {
		queue = append([]string{loop.StepID}, r.queue...)
		log = slices.DeleteFunc(slices.Clone(r.log), func(l runs.StepLog) bool { return l.ID == r.topLogID })
	}
	next := r.in
	next.Resume = &runs.ResumeState{Data: r.data, Steps: r.root.steps, Queue: queue, Log: log, Executed: r.executed, Seen: r.seen, Loop: loop}
	return workflow.NewContinueAsNewError(ctx, runs.RunDefinitionWorkflow, next)
}

// topLevel reports whether step runs as a step of the top level, not in a
// block (an If's block shares the top level's scope, but not its queue:
// the run cannot stop inside it and say where to go on).
func (r *run) topLevel(step definition.Step, sc *scope) bool {
	return sc == r.root && step.ID == r.topStepID
}

// resumedLoop returns, once, the loop state of a continued run when step
// is that loop's ForEach at the top level; nil otherwise.
func (r *run) resumedLoop(step definition.Step, sc *scope) *runs.LoopState {
	if r.loop == nil || r.loop.StepID != step.ID || !r.topLevel(step, sc) {
		return nil
	}
	loop := r.loop
	r.loop = nil
	return loop
}

func isError(err error) bool { return err != nil }

// scope is what a chain of steps sees: the results of steps so far, and in
// a ForEach body the current item.
type scope struct {
	steps map[string]any
	item  any
	index int
	last  any // result of the last step run in this scope
}

func newRun(ctx workflow.Context, in runs.RunInput) *run {
	r := &run{
		in:      in,
		byID:    indexSteps(in.Steps),
		root:    &scope{steps: map[string]any{}},
		replies: workflow.GetSignalChannel(ctx, runs.ReplySignal),
		now:     func() time.Time { return workflow.Now(ctx).UTC() },
		uuid: func() string {
			// A side effect: the id is recorded once and replayed after.
			var id string
			_ = workflow.SideEffect(ctx, func(workflow.Context) any { return uuid.NewString() }).Get(&id)
			return id
		},
	}
	if in.Resume != nil {
		r.data = in.Resume.Data
		r.root.steps = in.Resume.Steps
		r.log = in.Resume.Log
		r.executed = in.Resume.Executed
		r.seen = in.Resume.Seen
		r.loop = in.Resume.Loop
	} else {
		r.data = runs.InitialData(in)
		// The event that started the run is never its own reply, even
		// when the sender's channel redelivers it.
		r.seen = []string{in.EventID}
	}
	if r.data == nil {
		r.data = map[string]any{}
	}
	if r.root.steps == nil {
		r.root.steps = map[string]any{}
	}
	r.stateBound = r.stateSize()
	return r
}

// maxSeenReplies bounds the reply ids remembered for deduplication.
const maxSeenReplies = 64

// firstSeen records a reply's event id and reports whether it is new.
func (r *run) firstSeen(eventID string) bool {
	if eventID == "" {
		return true
	}
	for _, id := range r.seen {
		if id == eventID {
			return false
		}
	}
	r.seen = append(r.seen, eventID)
	if len(r.seen) > maxSeenReplies {
		r.seen = r.seen[len(r.seen)-maxSeenReplies:]
	}
	return true
}

// control suspends or resumes the run. A suspended run finishes the step it
// is in (a wait keeps waiting) and starts no other until resumed; the
// search attribute lets the API list suspended runs.
func (r *run) control(ctx workflow.Context, req runs.ControlRequest) (runs.RunState, error) {
	want := req.Action == runs.ControlSuspend
	if r.suspended != want {
		r.suspended = want
		update := runs.RunStatusKey.ValueUnset()
		if want {
			update = runs.RunStatusKey.ValueSet(runs.RunStatusSuspended)
		}
		if err := workflow.UpsertTypedSearchAttributes(ctx, update); err != nil {
			return runs.RunState{}, err
		}
	}
	return runs.RunState{Data: r.data, Log: r.log, CurrentStep: r.current}, nil
}

func (r *run) output() runs.RunOutput {
	return runs.RunOutput{Data: r.data, Log: r.log, Response: r.response}
}

// awaitResponse is RespondUpdate's handler: it answers once a Respond step
// has. A run that ends first leaves it unanswered, and the caller reads
// the run's output instead.
func (r *run) awaitResponse(ctx workflow.Context) (runs.Response, error) {
	if err := workflow.Await(ctx, func() bool { return r.response != nil }); err != nil {
		return runs.Response{}, err
	}
	return *r.response, nil
}

func (r *run) env(sc *scope, step any) definition.Env {
	return definition.Env{
		Data: r.data, Step: step, Steps: sc.steps, Item: sc.item, Index: sc.index,
		State: r.state, Now: r.now, UUID: r.uuid,
	}
}

// chain runs the steps of a nested block from its first step until no next
// step is left, and returns the result of the last one.
func (r *run) chain(ctx workflow.Context, first string, sc *scope) (any, error) {
	queue := []string{first}
	for len(queue) > 0 {
		id := queue[0]
		queue = queue[1:]
		next, err := r.step(ctx, id, sc)
		if err != nil {
			return nil, err
		}
		queue = append(queue, next...)
	}
	return sc.last, nil
}

// step runs one step in a scope and returns the ids of the steps to run next.
func (r *run) step(ctx workflow.Context, id string, sc *scope) ([]string, error) {
	if r.executed >= maxStepExecutions {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("run executed %d steps; a jump loop never ends", maxStepExecutions), runs.ErrTypeStepLimit, nil)
	}
	if r.suspended {
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("Suspended before step **%s**; resume it through the API.", id))
		if err := workflow.Await(ctx, func() bool { return !r.suspended }); err != nil {
			return nil, err
		}
	}
	if err := r.yieldIfBusy(ctx); err != nil {
		return nil, err
	}
	r.executed++
	step, ok := r.byID[id]
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %q does not exist", id), runs.ErrTypeInvalidStep, nil)
	}
	if err := r.checkHistoryInBlock(ctx, step, sc); err != nil {
		return nil, err
	}
	r.current = step.ID
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("Running step **%s** (%s).", step.ID, step.StepType))
	logID := r.startLog(step)
	if r.topLevel(step, sc) {
		r.topLogID = logID
	}

	// The step's activities name its log entry in their summaries; a
	// context value issues no command, so replays are unaffected.
	ctx = workflow.WithValue(ctx, logEntryKey{}, logID)
	result, inputs, err := r.execute(ctx, step, sc, logID)
	if workflow.IsContinueAsNewError(err) {
		return nil, err // a loop handing over to the next run: not a failure
	}
	// added bounds the bytes this step adds to what the run keeps: its
	// result twice (the step results and the log), its inputs (the log)
	// and its outputs (the data).
	added := jsonSize(inputs)
	if err == nil {
		var n int
		n, err = checkResult(ctx, step, result)
		added += 2 * n
	}
	if err == nil {
		var n int
		n, err = r.saveOutputs(step, sc, result)
		added += n
	}
	entry := r.logEntry(logID)
	entry.Inputs = inputs
	entry.CompletedAt = r.now()
	if err != nil {
		entry.Status, entry.Error = runs.StepFailed, err.Error()
		added += 2 * len(entry.Error)
		next, err := r.onError(step, sc, err)
		if err == nil {
			err = r.checkState(ctx, step, added)
		}
		return next, err
	}
	entry.Status, entry.Output = runs.StepComplete, result
	sc.steps[step.ID], sc.last = result, result
	if err := r.checkState(ctx, step, added); err != nil {
		entry.Status, entry.Output, entry.Error = runs.StepFailed, nil, err.Error()
		return nil, err
	}
	return r.nextSteps(step, sc)
}

// onError applies the step's error route once its retries are spent.
func (r *run) onError(step definition.Step, sc *scope, err error) ([]string, error) {
	if step.OnError == nil || step.OnError.Action == "" || step.OnError.Action == definition.OnErrorFail {
		return nil, err
	}
	var limit *temporal.ApplicationError
	if errors.As(err, &limit) && limit.Type() == runs.ErrTypeStepLimit {
		return nil, err // no route may swallow the loop bound
	}
	result := map[string]any{"error": errorMessage(err)}
	sc.steps[step.ID], sc.last = result, result
	if step.OnError.Action == definition.OnErrorGoTo {
		return []string{step.OnError.NextStepID}, nil
	}
	return r.nextSteps(step, sc)
}

func (r *run) startLog(step definition.Step) string {
	r.log = append(r.log, runs.StepLog{
		ID:        step.ID + "#" + strconv.Itoa(r.executed),
		StepName:  step.ID,
		StepType:  step.StepType,
		StartedAt: r.now(),
		Status:    runs.StepRunning,
	})
	if len(r.log) > maxLogEntries {
		r.log = append([]runs.StepLog(nil), r.log[len(r.log)-maxLogEntries:]...)
	}
	return r.log[len(r.log)-1].ID
}

func (r *run) setStatus(logID, status string) { r.logEntry(logID).Status = status }

// logEntry finds an entry again: concurrent branches append to the log, so
// a pointer taken before a blocking call may be stale.
func (r *run) logEntry(id string) *runs.StepLog {
	for i := len(r.log) - 1; i >= 0; i-- {
		if r.log[i].ID == id {
			return &r.log[i]
		}
	}
	r.log = append(r.log, runs.StepLog{ID: id})
	return &r.log[len(r.log)-1]
}

// saveOutputs evaluates each output expression over step.* and stores it in
// the context data under its key, in sorted key order. It returns the size
// of what it stored.
func (r *run) saveOutputs(step definition.Step, sc *scope, result any) (int, error) {
	size := 0
	for _, key := range sortedKeys(step.Outputs) {
		v, err := definition.Render(step.Outputs[key], r.env(sc, result))
		if err != nil {
			return size, expressionError(step.ID, "outputs."+key, err)
		}
		r.data[key] = v
		size += len(key) + jsonSize(v)
	}
	return size, nil
}

// nextSteps follows nextStepId, or every selectNextStep whose condition is
// true; a null condition is the default, taken when no other is true.
func (r *run) nextSteps(step definition.Step, sc *scope) ([]string, error) {
	if step.NextStepID != "" {
		return []string{step.NextStepID}, nil
	}
	var next, defaults []string
	for _, target := range sortedKeys(step.SelectNextStep) {
		cond := step.SelectNextStep[target]
		if cond == nil {
			defaults = append(defaults, target)
			continue
		}
		v, err := definition.RenderString(*cond, r.env(sc, sc.steps[step.ID]))
		if err != nil {
			return nil, expressionError(step.ID, "selectNextStep."+target, err)
		}
		if definition.Truthy(v) {
			next = append(next, target)
		}
	}
	if len(next) == 0 {
		return defaults, nil
	}
	return next, nil
}

func indexSteps(steps []definition.Step) map[string]definition.Step {
	out := map[string]definition.Step{}
	var walk func([]definition.Step)
	walk = func(ss []definition.Step) {
		for _, s := range ss {
			out[s.ID] = s
			for _, block := range s.Do {
				walk(block)
			}
		}
	}
	walk(steps)
	return out
}

func expressionError(stepID, where string, err error) error {
	return temporal.NewNonRetryableApplicationError(
		fmt.Sprintf("step %s: %s: %v", stepID, where, err), runs.ErrTypeExpression, nil)
}

// errorMessage is the innermost cause: what support staff need to read.
func errorMessage(err error) string {
	var app *temporal.ApplicationError
	for e := err; e != nil; e = errors.Unwrap(e) {
		if errors.As(e, &app) && app.Unwrap() == nil {
			return app.Message()
		}
	}
	return err.Error()
}

// toGeneric turns a typed result into the maps expressions navigate.
func toGeneric(v any) (any, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	var out any
	if err := json.Unmarshal(b, &out); err != nil {
		return nil, err
	}
	return out, nil
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
