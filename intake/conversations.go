package intake

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/google/uuid"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// A message (an Event with a Message) goes through its conversation: Dispatch
// hands it to the conversation's entity workflow with Update-with-Start,
// and the workflow, one message at a time, calls Receive back in a local
// activity, which records the message and dispatches it as any other event
// (resume the run waiting for it, or start runs, and deliver it). The
// update's result carries Receive's Result back to Dispatch, so whoever
// sent the message is answered as before, with the runs it started.

// conversationStore keeps users, conversations and their messages;
// *store.Store implements it.
type conversationStore interface {
	RecordIncoming(ctx context.Context, in store.Inbound) (store.ChatMessage, bool, error)
	SetMessageRuns(ctx context.Context, accountID, messageID string, handled []store.HandledRun) error
}

// conversationClient is what routing a message takes of Temporal;
// client.Client implements it.
type conversationClient interface {
	NewWithStartWorkflowOperation(options client.StartWorkflowOptions, workflow any, args ...any) client.WithStartWorkflowOperation
	UpdateWithStartWorkflow(ctx context.Context, options client.UpdateWithStartWorkflowOptions) (client.WorkflowUpdateHandle, error)
}

// toConversation hands a message to its conversation's workflow, starting
// it if it is not running, and returns what the conversation did with it.
func (i *Intake) toConversation(ctx context.Context, ev Event) (Result, error) {
	m := ev.Message
	if m.Channel == "" || m.UserKey == "" || m.ConversationKey == "" {
		return Result{}, &Error{What: "The message names no channel, user or conversation", Err: ErrRejected}
	}
	event, err := encodeChecked(ev, i.maxInputBytes(), "the message")
	if err != nil {
		return Result{}, err
	}
	in := runs.ConversationInput{AccountID: ev.AccountID, ConversationID: runs.ConversationID(ev.AccountID, m.Channel, m.ConversationKey),
		Channel: m.Channel, MessagesPerRun: i.options.MessagesPerConversationRun, IdleFor: i.options.ConversationIdle}
	// A new update id for each hand-over: Temporal answers an update id it
	// has seen with its first outcome, a failure included, and a message
	// sent again after a failure (the store was down) must be taken
	// again. Taking it twice is harmless: Receive is idempotent by the
	// event's id. The id keeps the event's, for the Temporal UI.
	updateID := "message-" + ev.ID + "-" + uuid.NewString()
	var lastErr error
	// A conversation that continues as new, or ends idle, as the update
	// reaches it refuses it as closed: the next try finds the new run, or
	// starts one.
	for attempt := range 3 {
		if attempt > 0 {
			select {
			case <-ctx.Done():
				return Result{}, unavailable(ctx.Err(), "Could not hand the message to its conversation")
			case <-time.After(time.Duration(attempt) * 50 * time.Millisecond):
			}
		}
		start := i.temporal.NewWithStartWorkflowOperation(runs.ConversationStartOptions(in), runs.ConversationWorkflow, in)
		h, err := i.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start,
			UpdateOptions: client.UpdateWorkflowOptions{
				UpdateID:     updateID,
				UpdateName:   runs.MessageUpdate,
				Args:         []any{runs.InboundMessage{Event: event, EventID: ev.ID, Message: *m}},
				WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		var receipt runs.MessageReceipt
		if err == nil {
			err = h.Get(ctx, &receipt)
		}
		if err == nil {
			return decodeReceipt(receipt)
		}
		if app, ok := errors.AsType[*temporal.ApplicationError](err); ok {
			return Result{}, fromRefusal(app)
		}
		if invalid, ok := errors.AsType[*serviceerror.InvalidArgument](err); ok {
			return Result{}, &Error{What: "Temporal refused the message", Err: fmt.Errorf("%w: %s", ErrRejected, invalid.Message)}
		}
		lastErr = err
	}
	return Result{}, unavailable(lastErr, "Could not hand the message to its conversation")
}

// receipt is Result as the conversation carries it: with whether each run
// answers, which the trigger routes' JSON leaves out.
type receipt struct {
	Result
	Answers []bool `json:"answers,omitempty"`
}

func decodeReceipt(r runs.MessageReceipt) (Result, error) {
	var out receipt
	if err := json.Unmarshal(r.Dispatch, &out); err != nil {
		return Result{}, unavailable(err, "Could not read what the conversation did with the message")
	}
	for n := range out.Runs {
		out.Runs[n].Answers = n < len(out.Answers) && out.Answers[n]
	}
	out.Result.Conversation = &Conversation{ID: r.ConversationID, UserID: r.UserID, MessageID: r.MessageID}
	return out.Result, nil
}

// Receive is the conversation's side of a message
// (runs.ReceiveMessageActivity): it creates the user and the conversation
// on first contact, logs the message, dispatches its event as any other,
// and logs the runs that handled it. Every step is idempotent by the
// event's id, so a retry, or the message sent again, does what the first
// did and no more. A refusal that no retry gets past is a non-retryable
// temporal.ApplicationError whose message says what was refused.
func (i *Intake) Receive(ctx context.Context, in runs.InboundMessage) (runs.MessageReceipt, error) {
	var ev Event
	if err := json.Unmarshal(in.Event, &ev); err != nil || ev.Message == nil {
		return runs.MessageReceipt{}, temporal.NewNonRetryableApplicationError("the message's event cannot be read", runs.ErrTypeBadRequest, err)
	}
	m := ev.Message
	ev.userID = runs.UserID(ev.AccountID, m.UserKey)
	ev.conversationID = runs.ConversationID(ev.AccountID, m.Channel, m.ConversationKey)
	stored, _, err := i.store.RecordIncoming(ctx, store.Inbound{
		User: store.ChatUser{AccountID: ev.AccountID, ID: ev.userID, Channel: m.Channel, Key: m.UserKey, Tags: m.UserTags},
		Conversation: store.Conversation{AccountID: ev.AccountID, ID: ev.conversationID, Channel: m.Channel, Key: m.ConversationKey,
			UserID: ev.userID, Tags: m.ConversationTags},
		Message: store.ChatMessage{AccountID: ev.AccountID, ID: runs.ChatMessageID(ev.conversationID, runs.DirectionIncoming, ev.ID),
			ConversationID: ev.conversationID, UserID: ev.userID, Direction: runs.DirectionIncoming, Type: m.Type,
			Payload: m.Payload, Tags: m.Tags, SourceID: ev.ID},
	})
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrConflict) || errors.Is(err, store.ErrNotFound) {
		// A value the store cannot take, or an account deleted meanwhile:
		// sending the message again cannot help.
		return runs.MessageReceipt{}, temporal.NewNonRetryableApplicationError("The message cannot be logged: "+err.Error(), runs.ErrTypeBadRequest, nil)
	}
	if err != nil {
		return runs.MessageReceipt{}, fmt.Errorf("logging the message: %w", err)
	}
	res, err := i.dispatch(ctx, ev)
	if err != nil {
		return runs.MessageReceipt{}, toRefusal(err)
	}
	handled := make([]store.HandledRun, 0, len(res.Runs)+len(res.Resumed))
	for _, r := range res.Runs {
		handled = append(handled, handledRun(r, "started"))
	}
	for _, r := range res.Resumed {
		handled = append(handled, handledRun(r, "resumed"))
	}
	if err := i.store.SetMessageRuns(ctx, ev.AccountID, stored.ID, handled); err != nil {
		return runs.MessageReceipt{}, fmt.Errorf("logging the runs that handled the message: %w", err)
	}
	out := receipt{Result: res}
	for _, r := range res.Runs {
		out.Answers = append(out.Answers, r.Answers)
	}
	dispatch, err := json.Marshal(out)
	if err != nil {
		return runs.MessageReceipt{}, fmt.Errorf("encoding the message's result: %w", err)
	}
	return runs.MessageReceipt{UserID: ev.userID, ConversationID: ev.conversationID, MessageID: stored.ID, Dispatch: dispatch}, nil
}

