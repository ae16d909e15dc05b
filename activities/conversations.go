package activities

import (
	"context"
	"errors"
	"fmt"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// MessageReceiver logs an inbound message and dispatches it through
// intake, the one path from an event to runs; *intake.Intake implements it.
type MessageReceiver interface {
	Receive(ctx context.Context, in runs.InboundMessage) (runs.MessageReceipt, error)
}

// outgoingStore logs what runs send into conversations; *store.Store
// implements it.
type outgoingStore interface {
	RecordOutgoing(ctx context.Context, m store.ChatMessage) (store.ChatMessage, bool, error)
}

// Conversations are the activities of conversations: receiving a message
// (the conversation workflow's) and logging a reply (a run's).
type Conversations struct {
	Receiver MessageReceiver
	Store    outgoingStore
}

// Receive is runs.ReceiveMessageActivity.
func (c *Conversations) Receive(ctx context.Context, in runs.InboundMessage) (runs.MessageReceipt, error) {
	if c.Receiver == nil {
		return runs.MessageReceipt{}, temporal.NewNonRetryableApplicationError("this worker has no intake to dispatch messages with", runs.ErrTypeNotConfigured, nil)
	}
	return c.Receiver.Receive(ctx, in)
}

// RecordOutgoing is runs.RecordOutgoingActivity: what a Reply step sent,
// in its conversation's log, with the run that sent it.
func (c *Conversations) RecordOutgoing(ctx context.Context, m runs.OutgoingMessage) error {
	if c.Store == nil {
		return temporal.NewNonRetryableApplicationError("this worker has no metadata store to log messages in", runs.ErrTypeNotConfigured, nil)
	}
	_, _, err := c.Store.RecordOutgoing(ctx, store.ChatMessage{AccountID: m.AccountID,
		ID:             runs.ChatMessageID(m.ConversationID, runs.DirectionOutgoing, m.SourceID),
		ConversationID: m.ConversationID, Direction: runs.DirectionOutgoing, Type: m.Type, Payload: m.Payload, SourceID: m.SourceID,
		Runs: []store.HandledRun{{DefinitionID: m.DefinitionID, Version: m.Version, WorkflowID: runs.RunEventID(m.WorkflowID),
			TemporalWorkflowID: m.WorkflowID, RunID: m.RunID, How: "sent"}}})
	if errors.Is(err, store.ErrInvalid) || errors.Is(err, store.ErrNotFound) {
		return temporal.NewNonRetryableApplicationError("logging the reply: "+err.Error(), runs.ErrTypeBadRequest, nil)
	}
	if err != nil {
		return fmt.Errorf("logging the reply in conversation %s: %w", m.ConversationID, err)
	}
	return nil
}
