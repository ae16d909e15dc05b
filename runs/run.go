package runs

import (
	"fmt"
	"iter"
	"strings"
	"time"

	"github.com/junction-run/junction/definition"
)

// RunInput starts one run. It carries the definition's steps themselves, not
// a reference, so the run is pinned to the version it started on and replays
// never read a database.
type RunInput struct {
	AccountID    string            `json:"accountId"`
	SubAccountID string            `json:"subAccountId,omitempty"`
	DefinitionID string            `json:"definitionId"`
	Version      int               `json:"version"`
	Name         string            `json:"name"`
	Trigger      string            `json:"trigger"`
	EventID      string            `json:"eventId"`
	TriggeredAt  time.Time         `json:"triggeredAt"`
	Steps        []definition.Step `json:"steps"`
	// Payload is the trigger's data; its top-level fields become data.*.
	Payload map[string]any `json:"payload"`
	// Apps are the connector versions the definition version pins (its
	// "apps" block): connector steps call exactly these versions, however
	// many newer ones are registered since. A connector not named runs its
	// latest stable version (definitions saved before pinning existed).
	Apps map[string]string `json:"apps,omitempty"`
	// LocalHTTPSteps runs short HttpRequest steps as local activities (at
	// most LocalHTTPMaxTimeout). Intake sets it from its options; it lives
	// in the input so that a run keeps the choice it started with, and a
	// replay never depends on the worker's configuration.
	LocalHTTPSteps bool `json:"localHttpSteps,omitempty"`
	// ReplyTo, for a run started by a message, is how a Reply step answers
	// it in the same conversation; nil otherwise.
	ReplyTo *ReplyTo `json:"replyTo,omitempty"`
	// UserKey is the user the run's trigger came from (the sender of an
	// inbound message, by runs.AwaitKey), whose state it reads and writes
	// as state.user; "" when the trigger has no sender.
	UserKey string `json:"userKey,omitempty"`
	// UserID and ConversationID, for a run started by a message of a
	// channel, are its user and conversation (runs.UserID,
	// runs.ConversationID): the conversation's state is the run's
	// state.conversation, and what its Reply steps send is logged in it.
	UserID         string `json:"userId,omitempty"`
	ConversationID string `json:"conversationId,omitempty"`
	// States are the definition's state declarations (schema and expiry
	// per scope), which its SetState steps keep to.
	States map[string]definition.StateDeclaration `json:"states,omitempty"`
	// RunEvents are the run events (run.completed, run.failed) the
	// account's subscriptions received when the run started: the run
	// raises them when it ends. Empty for most runs, which then schedule
	// nothing more than before.
	RunEvents []string `json:"runEvents,omitempty"`
	// Resume is set when a run continues as new: where the previous run
	// stopped and what it knew.
	Resume *ResumeState `json:"resume,omitempty"`
}

// ReplyTo is where a run's Reply step sends its text: the step type that
// sends a message (a connector action such as "slack.post_message", or
// "SMS"), the connection it sends with, its inputs that address the
// conversation, and the input the text goes in. The gateway fills it from
// the trigger's connectors.ReplySpec when the event comes in.
type ReplyTo struct {
	StepType   string         `json:"stepType"`
	Connection string         `json:"connection,omitempty"`
	Inputs     map[string]any `json:"inputs"`
	TextInput  string         `json:"textInput"`
	// TypeInputs are the message types the channel sends natively beyond
	// text, each with the inputs that make the action send it (Telegram's
	// markdown: {"parse_mode": "Markdown"}); other types go as text.
	TypeInputs map[string]map[string]any `json:"typeInputs,omitempty"`
}

// LocalHTTPMaxTimeout is the longest HttpRequest timeout that runs as a
// local activity when a run asks for local HTTP steps. A local activity
// holds the workflow task while it runs; longer calls stay regular
// activities, which the server dispatches and times out on its own.
const LocalHTTPMaxTimeout = 10 * time.Second

// ResumeState carries a run across continue-as-new.
type ResumeState struct {
	Data     map[string]any `json:"data"`
	Steps    map[string]any `json:"steps"`
	Queue    []string       `json:"queue"`
	Log      []StepLog      `json:"log"`
	Executed int            `json:"executed"`
	Seen     []string       `json:"seen,omitempty"`
	// Loop is the top-level ForEach the run stopped in, between
	// iterations; its step is the first of Queue.
	Loop *LoopState `json:"loop,omitempty"`
}

// LoopState is a ForEach in progress across continue-as-new: its inputs as
// rendered when it started (so that the items do not change under it), the
// next item to start and the results of those before it.
type LoopState struct {
	StepID      string         `json:"stepId"`
	Inputs      map[string]any `json:"inputs"`
	Items       []any          `json:"items"`
	Parallelism int            `json:"parallelism"`
	Next        int            `json:"next"`
	Results     []any          `json:"results"`
}

// RunOutput is what a completed run returns.
type RunOutput struct {
	Data map[string]any `json:"data"`
	Log  []StepLog      `json:"log"`
	// Response is the answer of the run's first Respond step, if it had
	// one: a caller who waited for it past the run's end reads it here.
	Response *Response `json:"response,omitempty"`
}

