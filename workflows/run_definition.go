package workflows

import (
	"encoding/json"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/definition"
)

// RunDefinitionName is the workflow type shown in the Temporal UI.
const RunDefinitionName = "RunDefinition"

// SignalReply delivers an inbound message to a run waiting in a
// WaitForReply step.
const SignalReply = "reply"

// UpdateControl suspends or resumes a run; the caller learns the outcome
// (an update, unlike a signal, answers).
const UpdateControl = "control"

// Control actions.
const (
	ControlSuspend = "suspend"
	ControlResume  = "resume"
)

// ControlRequest is UpdateControl's argument.
type ControlRequest struct {
	Action string `json:"action"`
}

// maxStepExecutions bounds how many steps one run may execute (across
// continue-as-new), so a definition that jumps in a circle ends with an error
// instead of running forever.
const maxStepExecutions = 10000

// maxLogEntries bounds the step log carried in state and across
// continue-as-new; older entries are dropped first.
const maxLogEntries = 200

// Error types a failed run reports.
const (
	ErrTypeExpression   = "ExpressionError"
	ErrTypeInvalidStep  = "InvalidStep"
	ErrTypeStepLimit    = "StepLimitExceeded"
	ErrTypeStepFailed   = "StepFailed"
	ErrTypeNotSupported = "NotSupported"
)

// RunInput starts one run. It carries the definition's steps themselves, not
// a reference, so the run is pinned to the version it started on and replays
// never read a database.
type RunInput struct {
	AccountID    string            `json:"accountId"`
	SubAccountID string            `json:"subAccountId,omitempty"`
	DefinitionID string            `json:"definitionId"`
	Version      int               `json:"version"`
	Name         string            `json:"name"`
	Trigger      string            `json:"trigger"`
	EventID      string            `json:"eventId"`
	TriggeredAt  time.Time         `json:"triggeredAt"`
	Steps        []definition.Step `json:"steps"`
	// Payload is the trigger's data; its top-level fields become data.*.
	Payload map[string]any `json:"payload"`
	// Apps are the connector versions the definition version pins (its
	// "apps" block): connector steps call exactly these versions, however
	// many newer ones are registered since. A connector not named runs its
	// latest stable version (definitions saved before pinning existed).
	Apps map[string]string `json:"apps,omitempty"`
	// LocalHTTPSteps runs short HttpRequest steps as local activities
	// (see httpRequest). The gateway sets it from its RunOptions; it lives
	// in the input so that a run keeps the choice it started with, and a
	// replay never depends on the worker's configuration.
	LocalHTTPSteps bool `json:"localHttpSteps,omitempty"`
	// Resume is set when a run continues as new: where the previous run
	// stopped and what it knew.
	Resume *ResumeState `json:"resume,omitempty"`
}

// ResumeState carries a run across continue-as-new.
type ResumeState struct {
	Data     map[string]any `json:"data"`
	Steps    map[string]any `json:"steps"`
	Queue    []string       `json:"queue"`
	Log      []StepLog      `json:"log"`
	Executed int            `json:"executed"`
	Seen     []string       `json:"seen,omitempty"`
}

// RunOutput is what a completed run returns.
type RunOutput struct {
	Data map[string]any `json:"data"`
	Log  []StepLog      `json:"log"`
}

// RunState is what the state query returns while a run is open and after it
// closed.
type RunState struct {
	Data        map[string]any `json:"data"`
	Log         []StepLog      `json:"log"`
	CurrentStep string         `json:"currentStep,omitempty"`
}

// Step log statuses, 8x8's names.
const (
	StepRunning         = "Running"
	StepComplete        = "Complete"
	StepFailed          = "Failed"
	StepSleeping        = "Sleeping"
	StepWaitingForEvent = "WaitingForEvent"
)

// StepLog is one executed step, as 8x8's workflowLog reports it, with the
// inputs it ran with and the result it produced.
type StepLog struct {
	ID          string    `json:"id"`
	StepName    string    `json:"stepName"`
	StepType    string    `json:"stepType,omitempty"`
	StartedAt   time.Time `json:"startedAt"`
	CompletedAt time.Time `json:"completedAt,omitzero"`
	Status      string    `json:"status"`
	Inputs      any       `json:"inputs,omitempty"`
	Output      any       `json:"output,omitempty"`
	Error       string    `json:"error,omitempty"`
}

// Reply is the signal a WaitForReply step waits for.
type Reply struct {
	// EventID is the inbound message's id; a redelivery carries the same.
	EventID string         `json:"eventId"`
	From    string         `json:"from"`
	Channel string         `json:"channel"`
	Event   map[string]any `json:"event"`
}

// RunDefinition interprets one definition version for one trigger event.
func RunDefinition(ctx workflow.Context, in RunInput) (RunOutput, error) {
	r := newRun(ctx, in)
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (RunState, error) {
		return RunState{Data: r.data, Log: r.log, CurrentStep: r.current}, nil
	}); err != nil {
		return RunOutput{}, err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateControl, r.control,
		workflow.UpdateHandlerOptions{Validator: validateControl}); err != nil {
		return RunOutput{}, err
	}
	if len(in.Steps) == 0 {
		return r.output(), nil
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
			next := in
			next.Resume = &ResumeState{Data: r.data, Steps: r.root.steps, Queue: queue, Log: r.log, Executed: r.executed, Seen: r.seen}
			return RunOutput{}, workflow.NewContinueAsNewError(ctx, RunDefinitionName, next)
		}
		id := queue[0]
		queue = queue[1:]
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
	in        RunInput
	data      map[string]any
	byID      map[string]definition.Step
	root      *scope
	log       []StepLog
	current   string
	executed  int
	replies   workflow.ReceiveChannel
	seen      []string // ids of the last replies taken, to drop redeliveries
	suspended bool     // set by UpdateControl: no step starts while true
	now       func() time.Time
	uuid      func() string
}

