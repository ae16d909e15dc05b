package workflows_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/workflows"
)

// messageReceiver stands in for intake's side of a message (the end-to-end tests
// in internal/devstack run the real one): it records the order messages
// reach it in.
type messageReceiver struct{ got []string }

func (r *messageReceiver) Receive(_ context.Context, m runs.InboundMessage) (runs.MessageReceipt, error) {
	r.got = append(r.got, m.EventID)
	return runs.MessageReceipt{MessageID: "cmsg_" + m.EventID, Dispatch: json.RawMessage(`{}`)}, nil
}

func conversationEnv(r *messageReceiver) *testsuite.TestWorkflowEnvironment {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.RegisterWorkflowWithOptions(workflows.Conversation, workflow.RegisterOptions{Name: runs.ConversationWorkflow})
	env.RegisterActivityWithOptions(r.Receive, activity.RegisterOptions{Name: runs.ReceiveMessageActivity})
	return env
}

func message(id string) runs.InboundMessage {
	return runs.InboundMessage{EventID: id, Event: json.RawMessage(`{"id":"` + id + `"}`)}
}

// A conversation takes its messages in order, ends once idle for IdleFor
// after the last one (not after the first) with one timer per idle period,
// and refuses an update that
// carries no event.
func TestConversationTakesMessagesInOrderAndEndsWhenIdle(t *testing.T) {
	r := &messageReceiver{}
	env := conversationEnv(r)
	start := env.Now()
	send := func(id string, at time.Duration) {
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(runs.MessageUpdate, id, &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("%s rejected: %v", id, err) }, OnAccept: func() {},
				OnComplete: func(v any, err error) {
					if receipt, _ := v.(runs.MessageReceipt); err != nil || receipt.MessageID != "cmsg_"+id {
						t.Errorf("%s: receipt %+v, %v", id, v, err)
					}
				},
			}, message(id))
		}, at)
	}
	send("m1", time.Minute)
	send("m2", 2*time.Minute)
	send("m3", 40*time.Minute)
	env.RegisterDelayedCallback(func() {
		env.UpdateWorkflow(runs.MessageUpdate, "bad", &testsuite.TestUpdateCallback{
			OnReject: func(error) {}, OnAccept: func() { t.Error("a message without its event was accepted") }, OnComplete: func(any, error) {},
		}, runs.InboundMessage{})
	}, 3*time.Minute)
	var ended time.Time
	fired := 0
	env.SetOnTimerFiredListener(func(string) { ended, fired = env.Now(), fired+1 })
	env.ExecuteWorkflow(runs.ConversationWorkflow, runs.ConversationInput{AccountID: "acme", ConversationID: "conv_1", Channel: "sms", IdleFor: time.Hour})
	if !env.IsWorkflowCompleted() || env.GetWorkflowError() != nil {
		t.Fatalf("completed %v, error %v", env.IsWorkflowCompleted(), env.GetWorkflowError())
	}
	if fmt.Sprint(r.got) != "[m1 m2 m3]" {
		t.Errorf("received %v", r.got)
	}
	if idle := ended.Sub(start); idle != 40*time.Minute+time.Hour {
		t.Errorf("ended %v after the start, want an hour after the last message (1h40m)", idle)
	}
	// One timer per idle period: the first, set for an hour after the
	// start, then one for what was left after the last message. A timer
	// per message would fire once for each.
	if fired != 2 {
		t.Errorf("%d timers fired, want 2", fired)
	}
}

// After MessagesPerRun messages the conversation continues as new, with
// the count carried over.
func TestConversationContinuesAsNew(t *testing.T) {
	r := &messageReceiver{}
	env := conversationEnv(r)
	for i := range 3 {
		id := fmt.Sprintf("m%d", i)
		env.RegisterDelayedCallback(func() {
			env.UpdateWorkflow(runs.MessageUpdate, id, &testsuite.TestUpdateCallback{
				OnReject: func(err error) { t.Errorf("%s rejected: %v", id, err) }, OnAccept: func() {}, OnComplete: func(any, error) {},
			}, message(id))
		}, time.Duration(i+1)*time.Second)
	}
	env.ExecuteWorkflow(runs.ConversationWorkflow, runs.ConversationInput{AccountID: "acme", ConversationID: "conv_1", Channel: "sms", MessagesPerRun: 2, Received: 10})
	var can *workflow.ContinueAsNewError
	if !errors.As(env.GetWorkflowError(), &can) {
		t.Fatalf("error %v, want continue-as-new", env.GetWorkflowError())
	}
	var next runs.ConversationInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil || next.Received != 12 || next.MessagesPerRun != 2 {
		t.Errorf("continued with %+v (%v), want 12 received", next, err)
	}
	if fmt.Sprint(r.got) != "[m0 m1]" {
		t.Errorf("this run received %v, want the first two", r.got)
	}
}
