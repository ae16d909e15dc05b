package workflows

import (
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
)

// activityDefaults are a step kind's options when the definition sets none.
type activityDefaults struct {
	startToClose time.Duration
	retry        temporal.RetryPolicy
}

// Every third-party call gets an explicit policy: about 10 minutes of
// backoff for a party that is down, and no retries for answers that cannot
// change.
var (
	httpDefaults = activityDefaults{
		startToClose: 15 * time.Second,
		retry: temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        15,
			NonRetryableErrorTypes: []string{runs.ErrTypeBadRequest, runs.ErrTypeResponseTooLarge},
		},
	}
	connectorDefaults = activityDefaults{
		startToClose: 2 * time.Minute,
		retry: temporal.RetryPolicy{
			InitialInterval:        time.Second,
			BackoffCoefficient:     2,
			MaximumInterval:        time.Minute,
			MaximumAttempts:        15,
			NonRetryableErrorTypes: []string{runs.ErrTypeBadRequest},
		},
	}
	messagingDefaults = activityDefaults{
		startToClose: 30 * time.Second,
		retry: temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    15,
		},
	}
)

// activityOptions merges a step's retry and timeout over the defaults;
// the caller adds the summary (stepSummary), which needs the context.
func activityOptions(step definition.Step, d activityDefaults) (workflow.ActivityOptions, error) {
	opts := workflow.ActivityOptions{StartToCloseTimeout: d.startToClose}
	policy := d.retry
	policy.NonRetryableErrorTypes = append([]string(nil), d.retry.NonRetryableErrorTypes...)
	if step.Timeout != "" {
		t, err := definition.ParseDuration(step.Timeout)
		if err != nil {
			return opts, fmt.Errorf("timeout: %w", err)
		}
		opts.StartToCloseTimeout = t
	}
	if rp := step.Retry; rp != nil {
		for _, f := range []struct {
			name string
			src  string
			dst  *time.Duration
		}{
			{"retry.initialInterval", rp.InitialInterval, &policy.InitialInterval},
			{"retry.maximumInterval", rp.MaximumInterval, &policy.MaximumInterval},
			{"retry.expiration", rp.Expiration, &opts.ScheduleToCloseTimeout},
		} {
			if f.src == "" {
				continue
			}
			v, err := definition.ParseDuration(f.src)
			if err != nil {
				return opts, fmt.Errorf("%s: %w", f.name, err)
			}
			*f.dst = v
		}
		if rp.BackoffCoefficient != 0 {
			policy.BackoffCoefficient = rp.BackoffCoefficient
		}
		if rp.MaximumAttempts != 0 {
			policy.MaximumAttempts = int32(rp.MaximumAttempts)
		}
		if rp.Expiration != "" && rp.MaximumAttempts == 0 {
			// An expiration is the budget: attempts are bounded by it.
			policy.MaximumAttempts = 0
		}
		if policy.MaximumInterval < policy.InitialInterval {
			policy.MaximumInterval = policy.InitialInterval
		}
		policy.NonRetryableErrorTypes = append(policy.NonRetryableErrorTypes, rp.NonRetryableErrorTypes...)
	}
	opts.RetryPolicy = &policy
	return opts, nil
}

// loopIndexKey holds, in a ForEach iteration's context, which loop and
// item the iteration is (loopIndex), for its activities' summaries.
type loopIndexKey struct{}

type loopIndex struct {
	step  string
	index int
}

// logEntryKey holds, in a step's context, the id of the step's log entry,
// which its activities' summaries name.
type logEntryKey struct{}

// stepSummary is what the Temporal UI shows of a step's activity
// (runs.StepSummary: its log entry and type), and in a ForEach the item's
// index (the innermost loop's), so that a loop's hundred calls read apart.
func stepSummary(ctx workflow.Context, step definition.Step) string {
	logID, ok := ctx.Value(logEntryKey{}).(string)
	if !ok {
		logID = step.ID
	}
	s := runs.StepSummary(logID, step.StepType)
	if loop, ok := ctx.Value(loopIndexKey{}).(loopIndex); ok {
		s += fmt.Sprintf(", item %d of %s", loop.index, loop.step)
	}
	return s
}
