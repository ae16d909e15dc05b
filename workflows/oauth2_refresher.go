package workflows

import (
	"fmt"
	"time"

	"github.com/junction-run/junction/runs"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// RefresherIdleTimeout is how long a connection's refresher waits for the
// next refresh before it ends; the next refresh starts it again.
const RefresherIdleTimeout = time.Hour

// refresherMaxUpdates bounds one run's history; then it continues as new.
const refresherMaxUpdates = 500

var refreshActivity = workflow.ActivityOptions{
	StartToCloseTimeout: 45 * time.Second,
	RetryPolicy: &temporal.RetryPolicy{
		InitialInterval:    time.Second,
		BackoffCoefficient: 2,
		MaximumInterval:    30 * time.Second,
		MaximumAttempts:    5,
		NonRetryableErrorTypes: []string{runs.ErrTypeUnauthorized, runs.ErrTypeNotFound,
			runs.ErrTypeInvalidConnection, runs.ErrTypeNotConfigured},
	},
}

// OAuth2Refresher is the one writer of a connection's OAuth2 token
// (workflow id activities.RefresherWorkflowID). Activities that find their
// token expired or refused send it the update "refresh" with the Vault
// version they read, through update-with-start. Handlers take a workflow
// mutex, so refreshes run one at a time: a request that saw an older
// version than the last answer gets that answer at once, and the rest run
// the refresh activity, which itself refreshes only if Vault still holds
// what the caller saw. A provider that rotates refresh tokens thus never
// sees one twice. Only versions pass through here, never a token.
func OAuth2Refresher(ctx workflow.Context, in runs.OAuth2RefresherInput) error {
	latest, updates, running := in.Latest, 0, 0
	mu := workflow.NewMutex(ctx)
	actx := workflow.WithActivityOptions(ctx, refreshActivity)
	err := workflow.SetUpdateHandlerWithOptions(ctx, runs.OAuth2RefreshUpdate,
		func(ctx workflow.Context, req runs.OAuth2RefreshRequest) (runs.OAuth2RefreshAnswer, error) {
			updates++
			running++
			defer func() { running-- }()
			if err := mu.Lock(ctx); err != nil {
				return runs.OAuth2RefreshAnswer{}, err
			}
			defer mu.Unlock()
			if req.SeenVersion < latest {
				return runs.OAuth2RefreshAnswer{Version: latest}, nil
			}
			var ans runs.OAuth2RefreshAnswer
			if err := workflow.ExecuteActivity(actx, runs.RefreshOAuth2TokenActivity, req).Get(ctx, &ans); err != nil {
				return runs.OAuth2RefreshAnswer{}, err
			}
			latest = max(latest, ans.Version)
			return ans, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(req runs.OAuth2RefreshRequest) error {
			if req.AccountID != in.AccountID || req.ConnectionID != in.ConnectionID {
				return fmt.Errorf("this refresher serves connection %s of %s", in.ConnectionID, in.AccountID)
			}
			return nil
		}})
	if err != nil {
		return err
	}
	for {
		seen := updates
		more, err := workflow.AwaitWithTimeout(ctx, RefresherIdleTimeout, func() bool { return updates != seen || running > 0 })
		if err != nil {
			return err
		}
		if !more || updates >= refresherMaxUpdates || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
			break
		}
		if err := workflow.Await(ctx, func() bool { return running == 0 }); err != nil {
			return err
		}
	}
	// Finish what was accepted before ending or handing over.
	if err := workflow.Await(ctx, func() bool { return running == 0 && workflow.AllHandlersFinished(ctx) }); err != nil {
		return err
	}
	if updates >= refresherMaxUpdates || workflow.GetInfo(ctx).GetContinueAsNewSuggested() {
		in.Latest = latest
		return workflow.NewContinueAsNewError(ctx, runs.OAuth2RefresherWorkflow, in)
	}
	return nil
}
