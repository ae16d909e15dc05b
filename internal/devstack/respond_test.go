package devstack_test

import (
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"

	"github.com/junction-run/junction/connectors/slack/slacktest"
	"github.com/junction-run/junction/connectors/twilio"
	"github.com/junction-run/junction/connectors/twilio/twiliotest"
	"github.com/junction-run/junction/internal/devstack"
)

// A trigger's caller who waits (?wait=, Prefer: wait=) gets the answer the
// run's Respond step makes, while the run goes on; a run still going when
// the wait is over answers 202; a run that ends without a Respond step
// answers as the trigger always does.
func TestTriggerAnswersWithTheRunsResponse(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	api := s.GatewayURL + "/api/v1/accounts/acme"
	// One definition per case, told apart by the event's "case".
	var ids []string
	for _, def := range []string{
		`{"trigger": "http_request", "status": "enabled", "conditions": ["{{ data.case == 'json' }}"], "definition": {"name": "answers json", "steps": [
			{"id": "answer", "stepType": "Respond", "inputs": {"status": 201, "headers": {"X-Order": "{{ data.order.id }}"},
			  "body": {"accepted": "{{ data.order.id }}", "lines": "{{ len(data.order.lines) }}"}}, "nextStepId": "later"},
			{"id": "later", "stepType": "Wait", "inputs": {"duration": "2s"}, "nextStepId": "again"},
			{"id": "again", "stepType": "Respond", "inputs": {"status": 500}}]}}`,
		`{"trigger": "http_request", "status": "enabled", "conditions": ["{{ data.case == 'twiml' }}"], "definition": {"name": "answers xml", "steps": [
			{"id": "answer", "stepType": "Respond", "inputs": {"headers": {"Content-Type": "text/xml"},
			  "body": "<Response><Message>Order {{ data.order.id }} received</Message></Response>"}}]}}`,
		`{"trigger": "http_request", "status": "enabled", "conditions": ["{{ data.case == 'slow' }}"], "definition": {"name": "answers late", "steps": [
			{"id": "first", "stepType": "Wait", "inputs": {"duration": "1h"}, "nextStepId": "answer"},
			{"id": "answer", "stepType": "Respond", "inputs": {"status": 201}}]}}`,
		`{"trigger": "http_request", "status": "enabled", "conditions": ["{{ data.case == 'silent' }}"], "definition": {"name": "no answer", "steps": [
			{"id": "tag", "stepType": "SetVariables", "inputs": {"tagged": true}}]}}`,
	} {
		ids = append(ids, createDefinition(t, s, "acme", []byte(def))["id"].(string))
	}
	event := func(kase string) []byte {
		return []byte(`{"case": "` + kase + `", "order": {"id": "1001", "lines": [1, 2, 3]}}`)
	}

	resp := call(t, http.MethodPost, api+"/triggers/http_request?wait=10s", event("json"), map[string]string{"Idempotency-Key": "respond-json"})
	if resp.Status != http.StatusCreated || resp.Header.Get("X-Order") != "1001" || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/json") {
		t.Fatalf("json answer: %d %v %s", resp.Status, resp.Header, resp.Body)
	}
	var body map[string]any
	resp.decode(t, &body)
	if body["accepted"] != "1001" || body["lines"] != float64(3) {
		t.Errorf("json answer body %s", resp.Body)
	}
	// The run goes on after its answer: it waits 2 s before its next step.
	jsonRun := "acme/" + ids[0] + "/respond-json"
	desc, err := s.Client.DescribeWorkflowExecution(t.Context(), jsonRun, "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_RUNNING {
		t.Errorf("the run is %s right after its answer, want running", st)
	}
	// The same event again finds the same run, and its answer.
	again := call(t, http.MethodPost, api+"/triggers/http_request", event("json"), map[string]string{"Idempotency-Key": "respond-json", "Prefer": "wait=10"})
	if again.Status != http.StatusCreated || !strings.Contains(string(again.Body), `"accepted":"1001"`) {
		t.Errorf("the same event, Prefer: wait=10: %d %s", again.Status, again.Body)
	}

	twiml := call(t, http.MethodPost, api+"/triggers/http_request?wait=5s", event("twiml"), map[string]string{uncheckedHeader: "a Respond step's 200"})
	if twiml.Status != http.StatusOK || twiml.Header.Get("Content-Type") != "text/xml" ||
		string(twiml.Body) != "<Response><Message>Order 1001 received</Message></Response>" {
		t.Errorf("text answer: %d %q %s", twiml.Status, twiml.Header.Get("Content-Type"), twiml.Body)
	}

	slow := call(t, http.MethodPost, api+"/triggers/http_request?wait=1s", event("slow"), nil)
	var res triggerResult
	slow.decode(t, &res)
	if slow.Status != http.StatusAccepted || len(res.Runs) != 1 || !strings.HasSuffix(slow.Header.Get("Location"), "/workflows/"+res.Runs[0].WorkflowID) {
		t.Errorf("a run still going: %d %v %s", slow.Status, slow.Header.Get("Location"), slow.Body)
	}

	silent := call(t, http.MethodPost, api+"/triggers/http_request?wait=10s", event("silent"), nil)
	silent.decode(t, &res)
	if silent.Status != http.StatusOK || len(res.Runs) != 1 {
		t.Errorf("a run without Respond: %d %s", silent.Status, silent.Body)
	}
	none := call(t, http.MethodPost, api+"/triggers/http_request?wait=10s", event("nobody"), nil)
	if none.Status != http.StatusOK {
		t.Errorf("an event that starts no run: %d %s", none.Status, none.Body)
	}

	for _, bad := range []struct{ query, prefer string }{{"?wait=forever", ""}, {"?wait=2m", ""}, {"", "wait=soon"}} {
		header := map[string]string{}
		if bad.prefer != "" {
			header["Prefer"] = bad.prefer
		}
		resp := call(t, http.MethodPost, api+"/triggers/http_request"+bad.query, event("json"), header)
		if resp.Status != http.StatusBadRequest {
			t.Errorf("wait %q / Prefer %q: %d %s, want 400", bad.query, bad.prefer, resp.Status, resp.Body)
		}
	}

	// The first run's log shows the second Respond step answered nothing.
	var out struct {
		Log []struct {
			StepName string         `json:"stepName"`
			Output   map[string]any `json:"output"`
		} `json:"log"`
		Response map[string]any `json:"response"`
	}
	run := s.Client.GetWorkflow(t.Context(), jsonRun, "")
	if err := run.Get(t.Context(), &out); err != nil {
		t.Fatal(err)
	}
	if out.Response["status"] != float64(201) || len(out.Log) != 3 || out.Log[2].Output["answered"] != false {
		b, _ := json.Marshal(out)
		t.Errorf("the run's output: %s", b)
	}
	recordHistory(t, s, "respond_then_wait", jsonRun, "")
}

