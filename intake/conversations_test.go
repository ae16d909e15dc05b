package intake_test

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"go.temporal.io/sdk/temporal"

	"github.com/junction-run/junction/intake"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// message is an 8x8 inbound SMS as the gateway makes it, encoded as the
// conversation carries it to Receive.
func message(t *testing.T, id, text string) runs.InboundMessage {
	t.Helper()
	m := runs.Message{Channel: "sms", UserKey: runs.AwaitKey("sms", "+6591234567"), UserTags: map[string]string{"msisdn": "+6591234567"},
		ConversationKey: runs.ConversationKey("+6591234567", "sms"), ConversationTags: map[string]string{"msisdn": "+6591234567", "channel": "sms"},
		Type: runs.MessageText, Payload: map[string]any{"text": text}}
	ev := intake.Event{AccountID: "acme", Trigger: "inbound_sms", ID: id, Payload: map[string]any{"payload": map[string]any{"body": text}},
		Message: &m, Reply: &intake.Reply{Keys: []string{m.UserKey}, Signal: runs.Reply{EventID: id, From: "+6591234567", Channel: "sms"}}}
	b, err := json.Marshal(ev)
	if err != nil {
		t.Fatal(err)
	}
	return runs.InboundMessage{Event: b, EventID: id, Message: m}
}

// Receive, the conversation's side of a message: it logs the message
// under its user and conversation, starts the run with both ids in its
// input, records the run on the message, and does all that once however
// often the message comes.
func TestReceiveLogsTheMessageAndItsRuns(t *testing.T) {
	st, defs := newStore(t, definitionOf(t, "inbound_sms", body("inbound_sms", "", "Auto reply")))
	tc := &fakeTemporal{}
	in := intake.New(st, tc, "default", intake.Options{}, nil)
	for range 2 {
		receipt, err := in.Receive(context.Background(), message(t, "m1", "hello"))
		if err != nil {
			t.Fatal(err)
		}
		conversation := runs.ConversationID("acme", "sms", runs.ConversationKey("+6591234567", "sms"))
		if receipt.ConversationID != conversation || receipt.UserID != runs.UserID("acme", runs.AwaitKey("sms", "+6591234567")) ||
			!strings.Contains(string(receipt.Dispatch), `"workflowId":"m1"`) {
			t.Fatalf("receipt %+v %s", receipt, receipt.Dispatch)
		}
	}
	last := tc.inputs[len(tc.inputs)-1]
	if last.ConversationID == "" || last.UserID == "" || last.UserKey != "sms:6591234567" || last.DefinitionID != defs[0].ID {
		t.Errorf("run input %+v", last)
	}
	log, err := st.ListChatMessages(context.Background(), store.ChatMessageFilter{AccountID: "acme", ConversationID: last.ConversationID})
	if err != nil || len(log) != 1 || len(log[0].Runs) != 1 || log[0].Runs[0].How != "started" || log[0].Payload["text"] != "hello" {
		t.Errorf("log %+v, %v: want the message once, with the run it started", log, err)
	}
}

// A message that can never start its run is refused for good, across the
// conversation, as the error a direct dispatch would give.
func TestReceiveRefusesForGood(t *testing.T) {
	st, _ := newStore(t, definitionOf(t, "inbound_sms", body("inbound_sms", "", "Auto reply")))
	in := intake.New(st, &fakeTemporal{}, "default", intake.Options{MaxInputBytes: 4000}, nil)
	_, err := in.Receive(context.Background(), message(t, "m2", strings.Repeat("x", 5000)))
	var app *temporal.ApplicationError
	if !errors.As(err, &app) || !app.NonRetryable() || !strings.Contains(app.Error(), "too large") {
		t.Fatalf("error %v: want a non-retryable refusal saying the event is too large", err)
	}
	if _, err := in.Receive(context.Background(), runs.InboundMessage{Event: json.RawMessage(`{}`), EventID: "m3"}); !errors.As(err, &app) || !app.NonRetryable() {
		t.Errorf("an event without its message: %v", err)
	}
}
