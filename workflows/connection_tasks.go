package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/activities"
)

// Registered names of the short workflows the gateway runs so that work
// needing a connection's secrets happens in an activity, never in the
// gateway.
const (
	CheckConnectionName     = activities.CheckConnectionWorkflowName
	AuthorizeConnectionName = activities.AuthorizeConnectionWorkflowName
)

// CheckConnection runs the connection's check (POST .../connections/{id}/test)
// once: a test answers now, so it is not retried for long.
func CheckConnection(ctx workflow.Context, req activities.CheckConnectionRequest) (activities.CheckConnectionResult, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 2},
	})
	var res activities.CheckConnectionResult
	err := workflow.ExecuteActivity(ctx, activities.CheckConnectionName, req).Get(ctx, &res)
	return res, err
}

// AuthorizeConnection exchanges the authorization code an OAuth2 callback
// claimed. The input names the flow by its state's hash; the code and the
// PKCE verifier stay in the metadata store until the activity takes them,
// so neither enters this history. One attempt: a code works once.
func AuthorizeConnection(ctx workflow.Context, req activities.OAuth2ExchangeRequest) (activities.OAuth2ExchangeAnswer, error) {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 45 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{MaximumAttempts: 1},
	})
	var ans activities.OAuth2ExchangeAnswer
	err := workflow.ExecuteActivity(ctx, activities.ExchangeOAuth2CodeName, req).Get(ctx, &ans)
	return ans, err
}