// A Twilio SMS is answered with the TwiML the run's Respond step makes
// (Twilio sends it as the reply), within the time Twilio waits; a
// definition without a Respond step is answered at once with empty TwiML.
func TestTwilioAnsweredByTheRun(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	const authToken = "twilio-auth-token-respond-0123456789"
	connID := createConnection(t, api, `{"app":"twilio","authKind":"basic","fields":{"username":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa","password":"`+authToken+`"}}`)
	createDefinition(t, s, "acme", []byte(`{"trigger":"twilio.incoming_sms","triggerConnection":"`+connID+`","status":"enabled",
	  "conditions":["{{ data.payload.Body == 'status?' }}"],
	  "definition":{"name":"Answer SMS","steps":[{"id":"reply","stepType":"Respond","inputs":{"headers":{"Content-Type":"text/xml"},
	    "body":"<Response><Message>Hi {{ xmlEscape(data.payload.From) }}, your order ships today</Message></Response>"}}]}}`))
	createDefinition(t, s, "acme", []byte(`{"trigger":"twilio.incoming_sms","triggerConnection":"`+connID+`","status":"enabled",
	  "conditions":["{{ data.payload.Body != 'status?' }}"],
	  "definition":{"name":"Log SMS","steps":[{"id":"wait","stepType":"Wait","inputs":{"duration":"1h"}}]}}`))
	hookURL := s.GatewayURL + "/hooks/acme/" + connID + "/incoming_sms"
	send := func(sid, body string) apiResponse {
		sms := []byte(`{"MessageSid":"` + sid + `","AccountSid":"ACaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa",
		  "From":"+14155552671","To":"+15017122661","Body":"` + body + `","NumMedia":"0"}`)
		delivery := twiliotest.New(t).SignWebhook("incoming_sms", sms, authToken, hookURL, time.Now())
		return deliver(t, hookURL, delivery)
	}
	resp := send("SM00000000000000000000000000000001", "status?")
	if resp.Status != http.StatusOK || resp.Header.Get("Content-Type") != "text/xml" ||
		string(resp.Body) != "<Response><Message>Hi +14155552671, your order ships today</Message></Response>" {
		t.Errorf("answered: %d %q %s", resp.Status, resp.Header.Get("Content-Type"), resp.Body)
	}
	// The other definition waits an hour and has no Respond step: the
	// answer is empty TwiML, at once (the test's own deadline would catch
	// a gateway waiting for the run).
	resp = send("SM00000000000000000000000000000002", "thanks")
	if resp.Status != http.StatusOK || string(resp.Body) != twilio.EmptyTwiML {
		t.Errorf("not answered by the run: %d %s", resp.Status, resp.Body)
	}
}

