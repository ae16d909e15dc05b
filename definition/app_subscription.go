package definition

// AppSubscription is, in the management API's answers, the state of the
// subscription Junction keeps at the app for a definition whose trigger is
// a webhook the app sends only once asked to by API: Junction subscribes
// its webhook URL while the definition is enabled, renews the subscription
// before the app expires it, and unsubscribes when the definition is
// disabled, deleted or moves to another trigger. Set by the server;
// ignored on input.
type AppSubscription struct {
	// Status is pending (subscribing, or retrying an app that is down),
	// subscribed, failed (Error says why; saving the definition again
	// retries) or unsubscribed.
	Status string `json:"status"`
	// App, AppVersion, Trigger, Connection and WebhookURL say what is (or
	// was last) subscribed: the app calls WebhookURL.
	App        string `json:"app,omitempty"`
	AppVersion string `json:"appVersion,omitempty"`
	Trigger    string `json:"trigger,omitempty"`
	Connection string `json:"connection,omitempty"`
	WebhookURL string `json:"webhookUrl,omitempty"`
	// ID is the app's id of the subscription; ExpiresAt when the app ends
	// it unless Junction renews it first.
	ID        string `json:"id,omitempty"`
	ExpiresAt string `json:"expiresAt,omitempty"`
	// Error says why the last attempt failed.
	Error     string `json:"error,omitempty"`
	UpdatedAt string `json:"updatedAt"`
}
