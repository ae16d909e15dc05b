package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/metrics"
	"github.com/junction-run/junction/outbound"
	"github.com/junction-run/junction/runs"
)

// errKindUnclassified is the error kind of a failure that is not an
// application error (a wrapped Go error): Temporal retries it.
const errKindUnclassified = "Unclassified"

// callOutcome reads what a connector call returned as a metric's outcome
// and error kind: the kind is the failure's type, one of the runs.ErrType*
// kinds mapConnectorError and the resolvers give.
func callOutcome(err error) (outcome, kind string) {
	if err == nil {
		return metrics.OutcomeSuccess, ""
	}
	var appErr *temporal.ApplicationError
	switch {
	case errors.As(err, &appErr) && appErr.NonRetryable():
		return metrics.OutcomeFailure, appErr.Type()
	case appErr != nil:
		return metrics.OutcomeRetry, appErr.Type()
	case errors.Is(err, context.DeadlineExceeded):
		return metrics.OutcomeRetry, runs.ErrTypeTimeout
	}
	return metrics.OutcomeRetry, errKindUnclassified
}

// observeCall records one connector call (an action's or a poll's) that
// started at start and ended with err.
func (c *Connectors) observeCall(app, action string, start time.Time, err error) {
	outcome, kind := callOutcome(err)
	c.Metrics.ConnectorCall(app, action, outcome, kind, time.Since(start))
}

// observePolled records one poll, counted as a call of the trigger
// and, when it succeeded, with its items and its lag: the time since
// Temporal first scheduled the poll activity (retries included), so since
// the poll was due.
func (c *Connectors) observePolled(ctx context.Context, in runs.PollCall, start time.Time, out runs.PollOutput, err error) {
	c.observeCall(in.Connector, in.Trigger, start, err)
	if err != nil {
		return
	}
	var lag time.Duration
	if activity.IsActivity(ctx) {
		lag = time.Since(activity.GetInfo(ctx).ScheduledTime)
	}
	c.Metrics.Poll(in.Connector, in.Trigger, len(out.Items), lag)
}

// attemptOutcomes names outbound's outcomes for
// junction_delivery_attempts_total.
var attemptOutcomes = map[outbound.Outcome]string{
	outbound.Delivered: metrics.AttemptDelivered,
	outbound.Retry:     metrics.AttemptRetry,
	outbound.Throttled: metrics.AttemptThrottled,
	outbound.Gone:      metrics.AttemptGone,
}
