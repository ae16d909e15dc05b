package workflows

import (
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// webhookActivityOptions are a Webhook step's: each attempt is one
// request (attemptPolicy).
func webhookActivityOptions(inputs map[string]any) workflow.ActivityOptions {
	timeout := runs.MaxDeliveryTimeout
	if t, ok := inputs["timeoutSeconds"].(float64); ok && t > 0 && time.Duration(t*float64(time.Second)) < timeout {
		timeout = time.Duration(t * float64(time.Second))
	}
	return workflow.ActivityOptions{
		StartToCloseTimeout: timeout + deliveryAttemptSlack,
		RetryPolicy: attemptPolicy(runs.ErrTypeRetriesExhausted, runs.ErrTypeGone, runs.ErrTypeBadRequest,
			runs.ErrTypeDestinationRefused),
	}
}

// webhook runs a Webhook step. By default the run waits for the answer,
// however long the schedule takes; with "wait": false the request goes to
// a workflow of its own, abandoned by the run, which goes on once that
// workflow has started.
func (r *run) webhook(ctx workflow.Context, step definition.Step, sc *scope) (any, any, error) {
	inputs, env, err := r.renderCallInputs(ctx, step, sc)
	if err != nil {
		return nil, nil, err
	}
	call := runs.WebhookCall{StepID: step.ID, AccountID: r.in.AccountID, Inputs: inputs, Env: env}
	opts := webhookActivityOptions(inputs)
	opts.Summary = stepSummary(ctx, step)
	if wait, ok := inputs["wait"].(bool); ok && !wait {
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			TaskQueue:         runs.TaskQueue,
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
			StaticSummary:     fmt.Sprintf("Webhook step %s of %s", step.ID, r.in.Name),
		})
		child := workflow.ExecuteChildWorkflow(cctx, runs.WebhookWorkflow, call)
		var started workflow.Execution
		if err := child.GetChildWorkflowExecution().Get(ctx, &started); err != nil {
			return nil, inputs, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s: starting its webhook", step.ID), runs.ErrTypeStepFailed, err)
		}
		return map[string]any{"workflowId": started.ID, "attempts": 0}, inputs, nil
	}
	var res runs.WebhookResult
	if err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), runs.SendWebhookActivity, call).Get(ctx, &res); err != nil {
		return nil, inputs, temporal.NewNonRetryableApplicationError(fmt.Sprintf("step %s failed", step.ID), runs.ErrTypeStepFailed, err)
	}
	result, err := toGeneric(&res)
	return result, inputs, err
}

// Webhook sends a Webhook step's request for a run that did not wait for
// it.
func Webhook(ctx workflow.Context, call runs.WebhookCall) (runs.WebhookResult, error) {
	opts := webhookActivityOptions(call.Inputs)
	opts.Summary = call.StepID
	var res runs.WebhookResult
	err := workflow.ExecuteActivity(workflow.WithActivityOptions(ctx, opts), runs.SendWebhookActivity, call).Get(ctx, &res)
	return res, err
}
