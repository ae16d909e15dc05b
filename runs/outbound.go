package runs

import (
	"crypto/sha256"
	"encoding/hex"
	"strconv"
	"time"

	"github.com/junction-run/junction/definition"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Outbound deliveries (issue 14): each delivery of an event to a
// subscription is a workflow of its own, whose one activity sends the
// request and whose retries (the subscription's schedule, through
// NextRetryDelay) are Temporal's. The request, its secrets and the answer
// stay out of the history: the activity reads the delivery from the
// metadata store, its secrets from Vault, and records every attempt in
// the store, where the deliveries API reads them.

// Workflow and activity types of deliveries.
const (
	// DeliveryWorkflow is one generation of one delivery: the event's own
	// (generation 0), or a redelivery.
	DeliveryWorkflow = "outbound.delivery"
	// SendDeliveryActivity sends one attempt and records it.
	SendDeliveryActivity = "outbound.send"
	// SettleDeliveryActivity raises what a failed delivery leads to
	// (delivery.exhausted, subscription.disabled) once the sending is over,
	// so that raising them never sends the request again.
	SettleDeliveryActivity = "outbound.settle"
	// RaiseEventActivity raises an event Junction makes itself (a run's
	// run.completed or run.failed) through intake.
	RaiseEventActivity = "outbound.raise_event"
)

// Events Junction raises itself, which subscriptions may receive beside
// the triggers.
const (
	EventRunCompleted         = "run.completed"
	EventRunFailed            = "run.failed"
	EventDeliveryExhausted    = "delivery.exhausted"
	EventSubscriptionDisabled = "subscription.disabled"
)

// SystemEvents are the events Junction raises itself, in the order the
// docs list them.
var SystemEvents = []string{EventRunCompleted, EventRunFailed, EventDeliveryExhausted, EventSubscriptionDisabled}

// Error types of a delivery that ends without being delivered. None is
// retried: the activity decided.
const (
	// ErrTypeRetriesExhausted: the schedule is spent.
	ErrTypeRetriesExhausted = "RetriesExhausted"
	// ErrTypeGone: the receiver answered 410; the subscription is
	// disabled.
	ErrTypeGone = "Gone"
	// ErrTypeSubscriptionDisabled: the subscription is disabled (by an
	// operator, a 410, or failures for longer than its DisableAfter), or
	// deleted.
	ErrTypeSubscriptionDisabled = "SubscriptionDisabled"
)

// MaxDeliveryTimeout bounds one attempt's request (EddyDesk's 30 s).
const MaxDeliveryTimeout = 30 * time.Second

// MaxDeliveryAttempts bounds the send activity's attempts: the longest
// schedule's (outbound.MaxRetries + 1), and one more. The activity ends a
// generation itself when its schedule is spent; the bound only stops a
// delivery whose attempts keep failing before they can send (the store
// down for days).
const MaxDeliveryAttempts = 102

// DeliveryInput names one generation of a delivery; everything else is
// read from the store when the activity runs.
type DeliveryInput struct {
	AccountID      string `json:"accountId"`
	SubscriptionID string `json:"subscriptionId"`
	DeliveryID     string `json:"deliveryId"`
	Generation     int    `json:"generation"`
}

// DeliveryResult is how a generation ended: the workflow's result, and the
// details of the send activity's final failure.
type DeliveryResult struct {
	Status     string `json:"status"` // delivered or failed
	StatusCode int    `json:"statusCode,omitempty"`
	Attempts   int    `json:"attempts"`
	// Reason, for a failed delivery, is one of the error types above.
	Reason string `json:"reason,omitempty"`
	// DisabledSubscription is set when this delivery's failure disabled the
	// subscription, so that exactly one subscription.disabled is raised.
	DisabledSubscription bool   `json:"disabledSubscription,omitempty"`
	DisabledReason       string `json:"disabledReason,omitempty"`
}

// RaisedEvent is an event Junction raises itself.
type RaisedEvent struct {
	AccountID    string         `json:"accountId"`
	SubAccountID string         `json:"subAccountId,omitempty"`
	Type         string         `json:"type"`
	ID           string         `json:"id"`
	Payload      map[string]any `json:"payload"`
}

// MessageID is the webhook-id of an event's deliveries: the same for every
// subscription, every attempt and every redelivery of one event, so a
// receiver deduplicates on it. Derived, not drawn: a redelivered event
// gets the same id back.
func MessageID(accountID, eventType, eventID string) string {
	return "msg_" + digest(accountID, eventType, eventID)
}

// DeliveryID is the id of the delivery of a message to a subscription:
// one per pair, whatever sends the event again.
func DeliveryID(subscriptionID, messageID string) string {
	return "dlv_" + digest(subscriptionID, messageID)
}

func digest(parts ...string) string {
	h := sha256.New()
	for _, p := range parts {
		h.Write([]byte(p))
		h.Write([]byte{0})
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// DeliveryWorkflowID is the workflow id of one generation of a delivery.
// Generation 0's is what makes an event's delivery happen once: a second
// start of it is refused, whether the first is running or closed.
func DeliveryWorkflowID(accountID, deliveryID string, generation int) string {
	return "delivery/" + accountID + "/" + deliveryID + "/" + strconv.Itoa(generation)
}

// DeliveryStartOptions are the options a delivery generation starts with.
func DeliveryStartOptions(in DeliveryInput, summary string) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       DeliveryWorkflowID(in.AccountID, in.DeliveryID, in.Generation),
		TaskQueue:                TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		StaticSummary:            summary,
	}
}

// The Webhook step (EddyDesk's webhook rule): the same request, retries
// and answers as a subscription's delivery, made by a run.
const (
	// SendWebhookActivity sends a Webhook step's request, one attempt per
	// activity attempt, asking for the next after the step's schedule.
	SendWebhookActivity = "webhook.send"
	// WebhookWorkflow sends a Webhook step's request apart from its run
	// ("wait": false): the run goes on once it has started.
	WebhookWorkflow = "webhook.delivery"
)

// WebhookCall is a Webhook step's request: its inputs as the run
// rendered them, except for their {{env.NAME}} references, which the
// activity fills in (Env points at them), so that no secret of the
// environment enters the run's history.
type WebhookCall struct {
	StepID    string               `json:"stepId"`
	AccountID string               `json:"accountId"`
	Inputs    map[string]any       `json:"inputs"`
	Env       []definition.EnvSlot `json:"env,omitempty"`
}

// WebhookResult is a Webhook step's result, which outputs read as step.*.
type WebhookResult struct {
	StatusCode int               `json:"statusCode"`
	Headers    map[string]string `json:"headers,omitempty"`
	// Body is the answer's JSON value, or its text, or nil when empty.
	Body     any `json:"body"`
	Attempts int `json:"attempts"`
	// WorkflowID, for a step that does not wait, is the workflow that
	// sends the request.
	WorkflowID string `json:"workflowId,omitempty"`
}
