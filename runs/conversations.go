package runs

import (
	"encoding/json"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
)

// Conversations (issue 15, the Botpress model): every inbound message of a
// channel belongs to a user and a conversation, each known by its channel
// address (its tags) and by a Junction id derived from it. Intake hands a
// message to its conversation's entity workflow (ConversationWorkflow) with
// Update-with-Start: the conversation takes its messages one at a time,
// records each (ReceiveMessageActivity) and hands it to the run waiting for
// a reply in it, or else starts the runs of the definitions it triggers,
// and answers the update with what it did, so the webhook that brought the
// message can answer with it too.
const (
	// ConversationWorkflow is a conversation's entity workflow, one per
	// (account, conversation), id ConversationWorkflowID. It continues as
	// new every ConversationInput.MessagesPerRun messages, so its history
	// stays bounded however long the conversation, and ends once idle.
	ConversationWorkflow = "conversation"
	// MessageUpdate hands an InboundMessage to its conversation; the
	// result is a MessageReceipt.
	MessageUpdate = "message"
	// ReceiveMessageActivity records an inbound message and dispatches it
	// (a local activity of the conversation).
	ReceiveMessageActivity = "conversation.receive"
	// RecordOutgoingActivity adds what a Reply step sent to its
	// conversation's message log (a local activity of the run).
	RecordOutgoingActivity = "conversation.record_outgoing"
)

// Message directions in a conversation's log.
const (
	DirectionIncoming = "incoming"
	DirectionOutgoing = "outgoing"
)

// Message types a channel may declare it sends (connectors.ChannelSpec).
const (
	MessageText     = "text"
	MessageMarkdown = "markdown"
	MessageImage    = "image"
	MessageFile     = "file"
	MessageChoice   = "choice"
)

// Message is an inbound message as the channel's mapping reads it from
// the event: who wrote, in which conversation, and what.
type Message struct {
	// Channel names the channel ("sms", "whatsapp", "slack", "telegram").
	Channel string `json:"channel"`
	// UserKey is the sender's address on the channel (AwaitKey), the key
	// replies are awaited and user states kept by.
	UserKey  string            `json:"userKey"`
	UserTags map[string]string `json:"userTags,omitempty"`
	// ConversationKey is the conversation's address on the channel, made
	// of its tags' values (ConversationKey).
	ConversationKey  string            `json:"conversationKey"`
	ConversationTags map[string]string `json:"conversationTags,omitempty"`
	Type             string            `json:"type"`
	// Payload is the message as the log shows it ({"text": ...} for a
	// text message).
	Payload map[string]any    `json:"payload"`
	Tags    map[string]string `json:"tags,omitempty"`
}

// ConversationKey joins the values of a conversation's tags, in the order
// the channel declares them, into its key on the channel: a Slack thread
// is "C123/1355517523.000005", a Twilio number pair "+1415.../+1501...".
// A "/" or "%" inside a value is escaped, so that two conversations never
// share a key ("a/b" + "c" is not "a" + "b/c").
func ConversationKey(values ...string) string {
	escaped := make([]string, len(values))
	for i, v := range values {
		escaped[i] = keyEscaper.Replace(v)
	}
	return strings.Join(escaped, "/")
}

var keyEscaper = strings.NewReplacer("%", "%25", "/", "%2F")

// UserID is the Junction id of the user with a channel address: derived,
// so a user is created once however many messages arrive at once.
func UserID(accountID, userKey string) string {
	return "usr_" + digest(accountID, userKey)
}

// ConversationID is the Junction id of a conversation of a channel.
func ConversationID(accountID, channel, conversationKey string) string {
	return "conv_" + digest(accountID, channel, conversationKey)
}

// ChatMessageID is the id of a message in a conversation's log: one per
// (direction, source), so a redelivered message is logged once.
func ChatMessageID(conversationID, direction, sourceID string) string {
	return "cmsg_" + digest(conversationID, direction, sourceID)
}

// ConversationWorkflowID is the workflow id of a conversation's entity
// workflow.
func ConversationWorkflowID(accountID, conversationID string) string {
	return "conversation/" + accountID + "/" + conversationID
}

// ConversationInput starts, or continues, a conversation's workflow.
type ConversationInput struct {
	AccountID      string `json:"accountId"`
	ConversationID string `json:"conversationId"`
	Channel        string `json:"channel"`
	// MessagesPerRun is how many messages a run of the workflow takes
	// before it continues as new (0: DefaultMessagesPerRun).
	MessagesPerRun int `json:"messagesPerRun,omitempty"`
	// IdleFor is how long the workflow waits for the next message before
	// it ends (0: DefaultConversationIdle); the next message starts it
	// again.
	IdleFor time.Duration `json:"idleFor,omitempty"`
	// Received counts the messages of the conversation's earlier runs of
	// the workflow, for the Temporal UI.
	Received int `json:"received,omitempty"`
}

// Defaults of ConversationInput.
const (
	DefaultMessagesPerRun   = 500
	DefaultConversationIdle = time.Hour
)

// InboundMessage is MessageUpdate's argument: the event that brought the
// message, for intake to dispatch, with the message as mapped.
type InboundMessage struct {
	// Event is intake's event, as intake encodes it: the conversation only
	// carries it to ReceiveMessageActivity.
	Event   json.RawMessage `json:"event"`
	EventID string          `json:"eventId"`
	Message Message         `json:"message"`
}

// MessageReceipt is MessageUpdate's result: where the message was logged,
// and what intake did with it (its result, as intake encodes it).
type MessageReceipt struct {
	UserID         string          `json:"userId"`
	ConversationID string          `json:"conversationId"`
	MessageID      string          `json:"messageId"`
	Dispatch       json.RawMessage `json:"dispatch"`
}

// OutgoingMessage is RecordOutgoingActivity's argument: what a Reply step
// sent, by which run.
type OutgoingMessage struct {
	AccountID      string         `json:"accountId"`
	ConversationID string         `json:"conversationId"`
	Type           string         `json:"type"`
	Payload        map[string]any `json:"payload"`
	// SourceID is the run's workflow id and the step's log id: a retried
	// record logs the message once.
	SourceID     string `json:"sourceId"`
	DefinitionID string `json:"definitionId"`
	Version      int    `json:"version"`
	WorkflowID   string `json:"workflowId"`
	RunID        string `json:"runId"`
}

// ConversationStartOptions are the options a message starts its
// conversation's workflow with, if it is not running: a closed one (it
// went idle) starts again under the same id.
func ConversationStartOptions(in ConversationInput) client.StartWorkflowOptions {
	return client.StartWorkflowOptions{
		ID:                       ConversationWorkflowID(in.AccountID, in.ConversationID),
		TaskQueue:                TaskQueue,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		// No JunctionAccountId: run lists (Runs) select by it, and a
		// conversation is not a run.
		StaticSummary: "conversation " + in.ConversationID + " on " + in.Channel,
	}
}
