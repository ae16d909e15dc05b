package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/runs"
)

// deliveryAttemptSlack is how much longer than its request an attempt may
// take: reading the delivery, its secrets, and recording the answer.
const deliveryAttemptSlack = 15 * time.Second

// attemptPolicy is the retry policy of an activity that sends one webhook
// attempt each time (a delivery's, a Webhook step's): each failure brings
// its own delay (the schedule's, or the receiver's Retry-After) through
// NextRetryDelay, so the intervals below serve only attempts that fail
// before they can compute one (the store down, say); the activity ends the
// attempts itself when its schedule is spent, and the maximum only stops
// one that keeps failing before it sends.
func attemptPolicy(nonRetryable ...string) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        10 * time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        30 * time.Minute,
		MaximumAttempts:        runs.MaxDeliveryAttempts,
		NonRetryableErrorTypes: nonRetryable,
	}
}

// Delivery sends one generation of a delivery. The send activity is the
// whole loop: each attempt sends and records, and a failed one asks
// Temporal for the next attempt after the subscription's schedule (or the
// receiver's Retry-After) through NextRetryDelay; when the schedule is
// spent, the receiver is gone or the subscription was disabled, it fails
// for good and says why. Then, and only then, the settle activity raises
// the events that follow, so that raising them can be retried without
// sending the request again.
func Delivery(ctx workflow.Context, in runs.DeliveryInput) (runs.DeliveryResult, error) {
	sendCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: runs.MaxDeliveryTimeout + deliveryAttemptSlack,
		RetryPolicy:         attemptPolicy(runs.ErrTypeRetriesExhausted, runs.ErrTypeGone, runs.ErrTypeSubscriptionDisabled),
	})
	var res runs.DeliveryResult
	err := workflow.ExecuteActivity(sendCtx, runs.SendDeliveryActivity, in).Get(ctx, &res)
	if err == nil {
		return res, nil
	}
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.HasDetails() || appErr.Details(&res) != nil {
		// The attempts ran out before the activity could say why (it
		// kept failing before sending): the delivery has failed all the
		// same, and settling records it.
		res = runs.DeliveryResult{Status: "failed", Reason: runs.ErrTypeRetriesExhausted}
	}
	settleCtx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 5 * time.Minute},
	})
	if err := workflow.ExecuteActivity(settleCtx, runs.SettleDeliveryActivity, in, res).Get(ctx, nil); err != nil {
		return res, err
	}
	return res, nil
}
