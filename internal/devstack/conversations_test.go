package devstack_test

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/converter"

	"github.com/junction-run/junction/connectors/slack/slacktest"
	"github.com/junction-run/junction/connectors/telegram/telegramtest"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
	"github.com/junction-run/junction/gateway"
	"github.com/junction-run/junction/internal/devstack"
	"github.com/junction-run/junction/runs"
	"github.com/junction-run/junction/store"
)

// A conversation with thousands of messages keeps a bounded history: its
// workflow continues as new every MessagesPerConversationRun messages,
// and every message is logged once, in order.
func TestConversationHistoryStaysBounded(t *testing.T) {
	const messages, perRun, senders = 2000, 100, 8
	s := startTestStack(t, devstack.Config{MessagesPerConversationRun: perRun, Limits: gateway.Limits{APIKey: gateway.Off}})
	const from = "+6590000001"
	var wg sync.WaitGroup
	errs := make(chan error, messages)
	next := make(chan int)
	for range senders {
		wg.Go(func() {
			for n := range next {
				if err := postMessage(s.GatewayURL+"/api/v1/accounts/acme/triggers/inbound_sms",
					inboundSMS(fmt.Sprintf("bounded-%04d", n), from, fmt.Sprintf("message %d", n))); err != nil {
					errs <- fmt.Errorf("message %d: %w", n, err)
				}
			}
		})
	}
	for n := range messages {
		next <- n
	}
	close(next)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}

	conversation := runs.ConversationID("acme", "sms", runs.ConversationKey(from, "sms"))
	c, err := s.Store.Conversation(context.Background(), "acme", conversation)
	if err != nil || c.MessageCount != messages {
		t.Fatalf("conversation %+v, %v: want %d messages", c, err, messages)
	}

	// The latest run of the workflow holds at most perRun messages' worth
	// of history, and took over from the runs before it.
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	iter := s.Client.GetWorkflowHistory(ctx, runs.ConversationWorkflowID("acme", conversation), "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
	events, updates := 0, 0
	var in runs.ConversationInput
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		events++
		if a := e.GetWorkflowExecutionStartedEventAttributes(); a != nil {
			if err := converter.GetDefaultDataConverter().FromPayloads(a.GetInput(), &in); err != nil {
				t.Fatal(err)
			}
		}
		if e.GetWorkflowExecutionUpdateAcceptedEventAttributes() != nil {
			updates++
		}
	}
	if updates > perRun || in.Received+updates != messages {
		t.Errorf("the latest run took %d messages after %d: want at most %d, %d in all", updates, in.Received, perRun, messages)
	}
	// An update costs a handful of events (accepted, the local
	// activity's marker, completed, and workflow tasks).
	if bound := perRun * 8; events > bound {
		t.Errorf("the latest run's history has %d events, over %d", events, bound)
	}

	log, err := s.Store.ListChatMessages(context.Background(), store.ChatMessageFilter{AccountID: "acme", ConversationID: conversation,
		Page: store.Page{Limit: messages + 1}})
	if err != nil || len(log) != messages {
		t.Fatalf("the log has %d messages, %v", len(log), err)
	}
}

// postMessage posts one trigger body from a goroutine of its own (call
// stops the test, which only the test's goroutine may), as a client does:
// a 429 is sent again after its Retry-After.
func postMessage(url, body string) error {
	for {
		req, err := http.NewRequest(http.MethodPost, url, strings.NewReader(body))
		if err != nil {
			return err
		}
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Authorization", "Bearer "+keyFor(url))
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			return err
		}
		raw, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		switch resp.StatusCode {
		case http.StatusOK:
			return nil
		case http.StatusTooManyRequests:
			wait, _ := strconv.Atoi(resp.Header.Get("Retry-After"))
			time.Sleep(time.Duration(max(wait, 1)) * time.Second)
		default:
			return fmt.Errorf("%d %s", resp.StatusCode, raw)
		}
	}
}

