package gateway_test

import (
	"errors"
	"net/http"
	"strings"
	"testing"

	"github.com/google/uuid"
	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/mocks"

	"github.com/junction-run/junction/runs"
)

// expectStart makes the next run start succeed and records its options and
// input; fail makes it fail instead.
func (e *env) expectStart(fail error) (*client.StartWorkflowOptions, *runs.RunInput) {
	var opts client.StartWorkflowOptions
	var in runs.RunInput
	call := e.temporal.On("ExecuteWorkflow", mock.Anything, mock.Anything, runs.RunDefinitionWorkflow, mock.Anything).Once().
		Run(func(args mock.Arguments) {
			opts = args.Get(1).(client.StartWorkflowOptions)
			in = args.Get(3).(runs.RunInput)
		})
	if fail != nil {
		call.Return(nil, fail)
		return &opts, &in
	}
	run := mocks.NewWorkflowRun(e.t)
	run.On("GetID").Return(func() string { return opts.ID }).Maybe()
	run.On("GetRunID").Return("run-1").Maybe()
	call.Return(run, nil)
	return &opts, &in
}

// triggerAnswer is the answer of the trigger routes.
type triggerAnswer struct {
	EventID string `json:"eventId"`
	Runs    []struct {
		DefinitionID, WorkflowID, TemporalWorkflowID, RunID string
		Version                                             int
	} `json:"runs"`
}

// TestTriggers: an event starts one run of each enabled definition with
// its trigger, with a workflow id made of the event's id, and the answer
// lists them; it comes only once Temporal has accepted the start.
func TestTriggers(t *testing.T) {
	e := newEnv(t)
	defID := e.createDefinition("notify.json")

	t.Run("Idempotency-Key is the event id", func(t *testing.T) {
		opts, in := e.expectStart(nil)
		resp := e.call(http.MethodPost, base+"/triggers/http_request?subAccountId=eu", e.runner, `{"order":1001}`, "Idempotency-Key", "order-1001")
		if resp.status != http.StatusOK {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		var got triggerAnswer
		resp.decode(t, &got)
		want := runs.RunWorkflowID(acme, defID, "order-1001")
		if got.EventID != "order-1001" || len(got.Runs) != 1 || got.Runs[0].DefinitionID != defID || got.Runs[0].Version != 1 ||
			got.Runs[0].WorkflowID != "order-1001" || got.Runs[0].TemporalWorkflowID != want || got.Runs[0].RunID != "run-1" {
			t.Errorf("answer %s", resp.body)
		}
		if opts.ID != want || opts.TaskQueue != runs.TaskQueue {
			t.Errorf("started %q on %q, want %q on %q", opts.ID, opts.TaskQueue, want, runs.TaskQueue)
		}
		if in.AccountID != acme || in.SubAccountID != "eu" || in.Payload["order"] != float64(1001) || in.EventID != "order-1001" {
			t.Errorf("run input %+v", in)
		}
	})

	t.Run("without a key every call is a new event", func(t *testing.T) {
		e.expectStart(nil)
		resp := e.call(http.MethodPost, base+"/triggers/http_request", e.runner, nil)
		var got triggerAnswer
		resp.decode(t, &got)
		if id, err := uuid.Parse(got.EventID); resp.status != http.StatusOK || err != nil || id.Version() != 7 {
			t.Errorf("%d %s: want a UUIDv7 event id", resp.status, resp.body)
		}
	})

	t.Run("a start Temporal refuses is a 503 to retry", func(t *testing.T) {
		e.expectStart(errors.New("context deadline exceeded while dialing frontend 10.1.2.3:7233"))
		resp := e.call(http.MethodPost, base+"/triggers/http_request", e.runner, `{}`, "Idempotency-Key", "order-1002")
		if resp.status != http.StatusServiceUnavailable {
			t.Fatalf("%d %s", resp.status, resp.body)
		}
		body := resp.apiError(t)
		if body.Code != 2000 || body.Message != "Could not start a run of definition "+defID+"; nothing was lost, retry the request." {
			t.Errorf("body %+v", body)
		}
		if strings.Contains(string(resp.body), "10.1.2.3") {
			t.Errorf("the cause reached the client: %s", resp.body)
		}
		assertLogged(t, e, body.ErrorID, "10.1.2.3")
	})

	t.Run("an 8x8 message goes to its conversation, its umid the event id", func(t *testing.T) {
		opts, update := e.expectConversation()
		resp := e.call(http.MethodPost, base+"/triggers/inbound_sms", e.runner,
			`{"namespace":"SMS","eventType":"inbound_message_received","payload":{"umid":"5b7e3c1a","subAccountId":"eu","source":"+6591234567","body":"YES"}}`)
		var got triggerAnswer
		resp.decode(t, &got)
		if resp.status != http.StatusOK || got.EventID != "5b7e3c1a" || len(got.Runs) != 0 {
			t.Errorf("%d %s", resp.status, resp.body)
		}
		conversation := runs.ConversationID(acme, "sms", runs.ConversationKey("+6591234567", "sms"))
		if opts.ID != runs.ConversationWorkflowID(acme, conversation) || update.UpdateName != runs.MessageUpdate || !strings.HasPrefix(update.UpdateID, "message-5b7e3c1a-") {
			t.Errorf("sent %+v to %q", update, opts.ID)
		}
		m := update.Args[0].(runs.InboundMessage).Message
		if m.UserKey != runs.AwaitKey("sms", "+6591234567") || m.Payload["text"] != "YES" || m.UserTags["msisdn"] != "+6591234567" {
			t.Errorf("message %+v", m)
		}
	})

	t.Run("a test run of a definition", func(t *testing.T) {
		opts, in := e.expectStart(nil)
		resp := e.call(http.MethodPost, base+"/definitions/"+defID+"/workflows", e.runner, `{"order":7}`, "Idempotency-Key", "try-1")
		if resp.status != http.StatusCreated || resp.header.Get("Location") != base+"/definitions/"+defID+"/workflows/try-1" {
			t.Fatalf("%d %v %s", resp.status, resp.header, resp.body)
		}
		if opts.ID != runs.RunWorkflowID(acme, defID, "try-1") || in.Version != 1 {
			t.Errorf("started %q with %+v", opts.ID, in)
		}
	})
}

// assertLogged checks that a failure was logged with its errorId and
// cause: what support needs when a client quotes the id.
func assertLogged(t *testing.T, e *env, errorID, cause string) {
	t.Helper()
	for _, entry := range e.logs.FilterMessage("request failed").All() {
		fields := entry.ContextMap()
		if fields["errorId"] == errorID {
			if !strings.Contains(fields["error"].(string), cause) {
				t.Errorf("logged %v, want the cause %q", fields, cause)
			}
			return
		}
	}
	t.Errorf("errorId %s was not logged", errorID)
}