func handledRun(r Run, how string) store.HandledRun {
	return store.HandledRun{DefinitionID: r.DefinitionID, Version: r.Version, WorkflowID: r.WorkflowID,
		TemporalWorkflowID: r.TemporalWorkflowID, RunID: r.RunID, How: how}
}

// Refusals cross the conversation as application errors of these types,
// so that Dispatch returns the Error a direct dispatch would have.
const (
	refusedTooLarge = "EventTooLarge"
	refusedInvalid  = runs.ErrTypeBadRequest
)

// toRefusal turns an Error no retry gets past into a non-retryable
// application error; others stay errors the activity retries.
func toRefusal(err error) error {
	ie, ok := errors.AsType[*Error](err)
	if !ok || ie.Retry {
		return err
	}
	kind := refusedInvalid
	if errors.Is(ie, ErrTooLarge) {
		kind = refusedTooLarge
	}
	return temporal.NewNonRetryableApplicationError(ie.What, kind, nil)
}

// fromRefusal is toRefusal's inverse, on the caller's side. A failure
// that is not one (the activity ran out of time, retrying) may succeed
// when the message is sent again.
func fromRefusal(app *temporal.ApplicationError) error {
	what := strings.TrimSpace(app.Message())
	switch app.Type() {
	case refusedTooLarge:
		return &Error{What: what, Err: ErrTooLarge}
	case refusedInvalid:
		return &Error{What: what, Err: ErrRejected}
	}
	return &Error{What: "The conversation could not take the message", Retry: true, Err: app}
}
