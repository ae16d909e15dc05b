package workflows

import (
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
	"github.com/junction-run/junction/definition"
)

// RunDefinitionName is the workflow type shown in the Temporal UI.
const RunDefinitionName = "RunDefinition"

// maxStepExecutions bounds how many steps one run may execute, so a
// definition that jumps in a circle ends with an error instead of growing
// its history until Temporal kills it.
const maxStepExecutions = 1000

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
	StepRunning  = "Running"
	StepComplete = "Complete"
	StepFailed   = "Failed"
)

// StepLog is one executed step, as 8x8's workflowLog reports it.
type StepLog struct {
	ID          string    `json:"id"`
	StepName    string    `json:"stepName"`
	StartedAt   time.Time `json:"startedAt"`
	CompletedAt time.Time `json:"completedAt,omitzero"`
	Status      string    `json:"status"`
	Error       string    `json:"error,omitempty"`
}

// RunDefinition interprets one definition version for one trigger event.
func RunDefinition(ctx workflow.Context, in RunInput) (RunOutput, error) {
	r := &run{
		in:    in,
		data:  initialData(in),
		steps: map[string]any{},
		byID:  indexSteps(in.Steps),
	}
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (RunState, error) {
		return RunState{Data: r.data, Log: r.log, CurrentStep: r.current}, nil
	}); err != nil {
		return RunOutput{}, err
	}
	if len(in.Steps) == 0 {
		return RunOutput{Data: r.data}, nil
	}

	// A work list rather than recursion: a step may select several next
	// steps, each followed in the order its id sorts.
	queue := []string{in.Steps[0].ID}
	for executed := 0; len(queue) > 0; executed++ {
		if executed >= maxStepExecutions {
			return r.output(), temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("run executed %d steps; a jump loop never ends", maxStepExecutions), ErrTypeStepLimit, nil)
		}
		id := queue[0]
		queue = queue[1:]
		step, ok := r.byID[id]
		if !ok {
			return r.output(), temporal.NewNonRetryableApplicationError(
				fmt.Sprintf("step %q does not exist", id), ErrTypeInvalidStep, nil)
		}
		next, err := r.execute(ctx, step, executed)
		if err != nil {
			return r.output(), err
		}
		queue = append(queue, next...)
	}
	r.current = ""
	return r.output(), nil
}

type run struct {
	in      RunInput
	data    map[string]any
	steps   map[string]any
	byID    map[string]definition.Step
	log     []StepLog
	current string
}

func (r *run) output() RunOutput { return RunOutput{Data: r.data, Log: r.log} }

func (r *run) env(step any) definition.Env {
	return definition.Env{Data: r.data, Step: step, Steps: r.steps}
}

// execute runs one step and returns the ids of the steps to run next.
func (r *run) execute(ctx workflow.Context, step definition.Step, n int) ([]string, error) {
	r.current = step.ID
	r.log = append(r.log, StepLog{
		ID:        step.ID + "#" + strconv.Itoa(n+1),
		StepName:  step.ID,
		StartedAt: workflow.Now(ctx).UTC(),
		Status:    StepRunning,
	})
	entry := &r.log[len(r.log)-1]
	finish := func(err error) error {
		entry.CompletedAt = workflow.Now(ctx).UTC()
		if err != nil {
			entry.Status = StepFailed
			entry.Error = err.Error()
			return err
		}
		entry.Status = StepComplete
		return nil
	}

	var result any
	var err error
	switch step.StepType {
	case definition.StepHTTPRequest:
		result, err = r.httpRequest(ctx, step)
	default:
		err = temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s: step type %q is not supported yet", step.ID, step.StepType), ErrTypeNotSupported, nil)
	}
	if err != nil {
		return nil, finish(err)
	}
	r.steps[step.ID] = result
	if err := r.saveOutputs(step, result); err != nil {
		return nil, finish(err)
	}
	next, err := r.nextSteps(step)
	return next, finish(err)
}

func (r *run) httpRequest(ctx workflow.Context, step definition.Step) (any, error) {
	rendered, err := definition.Render(step.Inputs, r.env(nil))
	if err != nil {
		return nil, expressionError(step.ID, "inputs", err)
	}
	inputs, _ := rendered.(map[string]any)
	req := activities.HTTPRequest{
		StepID:     step.ID,
		Method:     stringOf(inputs["method"]),
		URL:        stringOf(inputs["url"]),
		Headers:    stringMap(inputs["headers"]),
		Parameters: stringMap(inputs["parameters"]),
		Body:       inputs["body"],
	}
	if t, ok := inputs["timeoutSeconds"].(float64); ok && t > 0 {
		req.TimeoutSeconds = int(t)
	} else if t, ok := inputs["timeoutSeconds"].(int); ok && t > 0 {
		req.TimeoutSeconds = t
	}
	timeout := 5 * time.Second
	if req.TimeoutSeconds > 0 {
		timeout = time.Duration(req.TimeoutSeconds) * time.Second
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		// The activity enforces the step's own timeout; this one only
		// catches a worker that died mid-call.
		StartToCloseTimeout: timeout + 10*time.Second,
		// Until per-step retry lands, every HttpRequest step gets the same
		// explicit policy: about 10 minutes of backoff for a third party
		// that is down, and no retries for answers that cannot change.
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        15,
			NonRetryableErrorTypes: []string{activities.ErrTypeBadRequest, activities.ErrTypeResponseTooLarge},
		},
		Summary: step.ID,
	})
	var resp activities.HTTPResponse
	if err := workflow.ExecuteActivity(actx, activities.HTTPRequestName, req).Get(ctx, &resp); err != nil {
		return nil, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("step %s failed", step.ID), ErrTypeStepFailed, err)
	}
	return toGeneric(resp)
}

// saveOutputs evaluates each output expression over step.* and stores it in
// the context data under its key; keys are visited in sorted order so the
// same definition always evaluates in the same order.
func (r *run) saveOutputs(step definition.Step, result any) error {
	for _, key := range sortedKeys(step.Outputs) {
		v, err := definition.Render(step.Outputs[key], r.env(result))
		if err != nil {
			return expressionError(step.ID, "outputs."+key, err)
		}
		r.data[key] = v
	}
	return nil
}

// nextSteps follows nextStepId, or every selectNextStep whose condition is
// true; a null condition is the default, taken when no other is true.
func (r *run) nextSteps(step definition.Step) ([]string, error) {
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
		v, err := definition.RenderString(*cond, r.env(r.steps[step.ID]))
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

func initialData(in RunInput) map[string]any {
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

func stringOf(v any) string {
	switch t := v.(type) {
	case nil:
		return ""
	case string:
		return t
	default:
		return fmt.Sprint(t)
	}
}

func stringMap(v any) map[string]string {
	m, ok := v.(map[string]any)
	if !ok || len(m) == 0 {
		return nil
	}
	out := make(map[string]string, len(m))
	for k, val := range m {
		if val == nil {
			continue
		}
		if s, ok := val.(string); ok {
			out[k] = s
			continue
		}
		b, _ := json.Marshal(val)
		out[k] = string(b)
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
