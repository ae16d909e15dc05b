package devstack_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"google.golang.org/protobuf/proto"

	"github.com/junction-run/junction/connectors/eightbyeight/eightbyeighttest"
	"github.com/junction-run/junction/internal/devstack"
)

// syncBuffer collects every log line the stack writes, to search it for
// secrets.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}
func (s *syncBuffer) Sync() error { return nil }
func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// startMessagingStack starts the stack with the SMS and ChatAppsMessage
// steps pointed at a fake of 8x8's messaging APIs, logging at debug level
// into a buffer.
func startMessagingStack(t *testing.T) (*devstack.Stack, *eightbyeighttest.Server, *syncBuffer) {
	t.Helper()
	fake := eightbyeighttest.NewServer(t)
	logger, logs := bufferLogger()
	s := startTestStack(t, devstack.Config{Logger: logger, TemporalLogLevel: "debug", EightByEight: fake.Config()})
	return s, fake, logs
}

func inboundSMS(umid, from, text string) string {
	return `{"namespace":"SMS","eventType":"inbound_message_received","description":"SMS inbound message",
	  "payload":{"umid":"` + umid + `","subAccountId":"acme_sms","timestamp":"2026-11-24T09:00:00.00Z",
	  "source":"` + from + `","destination":"+6500000000","body":"` + text + `","encoding":"GSM7","smsCount":1}}`
}

func raise(t *testing.T, s *devstack.Stack, trigger, body string) triggerResult {
	t.Helper()
	resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/triggers/"+trigger, []byte(body), nil)
	if resp.Status != http.StatusOK {
		t.Fatalf("%s: %d %s", trigger, resp.Status, resp.Body)
	}
	var out triggerResult
	resp.decode(t, &out)
	return out
}

func waitRun(t *testing.T, s *devstack.Stack, workflowID string) map[string]any {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	var out struct {
		Data map[string]any `json:"data"`
	}
	if err := s.Client.GetWorkflow(ctx, workflowID, "").Get(ctx, &out); err != nil {
		t.Fatalf("run %s: %v", workflowID, err)
	}
	return out.Data
}

func texts(fake *eightbyeighttest.Server) []string {
	var out []string
	for _, m := range fake.Messages() {
		if m.Channel == eightbyeighttest.ChannelSMS {
			out = append(out, m.SMS.Destination+": "+m.SMS.Text)
		} else {
			b, _ := json.Marshal(m.Body)
			out = append(out, string(b))
		}
	}
	return out
}

