package manage

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"go.temporal.io/sdk/client"

	"github.com/junction-run/junction/connectors"
	"github.com/junction-run/junction/definition"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// A definition whose trigger is a webhook trigger the app sends only once
// asked to (connectors.WebhookSubscriber) has one workflow,
// runs.AppSubscriptionWorkflowID(account, definition), which keeps the
// app's subscription as the definition's latest version wants it. The
// definition's lifecycle points are those of its poll schedule: every save
// (Create, Update) and delete tells the workflow, by signal, what the
// latest version wants: Junction's webhook URL subscribed while it is
// enabled, nothing when it is disabled, deleted, or its trigger or
// connection changed. The workflow records the subscription's state in the
// store, and the definitions API shows it (appSubscription).

// deletedSeq orders a definition's deletion after every save of it.
const deletedSeq = 1 << 30

// publicURLKey is the context key of WithPublicURL.
type publicURLKey struct{}

// WithPublicURL returns ctx carrying the gateway's public base URL as the
// request that saves a definition reached it (gateway.Config.PublicURL,
// or the request's own scheme and host): a webhook URL Junction gives an
// app starts with it.
func WithPublicURL(ctx context.Context, base string) context.Context {
	return context.WithValue(ctx, publicURLKey{}, strings.TrimRight(base, "/"))
}

// WebhookURL is where the gateway receives a connection's deliveries of a
// trigger (the route POST /hooks/{accountId}/{connectionId}/{triggerId}).
func WebhookURL(base, accountID, connectionID, trigger string) string {
	return base + "/hooks/" + url.PathEscape(accountID) + "/" + url.PathEscape(connectionID) + "/" + url.PathEscape(trigger)
}

// triggerAppVersion is the version of app whose trigger the definition
// listens on: the connection says which version polls or verifies
// webhooks, and the definition's pin wins, as it does for the runs'
// connector steps. A connection deleted since leaves the latest stable
// version, and what uses it fails naming the connection.
func (d *Definitions) triggerAppVersion(ctx context.Context, accountID string, doc *definition.Document, app string) (string, error) {
	var version string
	conn, err := d.store.Connection(ctx, accountID, doc.TriggerConnection)
	switch {
	case err == nil:
		version = conn.AppVersion
	case !errors.Is(err, store.ErrNotFound):
		return "", fmt.Errorf("reading connection %s: %w", doc.TriggerConnection, err)
	}
	if pinned := doc.Apps[app]; pinned != "" {
		version = pinned
	}
	return version, nil
}

// appSubscriptionTarget is what the definition version wants subscribed:
// nil unless it is enabled and its trigger is one the app sends only once
// asked to.
func (d *Definitions) appSubscriptionTarget(ctx context.Context, rec store.Definition) (*runs.AppSubscriptionTarget, error) {
	if rec.Status != store.StatusEnabled {
		return nil, nil
	}
	doc, err := Document(rec)
	if err != nil {
		return nil, fmt.Errorf("decoding stored definition %s v%d: %w", rec.ID, rec.Version, err)
	}
	app, trigger, ok := definition.AppTrigger(doc.Trigger)
	if !ok {
		return nil, nil
	}
	version, err := d.triggerAppVersion(ctx, rec.AccountID, doc, app)
	if err != nil {
		return nil, err
	}
	c, err := d.connectors.LookupFor(ctx, rec.AccountID, app, version)
	if err != nil {
		// The app (version) is gone since the definition was checked:
		// nothing can be subscribed, and what was is ended.
		return nil, nil
	}
	if s, ok := c.(connectors.WebhookSubscriber); !ok || !s.SubscribesWebhook(trigger) {
		return nil, nil
	}
	base, _ := ctx.Value(publicURLKey{}).(string)
	if base == "" {
		return nil, errors.New("the gateway's public URL is unknown, so the app cannot be given a webhook URL")
	}
	return &runs.AppSubscriptionTarget{App: app, AppVersion: c.Spec().Version, Trigger: trigger,
		ConnectionID: doc.TriggerConnection, WebhookURL: WebhookURL(base, rec.AccountID, doc.TriggerConnection, trigger)}, nil
}

// syncAppSubscriptionAfterSave brings the definition's app subscription in
// line with the version just saved, saying so when that fails.
func (d *Definitions) syncAppSubscriptionAfterSave(ctx context.Context, saved store.Definition) error {
	if err := d.syncAppSubscription(ctx, saved.AccountID, saved.ID, saved.Version); err != nil {
		return failed(err, "Definition %s was saved as version %d, but its app subscription could not be updated (save it again to retry)", saved.ID, saved.Version)
	}
	return nil
}

