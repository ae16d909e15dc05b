package runs

import "time"

// App subscriptions (issue 16): a definition whose trigger is a webhook
// trigger the app sends only once asked to (connectors.WebhookSubscriber)
// has one workflow, AppSubscriptionWorkflowID(account, definition), that
// keeps the app's subscription as the definition's latest version wants
// it: it subscribes Junction's webhook URL when the definition is enabled,
// renews the subscription before the app expires it, and unsubscribes when
// the definition is disabled, deleted or moves to another trigger or
// connection. The management API signals it what it wants (an
// AppSubscriptionWant) after every save; the workflow's activities send
// the requests through the connection, whose credentials never leave
// them, and record the subscription's state in the metadata store, where
// the definitions API reads it.

// Workflow, activity and signal names of app subscriptions.
const (
	// AppSubscriptionWorkflow keeps one definition's app subscription.
	AppSubscriptionWorkflow = "app.webhook_subscription"
	// SubscribeAppWebhookActivity subscribes, RenewAppWebhookActivity
	// renews (or subscribes again), UnsubscribeAppWebhookActivity
	// unsubscribes: each one request to the app.
	SubscribeAppWebhookActivity   = "app.subscribe_webhook"
	RenewAppWebhookActivity       = "app.renew_webhook"
	UnsubscribeAppWebhookActivity = "app.unsubscribe_webhook"
	// RecordAppSubscriptionActivity writes the subscription's state to the
	// metadata store.
	RecordAppSubscriptionActivity = "app.record_webhook_subscription"
	// AppSubscriptionSignal tells the workflow what the definition wants
	// now (an AppSubscriptionWant).
	AppSubscriptionSignal = "want"
)

// AppSubscriptionWorkflowID is the id of a definition's app subscription
// workflow: one per definition, so Temporal serializes what happens to its
// subscription.
func AppSubscriptionWorkflowID(accountID, definitionID string) string {
	return "app-subscription/" + accountID + "/" + definitionID
}

// AppSubscriptionInput starts the workflow, and carries its state over
// continue-as-new.
type AppSubscriptionInput struct {
	AccountID    string `json:"accountId"`
	DefinitionID string `json:"definitionId"`
	// Want is what the definition wants, as last signalled.
	Want AppSubscriptionWant `json:"want"`
	// Current is the subscription the app holds, if any.
	Current *AppSubscription `json:"current,omitempty"`
	// Stuck: the last attempt failed in a way retrying cannot fix; the
	// workflow waits for the next signal (the next save of the
	// definition).
	Stuck bool `json:"stuck,omitempty"`
}

// AppSubscriptionWant is what a definition's latest version wants of its
// app subscription: Target, or none (nil) when it is disabled, deleted
// or its trigger is not subscribed.
type AppSubscriptionWant struct {
	// Seq orders what is wanted: the definition's version when it was
	// decided. A signal with a lower Seq than the last one is stale (two
	// saves whose signals crossed) and ignored.
	Seq    int                    `json:"seq"`
	Target *AppSubscriptionTarget `json:"target,omitempty"`
	// Deleted: the definition is gone; once unsubscribed the workflow
	// forgets its record and ends.
	Deleted bool `json:"deleted,omitempty"`
}

// AppSubscriptionTarget is what to subscribe: the app (at a version), its
// trigger, the connection whose credentials subscribe, and the webhook URL
// the app is to call.
type AppSubscriptionTarget struct {
	App          string `json:"app"`
	AppVersion   string `json:"appVersion,omitempty"`
	Trigger      string `json:"trigger"`
	ConnectionID string `json:"connection"`
	WebhookURL   string `json:"webhookUrl"`
}

// AppSubscription is a subscription the app holds for a target.
type AppSubscription struct {
	Target AppSubscriptionTarget `json:"target"`
	// ID is the app's id of the subscription ("" when it gives none).
	ID string `json:"id,omitempty"`
	// ExpiresAt is when the app ends it unless renewed; zero when never.
	ExpiresAt time.Time `json:"expiresAt,omitzero"`
	// RenewIn is how long after the activity made or renewed it the
	// workflow renews it (0: never); the workflow turns it into RenewAt on
	// its own clock.
	RenewIn time.Duration `json:"renewIn,omitempty"`
	// RenewAt is when the workflow renews it, on the workflow's clock.
	RenewAt time.Time `json:"renewAt,omitzero"`
}

// AppSubscriptionCall is the input of the subscribe, renew and unsubscribe
// activities. Like a step's ConnectorCall it names the connection; its
// credentials are read inside the activity.
type AppSubscriptionCall struct {
	AccountID    string                `json:"accountId"`
	DefinitionID string                `json:"definitionId"`
	Target       AppSubscriptionTarget `json:"target"`
	// Subscription is the one to renew or end.
	Subscription *AppSubscription `json:"subscription,omitempty"`
}

// AppSubscriptionRecord is the state the workflow records for the
// definitions API (RecordAppSubscriptionActivity).
type AppSubscriptionRecord struct {
	AccountID    string `json:"accountId"`
	DefinitionID string `json:"definitionId"`
	// Status is one of the AppSubscription* statuses; AppSubscriptionGone
	// deletes the record.
	Status string `json:"status"`
	// Subscription is the subscription held (or last tried, for its
	// target), if any.
	Subscription *AppSubscription `json:"subscription,omitempty"`
	// Error says why the last attempt failed (scrubbed of secrets).
	Error string `json:"error,omitempty"`
}

// Statuses of an app subscription, as the definitions API shows them.
const (
	// AppSubscriptionPending: Junction is subscribing (or retrying).
	AppSubscriptionPending = "pending"
	// AppSubscriptionSubscribed: the app holds the subscription.
	AppSubscriptionSubscribed = "subscribed"
	// AppSubscriptionFailed: the app refused in a way retrying cannot fix;
	// the error says why, and saving the definition again retries.
	AppSubscriptionFailed = "failed"
	// AppSubscriptionUnsubscribed: Junction ended the subscription (or
	// never made one) because the definition does not want it.
	AppSubscriptionUnsubscribed = "unsubscribed"
	// AppSubscriptionGone: the definition is deleted and so is the record
	// (never shown).
	AppSubscriptionGone = "gone"
)
