package connectors

import (
	"context"
	"time"
)

// WebhookSubscriber is a connector some of whose webhook triggers the
// third party sends only once asked to by API: Junction subscribes
// Junction's webhook URL while a definition listens on the trigger,
// renews the subscription before the third party expires it, and
// unsubscribes when the definition stops listening. Each method runs
// inside an activity, like an action, with call.Connection the
// connection the definition names (its secrets included) and call.HTTP
// its authenticated client; none retries.
type WebhookSubscriber interface {
	Connector
	// SubscribesWebhook reports whether the webhook trigger is one
	// Junction subscribes by API.
	SubscribesWebhook(trigger string) bool
	// SubscribeWebhook asks the third party to send the trigger's events
	// to webhookURL, and returns the subscription it made.
	SubscribeWebhook(ctx context.Context, call Call, trigger, webhookURL string) (WebhookSubscription, error)
	// RenewWebhook extends sub before it expires and returns it as it now
	// is; a third party that cannot extend one gets a new subscription,
	// with another ID, and the caller unsubscribes sub.
	RenewWebhook(ctx context.Context, call Call, trigger, webhookURL string, sub WebhookSubscription) (WebhookSubscription, error)
	// UnsubscribeWebhook ends sub. A subscription the third party no
	// longer has is ended already: that is no error.
	UnsubscribeWebhook(ctx context.Context, call Call, trigger, webhookURL string, sub WebhookSubscription) error
}

// WebhookSubscription is one subscription a third party keeps for
// Junction's webhook URL.
type WebhookSubscription struct {
	// ID is the third party's id of the subscription ("" when it gives
	// none).
	ID string `json:"id,omitempty"`
	// ExpiresAt is when the third party ends it unless renewed; zero when
	// it does not expire.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// RenewAt is when Junction renews it: a while before ExpiresAt. Zero
	// when it does not expire.
	RenewAt time.Time `json:"renewAt,omitzero"`
}