// A Slack event is acknowledged with the run's Respond step when it comes
// within Slack's deadline (2.5 s of its 3), and at once with an empty 200
// when the definition has none.
func TestSlackAcknowledgedByTheRun(t *testing.T) {
	s := startTestStack(t, devstack.Config{})
	requireVault(t, s)
	api := s.GatewayURL + "/api/v1/accounts/acme"
	const secret = "slack-signing-secret-respond"
	conn := createConnection(t, api, `{"app":"slack","authKind":"bearer","fields":{"token":"xoxb-respond","webhook_secret":"`+secret+`"}}`)
	createDefinition(t, s, "acme", []byte(`{"trigger":"slack.event","triggerConnection":"`+conn+`","status":"enabled",
	  "conditions":["{{ data.payload.event.text == 'ping' }}"],
	  "definition":{"name":"acks","steps":[{"id":"ack","stepType":"Respond","inputs":{"body":{"ok":true,"seen":"{{ data.payload.event_id }}"}}}]}}`))
	createDefinition(t, s, "acme", []byte(`{"trigger":"slack.event","triggerConnection":"`+conn+`","status":"enabled",
	  "conditions":["{{ data.payload.event.text != 'ping' }}"],
	  "definition":{"name":"waits","steps":[{"id":"wait","stepType":"Wait","inputs":{"duration":"1h"}}]}}`))
	hook := s.GatewayURL + "/hooks/acme/" + conn + "/event"
	send := func(id, text string, header map[string]string) apiResponse {
		event := fmt.Sprintf(`{"token":"XXYYZZ","team_id":"T123ABC456","api_app_id":"A123ABC456","type":"event_callback","event_id":%q,"event_time":%d,
			"event":{"type":"message","channel":"C024BE91L","user":"U123ABC456","text":%q,"ts":"1700000000.000200","event_ts":"1700000000.000200"}}`,
			id, time.Now().Unix(), text)
		d := slacktest.New(t).SignWebhook("event", []byte(event), secret, hook, time.Now())
		for k, v := range header {
			d.Header.Set(k, v)
		}
		return deliver(t, hook, d)
	}
	// The run's answer is its definition's own: not the document's.
	resp := send("EvAck1", "ping", map[string]string{uncheckedHeader: "a Respond step's 200"})
	if resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"seen":"EvAck1"`) {
		t.Errorf("acknowledged by the run: %d %s", resp.Status, resp.Body)
	}
	resp = send("EvAck2", "hello", nil)
	var res webhookResult
	resp.decode(t, &res)
	if resp.Status != http.StatusOK || len(res.Events) != 1 || len(res.Events[0].Runs) != 1 {
		t.Errorf("without a Respond step: %d %s, want the usual answer", resp.Status, resp.Body)
	}
}