// RunState is what StateQuery returns while a run is open and after it
// closed.
type RunState struct {
	Data        map[string]any `json:"data"`
	Log         []StepLog      `json:"log"`
	CurrentStep string         `json:"currentStep,omitempty"`
}

// Step log statuses, 8x8's names.
const (
	StepRunning         = "Running"
	StepComplete        = "Complete"
	StepFailed          = "Failed"
	StepSleeping        = "Sleeping"
	StepWaitingForEvent = "WaitingForEvent"
)

// StepLog is one executed step, as 8x8's workflowLog reports it, with the
// inputs it ran with and the result it produced.
type StepLog struct {
	ID          string    `json:"id"`
	StepName    string    `json:"stepName"`
	StepType    string    `json:"stepType,omitempty"`
	StartedAt   time.Time `json:"startedAt"`
	CompletedAt time.Time `json:"completedAt,omitzero"`
	Status      string    `json:"status"`
	Inputs      any       `json:"inputs,omitempty"`
	Output      any       `json:"output,omitempty"`
	Error       string    `json:"error,omitempty"`
}

// summaryTypeOpen ends the head of a step's activity summary: the log
// entry id before it, the step's type after it.
const summaryTypeOpen = " ("

// StepSummary is what the Temporal UI shows of a step's activity or local
// activity: the id of the step's log entry (StepLog.ID, the step id and its
// execution number) and the step's type, "notify#3 (HttpRequest)"; the
// workflow adds the item inside a ForEach. Naming the log entry lets support
// staff find the call of a log line, and lets the management API give each
// line its attempts (StepSummaryHeads). Summaries are user metadata: a
// replay does not compare them.
func StepSummary(logID, stepType string) string {
	return logID + summaryTypeOpen + stepType + ")"
}

// StepSummaryHeads yields what a step's summary may begin with, shortest
// first: every prefix that ends before " (". Step ids are free text, so
// the reader tries each against the log entry ids of the run (or, for
// summaries written before they named log entries, its step ids).
func StepSummaryHeads(summary string) iter.Seq[string] {
	return func(yield func(string) bool) {
		for i := 0; ; {
			j := strings.Index(summary[i:], summaryTypeOpen)
			if j < 0 {
				return
			}
			i += j
			if !yield(summary[:i]) {
				return
			}
			i++
		}
	}
}

// Reply is ReplySignal's argument: an inbound message for a run waiting in a
// WaitForReply step.
type Reply struct {
	// EventID is the inbound message's id; a redelivery carries the same.
	EventID string         `json:"eventId"`
	From    string         `json:"from"`
	Channel string         `json:"channel"`
	Event   map[string]any `json:"event"`
}

// AwaitKey is the value of AwaitingReplyKey while a run waits for a reply:
// channel and sender, normalised so intake and the run agree. A leading "+"
// is dropped: 8x8 writes msisdns with it and channel user ids without.
func AwaitKey(channel, from string) string {
	return strings.ToLower(strings.TrimSpace(channel)) + ":" + strings.TrimPrefix(strings.TrimSpace(from), "+")
}

// Control actions of a ControlRequest.
const (
	ControlSuspend = "suspend"
	ControlResume  = "resume"
)

// ControlRequest is ControlUpdate's argument.
type ControlRequest struct {
	Action string `json:"action"`
}

// Validate refuses an action other than suspend and resume; the run's
// update validator and the API both use it.
func (r ControlRequest) Validate() error {
	if r.Action != ControlSuspend && r.Action != ControlResume {
		return fmt.Errorf("action must be %q or %q, not %q", ControlSuspend, ControlResume, r.Action)
	}
	return nil
}

// InitialData is the context a run starts with: the trigger payload's
// fields plus accountId, triggeredAt and subAccountId. Trigger conditions
// are evaluated over the same data.
func InitialData(in RunInput) map[string]any {
	data := make(map[string]any, len(in.Payload)+3)
	for k, v := range in.Payload {
		data[k] = v
	}
	// The context fields 8x8 defines win over payload fields of the same
	// name: definitions rely on them being what the platform says.
	data["accountId"] = in.AccountID
	data["triggeredAt"] = in.TriggeredAt.UTC().Format(time.RFC3339Nano)
	if in.SubAccountID != "" {
		data["subAccountId"] = in.SubAccountID
	}
	return data
}

// ConditionsFail evaluates a definition's trigger conditions over the data
// a run would start with; it returns why the event is turned down, or "".
// It is pure, so the poll workflow and intake evaluate conditions alike.
func ConditionsFail(conditions []string, in RunInput, now time.Time) string {
	if len(conditions) == 0 {
		return ""
	}
	env := definition.Env{Data: InitialData(in), Now: func() time.Time { return now }}
	for i, cond := range conditions {
		v, err := definition.RenderString(cond, env)
		if err != nil {
			return fmt.Sprintf("conditions[%d]: %v", i, err)
		}
		if !definition.Truthy(v) {
			return fmt.Sprintf("conditions[%d] is false", i)
		}
	}
	return ""
}
