package devstack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/junction-run/junction/connectors/slack/slacktest"
	"github.com/junction-run/junction/connectors/telegram/telegramtest"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
	"github.com/junction-run/junction/internal/devstack"
)

// The message flow against the fakes: a Slack message in a thread is
// answered in that thread, a Telegram message in its chat, an SMS through
// Twilio by SMS, each by a Reply step that names no action; a run started
// by an API call has nothing to reply to.
func TestReplyStepAnswersInTheConversation(t *testing.T) {
	slackFake, telegramFake, twilioFake := slacktest.New(t), telegramtest.New(t), twiliotest.New(t)
	s := startTestStack(t, devstack.Config{ConnectorTransport: hostRouter{
		"slack.com":        mustURL(t, slackFake.BaseURL()),
		"api.telegram.org": mustURL(t, telegramFake.BaseURL()),
		twiliotest.Host:    mustURL(t, twilioFake.BaseURL()),
	}})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	const slackSecret, telegramSecret = "slack-signing-secret-reply", telegramtest.WebhookSecret
	slackConn := createConnection(t, api, `{"app":"slack","authKind":"bearer","fields":{"token":"`+slacktest.Token+`","webhook_secret":"`+slackSecret+`"}}`)
	telegramConn := createConnection(t, api, `{"app":"telegram","authKind":"bearer","fields":{"token":"`+telegramtest.Token+`","webhook_secret":"`+telegramSecret+`"}}`)
	twilioConn := createConnection(t, api, `{"app":"twilio","authKind":"basic","fields":{"username":"`+twiliotest.AccountSid+`","password":"`+twiliotest.AuthToken+`"}}`)
	for trigger, conn := range map[string]string{"slack.event": slackConn, "telegram.update": telegramConn, "twilio.incoming_sms": twilioConn} {
		createDefinition(t, s, "acme", []byte(fmt.Sprintf(`{"trigger": %q, "triggerConnection": %q, "status": "enabled",
			"definition": {"name": "answers %s", "steps": [{"id": "answer", "stepType": "Reply", "inputs": {"text": "Got it: {{ data.payload.event.text ?? data.payload.message.text ?? data.payload.Body }}"}}]}}`,
			trigger, conn, trigger)))
	}

	// Slack: a message in a thread the bot started.
	parent, err := slackFake.Add(func([]slacktest.Message) (slacktest.Message, error) {
		return slacktest.Message{Channel: slacktest.General, Text: "Order #1001 is packed", TS: "1700000000.000001"}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
	event := fmt.Sprintf(`{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","type":"event_callback","event_id":"EvReply1","event_time":%d,
		"event":{"type":"message","channel":%q,"user":"U123ABC456","text":"when does it ship? {{ 1 + 1 }}","ts":"1700000000.000100","thread_ts":%q,"event_ts":"1700000000.000100"}}`,
		time.Now().Unix(), slacktest.General, parent.TS)
	slackHook := s.GatewayURL + "/hooks/acme/" + slackConn + "/event"
	slackResp := deliver(t, slackHook, slackFake.SignWebhook("event", []byte(event), slackSecret, slackHook, time.Now()))
	if slackResp.Status != http.StatusOK {
		t.Fatalf("slack event: %d %s", slackResp.Status, slackResp.Body)
	}
	var slackRuns webhookResult
	slackResp.decode(t, &slackRuns)
	waitFor(t, "the Slack reply", 30*time.Second, func() bool { return len(slackFake.Messages()) == 2 })
	if m := slackFake.Messages()[1]; m.Channel != slacktest.General || m.ThreadTS != parent.TS || m.Text != "Got it: when does it ship? {{ 1 + 1 }}" {
		t.Errorf("slack reply %+v, want in the thread %s with the text as written", m, parent.TS)
	}

	if len(slackRuns.Events) == 1 && len(slackRuns.Events[0].Runs) == 1 {
		r := slackRuns.Events[0].Runs[0]
		waitRun(t, s, r.TemporalWorkflowID)
		recordHistory(t, s, "reply_in_slack_thread", r.TemporalWorkflowID, r.RunID)
	} else {
		t.Errorf("the Slack event started %s", slackResp.Body)
	}

	// Telegram: a message in a private chat.
	update := `{"update_id": 20001, "message": {"message_id": 7, "from": {"id": 4242, "is_bot": false, "first_name": "Ada"},
		"chat": {"id": 4242, "type": "private"}, "date": 1441645532, "text": "/status 1001"}}`
	telegramHook := s.GatewayURL + "/hooks/acme/" + telegramConn + "/update"
	if resp := deliver(t, telegramHook, telegramFake.SignWebhook("update", []byte(update), telegramSecret, telegramHook, time.Now())); resp.Status != http.StatusOK {
		t.Fatalf("telegram update: %d %s", resp.Status, resp.Body)
	}
	waitFor(t, "the Telegram reply", 30*time.Second, func() bool { return len(sentTelegram(t, telegramFake)) == 1 })
	if got := sentTelegram(t, telegramFake)[0]; fmt.Sprint(got["chat_id"]) != "4242" || got["text"] != "Got it: /status 1001" {
		t.Errorf("telegram reply %v", got)
	}

	// Twilio: an SMS to one of the account's numbers.
	sms := []byte(`{"MessageSid":"SM00000000000000000000000000000077","AccountSid":"` + twiliotest.AccountSid + `",
	  "From":"+14155552671","To":"+15017122661","Body":"Where is my order?","NumMedia":"0"}`)
	twilioHook := s.GatewayURL + "/hooks/acme/" + twilioConn + "/incoming_sms"
	if resp := deliver(t, twilioHook, twilioFake.SignWebhook("incoming_sms", sms, twiliotest.AuthToken, twilioHook, time.Now())); resp.Status != http.StatusOK {
		t.Fatalf("twilio sms: %d %s", resp.Status, resp.Body)
	}
	waitFor(t, "the Twilio reply", 30*time.Second, func() bool { return len(twilioSent(twilioFake)) == 1 })
	if f := twilioSent(twilioFake)[0]; f.Get("To") != "+14155552671" || f.Get("From") != "+15017122661" || f.Get("Body") != "Got it: Where is my order?" {
		t.Errorf("twilio reply %v", f)
	}

	// A run started through the API has no conversation.
	createDefinition(t, s, "acme", []byte(`{"trigger": "http_request", "status": "enabled", "definition": {"name": "no one to answer", "steps": [
		{"id": "answer", "stepType": "Reply", "inputs": {"text": "hello"}}]}}`))
	res := trigger(t, s, "acme", `{}`, nil)
	resp := call(t, http.MethodGet, api+"/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"/errors", nil, nil)
	waitFor(t, "the Reply step to fail", 30*time.Second, func() bool {
		resp = call(t, http.MethodGet, api+"/definitions/"+res.Runs[0].DefinitionID+"/workflows/"+res.Runs[0].WorkflowID+"/errors", nil, nil)
		return strings.Contains(string(resp.Body), "nothing to reply to")
	})
}

// sentTelegram is what the bot sent: each sendMessage's JSON body.
func sentTelegram(t *testing.T, fake *telegramtest.Server) []map[string]any {
	t.Helper()
	var out []map[string]any
	for _, r := range fake.Requests() {
		if r.BotMethod != "sendMessage" {
			continue
		}
		var body map[string]any
		if err := json.Unmarshal(r.Body, &body); err != nil {
			t.Fatal(err)
		}
		out = append(out, body)
	}
	return out
}

// twilioSent is the form of each message the account sent.
func twilioSent(fake *twiliotest.Server) []url.Values {
	var out []url.Values
	for _, r := range fake.Requests() {
		if r.Method == http.MethodPost && strings.HasSuffix(r.Path, "/Messages.json") {
			out = append(out, r.Form)
		}
	}
	return out
}

// An 8x8 inbound SMS is answered by SMS through 8x8, to the sender, from
// the number it wrote to, through the same subaccount.
func TestReplyStepAnswersAn8x8SMS(t *testing.T) {
	s, fake, _ := startMessagingStack(t)
	createDefinition(t, s, "acme", []byte(`{"trigger": "inbound_sms", "status": "enabled", "definition": {"name": "answers SMS", "steps": [
		{"id": "answer", "stepType": "Reply", "inputs": {"text": "Thanks, {{ data.payload.body }} noted"}, "outputs": {"umid": "{{ step.umid }}"}}]}}`))
	res := raise(t, s, "inbound_sms", inboundSMS("reply-8x8-1", "+6591234567", "order 1001"))
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	msgs := fake.Messages()
	if len(msgs) != 1 {
		t.Fatalf("8x8 got %d messages", len(msgs))
	}
	m := msgs[0]
	if m.SMS.Destination != "+6591234567" || m.SMS.Source != "+6500000000" || m.SubAccountID != "acme_sms" || m.SMS.Text != "Thanks, order 1001 noted" {
		t.Errorf("8x8 SMS %+v", m)
	}
	if data["umid"] != m.UMID {
		t.Errorf("the step's umid %v, want %s", data["umid"], m.UMID)
	}
}
