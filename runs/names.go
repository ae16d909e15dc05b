package runs

// TaskQueue is the queue every Junction worker polls and every run starts on.
const TaskQueue = "junction"

// Workflow types, as the Temporal UI shows them.
const (
	// RunDefinitionWorkflow is one run of one definition version: the
	// interpreter.
	RunDefinitionWorkflow = "RunDefinition"
	// PollWorkflow is one poll of a definition's polling trigger. A Temporal
	// Schedule per definition (PollScheduleID) starts it at the trigger's
	// interval.
	PollWorkflow = "PollTrigger"
	// CheckConnectionWorkflow runs a connection's check once (POST
	// .../connections/{id}/test), so that the secrets it needs are read in
	// an activity, never in the gateway.
	CheckConnectionWorkflow = "connection.test"
	// AuthorizeConnectionWorkflow exchanges the authorization code an
	// OAuth2 callback claimed.
	AuthorizeConnectionWorkflow = "oauth2.authorize"
	// OAuth2RefresherWorkflow is the one writer of a connection's OAuth2
	// token (workflow id RefresherWorkflowID).
	OAuth2RefresherWorkflow = "oauth2.refresher"
)

// Activity types. A connector action's activity is ConnectorActivity's
// "<connector>.<action>", a polling trigger's PollActivity's.
const (
	// HTTPRequestActivity is the activity behind the HttpRequest step.
	HTTPRequestActivity = "http.request"
	// SendSMSActivity is the activity behind the SMS step.
	SendSMSActivity = "8x8.send_sms"
	// SendChatAppsMessageActivity is the activity behind the
	// ChatAppsMessage step.
	SendChatAppsMessageActivity = "8x8.send_chatapps_message"
	// CheckConnectionActivity is CheckConnectionWorkflow's activity.
	CheckConnectionActivity = "connection.check"
	// RefreshOAuth2TokenActivity is the activity only the refresher runs.
	RefreshOAuth2TokenActivity = "oauth2.refresh_token"
	// ExchangeOAuth2CodeActivity is AuthorizeConnectionWorkflow's activity.
	ExchangeOAuth2CodeActivity = "oauth2.exchange_code"
)

// ConnectorActivity is the activity type of a connector action, such as
// "shopify.update_order", so histories read like the business.
func ConnectorActivity(connector, action string) string {
	return connector + "." + action
}

// PollActivity is the activity type of a connector's polling trigger, such
// as "shopify.new_orders".
func PollActivity(connector, trigger string) string {
	return connector + "." + trigger
}

// Signals, updates and queries.
const (
	// ReplySignal delivers an inbound message (a Reply) to a run waiting in
	// a WaitForReply step.
	ReplySignal = "reply"
	// ControlUpdate suspends or resumes a run (a ControlRequest); the
	// caller learns the outcome, which a signal would not tell.
	ControlUpdate = "control"
	// StateQuery returns a RunState, while a run is open and after it
	// closed.
	StateQuery = "state"
	// OAuth2RefreshUpdate asks a connection's refresher for a token newer
	// than the one the caller saw (an OAuth2RefreshRequest).
	OAuth2RefreshUpdate = "refresh"
)

// Activities of the reply registry (issue 15): a run waiting for a reply
// records it in the metadata store before it reports that it waits, so
// that intake finds it at once (Temporal's visibility store may not show
// the run's AwaitingReplyKey yet).
const (
	// RegisterAwaitActivity records an Await; ReleaseAwaitActivity forgets
	// it when the wait is over.
	RegisterAwaitActivity = "await.register"
	ReleaseAwaitActivity  = "await.release"
)

// Await is a run waiting for a reply from the sender Key (AwaitKey).
type Await struct {
	AccountID    string `json:"accountId"`
	Key          string `json:"key"`
	WorkflowID   string `json:"workflowId"`
	RunID        string `json:"runId"`
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
}