// The message flow against the fakes, as the conversation model records
// it: a Slack message in a thread is answered in the thread, and a second
// one in the same thread resumes the run waiting for the user's reply;
// Telegram and Twilio messages are answered where they came from. Users,
// conversations, their tags and the message log (incoming and outgoing,
// with the runs that handled each) are what the channels' declarations
// say, the conversation's state counts its messages, and a state that
// would break the definition's schema is not written.
func TestMessageFlowKeepsUsersConversationsAndTheLog(t *testing.T) {
	slackFake, telegramFake, twilioFake := slacktest.New(t), telegramtest.New(t), twiliotest.New(t)
	s := startTestStack(t, devstack.Config{ConnectorTransport: hostRouter{
		"slack.com":        mustURL(t, slackFake.BaseURL()),
		"api.telegram.org": mustURL(t, telegramFake.BaseURL()),
		twiliotest.Host:    mustURL(t, twilioFake.BaseURL()),
	}})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	const slackSecret = "slack-signing-secret-flow"
	slackConn := createConnection(t, api, `{"app":"slack","authKind":"bearer","fields":{"token":"`+slacktest.Token+`","webhook_secret":"`+slackSecret+`"}}`)
	telegramConn := createConnection(t, api, `{"app":"telegram","authKind":"bearer","fields":{"token":"`+telegramtest.Token+`","webhook_secret":"`+telegramtest.WebhookSecret+`"}}`)
	twilioConn := createConnection(t, api, `{"app":"twilio","authKind":"basic","fields":{"username":"`+twiliotest.AccountSid+`","password":"`+twiliotest.AuthToken+`"}}`)

	// Every message of every channel is counted in its conversation's
	// state, whose schema allows at most 2, and answered.
	// Telegram answers in Markdown (its channel sends it), Twilio offers a
	// choice, which SMS cannot show: it goes as numbered text.
	for trigger, c := range map[string]struct{ conn, reply string }{
		"slack.event":         {slackConn, `"text": "Got it (#{{ steps.count.state.count }})"`},
		"telegram.update":     {telegramConn, `"text": "*Got it* (#{{ steps.count.state.count }})", "type": "markdown"`},
		"twilio.incoming_sms": {twilioConn, `"text": "Got it (#{{ steps.count.state.count }}). Next?", "type": "choice", "choices": ["Track", "Cancel"]`},
	} {
		createDefinition(t, s, "acme", []byte(fmt.Sprintf(`{"trigger": %q, "triggerConnection": %q, "status": "enabled",
			"conditions": ["{{ (data.payload.event.text ?? '') != 'order?' }}"],
			"states": {"conversation": {"schema": {"type": "object", "properties": {"count": {"type": "integer", "maximum": 2}}}, "expiresIn": "P30D"}},
			"definition": {"name": "counts and answers %s", "steps": [
				{"id": "count", "stepType": "SetState", "inputs": {"scope": "conversation", "values": {"count": "{{ (state.conversation.count ?? 0) + 1 }}"}},
				 "nextStepId": "answer"},
				{"id": "answer", "stepType": "Reply", "inputs": {%s}}]}}`,
			trigger, c.conn, trigger, c.reply)))
	}
	// A Slack user who asks "order?" is asked which, and the answer in the
	// thread resumes the run.
	createDefinition(t, s, "acme", []byte(`{"trigger": "slack.event", "triggerConnection": "`+slackConn+`", "status": "enabled",
		"conditions": ["{{ data.payload.event.text == 'order?' }}"],
		"definition": {"name": "asks which order", "steps": [
			{"id": "ask", "stepType": "Reply", "inputs": {"text": "Which order?"}, "nextStepId": "wait"},
			{"id": "wait", "stepType": "WaitForReply", "inputs": {"channel": "slack", "from": "{{ data.payload.event.user }}", "timeout": "0.00:05:00"},
			 "outputs": {"answer": "{{ step.reply.payload.event.text }}"}, "nextStepId": "found"},
			{"id": "found", "stepType": "Reply", "inputs": {"text": "Looking up {{ data.answer }}"}}]}}`))

	// The thread the conversation happens in, started by the bot.
	if _, err := slackFake.Add(func([]slacktest.Message) (slacktest.Message, error) {
		return slacktest.Message{Channel: slacktest.General, Text: "Ask me about an order", TS: "1700000000.000001"}, nil
	}); err != nil {
		t.Fatal(err)
	}
	slackHook := s.GatewayURL + "/hooks/acme/" + slackConn + "/event"
	slackMessage := func(id, ts, text string) webhookResult {
		t.Helper()
		event := fmt.Sprintf(`{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","type":"event_callback","event_id":%q,"event_time":%d,
			"event":{"type":"message","channel":%q,"user":"U777","text":%q,"ts":%q,"thread_ts":"1700000000.000001","event_ts":%q}}`,
			id, time.Now().Unix(), slacktest.General, text, ts, ts)
		resp := deliver(t, slackHook, slackFake.SignWebhook("event", []byte(event), slackSecret, slackHook, time.Now()))
		if resp.Status != http.StatusOK {
			t.Fatalf("slack event %s: %d %s", id, resp.Status, resp.Body)
		}
		var out webhookResult
		resp.decode(t, &out)
		return out
	}
	slackTexts := func() []string {
		var out []string
		for _, m := range slackFake.Messages() {
			if m.ThreadTS == "1700000000.000001" {
				out = append(out, m.Text)
			}
		}
		return out
	}
	asked := slackMessage("EvFlow1", "1700000000.000100", "order?")
	waitFor(t, "the question", 30*time.Second, func() bool { return slices.Contains(slackTexts(), "Which order?") })
	if len(asked.Events) != 1 || len(asked.Events[0].Runs) != 1 || asked.Events[0].Conversation == nil {
		t.Fatalf("the question started %+v", asked)
	}
	waitFor(t, "the asking run to report it waits", 30*time.Second, func() bool {
		v, err := s.Client.QueryWorkflow(t.Context(), asked.Events[0].Runs[0].TemporalWorkflowID, "", runs.StateQuery)
		if err != nil {
			return false
		}
		var st runs.RunState
		if err := v.Get(&st); err != nil || len(st.Log) == 0 {
			return false
		}
		return st.Log[len(st.Log)-1].Status == runs.StepWaitingForEvent
	})
	answered := slackMessage("EvFlow2", "1700000000.000200", "#1001")
	waitFor(t, "the answer and the count", 30*time.Second, func() bool {
		return slices.Contains(slackTexts(), "Looking up #1001") && slices.Contains(slackTexts(), "Got it (#1)")
	})
	waitRun(t, s, asked.Events[0].Runs[0].TemporalWorkflowID)
	recordHistory(t, s, "reply_and_wait_in_conversation", asked.Events[0].Runs[0].TemporalWorkflowID, asked.Events[0].Runs[0].RunID)

	// Slack sends the app its own replies too: they start nothing.
	own := fmt.Sprintf(`{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","type":"event_callback","event_id":"EvFlowOwn","event_time":%d,
		"event":{"type":"message","channel":%q,"user":"U222222222","bot_id":"B1","app_id":"A123ABC456","text":"Which order?","ts":"1700000000.000150","thread_ts":"1700000000.000001","event_ts":"1700000000.000150"}}`,
		time.Now().Unix(), slacktest.General)
	if r := deliver(t, slackHook, slackFake.SignWebhook("event", []byte(own), slackSecret, slackHook, time.Now())); r.Status != http.StatusOK ||
		!strings.Contains(string(r.Body), "ignored") {
		t.Errorf("the app's own message: %d %s", r.Status, r.Body)
	}

	// One Slack user, in one conversation (the thread), tagged as Slack's
	// declaration says.
	var users []chatUserAnswer
	getJSON(t, api+"/users?channel=slack&tag=id:U777", &users)
	if len(users) != 1 || users[0].ID != runs.UserID("acme", "slack:U777") || users[0].Tags["id"] != "U777" {
		t.Fatalf("slack users %+v", users)
	}
	var user chatUserAnswer
	getJSON(t, api+"/users/"+users[0].ID, &user)
	var convs []conversationAnswer
	getJSON(t, api+"/conversations?userId="+user.ID, &convs)
	if len(convs) != 1 || convs[0].Tags["channel"] != slacktest.General || convs[0].Tags["thread"] != "1700000000.000001" ||
		convs[0].ID != asked.Events[0].Conversation.ID || answered.Events[0].Conversation.ID != convs[0].ID {
		t.Fatalf("slack conversations %+v", convs)
	}
	var conv conversationAnswer
	getJSON(t, api+"/conversations/"+convs[0].ID, &conv)
	// The log: the question (started the asking run), the bot's question,
	// the answer (resumed it; started the counting run), and the replies.
	var log []messageAnswer
	waitFor(t, "the log", 30*time.Second, func() bool {
		getJSON(t, api+"/conversations/"+conv.ID+"/messages", &log)
		return len(log) == 5
	})
	if log[0].Direction != "incoming" || log[0].Payload["text"] != "order?" || len(log[0].Runs) != 1 || log[0].Runs[0].How != "started" ||
		log[0].Tags["ts"] != "1700000000.000100" || log[0].UserID != user.ID {
		t.Errorf("first message %+v", log[0])
	}
	if log[1].Direction != "outgoing" || log[1].Payload["text"] != "Which order?" || log[1].Runs[0].How != "sent" ||
		log[1].Runs[0].TemporalWorkflowID != asked.Events[0].Runs[0].TemporalWorkflowID {
		t.Errorf("second message %+v", log[1])
	}
	hows := map[string]bool{}
	for _, r := range log[2].Runs {
		hows[r.How] = true
	}
	if log[2].Payload["text"] != "#1001" || !hows["resumed"] || !hows["started"] || len(log[2].Runs) != 2 {
		t.Errorf("third message %+v: want it to resume the asking run and start the counting one", log[2])
	}

	// The conversation's state counts its messages (one counted so far);
	// a third and fourth message make 2, then a write past the schema's
	// maximum fails and leaves 2.
	var state map[string]any
	getJSON(t, api+"/conversations/"+conv.ID+"/state", &state)
	if state["count"] != float64(1) {
		t.Errorf("conversation state %v", state)
	}
	slackMessage("EvFlow3", "1700000000.000300", "thanks")
	waitFor(t, "the second count", 30*time.Second, func() bool { return slices.Contains(slackTexts(), "Got it (#2)") })
	third := slackMessage("EvFlow4", "1700000000.000400", "bye")
	resp := call(t, http.MethodGet, api+"/definitions/"+third.Events[0].Runs[0].DefinitionID+"/workflows/"+third.Events[0].Runs[0].WorkflowID+"/errors", nil, nil)
	waitFor(t, "the write past the schema to fail", 30*time.Second, func() bool {
		resp = call(t, http.MethodGet, api+"/definitions/"+third.Events[0].Runs[0].DefinitionID+"/workflows/"+third.Events[0].Runs[0].WorkflowID+"/errors", nil, nil)
		return strings.Contains(string(resp.Body), "schema")
	})
	getJSON(t, api+"/conversations/"+conv.ID+"/state", &state)
	if state["count"] != float64(2) {
		t.Errorf("conversation state after the refused write %v", state)
	}
	// The conversation's workflow, open (it idles for an hour), after
	// four messages.
	recordHistory(t, s, "conversation_messages", runs.ConversationWorkflowID("acme", conv.ID), "")
	if r := call(t, http.MethodPut, api+"/conversations/"+conv.ID+"/state", []byte(`{"count": 0}`), nil); r.Status != http.StatusOK {
		t.Errorf("put state: %d %s", r.Status, r.Body)
	}
	if r := call(t, http.MethodDelete, api+"/conversations/"+conv.ID+"/state", nil, nil); r.Status != http.StatusNoContent {
		t.Errorf("delete state: %d %s", r.Status, r.Body)
	}

	// Telegram: the chat is the conversation, the sender the user.
	update := `{"update_id": 30001, "message": {"message_id": 9, "from": {"id": 123456789, "is_bot": false, "first_name": "Ada", "username": "ada"},
		"chat": {"id": 123456789, "type": "private"}, "date": 1441645532, "text": "hello"}}`
	telegramHook := s.GatewayURL + "/hooks/acme/" + telegramConn + "/update"
	if r := deliver(t, telegramHook, telegramFake.SignWebhook("update", []byte(update), telegramtest.WebhookSecret, telegramHook, time.Now())); r.Status != http.StatusOK {
		t.Fatalf("telegram update: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the Telegram reply", 30*time.Second, func() bool { return len(sentTelegram(t, telegramFake)) == 1 })
	if got := sentTelegram(t, telegramFake)[0]; got["chat_id"] != float64(telegramtest.PrivateChat) || got["text"] != "*Got it* (#1)" ||
		got["parse_mode"] != "Markdown" {
		t.Errorf("telegram reply %v", got)
	}
	getJSON(t, api+"/users?channel=telegram&tag=username:ada", &users)
	if len(users) != 1 || users[0].Tags["id"] != "123456789" {
		t.Fatalf("telegram users %+v", users)
	}
	waitFor(t, "the Telegram reply in the log", 30*time.Second, func() bool {
		getJSON(t, api+"/conversations?channel=telegram&tag=chat:123456789", &convs)
		return len(convs) == 1 && convs[0].MessageCount == 2
	})
	if len(convs) != 1 || convs[0].UserID != users[0].ID || convs[0].Tags["chat"] != "123456789" || len(convs[0].Tags) != 1 {
		t.Errorf("telegram conversations %+v: want one, with the message and the reply", convs)
	}

	// Twilio: an SMS, answered by SMS; the user is the phone number on
	// channel sms, the conversation the pair of numbers.
	sms := []byte(`{"MessageSid":"SM00000000000000000000000000000088","AccountSid":"` + twiliotest.AccountSid + `",
	  "From":"+14155550100","To":"+15017122661","Body":"Where is my order?","NumMedia":"0"}`)
	twilioHook := s.GatewayURL + "/hooks/acme/" + twilioConn + "/incoming_sms"
	if r := deliver(t, twilioHook, twilioFake.SignWebhook("incoming_sms", sms, twiliotest.AuthToken, twilioHook, time.Now())); r.Status != http.StatusOK {
		t.Fatalf("twilio sms: %d %s", r.Status, r.Body)
	}
	waitFor(t, "the Twilio reply", 30*time.Second, func() bool { return len(twilioSent(twilioFake)) == 1 })
	if f := twilioSent(twilioFake)[0]; f.Get("To") != "+14155550100" || f.Get("Body") != "Got it (#1). Next?\n1. Track\n2. Cancel" {
		t.Errorf("twilio reply %v", f)
	}
	getJSON(t, api+"/users/"+runs.UserID("acme", runs.AwaitKey("sms", "+14155550100")), &user)
	getJSON(t, api+"/conversations?channel=sms&tag=activePhone:%2B15017122661", &convs)
	if user.Tags["phone"] != "+14155550100" || len(convs) != 1 || convs[0].Tags["userPhone"] != "+14155550100" {
		t.Errorf("twilio user %+v, conversations %+v", user, convs)
	}
	if r := call(t, http.MethodGet, api+"/users/usr_00000000000000000000000000000000", nil, nil); r.Status != http.StatusNotFound {
		t.Errorf("an unknown user: %d %s", r.Status, r.Body)
	}
}

type chatUserAnswer struct {
	ID      string            `json:"id"`
	Channel string            `json:"channel"`
	Key     string            `json:"key"`
	Tags    map[string]string `json:"tags"`
}

type conversationAnswer struct {
	ID           string            `json:"id"`
	Channel      string            `json:"channel"`
	UserID       string            `json:"userId"`
	Tags         map[string]string `json:"tags"`
	MessageCount int               `json:"messageCount"`
}

type messageAnswer struct {
	ID        string            `json:"id"`
	UserID    string            `json:"userId"`
	Direction string            `json:"direction"`
	Type      string            `json:"type"`
	Payload   map[string]any    `json:"payload"`
	Tags      map[string]string `json:"tags"`
	Runs      []struct {
		TemporalWorkflowID string `json:"temporalWorkflowId"`
		How                string `json:"how"`
	} `json:"runs"`
}

// getJSON reads one answer of the API into out, emptied first (decoding
// into a slice or map that holds values merges into them).
func getJSON(t *testing.T, url string, out any) {
	t.Helper()
	resp := call(t, http.MethodGet, url, nil, nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", url, resp.Status, resp.Body)
	}
	v := reflect.ValueOf(out).Elem()
	v.SetZero()
	resp.decode(t, out)
}
