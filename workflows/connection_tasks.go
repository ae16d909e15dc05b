package workflows

import (
	"time"

	"github.com/junction-run/junction/runs"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// CheckConnection runs the connection's check (POST .../connections/{id}/test)
// once: a test answers now, so it is not retried for long.
func CheckConnection(ctx workflow.Context, req runs.CheckConnectionRequest) (runs.CheckConnectionResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 2},
	})
	var res runs.CheckConnectionResult
	err := workflow.ExecuteActivity(ctx, runs.CheckConnectionActivity, req).Get(ctx, &res)
	return res, err
}

// AuthorizeConnection exchanges the authorization code an OAuth2 callback
// claimed. The input names the flow by its state's hash; the code and the
// PKCE verifier stay in the metadata store until the activity takes them,
// so neither enters this history. One attempt: a code works once.
func AuthorizeConnection(ctx workflow.Context, req runs.OAuth2ExchangeRequest) (runs.OAuth2ExchangeAnswer, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 45 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var ans runs.OAuth2ExchangeAnswer
	err := workflow.ExecuteActivity(ctx, runs.ExchangeOAuth2CodeActivity, req).Get(ctx, &ans)
	return ans, err
}
