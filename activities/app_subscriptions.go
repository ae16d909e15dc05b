package activities

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/connectors/httpconn"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// appSubscriptionStore keeps the state of app subscriptions;
// *store.Store implements it.
type appSubscriptionStore interface {
	SetAppSubscription(ctx context.Context, a store.AppSubscription) error
	DeleteAppSubscription(ctx context.Context, accountID, definitionID string) error
}

// AppSubscriptions are the activities of a definition's app subscription
// workflow: the subscribe, renew and unsubscribe requests, sent as the
// app's connector (connectors.WebhookSubscriber) says, through the
// connection's authenticated client like any action, and the record of
// the subscription's state.
type AppSubscriptions struct {
	Connectors *Connectors
	Store      appSubscriptionStore
}

// Subscribe asks the app to send the target's trigger to its webhook URL.
func (a *AppSubscriptions) Subscribe(ctx context.Context, in runs.AppSubscriptionCall) (runs.AppSubscription, error) {
	return a.request(ctx, in, "subscribing", func(ctx context.Context, s connectors.WebhookSubscriber, call connectors.Call) (connectors.WebhookSubscription, error) {
		return s.SubscribeWebhook(ctx, call, in.Target.Trigger, in.Target.WebhookURL)
	})
}

// Renew extends the subscription, or subscribes anew when the app has no
// renew request or no longer has it (it expired, or was deleted at the
// app); the workflow then ends the old one.
func (a *AppSubscriptions) Renew(ctx context.Context, in runs.AppSubscriptionCall) (runs.AppSubscription, error) {
	if in.Subscription == nil {
		return runs.AppSubscription{}, temporal.NewNonRetryableApplicationError("renew: no subscription to renew", runs.ErrTypeBadRequest, nil)
	}
	old := connectors.WebhookSubscription{ID: in.Subscription.ID, ExpiresAt: in.Subscription.ExpiresAt}
	return a.request(ctx, in, "renewing", func(ctx context.Context, s connectors.WebhookSubscriber, call connectors.Call) (connectors.WebhookSubscription, error) {
		sub, err := s.RenewWebhook(ctx, call, in.Target.Trigger, in.Target.WebhookURL, old)
		if kind, ok := connectors.KindOf(err); ok && kind == connectors.NotFound {
			return s.SubscribeWebhook(ctx, call, in.Target.Trigger, in.Target.WebhookURL)
		}
		return sub, err
	})
}

// Unsubscribe ends the subscription; one the app no longer has is ended.
func (a *AppSubscriptions) Unsubscribe(ctx context.Context, in runs.AppSubscriptionCall) (runs.AppSubscription, error) {
	if in.Subscription == nil {
		return runs.AppSubscription{}, nil
	}
	old := connectors.WebhookSubscription{ID: in.Subscription.ID, ExpiresAt: in.Subscription.ExpiresAt}
	_, err := a.request(ctx, in, "unsubscribing", func(ctx context.Context, s connectors.WebhookSubscriber, call connectors.Call) (connectors.WebhookSubscription, error) {
		return connectors.WebhookSubscription{}, s.UnsubscribeWebhook(ctx, call, in.Target.Trigger, in.Target.WebhookURL, old)
	})
	return runs.AppSubscription{}, err
}

