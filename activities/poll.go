package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/runs"
)

// DefaultMaxPollBytes bounds the payloads one poll returns, well inside
// Temporal's 2 MiB limit on an activity result: a larger batch is cut after
// an item that has its own cursor, and the rest comes on the next poll.
const DefaultMaxPollBytes = 1 << 20

// Poll runs one polling trigger of one connector for a connection: a
// built-in connector's, or an app the account keeps as data (which the
// worker's dynamic activity, RunStored, routes here). The activity's name
// says which; the input says it again so a misrouted call fails loudly.
// The poll reads the app version's environment variables as actions do.
// Errors map as for actions (connectorFailure): a third party's 429 is
// retried after its Retry-After, a 401 is not retried.
func (c *Connectors) Poll(ctx context.Context, in runs.PollCall) (out runs.PollOutput, err error) {
	what := runs.PollActivity(in.Connector, in.Trigger)
	if name := activity.GetInfo(ctx).ActivityType.Name; name != what {
		return runs.PollOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("activity %s was called for %s", name, what), runs.ErrTypeBadRequest, nil)
	}
	poller, _, err := c.Registry.PollerFor(ctx, in.AccountID, in.Connector, in.Version, in.Trigger)
	if err != nil {
		return runs.PollOutput{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("poll %s: %v", what, err), runs.ErrTypeBadRequest, nil)
	}
	defer func(start time.Time) { c.observePolled(ctx, in, start, out, err) }(time.Now())
	if in.ConnectionID == "" {
		return runs.PollOutput{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("poll %s: no connection", what), runs.ErrTypeBadRequest, nil)
	}
	if c.Connections == nil {
		return runs.PollOutput{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("poll %s: connection %s: connections are not available on this worker (no Vault)", what, in.ConnectionID), runs.ErrTypeNotConfigured, nil)
	}
	conn, creds, err := c.Connections.Resolve(ctx, in.AccountID, in.ConnectionID)
	if err != nil {
		return runs.PollOutput{}, prefixed(fmt.Sprintf("poll %s: resolving connection %s", what, in.ConnectionID), err)
	}
	app, err := c.Registry.LookupFor(ctx, in.AccountID, in.Connector, in.Version)
	if err != nil {
		return runs.PollOutput{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("poll %s: %v", what, err), runs.ErrTypeBadRequest, nil)
	}
	env, err := resolveEnv(ctx, c.Env, in.AccountID, app.Spec(), nil)
	if err != nil {
		return runs.PollOutput{}, prefixed("poll "+what, err)
	}
	scope := newSecretScope(conn, env)
	res, err := poller.Poll(scope.bind(ctx), connectors.Call{Connection: conn, Env: env, HTTP: c.httpClient(creds)}, in.Cursor)
	if err != nil {
		msg := scope.clean(fmt.Sprintf("poll %s: %v", what, err))
		if errors.Is(err, connectors.ErrPollPayload) {
			return runs.PollOutput{}, temporal.NewNonRetryableApplicationError(msg, runs.ErrTypeBadRequest, nil)
		}
		return runs.PollOutput{}, mapConnectorError(msg, err)
	}
	maxBytes := c.MaxPollBytes
	if maxBytes <= 0 {
		maxBytes = DefaultMaxPollBytes
	}
	return cutBatch(res, maxBytes), nil
}

// cutBatch keeps the items of res that fit in maxBytes of payload, cut
// after an item with its own cursor; when they all fit, it keeps them all.
// The first item with a cursor is kept even alone over the bound: a poll
// that could never pass it would stall the trigger.
func cutBatch(res connectors.PollResult, maxBytes int) runs.PollOutput {
	out := runs.PollOutput{Items: make([]runs.PolledItem, 0, len(res.Items)), Cursor: res.Cursor, More: res.More}
	total, keep, cursor := 0, 0, ""
	for i, it := range res.Items {
		total += len(it.Payload)
		if total > maxBytes && keep > 0 {
			break
		}
		if it.Cursor != "" {
			keep, cursor = i+1, it.Cursor
		}
	}
	if total <= maxBytes || keep == 0 || keep == len(res.Items) {
		keep = len(res.Items)
	} else {
		out.Cursor, out.More = cursor, true
	}
	for _, it := range res.Items[:keep] {
		out.Items = append(out.Items, runs.PolledItem{ID: it.ID, Payload: it.Payload})
	}
	return out
}
