package workflows

import (
	"cmp"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/runs"
)

// receiveOptions bound how long one message may take to be recorded and
// dispatched: the webhook that brought it waits for the receipt, and the
// sender retries what it is not answered.
var receiveOptions = workflow.LocalActivityOptions{
	StartToCloseTimeout:    15 * time.Second,
	ScheduleToCloseTimeout: 30 * time.Second,
	RetryPolicy:            &temporal.RetryPolicy{InitialInterval: 100 * time.Millisecond, MaximumInterval: 5 * time.Second},
}

// conversation is one run of a conversation's entity workflow.
type conversation struct {
	in runs.ConversationInput
	// mu takes the conversation's messages one at a time, in the order
	// they arrived: a reply is handed to the run waiting for it only after
	// the message before it has started that run.
	mu workflow.Mutex
	// accepted counts the updates this run of the workflow took, handled
	// or not.
	accepted int
	// last is when the last message arrived (or the run started): the
	// conversation is idle IdleFor after it.
	last time.Time
}

// Conversation is a conversation's entity workflow (runs.ConversationWorkflow):
// it receives the conversation's messages (runs.MessageUpdate), one at a
// time, each recorded and dispatched by runs.ReceiveMessageActivity, which
// resumes the run waiting for it or starts the runs it triggers. It holds
// nothing a replay could lose: the log, the users and the states are in
// the store, and every step of a message is idempotent by the message's
// event id, so a redelivered message is handled as the first was.
//
// After MessagesPerRun messages (or when Temporal suggests it) it
// continues as new, so its history stays bounded; after IdleFor without a
// message it ends, and the next message starts it again.
func Conversation(ctx workflow.Context, in runs.ConversationInput) error {
	c := &conversation{in: in, mu: workflow.NewMutex(ctx)}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, runs.MessageUpdate, c.receive,
		workflow.UpdateHandlerOptions{Validator: validateInboundMessage}); err != nil {
		return fmt.Errorf("registering the message update: %w", err)
	}
	perRun := cmp.Or(in.MessagesPerRun, runs.DefaultMessagesPerRun)
	idle := cmp.Or(in.IdleFor, runs.DefaultConversationIdle)
	full := func() bool { return c.accepted >= perRun || workflow.GetInfo(ctx).GetContinueAsNewSuggested() }
	c.last = workflow.Now(ctx)
	for {
		// One timer per idle period, not one per message: a message moves
		// the deadline, and a timer that fires before it is followed by
		// one for what is left.
		wait := c.last.Add(idle).Sub(workflow.Now(ctx))
		if wait <= 0 {
			// Idle: end once the last message is handled. A message that
			// arrives as the run ends fails its completion, and the run
			// goes on to take it.
			if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
				return err
			}
			if !c.last.Add(idle).After(workflow.Now(ctx)) {
				return nil
			}
			continue
		}
		timerCtx, cancelTimer := workflow.WithCancel(ctx)
		timer := workflow.NewTimerWithOptions(timerCtx, wait, workflow.TimerOptions{Summary: "idle"})
		if err := workflow.Await(ctx, func() bool { return timer.IsReady() || full() }); err != nil {
			return err // cancelled
		}
		if !full() {
			continue
		}
		cancelTimer()
		// Messages accepted before the cut are handled by this run; those
		// after it wait for the next, whose first task takes them.
		if err := workflow.Await(ctx, func() bool { return workflow.AllHandlersFinished(ctx) }); err != nil {
			return err
		}
		next := c.in
		next.Received += c.accepted
		return workflow.NewContinueAsNewError(ctx, runs.ConversationWorkflow, next)
	}
}

// validateInboundMessage refuses, before it enters the history, an update
// that names no event.
func validateInboundMessage(_ workflow.Context, m runs.InboundMessage) error {
	if m.EventID == "" || len(m.Event) == 0 {
		return fmt.Errorf("a message needs its event and event id")
	}
	return nil
}

// receive records and dispatches one message, after those that came
// before it.
func (c *conversation) receive(ctx workflow.Context, m runs.InboundMessage) (runs.MessageReceipt, error) {
	c.accepted++
	c.last = workflow.Now(ctx)
	if err := c.mu.Lock(ctx); err != nil {
		return runs.MessageReceipt{}, err
	}
	defer c.mu.Unlock()
	var receipt runs.MessageReceipt
	err := workflow.ExecuteLocalActivity(workflow.WithLocalActivityOptions(ctx, receiveOptions),
		runs.ReceiveMessageActivity, m).Get(ctx, &receipt)
	if app, ok := errors.AsType[*temporal.ApplicationError](err); ok {
		// The caller reads the activity's own error: its type says
		// whether sending the message again can help.
		return runs.MessageReceipt{}, app
	}
	if err != nil {
		return runs.MessageReceipt{}, err
	}
	workflow.SetCurrentDetails(ctx, fmt.Sprintf("Conversation **%s** on %s: %d messages, the last %s.",
		c.in.ConversationID, c.in.Channel, c.in.Received+c.accepted, receipt.MessageID))
	return receipt, nil
}
