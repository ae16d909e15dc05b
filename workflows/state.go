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

// versionState guards reading the states a definition refers to: a run
// that started before states existed, whose definition happens to hold
// the text "state.", replays without the read.
const versionState = "state"

// refersToState reports whether steps read or write a state.
func refersToState(steps []definition.Step) bool {
	if definition.HasStepType(steps, definition.StepSetState) {
		return true
	}
	b, err := json.Marshal(steps)
	return err == nil && mentionsState(b)
}

var stateActivityOptions = workflow.ActivityOptions{
	StartToCloseTimeout: 15 * time.Second,
	RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: time.Minute, MaximumAttempts: 20},
}

// readState reads, once, the states a run's definition refers to.
func (r *run) readState(ctx workflow.Context) error {
	if !refersToState(r.in.Steps) || workflow.GetVersion(ctx, versionState, workflow.DefaultVersion, 1) == workflow.DefaultVersion {
		return nil
	}
	lctx := workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: stateActivityOptions.StartToCloseTimeout, RetryPolicy: stateActivityOptions.RetryPolicy,
		Summary: "Read the states the definition refers to",
	})
	var state map[string]any
	if err := workflow.ExecuteLocalActivity(lctx, runs.ReadStateActivity, runs.StateRead{AccountID: r.in.AccountID, UserKey: r.in.UserKey, ConversationID: r.in.ConversationID}).Get(ctx, &state); err != nil {
		return temporal.NewNonRetryableApplicationError("reading the states the definition refers to", runs.ErrTypeStepFailed, err)
	}
	r.state = state
	return nil
}

// setState writes a SetState step's values into its scope: the values are
// sent as written, to be evaluated in the activity against the state as it
// is at the write.
func (r *run) setState(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	scope := fmt.Sprint(step.Inputs["scope"])
	values, _ := step.Inputs["values"].(map[string]any)
	expiresIn, _ := step.Inputs["expiresIn"].(string)
	declared := r.in.States[scope]
	if expiresIn == "" {
		expiresIn = declared.ExpiresIn
	}
	in := runs.StateWrite{StepID: step.ID, AccountID: r.in.AccountID, Scope: scope, UserKey: r.in.UserKey, ConversationID: r.in.ConversationID,
		Values: values, ExpiresIn: expiresIn, Schema: declared.Schema, Data: r.data, Steps: sc.steps, Item: sc.item, Index: sc.index, Now: r.now()}
	var state map[string]any
	opts := stateActivityOptions
	opts.Summary = stepSummary(ctx, step)
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), runs.WriteStateActivity, in).Get(ctx, &state); err != nil {
		return nil, step.Inputs, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s failed", step.ID), runs.ErrTypeStepFailed, err)
	}
	if r.state == nil {
		r.state = map[string]any{}
	}
	r.state[scope] = state
	return map[string]any{"state": state}, step.Inputs, nil
}