// syncAppSubscription tells the definition's app subscription workflow what
// its latest version wants; seq orders this against other saves (the
// version saved, or deleted). A definition that wants none and has no
// record of one (so no workflow that may hold one) costs no call to
// Temporal.
func (d *Definitions) syncAppSubscription(ctx context.Context, accountID, definitionID string, seq int) error {
	want := runs.AppSubscriptionWant{Seq: seq}
	rec, err := d.store.Definition(ctx, accountID, definitionID, 0)
	switch {
	case errors.Is(err, store.ErrNotFound):
		return d.endAppSubscription(ctx, accountID, definitionID)
	case err != nil:
		return fmt.Errorf("reading definition %s: %w", definitionID, err)
	}
	if want.Target, err = d.appSubscriptionTarget(ctx, rec); err != nil {
		return err
	}
	id := runs.AppSubscriptionWorkflowID(accountID, definitionID)
	if want.Target == nil {
		return d.signalAppSubscription(ctx, accountID, definitionID, want)
	}
	// The record says a workflow may hold a subscription, before there is
	// one: a disable that follows at once finds it and signals.
	t := want.Target
	if err := d.store.AddAppSubscription(ctx, store.AppSubscription{AccountID: accountID, DefinitionID: definitionID,
		Status: runs.AppSubscriptionPending, App: t.App, AppVersion: t.AppVersion, Trigger: t.Trigger,
		ConnectionID: t.ConnectionID, WebhookURL: t.WebhookURL}); err != nil {
		return err
	}
	_, err = d.temporal.SignalWithStartWorkflow(ctx, id, runs.AppSubscriptionSignal, want, client.StartWorkflowOptions{
		ID:            id,
		TaskQueue:     runs.TaskQueue,
		StaticSummary: fmt.Sprintf("%s.%s subscription of definition %s", t.App, t.Trigger, definitionID),
	}, runs.AppSubscriptionWorkflow, runs.AppSubscriptionInput{AccountID: accountID, DefinitionID: definitionID, Want: want})
	if err != nil {
		return fmt.Errorf("signalling app subscription %s: %w", id, err)
	}
	return nil
}

// endAppSubscription tells the workflow that the definition is deleted:
// it unsubscribes and forgets the record.
func (d *Definitions) endAppSubscription(ctx context.Context, accountID, definitionID string) error {
	return d.signalAppSubscription(ctx, accountID, definitionID, runs.AppSubscriptionWant{Seq: deletedSeq, Deleted: true})
}

// signalAppSubscription tells a workflow that may hold a subscription
// that none is wanted. Without a record there is none; without a
// workflow the record is all there is (of a subscription the workflow
// gave up), and a deleted definition's goes.
func (d *Definitions) signalAppSubscription(ctx context.Context, accountID, definitionID string, want runs.AppSubscriptionWant) error {
	have, err := d.store.AppSubscriptions(ctx, accountID, definitionID)
	if err != nil {
		return err
	}
	if len(have) == 0 {
		return nil
	}
	id := runs.AppSubscriptionWorkflowID(accountID, definitionID)
	err = d.temporal.SignalWorkflow(ctx, id, "", runs.AppSubscriptionSignal, want)
	switch {
	case isNotFound(err) && want.Deleted:
		return d.store.DeleteAppSubscription(ctx, accountID, definitionID)
	case isNotFound(err):
		return nil
	case err != nil:
		return fmt.Errorf("signalling app subscription %s: %w", id, err)
	}
	return nil
}

// withAppSubscriptions sets the app subscription of each document that
// has one, as the store records it.
func (d *Definitions) withAppSubscriptions(ctx context.Context, accountID string, docs ...*definition.Document) error {
	ids := make([]string, 0, len(docs))
	for _, doc := range docs {
		ids = append(ids, doc.ID)
	}
	have, err := d.store.AppSubscriptions(ctx, accountID, ids...)
	if err != nil {
		return failed(err, "Could not read the definitions' app subscriptions")
	}
	for _, doc := range docs {
		a, ok := have[doc.ID]
		if !ok {
			continue
		}
		doc.AppSubscription = &definition.AppSubscription{Status: a.Status, App: a.App, AppVersion: a.AppVersion,
			Trigger: a.Trigger, Connection: a.ConnectionID, WebhookURL: a.WebhookURL, ID: a.SubscriptionID,
			Error: a.Error, UpdatedAt: a.UpdatedAt.UTC().Format(TimeLayout)}
		if !a.ExpiresAt.IsZero() {
			doc.AppSubscription.ExpiresAt = a.ExpiresAt.UTC().Format(TimeLayout)
		}
	}
	return nil
}