// scope is what a chain of steps sees: the results of steps so far, and in
// a ForEach body the current item.
type scope struct {
	steps map[string]any
	item  any
	index int
	last  any // result of the last step run in this scope
}

func newRun(ctx workflow.Context, in RunInput) *run {
	r := &run{
		in:      in,
		byID:    indexSteps(in.Steps),
		root:    &scope{steps: map[string]any{}},
		replies: workflow.GetSignalChannel(ctx, SignalReply),
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
	} else {
		r.data = InitialData(in)
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

func validateControl(req ControlRequest) error {
	if req.Action != ControlSuspend && req.Action != ControlResume {
		return fmt.Errorf("action must be %q or %q, not %q", ControlSuspend, ControlResume, req.Action)
	}
	return nil
}

// control suspends or resumes the run. A suspended run finishes the step it
// is in (a wait keeps waiting) and starts no other until resumed; the
// search attribute lets the API list suspended runs.
func (r *run) control(ctx workflow.Context, req ControlRequest) (RunState, error) {
	want := req.Action == ControlSuspend
	if r.suspended != want {
		r.suspended = want
		update := RunStatusKey.ValueUnset()
		if want {
			update = RunStatusKey.ValueSet(RunStatusSuspended)
		}
		if err := workflow.UpsertTypedSearchAttributes(ctx, update); err != nil {
			return RunState{}, err
		}
	}
	return RunState{Data: r.data, Log: r.log, CurrentStep: r.current}, nil
}

func (r *run) output() RunOutput { return RunOutput{Data: r.data, Log: r.log} }

func (r *run) env(sc *scope, step any) definition.Env {
	return definition.Env{
		Data: r.data, Step: step, Steps: sc.steps, Item: sc.item, Index: sc.index,
		Now: r.now, UUID: r.uuid,
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
			fmt.Sprintf("run executed %d steps; a jump loop never ends", maxStepExecutions), ErrTypeStepLimit, nil)
	}
	if r.suspended {
		workflow.SetCurrentDetails(ctx, fmt.Sprintf("Suspended before step **%s**; resume it through the API.", id))
		if err := workflow.Await(ctx, func() bool { return !r.suspended }); err != nil {
			return nil, err
		}
	}
	r.executed++
	step, ok := r.byID[id]
	if !ok {
		return nil, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %q does not exist", id), ErrTypeInvalidStep, nil)
	}
	r.current = step.ID
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("Running step **%s** (%s).", step.ID, step.StepType))
	logID := r.startLog(step)

	result, inputs, err := r.execute(ctx, step, sc, logID)
	if err == nil {
		err = r.saveOutputs(step, sc, result)
	}
	entry := r.logEntry(logID)
	entry.Inputs = inputs
	entry.CompletedAt = r.now()
	if err != nil {
		entry.Status, entry.Error = StepFailed, err.Error()
		return r.onError(step, sc, err)
	}
	entry.Status, entry.Output = StepComplete, result
	sc.steps[step.ID], sc.last = result, result
	return r.nextSteps(step, sc)
}

// onError applies the step's error route once its retries are spent.
func (r *run) onError(step definition.Step, sc *scope, err error) ([]string, error) {
	if step.OnError == nil || step.OnError.Action == "" || step.OnError.Action == definition.OnErrorFail {
		return nil, err
	}
	var limit *temporal.ApplicationError
	if errors.As(err, &limit) && limit.Type() == ErrTypeStepLimit {
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
	r.log = append(r.log, StepLog{
		ID:        step.ID + "#" + strconv.Itoa(r.executed),
		StepName:  step.ID,
		StepType:  step.StepType,
		StartedAt: r.now(),
		Status:    StepRunning,
	})
	if len(r.log) > maxLogEntries {
		r.log = append([]StepLog(nil), r.log[len(r.log)-maxLogEntries:]...)
	}
	return r.log[len(r.log)-1].ID
}

func (r *run) setStatus(logID, status string) { r.logEntry(logID).Status = status }

// logEntry finds an entry again: concurrent branches append to the log, so
// a pointer taken before a blocking call may be stale.
func (r *run) logEntry(id string) *StepLog {
	for i := len(r.log) - 1; i >= 0; i-- {
		if r.log[i].ID == id {
			return &r.log[i]
		}
	}
	r.log = append(r.log, StepLog{ID: id})
	return &r.log[len(r.log)-1]
}

// saveOutputs evaluates each output expression over step.* and stores it in
// the context data under its key, in sorted key order.
func (r *run) saveOutputs(step definition.Step, sc *scope, result any) error {
	for _, key := range sortedKeys(step.Outputs) {
		v, err := definition.Render(step.Outputs[key], r.env(sc, result))
		if err != nil {
			return expressionError(step.ID, "outputs."+key, err)
		}
		r.data[key] = v
	}
	return nil
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

// InitialData is the context a run starts with: the trigger payload's
// fields plus accountId, triggeredAt and subAccountId. The gateway evaluates
// trigger conditions over the same data.
func InitialData(in RunInput) map[string]any {
	data := make(map[string]any, len(in.Payload)+3)
	for k, v := range in.Payload {
		data[k] = v
	}
	// The context fields 8x8 defines win over payload fields of the same
	// name: definitions rely on them being what the platform says.
	data["accountId"] = in.AccountID
	data["triggeredAt"] = in.TriggeredAt.UTC().Format(time.RFC3339Nano)
	if in.SubAccountID != "" {
		data["subAccountId"] = in.SubAccountID
	}
	return data
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
		fmt.Sprintf("step %s: %s: %v", stepID, where, err), ErrTypeExpression, nil)
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