// request resolves what a subscription request needs (the app's
// connector, the connection, the app version's environment) and sends it
// with do. Errors map as an action's do (mapConnectorError), scrubbed of
// the connection's secrets and the environment's values.
func (a *AppSubscriptions) request(ctx context.Context, in runs.AppSubscriptionCall, doing string,
	do func(context.Context, connectors.WebhookSubscriber, connectors.Call) (connectors.WebhookSubscription, error)) (runs.AppSubscription, error) {
	c, t := a.Connectors, in.Target
	what := fmt.Sprintf("%s %s.%s for definition %s", doing, t.App, t.Trigger, in.DefinitionID)
	app, err := c.Registry.LookupFor(ctx, in.AccountID, t.App, t.AppVersion)
	switch {
	case errors.Is(err, connectors.ErrUnknownConnector), errors.Is(err, connectors.ErrUnknownVersion):
		return runs.AppSubscription{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("%s: %v", what, err), runs.ErrTypeBadRequest, nil)
	case err != nil:
		// The account's apps are read from the store, which may be down.
		return runs.AppSubscription{}, prefixed(what, err)
	}
	s, ok := app.(connectors.WebhookSubscriber)
	if !ok || !s.SubscribesWebhook(t.Trigger) {
		return runs.AppSubscription{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s: %s %s does not subscribe its webhook trigger %s", what, t.App, app.Spec().Version, t.Trigger), runs.ErrTypeBadRequest, nil)
	}
	if c.Connections == nil {
		return runs.AppSubscription{}, temporal.NewNonRetryableApplicationError(
			fmt.Sprintf("%s: connection %s: connections are not available on this worker (no Vault)", what, t.ConnectionID), runs.ErrTypeNotConfigured, nil)
	}
	conn, creds, err := c.Connections.Resolve(ctx, in.AccountID, t.ConnectionID)
	if err != nil {
		return runs.AppSubscription{}, prefixed(fmt.Sprintf("%s: resolving connection %s", what, t.ConnectionID), err)
	}
	env, err := resolveEnv(ctx, c.Env, in.AccountID, app.Spec(), nil)
	if err != nil {
		return runs.AppSubscription{}, prefixed(what, err)
	}
	scope := newSecretScope(conn, env)
	ctx = scope.bind(ctx)
	sub, err := do(ctx, s, connectors.Call{
		Connection:       conn,
		Env:              env,
		HTTP:             c.httpClient(creds),
		IdempotencyKey:   idempotencyKey(ctx),
		MaxResponseBytes: cmp.Or(c.MaxResponseBytes, httpconn.DefaultMaxResponseBytesLimit),
	})
	if err != nil {
		return runs.AppSubscription{}, mapConnectorError(scope.clean(fmt.Sprintf("%s: %v", what, err)), err)
	}
	out := runs.AppSubscription{Target: t, ID: sub.ID, ExpiresAt: sub.ExpiresAt}
	if !sub.RenewAt.IsZero() {
		// The workflow renews on its own clock: how long from now.
		out.RenewIn = max(time.Until(sub.RenewAt), time.Second)
	}
	return out, nil
}

// Record writes the subscription's state for the definitions API, or
// forgets it once the definition is gone.
func (a *AppSubscriptions) Record(ctx context.Context, rec runs.AppSubscriptionRecord) error {
	if a.Store == nil {
		return temporal.NewNonRetryableApplicationError("app subscriptions: this worker has no metadata store", runs.ErrTypeNotConfigured, nil)
	}
	if rec.Status == runs.AppSubscriptionGone {
		return a.Store.DeleteAppSubscription(ctx, rec.AccountID, rec.DefinitionID)
	}
	row := store.AppSubscription{AccountID: rec.AccountID, DefinitionID: rec.DefinitionID, Status: rec.Status, Error: rec.Error}
	if sub := rec.Subscription; sub != nil {
		row.App, row.AppVersion, row.Trigger = sub.Target.App, sub.Target.AppVersion, sub.Target.Trigger
		row.ConnectionID, row.WebhookURL = sub.Target.ConnectionID, sub.Target.WebhookURL
		if rec.Status != runs.AppSubscriptionUnsubscribed {
			row.SubscriptionID, row.ExpiresAt = sub.ID, sub.ExpiresAt
		}
	}
	err := a.Store.SetAppSubscription(ctx, row)
	if errors.Is(err, store.ErrInvalid) {
		return temporal.NewNonRetryableApplicationError(fmt.Sprintf("recording the app subscription of definition %s: %v", rec.DefinitionID, err), runs.ErrTypeBadRequest, nil)
	}
	if err != nil {
		return fmt.Errorf("recording the app subscription of definition %s: %w", rec.DefinitionID, err)
	}
	return nil
}