func TestLanguageEndToEnd(t *testing.T) {
	s, fake, logs := startMessagingStack(t)
	sk := newSink(t)

	t.Run("the seed's auto-reply: every inbound chat apps message gets a reply", func(t *testing.T) {
		createDefinition(t, s, "acme", []byte(`{
		  "subAccountId": "acme_chat", "trigger": "inbound_chat_apps", "status": "enabled",
		  "definition": {"name": "Auto Reply ChatApps", "steps": [{
		    "id": "send_CA", "stepType": "ChatAppsMessage",
		    "inputs": {"subAccountId": "acme_chat", "user": {"msisdn": "{{data.payload.user.msisdn}}"}, "type": "text",
		      "content": {"text": "Hello, thank you for your message, we will get back to you as soon as possible."}},
		    "outputs": {"replyUmid": "{{step.umid}}"}}]}}`))
		res := raise(t, s, "inbound_chat_apps", `{"namespace":"ChatApps","eventType":"inbound_message_received",
		  "payload":{"umid":"ca-1","subAccountId":"acme_chat","user":{"msisdn":"+6591110000","channelUserId":"6591110000"},
		  "recipient":{"channel":"whatsapp"},"type":"text","content":{"text":"hi"}}}`)
		if len(res.Runs) != 1 || res.EventID != "ca-1" {
			t.Fatalf("runs %+v for event %s", res.Runs, res.EventID)
		}
		data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
		recordHistory(t, s, "chatapps_auto_reply", res.Runs[0].TemporalWorkflowID, res.Runs[0].RunID)
		msgs := fake.Messages()
		if len(msgs) != 1 || msgs[0].ChatApps.User["msisdn"] != "+6591110000" || msgs[0].SubAccountID != "acme_chat" {
			t.Fatalf("8x8 got %v", texts(fake))
		}
		if data["replyUmid"] != msgs[0].UMID {
			t.Errorf("replyUmid %v, want %s", data["replyUmid"], msgs[0].UMID)
		}
		// 8x8 redelivers the same webhook: no second reply.
		again := raise(t, s, "inbound_chat_apps", `{"payload":{"umid":"ca-1","subAccountId":"acme_chat","user":{"msisdn":"+6591110000"},"recipient":{"channel":"whatsapp"}}}`)
		if again.Runs[0].RunID != res.Runs[0].RunID {
			t.Errorf("redelivery started a new run")
		}
	})

	// One SMS definition exercises Branch on country code, If and
	// WaitForReply; a second inbound SMS from the same sender answers it.
	smsDef := func(confirm string) []byte {
		return []byte(`{
		  "trigger": "inbound_sms", "status": "enabled",
		  "definition": {"name": "Confirm by SMS", "steps": [
		    {"id": "route", "stepType": "Branch", "selectNextStep": {
		       "ask": "{{isCountryCode(data.payload.source, 'SG')}}", "crm": null}},
		    {"id": "crm", "stepType": "HttpRequest", "inputs": {"url": "` + sk.URL + `/crm", "method": "POST", "body": {"from": "{{data.payload.source}}"}}},
		    {"id": "ask", "stepType": "SMS", "nextStepId": "wait",
		     "inputs": {"subAccountId": "acme_sms", "destination": "{{data.payload.source}}", "text": "Reply YES to confirm"}},
		    {"id": "wait", "stepType": "WaitForReply", "nextStepId": "check",
		     "inputs": {"from": "{{data.payload.source}}", "channel": "sms", "timeout": "1.00:00:00"},
		     "outputs": {"answer": "{{step.reply.payload.body}}"}},
		    {"id": "check", "stepType": "If", "inputs": {"condition": "{{upper(data.answer) == 'YES'}}"},
		     "do": [[{"id": "confirm", "stepType": "SMS",
		       "inputs": {"subAccountId": "acme_sms", "destination": "{{data.payload.source}}", "text": "` + confirm + `"}}]]}
		  ]}}`)
	}
	def := createDefinition(t, s, "acme", smsDef("Confirmed (v1)"))
	defID := def["id"].(string)

	t.Run("Branch on country code: a UK number goes to the CRM", func(t *testing.T) {
		before := len(sk.received())
		res := raise(t, s, "inbound_sms", inboundSMS("uk-1", "+447700900123", "hello"))
		waitRun(t, s, res.Runs[0].TemporalWorkflowID)
		got := sk.received()
		if len(got) != before+1 || got[len(got)-1].Path != "/crm" {
			t.Fatalf("CRM calls: %d (want %d)", len(got), before+1)
		}
	})

	t.Run("WaitForReply answered by a second event; v2 published meanwhile; the run finishes on v1", func(t *testing.T) {
		first := raise(t, s, "inbound_sms", inboundSMS("sg-1", "+6591234567", "hello"))
		if len(first.Runs) != 1 || first.Runs[0].Version != 1 {
			t.Fatalf("first event: %+v", first)
		}
		waitFor(t, "the run to wait for the reply", 30*time.Second, func() bool {
			return countRuns(t, s, "JunctionAwaitingReply = 'sms:6591234567' AND ExecutionStatus = 'Running'") == 1
		})
		// 8x8 redelivers the message that started the run: it is neither a
		// reply nor a new run.
		again := raise(t, s, "inbound_sms", inboundSMS("sg-1", "+6591234567", "hello"))
		if len(again.Resumed) != 0 || len(again.Runs) != 1 || again.Runs[0].RunID != first.Runs[0].RunID {
			t.Fatalf("redelivery of the first message: resumed %+v, runs %+v", again.Resumed, again.Runs)
		}
		// Publish version 2 while version 1's run waits.
		resp := call(t, http.MethodPut, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+defID, smsDef("Confirmed (v2)"), nil)
		if resp.Status != http.StatusOK || !strings.Contains(string(resp.Body), `"version":2`) {
			t.Fatalf("update: %d %s", resp.Status, resp.Body)
		}

		reply := raise(t, s, "inbound_sms", inboundSMS("sg-2", "+6591234567", "yes"))
		if len(reply.Runs) != 0 || len(reply.Resumed) != 1 || reply.Resumed[0].RunID != first.Runs[0].RunID {
			t.Fatalf("the reply started %+v and resumed %+v; want it to resume the waiting run only", reply.Runs, reply.Resumed)
		}
		data := waitRun(t, s, first.Runs[0].TemporalWorkflowID)
		recordHistory(t, s, "sms_branch_wait_for_reply_if", first.Runs[0].TemporalWorkflowID, first.Runs[0].RunID)
		if data["answer"] != "yes" {
			t.Errorf("answer %v", data["answer"])
		}
		want := []string{"+6591234567: Reply YES to confirm", "+6591234567: Confirmed (v1)"}
		got := texts(fake)
		if len(got) < 2 || strings.Join(got[len(got)-2:], "|") != strings.Join(want, "|") {
			t.Fatalf("8x8 got %v, want it to end with %v", got, want)
		}

		// A new conversation now runs version 2.
		next := raise(t, s, "inbound_sms", inboundSMS("sg-3", "+6599999999", "hello"))
		if next.Runs[0].Version != 2 {
			t.Errorf("new run on version %d, want 2", next.Runs[0].Version)
		}
	})

	t.Run("deleting the definition terminates its waiting runs", func(t *testing.T) {
		waitFor(t, "the v2 run to wait", 30*time.Second, func() bool {
			return countRuns(t, s, "JunctionAwaitingReply = 'sms:6599999999' AND ExecutionStatus = 'Running'") == 1
		})
		resp := call(t, http.MethodDelete, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+defID, nil, nil)
		if resp.Status != http.StatusAccepted {
			t.Fatalf("delete: %d %s", resp.Status, resp.Body)
		}
		desc, err := s.Client.DescribeWorkflowExecution(context.Background(), "acme/"+defID+"/sg-3", "")
		if err != nil {
			t.Fatal(err)
		}
		if st := desc.GetWorkflowExecutionInfo().GetStatus(); st != enumspb.WORKFLOW_EXECUTION_STATUS_TERMINATED {
			t.Errorf("waiting run is %s after delete", st)
		}
		if resp := call(t, http.MethodGet, s.GatewayURL+"/api/v1/accounts/acme/definitions/"+defID, nil, nil); string(bytes.TrimSpace(resp.Body)) != "[]" {
			t.Errorf("versions after delete: %s", resp.Body)
		}
	})

	t.Run("trigger conditions decide before a run starts", func(t *testing.T) {
		createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","conditions":["{{data.amount > 100}}"],
		  "definition":{"name":"Big orders","steps":[{"id":"notify","stepType":"HttpRequest","inputs":{"url":"`+sk.URL+`/big","method":"POST"}}]}}`))
		small := trigger(t, s, "acme", `{"amount": 20}`, nil)
		big := trigger(t, s, "acme", `{"amount": 500}`, nil)
		if len(small.Runs) != 0 || len(big.Runs) != 1 {
			t.Fatalf("small started %d runs, big %d; want 0 and 1", len(small.Runs), len(big.Runs))
		}
	})

	t.Run("the 8x8 API key appears in no history and no log", func(t *testing.T) {
		key := fake.APIKey().Reveal()
		if key == "" {
			t.Fatal("the fake has no key")
		}
		if strings.Contains(logs.String(), key) {
			t.Error("the API key is in the logs")
		}
		iter := s.Client.GetWorkflowHistory(context.Background(), "acme/"+defID+"/sg-1", "", false, enumspb.HISTORY_EVENT_FILTER_TYPE_ALL_EVENT)
		var n int
		for iter.HasNext() {
			ev, err := iter.Next()
			if err != nil {
				t.Fatal(err)
			}
			n++
			// The wire form, where payloads are raw bytes (JSON would
			// base64 them and hide the key from the search).
			if b, _ := proto.Marshal(ev); bytes.Contains(b, []byte(key)) {
				t.Errorf("event %d (%s) holds the API key", ev.GetEventId(), ev.GetEventType())
			}
		}
		if n == 0 {
			t.Error("empty history")
		}
	})
}

func TestStepsCatalogue(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	base := s.GatewayURL + "/api/v1/accounts/acme/steps"

	var zones []struct{ ID, Name string }
	call(t, http.MethodGet, base+"/timezones?contains=singapore", nil, nil).decode(t, &zones)
	if len(zones) == 0 {
		t.Fatal("no time zone matches singapore")
	}
	for _, z := range zones {
		if !strings.Contains(strings.ToLower(z.Name+z.ID), "singapore") {
			t.Errorf("zone %+v does not match the filter", z)
		}
	}

	var fns []struct {
		Name       string `json:"name"`
		Example    string `json:"example"`
		Parameters []any  `json:"parameters"`
	}
	call(t, http.MethodGet, base+"/functions", nil, nil).decode(t, &fns)
	names := map[string]bool{}
	for _, f := range fns {
		names[f.Name] = true
	}
	for _, want := range []string{"isCountryCode", "stringContains", "isTimeOfDayBetween", "isDayOfWeek", "uuid"} {
		if !names[want] {
			t.Errorf("steps/functions lacks %s", want)
		}
	}
}

// TestConnectorActionStep runs the generic HTTP connector as a step: an XML
// body built from the event, the answer's fields written into the context
// by XPath, and the activity named like the step type in the history.
func TestConnectorActionStep(t *testing.T) {
	s := startStack(t, t.TempDir(), false)
	defer s.Stop(context.Background())
	var gotBody, gotType string
	var mu sync.Mutex
	erp := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		gotBody, gotType = string(b), r.Header.Get("Content-Type")
		mu.Unlock()
		w.Header().Set("Content-Type", "application/xml")
		io.WriteString(w, `<?xml version="1.0"?><result><order id="SO-77"><state>booked</state></order></result>`)
	}))
	defer erp.Close()

	// An action Junction does not have is refused when the definition is saved.
	resp := call(t, http.MethodPost, s.GatewayURL+"/api/v1/accounts/acme/definitions", []byte(`{"trigger":"http_request",
	  "definition":{"name":"x","steps":[{"id":"a","stepType":"shopify.teleport_order","inputs":{}}]}}`), nil)
	if resp.Status != http.StatusBadRequest || !strings.Contains(string(resp.Body), "definition.steps[0].stepType") {
		t.Fatalf("unknown connector action: %d %s", resp.Status, resp.Body)
	}

	createDefinition(t, s, "acme", []byte(`{"trigger":"http_request","status":"enabled","definition":{"name":"Book in the ERP","steps":[
	  {"id":"book","stepType":"http.call","inputs":{
	     "method":"POST","url":"`+erp.URL+`/orders","bodyFormat":"xml","xmlRoot":"order",
	     "body":{"@source":"junction","sku":"{{data.sku}}","qty":"{{data.qty}}"},
	     "extract":{"erpId":"/result/order/@id","state":"/result/order/state/text()"}},
	   "outputs":{"erpId":"{{step.extracted.erpId}}","erpState":"{{step.extracted.state}}","status":"{{step.status}}"}}]}}`))
	res := trigger(t, s, "acme", `{"sku":"A1","qty":2}`, nil)
	data := waitRun(t, s, res.Runs[0].TemporalWorkflowID)
	if data["erpId"] != "SO-77" || data["erpState"] != "booked" || data["status"] != float64(200) {
		t.Fatalf("context after the call: %v", data)
	}
	mu.Lock()
	defer mu.Unlock()
	if gotType != "application/xml; charset=utf-8" && gotType != "application/xml" {
		t.Errorf("Content-Type %q", gotType)
	}
	if !strings.Contains(gotBody, `<order source="junction">`) || !strings.Contains(gotBody, `<sku>A1</sku>`) || !strings.Contains(gotBody, `<qty>2</qty>`) {
		t.Errorf("ERP got %s", gotBody)
	}
	if types := activityTypes(t, s, res.Runs[0].TemporalWorkflowID, ""); strings.Join(types, ",") != "http.call" {
		t.Errorf("activities %v, want [http.call]", types)
	}
}
