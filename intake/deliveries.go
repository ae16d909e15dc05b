package intake

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/api/serviceerror"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// subscriptionStore finds the subscriptions an event goes to and keeps its
// deliveries; *store.Store implements it.
type subscriptionStore interface {
	SubscriptionsFor(ctx context.Context, accountID, event, connection string) ([]store.Subscription, error)
	EnqueueDelivery(ctx context.Context, d store.Delivery) (store.Delivery, bool, error)
	// SubscribedEvents returns those of events that an enabled
	// subscription of the account receives.
	SubscribedEvents(ctx context.Context, accountID string, events ...string) ([]string, error)
}

// Delivery is one delivery an event enqueued, or found enqueued already.
type Delivery struct {
	SubscriptionID string `json:"subscriptionId"`
	DeliveryID     string `json:"deliveryId"`
	MessageID      string `json:"messageId"`
}

// envelope is what a subscription receives of an event, and what its
// templates see as data: the event's type, id and time, and its payload
// under data (Standard Webhooks' shape).
func envelope(eventType, eventID string, at time.Time, payload map[string]any) map[string]any {
	if payload == nil {
		payload = map[string]any{}
	}
	return map[string]any{"type": eventType, "id": eventID, "timestamp": at.UTC().Format(time.RFC3339Nano), "data": payload}
}

// deliver enqueues the event's delivery to every enabled subscription that
// receives it and starts each delivery's first generation. The delivery id
// derives from the subscription and the event, so the same event sent
// again finds its deliveries enqueued and started: it sends nothing twice.
func (i *Intake) deliver(ctx context.Context, ev Event, at time.Time) ([]Delivery, error) {
	subs, err := i.store.SubscriptionsFor(ctx, ev.AccountID, ev.Trigger, ev.Connection)
	if err != nil {
		return nil, unavailable(err, "Could not look up subscriptions to this event")
	}
	if len(subs) == 0 {
		return nil, nil
	}
	messageID := runs.MessageID(ev.AccountID, ev.Trigger, ev.ID)
	env := envelope(ev.Trigger, ev.ID, at, ev.Payload)
	payload, err := encodeChecked(env, i.maxInputBytes(), "the event")
	if err != nil {
		return nil, err
	}
	out := make([]Delivery, 0, len(subs))
	for _, sub := range subs {
		d := store.Delivery{
			AccountID: ev.AccountID, ID: runs.DeliveryID(sub.ID, messageID), SubscriptionID: sub.ID,
			MessageID: messageID, EventType: ev.Trigger, EventID: ev.ID, Payload: payload,
		}
		stored, _, err := i.store.EnqueueDelivery(ctx, d)
		if err != nil {
			return out, unavailable(err, "Could not enqueue the delivery to subscription %s", sub.ID)
		}
		in := runs.DeliveryInput{AccountID: ev.AccountID, SubscriptionID: sub.ID, DeliveryID: stored.ID}
		if err := i.StartDelivery(ctx, in, ev.Trigger); err != nil {
			return out, err
		}
		out = append(out, Delivery{SubscriptionID: sub.ID, DeliveryID: stored.ID, MessageID: messageID})
	}
	return out, nil
}

// StartDelivery starts one generation of a delivery; a generation already
// started (running or closed) is left as it is.
func (i *Intake) StartDelivery(ctx context.Context, in runs.DeliveryInput, eventType string) error {
	summary := fmt.Sprintf("%s to subscription %s (generation %d)", eventType, in.SubscriptionID, in.Generation)
	opts := runs.DeliveryStartOptions(in, summary)
	// As for runs: the first workflow task comes back with the start when
	// a worker shares this client (`junction dev`).
	opts.EnableEagerStart = i.options.EagerStart
	_, err := i.temporal.ExecuteWorkflow(ctx, opts, runs.DeliveryWorkflow, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	if err != nil {
		return unavailable(rejected(err, "Temporal refused to start delivery "+in.DeliveryID), "Could not start delivery %s", in.DeliveryID)
	}
	return nil
}

// Raise dispatches an event Junction makes itself (a run's end, a
// delivery that failed for good, a subscription disabled): to the
// definitions and subscriptions that receive it, like any other event.
func (i *Intake) Raise(ctx context.Context, ev runs.RaisedEvent) error {
	_, err := i.Dispatch(ctx, Event{AccountID: ev.AccountID, SubAccountID: ev.SubAccountID, Trigger: ev.Type,
		ID: runs.EventWorkflowKey(ev.ID), Payload: ev.Payload})
	return err
}

// runEvents are the run events the account's subscriptions receive: a run
// started now raises them when it ends. Never nil, so that a caller can
// tell "looked up, none" from "not looked up".
func (i *Intake) runEvents(ctx context.Context, accountID string) ([]string, error) {
	events, err := i.store.SubscribedEvents(ctx, accountID, runs.EventRunCompleted, runs.EventRunFailed)
	if err != nil {
		return nil, unavailable(err, "Could not look up subscriptions to run events")
	}
	if events == nil {
		events = []string{}
	}
	return events, nil
}
